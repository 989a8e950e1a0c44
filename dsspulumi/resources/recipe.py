"""Recipes: the edges of the DSS flow, from input datasets (or folders) to outputs.

All recipe classes share the type token ``dss:Recipe``; the DSS recipe type
(``python``, ``sql_query``, ``sync``) is a property whose change forces a
replace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call, CodeText, Ref, lookup_ref
from dsspulumi.output import Output, unwrap
from dsspulumi.resource import File, Resource, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectObject
from dsspulumi.resources.code_env import CodeEnv, explicit_env
from dsspulumi.resources.dataset import AnyDataset
from dsspulumi.resources.folder import ManagedFolder

#: What a recipe reads or writes: a dataset or, for the recipes that take them, a folder.
FlowItem = AnyDataset | ManagedFolder


def _datasets(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    # Code recipes read and write managed folders too; visual recipes work on datasets only.
    # (Also the validator of scenario dataset triggers, which have no such flag: folders pass.)
    folders = getattr(inst, "takes_folders", True)
    what = "dataset objects (or folders)" if folders else "dataset objects"
    if not isinstance(value, list) or not value:
        v.fail(inst, attribute, f"must be a non-empty list of {what}")
    for item in value:
        if not isinstance(item, FlowItem if folders else AnyDataset):
            v.fail(
                inst,
                attribute,
                (
                    "must list dataset objects or folders of this stack (dss.Dataset, "
                    "dss.ManagedDataset, …, or dss.ManagedFolder)"
                    if folders
                    else f"must list dataset objects of this stack (dss.Dataset, "
                    f"dss.ManagedDataset, …): a {inst.recipe_type} recipe takes no folders"
                )
                + f", got {type(item).__name__} {item!r}",
            )


def _code(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, Output):
        value = unwrap(value)
    if not isinstance(value, str | File):
        v.fail(inst, attribute, f"must be a string or dss.File (got {type(value).__name__})")


def _read_code(value: Any) -> Any:
    return value.read() if isinstance(value, File) else value


def _code_env(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    # An existing env may have a name dss.CodeEnv would not create (DSS's older rules).
    if value is not None and not isinstance(value, CodeEnv):
        if not isinstance(value, str) or not value.strip() or "/" in value:
            v.fail(inst, attribute, f"must be a code env name or a dss.CodeEnv (got {value!r})")


def dataset_ref(project_key: str, ref: str) -> Ref:
    """Import: a recipe's input or output as DSS names it (``name`` or ``PROJECT.name``)."""
    return lookup_ref("dss:Dataset", ref if "." in ref else f"{project_key}.{ref}")


