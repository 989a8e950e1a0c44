"""Helpers shared by the objects that live inside a project (datasets, recipes, ...).

The metadata endpoint of a dataset or recipe is a *view* on its definition, as on DSS:
``label`` is the name, and tags, description, shortDesc, checklists, ``custom`` (stored as
``customMeta``) and ``customFields`` are the definition's own fields, so a change made through
either endpoint is seen by the other.
"""

from __future__ import annotations

from typing import Any

from .errors import invalid, optional_object, optional_str, require_object, string_list


def split_ref(project_key: str, ref: Any) -> tuple[str, str]:
    """A flow ref is ``name`` (same project) or ``OTHERPROJECT.name``."""
    if not isinstance(ref, str) or not ref:
        raise invalid(f"Invalid recipe input/output ref: {ref!r}")
    if "." in ref:
        other, _, name = ref.partition(".")
        return other, name
    return project_key, ref


def metadata_view(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": obj["name"],
        "description": obj.get("description", ""),
        "shortDesc": obj.get("shortDesc", ""),
        "tags": list(obj.get("tags", [])),
        "checklists": obj.get("checklists", {"checklists": []}),
        "custom": obj.get("customMeta", {"kv": {}}),
        "customFields": obj.get("customFields", {}),
    }


def apply_metadata(obj: dict[str, Any], body: Any) -> None:
    """Write a metadata PUT body into the definition (the caller bumps and saves)."""
    body = require_object(body, "metadata")
    obj.update(
        {
            "tags": string_list(body.get("tags"), "tags"),
            "description": optional_str(body.get("description"), "description"),
            "shortDesc": optional_str(body.get("shortDesc"), "shortDesc"),
            "checklists": optional_object(body.get("checklists"), "checklists")
            or {"checklists": []},
            "customMeta": optional_object(body.get("custom"), "custom") or {"kv": {}},
            "customFields": optional_object(body.get("customFields"), "customFields"),
        }
    )
