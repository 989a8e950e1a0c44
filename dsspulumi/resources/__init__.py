"""The DSS resource types users declare in stack programs."""

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
