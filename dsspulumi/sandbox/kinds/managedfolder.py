"""Managed folders (dss-rest-api.md §5): generated ids, settings, rename, delete.

Rows: kind ``managedfolder``, project = project key, id = the folder id DSS generates (a
random 8-character string, [code] managedfolder.py:DSSManagedFolder.id); the document is
the full definition (what GET returns; list items carry the same, full list items being
UNVERIFIED). The name is a label: it is not the id and, as far as we know, need not be
unique (UNVERIFIED; the sandbox does not refuse a duplicate name).

Refusals: a connection that does not exist (the text Dataiku's Ansible modules match on);
an empty or whitespace-only name (rename docstring [code]); a change of ``id`` or
``projectKey`` on PUT ([code] set_definition docstring). Deleting a folder also deletes
the recipes that read or write it ([code] delete docstring); its files are never touched.
``customFields`` are kept as sent: the client's settings class is a
``DSSTaggableObjectSettings`` with a ``custom_fields`` property [code] (that DSS keeps
them for folders is otherwise UNVERIFIED).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from dsspulumi.sandbox.documents import blank_meta, deleted, keep_immutable
from dsspulumi.sandbox.errors import (
    invalid,
    optional_object,
    optional_str,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import connection, project_object, require_project
from dsspulumi.sandbox.routes import Request, Route, collection
from dsspulumi.sandbox.store import Tx

KIND = "managedfolder"

_ID_ALPHABET = string.ascii_letters + string.digits
DEFAULT_PATH = "/${projectKey}/${odbId}"


def exists(tx: Tx, project_key: str, folder_id: str) -> bool:
    return tx.exists(KIND, project_key, folder_id)


def lookup(tx: Tx, project_key: str, folder_id: str) -> dict[str, Any]:
    return project_object(tx, KIND, "managed folder", project_key, folder_id)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise invalid(f"Invalid managed folder name '{name}': it cannot be empty or blank")
    return name


def _new_id(tx: Tx, project_key: str) -> str:
    while True:
        ident = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
        if not exists(tx, project_key, ident):
            return ident


def _check_params(tx: Tx, params: Any) -> dict[str, Any]:
    params = optional_object(params, "managed folder params")
    conn = params.get("connection")
    if not isinstance(conn, str) or not conn:
        raise invalid("Invalid managed folder params: 'connection' is required")
    connection(tx, conn)
    return params


# ---- handlers -------------------------------------------------------------------------------


def list_folders(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    return tx.docs(KIND, req.project_key)


def create_folder(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    body = require_object(req.body, "managed folder")
    name = _check_name(body.get("name"))
    if body.get("projectKey", project_key) != project_key:
        raise invalid(
            f"Managed folder projectKey {body.get('projectKey')} does not match project "
            f"{project_key}"
        )
    params = dict(_check_params(tx, body.get("params")))
    conn = connection(tx, params["connection"])
    if not conn.get("allowManagedFolders", True):
        raise invalid(f"Connection '{params['connection']}' does not allow managed folders")
    type_ = body.get("type") or conn["type"]
    if not isinstance(type_, str):
        raise invalid("Invalid managed folder type: expected a string")
    params.setdefault("path", DEFAULT_PATH)
    ident = _new_id(tx, project_key)
    folder = {
        "id": ident,
        "projectKey": project_key,
        "name": name,
        "type": type_,
        "params": params,
        "partitioning": {"ignoreNonMatchingFile": False, "dimensions": []},
        "flowOptions": {"virtualizable": False, "rebuildBehavior": "NORMAL"},
        **blank_meta(tx),
    }
    if tx.store.creation_keeps_fields:  # the rest of the definition sent, as a PUT keeps it
        kept = {k: val for k, val in body.items() if k not in ("id", "projectKey", "params")}
        folder.update(kept, name=name, type=type_, tags=string_list(kept.get("tags"), "tags"))
    tx.put(KIND, project_key, ident, folder)
    return {"id": ident}


def get_folder(tx: Tx, req: Request) -> dict[str, Any]:
    return lookup(tx, req.project_key, req.params["folderId"])


def set_folder(tx: Tx, req: Request) -> dict[str, Any]:
    """Whole-definition PUT: kept as sent, except the immutable id / projectKey."""
    project_key, ident = req.project_key, req.params["folderId"]
    current = lookup(tx, project_key, ident)
    body = require_object(req.body, "managed folder")
    keep_immutable(current, body, ("id", "projectKey"), f"managed folder {project_key}.{ident}")
    updated = dict(body)
    updated.update(
        id=ident,
        projectKey=project_key,
        name=_check_name(body.get("name", current["name"])),
        params=_check_params(tx, body.get("params", current["params"])),
        tags=string_list(body.get("tags"), "tags"),
        description=optional_str(body.get("description"), "description"),
        customFields=optional_object(body.get("customFields"), "customFields"),
        creationTag=current["creationTag"],
        versionTag=current["versionTag"],
    )
    updated.setdefault("type", current["type"])
    tx.bump(updated)
    tx.put(KIND, project_key, ident, updated)
    return {"msg": f"Managed folder {project_key}.{ident} saved"}


def delete_folder(tx: Tx, req: Request) -> dict[str, Any]:
    """Delete the folder, and (by the recipe kind's delete hook) the recipes using it;
    answered with JSON (the client parses it)."""
    project_key, ident = req.project_key, req.params["folderId"]
    lookup(tx, project_key, ident)
    return deleted(tx, KIND, "Managed folder", project_key, ident)


def rename_folder(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    body = require_object(req.body, "rename")
    ident = body.get("id")
    if not isinstance(ident, str):
        raise invalid("Invalid rename: 'id' of the managed folder is required")
    folder = lookup(tx, project_key, ident)
    folder["name"] = _check_name(body.get("newName"))
    tx.bump(folder)
    tx.put(KIND, project_key, ident, folder)
    return {"msg": f"Managed folder {project_key}.{ident} renamed"}


def list_contents(tx: Tx, req: Request) -> dict[str, Any]:
    lookup(tx, req.project_key, req.params["folderId"])
    return {"items": []}  # the sandbox stores no files


_ONE = "/projects/{projectKey}/managedfolders/{folderId}"
ROUTES = [
    *collection(_ONE, (list_folders, create_folder, get_folder, set_folder, delete_folder)),
    Route("GET", _ONE + "/contents", list_contents),
    Route("POST", "/projects/{projectKey}/actions/renameManagedFolder", rename_folder),
]
