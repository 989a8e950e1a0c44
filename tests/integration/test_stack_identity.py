"""Ownership is the state's identity, not the stack's name (issue 16, part 1).

Two states can share a stack name and environment: a second backend, a colleague's local
state, a run from another folder. Each state gets an identity on its first write, every mark
records it, and adoption (``import_id``, ``dss import resource``, ``dss import project``)
goes by it. Everything runs through the real ``dss`` command line against the sandbox; what
DSS holds is read back with the real dataikuapi client.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from dsspulumi.backends.local import LocalBackend
from dsspulumi.checkpoint import load_state
from dsspulumi.providers.dss.client import (
    BACKEND_FIELD,
    MARK_FIELD,
    RELEASED_FIELD,
    STACK_FIELD,
    URN_FIELD,
)
from dsspulumi.state import State

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _state(root: Path, stack: str = "team", env: str = "dev") -> State:
    backend = LocalBackend(root)
    assert backend.read_state(stack, env) is not None, f"no state for {stack} in {root}"
    return load_state(backend, stack, env)[0]


def _write(path: Path, code: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("import dsspulumi as dss\n" + code)
    return path


# --- the reproduction of the issue ------------------------------------------------------------

TEAM = 'dss.Project("TEAMPROJ", name="Team", opts=dss.ResourceOptions(import_id="TEAMPROJ"))\n'


def test_a_second_backend_cannot_adopt_and_destroy_the_first_ones_object(ws):
    client = ws.sandbox.client()
    client.create_project("TEAMPROJ", "Team", "admin")  # made by hand
    ws.stack("team", TEAM)
    teamstate, colleague = ws.root / "teamstate", ws.root / "colleague"
    mine, theirs = f"file://{teamstate}", f"file://{colleague}"

    r = ws.dss("up", "team", "--yes", "--backend", mine)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    identity = _state(teamstate).identity
    assert identity and HEX32.match(identity)
    fields = client.get_project("TEAMPROJ").get_metadata()["customFields"]
    assert fields[STACK_FIELD] == identity and fields[BACKEND_FIELD] == mine
    assert fields[MARK_FIELD] == _state(teamstate).resources[0].mark

    r = ws.dss("up", "team", "--yes", "--backend", theirs)
    assert r.exit_code == 1
    assert (
        "TEAMPROJ (declared at stacks/team.py:2): cannot import project: it is managed by "
        f"another dsspulumi state: stack 'team' (env dev) in {mine}. An object is managed by one "
        "state only: to manage it from this backend, move that state here instead of importing "
        f"the object: `dss stack export team -e dev --backend {mine} > state.json`, then "
        f"`dss stack import team state.json -e dev --backend {theirs}`. To take this object "
        "alone, release it from that state (opts=dss.ResourceOptions(retain_on_delete=True) on "
        f"it and `dss up --backend {mine}`, then remove its declaration and `dss up --backend "
        f"{mine}` again: it is left in DSS without a mark), then import it here. Nothing was "
        "changed"
    ) in r.stderr
    assert "imported" not in r.stdout
    assert _state(colleague).resources == []
    assert client.get_project("TEAMPROJ").get_metadata()["customFields"] == fields

    r = ws.dss("destroy", "team", "--yes", "--backend", theirs)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "TEAMPROJ" in client.list_project_keys()  # nothing deleted
    assert client.get_project("TEAMPROJ").get_metadata()["customFields"] == fields

    # What the message says to do works, as written.
    exported = ws.dss("stack", "export", "team", "-e", "dev", "--backend", mine)
    assert exported.exit_code == 0, exported.stderr
    (ws.root / "state.json").write_text(exported.stdout)
    r = ws.dss("stack", "import", "team", "state.json", "-e", "dev", "--backend", theirs)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _state(colleague).identity == identity
    r = ws.dss("preview", "team", "--expect-no-changes", "--backend", theirs)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.dss("stack", "rm", "team", "--force", "--backend", mine).exit_code == 0
    assert ws.dss("destroy", "team", "--yes", "--backend", theirs).exit_code == 0
    assert "TEAMPROJ" not in client.list_project_keys()  # the moved state owns it


# --- every kind that carries a mark in DSS -------------------------------------------------------

BASE = """\
p = dss.Project("TEAMP", name="Team"{project_opts})
raw = dss.ManagedDataset("raw", project=p, connection="filesystem_managed"{raw_opts})
"""


@attrs.frozen
class Kind:
    """One kind of object that carries a mark: how a stack declares it, and how to find it."""

    name: str  # the TYPE argument of `dss import resource`
    logical: str
    code: str  # after BASE; {opts} is where import_id goes
    import_id: Any  # (state of A) -> the DSS id
    fields: Any  # (client, state of A) -> the document holding the mark fields
    word: str  # how messages name the kind


def _record(state: State, logical: str) -> Any:
    return next(r for r in state.resources if r.urn.endswith("::" + logical))


def _project_doc(client: Any, state: State) -> dict[str, Any]:
    return client.get_project("TEAMP").get_metadata()["customFields"]


def _dataset_doc(client: Any, state: State) -> dict[str, Any]:
    return client.get_project("TEAMP").get_dataset("raw").get_settings().get_raw()["customFields"]


def _recipe_doc(name: str) -> Any:
    def read(client: Any, state: State) -> dict[str, Any]:
        recipe = client.get_project("TEAMP").get_recipe(name)
        return recipe.get_settings().get_recipe_raw_definition()["customFields"]

    return read


def _folder_doc(client: Any, state: State) -> dict[str, Any]:
    ident = _record(state, "TEAMP.docs").outputs["id"]
    folder = client.get_project("TEAMP").get_managed_folder(ident)
    return folder.get_settings().get_raw()["customFields"]


def _scenario_doc(client: Any, state: State) -> dict[str, Any]:
    ident = _record(state, "TEAMP.Nightly").outputs["id"]
    scenario = client.get_project("TEAMP").get_scenario(ident)
    return scenario.get_settings().get_raw()["customFields"]


def _user_doc(client: Any, state: State) -> dict[str, Any]:
    return client.get_user("teamuser").get_settings().get_raw()["adminProperties"]


KINDS = [
    Kind("project", "TEAMP", "", lambda s: "TEAMP", _project_doc, "project"),
    Kind("dataset", "TEAMP.raw", "", lambda s: "TEAMP.raw", _dataset_doc, "dataset"),
    Kind(
        "recipe",
        "TEAMP.compute",
        'out = dss.ManagedDataset("out", project=p, connection="filesystem_managed")\n'
        'dss.PythonRecipe("compute", project=p, inputs=[raw], outputs=[out], code="x = 1"{opts})\n',
        lambda s: "TEAMP.compute",
        _recipe_doc("compute"),
        "recipe",
    ),
    Kind(
        "recipe",
        "TEAMP.copy",
        'out = dss.ManagedDataset("out", project=p, connection="filesystem_managed")\n'
        'dss.SyncRecipe("copy", project=p, inputs=[raw], outputs=[out]{opts})\n',
        lambda s: "TEAMP.copy",
        _recipe_doc("copy"),
        "recipe",
    ),
    Kind(
        "ManagedFolder",
        "TEAMP.docs",
        'dss.ManagedFolder("docs", project=p{opts})\n',
        lambda s: f"TEAMP.{_record(s, 'TEAMP.docs').outputs['id']}",
        _folder_doc,
        "managedfolder",
    ),
    Kind(
        "Scenario",
        "TEAMP.Nightly",
        'dss.Scenario("Nightly", project=p, steps=[dss.PythonStep("pass")]{opts})\n',
        lambda s: f"TEAMP.{_record(s, 'TEAMP.Nightly').outputs['id']}",
        _scenario_doc,
        "scenario",
    ),
    Kind(
        "user",
        "teamuser",
        'dss.User("teamuser", display_name="Team user"{opts})\n',
        lambda s: "teamuser",
        _user_doc,
        "user",
    ),
]


def _stack_code(kind: Kind, import_id: str | None) -> str:
    def opts(logical: str, ident: str) -> str:
        if import_id is None or kind.logical != logical:
            return ""
        return f", opts=dss.ResourceOptions(import_id={ident!r})"

    base = BASE.format(
        project_opts=opts("TEAMP", "TEAMP"), raw_opts=opts("TEAMP.raw", "TEAMP.raw")
    )
    extra = kind.code.format(opts=opts(kind.logical, import_id or ""))
    return base + extra


@pytest.mark.parametrize("kind", KINDS, ids=[k.logical for k in KINDS])
def test_an_object_of_state_a_cannot_be_adopted_by_a_same_named_stack_in_backend_b(ws, kind):
    client = ws.sandbox.client()
    a, b = ws.root / "state-a", ws.root / "state-b"
    mine, theirs = f"file://{a}", f"file://{b}"
    ws.stack("team", _stack_code(kind, None))
    r = ws.dss("up", "team", "--yes", "--backend", mine)
    assert r.exit_code == 0, r.stdout + r.stderr
    state_a = _state(a)
    record = _record(state_a, kind.logical)
    before = dict(kind.fields(client, state_a))
    assert before[MARK_FIELD] == record.mark and before[URN_FIELD] == record.urn
    assert before[STACK_FIELD] == state_a.identity and before[BACKEND_FIELD] == mine

    # The same stack name and environment, another backend, declaring it with import_id.
    _write(ws.root / "colleague" / "team.py", _stack_code(kind, kind.import_id(state_a)))
    owned_by_a = (
        f"it is managed by another dsspulumi state: stack 'team' (env dev) in {mine}. An object "
        "is managed by one state only: to manage it from this backend, move that state here "
        f"instead of importing the object: `dss stack export team -e dev --backend {mine} > "
        f"state.json`, then `dss stack import team state.json -e dev --backend {theirs}`. To "
        "take this object alone, release it from that state (opts=dss.ResourceOptions("
        f"retain_on_delete=True) on it and `dss up --backend {mine}`, then remove its "
        f"declaration and `dss up --backend {mine}` again: it is left in DSS without a mark), "
        "then import it here"
    )
    for command in (["preview", "--diff"], ["up", "--yes"]):
        r = ws.dss(command[0], "colleague/team.py", *command[1:], "--backend", theirs)
        assert r.exit_code == 1, r.stdout + r.stderr
        assert f"{kind.logical} (declared at colleague/team.py:" in r.stderr
        assert f"cannot import {kind.word}: {owned_by_a}. Nothing was changed" in r.stderr
    r = ws.dss(
        "import", "resource", kind.name, "x", kind.import_id(state_a),
        "--stack", "colleague/team.py", "--backend", theirs,
    )  # fmt: skip
    assert r.exit_code == 1, r.stdout + r.stderr
    assert f"cannot import: {kind.word} {kind.logical}: {owned_by_a}" in r.stderr
    assert "Nothing was written or changed" in r.stderr
    assert not (ws.root / "colleague" / "team_code").exists()

    # Nothing changed: the object still carries A's mark, B's state holds nothing.
    assert kind.fields(client, _state(a)) == before
    assert _state(b).resources == []
    r = ws.dss("destroy", "colleague/team.py", "--yes", "--backend", theirs)
    assert r.exit_code == 0
    assert kind.fields(client, _state(a)) == before


def test_import_project_into_a_same_named_stack_elsewhere_is_refused(ws):
    ws.stack("team", 'dss.Project("TEAMP", name="Team")\n')
    a, b = ws.root / "state-a", ws.root / "state-b"
    assert ws.dss("up", "team", "--yes", "--backend", f"file://{a}").exit_code == 0
    r = ws.dss("import", "project", "TEAMP", "--out", "other/team.py", "--backend", f"file://{b}")
    assert r.exit_code == 1
    assert (
        "cannot import: project TEAMP: it is managed by another dsspulumi state: stack 'team' "
        f"(env dev) in file://{a}."
    ) in r.stderr
    assert f"`dss stack export team -e dev --backend file://{a} > state.json`" in r.stderr
    assert not (ws.root / "other" / "team.py").exists()


# --- this state's own objects ------------------------------------------------------------------


def test_an_object_released_with_retain_on_delete_is_adopted_again_by_its_own_state(ws):
    keep = 'dss.ManagedDataset("raw", project=p, connection="filesystem_managed"{opts})\n'
    head = 'p = dss.Project("KEEP", name="Keep")\n'
    ws.stack("keep", head + keep.format(opts=", opts=dss.ResourceOptions(retain_on_delete=True)"))
    assert ws.dss("up", "keep", "--yes").exit_code == 0
    mark = _record(ws.state("keep"), "KEEP.raw").mark
    ws.stack("keep", head)
    r = ws.dss("up", "keep", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    dataset = ws.sandbox.client().get_project("KEEP").get_dataset("raw")
    fields = dataset.get_settings().get_raw()["customFields"]
    assert MARK_FIELD not in fields and STACK_FIELD not in fields  # left in DSS, released
    assert fields[RELEASED_FIELD].startswith(f"keep/dev/{ws.state('keep').identity} at ")
    assert [r.name for r in ws.state("keep").resources] == ["KEEP"]

    ws.stack("keep", head + keep.format(opts=', opts=dss.ResourceOptions(import_id="KEEP.raw")'))
    r = ws.dss("up", "keep", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    assert _record(ws.state("keep"), "KEEP.raw").mark != mark  # the adoption's own mark

    # Another state of the same stack still may not take it.
    other = f"file://{ws.root}/other"
    r = ws.dss("up", "keep", "--yes", "--backend", other)
    assert r.exit_code == 1 and "managed by another dsspulumi state" in r.stderr


# --- the identity itself -------------------------------------------------------------------------


def test_identity_is_minted_once_kept_across_runs_and_carried_by_export_import(ws):
    ws.stack("s", 'p = dss.Project("IDP", name="Id")\n')
    assert ws.dss("preview", "s").exit_code == 0
    assert not ws.state_path("s").exists()  # a preview writes nothing, mints nothing
    assert ws.dss("up", "s", "--yes").exit_code == 0
    identity = ws.state("s").identity
    assert identity and HEX32.match(identity)
    ws.stack("s", 'p = dss.Project("IDP", name="Id", description="changed")\n')
    assert ws.dss("up", "s", "--yes").exit_code == 0
    assert ws.dss("refresh", "s", "--yes").exit_code == 0
    assert ws.state("s").identity == identity

    exported = ws.dss("stack", "export", "s")
    assert exported.exit_code == 0 and json.loads(exported.stdout)["identity"] == identity
    (ws.root / "s.json").write_text(exported.stdout)
    elsewhere = ws.root / "elsewhere"
    r = ws.dss("stack", "import", "s", "s.json", "--backend", f"file://{elsewhere}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _state(elsewhere, "s").identity == identity

    # Another stack (or another backend's first state) gets an identity of its own.
    ws.stack("t", 'p = dss.Project("IDT", name="Id")\n')
    assert ws.dss("up", "t", "--yes").exit_code == 0
    assert ws.state("t").identity not in (None, identity)


def test_a_state_from_before_identities_gets_one_and_its_old_marks_stay_its_own(ws):
    client = ws.sandbox.client()
    ws.stack("old", 'p = dss.Project("OLDP", name="Old")\n')
    assert ws.dss("up", "old", "--yes").exit_code == 0
    # As an earlier dsspulumi left them: no identity in the state, none in the mark.
    path = ws.state_path("old")
    doc = json.loads(path.read_text())
    del doc["identity"]
    path.write_text(json.dumps(doc))
    project = client.get_project("OLDP")
    metadata = project.get_metadata()
    for key in (STACK_FIELD, BACKEND_FIELD):
        del metadata["customFields"][key]
    project.set_metadata(metadata)
    assert ws.state("old").identity is None  # the old file loads

    r = ws.dss("preview", "old", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "identity" not in json.loads(path.read_text())  # preview writes nothing
    ws.stack("old", 'p = dss.Project("OLDP", name="Old", description="now")\n')
    r = ws.dss("up", "old", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr  # its old mark proves the object its own
    identity = ws.state("old").identity
    assert identity and HEX32.match(identity)
    assert project.get_metadata()["description"] == "now"
    assert ws.dss("up", "old", "--yes").exit_code == 0
    assert ws.state("old").identity == identity

    # The old mark names no identity: another state of the same stack is refused.
    ws.stack(
        "old", 'p = dss.Project("OLDP", name="Old", opts=dss.ResourceOptions(import_id="OLDP"))\n'
    )
    r = ws.dss("up", "old", "--yes", "--backend", f"file://{ws.root}/second")
    assert r.exit_code == 1
    assert (
        "cannot import project: it carries the ownership mark of stack 'old' (env dev), written "
        "before dsspulumi recorded which state wrote a mark, and this state does not record "
        "that mark"
    ) in r.stderr
    assert "--backend THEIRS > state.json" in r.stderr
    assert "remove its dsspulumi ownership fields" in r.stderr


def test_a_hand_made_object_can_still_be_adopted(ws):
    ws.sandbox.client().create_project("HANDP", "Hand", "admin")
    ws.stack("h", 'dss.Project("HANDP", name="H", opts=dss.ResourceOptions(import_id="HANDP"))\n')
    r = ws.dss("up", "h", "--yes", "--backend", f"file://{ws.root}/b1")
    assert r.exit_code == 0, r.stdout + r.stderr


# --- no state yet ---------------------------------------------------------------------------------


def test_a_stack_without_state_says_so_before_the_plan(ws):
    ws.stack("team", 'p = dss.Project("NEWP", name="New")\n')
    note = (
        f"no state yet for stack 'team' (env dev) in file://{ws.root}/.dss/state: every object "
        "will be created"
    )
    r = ws.dss("preview", "team")
    assert r.exit_code == 0 and note in r.stderr and note not in r.stdout
    r = ws.dss("preview", "team", "--json")
    assert note in r.stderr and r.json["summary"] == {"create": 1}  # stdout: one document
    r = ws.dss("up", "team", "--yes", "--json")
    assert r.exit_code == 0 and note in r.stderr and r.json["summary"] == {"create": 1}
    for command in (["preview", "team"], ["up", "team", "--yes"]):
        r = ws.dss(*command)
        assert r.exit_code == 0 and "no state yet" not in r.stderr
    r = ws.dss("preview", "team", "-e", "prod")
    assert "no state yet for stack 'team' (env prod)" in r.stderr


def test_the_first_up_says_so_in_text_before_the_plan(ws):
    ws.stack("team", 'p = dss.Project("NEWQ", name="New")\n')
    r = ws.dss("up", "team", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "no state yet for stack 'team' (env dev)" in r.stderr


# --- the backend is the stack file's repository's -------------------------------------------------


def test_the_backend_is_found_from_the_stack_files_repository(ws, tmp_path_factory):
    repo = tmp_path_factory.mktemp("repo")
    (repo / "pyproject.toml").write_text('[tool.dsspulumi]\nbackend = "file://team-state"\n')
    _write(repo / "stacks" / "x.py", 'dss.Project("REPOX", name=dss.Config().require("label"))\n')
    (repo / "stacks" / "x.dev.toml").write_text('[x]\nlabel = "From the repo"\n')
    # A sub-package's pyproject.toml without [tool.dsspulumi] is passed over.
    (repo / "stacks" / "pyproject.toml").write_text('[project]\nname = "stacks"\n')
    # The current folder has a repository of its own, with another backend.
    (ws.root / "pyproject.toml").write_text('[tool.dsspulumi]\nbackend = "file://cwd-state"\n')

    r = ws.dss("up", str(repo / "stacks" / "x.py"), "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert f"in file://{repo}/team-state: every object will be created" in r.stderr
    assert (repo / "team-state" / "x" / "dev.json").exists()
    assert not (ws.root / "cwd-state").exists() and not (ws.root / ".dss" / "state").exists()
    assert ws.sandbox.client().get_project("REPOX").get_metadata()["label"] == "From the repo"
    r = ws.dss("preview", str(repo / "stacks" / "x.py"), "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    r = ws.dss("stack", "export", str(repo / "stacks" / "x.py"))
    assert r.exit_code == 0 and json.loads(r.stdout)["stack"] == "x"
    r = ws.dss("about", str(repo / "stacks" / "x.py"), "--json")
    assert r.json["backend"] == {
        "url": f"file://{repo}/team-state",
        "source": f"{repo}/pyproject.toml [tool.dsspulumi]",
    }

    # Precedence is unchanged: DSS_BACKEND and --backend still come first.
    r = ws.dss(
        "preview", str(repo / "stacks" / "x.py"), "--json",
        env={"DSS_BACKEND": f"file://{ws.root}/env-state"},
    )  # fmt: skip
    assert r.json["summary"] == {"create": 1}
    r = ws.dss("preview", str(repo / "stacks" / "x.py"), "--json", "--backend", "file://cwd-state")
    assert r.json["summary"] == {"create": 1}


def test_a_repository_without_a_backend_keeps_its_state_in_its_own_folder(ws, tmp_path_factory):
    repo = tmp_path_factory.mktemp("repo")
    (repo / "pyproject.toml").write_text("[tool.dsspulumi]\n")
    _write(repo / "stacks" / "y.py", 'dss.Project("REPOY", name="Y")\n')
    r = ws.dss("up", str(repo / "stacks" / "y.py"), "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert (repo / ".dss" / "state" / "y" / "dev.json").exists()
    assert not (ws.root / ".dss" / "state").exists()


def test_stack_import_over_a_state_keeps_or_replaces_the_identity_as_it_should(ws):
    ws.stack("s", 'p = dss.Project("IMPP", name="Imp")\n')
    assert ws.dss("up", "s", "--yes").exit_code == 0
    identity = ws.state("s").identity
    exported = json.loads(ws.dss("stack", "export", "s").stdout)

    # Restoring an export from before identities: the state stays the one its marks name.
    del exported["identity"]
    (ws.root / "old.json").write_text(json.dumps(exported))
    r = ws.dss("stack", "import", "s", "old.json")
    assert r.exit_code == 1 and "already has a state with 1 resource(s)" in r.stderr
    assert ws.dss("stack", "import", "s", "old.json", "--force").exit_code == 0
    assert ws.state("s").identity == identity

    # A state that manages nothing (a refused first `up`) is replaced without --force.
    other = ws.root / "other"
    adopt = 'opts=dss.ResourceOptions(import_id="IMPP")'
    ws.stack("s", f'p = dss.Project("IMPP", name="Imp", {adopt})\n')
    assert ws.dss("up", "s", "--yes", "--backend", f"file://{other}").exit_code == 1
    assert _state(other, "s").resources == [] and _state(other, "s").identity != identity
    exported["identity"] = identity
    (ws.root / "moved.json").write_text(json.dumps(exported))
    r = ws.dss("stack", "import", "s", "moved.json", "--backend", f"file://{other}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _state(other, "s").identity == identity
