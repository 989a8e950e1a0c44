"""Flow zones: the listing of a project's zones, and the default zone.

Only DSS's default zone exists (zone creation is not simulated yet: its URLs answer the
unknown-route 404). It lists the project's datasets and recipes as its items -- every
object not in another zone is in the default zone -- with refs shaped ``{objectId,
objectType}`` in that key order, which ``DSSFlow.get_zone_of_object`` compares as JSON text.
The zone's color and whether DSS lists default-zone items explicitly are UNVERIFIED.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.errors import not_found
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

from . import project

DEFAULT_ZONE_ID = "default"
DEFAULT_ZONE_NAME = "Default"
DEFAULT_ZONE_COLOR = "#2ab1ac"

#: Object kinds shown in zones: sandbox kind -> DSS ref objectType.
ZONED_KINDS = {"dataset": "DATASET", "recipe": "RECIPE"}


def _default_zone(tx: Tx, project_key: str) -> dict[str, Any]:
    items = [
        {"objectId": ident, "objectType": object_type}
        for kind, object_type in ZONED_KINDS.items()
        for ident in tx.ids(kind, project_key)
    ]
    return {
        "id": DEFAULT_ZONE_ID,
        "name": DEFAULT_ZONE_NAME,
        "color": DEFAULT_ZONE_COLOR,
        "items": items,
        "shared": [],
    }


def list_zones(tx: Tx, req: Request) -> list[dict[str, Any]]:
    project.require(tx, req.project_key)
    return [_default_zone(tx, req.project_key)]


def get_zone(tx: Tx, req: Request) -> dict[str, Any]:
    project.require(tx, req.project_key)
    zone_id = req.params["zoneId"]
    if zone_id != DEFAULT_ZONE_ID:
        raise not_found("zone", f"{req.project_key}.{zone_id}")
    return _default_zone(tx, req.project_key)


ROUTES = [
    Route("GET", "/projects/{projectKey}/flow/zones", list_zones),
    Route("GET", "/projects/{projectKey}/flow/zones/{zoneId}", get_zone),
]
