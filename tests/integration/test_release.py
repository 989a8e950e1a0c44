"""An object left in DSS by ``retain_on_delete`` is released: unmarked, so any stack may adopt it.

Issue 16 made ownership the state's identity; a retained object that kept its mark would
still read as the old state's, and every other state would be refused. So when a retained
object leaves the state (its declaration removed and ``up``, or ``destroy``), its mark is
removed in DSS and a ``dsspulumi.released`` note is left. For every kind that keeps its mark
in DSS: the object stays, unmarked; another state of the same stack (another backend) and a
differently named stack adopt it with ``import_id``; an object someone re-created in between
(another mark) is left untouched; a release that DSS fails keeps the record, and the next
run releases it. Everything runs through the real ``dss`` command line against the sandbox;
what DSS holds is read back with the real dataikuapi client.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from dataikuapi.dss.admin import DSSUserSettings

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

OWNERSHIP = (MARK_FIELD, URN_FIELD, STACK_FIELD, BACKEND_FIELD)
NOTE = re.compile(r"^team/dev/(?P<identity>[0-9a-f]{32}) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _state(root: Path, stack: str = "team") -> State:
    backend = LocalBackend(root)
    assert backend.read_state(stack, "dev") is not None, f"no state for {stack} in {root}"
    return load_state(backend, stack, "dev")[0]


def _record(state: State, logical: str) -> Any:
    return next((r for r in state.resources if r.urn.endswith("::" + logical)), None)


def _write(path: Path, code: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("import dsspulumi as dss\n" + code)


# --- the kinds that keep their mark in DSS -------------------------------------------------------


@attrs.frozen
class Doc:
    """The DSS document holding an object's mark, read whole, and how to save it back."""

    raw: dict[str, Any]
    root: str
    save: Callable[[], None]

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.raw.get(self.root) or {})


def _project_doc(c: Any, ident: str) -> Doc:
    project = c.get_project("TEAMP")
    md = project.get_metadata()
    return Doc(md, "customFields", lambda: project.set_metadata(md))


def _dataset_doc(c: Any, ident: str) -> Doc:
    settings = c.get_project("TEAMP").get_dataset(ident).get_settings()
    return Doc(settings.get_raw(), "customFields", settings.save)


def _recipe_doc(c: Any, ident: str) -> Doc:
    settings = c.get_project("TEAMP").get_recipe(ident).get_settings()
    return Doc(settings.get_recipe_raw_definition(), "customFields", settings.save)


def _folder_doc(c: Any, ident: str) -> Doc:
    settings = c.get_project("TEAMP").get_managed_folder(ident).get_settings()
    return Doc(settings.get_raw(), "customFields", settings.save)


def _scenario_doc(c: Any, ident: str) -> Doc:
    settings = c.get_project("TEAMP").get_scenario(ident).get_settings()
    return Doc(settings.get_raw(), "customFields", settings.save)


def _notebook_doc(c: Any, ident: str) -> Doc:
    content = c.get_project("TEAMP").get_jupyter_notebook(ident).get_content()
    return Doc(content.get_raw().setdefault("metadata", {}), "customFields", content.save)


def _user_doc(c: Any, ident: str) -> Doc:
    raw = c.get_user(ident).get_settings().get_raw()
    return Doc(raw, "adminProperties", lambda: DSSUserSettings(c, ident, raw).save())


@attrs.frozen
class Kind:
    logical: str
    # The declaration, after the project (``p``) and the datasets ``raw`` and ``out``;
    # ``{opts}`` is where the resource options go.
    code: str
    doc: Callable[[Any, str], Doc]
    # The DSS id (import_id) from the record of the state that created it.
    import_id: Callable[[Any], str] = attrs.field(default=None)
    # The document's id for ``doc`` (a generated id for folders and scenarios).
    doc_id: Callable[[Any], str] = attrs.field(default=None)


def _name(logical: str) -> Callable[[Any], str]:
    return lambda rec: logical


def _generated(rec: Any) -> str:
    return str(rec.outputs["id"])


