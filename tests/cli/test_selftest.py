"""`dss selftest` as users run it: a real process against a real `dss sandbox serve` process.

Each run is checked to leave DSS as it found it (projects, connections, groups, users, code
envs, instance variables listed before and after), also when a kind fails midway (the
sandbox's failure injection) and when the run is interrupted by Ctrl-C (a real SIGINT); and
objects with the same prefix that it did not create are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from dataikuapi import DSSClient

from dsspulumi.sandbox import Sandbox
from dsspulumi.selftest import supported_kinds
from dsspulumi.selftest_samples import samples

ADMIN_KEY = "selftest-admin-key"
USER_KEY = "selftest-user-key"
INSTANCE_KINDS = {t for t, s in samples().items() if s.admin}


def _kind(type_token: str) -> str:
    return type_token.split(":", 1)[1]


@pytest.fixture(scope="module")
def served() -> Any:
    """`dss sandbox serve` in its own process: (url, admin client)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dsspulumi.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--api-key",
            ADMIN_KEY,
            "--user-api-key",
            USER_KEY,
            "--code-env-seconds",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert "listening on" in line, line + proc.stderr.read()  # type: ignore[union-attr]
        url = line.strip().rsplit(" ", 1)[-1]
        yield url, DSSClient(url, ADMIN_KEY)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def inventory(client: DSSClient) -> dict[str, Any]:
    """Everything of DSS's that the self-test could create, as comparable values."""
    return {
        "projects": sorted(client.list_project_keys()),
        "connections": sorted(client.list_connections()),
        "groups": sorted(g["name"] for g in client.list_groups()),
        "users": sorted(u["login"] for u in client.list_users()),
        "code_envs": sorted(e["envName"] for e in client.list_code_envs()),
        "variables": dict(client.get_global_variables()),
    }


def selftest(url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dsspulumi.cli",
            "selftest",
            "--dss-url",
            url,
            "--api-key",
            key,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in ("DKU_DSS_URL", "DKU_API_KEY")},
    )


def by_kind(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["type"]: k for k in report["kinds"]}


def test_admin_key_every_kind_ok_nothing_left_and_lookalikes_untouched(served):
    url, client = served
    # Objects with the self-test's prefix that it did not create: never touched.
    client.create_project("ZZ_SELFTEST_KEEP", "made by hand", "admin", description="mine")
    client.create_group("ZZ_SELFTEST_KEEP_group", description="mine")
    before = inventory(client)
    r = selftest(url, ADMIN_KEY, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] and report["admin"] and report["left_behind"] == []
    kinds = by_kind(report)
    assert list(kinds) == supported_kinds()  # every kind the tool supports, none forgotten
    assert {t: k["status"] for t, k in kinds.items()} == {t: "ok" for t in kinds}
    assert inventory(client) == before
    assert client.get_project("ZZ_SELFTEST_KEEP").get_metadata()["description"] == "mine"
    assert client.get_group("ZZ_SELFTEST_KEEP_group").get_definition()["description"] == "mine"


def test_non_admin_key_skips_instance_kinds_and_checks_project_kinds(served):
    url, client = served
    before = inventory(client)
    r = selftest(url, USER_KEY)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    for type_token in supported_kinds():
        line = lines[_kind(type_token)]
        if type_token in INSTANCE_KINDS:
            assert line.endswith("skipped (needs an admin key)"), line
        else:
            assert line.split()[1:] == ["ok"], line
    assert INSTANCE_KINDS and INSTANCE_KINDS < set(supported_kinds())
    assert inventory(client) == before


@pytest.fixture
def injectable() -> Any:
    """A sandbox in this process, for its failure injection (the CLI still runs apart)."""
    with Sandbox(api_key=ADMIN_KEY, code_env_seconds=0.05) as sandbox:
        yield sandbox


