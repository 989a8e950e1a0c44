"""The Automation API on the sandbox: inline programs, results, events, typed errors, and four
stacks updated at once from four threads of one process (one sandbox for the module)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import dsspulumi as dss
from dsspulumi import automation as auto
from dsspulumi import errors
from dsspulumi.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        yield sb


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for var in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", "automation-tests")


def make(sandbox, name, program, work_dir, **kw):
    return auto.Stack(
        name, program=program, work_dir=work_dir, dss_url=sandbox.url, api_key=sandbox.api_key,
        **kw,
    )


class Pipeline(dss.ComponentResource):
    def __init__(self, name: str, *, project: dss.Project) -> None:
        super().__init__("tests:Pipeline", name)
        self.out = dss.ManagedDataset(
            f"{name}_OUT", project=project, connection="filesystem_managed",
            opts=dss.ResourceOptions(parent=self),
        )


def team_program(barrier: threading.Barrier | None = None):
    """One team's project; the key and label come from the stack's own config, the recipe
    code from a file beside the stack's own config."""

    def program() -> None:
        cfg = dss.Config()
        key = cfg.require("key")
        if barrier is not None:
            barrier.wait(timeout=30)  # every program is running at this point
        project = dss.Project(key, name=cfg.require("title"))
        raw = dss.ManagedDataset(f"{key}_RAW", project=project, connection="filesystem_managed")
        pipe = Pipeline(key, project=project)
        dss.PythonRecipe(
            f"prep_{key.lower()}", project=project, inputs=[raw], outputs=[pipe.out],
            code=dss.File("prep.py"),
        )
        dss.export("key", project.key)
        dss.export("token", cfg.get_secret("token"))

    return program


