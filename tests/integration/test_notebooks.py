"""``dss.Notebook`` through the real ``dss`` CLI and dataikuapi against the sandbox: create,
update in place, drift, runs by hand that are not drift, import round trip, ownership, delete."""

from __future__ import annotations

import json

from dsspulumi.providers.dss.client import MARK_FIELD

CELL = {"cell_type": "code", "metadata": {}, "source": "print({x})"}


def stack(x: int = 1, extra: str = "") -> str:
    content = {
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 4,
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Explore"},
            {**CELL, "source": f"print({x})"},
        ],
    }
    return f"""
p = dss.Project("NB", name="Notebooks")
dss.Notebook("explore", project=p, content={content!r}){extra}
"""


def test_notebook_lifecycle_drift_and_runs_by_hand(ws):
    ws.stack("nb", stack())
    r = ws.dss("up", "nb", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    client = ws.sandbox.client()
    nb = client.get_project("NB").get_jupyter_notebook("explore")
    content = nb.get_content().get_raw()
    assert content["cells"][1]["source"] == "print(1)" and content["cells"][1]["outputs"] == []
    mark = content["metadata"]["customFields"][MARK_FIELD]
    assert mark == {x.name: x.mark for x in ws.state("nb").resources}["explore"]
    assert ws.dss("preview", "nb", "--refresh", "--expect-no-changes").exit_code == 0

    # Run by hand: outputs, execution counts and DSS's metadata are not drift.
    held = nb.get_content()
    raw = held.get_raw()
    raw["cells"][1].update(
        outputs=[{"output_type": "stream", "name": "stdout", "text": ["1\n"]}], execution_count=3
    )
    raw["cells"][1]["source"] = ["print(", "1)"]  # a list of lines is the same source
    raw["metadata"].update(modifiedBy="someone", createdOn=1)
    held.save()
    r = ws.dss("preview", "nb", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr

    # Changed by hand: drift, put back by up --refresh.
    held = nb.get_content()
    held.get_raw()["cells"][1]["source"] = "print('hand')"
    held.save()
    r = ws.dss("preview", "nb", "--refresh", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update" and step["diff"][0]["path"].startswith("content")
    assert ws.dss("up", "nb", "--yes", "--refresh").exit_code == 0
    assert nb.get_content().get_raw()["cells"][1]["source"] == "print(1)"

    # Updated in code: one update in place, the mark and DSS's metadata kept.
    ws.stack("nb", stack(x=2))
    r = ws.dss("preview", "nb", "--json")
    assert [s["op"] for s in r.json["steps"] if s["op"] != "same"] == ["update"]
    assert ws.dss("up", "nb", "--yes").exit_code == 0
    after = nb.get_content().get_raw()
    assert after["cells"][1]["source"] == "print(2)"
    assert after["metadata"]["customFields"][MARK_FIELD] == mark
    assert after["metadata"]["modifiedBy"] == "someone"
    assert ws.dss("preview", "nb", "--expect-no-changes").exit_code == 0

    # Removed from the stack: deleted.
    ws.stack("nb", 'p = dss.Project("NB", name="Notebooks")\n')
    assert ws.dss("up", "nb", "--yes").exit_code == 0
    assert client.get_project("NB").list_jupyter_notebooks() == []
    assert ws.dss("destroy", "nb", "--yes").exit_code == 0


def test_notebook_from_a_file(ws):
    doc = {"metadata": {}, "nbformat": 4, "cells": [{**CELL, "source": "x = 1"}]}
    (ws.root / "stacks").mkdir(exist_ok=True)
    (ws.root / "stacks" / "nb.ipynb").write_text(json.dumps(doc))
    ws.stack(
        "f",
        """
p = dss.Project("NBF", name="Notebooks")
dss.Notebook("fromfile", project=p, content=dss.File("nb.ipynb"))
""",
    )
    assert ws.dss("up", "f", "--yes").exit_code == 0
    raw = ws.sandbox.client().get_project("NBF").get_jupyter_notebook("fromfile").get_content()
    assert raw.get_raw()["cells"][0]["source"] == "x = 1"
    assert ws.dss("preview", "f", "--refresh", "--expect-no-changes").exit_code == 0
    (ws.root / "stacks" / "nb.ipynb").write_text("{not json")
    r = ws.dss("preview", "f")
    assert r.exit_code == 1 and "not a notebook" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_a_notebook_made_by_hand_is_a_conflict(ws):
    client = ws.sandbox.client()
    client.create_project("NBT", "Taken", "admin")
    hand = {"metadata": {}, "cells": [{**CELL, "source": "mine"}]}
    client.get_project("NBT").create_jupyter_notebook("explore", hand)
    ws.stack(
        "t",
        """
p = dss.Project.get("NBT")
dss.Notebook("explore", project=p, content={"cells": []})
""",
    )
    r = ws.dss("up", "t", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout + r.stderr
    raw = client.get_project("NBT").get_jupyter_notebook("explore").get_content().get_raw()
    assert raw["cells"][0]["source"] == "mine" and "customFields" not in raw["metadata"]


def test_notebook_import_project_round_trip(ws):
    client = ws.sandbox.client()
    p = client.create_project("NBI", "Imported", "admin")
    body = {
        "metadata": {"kernelspec": {"name": "python3"}, "creator": "admin"},
        "nbformat": 4,
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["import os\n", "print(os)"],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                "execution_count": 7,
            }
        ],
    }
    p.create_jupyter_notebook("explore", body)
    r = ws.dss("import", "project", "NBI", "--out", "stacks/nbi.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "NBI.explore" in r.json["imported"] and r.json["unmodelled"] == []
    code = (ws.root / "stacks" / "nbi.py").read_text()
    assert 'explore = dss.Notebook(\n    "explore",\n    project=project,' in code
    assert '"source": "import os\\nprint(os)"' in code
    assert "outputs" not in code and "execution_count" not in code and "creator" not in code
    r = ws.dss("preview", "nbi", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    raw = p.get_jupyter_notebook("explore").get_content().get_raw()
    state = {x.name: x.mark for x in ws.state("nbi").resources}
    assert raw["metadata"]["customFields"][MARK_FIELD] == state["explore"]
