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
    import dsspulumi

    assert sorted(dsspulumi.__all__) == sorted(
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
