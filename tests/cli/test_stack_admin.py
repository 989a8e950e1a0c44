"""`dss stack …` and `dss refresh`, as a user runs them."""

from __future__ import annotations

import json

SIMPLE = """
project = dss.Project(dss.Config().get("key", "ADM"), name="Admin")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed")
dss.export("key", project.key)
"""


def test_ls_history_output(ws):
    ws.stack("adm", SIMPLE)
    (ws.root / "stacks" / "adm.prod.toml").write_text('[adm]\nkey = "ADMPROD"\n')
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    assert ws.dss("up", "adm", "--yes", "-e", "prod").exit_code == 0
    r = ws.dss("stack", "ls", "--json")
    rows = {(x["stack"], x["env"]): x for x in r.json}
    assert set(rows) == {("adm", "dev"), ("adm", "prod")}
    assert (
        rows[("adm", "dev")]["resources"] == 2
        and rows[("adm", "dev")]["last_result"] == "succeeded"
    )
    assert "adm" in ws.dss("stack", "ls").stdout

    r = ws.dss("stack", "history", "adm", "--json")
    assert [e["kind"] for e in r.json] == ["up"] and r.json[0]["summary"] == {"create": 2}
    shown = json.loads(ws.dss("stack", "history", "adm", "--show", "1").stdout)
    assert len(shown["resources"]) == 2

    assert ws.dss("stack", "output", "adm", "key").stdout.strip() == "ADM"
    assert ws.dss("stack", "output", "adm", "--json").json == {"key": "ADM"}
    r = ws.dss("stack", "output", "adm", "nope")
    assert r.exit_code == 1 and "no output 'nope'" in r.stderr


def test_export_import_moves_a_stack(ws, tmp_path):
    ws.stack("adm", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    exported = ws.dss("stack", "export", "adm")
    assert exported.exit_code == 0
    f = tmp_path / "adm.json"
    f.write_text(exported.stdout)
    other = f"file://{tmp_path}/other-backend"
    r = ws.dss("stack", "import", "adm", str(f), "--backend", other)
    assert r.exit_code == 0, r.stderr
    r = ws.dss("preview", "adm", "--backend", other, "--json")
    assert r.json["summary"] == {"same": 2}
    # a second import over an existing state needs --force
    r = ws.dss("stack", "import", "adm", str(f), "--backend", other)
    assert r.exit_code == 1 and "--force" in r.stderr
    assert ws.dss("stack", "import", "adm", str(f), "--backend", other, "--force").exit_code == 0


def test_import_refuses_another_stacks_export_unless_renamed(ws, tmp_path):
    """Stack A's export taken in as B would make B's next plan delete A's objects."""
    ws.stack("adm", SIMPLE)
    ws.stack("other", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    f = tmp_path / "adm.json"
    f.write_text(ws.dss("stack", "export", "adm").stdout)
    for args in (["other"], ["other", "--force"], ["adm", "-e", "prod", "--force"]):
        r = ws.dss("stack", "import", *args, str(f))
        assert r.exit_code == 1
        assert "is the state of stack 'adm' (env 'dev')" in r.stderr
        assert "--rename-from adm" in r.stderr
    assert not ws.state_path("other").exists() and not ws.state_path("adm", "prod").exists()
    r = ws.dss("stack", "import", "other", str(f), "--rename-from", "nope")
    assert r.exit_code == 1 and "does not match" in r.stderr
    r = ws.dss("stack", "import", "other", str(f), "-e", "prod", "--rename-from", "adm")
    assert r.exit_code == 0, r.stderr
    state = ws.state("other", "prod")
    assert (state.stack, state.env) == ("other", "prod")
    urns = sorted(rec.urn for rec in state.resources)
    assert urns == [
        "urn:dss:prod::other::dss:Dataset::ADM.DS",
        "urn:dss:prod::other::dss:Project::ADM",
    ]
    ds = next(rec for rec in state.resources if rec.name == "DS")
    assert ds.dependencies == ["urn:dss:prod::other::dss:Project::ADM"]
    # The renamed stack recognises the objects as its own: nothing to create or delete.
    r = ws.dss("preview", "other", "-e", "prod", "--json")
    assert r.json["summary"] == {"same": 2}


def test_import_validates(ws, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"stack": "x", "env": "dev", "version": 42, "resources": []}')
    r = ws.dss("stack", "import", "adm", str(bad))
    assert r.exit_code == 1 and "newer dsspulumi" in r.stderr
    bad.write_text("not json")
    r = ws.dss("stack", "import", "adm", str(bad))
    assert r.exit_code == 1 and "corrupt" in r.stderr
    r = ws.dss("stack", "import", "adm", str(tmp_path / "missing.json"))
    assert r.exit_code == 1 and "cannot read" in r.stderr


def test_restore_a_corrupt_state_from_history(ws, tmp_path):
    ws.stack("adm", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    ws.state_path("adm").write_text("{ truncated")
    r = ws.dss("up", "adm", "--yes")
    assert r.exit_code == 1 and "corrupt" in r.stderr and "stack history adm" in r.stderr
    good = tmp_path / "good.json"
    good.write_text(ws.dss("stack", "history", "adm", "--show", "1").stdout)
    r = ws.dss("stack", "import", "adm", str(good), "--force")
    assert r.exit_code == 0, r.stderr
    assert ws.dss("preview", "adm", "--json").json["summary"] == {"same": 2}


def test_rm_refuses_while_resources_remain(ws):
    ws.stack("adm", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    r = ws.dss("stack", "rm", "adm")
    assert r.exit_code == 1 and "dss destroy adm" in r.stderr
    assert ws.dss("destroy", "adm", "--yes").exit_code == 0
    assert ws.dss("stack", "rm", "adm").exit_code == 0
    assert ws.dss("stack", "ls", "--json").json == []
    r = ws.dss("stack", "rm", "adm")
    assert r.exit_code == 1 and "no state" in r.stderr


def test_rm_force_forgets(ws):
    ws.stack("adm", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    r = ws.dss("stack", "rm", "adm", "--force")
    assert r.exit_code == 0 and "2 resource(s) left in DSS" in r.stdout
    assert "ADM" in ws.sandbox.client().list_project_keys()


def test_unlock_local(ws):
    ws.stack("adm", SIMPLE)
    r = ws.dss("stack", "unlock", "adm")
    assert r.exit_code == 0 and "not locked" in r.stdout
    from dsspulumi.backends.local import LocalBackend

    backend = LocalBackend(ws.root / ".dss" / "state")
    with backend.lock("adm", "dev", "dss up"):
        r = ws.dss("stack", "unlock", "adm", "--force")
        assert r.exit_code == 1 and "live process" in r.stderr


def test_refresh_records_drift(ws):
    ws.stack("adm", SIMPLE)
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    ws.sandbox.client().get_project("ADM").get_dataset("DS").delete()
    r = ws.dss("refresh", "adm", "--json", "--yes")
    assert r.exit_code == 0, r.stderr
    assert r.json["drift"] == ["ADM.DS: deleted outside dsspulumi"]
    assert [x.name for x in ws.state("adm").resources] == ["ADM"]
    assert ws.dss("preview", "adm", "--json").json["summary"] == {"create": 1, "same": 1}
    assert ws.dss("stack", "history", "adm", "--json").json[-1]["kind"] == "refresh"
