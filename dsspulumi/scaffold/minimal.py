"""The ``minimal`` template: one project and one managed dataset, same config, tests and CI
as ``default``."""

from dsspulumi.scaffold import default

DESCRIPTION = "one project and one managed dataset, to grow from"

STACK = '''\
"""$title."""

import dsspulumi as dss

cfg = dss.Config()

project = dss.Project(cfg.get("project_key", "$KEY"), name="$title", tags=["iac"])

dss.ManagedDataset(
    "FIRST_DATASET",
    project=project,
    connection=cfg.get("managed_connection", "filesystem_managed"),
    format_type="parquet",
)

dss.export("project_key", project.key)
'''

TEST = '''\
"""Tests of stacks/$stack.py: the program without DSS, then a full `dss up` on the sandbox."""

from pathlib import Path

from dsspulumi.testing import dss, run_program

STACK = Path(__file__).resolve().parents[1] / "stacks" / "$stack.py"


def test_one_project_one_dataset():
    graph = run_program(STACK)
    assert [n.type for n in graph] == ["dss:Project", "dss:Dataset"]
    assert graph.exports["project_key"] == "${KEY}_DEV"


def test_up_then_nothing_left_to_change(dss_sandbox, tmp_path):
    backend = f"file://{tmp_path / 'state'}"
    up = dss("up", str(STACK), "--yes", "--backend", backend, sandbox=dss_sandbox)
    assert up.exit_code == 0, up.stderr
    again = dss("preview", str(STACK), "--expect-no-changes", "--backend", backend,
                sandbox=dss_sandbox)
    assert again.exit_code == 0, again.stdout + again.stderr
'''

FILES = {
    **{
        k: v
        for k, v in default.FILES.items()
        if not k.startswith("stacks/") and not k.startswith("tests/")
    },
    "stacks/$stack.py": STACK,
    "stacks/$stack.dev.toml": default.DEV,
    "stacks/$stack.prod.toml": default.PROD,
    "tests/test_$stack.py": TEST,
}
