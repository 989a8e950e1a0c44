"""dsspulumi: infrastructure as code for Dataiku DSS.

The public API of stack programs, imported as ``import dsspulumi as dss``.
"""

from dsspulumi.config import Config
from dsspulumi.errors import DssPulumiError
from dsspulumi.output import Output
from dsspulumi.resource import File, Resource, ResourceOptions, export
from dsspulumi.resources import (
    Column,
    Connection,
    Dataset,
    ManagedDataset,
    Project,
    PythonRecipe,
    SqlQueryRecipe,
    SyncRecipe,
)
from dsspulumi.stack_reference import StackReference

__all__ = [
    "Column",
    "Config",
    "Connection",
    "Dataset",
    "DssPulumiError",
    "File",
    "ManagedDataset",
    "Output",
    "Project",
    "PythonRecipe",
    "Resource",
    "ResourceOptions",
    "SqlQueryRecipe",
    "StackReference",
    "SyncRecipe",
    "export",
]
