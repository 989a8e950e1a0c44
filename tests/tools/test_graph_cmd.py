"""`dss graph`: the flow in DOT, Mermaid, SVG and HTML, parsed back and checked; --plan colours.

The HTML page is rendered by headless Chromium (Debian's chromium, installed by .ci/run) and
the DOM it ends with is checked: the nodes of the picture, and the table the page's own
script builds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

SVG = "{http://www.w3.org/2000/svg}"

# Two projects; a recipe of SCORING reads a dataset of SALES (a cross-project flow edge).
STACK = """
sales = dss.Project("SALES", name="Sales")
orders = dss.Dataset("ORDERS", project=sales, type="Filesystem", connection="filesystem_root",
                     params={"path": "/orders"})
# shared with SCORING, whose recipe reads it (DSS requires the exposure)
clean = dss.ManagedDataset("CLEAN_ORDERS", project=sales, connection="filesystem_managed",
                           share_with=["SCORING"])
totals = dss.ManagedDataset("TOTALS", project=sales, connection="filesystem_managed")
dss.PythonRecipe("clean_orders", project=sales, inputs=[orders], outputs=[clean], code="pass")
dss.SyncRecipe("sum_orders", project=sales, inputs=[clean], outputs=[totals])
scoring = dss.Project("SCORING", name="Scoring")
scores = dss.ManagedDataset("SCORES", project=scoring, connection="filesystem_managed"%s)
dss.PythonRecipe("score", project=scoring, inputs=[clean], outputs=[scores], code="pass")
%s
"""
NODES = {
    "dataset:SALES.ORDERS",
    "dataset:SALES.CLEAN_ORDERS",
    "dataset:SALES.TOTALS",
    "recipe:SALES.clean_orders",
    "recipe:SALES.sum_orders",
    "dataset:SCORING.SCORES",
    "recipe:SCORING.score",
}
EDGES = {
    ("dataset:SALES.ORDERS", "recipe:SALES.clean_orders"),
    ("recipe:SALES.clean_orders", "dataset:SALES.CLEAN_ORDERS"),
    ("dataset:SALES.CLEAN_ORDERS", "recipe:SALES.sum_orders"),
    ("recipe:SALES.sum_orders", "dataset:SALES.TOTALS"),
    ("dataset:SALES.CLEAN_ORDERS", "recipe:SCORING.score"),
    ("recipe:SCORING.score", "dataset:SCORING.SCORES"),
}


def _parse_dot(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """node id -> label of the project cluster holding it, and the edges."""
    where: dict[str, str] = {}
    edges = set()
    cluster = None
    for line in text.splitlines():
        if m := re.match(r'\s*label="([^"]*)";', line):
            cluster = m.group(1)
        elif m := re.match(r'\s*"([^"]+)" -> "([^"]+)";', line):
            edges.add((m.group(1), m.group(2)))
        elif m := re.match(r'\s*"([^"]+)" \[label=', line):
            assert cluster is not None
            where[m.group(1)] = cluster
    return where, edges


def test_dot_and_mermaid_draw_the_flow_without_calling_dss(ws):
    ws.stack("s", STACK % ("", ""))
    r = ws.dss("graph", "s")  # DOT by default
    assert r.exit_code == 0, r.stderr
    where, edges = _parse_dot(r.stdout)
    assert set(where) == NODES and edges == EDGES
    assert where["dataset:SALES.ORDERS"] == "SALES — Sales"
    assert where["recipe:SCORING.score"] == "SCORING — Scoring"
    assert "shape=ellipse" in next(
        line
        for line in r.stdout.splitlines()
        if line.strip().startswith('"recipe:SALES.clean_orders"')
    )

    m = ws.dss("graph", "s", "--format", "mermaid")
    assert m.exit_code == 0 and m.stdout.startswith("flowchart LR\n")
    names = {}
    for node_id, open_, label in re.findall(r'^\s+(n\d+)(\(\(|\[)"([^"<]+)<br/>', m.stdout, re.M):
        names[node_id] = (label, "recipe" if open_ == "((" else "dataset")
    assert {f"{kind}:{name}" for name, kind in names.values()} == {
        n.split(".")[0].split(":")[0] + ":" + n.split(".")[1] for n in NODES
    }
    arrows = {(names[a][0], names[b][0]) for a, b in re.findall(r"(n\d+) --> (n\d+)", m.stdout)}
    assert arrows == {(a.split(".")[1], b.split(".")[1]) for a, b in EDGES}
    assert len(re.findall(r'^\s+subgraph p\d+\["', m.stdout, re.M)) == 2
    assert ws.sandbox.total_requests == 0  # a picture of the program reads no DSS


def _boxes(svg_text: str) -> tuple[dict[str, Any], dict[str, tuple[float, ...]], int]:
    root = ET.fromstring(svg_text)
    nodes = {}
    clusters = {}
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        if rect is None:
            continue
        box = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        if "node" in g.get("class", "").split():
            nodes[g.get("data-id")] = (box, g.get("data-op"), g.get("data-urn"))
        elif "project" in g.get("class", "").split():
            clusters[g.get("data-project")] = box
    edges = len(root.findall(f".//{SVG}path[@class='edge']"))
    return nodes, clusters, edges


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_svg_is_laid_out_without_graphviz(ws):
    ws.stack("s", STACK % ("", ""))
    r = ws.dss("graph", "s", "--out", "pictures/flow.svg")  # format from the suffix
    assert r.exit_code == 0, r.stderr
    nodes, clusters, edges = _boxes((ws.root / "pictures" / "flow.svg").read_text())
    assert set(nodes) == NODES and set(clusters) == {"SALES", "SCORING"} and edges == len(EDGES)
    for node_id, (box, _op, _urn) in nodes.items():
        project = node_id.split(":")[1].split(".")[0]
        assert _inside(box, clusters[project]), node_id
    boxes = [b for b, _, _ in nodes.values()]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert not _overlap(clusters["SALES"], clusters["SCORING"])
    # Flow order reads left to right: every edge goes from a box to one further right.
    for src, dst in EDGES:
        assert nodes[src][0][0] + nodes[src][0][2] < nodes[dst][0][0], (src, dst)


def test_plan_colours_match_preview(ws):
    ws.stack(
        "s",
        STACK
        % (
            "",
            'dss.SyncRecipe("gone", project=scoring, inputs=[scores], '
            'outputs=[dss.ManagedDataset("OLD", project=scoring, '
            'connection="filesystem_managed")])',
        ),
    )
    assert ws.dss("up", "s", "--yes").exit_code == 0
    # Update SCORES and the SCORING project (descriptions), replace ORDERS (its type), create
    # NEW + its recipe, delete OLD and the recipe writing it.
    changed = STACK % (
        ', description="now described"',
        'dss.SyncRecipe("copy", project=scoring, inputs=[scores], '
        'outputs=[dss.ManagedDataset("NEW", project=scoring, '
        'connection="filesystem_managed")])',
    )
    changed = changed.replace('name="Scoring")', 'name="Scoring", description="d")')
    ws.stack("s", changed.replace('type="Filesystem"', 'type="HDFS"'))
    preview = ws.dss("preview", "s", "--json")
    ops = {s["urn"]: s["op"] for s in preview.json["steps"] if s["type"] != "dss:Project"}
    assert set(ops.values()) == {"create", "update", "replace", "delete", "same"}
    r = ws.dss("graph", "s", "--plan", "--format", "svg")
    assert r.exit_code == 0, r.stderr
    nodes, _, _ = _boxes(r.stdout)
    assert {urn: op for _box, op, urn in nodes.values()} == ops
    assert nodes["dataset:SCORING.OLD"][1] == "delete"  # only in the state: drawn too
    # Projects are boxes, and show what the plan does to them too.
    root = ET.fromstring(r.stdout)
    projects = {
        g.get("data-project"): g.get("data-op")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "cluster project"
    }
    assert projects == {"SALES": "same", "SCORING": "update"}
    # The legend counts every step, as preview does.
    legend = {
        g.get("data-op"): g.find(f"{SVG}text").text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "legend"
    }
    summary = preview.json["summary"]
    assert legend == {op: f"{op} {summary.get(op, 0)}" for op in legend}
    assert summary["update"] == 2 and summary["create"] == 2
    dot = ws.dss("graph", "s", "--plan").stdout
    assert re.search(r'"dataset:SALES.ORDERS" \[label="ORDERS\\nHDFS \(replace\)"', dot)


def test_bad_requests_are_clear(ws):
    ws.stack("s", STACK % ("", ""))
    r = ws.dss("graph", "s", "--format", "png")
    assert r.exit_code == 2 and "png" in r.stderr
    r = ws.dss("graph", "s", "--out", "flow.txt")
    assert r.exit_code == 1 and "cannot tell the format from flow.txt" in r.stderr
    r = ws.dss("graph", "s", "--refresh")
    assert r.exit_code == 1 and "--refresh only means something with --plan" in r.stderr
    r = ws.dss("graph", "nope")
    assert r.exit_code == 1 and "unknown stack 'nope'" in r.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian package chromium not installed (.ci/run installs it)"
)
def test_html_page_renders_in_headless_chromium(ws, tmp_path: Path):
    ws.stack("s", STACK % ("", ""))
    assert ws.dss("graph", "s", "--out", "flow.html").exit_code == 0
    page = ws.root / "flow.html"
    text = page.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")  # self-contained
    assert "https://" not in text
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    # The script ran: it marked the body and built one table row per node.
    assert f'data-ready="{len(NODES)}"' in dom
    rows = re.findall(r'<tr class="object" data-id="([^"]+)"', dom)
    assert set(rows) == NODES and len(rows) == len(NODES)
    drawn = set(re.findall(r'<g class="node [a-z]+" data-id="([^"]+)"', dom))
    assert drawn == NODES
