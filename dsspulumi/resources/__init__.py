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
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import PythonRecipe, SqlQueryRecipe, SyncRecipe
from dsspulumi.resources.user import User
from dsspulumi.resources.visual_recipe import (
    GroupRecipe,
    Join,
    JoinRecipe,
    PrepareRecipe,
    PrepareStep,
)

__all__ = [
    "CodeEnv",
    "Column",
    "Connection",
    "Dataset",
    "GlobalVariables",
    "Group",
    "GroupRecipe",
    "Join",
    "JoinRecipe",
    "ManagedDataset",
    "ManagedFolder",
    "PrepareRecipe",
    "PrepareStep",
    "Project",
    "PythonRecipe",
    "S3Dataset",
    "SqlQueryRecipe",
    "SyncRecipe",
    "UploadedFilesDataset",
    "User",
]
