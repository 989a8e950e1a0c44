"""Colours and shapes shared by every format, so a plan reads the same in each."""

from __future__ import annotations

from dsspulumi.drawing.model import FlowNode

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


def node_fill(node: FlowNode) -> str:
    if node.op and node.op not in ("same", "read"):
        return {
            "create": "#d8f3dc",
            "update": "#fff3c4",
            "replace": "#f3dcf6",
            "delete": "#fbd9d9",
            "import": "#d3efef",
        }.get(node.op, KIND_FILLS.get(node.kind, "#eeeeee"))
    return KIND_FILLS.get(node.kind, "#eeeeee")


def op_suffix(node: FlowNode) -> str:
    """What the label adds for a planned change (nothing for an unchanged object)."""
    return f" ({node.op})" if node.op and node.op not in ("same", "read") else ""
