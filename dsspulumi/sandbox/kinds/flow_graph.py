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
visible here: the client has no other listing of them.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.objects import split_ref
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

from . import project

#: Sandbox kind -> node type, in the order nodes are listed.
NODE_TYPES = {
    "dataset": "COMPUTABLE_DATASET",
    "managedfolder": "COMPUTABLE_FOLDER",
    "savedmodel": "COMPUTABLE_SAVED_MODEL",
    "evaluationstore": "COMPUTABLE_MODEL_EVALUATION_STORE",
    "streamingendpoint": "COMPUTABLE_STREAMING_ENDPOINT",
    "knowledgebank": "COMPUTABLE_RETRIEVABLE_KNOWLEDGE",
    "labelingtask": "RUNNABLE_LABELING_TASK",
}


def _node(ref: str, node_type: str) -> dict[str, Any]:
    return {"ref": ref, "type": node_type, "predecessors": [], "successors": []}


def _refs(roles: Any) -> list[str]:
    out = []
    for role in (roles or {}).values():
        for item in (role or {}).get("items", []) if isinstance(role, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                out.append(item["ref"])
    return out


def graph(tx: Tx, req: Request) -> dict[str, Any]:
    key = req.project_key
    project.require(tx, key)
    nodes: dict[str, dict[str, Any]] = {}
    for kind, node_type in NODE_TYPES.items():
        for ident in tx.ids(kind, key):
            nodes[ident] = _node(ident, node_type)
    for doc in tx.docs("recipe", key):
        recipe = doc["recipe"]
        name = recipe["name"]
        node = nodes[name] = _node(name, "RUNNABLE_RECIPE")
        for ref, here, there in (
            *((r, "predecessors", "successors") for r in _refs(recipe.get("inputs"))),
            *((r, "successors", "predecessors") for r in _refs(recipe.get("outputs"))),
        ):
            other, local = split_ref(key, ref)
            node_id = local if other == key else f"{other}.{local}"
            if node_id not in nodes:  # an object of another project read by this recipe
                nodes[node_id] = _node(node_id, "COMPUTABLE_DATASET")
            node[here].append(node_id)
            nodes[node_id][there].append(name)
    return {"nodes": nodes}


ROUTES = [Route("GET", "/projects/{projectKey}/flow/graph/", graph)]
