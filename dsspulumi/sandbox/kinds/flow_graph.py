"""The flow graph of a project: every flow object as a node, recipes linking them.

``GET /projects/{pk}/flow/graph/`` [code flow.py:DSSProjectFlow.get_graph] answers
``{"nodes": {nodeId: node}}``; the client reads each node's ``ref``, ``type``,
``predecessors`` and ``successors`` (node ids) and looks nodes up by an object's name, so
node ids here are the object's ref (its name or id; ``OTHER.name`` for an object of another
project read by a recipe). Node types are the ones the client converts
(``COMPUTABLE_DATASET``, ``COMPUTABLE_FOLDER``, ``COMPUTABLE_SAVED_MODEL``,
``COMPUTABLE_STREAMING_ENDPOINT``, ``COMPUTABLE_RETRIEVABLE_KNOWLEDGE``, ``RUNNABLE_RECIPE``,
``RUNNABLE_LABELING_TASK``) plus ``COMPUTABLE_MODEL_EVALUATION_STORE`` for evaluation stores
(name UNVERIFIED). Whatever else DSS puts in a node is UNVERIFIED. Labelling tasks are only
visible here: the client has no other listing of them. The nodes are built by
:mod:`dsspulumi.sandbox.flow`, which a zone's graph (:mod:`.zone`) shares.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.flow import project_nodes
from dsspulumi.sandbox.lookups import require_project
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx


def graph(tx: Tx, req: Request) -> dict[str, Any]:
    require_project(tx, req.project_key)
    return {"nodes": project_nodes(tx, req.project_key)}


ROUTES = [Route("GET", "/projects/{projectKey}/flow/graph/", graph)]