def test_a_kind_failing_midway_is_named_exit_1_and_everything_is_removed(injectable):
    client = injectable.client()
    before = inventory(client)
    # The scenario is created (POST), then its settings write is refused: a create that
    # fails midway, leaving a half-made scenario that the cleanup must remove.
    injectable.inject_failure(
        "PUT",
        "/projects/{projectKey}/scenarios/{scenarioId}",
        times=1,
        status=400,
        message="selftest: injected refusal",
        error_type="java.lang.IllegalArgumentException",
    )
    # And a group whose first delete is refused: the delete phase fails, the cleanup retries.
    injectable.inject_failure(
        "DELETE",
        "/admin/groups/{name}",
        times=1,
        status=400,
        message="selftest: injected delete refusal",
        error_type="java.lang.IllegalArgumentException",
    )
    r = selftest(injectable.url, ADMIN_KEY)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:] if line.strip()}
    assert lines["Scenario"].startswith("Scenario"), lines
    assert "FAILED" in lines["Scenario"] and "create: selftest_scenario" in lines["Scenario"]
    assert "injected refusal" in lines["Scenario"]
    assert "FAILED" in lines["Group"] and "delete:" in lines["Group"], lines["Group"]
    assert lines["Dataset"].split()[1:] == ["ok"]  # the other kinds are still checked
    assert "NOT REMOVED" not in r.stdout
    assert inventory(client) == before


def test_ctrl_c_midway_removes_everything(tmp_path):
    with Sandbox(api_key=ADMIN_KEY, code_env_seconds=0.05, latency_ms=25) as sandbox:
        client = sandbox.client()
        before = inventory(client)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dsspulumi.cli",
                "selftest",
                "--dss-url",
                sandbox.url,
                "--api-key",
                ADMIN_KEY,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not any(k.startswith("ZZ_SELFTEST_") for k in client.list_project_keys()):
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.3)  # somewhere in the middle of creating the samples
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert "interrupted (Ctrl-C)" in out
        assert "NOT REMOVED" not in out
        assert inventory(client) == before


def test_a_kind_dss_will_not_read_back_fails_alone(injectable):
    client = injectable.client()
    before = inventory(client)
    # The create reads the variables once; the two reads back (batched, then one at a time)
    # are refused.
    injectable.inject_failure(
        "GET",
        "/projects/{projectKey}/variables/",
        times=2,
        after=1,
        status=400,
        message="selftest: injected read refusal",
        error_type="java.lang.IllegalArgumentException",
    )
    r = selftest(injectable.url, ADMIN_KEY, "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    kinds = by_kind(json.loads(r.stdout))
    failed = {t for t, k in kinds.items() if k["status"] != "ok"}
    assert failed == {"dss:ProjectVariables"}, kinds
    problem = kinds["dss:ProjectVariables"]["problems"][0]
    assert problem["phase"] == "read" and "injected read refusal" in problem["message"]
    assert inventory(client) == before


def test_what_dss_will_not_let_it_remove_is_named_and_the_kept_state_removes_it(injectable):
    client = injectable.client()
    before = inventory(client)
    # DSS refuses every read of the project variables after their creation: the run stops,
    # and the cleanup cannot settle them, so it cannot remove the project either.
    injectable.inject_failure(
        "GET",
        "/projects/{projectKey}/variables/",
        times=60,  # more than the run makes; the rest is drained below
        after=1,
        status=400,
        message="selftest: injected read refusal",
        error_type="java.lang.IllegalArgumentException",
    )
    r = selftest(injectable.url, ADMIN_KEY, "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["project"] in report["left_behind"]
    assert "injected read refusal" in report["error"]
    assert report["kept"].startswith("dss destroy ")
    for _ in range(60):  # DSS answers again once the injected refusals are used up
        try:
            client.get_project(report["project"]).get_variables()
            break
        except Exception:  # noqa: BLE001 - the injected refusal
            continue
    done = subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli", *report["kept"].split()[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DKU_API_KEY": ADMIN_KEY},
    )
    shutil.rmtree(Path(report["kept"].split()[2]).parent)  # the kept state and stack file
    assert done.returncode == 0, done.stdout + done.stderr
    assert inventory(client) == before
