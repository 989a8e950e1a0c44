"""The instance itself: node info, who the key is, and long-task futures."""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.errors import ADMIN_LOGIN, USERS_GROUP
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
    admin = req.login == ADMIN_LOGIN
    return {
        "authIdentifier": req.login,
        "associatedDSSUser": req.login,
        "groups": ["administrators"] if admin else [USERS_GROUP],
        "userProfile": "DESIGNER" if admin else "DATA_SCIENTIST",
    }


def get_future(tx: Tx, req: Request) -> dict[str, Any]:
    return tx.store.future(req.params["jobId"])


def abort_future(tx: Tx, req: Request) -> dict[str, Any]:
    job_id = req.params["jobId"]
    if tx.store.abort_future(job_id):
        return {"msg": f"Future {job_id} aborted"}
    return {"msg": f"Future {job_id} already finished"}


ROUTES = [
    Route("GET", "/instance-info", instance_info),
    Route("GET", "/auth/info", auth_info),
    Route("GET", "/futures/{jobId}", get_future),
    # Futures are memory-only: aborting one writes nothing to the database.
    Route("DELETE", "/futures/{jobId}", abort_future, write=False),
]
