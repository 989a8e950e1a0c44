"""A layered layout of a ``Flow``, with no external program (no Graphviz binary to install).

Columns are flow depth (the longest path from a source, left to right, as the DSS flow
reads); clusters are horizontal bands stacked top to bottom, a project's zones as bands
inside its band, so cluster boxes never overlap. Within a band, each column is ordered by
the mean row of the node's predecessors (one barycentre sweep), which untangles chains and
fans well enough for flows of a few hundred objects. Deterministic: same flow, same picture.

Why not a library: Graphviz is a binary users would have to install, and the one pure-Python
layout package in reach (grandalf, last released 2023) lays out plain graphs, not nested
clusters; a DSS flow is a layered DAG already, so layering it here is short and ours to fix.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from dsspulumi.drawing.model import Flow

NODE_H = 44
ROW_GAP = 22
COL_GAP = 70
PAD = 18  # inside a cluster box, around its nodes
TITLE_H = 22  # a cluster's label above its nodes
CHAR_W = 8.0  # average glyph width of a bold 12px name, to size boxes without a font engine
SMALL_CHAR_W = 5.6  # of the 10px detail line
MIN_W = 96.0
MARGIN = 20.0


@attrs.define
class Box:
    x: float
    y: float
    w: float
    h: float


@attrs.define
class Layout:
    width: float
    height: float
    nodes: dict[str, Box]
    clusters: dict[tuple[str, str | None], Box]


def text_width(text: str, *, small: bool = False) -> float:
    return len(text) * (SMALL_CHAR_W if small else CHAR_W)


def depths(flow: Flow) -> dict[str, int]:
    """Longest-path depth of every node (Kahn's order; edges closing a cycle are ignored)."""
    preds: dict[str, list[str]] = {n: [] for n in flow.nodes}
    succs: dict[str, list[str]] = {n: [] for n in flow.nodes}
    for src, dst in flow.edges:
        preds[dst].append(src)
        succs[src].append(dst)
    waiting = {n: len(p) for n, p in preds.items()}
    depth = dict.fromkeys(flow.nodes, 0)
    ready = [n for n, w in waiting.items() if w == 0]
    seen: set[str] = set()
    while ready:
        node = ready.pop(0)
        seen.add(node)
        for nxt in succs[node]:
            depth[nxt] = max(depth[nxt], depth[node] + 1)
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    return depth  # nodes left unseen (a cycle in a broken plan) keep their partial depth


def layout(flow: Flow) -> Layout:
    depth = depths(flow)
    preds: dict[str, list[str]] = {n: [] for n in flow.nodes}
    for src, dst in flow.edges:
        preds[dst].append(src)
    n_cols = max(depth.values(), default=-1) + 1
    col_w = [MIN_W] * n_cols
    for node in flow.nodes.values():
        w = max(text_width(node.name), text_width(node.detail + " (replace)", small=True)) + 24
        col_w[depth[node.id]] = max(col_w[depth[node.id]], w)
    col_x: list[float] = []
    x = MARGIN + PAD * 2
    for w in col_w:
        col_x.append(x)
        x += w + COL_GAP
    width = x - COL_GAP + PAD * 2 + MARGIN

    # Bands: projects in order of first appearance, zones (None first) inside them.
    bands: dict[str, list[str | None]] = {}
    for node in flow.nodes.values():
        zones = bands.setdefault(node.project, [])
        if node.zone not in zones:
            zones.append(node.zone)
    for zones in bands.values():
        zones.sort(key=lambda z: (z is not None, z or ""))

    boxes: dict[str, Box] = {}
    clusters: dict[tuple[str, str | None], Box] = {}
    row_of: dict[str, float] = {}
    y = MARGIN
    for project, zones in bands.items():
        top = y
        y += TITLE_H + PAD
        for zone in zones:
            members = [n for n in flow.nodes.values() if n.project == project and n.zone == zone]
            zone_top = y
            if zone is not None:
                y += TITLE_H + PAD
            rows = _place_band(
                members_ids=[m.id for m in members], depth=depth, preds=preds, row_of=row_of
            )
            used = max((len(r) for r in rows.values()), default=0)
            for col, ids in rows.items():
                for i, node_id in enumerate(ids):
                    w = col_w[col] - 12
                    boxes[node_id] = Box(col_x[col], y + i * (NODE_H + ROW_GAP), w, NODE_H)
            y += max(used, 1) * (NODE_H + ROW_GAP) - ROW_GAP
            if zone is not None:
                y += PAD
                clusters[(project, zone)] = Box(
                    MARGIN + PAD, zone_top, width - 2 * (MARGIN + PAD), y - zone_top
                )
                y += PAD
            else:
                y += PAD
        clusters[(project, None)] = Box(MARGIN, top, width - 2 * MARGIN, y - top)
        y += PAD * 2
    return Layout(width=width, height=y - PAD * 2 + MARGIN, nodes=boxes, clusters=clusters)


def _place_band(
    *,
    members_ids: list[str],
    depth: Mapping[str, int],
    preds: Mapping[str, list[str]],
    row_of: dict[str, float],
) -> dict[int, list[str]]:
    """Column -> node ids of one band, each column ordered by its predecessors' rows."""
    columns: dict[int, list[str]] = {}
    for node_id in members_ids:
        columns.setdefault(depth[node_id], []).append(node_id)
    for col in sorted(columns):
        ids = columns[col]
        position = {n: i for i, n in enumerate(ids)}

        def key(n: str, position: Mapping[str, int] = position) -> tuple[float, int]:
            rows = [row_of[p] for p in preds[n] if p in row_of]
            return (sum(rows) / len(rows) if rows else float(position[n]), position[n])

        ids.sort(key=key)
        for i, n in enumerate(ids):
            row_of[n] = float(i)
    return dict(sorted(columns.items()))
