"""Scenarios: step-based (``dss.Scenario``) and custom-python (``dss.PythonScenario``).

Both share the type token ``dss:Scenario``; DSS cannot change a scenario's type, so turning
one into the other is a replace. DSS generates the scenario id (names need not be unique),
so the id is kept in the state and the scenario is addressed by it.

Steps and triggers are small typed values (``dss.BuildStep``, ``dss.SqlStep``,
``dss.SetVariablesStep``, ``dss.PythonStep``; ``dss.TemporalTrigger``,
``dss.DatasetChangeTrigger``) that turn into DSS's JSON (dss-rest-api.md §6); datasets and
connections they name are edges of the graph. A trigger schedule is always written with an
explicit ``startingFrom`` date, never "today", so the same stack gives the same scenario.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.output import Output, unwrap
from dsspulumi.resource import File, Resource, _translate_init_errors, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectObject
from dsspulumi.resources.connection import Connection, connection_name, connection_ref
from dsspulumi.resources.dataset import Dataset, ManagedDataset

BUILD_MODES = (
    "RECURSIVE_BUILD",  # build the items and whatever they need that is out of date
    "NON_RECURSIVE_FORCED_BUILD",  # build only the items themselves
    "RECURSIVE_FORCED_BUILD",  # rebuild the items and everything upstream
    "RECURSIVE_MISSING_ONLY_BUILD",  # build what is missing upstream
)
FREQUENCIES = ("Minutely", "Hourly", "Daily", "Weekly", "Monthly")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHLY_RUN_ON = (
    "ON_THE_DAY",
    "LAST_DAY_OF_THE_MONTH",
    "FIRST_WEEK",
    "SECOND_WEEK",
    "THIRD_WEEK",
    "FOURTH_WEEK",
    "LAST_WEEK",
)
#: The start of a schedule when none is given: fixed, so that a plan never changes by itself.
DEFAULT_STARTING_FROM = "2024-01-01"


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if value not in choices:
            v.fail(inst, attribute, f"must be one of {', '.join(choices)} (got {value!r})")

    return check


def _text(value: Any) -> Any:
    """A string, or ``dss.File`` read relative to the stack file."""
    return value.read() if isinstance(value, File) else value


def _code(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, Output):
        value = unwrap(value)
    if not isinstance(value, str):
        v.fail(inst, attribute, f"must be a string or dss.File (got {type(value).__name__})")


def _optional_name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None:
        v.name_string(inst, attribute, value)


AnyDataset = Dataset | ManagedDataset


def _datasets(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not value:
        v.fail(inst, attribute, "must be a non-empty list of dataset objects")
    for item in value:
        if not isinstance(item, Dataset | ManagedDataset):
            v.fail(
                inst,
                attribute,
                "must list dataset objects (dss.Dataset, dss.ManagedDataset or "
                f"dss.Dataset.get(...)), got {type(item).__name__} {item!r}",
            )


def _item_ref(item: AnyDataset, project_key: str) -> dict[str, Any]:
    """A flow item as scenario steps and triggers name it; ``projectKey`` only when foreign
    (the shape of foreign build items is UNVERIFIED; DSS refs elsewhere do the same)."""
    ref: dict[str, Any] = {"type": "DATASET", "itemId": item.name, "partitionsSpec": ""}
    if item.project.key != project_key:
        ref["projectKey"] = item.project.key
    return ref


# --- steps -------------------------------------------------------------------------------------


@_translate_init_errors
@attrs.frozen
class BuildStep:
    """Build datasets: ``build_mode`` is DSS's job type (``RECURSIVE_BUILD`` builds what is out
    of date upstream, ``NON_RECURSIVE_FORCED_BUILD`` only the items, ``RECURSIVE_FORCED_BUILD``
    everything upstream, ``RECURSIVE_MISSING_ONLY_BUILD`` what is missing)."""

    items: list[AnyDataset] = attrs.field(converter=v.to_list, validator=_datasets)
    build_mode: str = attrs.field(
        kw_only=True, default="RECURSIVE_BUILD", validator=_one_of(BUILD_MODES)
    )
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    step_type: ClassVar[str] = "build_flowitem"

    def references(self) -> list[Resource]:
        return list(self.items)

    def params(self, project_key: str) -> dict[str, Any]:
        return {
            "builds": [_item_ref(i, project_key) for i in self.items],
            "jobType": self.build_mode,
        }


@_translate_init_errors
@attrs.frozen
class SqlStep:
    """Run SQL on a connection (DSS step ``exec_sql``); ``sql`` is a string or ``dss.File``."""

    connection: str | Connection = attrs.field(validator=connection_ref)
    sql: str = attrs.field(converter=_text, validator=_code)
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    step_type: ClassVar[str] = "exec_sql"

    def references(self) -> list[Resource]:
        return [self.connection] if isinstance(self.connection, Connection) else []

    def params(self, project_key: str) -> dict[str, Any]:
        return {"connection": connection_name(self.connection), "sql": self.sql}


@_translate_init_errors
@attrs.frozen
class SetVariablesStep:
    """Set project variables when the scenario runs (DSS step ``set_project_vars``)."""

    variables: dict[str, Any] = attrs.field(validator=v.json_dict)
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    step_type: ClassVar[str] = "set_project_vars"

    def references(self) -> list[Resource]:
        return []

    def params(self, project_key: str) -> dict[str, Any]:
        return {"variables": dict(self.variables)}


@_translate_init_errors
@attrs.frozen
class PythonStep:
    """Run a Python script (DSS step ``custom_python``) in the project's code env."""

    script: str = attrs.field(converter=_text, validator=_code)
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    step_type: ClassVar[str] = "custom_python"

    def references(self) -> list[Resource]:
        return []

    def params(self, project_key: str) -> dict[str, Any]:
        return {"script": self.script, "envSelection": {"envMode": "INHERIT"}}


