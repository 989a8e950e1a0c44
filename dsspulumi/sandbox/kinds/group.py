"""Groups (instance-level, ``/admin/groups/``).

Rows: kind ``group``, project ``""``, id = name. Seeded: ``administrators`` (admin) and
``data_team`` (the non-admin sandbox user's group). Capabilities are not taken at creation
(``POST`` keeps name, description and sourceType only): they are set by a ``PUT`` after it,
as Dataiku's own Ansible module does.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.documents import new_instance_name
from dsspulumi.sandbox.errors import (
    USERS_GROUP,
    invalid,
    not_found,
    optional_str,
    require_object,
)
from dsspulumi.sandbox.routes import Request, collection
from dsspulumi.sandbox.store import Tx

KIND = "group"
SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS")

#: Capability flags of a group definition (dss-rest-api.md §9.2), all false for a new group.
FLAGS = (
    "admin",
    "mayCreateProjects",
    "mayCreateProjectsFromMacros",
    "mayCreateProjectsFromTemplates",
    "mayCreateProjectsFromDataikuApps",
    "mayCreateAuthenticatedConnections",
    "mayCreateCodeEnvs",
    "mayManageCodeEnvs",
    "mayCreateClusters",
    "mayManageClusters",
    "mayDevelopPlugins",
    "mayEditLibFolders",
    "mayManageUDM",
    "mayViewIndexedHiveConnections",
    "mayWriteSafeCode",
    "mayWriteUnsafeCode",
    "mayWriteInRootProjectFolder",
    "mayCreateActiveWebContent",
    "mayCreatePublishedAPIServices",
    "mayCreatePublishedProjects",
)


def new_group(tx: Tx, name: str, description: str, source_type: str) -> dict[str, Any]:
    group: dict[str, Any] = {"name": name, "description": description, "sourceType": source_type}
    group.update({flag: False for flag in FLAGS})
    group.update(
        ldapGroupNames=[],
        canObtainAPITicketFromCookiesForGroupsRegex="",
        creationTag=tx.tag(),
    )
    return group


def seed(tx: Tx) -> None:
    admins = new_group(tx, "administrators", "DSS administrators", "LOCAL")
    admins["admin"] = True
    tx.put(KIND, "", "administrators", admins)
    team = new_group(tx, USERS_GROUP, "Sandbox data team", "LOCAL")
    team.update(mayCreateProjects=True, mayWriteSafeCode=True)
    tx.put(KIND, "", USERS_GROUP, team)


def exists(tx: Tx, name: str) -> bool:
    return tx.exists(KIND, "", name)


def lookup(tx: Tx, name: str) -> dict[str, Any]:
    group = tx.get(KIND, "", name)
    if group is None:
        raise not_found("group", name)
    return group


def _source_type(value: Any) -> str:
    value = value or "LOCAL"
    if value not in SOURCE_TYPES:
        raise invalid(
            f"Invalid group sourceType '{value}': expected one of {', '.join(SOURCE_TYPES)}"
        )
    return str(value)


def list_groups(tx: Tx, req: Request) -> list[dict[str, Any]]:
    return tx.docs(KIND, "")


def create_group(tx: Tx, req: Request) -> dict[str, Any]:
    body = require_object(req.body, "group")
    name = new_instance_name(tx, KIND, body, "name", "group")
    group = new_group(
        tx,
        name,
        optional_str(body.get("description"), "description"),
        _source_type(body.get("sourceType")),
    )
    tx.put(KIND, "", name, group)
    return {"msg": f"Group {name} created"}


def get_group(tx: Tx, req: Request) -> dict[str, Any]:
    return lookup(tx, req.params["name"])


def set_group(tx: Tx, req: Request) -> dict[str, Any]:
    name = req.params["name"]
    current = lookup(tx, name)
    body = require_object(req.body, "group")
    if body.get("name", name) != name:
        raise invalid(f"Cannot rename group {name}")
    for flag in FLAGS:
        if flag in body and not isinstance(body[flag], bool):
            raise invalid(f"Invalid group {name}: '{flag}' must be true or false")
    updated = dict(body)
    updated.update(
        name=name,
        sourceType=_source_type(body.get("sourceType", current["sourceType"])),
        description=optional_str(body.get("description"), "description"),
        creationTag=current["creationTag"],
    )
    tx.put(KIND, "", name, updated)
    return updated


def delete_group(tx: Tx, req: Request) -> dict[str, Any]:
    """Its members lose it (the user kind's delete hook)."""
    name = req.params["name"]
    lookup(tx, name)
    tx.delete(KIND, "", name)
    hooks.deleted(tx, KIND, "", name)
    return {"msg": f"Group {name} deleted"}


ROUTES = [
    *collection(
        "/admin/groups/{name}", (list_groups, create_group, get_group, set_group, delete_group)
    ),
]
