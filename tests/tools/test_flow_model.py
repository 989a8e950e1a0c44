"""The flow model behind `dss graph`: flow zones as clusters, from a zone's ``items``.

Built from graph nodes directly (pure data): a ``dss:FlowZone`` node carries the inputs the
FlowZone resource declares (project, name, color, items as DSS names them).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dsspulumi.drawing.model import flow_of
from dsspulumi.drawing.svg import to_svg
from dsspulumi.drawing.text import to_dot, to_mermaid
from dsspulumi.graph import Node, ResourceGraph, make_urn


def _node(type_: str, logical: str, inputs: dict, deps: tuple[str, ...] = ()) -> Node:
    return Node(
        urn=make_urn("s", "dev", type_, logical),
        type=type_,
        name=logical.split(".")[-1],
        logical_name=logical,
        inputs=inputs,
        deps=deps,
    )


def _graph() -> ResourceGraph:
    def ds(name: str, project: str = "P") -> Node:
        return _node(
            "dss:Dataset",
            f"{project}.{name}",
            {
                "project": project,
                "name": name,
                "managed": True,
                "connection": "filesystem_managed",
                "format_type": None,
            },
        )

    nodes = [
        _node("dss:Project", "P", {"key": "P", "name": "Pipeline"}),
        _node("dss:Project", "Q", {"key": "Q", "name": "Q"}),
        ds("RAW"),
        ds("CLEAN"),
        ds("OUT"),
        ds("OTHER", "Q"),
        _node(
            "dss:Recipe",
            "P.clean",
            {
                "project": "P",
                "name": "clean",
                "type": "python",
                "inputs": ["RAW"],
                "outputs": ["CLEAN"],
            },
        ),
        _node(
            "dss:Recipe",
            "P.publish",
            {
                "project": "P",
                "name": "publish",
                "type": "sync",
                "inputs": ["CLEAN", "Q.OTHER"],
                "outputs": ["OUT"],
            },
        ),
        _node(
            "dss:FlowZone",
            "P.Ingestion",
            {
                "project": "P",
                "name": "Ingestion",
                "color": "#2ab1ac",
                "items": [
                    {"objectId": "RAW", "objectType": "DATASET"},
                    {"objectId": "clean", "objectType": "RECIPE"},
                    {"projectKey": "Q", "objectId": "OTHER", "objectType": "DATASET"},
                ],
            },
        ),
    ]
    return ResourceGraph(stack="s", env="dev", nodes={n.urn: n for n in nodes})


def test_zone_items_are_drawn_inside_the_zone_inside_its_project():
    flow = flow_of(_graph())
    zoned = {n.id for n in flow.nodes.values() if n.zone == "Ingestion"}
    assert zoned == {"dataset:P.RAW", "recipe:P.clean"}
    assert flow.nodes["dataset:Q.OTHER"].zone is None  # another project's object stays there
    assert flow.clusters[("P", "Ingestion")].color == "#2ab1ac"
    assert ("dataset:Q.OTHER", "recipe:P.publish") in flow.edges

    dot = to_dot(flow)
    inner = re.search(r'subgraph cluster_0_\d+ \{\n\s+label="Ingestion";(.*?)\n    \}', dot, re.S)
    assert inner and set(re.findall(r'"((?:dataset|recipe):[^"]+)" \[', inner.group(1))) == zoned
    assert re.search(r'subgraph p0z\d+\["Ingestion"\]', to_mermaid(flow))

    root = ET.fromstring(to_svg(flow))
    ns = "{http://www.w3.org/2000/svg}"

    def box(g: ET.Element) -> tuple[float, ...]:
        rect = g.find(f"{ns}rect")
        assert rect is not None
        return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))

    groups = list(root.iter(f"{ns}g"))
    kinds = [g.get("class") for g in groups if "cluster" in g.get("class", "")]
    assert kinds.index("cluster zone") > kinds.index("cluster project")  # zone drawn on top
    zone = next(g for g in groups if g.get("data-zone") == "Ingestion")
    project = next(
        g for g in groups if g.get("data-project") == "P" and "project" in g.get("class")
    )
    zx, zy, zw, zh = box(zone)
    px, py, pw, ph = box(project)
    assert px <= zx and py <= zy and zx + zw <= px + pw and zy + zh <= py + ph
    for g in groups:
        if "node" in g.get("class", "").split():
            x, y, w, h = box(g)
            inside = zx <= x and zy <= y and x + w <= zx + zw and y + h <= zy + zh
            assert inside == (g.get("data-id") in zoned), g.get("data-id")
