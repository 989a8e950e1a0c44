"""The DSS resource types users declare in stack programs."""

from dsspulumi.resources.code_env import CodeEnv
from dsspulumi.resources.connection import Connection
from dsspulumi.resources.dataset import Column, Dataset, ManagedDataset
from dsspulumi.resources.global_variables import GlobalVariables
from dsspulumi.resources.group import Group
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import PythonRecipe, SqlQueryRecipe, SyncRecipe
from dsspulumi.resources.user import User

__all__ = [
    "CodeEnv",
    "Column",
    "Connection",
    "Dataset",
    "GlobalVariables",
    "Group",
    "ManagedDataset",
    "Project",
    "PythonRecipe",
    "SqlQueryRecipe",
    "SyncRecipe",
    "User",
]
