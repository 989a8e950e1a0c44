"""A dataset's creation call: its whole definition in one ``POST /projects/{pk}/datasets/``.

The body is the definition the settings document would hold after the create and its write:
name, type, params and format, the ``managed`` flag, and what the kind's schema writes
(description, tags, schema, format params...), with the ownership mark in ``customFields``.
A managed dataset is created the same way, with the ``managed`` flag, the connection's type
(read once per connection and run: ``GET /connections/{name}/info``) and the storage DSS
gives a managed dataset on it: ``${projectKey}/<name>`` on a files connection, a table
``${projectKey}_<name>`` on an SQL one. Its format, when the stack declares none, is left
for DSS to choose, as ``/datasets/managed`` does.

Whether DSS keeps all of it is checked on the first create of a run (``creation``); where it
does not, the provider writes the settings and mark just after, as it always did.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from dsspulumi.kinds import schema
from dsspulumi.kinds.marks import write_mark
from dsspulumi.provider import Mark

# dataikuapi's DSSDataset._FS_TYPES of 15.2 (plus plugin file systems): the types whose data
# is files under a path; the others (SQL) keep it in a table.
FILE_TYPES = frozenset(
    ["Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP", "SCP"]
    + ["SFTP"]
)

_types_lock = threading.Lock()


def connection_type(session: Any, name: str) -> str:
    """The type of connection ``name`` (a dataset on it has that type), once per run."""
    cache: dict[str, str] = session.__dict__.setdefault("_connection_types", {})
    with _types_lock:  # held across the call: the creates of a run wait for the one read
        if name not in cache:
            what = f"read the type of connection {name} (GET /connections/{name}/info)"
            with session.call(what):
                info = session.client.get_connection(name).get_info()
            cache[name] = str(info.get("type") or "")
        return cache[name]


def managed_storage(type_: str, connection: str, name: str) -> dict[str, Any]:
    """The params DSS gives a managed dataset of ``name`` on a connection of ``type_``."""
    if type_ in FILE_TYPES or type_.startswith("fsprovider_"):
        return {"connection": connection, "path": "${projectKey}/" + name}
    return {"connection": connection, "mode": "table", "table": "${projectKey}_" + name}


def creation_body(
    session: Any, kind: type, inputs: Mapping[str, Any], mark: Mark
) -> dict[str, Any]:
    """The whole definition of a new dataset of class ``kind``, with its mark."""
    key, name = inputs["project"], inputs["name"]
    body: dict[str, Any] = {"name": name, "projectKey": key}
    if inputs["managed"]:
        conn = inputs["connection"]
        type_ = connection_type(session, conn)
        body.update(type=type_, managed=True, params=managed_storage(type_, conn, name))
    else:
        conn = inputs.get("connection")
        params = {**({"connection": conn} if conn is not None else {}), **inputs["params"]}
        body.update(
            type=inputs["type"],
            managed=False,
            params=params,
            formatParams=dict(inputs.get("format_params") or {}),
        )
    if inputs.get("format_type") is not None or not inputs["managed"]:
        body["formatType"] = inputs.get("format_type")
    schema.write_into(kind, body, inputs, None)
    write_mark(body, mark)
    return body
