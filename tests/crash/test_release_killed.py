"""A release killed half-way (SIGKILL right after DSS removed the mark, before the state knew)
is settled by the next run from the object's mark: unmarked, the release is done and the
record goes; nothing is released twice, nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from dsspulumi.providers.dss.client import MARK_FIELD, RELEASED_FIELD
from tests.crash.conftest import DSS

pytestmark = pytest.mark.slow

HEAD = """\
import dsspulumi as dss
p = dss.Project("REL", name="Release")
"""
KEEP = (
    'dss.ManagedDataset("keep", project=p, connection="filesystem_managed", '
    "opts=dss.ResourceOptions(retain_on_delete=True))\n"
)


def _fields(ws):
    raw = ws.sandbox.client().get_project("REL").get_dataset("keep").get_settings().get_raw()
    return raw.get("customFields") or {}


def test_a_release_killed_after_dss_removed_the_mark_is_settled_by_the_next_run(ws):
    ws.stack("rel", HEAD.split("\n", 1)[1] + KEEP)
    assert ws.dss("up", "rel", "--yes").exit_code == 0
    mark = next(r.mark for r in ws.state("rel").resources if r.name == "keep")
    assert _fields(ws)[MARK_FIELD] == mark
    ws.stack("rel", HEAD.split("\n", 1)[1])

    env = {
        **os.environ,
        "DKU_DSS_URL": ws.sandbox.url,
        "DKU_API_KEY": ws.sandbox.api_key,
        "DSSPULUMI_CRASH_AT": "after-release:REL.keep",
    }
    env.pop("DSS_BACKEND", None)
    killed = subprocess.run(
        [*DSS, "up", "rel", "--yes"],
        cwd=ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    state = ws.state("rel")
    assert [(p.op, p.urn.rsplit("::", 1)[-1]) for p in state.pending] == [("release", "REL.keep")]
    assert any(r.name == "keep" for r in state.resources)  # the record is still there
    assert MARK_FIELD not in _fields(ws) and RELEASED_FIELD in _fields(ws)  # DSS did it

    r = ws.dss("up", "rel", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert (
        "REL.keep: interrupted release; released (left in DSS without this stack's mark), so "
        "not in state"
    ) in r.stderr
    assert r.json["summary"] == {"same": 1}  # settled: nothing left to do
    state = ws.state("rel")
    assert [r.name for r in state.resources] == ["REL"] and state.pending == []
    assert MARK_FIELD not in _fields(ws)
