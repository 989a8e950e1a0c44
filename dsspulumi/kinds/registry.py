"""Every resource kind, registered in one place: adding a kind is one line here.

Each line names a type token, the provider class that serves it (a module of
``dsspulumi.providers.dss``) and the public names its resource modules define (modules of
``dsspulumi.resources``: the resource classes and the value types their arguments take). From
this table come the public names of ``dsspulumi`` and ``dsspulumi.resources`` (their
``__all__`` and lazy loading), the providers' registry (``DssProviders``), the import order
of ``dss import project``, the inventory listing each kind models (``listing=``) and the
``dss selftest`` samples (each provider module's ``SELFTEST``).

Strings only, resolved on first use: reading the table imports nothing (``dss --help`` stays
cheap), and this module imports neither the resource classes nor ``dataikuapi``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, NamedTuple

RESOURCES = "dsspulumi.resources"
PROVIDERS = "dsspulumi.providers.dss"


class Kind(NamedTuple):
    token: str  # "dss:ManagedFolder"
    provider: str  # "folder.ManagedFolderProvider", under dsspulumi.providers.dss
    names: tuple[str, ...]  # "folder.ManagedFolder", under dsspulumi.resources
    #: The project inventory's listing (``providers.dss.inventory``) of the DSS objects this
    #: kind models, if any: ``dss import project`` imports those and reports the rest.
    listing: str | None = None

    @property
    def sources(self) -> dict[str, str]:
        """Public name -> the module defining it."""
        out = {}
        for qualified in self.names:
            module, _, name = qualified.rpartition(".")
            out[name] = f"{RESOURCES}.{module}"
        return out


def kind(token: str, provider: str, *names: str, listing: str | None = None) -> Kind:
    return Kind(token, provider, names, listing)


# In the order ``dss import project`` reads the kinds (what others refer to first).
KINDS: tuple[Kind, ...] = (
    kind("dss:Project", "project.ProjectProvider", "project.Project"),
    kind(
        "dss:Dataset",
        "dataset.DatasetProvider",
        "dataset.Dataset",
        "dataset.ManagedDataset",
        "dataset.S3Dataset",
        "dataset.UploadedFilesDataset",
        "dataset.Column",
        listing="dataset",
    ),
    kind(
        "dss:Recipe",
        "recipe.RecipeProvider",
        "recipe.PythonRecipe",
        "recipe.SqlQueryRecipe",
        "recipe.SyncRecipe",
        "code_recipes.RRecipe",
        "code_recipes.PySparkRecipe",
        "code_recipes.SparkSQLRecipe",
        "code_recipes.ShellRecipe",
        "visual_recipe.PrepareRecipe",
        "visual_recipe.PrepareStep",
        "visual_recipe.GroupRecipe",
        "visual_recipe.JoinRecipe",
        "visual_recipe.Join",
        listing="recipe",
    ),
    kind("dss:Connection", "connection.ConnectionProvider", "connection.Connection"),
    kind(
        "dss:Scenario",
        "scenario.ScenarioProvider",
        "scenario.Scenario",
        "scenario.PythonScenario",
        "scenario.BuildStep",
        "scenario.SqlStep",
        "scenario.SetVariablesStep",
        "scenario.PythonStep",
        "scenario.TemporalTrigger",
        "scenario.DatasetChangeTrigger",
        listing="scenario",
    ),
    kind(
        "dss:ProjectVariables", "variables.ProjectVariablesProvider", "variables.ProjectVariables"
    ),
    kind(
        "dss:ProjectPermissions",
        "permissions.ProjectPermissionsProvider",
        "permissions.ProjectPermissions",
        "permissions.GroupPermission",
    ),
    kind("dss:FlowZone", "zone.FlowZoneProvider", "zone.FlowZone", listing="flow zone"),
    kind(
        "dss:ManagedFolder",
        "folder.ManagedFolderProvider",
        "folder.ManagedFolder",
        listing="managed folder",
    ),
    kind(
        "dss:Notebook", "notebook.NotebookProvider", "notebook.Notebook", listing="Jupyter notebook"
    ),
    kind("dss:WikiArticle", "wiki.WikiArticleProvider", "wiki.WikiArticle", listing="wiki article"),
    kind("dss:LibraryFile", "library.LibraryFileProvider", "library.LibraryFile"),
    kind("dss:Group", "group.GroupProvider", "group.Group"),
    kind("dss:User", "user.UserProvider", "user.User"),
    kind("dss:CodeEnv", "code_env.CodeEnvProvider", "code_env.CodeEnv"),
    kind(
        "dss:GlobalVariables",
        "global_variables.GlobalVariablesProvider",
        "global_variables.GlobalVariables",
    ),
)


def tokens() -> list[str]:
    """Every type token, in registry order."""
    return [k.token for k in KINDS]


def listing_tokens() -> dict[str, str]:
    """The inventory's listing of each modelled kind -> the type token modelling it."""
    return {k.listing: k.token for k in KINDS if k.listing is not None}


def provider_module(token: str) -> ModuleType:
    """The module of ``dsspulumi.providers.dss`` serving ``token`` (imports it)."""
    for k in KINDS:
        if k.token == token:
            return importlib.import_module(f"{PROVIDERS}.{k.provider.rpartition('.')[0]}")
    raise KeyError(token)


def resource_sources() -> dict[str, str]:
    """Every public name of ``dsspulumi.resources`` -> the module defining it, sorted by name."""
    out: dict[str, str] = {}
    for k in KINDS:
        out.update(k.sources)
    return dict(sorted(out.items()))


def provider_class(token: str) -> Any:
    """The provider class serving ``token`` (imports its module); None if unknown."""
    for k in KINDS:
        if k.token == token:
            return getattr(provider_module(token), k.provider.rpartition(".")[2])
    return None


def resource_class(token: str) -> type:
    """The resource class declaring ``token`` whose schema the provider reads: the kind's
    first public name (for a token several classes declare, their shared fields are there)."""
    for k in KINDS:
        if k.token == token:
            module, _, name = k.names[0].rpartition(".")
            cls: type = getattr(importlib.import_module(f"{RESOURCES}.{module}"), name)
            return cls
    raise KeyError(token)


def resource_classes(token: str) -> list[type]:
    """Every public resource class declaring ``token`` (a recipe's: one per DSS type)."""
    for k in KINDS:
        if k.token == token:
            return [getattr(importlib.import_module(m), n) for n, m in k.sources.items()]
    raise KeyError(token)


__all__ = [
    "KINDS",
    "Kind",
    "listing_tokens",
    "provider_class",
    "provider_module",
    "resource_class",
    "resource_classes",
    "resource_sources",
    "tokens",
]
