"""The DSS resource types users declare in stack programs."""

from dsspulumi.resources.connection import Connection
from dsspulumi.resources.dataset import Column, Dataset, ManagedDataset
from dsspulumi.resources.folder import ManagedFolder
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
from dsspulumi.resources.variables import ProjectVariables
from dsspulumi.resources.zone import FlowZone

__all__ = [
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
    "Column",
    "Connection",
    "Dataset",
    "ManagedDataset",
    "ManagedFolder",
    "Project",
    "PythonRecipe",
    "SqlQueryRecipe",
    "SyncRecipe",
]