KINDS = [
    Kind("TEAMP", "", _project_doc, _name("TEAMP"), _name("TEAMP")),
    Kind(
        "TEAMP.keep",
        'dss.ManagedDataset("keep", project=p, connection="filesystem_managed"{opts})\n',
        _dataset_doc,
        _name("TEAMP.keep"),
        _name("keep"),
    ),
    Kind(
        "TEAMP.compute",
        'dss.PythonRecipe("compute", project=p, inputs=[raw], outputs=[out], code="x = 1"{opts})\n',
        _recipe_doc,
        _name("TEAMP.compute"),
        _name("compute"),
    ),
    Kind(
        "TEAMP.copy",
        'dss.SyncRecipe("copy", project=p, inputs=[raw], outputs=[out]{opts})\n',
        _recipe_doc,
        _name("TEAMP.copy"),
        _name("copy"),
    ),
    Kind(
        "TEAMP.clean",
        'dss.PrepareRecipe("clean", project=p, inputs=[raw], outputs=[out]{opts})\n',
        _recipe_doc,
        _name("TEAMP.clean"),
        _name("clean"),
    ),
    Kind(
        "TEAMP.docs",
        'dss.ManagedFolder("docs", project=p{opts})\n',
        _folder_doc,
        lambda rec: f"TEAMP.{rec.outputs['id']}",
        _generated,
    ),
    Kind(
        "TEAMP.Nightly",
        'dss.Scenario("Nightly", project=p, steps=[dss.PythonStep("pass")]{opts})\n',
        _scenario_doc,
        lambda rec: f"TEAMP.{rec.outputs['id']}",
        _generated,
    ),
    Kind(
        "TEAMP.explore",
        'dss.Notebook("explore", project=p, content=dict(metadata=dict(), nbformat=4, '
        'nbformat_minor=4, cells=[dict(cell_type="code", metadata=dict(), source="x = 1")])'
        "{opts})\n",
        _notebook_doc,
        _name("TEAMP.explore"),
        _name("explore"),
    ),
    Kind(
        "teamuser",
        'dss.User("teamuser", display_name="Team user"{opts})\n',
        _user_doc,
        _name("teamuser"),
        _name("teamuser"),
    ),
]
IDS = [k.logical for k in KINDS]

RETAIN = ", opts=dss.ResourceOptions(retain_on_delete=True)"


def _owner_code(kind: Kind, *, declared: bool = True, retain_all: bool = False) -> str:
    """The stack that creates the object (the project and two datasets around it)."""
    every = RETAIN if retain_all else ""
    project_opts = RETAIN if kind.logical == "TEAMP" or retain_all else ""
    code = f'p = dss.Project("TEAMP", name="Team"{project_opts})\n'
    if kind.logical == "TEAMP" and not declared:
        return ""
    code += f'raw = dss.ManagedDataset("raw", project=p, connection="filesystem_managed"{every})\n'
    code += f'out = dss.ManagedDataset("out", project=p, connection="filesystem_managed"{every})\n'
    if declared:
        code += kind.code.format(opts=RETAIN)
    return code


def _adopter_code(kind: Kind, import_id: str, *, retain: bool = False) -> str:
    """A stack that adopts the object, using the rest through read-only lookups."""
    opts = f"import_id={import_id!r}" + (", retain_on_delete=True" if retain else "")
    if kind.logical == "TEAMP":
        return f'p = dss.Project("TEAMP", name="Team", opts=dss.ResourceOptions({opts}))\n'
    code = 'p = dss.Project.get("TEAMP")\n'
    code += 'raw = dss.Dataset.get("TEAMP.raw")\nout = dss.Dataset.get("TEAMP.out")\n'
    return code + kind.code.format(opts=f", opts=dss.ResourceOptions({opts})")


def _assert_released(doc: Doc, identity: str) -> None:
    fields = doc.fields
    assert not set(OWNERSHIP) & set(fields), fields
    match = NOTE.match(fields.get(RELEASED_FIELD, ""))
    assert match and match["identity"] == identity, fields
    assert not [t for t in doc.raw.get("tags") or [] if str(t).startswith("dsspulumi-mark:")]


def _assert_owned_by(doc: Doc, state: State, logical: str) -> None:
    fields = doc.fields
    assert fields[MARK_FIELD] == _record(state, logical).mark
    assert fields[STACK_FIELD] == state.identity
    assert RELEASED_FIELD not in fields  # owned again: the old note is gone


