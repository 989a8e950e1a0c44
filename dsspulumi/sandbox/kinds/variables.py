"""Instance (global) variables: ``GET`` / ``PUT /admin/variables/``.

One row: kind ``variables``, project ``""``, id ``instance``, the flat dict name -> value.
PUT replaces the whole dict (no merge), as the client sends the whole object [wire].
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.errors import require_object
from dsspulumi.sandbox.routes import Request, get_put
from dsspulumi.sandbox.store import Tx

KIND = "variables"
INSTANCE = "instance"


def seed(tx: Tx) -> None:
    tx.put(KIND, "", INSTANCE, {})


def get_variables(tx: Tx, req: Request) -> dict[str, Any]:
    return tx.get(KIND, "", INSTANCE) or {}


def set_variables(tx: Tx, req: Request) -> dict[str, Any]:
    body = require_object(req.body, "instance variables")
    tx.put(KIND, "", INSTANCE, body)
    return {"msg": "Instance variables saved"}


ROUTES = [
    *get_put("/admin/variables/", get_variables, set_variables),
]
