"""The instance itself: node info, who the key is, and long-task futures."""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.errors import ADMIN_LOGIN
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

#: The DSS version the sandbox claims to be (``GET /instance-info``).
DSS_VERSION = "14.2.0"


def instance_info(tx: Tx, req: Request) -> dict[str, Any]:
    return {
        "nodeId": "dss-sandbox",
        "nodeName": "DSS sandbox",
        "nodeType": "DESIGN",
        "dssVersion": DSS_VERSION,
    }


def auth_info(tx: Tx, req: Request) -> dict[str, Any]:
    return {
        "authIdentifier": ADMIN_LOGIN,
        "associatedDSSUser": ADMIN_LOGIN,
        "groups": ["administrators"],
        "userProfile": "DESIGNER",
    }


def get_future(tx: Tx, req: Request) -> dict[str, Any]:
    return tx.store.future(req.params["jobId"])


def abort_future(tx: Tx, req: Request) -> dict[str, Any]:
    job_id = req.params["jobId"]
    tx.store.future(job_id)
    return {"msg": f"Future {job_id} already finished"}


ROUTES = [
    Route("GET", "/instance-info", instance_info),
    Route("GET", "/auth/info", auth_info),
    Route("GET", "/futures/{jobId}", get_future),
    # Futures are memory-only and already finished: aborting one writes nothing.
    Route("DELETE", "/futures/{jobId}", abort_future, write=False),
]
