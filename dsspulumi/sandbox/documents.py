"""What the kinds of the sandbox do alike to their documents: the name of a new instance
object, the metadata a new project object starts with, the fields a save may not change, a
rename request, a delete. Kind modules never import each other, so what they share lives
here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import hooks
from .errors import check_object_name, invalid, require_object

if TYPE_CHECKING:
    from .routes import Request
    from .store import Tx

T = TypeVar("T")


def blank_meta(tx: Tx) -> dict[str, Any]:
    """The tags, descriptions and tags of versions DSS gives an object it creates."""
    return {
        "tags": [],
        "description": "",
        "shortDesc": "",
        "checklists": {"checklists": []},
        "customMeta": {"kv": {}},
        "customFields": {},
        "creationTag": tx.tag(),
        "versionTag": tx.tag(),
    }


def new_instance_name(tx: Tx, kind: str, body: dict[str, Any], field: str, what: str) -> str:
    """The name of an instance-level object (connection, group, user) about to be created:
    a string, not blank, without a '/', not taken."""
    name = body.get(field)
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise invalid(f"Invalid {what} {field} '{name}'")
    if tx.exists(kind, "", name):
        raise invalid(f"{what.capitalize()} {name} already exists")
    return name


def keep_immutable(
    current: dict[str, Any], body: dict[str, Any], keys: tuple[str, ...], what: str
) -> None:
    """Refuse a whole-document save that changes one of ``keys`` (DSS's id fields)."""
    for key in keys:
        if key in body and body[key] != current[key]:
            raise invalid(
                f"Cannot change the {key} of {what} (from {current[key]!r} to {body[key]!r})"
            )


def rename_request(
    req: Request, kind: str, lookup: Callable[[str], T], exists: Callable[[str], bool]
) -> tuple[str, str, T]:
    """``{oldName, newName}`` checked the way DSS checks it: (old, new, the object found)."""
    body = require_object(req.body, "rename")
    old = body.get("oldName")
    if not isinstance(old, str) or not old:
        raise invalid(f"Invalid rename: 'oldName' of the {kind} is required")
    found = lookup(old)
    new = check_object_name(kind, body.get("newName"))
    if new == old or exists(new):
        raise invalid(f"{kind.capitalize()} {req.project_key}.{new} already exists")
    return old, new, found


def deleted(tx: Tx, kind: str, label: str, project_key: str, ident: str) -> dict[str, Any]:
    """Delete a project object, let the kinds that refer to it follow, and answer as DSS."""
    tx.delete(kind, project_key, ident)
    hooks.deleted(tx, kind, project_key, ident)
    return {"msg": f"{label} {project_key}.{ident} deleted"}
