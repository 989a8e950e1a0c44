"""DOT (Graphviz) and Mermaid renderings of a ``Flow``.

Both draw clusters the same way: a project as a subgraph, its flow zones as subgraphs inside
it. Datasets are boxes, recipes circles (as in the DSS flow); with a plan, the fill colour
says what the plan does to the object and the label ends with the operation.
"""

from __future__ import annotations

from dsspulumi.drawing.model import Cluster, Flow, FlowNode
from dsspulumi.drawing.style import OP_COLORS, SHAPES, changes, node_fill, op_suffix


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _dot_str(text: str) -> str:
    return '"' + _dot_escape(text) + '"'


def _grouped(flow: Flow) -> dict[str, dict[str | None, list[FlowNode]]]:
    """project -> zone (None: the project itself) -> nodes, in declaration order."""
    out: dict[str, dict[str | None, list[FlowNode]]] = {}
    for node in flow.nodes.values():
        out.setdefault(node.project, {}).setdefault(node.zone, []).append(node)
    return out


def _dot_node(node: FlowNode, indent: str) -> str:
    shape = {"recipe": "ellipse", "folder": "folder"}.get(node.kind, "box")
    style = ["filled", *(["dashed"] if node.read else []), *(["rounded"] if shape == "box" else [])]
    label = f"{_dot_escape(node.name)}\\n{_dot_escape(node.detail + op_suffix(node))}"
    attrs = [
        f'label="{label}"',
        f"shape={shape}",
        'style="' + ",".join(style) + '"',
        f"fillcolor={_dot_str(node_fill(node))}",
    ]
    if node.op:
        attrs.append(f"color={_dot_str(OP_COLORS[node.op])}")
    return f"{indent}{_dot_str(node.id)} [{', '.join(attrs)}];"


def to_dot(flow: Flow) -> str:
    lines = [
        f"digraph {_dot_str(f'{flow.stack} ({flow.env})')} {{",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        "  compound=true;",
    ]
    for p_index, (project, zones) in enumerate(_grouped(flow).items()):
        cluster = flow.clusters[(project, None)]
        lines.append(f"  subgraph cluster_{p_index} {{")
        lines.append(f"    label={_dot_str(cluster.label + op_suffix(cluster))};")
        color = OP_COLORS[cluster.op] if cluster.op and changes(cluster.op) else "#888888"
        lines.append(f'    style="rounded"; color="{color}";')
        for z_index, (zone, nodes) in enumerate(zones.items()):
            if zone is None:
                lines.extend(_dot_node(n, "    ") for n in nodes)
                continue
            zc: Cluster = flow.clusters[(project, zone)]
            lines.append(f"    subgraph cluster_{p_index}_{z_index} {{")
            lines.append(f'      label={_dot_str(zc.label + op_suffix(zc))}; style="dashed";')
            lines.extend(_dot_node(n, "      ") for n in nodes)
            lines.append("    }")
        lines.append("  }")
    for src, dst in flow.edges:
        lines.append(f"  {_dot_str(src)} -> {_dot_str(dst)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(flow: Flow) -> str:
    """A Mermaid ``flowchart``; node ids are n0, n1, … and the label carries the DSS name."""
    ids = {node_id: f"n{i}" for i, node_id in enumerate(flow.nodes)}
    lines = ["flowchart LR"]
    classes: dict[str, list[str]] = {}
    for p_index, (project, zones) in enumerate(_grouped(flow).items()):
        cluster = flow.clusters[(project, None)]
        lines.append(
            f'  subgraph p{p_index}["{_mermaid_text(cluster.label + op_suffix(cluster))}"]'
        )
        for z_index, (zone, nodes) in enumerate(zones.items()):
            indent = "    "
            if zone is not None:
                zc = flow.clusters[(project, zone)]
                title = _mermaid_text(zc.label + op_suffix(zc))
                lines.append(f'    subgraph p{p_index}z{z_index}["{title}"]')
                indent = "      "
            for node in nodes:
                open_, close = SHAPES[node.kind]
                label = _mermaid_text(f"{node.name}<br/>{node.detail}{op_suffix(node)}")
                lines.append(f'{indent}{ids[node.id]}{open_}"{label}"{close}')
                if node.op:
                    classes.setdefault(node.op, []).append(ids[node.id])
                elif node.read:
                    classes.setdefault("read", []).append(ids[node.id])
            if zone is not None:
                lines.append("    end")
        lines.append("  end")
    for src, dst in flow.edges:
        lines.append(f"  {ids[src]} --> {ids[dst]}")
    for op, members in classes.items():
        fill = OP_COLORS.get(op, "#dddddd")
        lines.append(f"  classDef {op} fill:{fill}33,stroke:{fill},stroke-width:2px")
        lines.append(f"  class {','.join(members)} {op}")
    return "\n".join(lines) + "\n"