def test_four_stacks_update_at_once_from_four_threads(sandbox, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the process's folder: no stack may use it
    teams = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
    barrier = threading.Barrier(len(teams))
    stacks = []
    for team in teams:
        work = tmp_path / team.lower()
        work.mkdir()
        (work / "prep.py").write_text(f"# {team}\n")
        st = make(sandbox, f"team_{team.lower()}", team_program(barrier), work)
        st.set_config("key", team)
        st.set_config("title", f"Team {team.title()}")
        st.set_config("token", f"s3cret-{team}", secret=True)
        stacks.append(st)

    with ThreadPoolExecutor(len(stacks)) as pool:
        results = list(pool.map(lambda st: st.up(parallel=4), stacks))

    client = sandbox.client()
    for team, st, res in zip(teams, stacks, results, strict=True):
        assert res.succeeded and res.summary == {"create": 4}, res.failed
        assert res.outputs["key"] == team
        assert str(res.outputs["token"]) == "[secret]"
        assert st.outputs() == {"key": team, "token": "[secret]"}
        assert st.outputs(show_secrets=True)["token"] == f"s3cret-{team}"
        project = client.get_project(team)
        assert project.get_metadata()["label"] == f"Team {team.title()}"
        assert sorted(d["name"] for d in project.list_datasets()) == [f"{team}_OUT", f"{team}_RAW"]
        recipes = project.list_recipes()
        assert [r["name"] for r in recipes] == [f"prep_{team.lower()}"]
        code = project.get_recipe(f"prep_{team.lower()}").get_settings().get_payload()
        assert code == f"# {team}\n"
        urns = [r.urn for r in _state(st).resources]
        assert urns and all(f"::team_{team.lower()}::" in u for u in urns)
        assert all(team in u for u in urns if "Project" not in u)
        assert [h.kind for h in st.history()] == ["up"]
        assert (tmp_path / team.lower() / ".dss" / "state" / st.name).is_dir()
    assert list(elsewhere.iterdir()) == []  # state and config went to each work_dir

    with ThreadPoolExecutor(len(stacks)) as pool:
        again = list(pool.map(lambda st: st.preview(), stacks))
    assert all(p.summary == {"same": 4} and not p.changes for p in again)
    with ThreadPoolExecutor(len(stacks)) as pool:
        gone = list(pool.map(lambda st: st.destroy(), stacks))
    assert all(g.summary == {"delete": 4} for g in gone)
    assert not {p["projectKey"] for p in client.list_projects()} & set(teams)


def _state(st):
    from dsspulumi.checkpoint import load_state

    return load_state(st.backend, st.name, st.env)[0]


def test_preview_events_and_results(sandbox, tmp_path):
    (tmp_path / "prep.py").write_text("print(1)\n")
    st = make(sandbox, "events", team_program(), tmp_path)
    st.set_config("key", "EVENTS")
    st.set_config("title", "Events")
    assert st.get_config("title") == "Events"
    st.set_config("events:token", "t0k3n", secret=True)
    assert st.get_config("token") == "[secret]"
    assert st.get_config("token", secret=True) == "t0k3n"

    pre = st.preview()
    assert pre.summary == {"same": 0, "create": 4} and pre.policy == []
    project = next(c for c in pre.changes if c.type == "dss:Project")
    assert project.operation == "create" and project.urn.endswith("dss:Project::EVENTS")
    doc = pre.to_json()
    assert doc["summary"] == {"create": 4} and doc["changes"] is True
    assert set(doc["timings"]) >= {"program", "load_state", "plan"}

    seen: list[auto.Event] = []
    lock = threading.Lock()

    def on_event(event: auto.Event) -> None:
        with lock:
            seen.append(event)

    res = st.up(on_event=on_event)
    started = [e for e in seen if isinstance(e, auto.StepStarted)]
    finished = [e for e in seen if isinstance(e, auto.StepFinished)]
    assert len(started) == len(finished) == 4
    assert {e.status for e in finished} == {"succeeded"}
    assert all(e.duration >= 0 and e.operation == "create" for e in finished)
    assert any(isinstance(e, auto.Diagnostic) and "no state yet" in e.message for e in seen)
    assert res.to_json()["result"] == "succeeded"

    st.set_config("title", "Events renamed")
    pre = st.preview()
    change = next(c for c in pre.changes if c.type == "dss:Project")
    assert change.operation == "update"
    assert [(d.path, d.old, d.new) for d in change.diff] == [
        ("name", "Events", "Events renamed")
    ]
    sandbox.client().get_project("EVENTS").get_dataset("EVENTS_RAW").delete()
    drift = st.refresh()
    assert drift.kind == "refresh" and drift.summary == {"drift": 1}
    assert drift.to_json()["recorded"] is True
    assert st.destroy().succeeded
    assert [h.kind for h in st.history()] == ["up", "refresh", "destroy"]


def test_errors_are_typed_and_keep_the_old_hierarchy(sandbox, tmp_path):
    def broken() -> None:
        dss.Project("BROKEN", name="x")
        raise ValueError("no such team")

    st = make(sandbox, "broken", broken, tmp_path)
    with pytest.raises(auto.ProgramError) as info:
        st.preview()
    assert info.value.file.endswith("test_automation.py")
    assert info.value.line == broken.__code__.co_firstlineno + 2
    assert isinstance(info.value, errors.StackProgramError)
    assert "no such team" in str(info.value)

    with pytest.raises(auto.ConfigError) as missing:
        auto.Stack("x", program=tmp_path / "nope.py")
    assert isinstance(missing.value, errors.ConfigError)

    # An object of the same name the stack did not create: a conflict that names it.
    sandbox.client().create_project("TAKEN", "Someone else's", "admin")

    def taken() -> None:
        dss.Project("TAKEN", name="Mine")
        dss.Project("FREE_ONE", name="Free")

    st = make(sandbox, "taken", taken, tmp_path)
    with pytest.raises(auto.ConflictError) as conflict:
        st.up()
    assert conflict.value.name == "TAKEN" and conflict.value.urn.endswith("::TAKEN")
    assert isinstance(conflict.value, auto.UpdateFailedError | errors.ConflictError)
    partial = conflict.value.result
    assert not partial.succeeded and [f.urn for f in partial.failed] == [conflict.value.urn]
    assert partial.summary == {"create": 1}  # FREE_ONE was created and recorded
    assert sandbox.client().get_project("TAKEN").get_metadata()["label"] == "Someone else's"

    # Another run holds the lock: who, and since when.
    with st.backend.lock("taken", "dev", "dss up (elsewhere)"):
        with pytest.raises(auto.StackLockedError) as locked:
            st.destroy()
    assert isinstance(locked.value, errors.LockHeldError)
    assert locked.value.holder["command"] == "dss up (elsewhere)"
    assert locked.value.since is not None and locked.value.since > 0
    assert isinstance(locked.value, auto.AutomationError)
    assert st.destroy().summary == {"delete": 1}


def test_testing_run_program_takes_an_inline_program_too(tmp_path):
    from dsspulumi.testing import run_program

    (tmp_path / "prep.py").write_text("print(2)\n")
    graph = run_program(
        team_program(), {"key": "INLINE", "title": "Inline"}, stack="inline", work_dir=tmp_path
    )
    assert sorted(graph.names) == [
        "INLINE", "INLINE.INLINE_OUT", "INLINE.INLINE_RAW", "INLINE.prep_inline",
    ]
    assert graph.inputs("INLINE.prep_inline")["code"] == "print(2)\n"
    assert graph.exports["key"] == "INLINE"
