"""What one kind reads of another kind's rows, so kind modules never import each other.

A recipe checks that its inputs exist, a permission that its group exists, a dataset that
its connection and folder exist: each reads the other kind's rows here, by kind name, with
DSS's refusal when they are missing. (What a kind does when another's object is renamed or
deleted goes through :mod:`.hooks`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CODED, DssApiError, not_found, unknown_connection
from .objects import split_ref

if TYPE_CHECKING:
    from .store import Tx

#: Row kinds read across kind modules (each kind module also names its own as ``KIND``).
PROJECT = "project"
DATASET = "dataset"
MANAGED_FOLDER = "managedfolder"
RECIPE = "recipe"
CONNECTION = "connection"
GROUP = "group"
USER = "user"


def require_project(tx: Tx, key: str) -> None:
    """Refuse unless the project exists (an indexed existence check, no document decoded)."""
    if not tx.exists(PROJECT, key, key):
        raise not_found("project", key)


def project_object(tx: Tx, kind: str, label: str, key: str, ident: str) -> dict[str, Any]:
    """An object of project ``key``, or DSS's 404: the project's own if the project is missing."""
    doc = tx.get(kind, key, ident)
    if doc is None:
        require_project(tx, key)
        raise not_found(label, f"{key}.{ident}")
    return doc


def is_exposed(tx: Tx, key: str, object_type: str, name: str, target: str) -> bool:
    """Whether project ``key`` exposes its object to project ``target`` (exposedObjects)."""
    project = tx.get(PROJECT, key, key)
    objects = (project or {}).get("settings", {}).get("exposedObjects", {}).get("objects", [])
    return any(
        o.get("type") == object_type
        and o.get("localName") == name
        and any(r.get("targetProject") == target for r in o.get("rules", []))
        for o in objects
    )


def connection(tx: Tx, name: str, status: int = 400) -> dict[str, Any]:
    """The connection named ``name``, or DSS's "does not exist" refusal."""
    conn = tx.get(CONNECTION, "", name)
    if conn is None:
        raise unknown_connection(name, status)
    return conn


def folder_exists(tx: Tx, project_key: str, ref: Any) -> bool:
    """A folder "smart id" (``id`` or ``PROJECT.id``) names an existing managed folder."""
    key, folder_id = split_ref(project_key, ref)
    return tx.exists(MANAGED_FOLDER, key, folder_id)


def group_exists(tx: Tx, name: str) -> bool:
    return tx.exists(GROUP, "", name)


def user_exists(tx: Tx, login: str) -> bool:
    return tx.exists(USER, "", login)


def require_enterprise(tx: Tx, feature: str) -> None:
    """Refuse ``feature`` unless the sandbox imitates an Enterprise instance (see
    :mod:`.kinds.licensing` for the edition and why this refusal's shape is a convention)."""
    if tx.store.edition != "enterprise":
        raise DssApiError(
            403,
            CODED,
            f"{feature} requires a DSS Enterprise license (this instance runs the Free Edition)",
        )
