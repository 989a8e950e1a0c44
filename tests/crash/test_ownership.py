"""Never touch what the stack does not own: proven by the ownership mark, for each kind.

For every kind of object the stack creates (project, external dataset, managed dataset,
recipe, managed folder), three situations:
- a create meets an object made by hand: a conflict, nothing recorded, nothing changed;
- `dss up` is killed (SIGKILL) right after its create call, before the checkpoint, and
  the object was created by that run: the next run adopts it (it carries the mark);
- the same kill, but the object existed before the run: the next run does not adopt it.
Destroy then deletes exactly what the stack created.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from dataikuapi import DSSClient

from tests.crash.conftest import DSS

pytestmark = pytest.mark.slow

BASE = """
import dsspulumi as dss
project = dss.Project("OWN", name="Owned")
src = dss.ManagedDataset("SRC", project=project, connection="filesystem_managed")
"""


@attrs.frozen
class Kind:
    """One kind of object: the stack that declares it, and how a person makes it by hand."""

    target: str  # logical name of the object under test
    extra: str  # stack lines declaring it (after BASE and ``ready``)
    by_hand: Callable[[DSSClient], None]
    exists: Callable[[DSSClient], bool]
    fingerprint: Callable[[DSSClient], Any]
    ready: str = ""  # stack lines applied before the object under test is declared


def _project_kind() -> Kind:
    def by_hand(c: DSSClient) -> None:
        p = c.create_project("TEAM", "Team (by hand)", "admin", description="made by hand")
        p.create_dataset("HANDMADE", "Filesystem", params={"connection": "filesystem_root"})

    return Kind(
        target="TEAM",
        extra='team = dss.Project("TEAM", name="Team", description="from the stack")\n',
        by_hand=by_hand,
        exists=lambda c: "TEAM" in c.list_project_keys(),
        fingerprint=lambda c: (
            c.get_project("TEAM").get_metadata(),
            [d["name"] for d in c.get_project("TEAM").list_datasets()],
        ),
    )


def _dataset_kind(managed: bool) -> Kind:
    if managed:
        extra = 'dss.ManagedDataset("RAW", project=project, connection="filesystem_managed")\n'
    else:
        extra = (
            'dss.Dataset("RAW", project=project, type="Filesystem", '
            'connection="filesystem_root", params={"path": "/stack"})\n'
        )

    def by_hand(c: DSSClient) -> None:
        c.get_project("OWN").create_dataset(
            "RAW", "Filesystem", params={"connection": "filesystem_root", "path": "/by-hand"}
        )

    return Kind(
        target="OWN.RAW",
        extra=extra,
        by_hand=by_hand,
        exists=lambda c: "RAW" in [d["name"] for d in c.get_project("OWN").list_datasets()],
        fingerprint=lambda c: c.get_project("OWN").get_dataset("RAW").get_settings().get_raw(),
    )


def _recipe_kind() -> Kind:
    ready = 'out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")\n'
    extra = 'dss.SyncRecipe("copy", project=project, inputs=[src], outputs=[out])\n'

    def by_hand(c: DSSClient) -> None:
        creator = c.get_project("OWN").new_recipe("sync", "copy")
        creator.with_input("SRC").with_output("OUT").create()

    def fingerprint(c: DSSClient) -> Any:
        settings = c.get_project("OWN").get_recipe("copy").get_settings()
        return settings.get_recipe_raw_definition()

    return Kind(
        target="OWN.copy",
        extra=extra,
        by_hand=by_hand,
        exists=lambda c: "copy" in [r["name"] for r in c.get_project("OWN").list_recipes()],
        fingerprint=fingerprint,
        ready=ready,
    )


def _folder_kind() -> Kind:
    def folders(c: DSSClient) -> list[dict[str, Any]]:
        return [f for f in c.get_project("OWN").list_managed_folders() if f["name"] == "box"]

    return Kind(
        target="OWN.box",
        extra='dss.ManagedFolder("box", project=project, description="from the stack")\n',
        by_hand=lambda c: c.get_project("OWN").create_managed_folder("box") and None,
        exists=lambda c: len(folders(c)) == 1,
        fingerprint=folders,
    )


KINDS = {
    "project": _project_kind(),
    "external_dataset": _dataset_kind(managed=False),
    "managed_dataset": _dataset_kind(managed=True),
    "recipe": _recipe_kind(),
    "managed_folder": _folder_kind(),
}


@attrs.define
class Run:
    """`dss` in-process for ordinary runs; as a real process for the runs that get killed."""

    ws: Any

    def write(self, code: str) -> None:
        (self.ws.root / "stacks" / "own.py").write_text(textwrap.dedent(code))

    def dss(self, *args: str) -> Any:
        return self.ws.dss(*args)

    def killed(self, target: str, point: str = "after-create") -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DKU_DSS_URL": self.ws.sandbox.url,
            "DKU_API_KEY": self.ws.sandbox.api_key,
            "DSSPULUMI_CRASH_AT": f"{point}:{target}",
        }
        env.pop("DSS_BACKEND", None)
        return subprocess.run(
            [*DSS, "up", "own", "--yes", "--parallel", "1"],
            cwd=self.ws.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def state(self) -> dict[str, Any]:
        r = self.dss("stack", "export", "own")
        assert r.exit_code == 0, r.stderr
        return json.loads(r.stdout)

    def recorded(self) -> set[str]:
        return {rec["urn"].rsplit("::", 1)[-1] for rec in self.state()["resources"]}


@pytest.fixture
def run(ws) -> Run:
    return Run(ws)


def _prepare(run: Run, kind: Kind) -> None:
    """Our project exists (applied by the stack) before the object under test is declared."""
    run.write(BASE + kind.ready)
    r = run.dss("up", "own", "--yes")
    assert r.exit_code == 0, r.stderr
    run.write(BASE + kind.ready + kind.extra)


@pytest.mark.parametrize("name", list(KINDS))
def test_a_create_that_meets_a_hand_made_object_is_a_conflict(run, ws, name):
    kind, client = KINDS[name], ws.sandbox.client()
    _prepare(run, kind)
    kind.by_hand(client)
    before, state_before = kind.fingerprint(client), run.state()["resources"]
    r = run.dss("up", "own", "--yes", "--json")
    assert r.exit_code == 1
    step = next(s for s in json.loads(r.stdout)["steps"] if s["logical_name"] == kind.target)
    assert step["status"] == "failed"
    assert "already exists in DSS and was not created by this stack" in step["error"]
    assert "Rename it" in step["error"]
    assert run.state()["resources"] == state_before  # state unchanged
    assert kind.fingerprint(client) == before  # DSS unchanged
    _destroy_leaves_only_what_is_not_ours(run, kind, client, name, before)


def _destroy_leaves_only_what_is_not_ours(
    run: Run, kind: Kind, client: DSSClient, name: str, before: Any
) -> None:
    """Destroy deletes what the stack made and nothing else, not even as a side effect."""
    r = run.dss("destroy", "own", "--yes")
    if name == "project":
        assert r.exit_code == 0, r.stderr  # TEAM was never the stack's
        assert "OWN" not in client.list_project_keys()
    else:
        # The hand-made object sits in the stack's project: deleting OWN would delete it.
        assert r.exit_code == 1
        assert "project OWN still holds objects this stack does not manage" in r.stdout
        assert "OWN" in client.list_project_keys() and "OWN" in run.recorded()
    assert kind.fingerprint(client) == before


@pytest.mark.parametrize("point", ["after-create-call", "after-create"])
@pytest.mark.parametrize("name", list(KINDS))
def test_killed_after_creating_its_own_object_the_next_run_adopts_it(run, ws, name, point):
    """``after-create-call``: killed before the write that follows creation (the mark, where
    the creation body cannot carry it); ``after-create``: before the checkpoint."""
    kind, client = KINDS[name], ws.sandbox.client()
    _prepare(run, kind)
    r = run.killed(kind.target, point)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert kind.exists(client)
    state = run.state()
    assert [p["urn"].rsplit("::", 1)[-1] for p in state["pending"]] == [kind.target]
    assert kind.target not in run.recorded()

    healed = run.dss("up", "own", "--yes", "--json")
    assert healed.exit_code == 0, healed.stderr
    assert f"{kind.target}: interrupted create; found in DSS" in healed.stderr
    steps = {s["logical_name"]: s["op"] for s in json.loads(healed.stdout)["steps"]}
    # Killed before its settings were written, it is brought to what the stack declares.
    assert steps[kind.target] in ("same", "update")
    assert kind.target in run.recorded() and run.state()["pending"] == []
    check = run.dss("preview", "own", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert run.dss("destroy", "own", "--yes").exit_code == 0
    assert not {"OWN", "TEAM"} & set(client.list_project_keys())


@pytest.mark.parametrize("name", list(KINDS))
def test_killed_after_meeting_a_hand_made_object_the_next_run_never_adopts_it(
    run, ws, name
):
    kind, client = KINDS[name], ws.sandbox.client()
    _prepare(run, kind)
    kind.by_hand(client)
    before = kind.fingerprint(client)
    r = run.killed(kind.target)
    if r.returncode == 1:
        # Datasets: the name is checked before a create that cannot carry the mark, so the
        # run stops there with the conflict, before any create call (and the kill point).
        assert "already exists in DSS and was not created by this stack" in r.stdout
        assert not run.state()["pending"]
    else:
        assert r.returncode == -signal.SIGKILL, r.stderr
        assert [p["urn"].rsplit("::", 1)[-1] for p in run.state()["pending"]] == [kind.target]

    again = run.dss("up", "own", "--yes", "--json")
    assert again.exit_code == 1
    if r.returncode != 1:
        assert (
            f"{kind.target}: interrupted create; an object of that name exists in DSS but was "
            "not created by this stack" in again.stderr
        )
    assert kind.target not in run.recorded() and run.state()["pending"] == []
    assert kind.fingerprint(client) == before
    _destroy_leaves_only_what_is_not_ours(run, kind, client, name, before)


def test_an_object_recreated_by_hand_is_neither_updated_nor_deleted(run, ws):
    """State points at OWN.RAW, but the object in DSS was deleted and re-made by a person."""
    kind, client = KINDS["external_dataset"], ws.sandbox.client()
    run.write(BASE + kind.extra)
    assert run.dss("up", "own", "--yes").exit_code == 0
    client.get_project("OWN").get_dataset("RAW").delete()
    kind.by_hand(client)
    before = kind.fingerprint(client)

    run.write(BASE + kind.extra.replace('"/stack"', '"/stack-v2"'))
    r = run.dss("up", "own", "--yes")
    assert r.exit_code == 1
    assert "dataset OWN.RAW in DSS is not the object this stack created" in r.stdout + r.stderr
    assert kind.fingerprint(client) == before  # not updated
    assert "OWN.RAW" not in run.recorded()  # and no longer claimed

    run.write(BASE + kind.extra)
    assert run.dss("up", "own", "--yes").exit_code == 1  # a create now meets it: a conflict
    _destroy_leaves_only_what_is_not_ours(run, kind, client, "external_dataset", before)
    client.get_project("OWN").get_dataset("RAW").delete()  # its owner removes it
    assert run.dss("destroy", "own", "--yes").exit_code == 0
    assert "OWN" not in client.list_project_keys()  # the project was ours


def test_refresh_drops_an_object_that_was_replaced_by_hand(run, ws):
    kind, client = KINDS["external_dataset"], ws.sandbox.client()
    run.write(BASE + kind.extra)
    assert run.dss("up", "own", "--yes").exit_code == 0
    client.get_project("OWN").get_dataset("RAW").delete()
    kind.by_hand(client)
    r = run.dss("refresh", "own", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "OWN.RAW: the object in DSS was not created by this stack" in r.stdout
    assert "OWN.RAW" not in run.recorded()
    r = run.dss("preview", "own", "--json")
    assert {s["logical_name"]: s["op"] for s in r.json["steps"]}["OWN.RAW"] == "create"
