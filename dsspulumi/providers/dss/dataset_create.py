"""A dataset's creation call, carrying its whole definition and its ownership mark.

An external dataset is one ``POST /projects/{pk}/datasets/`` with the definition the
settings document would hold after the create and its write: name, type, params, format,
and what the kind's schema writes (description, tags, schema...), the mark in
``customFields``. A managed dataset keeps DSS's own creation call,
``POST /projects/{pk}/datasets/managed``: DSS picks its storage (path or table) and format
defaults from the connection, which the stack never guesses; the same declared fields and the
mark ride at the top of its body. Whether DSS keeps them is checked on the first create of
each of the two calls in a run (``creation``); where it does not, the provider writes the
settings and mark just after (GET + PUT), as it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.kinds import schema
from dsspulumi.kinds.marks import write_mark
from dsspulumi.provider import Mark

#: What a managed dataset's creation settings decide, not its extra fields.
_STORAGE = ("type", "params", "formatType", "managed")


def check_kind(inputs: Mapping[str, Any]) -> str:
    """The creation call a dataset of these inputs goes through, for ``creation``."""
    return "managed dataset" if inputs["managed"] else "dataset"


def creation_body(kind: type, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
    """The body of the creation call of a dataset of class ``kind``, with its mark."""
    key, name = inputs["project"], inputs["name"]
    body: dict[str, Any] = {"name": name, "projectKey": key}
    if not inputs["managed"]:
        conn = inputs.get("connection")
        params = {**({"connection": conn} if conn is not None else {}), **inputs["params"]}
        body.update(
            type=inputs["type"],
            params=params,
            formatType=inputs.get("format_type"),
            formatParams=dict(inputs.get("format_params") or {}),
        )
    schema.write_into(kind, body, inputs, None)
    write_mark(body, mark)
    if inputs["managed"]:
        for field in _STORAGE:
            body.pop(field, None)
        specific = {"formatOptionId": inputs["format_type"]} if inputs.get("format_type") else {}
        body["creationSettings"] = {
            "connectionId": inputs["connection"],
            "specificSettings": specific,
        }
    return body


def endpoint(inputs: Mapping[str, Any]) -> str:
    tail = "managed" if inputs["managed"] else ""
    return f"/projects/{inputs['project']}/datasets/{tail}"
