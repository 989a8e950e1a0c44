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
from dsspulumi.kinds import registry

if TYPE_CHECKING:  # the type checkers' view of the registry's public names
    from dsspulumi.resources.code_env import CodeEnv as CodeEnv
    from dsspulumi.resources.code_recipes import PySparkRecipe as PySparkRecipe
    from dsspulumi.resources.code_recipes import RRecipe as RRecipe
    from dsspulumi.resources.code_recipes import ShellRecipe as ShellRecipe
    from dsspulumi.resources.code_recipes import SparkSQLRecipe as SparkSQLRecipe
    from dsspulumi.resources.connection import Connection as Connection
    from dsspulumi.resources.dataset import Column as Column
    from dsspulumi.resources.dataset import Dataset as Dataset
    from dsspulumi.resources.dataset import ManagedDataset as ManagedDataset
    from dsspulumi.resources.dataset import S3Dataset as S3Dataset
    from dsspulumi.resources.dataset import UploadedFilesDataset as UploadedFilesDataset
    from dsspulumi.resources.folder import ManagedFolder as ManagedFolder
    from dsspulumi.resources.global_variables import GlobalVariables as GlobalVariables
    from dsspulumi.resources.group import Group as Group
    from dsspulumi.resources.library import LibraryFile as LibraryFile
    from dsspulumi.resources.notebook import Notebook as Notebook
    from dsspulumi.resources.permissions import GroupPermission as GroupPermission
    from dsspulumi.resources.permissions import ProjectPermissions as ProjectPermissions
    from dsspulumi.resources.project import Project as Project
    from dsspulumi.resources.recipe import PythonRecipe as PythonRecipe
    from dsspulumi.resources.recipe import SqlQueryRecipe as SqlQueryRecipe
    from dsspulumi.resources.recipe import SyncRecipe as SyncRecipe
    from dsspulumi.resources.scenario import BuildStep as BuildStep
    from dsspulumi.resources.scenario import DatasetChangeTrigger as DatasetChangeTrigger
    from dsspulumi.resources.scenario import PythonScenario as PythonScenario
    from dsspulumi.resources.scenario import PythonStep as PythonStep
    from dsspulumi.resources.scenario import Scenario as Scenario
    from dsspulumi.resources.scenario import SetVariablesStep as SetVariablesStep
    from dsspulumi.resources.scenario import SqlStep as SqlStep
    from dsspulumi.resources.scenario import TemporalTrigger as TemporalTrigger
    from dsspulumi.resources.user import User as User
    from dsspulumi.resources.variables import ProjectVariables as ProjectVariables
    from dsspulumi.resources.visual_recipe import GroupRecipe as GroupRecipe
    from dsspulumi.resources.visual_recipe import Join as Join
    from dsspulumi.resources.visual_recipe import JoinRecipe as JoinRecipe
    from dsspulumi.resources.visual_recipe import PrepareRecipe as PrepareRecipe
    from dsspulumi.resources.visual_recipe import PrepareStep as PrepareStep
    from dsspulumi.resources.wiki import WikiArticle as WikiArticle
    from dsspulumi.resources.zone import FlowZone as FlowZone

# Where each public name lives, and the public names: from the one registry of kinds. The
# ``TYPE_CHECKING`` imports above are only what type checkers read (a test keeps them equal).
_MODULES = registry.resource_sources()

if not TYPE_CHECKING:  # type checkers take the names imported above
    __all__ = list(_MODULES)


__getattr__, __dir__ = _lazy.loader(__name__, _MODULES, globals())


def load_all() -> None:
    """Import every resource type (their classes register as ``Resource`` subclasses)."""
    for module in sorted(set(_MODULES.values())):
        importlib.import_module(module)
