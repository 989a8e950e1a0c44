"""The flow as DSS draws it: datasets and folders feed recipes, recipes write datasets.

Built from the resource graph the program declared, and optionally from the plan: each node
then carries the planned operation, and objects the plan deletes (they are only in the state)
are drawn too, so a picture of a plan shows what goes away as well as what comes.
Projects are clusters (not nodes); flow zones are clusters inside them: a ``dss:FlowZone``
lists its ``items`` (``{objectId, objectType[, projectKey]}``, as DSS names them), and an
object of the zone's project listed there is drawn inside the zone. Pure data, no IO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi.urn import kind_label, kind_of

if TYPE_CHECKING:
    from dsspulumi.graph import ResourceGraph
    from dsspulumi.plan import Plan

# Types that are never drawn as flow nodes: a project is a cluster, a connection is not in
# the flow at all.
_NOT_IN_FLOW = frozenset({"dss:Project", "dss:Connection"})
_RECIPE = "dss:Recipe"
_DATASET = "dss:Dataset"


@attrs.frozen
class FlowNode:
    id: str  # "<kind>:<PROJECT>.<name>": datasets and recipes have separate namespaces in DSS
    kind: str  # dataset | recipe | folder | zone | other
    name: str
    project: str
    detail: str  # the second line: DSS type, recipe type, connection
    zone: str | None = None
    op: str | None = None  # planned operation, with --plan
    urn: str | None = None  # None for an object outside the stack (an unknown reference)
    read: bool = False  # a lookup: read from DSS, never changed by the stack
    type: str = ""


@attrs.frozen
class Cluster:
    project: str
    label: str
    zone: str | None = None
    color: str | None = None  # a zone's own colour
    op: str | None = None  # with a plan: what it does to the project (or zone) itself


# DSS object types in a zone's items -> node kinds.
_ZONE_ITEM_KINDS = {"DATASET": "dataset", "RECIPE": "recipe", "MANAGED_FOLDER": "folder"}


@attrs.define
class Flow:
    stack: str
    env: str
    nodes: dict[str, FlowNode] = attrs.field(factory=dict)
    edges: list[tuple[str, str]] = attrs.field(factory=list)
    clusters: dict[tuple[str, str | None], Cluster] = attrs.field(factory=dict)
    planned: bool = False
    # With a plan: steps per operation, projects and zones included (as `dss preview` counts).
    plan_summary: dict[str, int] = attrs.field(factory=dict)

    def cluster_of(self, node: FlowNode) -> Cluster:
        return self.clusters[(node.project, node.zone)]

    def summary(self) -> dict[str, int]:
        return dict(self.plan_summary)


def _kind(type_token: str) -> str:
    if type_token == _DATASET:
        return "dataset"
    if type_token == _RECIPE:
        return "recipe"
    short = kind_label(type_token)
    if "folder" in short:
        return "folder"
    if "zone" in short:
        return "zone"
    return "other"


def _detail(kind: str, inputs: Mapping[str, Any], type_token: str) -> str:
    if kind == "dataset":
        if inputs.get("managed"):
            fmt = inputs.get("format_type")
            return f"managed · {inputs.get('connection')}" + (f" · {fmt}" if fmt else "")
        return str(inputs.get("type") or "dataset")
    if kind == "recipe":
        return str(inputs.get("type") or "recipe")
    return kind_of(type_token)


def _full(ref: str, project: str) -> str:
    return ref if "." in ref else f"{project}.{ref}"


@attrs.frozen
class _Item:
    """One object to draw: from the declared graph, or from the state (a planned delete)."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    read: bool = False
    op: str | None = None


def _items(graph: ResourceGraph, plan: Plan | None) -> list[_Item]:
    ops = {s.urn: str(s.op) for s in plan.steps} if plan is not None else {}
    items = [
        _Item(n.urn, n.type, n.name, n.inputs, n.read, ops.get(n.urn)) for n in graph.nodes.values()
    ]
    if plan is not None:
        declared = set(graph.nodes)
        for step in plan.steps:
            if step.urn not in declared and step.old is not None:
                items.append(
                    _Item(step.urn, step.type, step.name, step.old.inputs, op=str(step.op))
                )
    return items


