"""Scenarios: step-based and custom-python, addressed by a DSS-generated id (dss-rest-api.md §6).

Rows: kind ``scenario``, project = project key, id = the generated scenario id; the document
is ``{"definition": {...}, "script": "..."}`` (the payload of a custom-python scenario is served
apart, at ``.../payload``, as on DSS).

Conventions (UNVERIFIED against a real DSS; a provider must not depend on them):

* The id is derived from the name: its letters and digits upper-cased (``"Build all"`` ->
  ``BUILDALL``; ``SCENARIO`` when nothing is left), then ``_1``, ``_2``... while taken. Names
  need not be unique [code: create_scenario docstring].
* Creation keeps what the posted definition carries (``active``, ``params``, ``triggers``,
  ``reporters``, ``tags``, ``description``, ``customFields``...); whether DSS does is
  UNVERIFIED, so providers follow the create with GET -> PUT anyway.
* Triggers without an ``id`` get a generated one (6 characters) when saved.
* ``PUT .../light`` applies only ``active``, ``checklists``, ``description``, ``shortDesc`` and
  ``tags`` [code: set_definition docstring]; ``type``, ``id`` and ``projectKey`` cannot change
  through a PUT.
* ``runAsUser`` can only be set (changed) with an administrator's key (403
  ``UnauthorizedException``, as other admin-only calls) and must name an existing user (400
  ``CodedException: Invalid runAsUser: user 'x' does not exist``; wording UNVERIFIED).
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.documents import keep_immutable
from dsspulumi.sandbox.errors import (
    ADMIN_LOGIN,
    admin_required,
    invalid,
    optional_object,
    optional_str,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import (
    DATASET,
    PROJECT,
    project_object,
    require_project,
    user_exists,
)
from dsspulumi.sandbox.routes import Request, collection, get_put
from dsspulumi.sandbox.store import Tx

KIND = "scenario"
TYPES = ("step_based", "custom_python")
_ALNUM = string.ascii_letters + string.digits
_LIGHT_FIELDS = ("active", "checklists", "description", "shortDesc", "tags")


def _new_id(tx: Tx, project_key: str, name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9]", "", name).upper() or "SCENARIO"
    candidate, i = base, 0
    while tx.exists(KIND, project_key, candidate):
        i += 1
        candidate = f"{base}_{i}"
    return candidate


def _lookup(tx: Tx, project_key: str, scenario_id: str) -> dict[str, Any]:
    return project_object(tx, KIND, "scenario", project_key, scenario_id)


def rename_dataset(tx: Tx, project_key: str, old: str, new: str) -> None:
    """Build steps and dataset-change triggers name datasets (``itemId``): they follow a
    rename (that DSS rewrites them is UNVERIFIED, see ENDPOINTS.md)."""
    for key in tx.ids(PROJECT):
        for scenario_id in tx.ids(KIND, key):
            doc = tx.get(KIND, key, scenario_id)
            assert doc is not None
            params = doc["definition"].get("params") or {}
            refs = [
                ref
                for step in params.get("steps") or []
                for ref in (step.get("params") or {}).get("builds") or []
            ] + [
                ref
                for trigger in doc["definition"].get("triggers") or []
                for ref in (trigger.get("params") or {}).get("watches") or []
            ]
            hits = [
                r
                for r in refs
                if isinstance(r, dict)
                and r.get("type") == "DATASET"
                and r.get("itemId") == old
                and (r.get("projectKey") or key) == project_key
            ]
            for ref in hits:
                ref["itemId"] = new
            if hits:
                tx.put(KIND, key, scenario_id, doc)


hooks.on_rename(DATASET, rename_dataset)


def _items(value: Any, what: str, *, typed: bool = True) -> list[dict[str, Any]]:
    """Steps and triggers are objects with a ``type``; reporters carry theirs deeper, in
    ``messaging.type`` (third-party references), so only their shape is checked."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(f"Invalid scenario {what}: expected a list of objects")
    for item in value if typed else ():
        if not isinstance(item.get("type"), str) or not item["type"]:
            raise invalid(f"Invalid scenario {what}: every item needs a type")
    return value


def _check_run_as(tx: Tx, req: Request, run_as: Any, current: Any) -> None:
    """Only an administrator may make a scenario run as someone [code: run_as docstring], and
    that someone must be a user of the instance (the refusal's wording is UNVERIFIED)."""
    if run_as is None or run_as == current:
        return
    if not isinstance(run_as, str):
        raise invalid("Invalid runAsUser: expected a user login")
    if req.login != ADMIN_LOGIN:
        raise admin_required()
    if not user_exists(tx, run_as):
        raise invalid(f"Invalid runAsUser: user '{run_as}' does not exist")


