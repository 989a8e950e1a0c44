"""`kill -9` of the *sandbox* in the middle of a parallel `dss up`: nothing acknowledged is lost.

Real processes: `dss sandbox serve --data DIR` (SQLite, WAL) serves a parallel `dss up` and,
at the same time, a client thread of this test that creates datasets one by one and notes
every one it got a 2xx for. The sandbox gets SIGKILL after a chosen number of calls, is
restarted on the same `--data` and port, and then:

* every dataset the thread got a 2xx for exists (an acknowledged write survived the kill);
* every object the killed run recorded in its state (it records a create only after the 2xx)
  exists;
* `dss up` converges, and a refreshed preview is empty.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import requests
from dataikuapi import DSSClient

from tests.crash.conftest import DSS, run_dss, serve

pytestmark = pytest.mark.slow

KEY = "kill-key"
N = 60
STACK = f"""
import dsspulumi as dss
project = dss.Project("KILLED", name="Sandbox killed mid-run")
previous = dss.Dataset("SOURCE", project=project, type="Filesystem",
                       connection="filesystem_root", params={{"path": "/src"}})
for i in range({N}):
    ds = dss.ManagedDataset(f"DS{{i:03d}}", project=project, connection="filesystem_managed",
                            description=f"dataset {{i}}")
    dss.PythonRecipe(f"compute_{{i:03d}}", project=project, inputs=[previous], outputs=[ds],
                     code=f"# step {{i}}")
    previous = ds
"""


def up_creates(url: str) -> int:
    """Creates made by `dss up` so far (the writer thread only uses POST .../datasets/)."""
    with urllib.request.urlopen(f"{url}/__sandbox__/stats", timeout=5) as resp:
        counts = json.load(resp)["counts"]
    return counts.get("POST /projects/{projectKey}/datasets/managed", 0) + counts.get(
        "POST /projects/{projectKey}/recipes/", 0
    )


class AckWriter(threading.Thread):
    """Creates datasets ACK.a0000, a0001... and marks each (a metadata PUT of its
    ``customFields``) until the sandbox dies; notes every acknowledged create and mark."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.project = DSSClient(url, KEY).get_project("ACK")
        self.acked: list[str] = []
        self.marked: list[str] = []

    def run(self) -> None:
        i = 0
        while True:
            name = f"a{i:04d}"
            try:
                self.project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
                self.acked.append(name)
                dataset = self.project.get_dataset(name)
                meta = dataset.get_metadata()
                meta["customFields"] = {"mark": name}
                dataset.set_metadata(meta)
                self.marked.append(name)
            except requests.exceptions.RequestException:
                return  # the sandbox is gone: whatever was acknowledged is noted
            i += 1


@pytest.mark.parametrize("kill_after_creates", [15, 80])
def test_killed_sandbox_loses_nothing_acknowledged(tmp_path: Path, kill_after_creates: int) -> None:
    data = tmp_path / "sandbox-data"
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "killed.py").write_text(textwrap.dedent(STACK))
    sandbox, url = serve(data)
    port = int(url.rsplit(":", 1)[1])
    try:
        DSSClient(url, KEY).create_project("ACK", "Acknowledged", "admin")
        env = {
            **os.environ,
            "DKU_DSS_URL": url,
            "DKU_API_KEY": KEY,
            "DSS_BACKEND": f"file://{tmp_path}/state",
        }
        victim = subprocess.Popen(
            [*DSS, "up", "killed", "--yes", "--parallel", "8"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        writer = AckWriter(url)
        writer.start()
        deadline = time.monotonic() + 90
        while up_creates(url) < kill_after_creates:
            assert victim.poll() is None, "dss up finished before the kill point"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        writer.join(timeout=30)
        assert not writer.is_alive()
        try:  # its DSS vanished mid-run: it fails (or keeps retrying; then it is stopped)
            victim.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            victim.kill()
            victim.communicate()
        assert victim.returncode != 0
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
            sandbox.wait()
        sandbox.stdout.close()
        sandbox.stderr.close()

    sandbox, url2 = serve(data, port)  # same --data, same port
    try:
        assert url2 == url
        client = DSSClient(url, KEY)
        ack = client.get_project("ACK")
        present = {d["name"] for d in ack.list_datasets(as_type="listitems")}
        assert writer.acked and writer.marked, "the writer never got an answer before the kill"
        assert set(writer.acked) <= present  # every acknowledged create survived kill -9
        for name in writer.marked:  # and every acknowledged update
            assert ack.get_dataset(name).get_metadata()["customFields"] == {"mark": name}

        exported = run_dss(tmp_path, url, "stack", "export", "killed")
        assert exported.returncode == 0, exported.stderr
        recorded = {r["name"] for r in json.loads(exported.stdout)["resources"]}
        assert len(recorded) >= 3  # the run got well past the project before the kill
        if "KILLED" in client.list_project_keys():
            project = client.get_project("KILLED")
            in_dss = {d["name"] for d in project.list_datasets(as_type="listitems")}
            in_dss |= {r["name"] for r in project.list_recipes(as_type="listitems")}
            in_dss.add("KILLED")
        else:
            in_dss = set()
        assert recorded <= in_dss, recorded - in_dss  # state's records were acknowledged

        healed = run_dss(tmp_path, url, "up", "killed", "--yes", "--json", "--parallel", "8")
        assert healed.returncode == 0, healed.stderr + healed.stdout
        assert json.loads(healed.stdout)["result"] == "succeeded"
        project = client.get_project("KILLED")
        datasets = {d["name"] for d in project.list_datasets(as_type="listitems")}
        recipes = {r["name"] for r in project.list_recipes(as_type="listitems")}
        assert datasets == {"SOURCE"} | {f"DS{i:03d}" for i in range(N)}
        assert recipes == {f"compute_{i:03d}" for i in range(N)}
        check = run_dss(tmp_path, url, "preview", "killed", "--refresh", "--expect-no-changes")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        sandbox.kill()
        sandbox.wait()
        sandbox.stdout.close()
        sandbox.stderr.close()
