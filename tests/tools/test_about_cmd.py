"""`dss about` (versions, backend, DSS target and whether it answers), shell completion, and
the start-up cost of the new commands (none until they are named)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import dsspulumi

# The installed `dss` script (completion keys on its name): beside this Python, else on PATH.
DSS = shutil.which("dss", path=str(Path(sys.executable).parent)) or shutil.which("dss") or "dss"


def test_about_reports_versions_backend_and_a_reachable_target(ws):
    r = ws.dss("about", "--json")  # the ws fixture sets DKU_DSS_URL and DKU_API_KEY
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["versions"]["dsspulumi"] == dsspulumi.__version__
    assert doc["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert doc["versions"]["dataikuapi"]
    assert doc["backend"] == {"url": "file://.dss/state", "source": "default"}
    dss_doc = doc["dss"]
    assert dss_doc["url"] == ws.sandbox.url and dss_doc["source"] == "DKU_DSS_URL"
    assert dss_doc["reachable"] is True
    assert ws.sandbox.api_key not in r.stdout  # the key is never shown
    human = ws.dss("about", "--backend", "file:///tmp/x")
    assert f"DSS: {ws.sandbox.url} (from DKU_DSS_URL): reachable" in human.stdout
    assert "backend: file:///tmp/x (from --backend)" in human.stdout


def test_about_says_why_a_target_does_not_answer(ws):
    r = ws.dss("about", "--json", env={"DKU_API_KEY": "wrong"})
    assert r.exit_code == 0
    assert r.json["dss"]["reachable"] is False and "refused the API key" in r.json["dss"]["detail"]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = ws.dss("about", "--json", "--dss-url", f"http://127.0.0.1:{port}")
    assert r.json["dss"]["reachable"] is False and r.json["dss"]["source"] == "--dss-url"
    assert r.json["dss"]["detail"]
    # A stack's config is read as `dss up` reads it: its dss:url is the embedded sandbox.
    ws.stack("s", 'dss.Project("P", name="p")', config={"dss": {"url": "sandbox"}})
    r = ws.dss("about", "s", "--json", env={"DKU_DSS_URL": ""})
    assert r.json["dss"]["url"] == "sandbox" and r.json["dss"]["source"] == "config dss:url"
    assert r.json["dss"]["reachable"] is True
    r = ws.dss("about", "--json", env={"DKU_DSS_URL": ""})
    assert r.json["dss"]["url"] is None and "no DSS URL" in r.json["dss"]["detail"]


def _complete(words: str, cword: int) -> list[str]:
    env = {
        **os.environ,
        "_DSS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    r = subprocess.run([DSS], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_shell_completion_sees_lazy_commands_and_groups():
    assert _complete("dss gr", 1) == ["graph"]
    assert _complete("dss co", 1) == ["config", "convert"]
    assert _complete("dss stack l", 2) == ["ls"]
    assert "--plan" in _complete("dss graph s --p", 3)
    # typer detects the shell from the process tree: run it from bash, as a user would (the
    # `; exit` keeps bash from exec-ing dss in its place, which would hide it).
    script = subprocess.run(
        ["bash", "-c", f'"{DSS}" --show-completion; exit $?'],
        capture_output=True, text=True, timeout=60,
    )
    assert script.returncode == 0 and "_DSS_COMPLETE=complete_bash" in script.stdout


def _loaded_after(argv: list[str], cwd: Path | None = None) -> set[str]:
    probe = (
        f"import sys\nsys.argv = {argv!r}\nfrom dsspulumi.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=cwd
    )
    return set(r.stdout.split())


NEW_MODULES = {
    "dsspulumi.cli.graph_cmd",
    "dsspulumi.cli.convert_cmd",
    "dsspulumi.cli.new_cmd",
    "dsspulumi.cli.about_cmd",
    "dsspulumi.drawing",
    "dsspulumi.convert",
    "dsspulumi.scaffold",
    "dsspulumi.about",
    "yaml",
}


def test_help_and_version_do_not_import_the_new_commands(tmp_path):
    assert not NEW_MODULES & _loaded_after(["dss", "--help"])
    assert not NEW_MODULES & _loaded_after(["dss", "--version"])
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "s.py").write_text(
        'import dsspulumi as dss\ndss.Project("P", name="p")\n'
    )
    loaded = _loaded_after(
        ["dss", "preview", "s", "--json", "--backend", f"file://{tmp_path / 'state'}"], cwd=tmp_path
    )
    assert "dsspulumi.program" in loaded  # the preview did run
    assert not NEW_MODULES & loaded
    graph_help = _loaded_after(["dss", "graph", "--help"])
    assert "dsspulumi.cli.graph_cmd" in graph_help and "dsspulumi.drawing" not in graph_help
