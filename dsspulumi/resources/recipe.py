"""Recipes: the edges of the DSS flow, from input datasets (or folders) to outputs.

All recipe classes share the type token ``dss:Recipe``; the DSS recipe type
(``python``, ``sql_query``, ``sync``) is a property whose change forces a
replace.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call, CodeText, Ref, lookup_ref
from dsspulumi.kinds import schema
from dsspulumi.kinds.schema import prop
from dsspulumi.output import Output, unwrap
from dsspulumi.resource import File, Resource, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectObject
from dsspulumi.resources.code_env import CodeEnv, explicit_env
from dsspulumi.resources.dataset import AnyDataset
from dsspulumi.resources.fields import extra_settings_prop
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


def _refs_arg(refs: list[str], inputs: Mapping[str, Any]) -> list[Ref]:
    return [dataset_ref(inputs["project"], r) for r in refs]


def role_refs(role_map: Any) -> list[str]:
    """The refs of a role of the recipe definition (``inputs``/``outputs``), in order."""
    main = (role_map or {}).get("main") if isinstance(role_map, Mapping) else None
    return [i.get("ref") for i in ((main or {}).get("items") or [])]


def _refs_prop(role: str, new_item: Mapping[str, Any], **field_args: Any) -> Any:
    """A role of the definition: DSS keeps each item's own fields (``deps``, ``appendMode``)
    for a ref it already has; a new ref gets DSS's defaults."""

    def write(raw: dict[str, Any], new: Any, old: Any) -> None:
        have = raw.setdefault(role, {})
        items = {i.get("ref"): i for i in ((have.get("main") or {}).get("items") or [])}
        have["main"] = {
            "items": [items.get(r) or {"ref": r, **copy.deepcopy(dict(new_item))} for r in new]
        }

    return prop(
        dss=role,
        read=lambda raw, declared: role_refs(raw.get(role)),
        write=write,
        to_arg=_refs_arg,
        converter=v.to_list,
        validator=_datasets,
        **field_args,
    )


def code_prop(suffix: str, **field_args: Any) -> Any:
    """A code recipe's code: a string or ``dss.File``; DSS keeps it as the recipe's payload,
    outside the definition, so the provider reads and writes it (``writes=False``). Import
    writes it to a file with ``suffix``."""
    return prop(
        writes=False,
        to_arg=lambda code, inputs: CodeText(code or "", suffix),
        converter=_read_code,
        validator=_code,
        **field_args,
    )


@attrs.define(slots=False, eq=False, repr=False)
class _RecipeBase(ProjectObject):
    recipe_type: ClassVar[str] = ""
    # DSS's renameRecipe keeps the recipe (payload, settings, zone).
    renames_in_place: ClassVar[bool] = True

    #: Whether managed folders may be inputs and outputs (code recipes; not visual ones).
    takes_folders: ClassVar[bool] = True

    # The DSS type: fixed by the class (a new type is a replace), never an argument.
    type: str = prop(dss="type", writes=False, init=False, input_from="recipe_type", default="")
    inputs_: list[FlowItem] = _refs_prop(
        "inputs", {"deps": []}, alias="inputs", input_from="_input_refs"
    )
    outputs: list[FlowItem] = _refs_prop(
        "outputs", {"appendMode": False}, input_from="_output_refs"
    )
    # The payload of a code recipe (its class declares it); None for the others.
    code: str | None = prop(writes=False, init=False, default=None)
    # A visual recipe's typed settings, from its own arguments (folded into this one input);
    # DSS keeps them in the payload, read and written by the provider (recipe_payload). Not
    # an input of the other recipes, whose states never had it.
    settings: dict[str, Any] | None = prop(
        writes=False, init=False, default=None, omit_default=True, input_from="_settings_input"
    )

    def dependencies(self) -> list[Resource]:
        return [self.project, *self.inputs_, *self.outputs]

    def _ref(self, ds: FlowItem) -> Any:
        # Datasets of another project are referenced as PROJECT.name, as DSS does; folders
        # by the id DSS generated for them (known after apply).
        if isinstance(ds, ManagedFolder):
            return ds.smart_id(self.project.key)
        return ds.name if ds.project.key == self.project.key else f"{ds.project.key}.{ds.name}"

    @property
    def _input_refs(self) -> list[Any]:
        return [self._ref(d) for d in self.inputs_]

    @property
    def _output_refs(self) -> list[Any]:
        return [self._ref(d) for d in self.outputs]

    @property
    def _extra_settings_input(self) -> dict[str, Any]:
        return dict(self.extra_settings)

    def instance_names(self) -> list[tuple[str, str]]:
        params = self._extra_settings_input.get("params")
        env = explicit_env(params.get("envSelection") if isinstance(params, Mapping) else None)
        return [("dss:CodeEnv", env)] if env is not None else []

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        """The schema's call, for a recipe of this class's DSS type only; a visual recipe's
        typed settings go before the described keywords."""
        if inputs.get("type") != cls.recipe_type:
            return None
        call = schema.call_from_inputs(cls, inputs)
        if inputs.get("settings") is None:
            return call
        described = {f.arg for f in schema.fields(cls) if f.prop.described}
        own = {k: a for k, a in call.kwargs.items() if k not in described}
        last = {k: a for k, a in call.kwargs.items() if k in described}
        settings = cls._import_settings(inputs["settings"], inputs)
        return Call(call.cls, call.args, {**own, **settings, **last})

    @classmethod
    def _import_settings(cls, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        """Import: the keywords of a visual recipe's typed settings (see visual_recipe)."""
        return {}

    @property
    def _settings_input(self) -> dict[str, Any] | None:
        """A visual recipe's typed settings as plain data (None for the others)."""
        return None


@resource_type("dss:Recipe", replace_on=("type",))
class PythonRecipe(_RecipeBase):
    """A Python recipe; ``code`` is a string or ``dss.File`` relative to the stack file.

    ``code_env`` runs it in that code env (a name, or a ``dss.CodeEnv`` of the stack, then
    built first); left unset, the recipe inherits the project's env and the stack does not
    manage the choice.
    """

    recipe_type: ClassVar[str] = "python"
    code: str = code_prop(".py")
    # Not an input of its own: DSS keeps the choice in ``params.envSelection`` of the
    # definition, so it is folded into ``extra_settings`` (``set_code_env`` writes the same).
    code_env: str | CodeEnv | None = prop(folded=True, default=None, validator=_code_env)
    extra_settings: dict[str, Any] = extra_settings_prop(input_from="_extra_settings_input")

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

    @property
    def _extra_settings_input(self) -> dict[str, Any]:
        out = dict(self.extra_settings)
        if self.code_env is not None:
            name = self.code_env if isinstance(self.code_env, str) else self.code_env.name
            selection = {"envMode": "EXPLICIT_ENV", "envName": name}
            out["params"] = {**(out.get("params") or {}), "envSelection": selection}
        return out


@resource_type("dss:Recipe", replace_on=("type",))
class SqlQueryRecipe(_RecipeBase):
    """A SQL query recipe; ``sql`` is a string or ``dss.File``."""

    recipe_type: ClassVar[str] = "sql_query"
    # Its argument is ``sql=``; its input is ``code``, as every code recipe's payload.
    code: str = code_prop(".sql", alias="sql", key="code")

    @property
    def sql(self) -> str:
        return self.code


@resource_type("dss:Recipe", replace_on=("type",))
class SyncRecipe(_RecipeBase):
    """A sync recipe: copies its input into its output."""

    recipe_type: ClassVar[str] = "sync"
    takes_folders: ClassVar[bool] = False  # DSS syncs a dataset into a dataset