@attrs.define(slots=False, eq=False, repr=False)
class _RecipeBase(ProjectObject):
    recipe_type: ClassVar[str] = ""
    # DSS's renameRecipe keeps the recipe (payload, settings, zone).
    renames_in_place: ClassVar[bool] = True

    #: Whether managed folders may be inputs and outputs (code recipes; not visual ones).
    takes_folders: ClassVar[bool] = True

    inputs_: list[FlowItem] = attrs.field(
        kw_only=True, alias="inputs", converter=v.to_list, validator=_datasets
    )
    outputs: list[FlowItem] = attrs.field(kw_only=True, converter=v.to_list, validator=_datasets)

    def dependencies(self) -> list[Resource]:
        return [self.project, *self.inputs_, *self.outputs]

    def _ref(self, ds: FlowItem) -> Any:
        # Datasets of another project are referenced as PROJECT.name, as DSS does; folders
        # by the id DSS generated for them (known after apply).
        if isinstance(ds, ManagedFolder):
            return ds.smart_id(self.project.key)
        return ds.name if ds.project.key == self.project.key else f"{ds.project.key}.{ds.name}"

    def payload(self) -> str | None:
        return None

    def instance_names(self) -> list[tuple[str, str]]:
        params = self.described()["extra_settings"].get("params")
        env = explicit_env(params.get("envSelection") if isinstance(params, Mapping) else None)
        return [("dss:CodeEnv", env)] if env is not None else []

    # Import: the keyword that holds the payload, and the suffix of the file it goes to.
    code_arg: ClassVar[tuple[str, str] | None] = None

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        if inputs.get("type") != cls.recipe_type:
            return None
        key = inputs["project"]
        kwargs: dict[str, Any] = {
            "project": cls.project_ref(key),
            "inputs": [dataset_ref(key, r) for r in inputs["inputs"]],
            "outputs": [dataset_ref(key, r) for r in inputs["outputs"]],
        }
        if cls.code_arg is not None:
            arg, suffix = cls.code_arg
            kwargs[arg] = CodeText(inputs.get("code") or "", suffix)
        if inputs.get("settings") is not None:
            kwargs.update(cls._import_settings(inputs["settings"], inputs))
        return Call(cls.__name__, (inputs["name"],), {**kwargs, **cls.described_kwargs(inputs)})

    @classmethod
    def _import_settings(cls, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        """Import: the keywords of a visual recipe's typed settings (see visual_recipe)."""
        return {}

    def settings(self) -> dict[str, Any] | None:
        """A visual recipe's typed payload (``None`` for code recipes: ``code`` is theirs)."""
        return None

    def inputs(self) -> dict[str, Any]:
        out = {
            "project": self.project.key,
            "name": self.name,
            "type": self.recipe_type,
            "inputs": [self._ref(d) for d in self.inputs_],
            "outputs": [self._ref(d) for d in self.outputs],
            "code": self.payload(),
            **self.described(),
        }
        settings = self.settings()
        if settings is not None:
            out["settings"] = settings
        return out


@resource_type("dss:Recipe", replace_on=("type",))
class PythonRecipe(_RecipeBase):
    """A Python recipe; ``code`` is a string or ``dss.File`` relative to the stack file.

    ``code_env`` runs it in that code env (a name, or a ``dss.CodeEnv`` of the stack, then
    built first); left unset, the recipe inherits the project's env and the stack does not
    manage the choice.
    """

    recipe_type: ClassVar[str] = "python"
    code_arg: ClassVar[tuple[str, str] | None] = ("code", ".py")
    code: str = attrs.field(kw_only=True, converter=_read_code, validator=_code)
    code_env: str | CodeEnv | None = attrs.field(kw_only=True, default=None, validator=_code_env)

    def payload(self) -> str | None:
        return self.code

    def validate(self) -> None:
        params = self.extra_settings.get("params")
        if self.code_env is not None and isinstance(params, Mapping) and "envSelection" in params:
            raise ResourceValidationError(
                f"PythonRecipe '{self.name}': code_env= and extra_settings['params']"
                "['envSelection'] both choose the code env; keep code_env="
            )

    def dependencies(self) -> list[Resource]:
        env = self.code_env
        return [*super().dependencies(), *([env] if isinstance(env, CodeEnv) else [])]

    def described(self) -> dict[str, Any]:
        out = super().described()
        if self.code_env is not None:
            # DSS's own place for it (``set_code_env`` of dataikuapi writes the same).
            name = self.code_env if isinstance(self.code_env, str) else self.code_env.name
            selection = {"envMode": "EXPLICIT_ENV", "envName": name}
            params = {**(out["extra_settings"].get("params") or {}), "envSelection": selection}
            out["extra_settings"] = {**out["extra_settings"], "params": params}
        return out


@resource_type("dss:Recipe", replace_on=("type",))
class SqlQueryRecipe(_RecipeBase):
    """A SQL query recipe; ``sql`` is a string or ``dss.File``."""

    recipe_type: ClassVar[str] = "sql_query"
    code_arg: ClassVar[tuple[str, str] | None] = ("sql", ".sql")
    sql: str = attrs.field(kw_only=True, converter=_read_code, validator=_code)

    def payload(self) -> str | None:
        return self.sql


@resource_type("dss:Recipe", replace_on=("type",))
class SyncRecipe(_RecipeBase):
    """A sync recipe: copies its input into its output."""

    recipe_type: ClassVar[str] = "sync"
    takes_folders: ClassVar[bool] = False  # DSS syncs a dataset into a dataset