def _checked(body: dict[str, Any], type_: str) -> dict[str, Any]:
    """The definition fields a save may carry, validated (the caller fixes identity fields)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Scenario name cannot be empty")
    active = body.get("active", False)
    if not isinstance(active, bool):
        raise invalid("Invalid scenario active flag: expected true or false")
    params = optional_object(body.get("params"), "scenario params")
    if type_ == "step_based":
        steps = _items(params.get("steps"), "steps")
        ids = [s.get("id") for s in steps if s.get("id") is not None]
        if len(ids) != len(set(ids)):
            raise invalid("Invalid scenario steps: step ids must be unique in a scenario")
        params["steps"] = steps
    triggers = _items(body.get("triggers"), "triggers")
    for trigger in triggers:
        trigger.setdefault("id", "".join(secrets.choice(_ALNUM) for _ in range(6)))
        trigger.setdefault("active", True)
        trigger["params"] = optional_object(trigger.get("params"), "trigger params")
    run_as = body.get("runAsUser")
    out = dict(body)
    out.update(
        name=name,
        active=active,
        params=params,
        triggers=triggers,
        reporters=_items(body.get("reporters"), "reporters", typed=False),
        tags=string_list(body.get("tags"), "tags"),
        description=optional_str(body.get("description"), "description"),
        shortDesc=optional_str(body.get("shortDesc"), "shortDesc"),
        checklists=optional_object(body.get("checklists"), "checklists") or {"checklists": []},
        customFields=optional_object(body.get("customFields"), "customFields"),
    )
    if run_as is None:
        out.pop("runAsUser", None)
    return out


def _list_item(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": definition["id"],
        "name": definition["name"],
        "projectKey": definition["projectKey"],
        "type": definition["type"],
        "active": definition["active"],
        "running": False,
        "tags": list(definition["tags"]),
    }


# ---- handlers -------------------------------------------------------------------------------


def list_scenarios(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    return [_list_item(doc["definition"]) for doc in tx.docs(KIND, req.project_key)]


def create_scenario(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    body = require_object(req.body, "scenario")
    type_ = body.get("type")
    if type_ not in TYPES:
        raise invalid(f"Invalid scenario type {type_!r}: expected one of {', '.join(TYPES)}")
    _check_run_as(tx, req, body.get("runAsUser"), None)
    if not tx.store.creation_keeps_fields:  # only the basics: name, type, params, tags
        body = {k: body[k] for k in ("name", "type", "params", "tags") if k in body}
    definition = _checked(body, type_)
    scenario_id = _new_id(tx, project_key, definition["name"])
    definition.update(
        projectKey=project_key,
        id=scenario_id,
        type=type_,
        creationTag=tx.tag(),
        versionTag=tx.tag(),
    )
    definition.setdefault("automationLocal", False)
    tx.put(KIND, project_key, scenario_id, {"definition": definition, "script": ""})
    return {"id": scenario_id}


def get_scenario(tx: Tx, req: Request) -> dict[str, Any]:
    doc = _lookup(tx, req.project_key, req.params["scenarioId"])
    definition: dict[str, Any] = doc["definition"]
    return definition


def set_scenario(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, scenario_id = req.project_key, req.params["scenarioId"]
    doc = _lookup(tx, project_key, scenario_id)
    current = doc["definition"]
    body = require_object(req.body, "scenario")
    keep_immutable(
        current, body, ("id", "projectKey", "type"), f"scenario {project_key}.{scenario_id}"
    )
    _check_run_as(tx, req, body.get("runAsUser"), current.get("runAsUser"))
    updated = _checked(body, current["type"])
    updated.update(
        projectKey=project_key,
        id=scenario_id,
        type=current["type"],
        creationTag=current["creationTag"],
        versionTag=current["versionTag"],
    )
    tx.bump(updated)
    doc["definition"] = updated
    tx.put(KIND, project_key, scenario_id, doc)
    return {"msg": f"Scenario {project_key}.{scenario_id} saved"}


def get_light(tx: Tx, req: Request) -> dict[str, Any]:
    definition = _lookup(tx, req.project_key, req.params["scenarioId"])["definition"]
    light = {k: definition.get(k) for k in ("id", "name", "projectKey", "type", *_LIGHT_FIELDS)}
    light.update(running=False)
    return light


def set_light(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, scenario_id = req.project_key, req.params["scenarioId"]
    doc = _lookup(tx, project_key, scenario_id)
    body = require_object(req.body, "scenario")
    merged = dict(doc["definition"])
    merged.update({k: body[k] for k in _LIGHT_FIELDS if k in body})
    updated = _checked(merged, merged["type"])
    tx.bump(updated)
    doc["definition"] = updated
    tx.put(KIND, project_key, scenario_id, doc)
    return get_light(tx, req)


def _require_python(doc: dict[str, Any], project_key: str, scenario_id: str) -> None:
    if doc["definition"]["type"] != "custom_python":
        raise invalid(
            f"Scenario {project_key}.{scenario_id} is not a custom python scenario: it has no "
            "script payload"
        )


def get_payload(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, scenario_id = req.project_key, req.params["scenarioId"]
    doc = _lookup(tx, project_key, scenario_id)
    _require_python(doc, project_key, scenario_id)
    return {"script": doc["script"]}


def set_payload(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, scenario_id = req.project_key, req.params["scenarioId"]
    doc = _lookup(tx, project_key, scenario_id)
    _require_python(doc, project_key, scenario_id)
    body = require_object(req.body, "scenario payload")
    script = body.get("script")
    if not isinstance(script, str):
        raise invalid("Invalid scenario payload: 'script' must be a string")
    doc["script"] = script
    tx.bump(doc["definition"])
    tx.put(KIND, project_key, scenario_id, doc)
    return {"msg": f"Scenario {project_key}.{scenario_id} script saved"}


def delete_scenario(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, scenario_id = req.project_key, req.params["scenarioId"]
    _lookup(tx, project_key, scenario_id)
    tx.delete(KIND, project_key, scenario_id)
    return {"msg": f"Scenario {project_key}.{scenario_id} deleted"}


_ONE = "/projects/{projectKey}/scenarios/{scenarioId}"
ROUTES = [
    *collection(
        _ONE, (list_scenarios, create_scenario, get_scenario, set_scenario, delete_scenario)
    ),
    *get_put(_ONE + "/light", get_light, set_light),
    *get_put(_ONE + "/payload", get_payload, set_payload),
]
