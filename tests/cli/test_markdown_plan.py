"""`dss preview --format markdown`: the plan a pull request shows, for a real change.

The stack is applied to the sandbox, then changed in every way a plan can show (create,
update, replace, delete, a secret, multi-line code). The Markdown is parsed with a
CommonMark parser (markdown-it, as GitHub and GitLab parse it) and checked against the
`--json` plan of the same change: same rows, same counts, one diff block per change.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

PASS = "correct horse battery staple"
SECRET = "pw-Q7x-not-for-eyes"

V1 = """
cfg = dss.Config()
p = dss.Project("MDPLAN", name="Plan", description="v1")
raw = dss.Dataset("RAW", project=p, type="Filesystem", connection="filesystem_root",
                  params={"path": "/raw", "password": cfg.require_secret("pw")})
out = dss.ManagedDataset("OUT", project=p, connection="filesystem_managed")
old = dss.ManagedDataset("OLD", project=p, connection="filesystem_managed")
dss.PythonRecipe("prep", project=p, inputs=[raw], outputs=[out], code="a = 1\\nb = 2\\n")
"""

V2 = """
cfg = dss.Config()
p = dss.Project("MDPLAN", name="Plan", description="v2 | with a pipe")
raw = dss.Dataset("RAW", project=p, type="Filesystem", connection="filesystem_root",
                  params={"path": "/raw", "password": cfg.require_secret("pw")})
out = dss.Dataset("OUT", project=p, type="Filesystem", connection="filesystem_root",
                  params={"path": "/out"})
