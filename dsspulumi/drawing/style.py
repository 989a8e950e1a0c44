"""Colours and shapes shared by every format, so a plan reads the same in each."""

from __future__ import annotations

from dsspulumi.drawing.model import Cluster, FlowNode

# Planned operation -> colour (as `dss preview` prints them: green create, yellow update,
# magenta replace, red delete).
OP_COLORS = {
    "create": "#2e9d42",
    "update": "#d9a400",
    "replace": "#b03fbf",
    "delete": "#d62f2f",
    "same": "#8a8a8a",
    "read": "#3b7dd8",
    "import": "#2b8c8c",
}

# Fill of each kind of node when no plan colours it (DSS: datasets blue, recipes orange).
KIND_FILLS = {
    "dataset": "#d7e9fb",
    "recipe": "#fde3c3",
    "folder": "#e3f2d9",
    "other": "#eeeeee",
}

# Mermaid shape delimiters per kind.
SHAPES = {
    "dataset": ("[", "]"),
    "recipe": ("((", "))"),
    "folder": ("[/", "/]"),
    "other": ("[", "]"),
}


# Fill of a node the plan changes: a light tint of the operation's colour.
CHANGE_FILLS = {
    "create": "#d8f3dc",
    "update": "#fff3c4",
    "replace": "#f3dcf6",
    "delete": "#fbd9d9",
    "import": "#d3efef",
}


def node_fill(node: FlowNode) -> str:
    if node.op is not None and node.op in CHANGE_FILLS:
        return CHANGE_FILLS[node.op]
    return KIND_FILLS.get(node.kind, "#eeeeee")


def op_suffix(item: FlowNode | Cluster) -> str:
    """What the label adds for a planned change (nothing for an unchanged object)."""
    return f" ({item.op})" if changes(item.op) else ""


def changes(op: str | None) -> bool:
    """Whether ``op`` changes something (coloured) rather than leaving it as it is."""
    return op is not None and op not in ("same", "read")
