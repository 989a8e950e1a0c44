"""dsspulumi: infrastructure as code for Dataiku DSS.

The public API of stack programs, imported as ``import dsspulumi as dss``.

The names are loaded on first use (PEP 562): ``dss --version`` and ``dss --help``
import this package too, and must not pay for attrs, the resource classes and the
config machinery they never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsspulumi import _lazy

# The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

if TYPE_CHECKING:
    from dsspulumi.config import Config
    from dsspulumi.errors import DssPulumiError
    from dsspulumi.output import Output
    from dsspulumi.resource import ComponentResource, File, Resource, ResourceOptions, export
    from dsspulumi.resources import (
        BuildStep,
        CodeEnv,
        Column,
        Connection,
        Dataset,
        DatasetChangeTrigger,
        FlowZone,
        GlobalVariables,
        Group,
        GroupPermission,
        GroupRecipe,
        Join,
        JoinRecipe,
        ManagedDataset,
        ManagedFolder,
        PrepareRecipe,
        PrepareStep,
        Project,
        ProjectPermissions,
        ProjectVariables,
        PythonRecipe,
        PythonScenario,
        PythonStep,
        S3Dataset,
        Scenario,
        SetVariablesStep,
        SqlQueryRecipe,
        SqlStep,
        SyncRecipe,
        TemporalTrigger,
        UploadedFilesDataset,
        User,
    )
    from dsspulumi.stack_reference import StackReference

# Where each public name lives.
_SOURCES = {
    "BuildStep": "dsspulumi.resources",
    "CodeEnv": "dsspulumi.resources",
    "Column": "dsspulumi.resources",
    "ComponentResource": "dsspulumi.resource",
    "Config": "dsspulumi.config",
    "Connection": "dsspulumi.resources",
    "Dataset": "dsspulumi.resources",
    "DatasetChangeTrigger": "dsspulumi.resources",
    "DssPulumiError": "dsspulumi.errors",
    "File": "dsspulumi.resource",
    "FlowZone": "dsspulumi.resources",
    "GlobalVariables": "dsspulumi.resources",
    "Group": "dsspulumi.resources",
    "GroupPermission": "dsspulumi.resources",
    "GroupRecipe": "dsspulumi.resources",
    "Join": "dsspulumi.resources",
    "JoinRecipe": "dsspulumi.resources",
    "ManagedDataset": "dsspulumi.resources",
    "ManagedFolder": "dsspulumi.resources",
    "Output": "dsspulumi.output",
    "PrepareRecipe": "dsspulumi.resources",
    "PrepareStep": "dsspulumi.resources",
    "Project": "dsspulumi.resources",
    "ProjectPermissions": "dsspulumi.resources",
    "ProjectVariables": "dsspulumi.resources",
    "PythonRecipe": "dsspulumi.resources",
    "PythonScenario": "dsspulumi.resources",
    "PythonStep": "dsspulumi.resources",
    "Resource": "dsspulumi.resource",
    "ResourceOptions": "dsspulumi.resource",
    "S3Dataset": "dsspulumi.resources",
    "Scenario": "dsspulumi.resources",
    "SetVariablesStep": "dsspulumi.resources",
    "SqlQueryRecipe": "dsspulumi.resources",
    "SqlStep": "dsspulumi.resources",
    "StackReference": "dsspulumi.stack_reference",
    "SyncRecipe": "dsspulumi.resources",
    "TemporalTrigger": "dsspulumi.resources",
    "UploadedFilesDataset": "dsspulumi.resources",
    "User": "dsspulumi.resources",
    "export": "dsspulumi.resource",
}

__all__ = [
    "BuildStep",
    "CodeEnv",
    "Column",
    "ComponentResource",
    "Config",
    "Connection",
    "Dataset",
    "DatasetChangeTrigger",
    "DssPulumiError",
    "File",
    "FlowZone",
    "GlobalVariables",
    "Group",
    "GroupPermission",
    "GroupRecipe",
    "Join",
    "JoinRecipe",
    "ManagedDataset",
    "ManagedFolder",
    "Output",
    "PrepareRecipe",
    "PrepareStep",
    "Project",
    "ProjectPermissions",
    "ProjectVariables",
    "PythonRecipe",
    "PythonScenario",
    "PythonStep",
    "Resource",
    "ResourceOptions",
    "S3Dataset",
    "Scenario",
    "SetVariablesStep",
    "SqlQueryRecipe",
    "SqlStep",
    "StackReference",
    "SyncRecipe",
    "TemporalTrigger",
    "UploadedFilesDataset",
    "User",
    "export",
]


__getattr__, __dir__ = _lazy.loader(__name__, _SOURCES, globals())