def flow_of(graph: ResourceGraph, plan: Plan | None = None) -> Flow:
    """The flow of ``graph``; with ``plan``, every node carries its planned operation."""
    flow = Flow(
        stack=graph.stack,
        env=graph.env,
        planned=plan is not None,
        plan_summary=plan.summary() if plan is not None else {},
    )
    items = _items(graph, plan)
    projects = {str(it.inputs.get("key")): it for it in items if it.type == "dss:Project"}
    zones = _zones(items)
    recipes: list[tuple[str, str, Mapping[str, Any]]] = []
    for it in items:
        kind = _kind(it.type)
        if it.type in _NOT_IN_FLOW or kind == "zone" or "project" not in it.inputs:
            continue
        project = str(it.inputs["project"])
        node_id = f"{kind}:{project}.{it.name}"
        node = FlowNode(
            id=node_id,
            kind=kind,
            name=it.name,
            project=project,
            detail=_detail(kind, it.inputs, it.type),
            zone=zones.placed.get(node_id),
            op=it.op,
            urn=it.urn,
            read=it.read,
            type=it.type,
        )
        flow.nodes[node.id] = node
        if kind == "recipe":
            recipes.append((node.id, project, it.inputs))
    for recipe_id, project, inputs in recipes:
        for ref in _refs(inputs.get("inputs")):
            flow.edges.append((_source(flow, _full(ref, project)), recipe_id))
        for ref in _refs(inputs.get("outputs")):
            flow.edges.append((recipe_id, _source(flow, _full(ref, project))))
    for node in flow.nodes.values():
        for key in ((node.project, None), (node.project, node.zone)):
            if key not in flow.clusters:
                flow.clusters[key] = _cluster(key, projects, zones)
    return flow


@attrs.define
class _Zones:
    placed: dict[str, str] = attrs.field(factory=dict)  # node id -> zone name
    labels: dict[tuple[str, str | None], str] = attrs.field(factory=dict)
    colors: dict[tuple[str, str | None], str] = attrs.field(factory=dict)
    ops: dict[tuple[str, str | None], str | None] = attrs.field(factory=dict)


def _cluster(key: tuple[str, str | None], projects: Mapping[str, _Item], zones: _Zones) -> Cluster:
    """The box of a project (``(key, None)``) or of a zone in it."""
    project, zone = key
    if zone is not None:
        return Cluster(
            project=project,
            label=zones.labels[key],
            zone=zone,
            color=zones.colors.get(key),
            op=zones.ops.get(key),
        )
    item = projects.get(project)
    name = str(item.inputs.get("name") or "") if item is not None else ""
    label = project + (f" — {name}" if name and name != project else "")
    return Cluster(project=project, label=label, op=item.op if item is not None else None)


def _zones(items: list[_Item]) -> _Zones:
    """Which flow objects sit in which zone, from the zones' ``items``.

    An object of another project listed in a zone stays drawn in its own project (DSS shows
    it in the zone as a shared object; the picture keeps one place per object).
    """
    zones = _Zones()
    for it in items:
        if _kind(it.type) != "zone" or "project" not in it.inputs:
            continue
        project = str(it.inputs["project"])
        key = (project, it.name)
        zones.labels[key] = str(it.inputs.get("name") or it.name)
        zones.ops[key] = it.op
        if isinstance(it.inputs.get("color"), str):
            zones.colors[key] = it.inputs["color"]
        for ref in it.inputs.get("items") or []:
            if not isinstance(ref, Mapping) or ref.get("projectKey", project) != project:
                continue
            kind = _ZONE_ITEM_KINDS.get(str(ref.get("objectType")))
            if kind is not None:
                zones.placed[f"{kind}:{project}.{ref.get('objectId')}"] = it.name
    return zones


def _refs(value: Any) -> Iterable[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def _source(flow: Flow, full_name: str) -> str:
    """The node of a recipe's input or output; one outside the stack is drawn as external."""
    for kind in ("dataset", "folder", "other"):
        if f"{kind}:{full_name}" in flow.nodes:
            return f"{kind}:{full_name}"
    node_id = f"dataset:{full_name}"
    project, _, name = full_name.rpartition(".")
    flow.nodes[node_id] = FlowNode(
        id=node_id,
        kind="dataset",
        name=name,
        project=project,
        detail="not in this stack",
        read=True,
    )
    return node_id
