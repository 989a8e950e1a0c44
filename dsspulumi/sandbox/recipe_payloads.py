"""Recipe payloads by type: the default DSS builds at creation, and the shape it accepts.

Visual recipes keep a JSON payload whose shape depends on the recipe type
(dss-rest-api.md §4.3): ``shaker`` steps, ``grouping`` keys and values, ``join`` virtual
inputs and joins. The sandbox refuses a payload DSS could not read (not JSON, wrong types,
a join naming a table that does not exist) and a visual recipe with the wrong number of
inputs or outputs, as DSS's recipe editors do. Which columns a recipe names is not checked
against schemas: DSS saves such a recipe and reports the problem when it runs (§13 lists
no such refusal).

Code recipes keep their script as the payload (any string).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import invalid

#: Recipe types whose payload is a script (creationSettings.script seeds it).
CODE_RECIPE_TYPES = frozenset(
    [
        "python",
        "r",
        "sql_script",
        "sql_query",
        "pyspark",
        "sparkr",
        "spark_scala",
        "shell",
        "spark_sql_query",
        "julia",
        "hive",
        "impala",
        "pig",
    ]
)
JOIN_LIKE_TYPES = frozenset(["join", "vstack", "fuzzyjoin", "geojoin"])
#: Visual recipes that read exactly one dataset and write exactly one.
ONE_TO_ONE_TYPES = frozenset(["shaker", "prepare", "grouping"])
JOIN_TYPES = frozenset(["LEFT", "INNER", "RIGHT", "FULL", "CROSS", "ADVANCED"])
CONDITION_TYPES = frozenset(
    ["EQ", "LTE", "LT", "GTE", "GT", "NE", "WITHIN_RANGE", "K_NEAREST", "K_NEAREST_INFERIOR"]
    + ["CONTAINS", "STARTS_WITH"]
)
#: The boolean aggregation flags of a grouping value (GroupingRecipeSettings).
AGGREGATION_FLAGS = frozenset(
    ["count", "countDistinct", "min", "max", "avg", "sum", "concat", "stddev", "mode"]
    + ["first", "last", "concatDistinct", "sum2"]
)

#: Columns of a dataset by ref, as the caller resolves them (for default join conditions).
Columns = Callable[[str], list[str]]


def default(type_: str, settings: dict[str, Any], refs: list[str], columns: Columns) -> str:
    """The payload DSS gives a recipe created through its creator."""
    if type_ in CODE_RECIPE_TYPES:
        script = settings.get("script")
        return script if isinstance(script, str) else ""
    if type_ == "grouping":
        key = settings.get("groupKey")
        return json.dumps(
            {"keys": [{"column": key}] if key else [], "values": [], "globalCount": False}
        )
    if type_ in JOIN_LIKE_TYPES:
        payload: dict[str, Any] = {
            "virtualInputs": [{"index": i} for i in range(len(refs))],
            "joins": [],
            "computedColumns": [],
        }
        if type_ == "join":
            payload["joins"] = _guessed_joins(refs, columns)
        return json.dumps(payload)
    if type_ in ("shaker", "prepare"):
        return json.dumps({"steps": [], "columnsSelection": {"mode": "ALL"}})
    if type_ == "sync":
        return ""
    return "{}"


def _guessed_joins(refs: list[str], columns: Columns) -> list[dict[str, Any]]:
    """DSS's first guess: each later input LEFT-joined to the first on equally named columns."""
    if len(refs) < 2:
        return []
    first = columns(refs[0])
    joins = []
    for table in range(1, len(refs)):
        shared = [c for c in columns(refs[table]) if c in first]
        joins.append(
            {
                "table1": 0,
                "table2": table,
                "type": "LEFT",
                "conditionsMode": "AND",
                "on": [
                    {
                        "type": "EQ",
                        "column1": {"name": c, "table": 0},
                        "column2": {"name": c, "table": table},
                    }
                    for c in shared
                ],
            }
        )
    return joins


def check_roles(type_: str, input_count: int, output_count: int) -> None:
    """Refuse a visual recipe with the wrong number of inputs or outputs."""
    if type_ in ONE_TO_ONE_TYPES and (input_count != 1 or output_count != 1):
        raise invalid(
            f"A {type_} recipe must have exactly one input and one output (got {input_count} "
            f"input(s) and {output_count} output(s))"
        )
    if type_ in JOIN_LIKE_TYPES and output_count < 1:
        raise invalid(f"A {type_} recipe must have an output")


