"""`dss new`: the new repository works with its README's two commands, as generated."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from dsspulumi.testing import dss, run_program

# The installed `dss` script, as the README runs it: beside this Python, else on PATH.
DSS = shutil.which("dss", path=str(Path(sys.executable).parent)) or shutil.which("dss") or "dss"


def test_new_repository_applies_and_its_tests_pass(tmp_path: Path):
    r = dss("new", "Team-Analytics", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    repo = tmp_path / "Team-Analytics"
    files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/dss.yml",
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "stacks/code/prepare_events.py",
        "stacks/team_analytics.dev.toml",
        "stacks/team_analytics.prod.toml",
        "stacks/team_analytics.py",
        "tests/test_team_analytics.py",
    ]
    readme = (repo / "README.md").read_text()
    # The README's two commands, run as written (the pip install is this environment's).
    commands = re.search(r"```bash\n(.*?)\n(.*?)\n```", readme).groups()
    assert commands == (
        "pip install -e '.[test]' && dss up team_analytics --yes",
        "python -m pytest",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DKU_", "DSS_"))}
    up = subprocess.run(
        [DSS, "up", "team_analytics", "--yes"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert up.returncode == 0, up.stdout + up.stderr
    assert "up succeeded" in up.stdout
    assert (repo / ".dss" / "state" / "team_analytics" / "dev.json").is_file()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "3 passed" in tests.stdout
    # The generated files are what their tools expect.
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "dss.yml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert "dss preview team_analytics -e prod --diff" in steps
    assert (
        'dss preview team_analytics -e prod --format markdown >> "$GITHUB_STEP_SUMMARY"' in steps
    )
    assert "dss up team_analytics -e prod --yes" in steps
    assert "dss preview team_analytics -e prod --refresh --expect-no-changes" in steps
    assert workflow["env"]["DKU_API_KEY"] == "${{ secrets.DKU_API_KEY }}"
    assert ".dss/" in (repo / ".gitignore").read_text().splitlines()


def test_minimal_template(tmp_path: Path):
    r = dss("new", "--template", "minimal", "--stack", "tiny", "repo", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    graph = run_program(tmp_path / "repo" / "stacks" / "tiny.py")
    assert graph.names == ["TINY_DEV", "TINY_DEV.FIRST_DATASET"]
    graph = run_program(tmp_path / "repo" / "stacks" / "tiny.py", env="prod")
    assert graph.exports == {"project_key": "TINY"}


def test_refusals(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    r = dss("new", "taken", cwd=tmp_path)
    assert r.exit_code == 1 and "taken is not empty" in r.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
    r = dss("new", "--template", "fancy", "x", cwd=tmp_path)
    assert r.exit_code == 1
    assert "unknown template 'fancy'; the templates are: default, minimal" in r.stderr
    assert not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert dss("new", "empty", cwd=tmp_path).exit_code == 0  # an empty folder is fine
