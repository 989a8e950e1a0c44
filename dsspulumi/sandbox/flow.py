"""The flow graph of a project, as nodes: what the project's graph and its zones' graphs share.

Both ``GET /projects/{pk}/flow/graph/`` (:mod:`.kinds.flow_graph`) and
``GET /projects/{pk}/flow/zones/{id}/graph`` (:mod:`.kinds.zone`) answer ``{"nodes": {nodeId:
node}}``, read by the client as a ``DSSProjectFlowGraph`` [code flow.py]: each node's ``ref``,
``type``, ``predecessors`` and ``successors`` (node ids, which the client looks up in
``nodes``, so a node id an answer names must be in it). Node ids are the object's ref: its
name or id, ``OTHER.name`` for an object of another project read by a recipe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .lookups import RECIPE
from .objects import split_ref

if TYPE_CHECKING:
    from .store import Tx

Node = dict[str, Any]

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
RECIPE_NODE = "RUNNABLE_RECIPE"

#: Node type -> the ``objectType`` of the object's ref (zone items, ``_to_smart_ref``).
OBJECT_TYPES = {
    "COMPUTABLE_DATASET": "DATASET",
    "COMPUTABLE_FOLDER": "MANAGED_FOLDER",
    "COMPUTABLE_SAVED_MODEL": "SAVED_MODEL",
    "COMPUTABLE_MODEL_EVALUATION_STORE": "MODEL_EVALUATION_STORE",
    "COMPUTABLE_STREAMING_ENDPOINT": "STREAMING_ENDPOINT",
    "COMPUTABLE_RETRIEVABLE_KNOWLEDGE": "RETRIEVABLE_KNOWLEDGE",
    "RUNNABLE_LABELING_TASK": "LABELING_TASK",
    RECIPE_NODE: "RECIPE",
}


def _node(ref: str, node_type: str) -> Node:
    return {"ref": ref, "type": node_type, "predecessors": [], "successors": []}


def _refs(roles: Any) -> list[str]:
    out = []
    for role in (roles or {}).values():
        for item in (role or {}).get("items", []) if isinstance(role, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                out.append(item["ref"])
    return out


def project_nodes(tx: Tx, key: str) -> dict[str, Node]:
    """Every flow object of project ``key`` as a node, recipes linked to what they read and
    write (the caller has checked that the project exists)."""
    nodes: dict[str, Node] = {}
    for kind, node_type in NODE_TYPES.items():
        for ident in tx.ids(kind, key):
            nodes[ident] = _node(ident, node_type)
    for doc in tx.docs(RECIPE, key):
        recipe = doc["recipe"]
        name = recipe["name"]
        node = nodes[name] = _node(name, RECIPE_NODE)
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
    return nodes


def ref_key(key: str, node_id: str, node: Node) -> tuple[str, str, str]:
    """``(projectKey, objectType, objectId)`` of a node of project ``key``'s graph: how a zone
    item names the same object."""
    project_key, ident = split_ref(key, node_id)
    node_type = str(node["type"])
    return (project_key, OBJECT_TYPES.get(node_type, node_type), ident)


def subgraph(nodes: dict[str, Node], keep: Callable[[str, Node], bool]) -> dict[str, Node]:
    """The nodes ``keep`` accepts, linked only to each other (every id named is a node)."""
    kept = {node_id for node_id, node in nodes.items() if keep(node_id, node)}
    return {
        node_id: {
            **node,
            "predecessors": [p for p in node["predecessors"] if p in kept],
            "successors": [s for s in node["successors"] if s in kept],
        }
        for node_id, node in nodes.items()
        if node_id in kept
    }
