"""The visual recipe and sharing examples of docs/kinds.md, as written, against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "kinds.md"


def _block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


def test_docs_visual_recipes_and_sharing_go_up_and_come_down(ws):
    client = ws.sandbox.client()
    client.create_connection("s3_lake", "S3", params={})
    ws.stack(
        "readme",
        'project = dss.Project("SALES", name="Sales")\n'
        + _block("dss.GroupRecipe(")
        + 'ref_project = dss.Project("REF", name="Reference")\n'
        'scoring_project = dss.Project("SCORING", name="Scoring")\n'
        'local_copy = dss.ManagedDataset("COPY", project=scoring_project,'
        ' connection="filesystem_managed")\n' + _block("share_with=[scoring_project"),
    )
    r = ws.dss("up", "readme", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    types = {
        r["name"]: r["type"] for r in client.get_project("SALES").list_recipes(as_type="listitems")
    }
    assert types == {"clean_orders": "shaker", "group_orders": "grouping", "enrich": "join"}
    exposed = client.get_project("REF").get_settings().get_raw()["exposedObjects"]["objects"]
    assert exposed == [
        {
            "type": "DATASET",
            "localName": "REFERENCE",
            "rules": [{"targetProject": "REPORTING"}, {"targetProject": "SCORING"}],
        }
    ]
    r = ws.dss("preview", "readme", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.dss("destroy", "readme", "--yes").exit_code == 0
    assert client.list_project_keys() == []
