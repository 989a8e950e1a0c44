"""Flow zones: create, read, rename/recolour, move objects in, delete (dss-rest-api.md §7).

Rows: kind ``zone``, project = project key, id = the generated zone id (7 letters and digits,
never reused: UNVERIFIED format). The document is the zone as served, ``{id, name, color,
items, shared}``. The default zone (id ``default``) is not stored: DSS defines its content as
every object not explicitly in another zone [code flow.py:DSSFlowZone.items docstring], so it
is computed, listing the project's datasets, managed folders, then recipes (creation order).
Whether DSS lists default-zone members explicitly is UNVERIFIED (the client falls back to
``get_default_zone()``).

Refs are ``{objectId, objectType}``, or ``{projectKey, objectId, objectType}`` for an object of
another project (the client's ``_to_smart_ref`` order), stored and echoed exactly as sent:
``DSSFlow.get_zone_of_object`` compares them as JSON text. Moving an object into a zone takes
it out of any other; deleting a zone sends its items back to the default zone; an object that
is deleted leaves every zone. Whether DSS also drags along the recipe producing a moved
dataset is UNVERIFIED: the sandbox moves exactly what it is given. Zone names need not be
unique (UNVERIFIED; nothing says DSS refuses a duplicate). Sharing (``.../shared``) is not
simulated. A zone's graph (``.../graph``) is the part of the project's flow graph in the zone
(:func:`zone_graph`).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.errors import invalid, not_found, require_object
from dsspulumi.sandbox.flow import Node, project_nodes, ref_key, subgraph
from dsspulumi.sandbox.lookups import PROJECT, require_project
from dsspulumi.sandbox.routes import Request, Route, collection
from dsspulumi.sandbox.store import Tx

KIND = "zone"
DEFAULT_ZONE_ID = "default"
DEFAULT_ZONE_NAME = "Default"
DEFAULT_ZONE_COLOR = "#2ab1ac"
COLOR_RE_CHARS = frozenset("0123456789abcdefABCDEF")
_ALNUM = string.ascii_letters + string.digits

#: Object kinds shown in zones: sandbox kind -> DSS ref objectType.
ZONED_KINDS = {"dataset": "DATASET", "managedfolder": "MANAGED_FOLDER", "recipe": "RECIPE"}
_KIND_OF = {object_type: kind for kind, object_type in ZONED_KINDS.items()}


def _exists(tx: Tx, project_key: str, ref: dict[str, Any]) -> bool:
    kind = _KIND_OF.get(ref["objectType"])
    return kind is not None and tx.exists(kind, ref.get("projectKey", project_key), ref["objectId"])


def _key(project_key: str, ref: dict[str, Any]) -> tuple[str, str, str]:
    return (ref.get("projectKey", project_key), ref["objectType"], ref["objectId"])


def rename_items(tx: Tx, project_key: str, object_type: str, old: str, new: str) -> None:
    """A renamed object stays in its zone: refs to it (from any project's zones) follow."""
    for key in tx.ids(PROJECT):
        for zone in tx.docs(KIND, key):
            hits = [
                i
                for i in zone["items"]
                if i.get("objectType") == object_type
                and i.get("objectId") == old
                and i.get("projectKey", key) == project_key
            ]
            for item in hits:
                item["objectId"] = new
            if hits:
                tx.put(KIND, key, zone["id"], zone)


def _stored(tx: Tx, project_key: str) -> list[dict[str, Any]]:
    """The project's own zones, each item still existing (a deleted object leaves its zone)."""
    zones = tx.docs(KIND, project_key)
    for zone in zones:
        zone["items"] = [i for i in zone["items"] if _exists(tx, project_key, i)]
    return zones


def _default_zone(tx: Tx, project_key: str, zones: list[dict[str, Any]]) -> dict[str, Any]:
    placed = {_key(project_key, i) for z in zones for i in z["items"]}
    items = [
        {"objectId": ident, "objectType": object_type}
        for kind, object_type in ZONED_KINDS.items()
        for ident in tx.ids(kind, project_key)
        if (project_key, object_type, ident) not in placed
    ]
    return {
        "id": DEFAULT_ZONE_ID,
        "name": DEFAULT_ZONE_NAME,
        "color": DEFAULT_ZONE_COLOR,
        "items": items,
        "shared": [],
    }


def _zone(tx: Tx, project_key: str, zone_id: str) -> dict[str, Any]:
    require_project(tx, project_key)
    zones = _stored(tx, project_key)
    if zone_id == DEFAULT_ZONE_ID:
        return _default_zone(tx, project_key, zones)
    for zone in zones:
        if zone["id"] == zone_id:
            return zone
    raise not_found("zone", f"{project_key}.{zone_id}")


def _check_name_color(body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Flow zone name cannot be empty")
    color = body.get("color", DEFAULT_ZONE_COLOR)
    if (
        not isinstance(color, str)
        or len(color) != 7
        or color[0] != "#"
        or not set(color[1:]) <= COLOR_RE_CHARS
    ):
        raise invalid(f"Invalid flow zone color {color!r}: expected #RRGGBB")
    return name, color


def _check_ref(tx: Tx, project_key: str, ref: Any) -> dict[str, Any]:
    ref = require_object(ref, "flow zone item")
    if not isinstance(ref.get("objectId"), str) or not isinstance(ref.get("objectType"), str):
        raise invalid("Invalid flow zone item: it needs objectId and objectType")
    if set(ref) - {"objectId", "objectType", "projectKey"}:
        raise invalid(f"Invalid flow zone item: unexpected fields in {ref}")
    if ref.get("projectKey", project_key) == project_key:
        ref.pop("projectKey", None)  # DSS refs name a project only for foreign objects
    if not _exists(tx, project_key, ref):
        kind = ref["objectType"].lower()
        raise not_found(kind, f"{ref.get('projectKey', project_key)}.{ref['objectId']}")
    return ref


def _move(tx: Tx, project_key: str, zone_id: str, refs: list[Any]) -> dict[str, Any]:
    target = _zone(tx, project_key, zone_id)
    checked = [_check_ref(tx, project_key, r) for r in refs]
    moving = {_key(project_key, r) for r in checked}
    for zone in _stored(tx, project_key):
        if zone["id"] == zone_id:
            continue
        kept = [i for i in zone["items"] if _key(project_key, i) not in moving]
        if len(kept) != len(zone["items"]):
            zone["items"] = kept
            tx.put(KIND, project_key, zone["id"], zone)
    if zone_id == DEFAULT_ZONE_ID:
        return _zone(tx, project_key, zone_id)
    present = {_key(project_key, i) for i in target["items"]}
    for ref in checked:
        if _key(project_key, ref) not in present:
            target["items"].append(ref)
            present.add(_key(project_key, ref))
    tx.put(KIND, project_key, zone_id, target)
    return target


# ---- handlers -------------------------------------------------------------------------------


def list_zones(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    zones = _stored(tx, req.project_key)
    return [_default_zone(tx, req.project_key, zones), *zones]


def get_zone(tx: Tx, req: Request) -> dict[str, Any]:
    return _zone(tx, req.project_key, req.params["zoneId"])


def create_zone(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    name, color = _check_name_color(require_object(req.body, "flow zone"))
    zone_id = "".join(secrets.choice(_ALNUM) for _ in range(7))
    while zone_id == DEFAULT_ZONE_ID or tx.exists(KIND, project_key, zone_id):
        zone_id = "".join(secrets.choice(_ALNUM) for _ in range(7))
    zone = {"id": zone_id, "name": name, "color": color, "items": [], "shared": []}
    tx.put(KIND, project_key, zone_id, zone)
    return zone


def set_zone(tx: Tx, req: Request) -> dict[str, Any]:
    """Rename / recolour; ``items`` and ``shared`` are not edited this way [code flow.py]."""
    project_key, zone_id = req.project_key, req.params["zoneId"]
    zone = _zone(tx, project_key, zone_id)
    name, color = _check_name_color(require_object(req.body, "flow zone"))
    if zone_id == DEFAULT_ZONE_ID:
        raise invalid("The default flow zone cannot be renamed or recoloured")
    # Other fields are kept as sent (like every settings document here); id, items and
    # shared are not edited this way.
    zone.update({k: v for k, v in req.body.items() if k not in ("id", "items", "shared")})
    zone.update(name=name, color=color)
    tx.put(KIND, project_key, zone_id, zone)
    return zone


def add_item(tx: Tx, req: Request) -> dict[str, Any]:
    return _move(tx, req.project_key, req.params["zoneId"], [req.body])


def add_items(tx: Tx, req: Request) -> dict[str, Any]:
    if not isinstance(req.body, list):
        raise invalid("Invalid flow zone items: expected a list of refs")
    return _move(tx, req.project_key, req.params["zoneId"], req.body)


def zone_graph(tx: Tx, req: Request) -> dict[str, Any]:
    """The part of the flow graph in this zone, as ``GET flow/graph/`` answers it
    [code flow.py:DSSFlowZone.get_graph]: the zone's objects, linked only to each other (the
    client looks every linked id up in ``nodes``). The default zone's graph has every node not
    placed in another zone, saved models and other projects' objects included. Which nodes
    and links DSS puts in a zone's graph is UNVERIFIED."""
    project_key, zone_id = req.project_key, req.params["zoneId"]
    zone = _zone(tx, project_key, zone_id)
    nodes = project_nodes(tx, project_key)
    if zone_id == DEFAULT_ZONE_ID:
        placed = {_key(project_key, i) for z in _stored(tx, project_key) for i in z["items"]}

        def keep(node_id: str, node: Node) -> bool:
            return ref_key(project_key, node_id, node) not in placed

    else:
        members = {_key(project_key, i) for i in zone["items"]}

        def keep(node_id: str, node: Node) -> bool:
            return ref_key(project_key, node_id, node) in members

    return {"nodes": subgraph(nodes, keep)}


def delete_zone(tx: Tx, req: Request) -> dict[str, Any]:
    """The zone's items go back to the default zone (computed: nothing else to move)."""
    project_key, zone_id = req.project_key, req.params["zoneId"]
    if zone_id == DEFAULT_ZONE_ID:
        raise invalid("The default flow zone cannot be deleted")
    _zone(tx, project_key, zone_id)
    tx.delete(KIND, project_key, zone_id)
    return {"msg": f"Flow zone {project_key}.{zone_id} deleted"}


def _follow_renames(object_type: str) -> hooks.RenameHook:
    def follow(tx: Tx, project_key: str, old: str, new: str) -> None:
        rename_items(tx, project_key, object_type, old, new)

    return follow


for _kind, _object_type in ZONED_KINDS.items():
    hooks.on_rename(_kind, _follow_renames(_object_type))

_ZONES = "/projects/{projectKey}/flow/zones"
_ONE = _ZONES + "/{zoneId}"
ROUTES = [
    *collection(_ONE, (list_zones, create_zone, get_zone, set_zone, delete_zone), _ZONES),
    Route("POST", _ONE + "/items", add_item),
    Route("POST", _ONE + "/add-items", add_items),
    Route("GET", _ONE + "/graph", zone_graph),
]
