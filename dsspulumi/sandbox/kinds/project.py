"""Projects: summary, metadata, settings, permissions, variables; delete cascades.

Rows: kind ``project``, project = id = the project key. The document holds ``metadata``,
``settings``, ``permissions``, ``variables``, ``creationTag`` and ``versionTag``; the
project's datasets, recipes... are rows of their own kinds with the same ``project``, so
deleting a project is one indexed delete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.errors import (
    ADMIN_LOGIN,
    PROJECT_KEY_RE,
    deep_merge,
    invalid,
    not_found,
    optional_object,
    optional_str,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import (
    DATASET,
    group_exists,
    require_enterprise,
    require_project,
)
from dsspulumi.sandbox.routes import Handler, Request, Route, get_put
from dsspulumi.sandbox.store import Tx

KIND = "project"


def default_project_settings() -> dict[str, Any]:
    """A project settings document with every key the client's helpers index into."""
    return {
        "settings": {
            "codeEnvs": {
                "python": {"mode": "USE_BUILTIN_MODE", "useBuiltinEnv": True, "envName": None},
                "r": {"mode": "USE_BUILTIN_MODE", "useBuiltinEnv": True, "envName": None},
            },
            "container": {"containerMode": "INHERIT", "containerConf": ""},
            "k8sCluster": {"clusterMode": "INHERIT", "clusterId": None, "defaultClusterId": None},
            "cluster": {"clusterMode": "INHERIT", "clusterId": None, "defaultClusterId": None},
            "disableAutomaticTriggers": False,
            "flowBuildSettings": {"mergeSparkPipelines": True, "pruneBeforeSparkPipelines": True},
        },
        "exposedObjects": {"objects": []},
        "integrations": {"integrations": []},
    }


def lookup(tx: Tx, key: str) -> dict[str, Any]:
    """The project document, or DSS's NotFoundException."""
    project = tx.get(KIND, key, key)
    if project is None:
        raise not_found("project", key)
    return project


def unexpose(tx: Tx, key: str, object_type: str, name: str) -> None:
    """Forget the exposure of an object that is deleted (it can no longer be shared)."""
    project = tx.get(KIND, key, key)
    if project is None:
        return
    exposed = project["settings"].setdefault("exposedObjects", {"objects": []})
    kept = [
        o
        for o in exposed.get("objects", [])
        if not (o.get("type") == object_type and o.get("localName") == name)
    ]
    if len(kept) != len(exposed.get("objects", [])):
        exposed["objects"] = kept
        _save(tx, key, project)


def rename_exposed(tx: Tx, key: str, object_type: str, old: str, new: str) -> None:
    """A renamed object stays exposed, under its new name (share rules follow the object)."""
    project = tx.get(KIND, key, key)
    if project is None:
        return
    objects = project["settings"].get("exposedObjects", {}).get("objects", [])
    hits = [o for o in objects if o.get("type") == object_type and o.get("localName") == old]
    for obj in hits:
        obj["localName"] = new
    if hits:
        _save(tx, key, project)


def _check_exposed_objects(exposed: dict[str, Any]) -> None:
    objects = exposed.get("objects", [])
    if not isinstance(objects, list):
        raise invalid("Invalid exposedObjects.objects: expected a list")
    for i, obj in enumerate(objects):
        if not (
            isinstance(obj, dict)
            and isinstance(obj.get("type"), str)
            and isinstance(obj.get("localName"), str)
            and obj["localName"]
        ):
            raise invalid(f"Invalid exposed object #{i}: it needs a 'type' and a 'localName'")
        rules = obj.get("rules", [])
        if not isinstance(rules, list) or not all(
            isinstance(r, dict) and isinstance(r.get("targetProject"), str) for r in rules
        ):
            raise invalid(
                f"Invalid exposed object {obj['localName']}: 'rules' must be a list of "
                "{targetProject}"
            )


def _save(tx: Tx, key: str, project: dict[str, Any]) -> None:
    tx.put(KIND, key, key, project)


def _summary(project: dict[str, Any]) -> dict[str, Any]:
    meta = project["metadata"]
    return {
        "projectKey": project["projectKey"],
        "name": meta["label"],
        "description": meta["description"],
        "shortDesc": meta["shortDesc"],
        "tags": list(meta["tags"]),
        "ownerLogin": project["permissions"]["owner"],
        "versionTag": project["versionTag"],
        "creationTag": project["creationTag"],
    }


def _check_permission_items(tx: Tx, items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(p, dict) for p in items):
        raise invalid("Invalid permissions: expected a list of objects")
    if any(p.get("group") for p in items):
        require_enterprise(tx, "Project permissions granted to groups")
    for p in items:
        name = p.get("group")
        if name is not None and not group_exists(tx, name):
            # DSS's wording is UNVERIFIED: the shape of the sandbox's other refusals.
            raise invalid(f"Group '{name}' does not exist: create it first")
    return items


def list_projects(tx: Tx, req: Request) -> list[dict[str, Any]]:
    return [_summary(p) for p in tx.docs(KIND)]


def project_summary(tx: Tx, req: Request) -> dict[str, Any]:
    return _summary(lookup(tx, req.project_key))


