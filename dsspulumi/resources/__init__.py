"""The DSS resource types users declare in stack programs."""

from dsspulumi.resources.connection import Connection
from dsspulumi.resources.dataset import (
    Column,
    Dataset,
    ManagedDataset,
    S3Dataset,
    UploadedFilesDataset,
)
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import PythonRecipe, SqlQueryRecipe, SyncRecipe
from dsspulumi.resources.visual_recipe import (
    GroupRecipe,
    Join,
    JoinRecipe,
    PrepareRecipe,
    PrepareStep,
)

__all__ = [
    "Column",
    "Connection",
    "Dataset",
    "GroupRecipe",
    "Join",
    "JoinRecipe",
    "ManagedDataset",
    "PrepareRecipe",
    "PrepareStep",
    "Project",
    "PythonRecipe",
    "S3Dataset",
    "SqlQueryRecipe",
    "SyncRecipe",
    "UploadedFilesDataset",
]
