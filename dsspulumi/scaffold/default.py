"""The ``default`` template: a project with a raw dataset, a Python recipe and its output,
config for dev (the embedded sandbox) and prod, tests, and a GitHub Actions workflow."""

DESCRIPTION = "a project, a dataset, a Python recipe; dev on the sandbox, prod on your DSS"

README = """\
# $title

DSS infrastructure as code with [dsspulumi](https://pypi.org/project/dsspulumi/): the stack
is `stacks/$stack.py`, its configuration per environment `stacks/$stack.<env>.toml`.

Apply the stack to the embedded DSS sandbox (dev), then run the tests:

```bash
pip install -e '.[test]' && dss up $stack --yes
python -m pytest
```

Day to day:

```bash
dss preview $stack                 # what would change
dss preview $stack --diff          # down to each property
dss up $stack                      # apply (asks first)
dss graph $stack --plan --out flow.html
```

Production (`-e prod`) talks to a real DSS: set its URL and API key once, the key
encrypted in the config file (`DSS_CONFIG_PASSPHRASE` unlocks it in CI):

```bash
dss config set $stack dss:url https://dss.example.com -e prod
dss config set $stack dss:api_key --secret -e prod        # reads the key from stdin
```

CI (`.github/workflows/dss.yml`): a pull request shows the plan, a merge to `main` applies
it, and a nightly run fails when DSS drifted from the stack. Keep the state where CI and the
team share it: `[tool.dsspulumi] backend = "s3://bucket/prefix"` in `pyproject.toml`.
"""

PYPROJECT = """\
[project]
name = "$stack"
version = "0.1.0"
description = "DSS infrastructure of $title"
requires-python = ">=3.11"
dependencies = ["dsspulumi>=$dsspulumi_version"]

[project.optional-dependencies]
test = ["pytest>=8"]

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools]
packages = []  # stacks are run by `dss`, not installed

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.dsspulumi]
# Where state is kept. Shared by the team and CI, use S3: backend = "s3://bucket/prefix"
backend = "file://.dss/state"
"""

STACK = '''\
"""$title: raw events, a Python preparation step, the prepared dataset.

One program for every environment; what differs (DSS URL, project key, connections) lives
in stacks/$stack.dev.toml and stacks/$stack.prod.toml.
"""

import dsspulumi as dss

cfg = dss.Config()

project = dss.Project(
    cfg.get("project_key", "$KEY"),
    name="$title",
    description="Managed by dsspulumi: edit stacks/$stack.py, not the DSS UI",
    tags=["iac"],
)

raw = dss.Dataset(
    "RAW_EVENTS",
    project=project,
    type="Filesystem",
    connection=cfg.require("raw_connection"),
    params={"path": cfg.get("raw_path", "/events/raw")},
    format_type="csv",
    schema=[
        dss.Column("event_id", "bigint"),
        dss.Column("happened_at", "date"),
        dss.Column("kind", "string"),
    ],
)

prepared = dss.ManagedDataset(
    "PREPARED_EVENTS",
    project=project,
    connection=cfg.get("managed_connection", "filesystem_managed"),
    format_type="parquet",
)

dss.PythonRecipe(
    "prepare_events",
    project=project,
    inputs=[raw],
    outputs=[prepared],
    code=dss.File("code/prepare_events.py"),
)

dss.export("project_key", project.key)
'''

RECIPE_CODE = """\
import dataiku

events = dataiku.Dataset("RAW_EVENTS").get_dataframe()
events = events.dropna(subset=["event_id"]).drop_duplicates("event_id")
dataiku.Dataset("PREPARED_EVENTS").write_with_schema(events)
"""

DEV = """\
# Configuration of stack $stack, environment dev (`dss config ... -e dev`).
# dev runs on the embedded DSS sandbox: nothing to install, state under .dss/.
[dss]
url = "sandbox"

[$stack]
project_key = "${KEY}_DEV"
raw_connection = "filesystem_root"
managed_connection = "filesystem_managed"
"""

PROD = """\
# Configuration of stack $stack, environment prod (`dss config ... -e prod`).
# Point it at your DSS, and keep the API key here encrypted:
#   dss config set $stack dss:url https://dss.example.com -e prod
#   dss config set $stack dss:api_key --secret -e prod   (reads the key from stdin)
# Until then prod also runs on the embedded sandbox.
[dss]
url = "sandbox"

[$stack]
project_key = "$KEY"
raw_connection = "filesystem_root"
raw_path = "/prod/events/raw"
managed_connection = "filesystem_managed"
"""