def create_project(tx: Tx, req: Request) -> dict[str, Any]:
    body = require_object(req.body, "project")
    key = body.get("projectKey")
    if not isinstance(key, str) or not PROJECT_KEY_RE.match(key):
        raise invalid(
            f"Invalid project key '{key}': it must start with an uppercase letter and contain "
            "only uppercase letters, digits and underscores"
        )
    if tx.exists(KIND, key, key):
        raise invalid(f"Project {key} already exists")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Project name cannot be empty")
    owner = optional_str(body.get("owner"), "owner") or ADMIN_LOGIN
    description = optional_str(body.get("description"), "description")
    tags = string_list(body.get("tags"), "tags")
    permissions = _check_permission_items(tx, body.get("permissions") or [])
    settings = default_project_settings()
    extra = optional_object(body.get("settings"), "settings")
    if extra:
        settings["settings"] = deep_merge(settings["settings"], extra)
    project = {
        "projectKey": key,
        "metadata": {
            "label": name,
            "description": description,
            "shortDesc": "",
            "tags": tags,
            "checklists": {"checklists": []},
            "custom": {"kv": {}},
            "customFields": {},
        },
        "settings": settings,
        "permissions": {"owner": owner, "permissions": permissions},
        "variables": {"standard": {}, "local": {}},
        "creationTag": tx.tag(),
        "versionTag": tx.tag(),
    }
    _save(tx, key, project)
    return {"msg": f"Project {key} created"}


def delete_project(tx: Tx, req: Request) -> dict[str, Any]:
    """Drop the project and everything in it; answered as an already-finished future."""
    key = req.project_key
    require_project(tx, key)
    tx.drop_project(key)
    hooks.deleted(tx, KIND, key, key)
    result = {
        "messages": [],
        "anyMessage": False,
        "success": True,
        "warning": False,
        "error": False,
        "fatal": False,
    }
    return tx.finished_future(result)


def _check_metadata(tx: Tx, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Whole-object PUT: every field sent is kept as sent (``customFields`` included)."""
    label = body.get("label", project["metadata"]["label"])
    if not isinstance(label, str) or not label.strip():
        raise invalid("Project name (label) cannot be empty")
    meta = dict(body)
    meta["label"] = label
    meta["tags"] = string_list(body.get("tags"), "tags")
    meta["description"] = optional_str(body.get("description"), "description")
    meta["shortDesc"] = optional_str(body.get("shortDesc"), "shortDesc")
    meta.setdefault("checklists", {"checklists": []})
    meta.setdefault("custom", {"kv": {}})
    meta["customFields"] = optional_object(body.get("customFields"), "customFields")
    return meta


def _check_settings(tx: Tx, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    require_object(body.get("settings", {}), "project settings.settings")
    exposed = require_object(body.get("exposedObjects", {"objects": []}), "exposedObjects")
    _check_exposed_objects(exposed)
    return body


def _check_permissions(tx: Tx, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    items = body.get("permissions", [])
    if not isinstance(items, list) or not all(isinstance(p, dict) for p in items):
        raise invalid("Invalid permissions: expected a list of objects")
    for item in items:
        if not isinstance(item.get("group") or item.get("user"), str):
            raise invalid("Invalid permission item: it needs a 'group' or a 'user'")
    _check_permission_items(tx, items)
    owner = body.get("owner", project["permissions"]["owner"])
    if not isinstance(owner, str) or not owner:
        raise invalid("Invalid owner: expected a user login")
    perms = dict(body)
    perms["owner"] = owner
    perms["permissions"] = items
    return perms


def _check_variables(tx: Tx, project: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    for part in ("standard", "local"):
        if part not in body:
            raise invalid(f"Missing '{part}' key in project variables")
        require_object(body[part], f"project variables.{part}")
    return {"standard": body["standard"], "local": body["local"]}


def _part(
    part: str,
    check: Callable[[Tx, dict[str, Any], dict[str, Any]], dict[str, Any]],
    *,
    echo: bool = False,
) -> tuple[Handler, Handler]:
    """GET and whole-document PUT of one part of the project document: every part is read,
    checked, stored and versioned the same way; only the check differs. DSS answers a saved
    metadata with the metadata (``echo``), the other parts with a message."""

    def get(tx: Tx, req: Request) -> dict[str, Any]:
        return dict(lookup(tx, req.project_key)[part])

    def put(tx: Tx, req: Request) -> dict[str, Any]:
        key = req.project_key
        project = lookup(tx, key)
        body = require_object(req.body, f"project {part}")
        project[part] = check(tx, project, body)
        tx.bump(project)
        _save(tx, key, project)
        return dict(project[part]) if echo else {"msg": f"Project {part} saved"}

    return get, put


# A project's exposed datasets follow them: a deleted one is no longer exposed, a renamed one
# stays exposed under its new name.
hooks.on_delete(DATASET, lambda tx, key, name: unexpose(tx, key, "DATASET", name))
hooks.on_rename(DATASET, lambda tx, key, old, new: rename_exposed(tx, key, "DATASET", old, new))

ROUTES = [
    Route("GET", "/projects/", list_projects),
    Route("POST", "/projects/", create_project),
    Route("GET", "/projects/{projectKey}", project_summary),
    Route("DELETE", "/projects/{projectKey}", delete_project),
    *get_put("/projects/{projectKey}/metadata", *_part("metadata", _check_metadata, echo=True)),
    *get_put("/projects/{projectKey}/settings", *_part("settings", _check_settings)),
    *get_put("/projects/{projectKey}/permissions", *_part("permissions", _check_permissions)),
    *get_put("/projects/{projectKey}/variables/", *_part("variables", _check_variables)),
]