dss.ManagedDataset("NEW", project=p, connection="filesystem_managed")
dss.PythonRecipe("prep", project=p, inputs=[raw], outputs=[out], code="a = 1\\nb = 3\\n")
"""


def parse(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def table_rows(tokens) -> list[list[str]]:
    rows, row, in_body = [], None, False
    for tok in tokens:
        if tok.type == "tbody_open":
            in_body = True
        elif tok.type == "tr_open" and in_body:
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close" and row is not None:
            rows.append(row)
            row = None
    return rows


@pytest.fixture
def changed(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack("md", V1)
    assert ws.dss("config", "set", "md", "pw", SECRET, "--secret").exit_code == 0
    r = ws.dss("up", "md", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    ws.stack("md", V2)
    ws.dss("config", "set", "md", "pw", SECRET + "-rotated", "--secret")
    return ws


def test_markdown_plan_of_a_real_change(changed):
    r = changed.dss("preview", "md", "--format", "markdown")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    plan = changed.dss("preview", "md", "--json").json
    steps = [s for s in plan["steps"] if s["op"] != "same"]
    assert {s["op"] for s in steps} == {"create", "update", "replace", "delete"}

    tokens = parse(text)
    heading = next(t for i, t in enumerate(tokens) if tokens[i - 1].type == "heading_open")
    assert heading.content == "Plan: stack `md`, environment `dev`"

    # The summary counts are the plan's.
    for op, n in plan["summary"].items():
        verb = "unchanged" if op == "same" else f"to {op}"
        assert f"**{n}** {verb}" in text

    # One table row per change, in plan order, with its op and changed properties.
    rows = table_rows(tokens)
    assert [(row[2].strip("`"), row[3].strip("*")) for row in rows] == [
        (s["logical_name"], s["op"]) for s in steps
    ]
    by_name = {row[2].strip("`"): row for row in rows}
    assert by_name["MDPLAN.OUT"][4].startswith("`type`, `managed` forces replace; also")
    assert "`description`" in by_name["MDPLAN"][4]
    assert by_name["MDPLAN"][0] == "`~`" and by_name["MDPLAN.OLD"][0] == "`-`"

    # The replace is called out before the details.
    warning = next(t for t in tokens if t.type == "blockquote_open")
    assert tokens.index(warning) < next(i for i, t in enumerate(tokens) if t.type == "html_block")
    assert "[!WARNING]" in text and "will be **replaced**: `MDPLAN.OUT`" in text

    # One <details> with a diff block per change; the diff lines say old and new.
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.info for f in fences] == ["diff"] * len(steps)
    summaries = re.findall(r"<summary><code>(\S+) (\S+)</code> \((\w+),", text)
    assert [(name, op) for _, name, op in summaries] == [
        (s["logical_name"], s["op"]) for s in steps
    ]
    blocks = {name: fence.content for (_, name, _), fence in zip(summaries, fences, strict=True)}
    assert '- description: "v1"\n+ description: "v2 | with a pipe"\n' in blocks["MDPLAN"]
    assert "- managed: true  # forces replace" in blocks["MDPLAN.OUT"]
    assert '+ type: "Filesystem"  # forces replace' in blocks["MDPLAN.OUT"]
    assert "-   b = 2\n+   b = 3" in blocks["MDPLAN.prep"]  # code line by line
    assert "+ managed: true" in blocks["MDPLAN.NEW"]
    assert '- name: "OLD"' in blocks["MDPLAN.OLD"]
    for block in blocks.values():
        for line in block.splitlines():
            assert line[:1] in "+-! ", line

    # The secret changed: shown as changed, never in plaintext.
    assert "! params.password: [secret] (changed)" in blocks["MDPLAN.RAW"]
    assert SECRET not in text


def test_markdown_plan_without_changes_and_expect_no_changes(changed):
    r = changed.dss("preview", "md", "--format", "markdown", "--expect-no-changes")
    assert r.exit_code == 3  # the plan is still printed, for the CI summary
    assert "### Changes" in r.stdout
    assert changed.dss("up", "md", "--yes").exit_code == 0
    r = changed.dss("preview", "md", "--format", "markdown", "--expect-no-changes")
    assert r.exit_code == 0, r.stderr
    assert "No changes: DSS matches the stack." in r.stdout
    assert "**5** unchanged" in r.stdout and "<details>" not in r.stdout


def test_json_and_markdown_together_is_a_usage_error(ws):
    ws.stack("s", 'dss.Project("MDX", name="x")\n')
    r = ws.dss("preview", "s", "--json", "--format", "markdown")
    assert r.exit_code == 2 and "--json contradicts --format markdown" in r.stderr
    assert ws.dss("preview", "s", "--json", "--format", "json").exit_code == 0


def test_values_known_after_apply(ws):
    """A folder's generated id flows into a dataset: shown as (known after apply)."""
    import dsspulumi
    from dsspulumi import output

    if not hasattr(output, "Unknown") or "ManagedFolder" not in dsspulumi.__all__:
        pytest.skip("values known after apply and dss.ManagedFolder come with branch i8-core")
    ws.stack(
        "f",
        """
p = dss.Project("MDFOLD", name="Folders")
landing = dss.ManagedFolder("landing", project=p)
dss.Dataset("FILES", project=p, type="FilesInFolder", folder=landing)
""",
    )
    r = ws.dss("preview", "f", "--format", "markdown")
    assert r.exit_code == 0, r.stderr
    block = r.stdout.split("<code>+ MDFOLD.FILES</code>", 1)[1].split("</details>", 1)[0]
    assert '+ params: {"folderSmartId": (known after apply)}' in block


def test_a_huge_plan_fits_in_one_pull_request_comment(ws):
    """GitHub refuses comments over 65,536 characters: a big plan is cut, and says so."""
    ws.stack(
        "big",
        """
for i in range(1500):
    dss.Project(f"BIG_{i}", name=f"Project {i}", description="x" * 500, tags=["a", "b"])
""",
    )
    r = ws.dss("preview", "big", "--format", "markdown")
    assert r.exit_code == 0, r.stderr
    assert len(r.stdout) < 65_536
    assert "**1500** to create" in r.stdout  # the counts are whole
    rows = re.findall(r"^\| `\+` \| dss:Project \| `BIG_(\d+)`", r.stdout, re.M)
    assert rows[:3] == ["0", "1", "2"] and 100 < len(rows) < 1500
    assert f"*{1500 - len(rows)} more row(s) not shown" in r.stdout
    assert "more change(s) not shown: the plan is too long for one comment" in r.stdout
    assert r.stdout.count("<details>") == r.stdout.count("</details>")
    assert r.stdout.count("```") % 2 == 0  # every block that opens is closed