TEST = '''\
"""Tests of stacks/$stack.py: the program without DSS, then a full `dss up` on the sandbox."""

from pathlib import Path

from dsspulumi.testing import dss, run_program

STACK = Path(__file__).resolve().parents[1] / "stacks" / "$stack.py"


def test_the_flow_reads_raw_events_into_prepared_events():
    graph = run_program(STACK)  # with stacks/$stack.dev.toml; no DSS is called
    assert graph["RAW_EVENTS"].inputs["connection"] == "filesystem_root"
    recipe = graph["prepare_events"]
    assert recipe.inputs["inputs"] == ["RAW_EVENTS"]
    assert recipe.inputs["outputs"] == ["PREPARED_EVENTS"]
    assert graph.exports["project_key"] == "${KEY}_DEV"


def test_prod_uses_its_own_project_key():
    graph = run_program(STACK, env="prod")
    assert graph.exports["project_key"] == "$KEY"
    assert graph["RAW_EVENTS"].inputs["params"] == {"path": "/prod/events/raw"}


def test_up_then_nothing_left_to_change(dss_sandbox, tmp_path):
    backend = f"file://{tmp_path / 'state'}"
    up = dss("up", str(STACK), "--yes", "--backend", backend, sandbox=dss_sandbox)
    assert up.exit_code == 0, up.stderr
    client = dss_sandbox.client()
    assert client.get_project("${KEY}_DEV").get_dataset("PREPARED_EVENTS").exists()
    again = dss("preview", str(STACK), "--expect-no-changes", "--backend", backend,
                sandbox=dss_sandbox)
    assert again.exit_code == 0, again.stdout + again.stderr
'''

_WORKFLOW_HEAD = """\
# dsspulumi in CI: plan on pull requests, apply on main, nightly drift check.
# Secrets: DKU_API_KEY (the DSS API key), DSS_CONFIG_PASSPHRASE (unlocks secret config),
# and AWS credentials when the state is in S3 (see [tool.dsspulumi] in pyproject.toml).
name: dss

on:
  pull_request:
  push:
    branches: [main]
  schedule:
    - cron: "0 5 * * *"

concurrency:
  group: dss-$${{ github.ref }}
  cancel-in-progress: false

env:
  DKU_API_KEY: $${{ secrets.DKU_API_KEY }}
  DSS_CONFIG_PASSPHRASE: $${{ secrets.DSS_CONFIG_PASSPHRASE }}

jobs:
"""


def _job(name: str, when: str | None, needs: str | None, install: str, *commands: str) -> str:
    """One job of the workflow: check out, set up Python, install, run ``commands``."""
    lines = [f"  {name}:"]
    if when:
        lines.append(f"    if: github.event_name == '{when}'")
    if needs:
        lines.append(f"    needs: {needs}")
    lines += [
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        f"      - run: pip install -e {install}",
        *(f"      - run: {command}" for command in commands),
    ]
    return "\n".join(lines) + "\n"


WORKFLOW = _WORKFLOW_HEAD + "\n".join(
    [
        _job("test", None, None, "'.[test]'", "python -m pytest"),
        _job(
            "plan",
            "pull_request",
            "test",
            ".",
            "dss preview $stack -e prod --diff",
            # the plan as Markdown on the run's summary page (docs/ci has a PR-comment version)
            'dss preview $stack -e prod --format markdown >> "$$GITHUB_STEP_SUMMARY"',
        ),
        _job("apply", "push", "test", ".", "dss up $stack -e prod --yes"),
        _job(
            "drift",
            "schedule",
            None,
            ".",
            "dss preview $stack -e prod --refresh --expect-no-changes",
        ),
    ]
)

GITIGNORE = """\
# dsspulumi: local state, locks and the embedded sandbox's data
.dss/
# Python
__pycache__/
*.py[cod]
.venv/
venv/
*.egg-info/
.pytest_cache/
# pictures made by `dss graph --out`
flow.html
"""

FILES = {
    "README.md": README,
    "pyproject.toml": PYPROJECT,
    ".gitignore": GITIGNORE,
    "stacks/$stack.py": STACK,
    "stacks/$stack.dev.toml": DEV,
    "stacks/$stack.prod.toml": PROD,
    "stacks/code/prepare_events.py": RECIPE_CODE,
    "tests/test_$stack.py": TEST,
    ".github/workflows/dss.yml": WORKFLOW,
}
