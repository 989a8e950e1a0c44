"""Visual recipes: Prepare (DSS type ``shaker``), Group (``grouping``) and Join (``join``).

Their settings are typed here and stored in state as plain data under ``settings``, so a
plan diffs them property by property (``settings.aggregations.amount``): a changed
aggregation is an update of the recipe's payload, a changed recipe class (and so DSS type)
is a replace. The provider turns ``settings`` into DSS's JSON payload
(dss-rest-api.md §4.3).

Where an input dataset declares its schema, the columns a recipe names (grouping keys,
aggregated columns, join columns) are checked against it when the recipe is built, so a
typo stops the program at its line instead of producing a recipe that fails to run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call
from dsspulumi.kinds.schema import prop
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.dataset import AnyDataset
from dsspulumi.resources.recipe import FlowItem, _RecipeBase, dataset_ref

#: The aggregations of a DSS grouping recipe, in DSS's order (GroupingRecipeSettings).
AGGREGATIONS = ("count", "countDistinct", "min", "max", "avg", "sum", "concat", "stddev", "mode")
#: Join types of a DSS join recipe.
JOIN_TYPES = ("LEFT", "INNER", "RIGHT", "FULL", "CROSS")


def _column_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _declared_columns(ds: FlowItem) -> set[str] | None:
    """The column names a dataset of the stack declares, or None if it declares no schema."""
    schema = getattr(ds, "schema", None)
    return None if schema is None else {c.name for c in schema}


def _check_column(recipe: Any, ds: FlowItem, column: str, role: str) -> None:
    columns = _declared_columns(ds)
    if columns is not None and column not in columns:
        raise ResourceValidationError(
            f"{type(recipe).__name__} '{recipe.name}': {role} {column!r} is not a column of "
            f"dataset '{ds.name}' (its schema declares: {', '.join(sorted(columns)) or 'none'})"
        )


def _one_each(recipe: Any) -> None:
    if len(recipe.inputs_) != 1 or len(recipe.outputs) != 1:
        raise ResourceValidationError(
            f"{type(recipe).__name__} '{recipe.name}': a {recipe.recipe_type} recipe reads "
            f"exactly one dataset and writes exactly one (got {len(recipe.inputs_)} input(s), "
            f"{len(recipe.outputs)} output(s))"
        )


# --- Prepare ---------------------------------------------------------------------------------


@attrs.define(frozen=True)
class PrepareStep:
    """One processor step of a Prepare recipe: DSS's processor type and its parameters.

    ``type`` is DSS's processor id (``ColumnRenamer``, ``FillEmptyWithValue``,
    ``FilterOnValue``, …); ``params`` are that processor's own parameters, as DSS names them.
    """

    type: str = attrs.field(validator=v.name_string)
    params: dict[str, Any] = attrs.field(factory=dict, validator=v.json_dict)
    disabled: bool = attrs.field(default=False, kw_only=True, validator=v.of_type(bool))

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "params": dict(self.params), "disabled": self.disabled}


def _steps(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(s, PrepareStep) for s in value):
        v.fail(inst, attribute, f"must be a list of dss.PrepareStep (got {value!r})")


@resource_type("dss:Recipe", replace_on=("type",))
class PrepareRecipe(_RecipeBase):
    """A Prepare recipe (DSS type ``shaker``): an ordered script of processor steps."""

    recipe_type: ClassVar[str] = "shaker"
    takes_folders: ClassVar[bool] = False  # visual recipes work on datasets
    steps: list[PrepareStep] = prop(
        folded=True, factory=list, converter=v.to_list, validator=_steps
    )

    def validate(self) -> None:
        _one_each(self)

    @property
    def _settings_input(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps]}

    @classmethod
    def _import_settings(cls, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        steps = []
        for step in settings.get("steps") or []:
            if step.get("type") == "GROUP":
                raise ResourceValidationError("a Prepare recipe with step groups")
            kwargs = {"disabled": True} if step.get("disabled") else {}
            steps.append(Call("PrepareStep", (step["type"], dict(step["params"])), kwargs))
        return {"steps": steps} if steps else {}


# --- Group -----------------------------------------------------------------------------------


def _keys(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(_column_name(k) for k in value):
        v.fail(inst, attribute, f"must be a list of column names (got {value!r})")
    dupes = v.duplicates(value)
    if dupes:
        v.fail(inst, attribute, f"names a column twice: {', '.join(dupes)}")


def _aggregations(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, dict):
        v.fail(inst, attribute, f"must be a dict column -> list of aggregations (got {value!r})")
    for column, aggs in value.items():
        if not _column_name(column):
            v.fail(inst, attribute, f"has an invalid column name {column!r}")
        if isinstance(aggs, str) or not isinstance(aggs, list | tuple) or not aggs:
            v.fail(
                inst,
                attribute,
                f"[{column!r}] must be a non-empty list of aggregations such as ['sum', 'avg'] "
                f"(got {aggs!r})",
            )
        for agg in aggs:
            if agg not in AGGREGATIONS:
                v.fail(
                    inst,
                    attribute,
                    f"[{column!r}] has an unknown aggregation {agg!r} (known: "
                    f"{', '.join(AGGREGATIONS)})",
                )


@resource_type("dss:Recipe", replace_on=("type",))
class GroupRecipe(_RecipeBase):
    """A Group recipe (DSS type ``grouping``): group by ``keys``, aggregate columns.

    ``aggregations`` maps a column to its aggregations (``["sum", "avg"]``); the stack manages
    exactly these. ``global_count`` adds the count of rows per group.
    """

    recipe_type: ClassVar[str] = "grouping"
    takes_folders: ClassVar[bool] = False  # visual recipes work on datasets
    keys: list[str] = prop(folded=True, factory=list, converter=v.to_list, validator=_keys)
    aggregations: dict[str, list[str]] = prop(folded=True, factory=dict, validator=_aggregations)
    global_count: bool = prop(folded=True, default=False, validator=v.of_type(bool))

    def validate(self) -> None:
        _one_each(self)
        (source,) = self.inputs_
        for key in self.keys:
            _check_column(self, source, key, "grouping key")
        for column in self.aggregations:
            _check_column(self, source, column, "aggregated column")

    @classmethod
    def _import_settings(cls, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        kwargs: dict[str, Any] = {}
        if settings.get("keys"):
            kwargs["keys"] = list(settings["keys"])
        if settings.get("aggregations"):
            kwargs["aggregations"] = {c: list(a) for c, a in settings["aggregations"].items()}
        if settings.get("global_count"):
            kwargs["global_count"] = True
        return kwargs

    @property
    def _settings_input(self) -> dict[str, Any]:
        return {
            "keys": list(self.keys),
            # One canonical order, so that ["avg", "sum"] and ["sum", "avg"] are the same.
            "aggregations": {
                col: [a for a in AGGREGATIONS if a in aggs]
                for col, aggs in self.aggregations.items()
            },
            "global_count": self.global_count,
        }


# --- Join ------------------------------------------------------------------------------------


def _on(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    ok = isinstance(value, list) and all(
        isinstance(p, tuple | list) and len(p) == 2 and all(_column_name(c) for c in p)
        for p in value
    )
    if not ok:
        v.fail(inst, attribute, f"must be a list of (left column, right column) pairs ({value!r})")


def _join_type(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in JOIN_TYPES:
        v.fail(inst, attribute, f"must be one of {', '.join(JOIN_TYPES)} (got {value!r})")


def _dataset(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, AnyDataset):
        v.fail(inst, attribute, f"must be a dataset of the stack (got {type(value).__name__})")


@attrs.define(frozen=True, eq=False)
class Join:
    """One join of a Join recipe: ``right`` joined onto ``left`` on equal columns."""

    left: AnyDataset = attrs.field(validator=_dataset)
    right: AnyDataset = attrs.field(validator=_dataset)
    type: str = attrs.field(default="LEFT", kw_only=True, validator=_join_type)
    on: list[tuple[str, str]] = attrs.field(
        factory=list, kw_only=True, converter=v.to_list, validator=_on
    )


def _joins(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(j, Join) for j in value):
        v.fail(inst, attribute, f"must be a non-empty list of dss.Join (got {value!r})")


@resource_type("dss:Recipe", replace_on=("type",))
class JoinRecipe(_RecipeBase):
    """A Join recipe (DSS type ``join``): its inputs joined in order, into one output.

    DSS joins inputs one after the other: join number *k* brings in ``inputs[k + 1]`` (the
    ``right`` side) and joins it to one of the inputs before it (``left``).
    """

    recipe_type: ClassVar[str] = "join"
    takes_folders: ClassVar[bool] = False  # visual recipes work on datasets
    joins: list[Join] = prop(folded=True, converter=v.to_list, validator=_joins)

    def validate(self) -> None:
        who = f"JoinRecipe '{self.name}'"
        if len(self.outputs) != 1:
            raise ResourceValidationError(f"{who}: a join recipe writes exactly one dataset")
        if len({id(d) for d in self.inputs_}) != len(self.inputs_):
            raise ResourceValidationError(f"{who}: an input is listed twice")
        if len(self.joins) != len(self.inputs_) - 1:
            raise ResourceValidationError(
                f"{who}: {len(self.inputs_)} inputs need {len(self.inputs_) - 1} join(s), one "
                f"per input after the first (got {len(self.joins)})"
            )
        for k, join in enumerate(self.joins):
            left, right = self._index(join.left), self._index(join.right)
            if right != k + 1 or left > k:
                raise ResourceValidationError(
                    f"{who}: join #{k + 1} must bring in inputs[{k + 1}] "
                    f"('{self.inputs_[k + 1].name}') as its right side, joined to an earlier "
                    f"input (got left='{join.left.name}', right='{join.right.name}')"
                )
            for col_left, col_right in join.on:
                _check_column(self, join.left, col_left, "join column")
                _check_column(self, join.right, col_right, "join column")

    def _index(self, ds: AnyDataset) -> int:
        for i, item in enumerate(self.inputs_):
            if item is ds:
                return i
        raise ResourceValidationError(
            f"JoinRecipe '{self.name}': a join names dataset '{ds.name}', which is not one of "
            "the recipe's inputs"
        )

    @classmethod
    def _import_settings(cls, settings: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        key = inputs["project"]
        joins = []
        for j in settings.get("joins") or []:
            if j.get("left") is None or j.get("right") is None:
                raise ResourceValidationError("a join whose sides are not recipe inputs")
            sides = tuple(dataset_ref(key, j[side]) for side in ("left", "right"))
            kwargs: dict[str, Any] = {"type": j["type"]} if j.get("type") != "LEFT" else {}
            if j.get("on"):
                kwargs["on"] = [tuple(pair) for pair in j["on"]]
            joins.append(Call("Join", sides, kwargs))
        return {"joins": joins}

    @property
    def _settings_input(self) -> dict[str, Any]:
        return {
            "joins": [
                {
                    "left": self._ref(j.left),
                    "right": self._ref(j.right),
                    "type": j.type,
                    "on": [[a, b] for a, b in j.on],
                }
                for j in self.joins
            ]
        }