# --- released by removing the declaration, then adopted by other states ---------------------------


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_a_retained_object_leaving_the_state_is_released_and_another_state_adopts_it(ws, kind):
    client = ws.sandbox.client()
    a, b = ws.root / "state-a", ws.root / "state-b"
    ws.stack("team", _owner_code(kind))
    r = ws.dss("up", "team", "--yes", "--backend", f"file://{a}")
    assert r.exit_code == 0, r.stdout + r.stderr
    state_a = _state(a)
    record = _record(state_a, kind.logical)
    import_id, doc_id = kind.import_id(record), kind.doc_id(record)
    _assert_owned_by(kind.doc(client, doc_id), state_a, kind.logical)

    # A no longer declares it: `up` releases it. It stays in DSS, unmarked, with a note.
    ws.stack("team", _owner_code(kind, declared=False))
    r = ws.dss("up", "team", "--yes", "--backend", f"file://{a}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "retained (left in DSS): unmarked, dropped from the state" in r.stdout
    assert _record(_state(a), kind.logical) is None and _state(a).pending == []
    _assert_released(kind.doc(client, doc_id), state_a.identity)
    r = ws.dss("preview", "team", "--expect-no-changes", "--backend", f"file://{a}")
    assert r.exit_code == 0, r.stdout + r.stderr

    # The same stack in another backend adopts it, as it would an object made by hand.
    _write(ws.root / "colleague" / "team.py", _adopter_code(kind, import_id, retain=True))
    r = ws.dss("up", "colleague/team.py", "--yes", "--backend", f"file://{b}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    _assert_owned_by(kind.doc(client, doc_id), _state(b), kind.logical)

    # ... releases it in turn, and a differently named stack adopts it.
    _write(ws.root / "colleague" / "team.py", "" if kind.logical == "TEAMP" else "pass\n")
    r = ws.dss("up", "colleague/team.py", "--yes", "--backend", f"file://{b}")
    assert r.exit_code == 0, r.stdout + r.stderr
    _assert_released(kind.doc(client, doc_id), _state(b).identity)
    ws.stack("other", _adopter_code(kind, import_id))
    r = ws.dss("up", "other", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    _assert_owned_by(kind.doc(client, doc_id), ws.state("other"), kind.logical)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_destroy_releases_the_retained_objects_and_another_backend_adopts_them(ws, kind):
    client = ws.sandbox.client()
    a, b = ws.root / "state-a", ws.root / "state-b"
    ws.stack("team", _owner_code(kind, retain_all=True))
    assert ws.dss("up", "team", "--yes", "--backend", f"file://{a}").exit_code == 0
    state_a = _state(a)
    record = _record(state_a, kind.logical)
    import_id, doc_id = kind.import_id(record), kind.doc_id(record)

    r = ws.dss("destroy", "team", "--yes", "--backend", f"file://{a}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _state(a).resources == [] and _state(a).pending == []
    _assert_released(kind.doc(client, doc_id), state_a.identity)
    _assert_released(_project_doc(client, "TEAMP"), state_a.identity)

    _write(ws.root / "colleague" / "team.py", _adopter_code(kind, import_id))
    r = ws.dss("up", "colleague/team.py", "--yes", "--backend", f"file://{b}")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    _assert_owned_by(kind.doc(client, doc_id), _state(b), kind.logical)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_an_object_re_created_with_another_mark_is_not_touched_by_the_release(ws, kind):
    client = ws.sandbox.client()
    ws.stack("team", _owner_code(kind))
    assert ws.dss("up", "team", "--yes").exit_code == 0
    doc_id = kind.doc_id(_record(ws.state("team"), kind.logical))
    # As if deleted and re-created outside this stack: it carries someone else's mark.
    doc = kind.doc(client, doc_id)
    doc.raw[doc.root][MARK_FIELD] = "someone-else"
    doc.raw[doc.root][STACK_FIELD] = "another-state"
    doc.save()
    before = copy.deepcopy(kind.doc(client, doc_id).raw)

    ws.stack("team", _owner_code(kind, declared=False))
    r = ws.dss("up", "team", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert kind.doc(client, doc_id).raw == before  # untouched
    assert (
        f"{kind.logical}: not released: the {kind_word(kind)} in DSS carries another ownership mark"
    ) in r.stderr
    assert _record(ws.state("team"), kind.logical) is None and ws.state("team").pending == []


def kind_word(kind: Kind) -> str:
    return {
        "TEAMP": "project",
        "TEAMP.keep": "dataset",
        "TEAMP.docs": "managedfolder",
        "TEAMP.Nightly": "scenario",
        "TEAMP.explore": "notebook",
        "teamuser": "user",
    }.get(kind.logical, "recipe")


# --- a release DSS fails: nothing lost ----------------------------------------------------------

DATASET = KINDS[1]
DATASET_ROUTE = "/projects/{projectKey}/datasets/{datasetName}"


def _keep_released(ws: Any) -> Any:
    """Stack ``team`` created TEAMP.keep with retain_on_delete, and no longer declares it."""
    ws.stack("team", _owner_code(DATASET))
    assert ws.dss("up", "team", "--yes").exit_code == 0
    mark = _record(ws.state("team"), "TEAMP.keep").mark
    ws.stack("team", _owner_code(DATASET, declared=False))
    return mark


def test_a_release_dss_refuses_fails_the_step_and_keeps_the_record(ws):
    client = ws.sandbox.client()
    mark = _keep_released(ws)
    ws.sandbox.inject_failure("PUT", DATASET_ROUTE, status=503)  # one try: --retries 0
    r = ws.dss("up", "team", "--yes", "--retries", "0")
    assert r.exit_code == 1
    assert (
        "TEAMP.keep: its ownership mark could not be removed to release it: DSS failed to save "
        "the settings of dataset TEAMP.keep"
    ) in r.stdout
    assert (
        "it stays in the state, still marked as this stack's, and the next `dss up` or `dss "
        "destroy` releases it"
    ) in r.stdout + r.stderr
    assert _record(ws.state("team"), "TEAMP.keep").mark == mark and ws.state("team").pending == []
    assert _dataset_doc(client, "keep").fields[MARK_FIELD] == mark

    r = ws.dss("up", "team", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _record(ws.state("team"), "TEAMP.keep") is None
    _assert_released(_dataset_doc(client, "keep"), ws.state("team").identity)


def test_a_release_whose_answer_is_lost_is_settled_by_reading_the_mark(ws):
    client = ws.sandbox.client()
    _keep_released(ws)
    # The save is done by DSS, and its answer lost.
    ws.sandbox.inject_failure("PUT", DATASET_ROUTE, when="after", mode="drop")
    r = ws.dss("up", "team", "--yes", "--retries", "0")
    assert r.exit_code == 1
    assert (
        "TEAMP.keep: its ownership mark could not be removed to release it: lost the connection "
        "to DSS"
    ) in r.stdout
    assert "its mark was removed all the same, and it is no longer in the state" in (
        r.stdout + r.stderr
    )
    assert _record(ws.state("team"), "TEAMP.keep") is None and ws.state("team").pending == []
    _assert_released(_dataset_doc(client, "keep"), ws.state("team").identity)


def test_a_release_that_cannot_even_be_checked_is_settled_by_the_next_run(ws):
    client = ws.sandbox.client()
    mark = _keep_released(ws)
    # DSS fails the read of the release, then the read that would settle it.
    ws.sandbox.inject_failure("GET", DATASET_ROUTE, times=2, status=500)
    r = ws.dss("up", "team", "--yes", "--retries", "0")
    assert r.exit_code == 1
    assert "whether its mark was removed is checked by the next run" in r.stdout + r.stderr
    state = ws.state("team")
    assert [p.op for p in state.pending] == ["release"]
    assert _record(state, "TEAMP.keep").mark == mark

    r = ws.dss("up", "team", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert (
        "TEAMP.keep: interrupted release; still carries this stack's mark, kept in state to be "
        "released again"
    ) in r.stderr
    assert _record(ws.state("team"), "TEAMP.keep") is None and ws.state("team").pending == []
    _assert_released(_dataset_doc(client, "keep"), ws.state("team").identity)


# --- handing an object over, as the refusal says -------------------------------------------------


def test_the_hand_over_the_refusal_describes_works_as_written(ws):
    client = ws.sandbox.client()
    ws.stack("first", 'dss.Project("SHOP", name="Shop")\n')
    assert ws.dss("up", "first", "--yes").exit_code == 0
    ws.stack(
        "second", 'dss.Project("SHOP", name="Shop", opts=dss.ResourceOptions(import_id="SHOP"))\n'
    )
    r = ws.dss("up", "second", "--yes")
    assert r.exit_code == 1
    assert (
        "or hand it over: release it from stack 'first' (opts=dss.ResourceOptions("
        "retain_on_delete=True) on it and `dss up`, then remove its declaration and `dss up` "
        "again: it is left in DSS without a mark), then import it here"
    ) in r.stderr

    ws.stack("first", f'dss.Project("SHOP", name="Shop"{RETAIN})\n')
    assert ws.dss("up", "first", "--yes").exit_code == 0
    ws.stack("first", "")
    r = ws.dss("up", "first", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.state("first").resources == []
    r = ws.dss("up", "second", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout
    fields = client.get_project("SHOP").get_metadata()["customFields"]
    assert fields[MARK_FIELD] == ws.state("second").resources[0].mark
    assert fields[STACK_FIELD] == ws.state("second").identity


def test_a_state_from_before_identities_can_release_its_old_marks_too(ws):
    client = ws.sandbox.client()
    ws.stack("old", 'dss.Project("OLDP", name="Old")\n')
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
    adopt = 'dss.Project("OLDP", name="Old", opts=dss.ResourceOptions(import_id="OLDP"))\n'
    _write(ws.root / "elsewhere" / "old.py", adopt)
    elsewhere = f"file://{ws.root}/elsewhere-state"
    r = ws.dss("up", "elsewhere/old.py", "--yes", "--backend", elsewhere)
    assert r.exit_code == 1 and "written before dsspulumi recorded which state" in r.stderr

    ws.stack("old", f'dss.Project("OLDP", name="Old"{RETAIN})\n')
    assert ws.dss("up", "old", "--yes").exit_code == 0
    ws.stack("old", "")
    r = ws.dss("up", "old", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    fields = project.get_metadata()["customFields"]
    assert not set(OWNERSHIP) & set(fields)
    assert fields[RELEASED_FIELD].startswith(f"old/dev/{ws.state('old').identity} at ")
    r = ws.dss("up", "elsewhere/old.py", "--yes", "--backend", elsewhere)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "1 imported" in r.stdout


# --- kinds whose mark is in the state: nothing in DSS changes ------------------------------------


def test_kinds_without_a_mark_in_dss_are_only_dropped_from_the_state(ws):
    client = ws.sandbox.client()
    head = 'p = dss.Project("MARKLESS", name="M")\n'
    body = (
        f'dss.FlowZone("Prep", project=p, color="#00ff00"{RETAIN})\n'
        f'dss.ProjectVariables(project=p, standard={{"env": "prod"}}{RETAIN})\n'
        f'dss.Group("markless_team", description="team"{RETAIN})\n'
    )
    ws.stack("m", head + body)
    assert ws.dss("up", "m", "--yes").exit_code == 0
    project = client.get_project("MARKLESS")
    zones = [(z.name, z.color) for z in project.get_flow().list_zones()]
    variables = project.get_variables()
    group = client.get_group("markless_team").get_definition()
    ws.stack("m", head)
    r = ws.dss("up", "m", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [rec.name for rec in ws.state("m").resources] == ["MARKLESS"]
    assert ws.state("m").pending == []
    assert [(z.name, z.color) for z in project.get_flow().list_zones()] == zones
    assert project.get_variables() == variables
    assert client.get_group("markless_team").get_definition() == group


def test_every_kind_that_keeps_its_mark_in_dss_can_release_it():
    from dsspulumi.providers.dss import _TYPES

    releasing = {token for token, cls in _TYPES.items() if hasattr(cls, "release")}
    assert releasing == {
        "dss:Project",
        "dss:Dataset",
        "dss:Recipe",
        "dss:ManagedFolder",
        "dss:Scenario",
        "dss:User",
        "dss:Notebook",  # its mark is in the notebook's metadata.customFields
    }
