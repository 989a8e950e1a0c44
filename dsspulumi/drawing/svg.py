"""SVG of a ``Flow`` laid out by ``layout``: standalone, no fonts or scripts needed.

Each node is a ``<g class="node">`` carrying ``data-id``, ``data-kind`` and (with a plan)
``data-op``, so the picture can be checked by parsing it, and scripted in the HTML page.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from dsspulumi.drawing.layout import Box, layout
from dsspulumi.drawing.model import Flow, FlowNode
from dsspulumi.drawing.style import OP_COLORS, changes, node_fill, op_suffix

_LEGEND_H = 30.0


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _node(node: FlowNode, box: Box) -> str:
    stroke = OP_COLORS[node.op] if node.op else "#5a6b7b"
    dash = ' stroke-dasharray="5 3"' if node.read else ""
    width = 2.5 if node.op and node.op not in ("same", "read") else 1.2
    radius = box.h / 2 if node.kind == "recipe" else 6
    data = f'data-id="{_attr(node.id)}" data-kind="{node.kind}" data-name="{_attr(node.name)}"'
    if node.op:
        data += f' data-op="{node.op}"'
    if node.urn:
        data += f' data-urn="{_attr(node.urn)}"'
    cx = box.x + box.w / 2
    return (
        f'<g class="node {node.kind}" {data}>'
        f"<title>{escape(node.urn or node.id)}</title>"
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'rx="{radius:.1f}" fill="{node_fill(node)}" stroke="{stroke}" stroke-width="{width}"'
        f"{dash}/>"
        f'<text x="{cx:.1f}" y="{box.y + 18:.1f}" text-anchor="middle" font-size="12" '
        f'font-weight="bold">{escape(node.name)}</text>'
        f'<text x="{cx:.1f}" y="{box.y + 34:.1f}" text-anchor="middle" font-size="10" '
        f'fill="#444">{escape(node.detail + op_suffix(node))}</text>'
        "</g>"
    )


def _edge(src: Box, dst: Box, color: str) -> str:
    x1, y1 = src.x + src.w, src.y + src.h / 2
    x2, y2 = dst.x, dst.y + dst.h / 2
    if x2 <= x1:  # same column (a cycle in a broken graph): loop around
        x2 = dst.x + dst.w
    bend = max(30.0, (x2 - x1) / 2)
    return (
        f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} '
        f'{x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" fill="none" stroke="{color}" '
        'stroke-width="1.4" marker-end="url(#arrow)"/>'
    )


def _legend(flow: Flow, y: float) -> str:
    if not flow.planned:
        return ""
    parts = []
    x = 20.0
    for op in ("create", "update", "replace", "delete", "same"):
        count = flow.summary().get(op, 0)
        parts.append(
            f'<g class="legend" data-op="{op}"><rect x="{x:.1f}" y="{y:.1f}" width="14" '
            f'height="14" rx="3" fill="{OP_COLORS[op]}"/><text x="{x + 20:.1f}" '
            f'y="{y + 12:.1f}" font-size="12">{op} {count}</text></g>'
        )
        x += 110
    return "".join(parts)


def to_svg(flow: Flow) -> str:
    lay = layout(flow)
    height = lay.height + (_LEGEND_H if flow.planned else 0)
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="dss-flow" '
        f'width="{lay.width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        f"<title>{escape(f'{flow.stack} ({flow.env})')}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#667"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    # Projects first: a zone is drawn over the project holding it.
    for key, box in sorted(lay.clusters.items(), key=lambda kv: kv[0][1] is not None):
        cluster = flow.clusters[key]
        zone = cluster.zone is not None
        # A zone is tinted with its own colour, as DSS draws zones; a project or zone that
        # the plan changes has its outline in the colour of the change.
        fill = (cluster.color or "#8fbc8f") if zone else "#f7f7fb"
        stroke = (cluster.color or "#8fbc8f") if zone else "#99aaaa"
        width = 1.0
        if cluster.op and changes(cluster.op):
            stroke, width = OP_COLORS[cluster.op], 2.5
        paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
        if zone:
            paint += ' fill-opacity="0.12" stroke-dasharray="6 4"'
        out.append(
            f'<g class="cluster {"zone" if zone else "project"}" '
            f'data-project="{_attr(cluster.project)}"'
            + (f' data-zone="{_attr(cluster.zone or "")}"' if zone else "")
            + (f' data-op="{cluster.op}"' if cluster.op else "")
            + f'><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
            f'rx="10" {paint}/>'
            f'<text x="{box.x + 12:.1f}" y="{box.y + 17:.1f}" font-size="13" fill="#334">'
            f"{escape(cluster.label + op_suffix(cluster))}</text></g>"
        )
    for src, dst in flow.edges:
        if src in lay.nodes and dst in lay.nodes:
            color = OP_COLORS["delete"] if flow.nodes[dst].op == "delete" else "#667"
            out.append(_edge(lay.nodes[src], lay.nodes[dst], color))
    for node_id, node in flow.nodes.items():
        out.append(_node(node, lay.nodes[node_id]))
    out.append(_legend(flow, lay.height))
    out.append("</svg>")
    return "\n".join(p for p in out if p) + "\n"