def check(type_: str, payload: str, input_count: int) -> None:
    """Refuse a payload of the wrong shape for the recipe type."""
    checker = _CHECKERS.get(type_)
    if checker is None:
        return
    try:
        obj = json.loads(payload) if payload else {}
    except ValueError:
        raise invalid(f"Invalid {type_} recipe payload: not valid JSON") from None
    if not isinstance(obj, dict):
        raise invalid(f"Invalid {type_} recipe payload: expected a JSON object")
    checker(obj, input_count)


def _list_of_objects(obj: dict[str, Any], key: str, what: str) -> list[dict[str, Any]]:
    items = obj.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid(f"Invalid {what} payload: '{key}' must be a list of objects")
    return items


def _column(item: dict[str, Any], what: str) -> None:
    if not isinstance(item.get("column"), str) or not item["column"]:
        raise invalid(f"Invalid {what}: every item needs a 'column' name")


def _check_grouping(obj: dict[str, Any], input_count: int) -> None:
    for key in _list_of_objects(obj, "keys", "grouping"):
        _column(key, "grouping key")
    for value in _list_of_objects(obj, "values", "grouping"):
        _column(value, "grouping aggregation")
        for flag in AGGREGATION_FLAGS & value.keys():
            if not isinstance(value[flag], bool):
                raise invalid(
                    f"Invalid grouping aggregation on column {value['column']}: '{flag}' must be "
                    "true or false"
                )
    if not isinstance(obj.get("globalCount", False), bool):
        raise invalid("Invalid grouping payload: 'globalCount' must be true or false")


def _check_shaker(obj: dict[str, Any], input_count: int) -> None:
    _check_steps(_list_of_objects(obj, "steps", "prepare"))


def _check_steps(steps: list[dict[str, Any]]) -> None:
    for i, step in enumerate(steps):
        meta = step.get("metaType", "PROCESSOR")
        if meta == "GROUP":
            _check_steps(_list_of_objects(step, "steps", "prepare step group"))
            continue
        if meta != "PROCESSOR":
            raise invalid(f"Invalid prepare step #{i}: unknown metaType {meta!r}")
        if not isinstance(step.get("type"), str) or not step["type"]:
            raise invalid(f"Invalid prepare step #{i}: a processor step needs a 'type'")
        if not isinstance(step.get("params", {}), dict):
            raise invalid(f"Invalid prepare step #{i} ({step['type']}): 'params' must be an object")


def _check_join(obj: dict[str, Any], input_count: int) -> None:
    virtual = _list_of_objects(obj, "virtualInputs", "join")
    for i, vi in enumerate(virtual):
        index = vi.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < input_count:
            raise invalid(
                f"Invalid join virtual input #{i}: index {index!r} is not one of the recipe's "
                f"{input_count} input(s)"
            )
    for k, join in enumerate(_list_of_objects(obj, "joins", "join")):
        t1, t2 = join.get("table1"), join.get("table2")
        for t in (t1, t2):
            if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t < len(virtual):
                raise invalid(
                    f"Invalid join #{k}: table {t!r} is not one of the {len(virtual)} virtual "
                    "input(s)"
                )
        if t1 == t2:
            raise invalid(f"Invalid join #{k}: a table cannot be joined to itself")
        if join.get("type") not in JOIN_TYPES:
            raise invalid(f"Invalid join #{k}: unknown join type {join.get('type')!r}")
        for cond in _list_of_objects(join, "on", f"join #{k}"):
            if cond.get("type", "EQ") not in CONDITION_TYPES:
                raise invalid(f"Invalid join #{k} condition: unknown type {cond.get('type')!r}")
            for side, table in (("column1", t1), ("column2", t2)):
                col = cond.get(side)
                if not (isinstance(col, dict) and isinstance(col.get("name"), str)):
                    raise invalid(f"Invalid join #{k} condition: '{side}' needs a column name")
                if col.get("table", table) != table:
                    raise invalid(
                        f"Invalid join #{k} condition: {side} {col['name']} must be on table "
                        f"{table}"
                    )


_CHECKERS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "grouping": _check_grouping,
    "shaker": _check_shaker,
    "prepare": _check_shaker,
    "join": _check_join,
}
