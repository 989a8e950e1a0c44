"""The lookup example of docs/ownership.md, exactly as written there, against the sandbox.

It reads another team's project and dataset, and writes an SQL recipe on the sandbox's
built-in `sql_postgres` connection (the sandbox keeps definitions; it runs no SQL).
"""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "ownership.md"


def docs_lookup_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    (block,) = [b for b in blocks if 'dss.Dataset.get("OTHER.CUSTOMERS")' in b]
    return block


def test_docs_lookup_example_goes_up_and_previews_empty(ws):
    client = ws.sandbox.client()
    other = client.create_project("OTHER", "Other team", "admin")
    other.create_dataset(
        "CUSTOMERS",
        "PostgreSQL",
        params={"connection": "sql_postgres", "mode": "table", "table": "customers"},
    )
    settings = other.get_settings()  # the other team shares it with SCORING (DSS requires it)
    settings.add_exposed_object("DATASET", "CUSTOMERS", "SCORING")
    settings.save()
    ws.stack("readme", docs_lookup_example())
    r = ws.dss("up", "readme", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["summary"] == {"create": 3, "read": 3}
    scores = client.get_project("SCORING").get_dataset("SCORES").get_settings().get_raw()
    assert scores["type"] == "PostgreSQL" and scores["params"]["connection"] == "sql_postgres"
    assert "formatType" not in scores or not scores["formatType"]  # no file format on SQL
    r = ws.dss("preview", "readme", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.dss("destroy", "readme", "--yes").exit_code == 0
    assert client.list_project_keys() == ["OTHER"]