AnyStep = BuildStep | SqlStep | SetVariablesStep | PythonStep


# --- triggers ----------------------------------------------------------------------------------


def _starting_from(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _iso_date(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        v.fail(inst, attribute, f"must be a date, as 'YYYY-MM-DD' or datetime.date (got {value!r})")


def _int_in(low: int, high: int) -> Any:
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            v.fail(inst, attribute, f"must be an integer from {low} to {high} (got {value!r})")

    return check


def _days(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or any(d not in DAYS for d in value):
        v.fail(inst, attribute, f"must list days among {', '.join(DAYS)} (got {value!r})")


@_translate_init_errors
@attrs.frozen
class TemporalTrigger:
    """Run on a schedule (DSS trigger ``temporal``).

    ``frequency`` is ``Minutely``, ``Hourly``, ``Daily``, ``Weekly`` (with ``days_of_week``)
    or ``Monthly``; ``repeat_every`` counts those units. ``starting_from`` (a date) is always
    written to DSS, defaulting to a fixed date rather than DSS's "today", so the trigger is the
    same on every run.
    """

    frequency: str = attrs.field(validator=_one_of(FREQUENCIES))
    hour: int = attrs.field(kw_only=True, default=0, validator=_int_in(0, 23))
    minute: int = attrs.field(kw_only=True, default=0, validator=_int_in(0, 59))
    days_of_week: list[str] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=_days
    )
    timezone: str = attrs.field(kw_only=True, default="SERVER", validator=v.name_string)
    starting_from: str = attrs.field(
        kw_only=True, default=DEFAULT_STARTING_FROM, converter=_starting_from, validator=_iso_date
    )
    repeat_every: int = attrs.field(kw_only=True, default=1, validator=_int_in(1, 10_000))
    monthly_run_on: str = attrs.field(
        kw_only=True, default="ON_THE_DAY", validator=_one_of(MONTHLY_RUN_ON)
    )
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    def __attrs_post_init__(self) -> None:
        if self.frequency == "Weekly" and not self.days_of_week:
            raise ResourceValidationError(
                "TemporalTrigger: a Weekly trigger needs days_of_week (e.g. ['Monday'])"
            )
        if self.days_of_week and self.frequency != "Weekly":
            raise ResourceValidationError(
                f"TemporalTrigger: days_of_week only applies to frequency='Weekly' "
                f"(got frequency={self.frequency!r})"
            )

    def references(self) -> list[Resource]:
        return []

    def to_json(self, project_key: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "frequency": self.frequency,
            "repeatFrequency": self.repeat_every,
            "hour": self.hour,
            "minute": self.minute,
            "timezone": self.timezone,
            # The client's own format (scenario.py:__get_starting_date__), at midnight UTC.
            "startingFrom": f"{self.starting_from}T00:00:00.000+0000",
        }
        if self.frequency == "Weekly":
            params["daysOfWeek"] = list(self.days_of_week)
        if self.frequency == "Monthly":
            params["monthlyRunOn"] = self.monthly_run_on
        return {
            "type": "temporal",
            "name": self.name or f"{self.frequency} schedule",
            "active": True,
            "params": params,
        }


@_translate_init_errors
@attrs.frozen
class DatasetChangeTrigger:
    """Run when datasets change (DSS trigger ``ds_modified``; shape from third-party
    references, UNVERIFIED). ``delay`` is DSS's wait, in seconds, between checks."""

    datasets: list[AnyDataset] = attrs.field(converter=v.to_list, validator=_datasets)
    delay: int = attrs.field(kw_only=True, default=900, validator=_int_in(1, 10_000_000))
    name: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    def references(self) -> list[Resource]:
        return list(self.datasets)

    def to_json(self, project_key: str) -> dict[str, Any]:
        return {
            "type": "ds_modified",
            "name": self.name or "Dataset changed",
            "active": True,
            "delay": self.delay,
            "params": {
                "watches": [_item_ref(d, project_key) for d in self.datasets],
                "triggerWhenAllFire": False,
            },
        }


AnyTrigger = TemporalTrigger | DatasetChangeTrigger


def _list_of(types: tuple[type, ...], label: str) -> Any:
    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(i, types) for i in value):
            v.fail(inst, attribute, f"must be a list of {label} (got {value!r})")

    return check


def _reporters(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        v.fail(inst, attribute, f"must be a list of DSS reporter dicts (got {value!r})")
    for r in value:
        v.json_dict(inst, attribute, r)


# --- the resources -------------------------------------------------------------------------


@attrs.define(slots=False, eq=False, repr=False)
class _ScenarioBase(ProjectObject):
    scenario_type: ClassVar[str] = ""

    # Scenario names are free text in DSS ("Daily build"), not identifiers.
    name: str = attrs.field(validator=v.name_string)
    active: bool = attrs.field(kw_only=True, default=False, validator=v.of_type(bool))
    triggers: list[AnyTrigger] = attrs.field(
        kw_only=True,
        factory=list,
        converter=v.to_list,
        validator=_list_of((TemporalTrigger, DatasetChangeTrigger), "triggers"),
    )
    reporters: list[dict[str, Any]] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=_reporters
    )
    run_as: str | None = attrs.field(kw_only=True, default=None, validator=_optional_name)

    def validate(self) -> None:
        if "/" in self.name:
            raise ResourceValidationError(
                f"{type(self).__name__} '{self.name}': a scenario name cannot contain '/'"
            )

    def _parts(self) -> list[Any]:
        return list(self.triggers)

    def dependencies(self) -> list[Resource]:
        deps: list[Resource] = [self.project]
        for part in self._parts():
            deps.extend(r for r in part.references() if r not in deps)
        return deps

    def inputs(self) -> dict[str, Any]:
        key = self.project.key
        return {
            "project": key,
            "name": self.name,
            "type": self.scenario_type,
            "active": self.active,
            "steps": None,
            "script": None,
            "triggers": [t.to_json(key) for t in self.triggers],
            "reporters": [dict(r) for r in self.reporters],
            "run_as": self.run_as,
            **self.described(),
        }


@resource_type("dss:Scenario", replace_on=("type",))
class Scenario(_ScenarioBase):
    """A step-based scenario: ``steps`` run in order when a trigger fires (or on demand).

    ``active`` turns the automatic triggers on; ``run_as`` (admin only) is the user it runs
    as (unset: the last user who modified it); ``reporters`` are DSS reporter dicts.
    """

    scenario_type: ClassVar[str] = "step_based"
    steps: list[AnyStep] = attrs.field(
        kw_only=True,
        factory=list,
        converter=v.to_list,
        validator=_list_of(
            (BuildStep, SqlStep, SetVariablesStep, PythonStep),
            "steps (dss.BuildStep, dss.SqlStep, dss.SetVariablesStep, dss.PythonStep)",
        ),
    )

    def _parts(self) -> list[Any]:
        return [*self.steps, *self.triggers]

    def inputs(self) -> dict[str, Any]:
        key = self.project.key
        steps = [
            {
                "type": s.step_type,
                "name": s.name or f"Step #{i + 1}",
                "params": s.params(key),
            }
            for i, s in enumerate(self.steps)
        ]
        return {**super().inputs(), "steps": steps}


@resource_type("dss:Scenario", replace_on=("type",))
class PythonScenario(_ScenarioBase):
    """A custom-python scenario: ``script`` (a string or ``dss.File``) is the whole scenario."""

    scenario_type: ClassVar[str] = "custom_python"
    script: str = attrs.field(kw_only=True, converter=_text, validator=_code)

    def inputs(self) -> dict[str, Any]:
        return {**super().inputs(), "script": self.script}
