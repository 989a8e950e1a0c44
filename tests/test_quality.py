"""The quality gate as code: ruff (style and the layer rules of STYLE.md) over the whole tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the test extra")
def test_ruff_clean():
    r = subprocess.run(["ruff", "check", "."], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy is in the test extra")
def test_mypy_clean():
    r = subprocess.run(["mypy"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_public_api_is_pinned():
    """The public names come from the registry of kinds plus the core names; none of the names
    published so far may disappear (a new kind adds its names with its registry line)."""
    import dsspulumi
    import dsspulumi.resources
    from dsspulumi.kinds import registry

    derived = {*dsspulumi._CORE, *registry.resource_sources()}
    assert sorted(dsspulumi.__all__) == sorted(derived)
    assert sorted(dsspulumi.resources.__all__) == sorted(registry.resource_sources())
    for name in dsspulumi.__all__:  # every name loads, from where the registry says
        assert getattr(dsspulumi, name) is not None
    assert set(dsspulumi.__all__) >= set(
        [
            "CodeEnv",
            "Column",
            "ComponentResource",
            "Config",
            "BuildStep",
            "DatasetChangeTrigger",
            "FlowZone",
            "GroupPermission",
            "ProjectPermissions",
            "ProjectVariables",
            "PythonScenario",
            "PythonStep",
            "Scenario",
            "SetVariablesStep",
            "SqlStep",
            "TemporalTrigger",
            "Connection",
            "Dataset",
            "DssPulumiError",
            "File",
            "GlobalVariables",
            "Group",
            "GroupRecipe",
            "Join",
            "JoinRecipe",
            "ManagedDataset",
            "ManagedFolder",
            "Output",
            "PrepareRecipe",
            "PrepareStep",
            "Project",
            "PythonRecipe",
            "Resource",
            "ResourceOptions",
            "S3Dataset",
            "SqlQueryRecipe",
            "StackReference",
            "SyncRecipe",
            "UploadedFilesDataset",
            "User",
            "export",
        ]
    )


def test_type_checkers_see_every_registered_name():
    """``dsspulumi.resources`` imports each public name under TYPE_CHECKING for type checkers;
    that block must name exactly what the registry publishes."""
    import ast

    from dsspulumi.kinds import registry

    tree = ast.parse((REPO / "dsspulumi/resources/__init__.py").read_text())
    seen = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "dsspulumi.resources."
        ):
            for alias in node.names:
                seen[alias.name] = node.module
    assert seen == registry.resource_sources()


def test_no_module_of_the_package_is_over_600_lines():
    """Small modules named for what they hold (issue 17): a module past 600 lines has more
    than one job and is split by job."""
    too_long = {
        str(path.relative_to(REPO)): n
        for path in sorted((REPO / "dsspulumi").rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > 600
    }
    assert not too_long, too_long
