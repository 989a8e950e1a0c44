"""One self-contained HTML page: the SVG inline, a table of objects, a filter box.

Nothing is fetched (no CDN, no web font): the page works offline and can be attached to a
pull request or a CI artefact as is. The table is built by the page's own script from the
JSON embedded in it, so a browser that ran the script shows one row per object.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from dsspulumi.drawing.model import Flow
from dsspulumi.drawing.svg import to_svg

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #223; }
h1 { font-size: 1.3em; } .summary span { margin-right: 1em; }
#flow { overflow: auto; border: 1px solid #ccd; margin-bottom: 1em; }
g.node { cursor: pointer; } g.node.dim { opacity: 0.25; } path.edge.dim { opacity: 0.1; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee;
 text-align: left; } tr.hidden { display: none; }
"""

# Kept small and dependency-free: builds the object table, filters it and the picture.
_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('flow-data').textContent);
  var body = document.querySelector('#objects tbody');
  data.nodes.forEach(function (n) {
    var tr = document.createElement('tr');
    tr.className = 'object';
    tr.setAttribute('data-id', n.id);
    [n.project, n.name, n.kind, n.detail, n.op || ''].forEach(function (v) {
      var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  var box = document.getElementById('filter');
  box.addEventListener('input', function () {
    var q = box.value.toLowerCase();
    document.querySelectorAll('g.node').forEach(function (g) {
      var hit = !q || g.getAttribute('data-name').toLowerCase().indexOf(q) >= 0;
      g.classList.toggle('dim', !hit);
    });
    document.querySelectorAll('tr.object').forEach(function (tr) {
      tr.classList.toggle('hidden', q && tr.textContent.toLowerCase().indexOf(q) < 0);
    });
  });
  document.body.setAttribute('data-ready', String(data.nodes.length));
})();
"""


def to_html(flow: Flow) -> str:
    title = f"{flow.stack} ({flow.env})"
    data = {
        "stack": flow.stack,
        "env": flow.env,
        "nodes": [
            {
                "id": n.id,
                "project": n.project,
                "name": n.name,
                "kind": n.kind,
                "detail": n.detail,
                "op": n.op,
                "urn": n.urn,
            }
            for n in flow.nodes.values()
        ],
        "edges": flow.edges,
    }
    # "</" inside the JSON would end the script element early.
    payload = json.dumps(data, indent=None).replace("</", "<\\/")
    summary = "".join(
        f'<span class="op-{op}">{escape(op)}: {count}</span>'
        for op, count in sorted(flow.summary().items())
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} — dss graph</title><style>{_STYLE}</style></head>\n<body>"
        f"<h1>{escape(title)}</h1>"
        + (f'<p class="summary">{summary}</p>' if flow.planned else "")
        + '<p><input id="filter" type="search" placeholder="filter by name"></p>'
        f'<div id="flow">{to_svg(flow)}</div>'
        '<table id="objects"><thead><tr><th>project</th><th>name</th><th>kind</th>'
        "<th>detail</th><th>plan</th></tr></thead><tbody></tbody></table>\n"
        f'<script type="application/json" id="flow-data">{payload}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )
