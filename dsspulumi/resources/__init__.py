"""The DSS resource types users declare in stack programs.

Each type's module is imported on first use (PEP 562): a stack declaring projects, datasets
and recipes does not pay for importing scenarios, code envs and the other kinds (a fixed
cost that every `dss preview` would pay otherwise). ``load_all`` imports them all, for the
code that walks every type (import's code writer, the docs).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from dsspulumi import _lazy

if TYPE_CHECKING:
    from dsspulumi.resources.code_env import CodeEnv
    from dsspulumi.resources.connection import Connection
    from dsspulumi.resources.dataset import (
        Column,
        Dataset,
        ManagedDataset,
        S3Dataset,
        UploadedFilesDataset,
    )
    from dsspulumi.resources.folder import ManagedFolder
    from dsspulumi.resources.global_variables import GlobalVariables
    from dsspulumi.resources.group import Group
    from dsspulumi.resources.permissions import GroupPermission, ProjectPermissions
    from dsspulumi.resources.project import Project
    from dsspulumi.resources.recipe import PythonRecipe, SqlQueryRecipe, SyncRecipe
    from dsspulumi.resources.scenario import (
        BuildStep,
        DatasetChangeTrigger,
        PythonScenario,
        PythonStep,
        Scenario,
        SetVariablesStep,
        SqlStep,
        TemporalTrigger,
    )
    from dsspulumi.resources.user import User
    from dsspulumi.resources.variables import ProjectVariables
    from dsspulumi.resources.visual_recipe import (
        GroupRecipe,
        Join,
        JoinRecipe,
        PrepareRecipe,
        PrepareStep,
    )
    from dsspulumi.resources.zone import FlowZone

# Where each public name lives.
_MODULES = {
    "BuildStep": "dsspulumi.resources.scenario",
    "CodeEnv": "dsspulumi.resources.code_env",
    "Column": "dsspulumi.resources.dataset",
    "Connection": "dsspulumi.resources.connection",
    "Dataset": "dsspulumi.resources.dataset",
    "DatasetChangeTrigger": "dsspulumi.resources.scenario",
    "FlowZone": "dsspulumi.resources.zone",
    "GlobalVariables": "dsspulumi.resources.global_variables",
    "Group": "dsspulumi.resources.group",
    "GroupPermission": "dsspulumi.resources.permissions",
    "GroupRecipe": "dsspulumi.resources.visual_recipe",
    "Join": "dsspulumi.resources.visual_recipe",
    "JoinRecipe": "dsspulumi.resources.visual_recipe",
    "ManagedDataset": "dsspulumi.resources.dataset",
    "ManagedFolder": "dsspulumi.resources.folder",
    "PrepareRecipe": "dsspulumi.resources.visual_recipe",
    "PrepareStep": "dsspulumi.resources.visual_recipe",
    "Project": "dsspulumi.resources.project",
    "ProjectPermissions": "dsspulumi.resources.permissions",
    "ProjectVariables": "dsspulumi.resources.variables",
    "PythonRecipe": "dsspulumi.resources.recipe",
    "PythonScenario": "dsspulumi.resources.scenario",
    "PythonStep": "dsspulumi.resources.scenario",
    "S3Dataset": "dsspulumi.resources.dataset",
    "Scenario": "dsspulumi.resources.scenario",
    "SetVariablesStep": "dsspulumi.resources.scenario",
    "SqlQueryRecipe": "dsspulumi.resources.recipe",
    "SqlStep": "dsspulumi.resources.scenario",
    "SyncRecipe": "dsspulumi.resources.recipe",
    "TemporalTrigger": "dsspulumi.resources.scenario",
    "UploadedFilesDataset": "dsspulumi.resources.dataset",
    "User": "dsspulumi.resources.user",
}

__all__ = [
    "BuildStep",
    "CodeEnv",
    "Column",
    "Connection",
    "Dataset",
    "DatasetChangeTrigger",
    "FlowZone",
    "GlobalVariables",
    "Group",
    "GroupPermission",
    "GroupRecipe",
    "Join",
    "JoinRecipe",
    "ManagedDataset",
    "ManagedFolder",
    "PrepareRecipe",
    "PrepareStep",
    "Project",
    "ProjectPermissions",
    "ProjectVariables",
    "PythonRecipe",
    "PythonScenario",
    "PythonStep",
    "S3Dataset",
    "Scenario",
    "SetVariablesStep",
    "SqlQueryRecipe",
    "SqlStep",
    "SyncRecipe",
    "TemporalTrigger",
    "UploadedFilesDataset",
    "User",
]


__getattr__, __dir__ = _lazy.loader(__name__, _MODULES, globals())


def load_all() -> None:
    """Import every resource type (their classes register as ``Resource`` subclasses)."""
    for module in sorted(set(_MODULES.values())):
        importlib.import_module(module)
