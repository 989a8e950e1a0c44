"""Connections (instance-level, ``/admin/connections/``).

Rows: kind ``connection``, project ``""``, id = name. Built-in connections are seeded when a
database is created: ``filesystem_root``, ``filesystem_managed``, ``filesystem_folders``
(type Filesystem) and ``sql_postgres`` (type PostgreSQL) -- the sandbox runs no SQL, the
PostgreSQL connection only lets SQL datasets and recipes be declared on it.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from dsspulumi.sandbox.documents import new_instance_name
from dsspulumi.sandbox.errors import (
    invalid,
    optional_object,
    optional_str,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import connection
from dsspulumi.sandbox.routes import Request, Route, collection
from dsspulumi.sandbox.store import Tx

KIND = "connection"

#: Built-in connections: name -> (type, params).
BUILT_IN: dict[str, tuple[str, dict[str, Any]]] = {
    "filesystem_root": ("Filesystem", {"root": "/"}),
    "filesystem_managed": ("Filesystem", {"root": "${dip.home}/managed_datasets"}),
    "filesystem_folders": ("Filesystem", {"root": "${dip.home}/managed_folders"}),
    "sql_postgres": (
        "PostgreSQL",
        {
            "host": "localhost",
            "port": "5432",
            "db": "dss",
            "user": "dss",
            "defaultSchema": "public",
        },
    ),
}

_SECRET_PARAM_RE = re.compile(r"password|secret", re.IGNORECASE)
_SECRET_PREFIX = "e:"


def seal_secrets(params: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Store password-like params as opaque tokens, like DSS returns them encrypted.

    A token sent back unchanged is kept; a new clear value is sealed again (with a fresh
    nonce, so the stored value changes, as it does in DSS).
    """
    sealed = dict(params)
    for key, value in params.items():
        if not (_SECRET_PARAM_RE.search(key) and isinstance(value, str) and value):
            continue
        if value.startswith(_SECRET_PREFIX) and value == previous.get(key, value):
            continue
        raw = secrets.token_bytes(4) + value.encode()
        sealed[key] = _SECRET_PREFIX + base64.b64encode(raw).decode()
    return sealed


def new_connection(
    tx: Tx, name: str, type_: str, params: dict[str, Any], description: str
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "description": description,
        "params": seal_secrets(params, {}),
        "usableBy": "ALL",
        "allowedGroups": [],
        "allowWrite": True,
        "allowManagedDatasets": True,
        "allowManagedFolders": True,
        "allowKnowledgeBanks": True,
        "detailsReadability": {"readableBy": "NONE", "allowedGroups": []},
        "credentialsMode": "GLOBAL",
        "maxActivities": 0,
        "useGlobalProxy": False,
        "creationTag": tx.tag(),
    }


def seed(tx: Tx) -> None:
    for name, (type_, params) in BUILT_IN.items():
        tx.put(KIND, "", name, new_connection(tx, name, type_, params, ""))


def list_connections(tx: Tx, req: Request) -> dict[str, Any]:
    return {c["name"]: c for c in tx.docs(KIND, "")}


def connection_names(tx: Tx, req: Request) -> list[str]:
    type_ = req.arg("type")
    return [
        c["name"] for c in tx.docs(KIND, "") if type_ in (None, "", "all") or c["type"] == type_
    ]


def get_connection(tx: Tx, req: Request) -> dict[str, Any]:
    return connection(tx, req.params["name"], 404)


def connection_info(tx: Tx, req: Request) -> dict[str, Any]:
    name = req.params["name"]
    conn = connection(tx, name, 404)
    return {
        "name": name,
        "type": conn["type"],
        "params": conn["params"],
        "resolvedParams": conn["params"],
        "credentialsMode": conn["credentialsMode"],
    }


def create_connection(tx: Tx, req: Request) -> dict[str, Any]:
    body = require_object(req.body, "connection")
    name = new_instance_name(tx, KIND, body, "name", "connection")
    type_ = body.get("type")
    if not isinstance(type_, str) or not type_:
        raise invalid("Connection type is required")
    params = optional_object(body.get("params"), "connection params")
    conn = new_connection(
        tx, name, type_, params, optional_str(body.get("description"), "description")
    )
    if body.get("usableBy") is not None:
        conn["usableBy"] = body["usableBy"]
    conn["allowedGroups"] = string_list(body.get("allowedGroups"), "allowedGroups")
    tx.put(KIND, "", name, conn)
    return {"msg": f"Connection {name} created"}


def update_connection(tx: Tx, req: Request) -> dict[str, Any]:
    name = req.params["name"]
    current = connection(tx, name, 404)
    body = require_object(req.body, "connection")
    for key in ("name", "type"):
        if key in body and body[key] != current[key]:
            raise invalid(f"Cannot change the {key} of connection {name}")
    params = optional_object(body.get("params"), "connection params")
    updated = dict(body)
    updated.update(
        name=name,
        type=current["type"],
        params=seal_secrets(params, current["params"]),
        creationTag=current["creationTag"],
    )
    tx.put(KIND, "", name, updated)
    return updated


def users_of(tx: Tx, name: str) -> list[str]:
    """The datasets (``PK.name``) that live on connection ``name``."""
    return [
        f"{d['projectKey']}.{d['name']}"
        for d in tx.docs("dataset")
        if name
        in (
            (d.get("params") or {}).get("connection"),
            (d.get("params") or {}).get("uploadConnection"),
        )
    ]


def delete_connection(tx: Tx, req: Request) -> dict[str, Any]:
    name = req.params["name"]
    connection(tx, name, 404)
    used = users_of(tx, name)
    if used:
        shown = ", ".join(used[:10]) + (f" and {len(used) - 10} more" if len(used) > 10 else "")
        raise invalid(
            f"Connection {name} is still used by datasets {shown}; delete them or move them to "
            "another connection first"
        )
    tx.delete(KIND, "", name)
    return {"msg": f"Connection {name} deleted"}


ROUTES = [
    *collection(
        "/admin/connections/{name}",
        (list_connections, create_connection, get_connection, update_connection, delete_connection),
    ),
    Route("GET", "/connections/get-names", connection_names),
    Route("GET", "/connections/{name}/info", connection_info),
]
