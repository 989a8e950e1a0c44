"""The DSS resource types users declare in stack programs."""

from dsspulumi.resources.connection import Connection
from dsspulumi.resources.dataset import Column, Dataset, ManagedDataset
from dsspulumi.resources.folder import ManagedFolder
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import PythonRecipe, SqlQueryRecipe, SyncRecipe

__all__ = [
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
