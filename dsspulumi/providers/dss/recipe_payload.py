"""Visual recipe payloads: declared ``settings`` <-> DSS's JSON payload, per recipe type.

``write`` edits the payload DSS holds (read-modify-write: keys the stack does not model,
such as pre-filters or computed columns, are kept); ``read`` gives back the declared shape
from a payload, so that ``inspect`` and drift compare like with like (dss-rest-api.md §4.3).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from dsspulumi.providers.dss.client import pick_paths
from dsspulumi.resources.visual_recipe import AGGREGATIONS


def parse(payload: str | None) -> dict[str, Any]:
    """A visual payload as a dict (DSS may hold an empty string before the first save)."""
    if not payload:
        return {}
    try:
        obj = json.loads(payload)
    except ValueError:
        return {}
    return obj if isinstance(obj, dict) else {}


# --- shaker (Prepare) ------------------------------------------------------------------------


def _write_shaker(p: dict[str, Any], s: Mapping[str, Any], refs: list[str]) -> None:
    p["steps"] = [
        {
            "metaType": "PROCESSOR",
            "type": step["type"],
            "params": copy.deepcopy(step["params"]),
            "disabled": step["disabled"],
        }
        for step in s["steps"]
    ]


def _read_shaker(p: Mapping[str, Any], s: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    declared = list(s.get("steps") or [])
    out = []
    for i, step in enumerate(p.get("steps") or []):
        if not isinstance(step, Mapping):
            continue
        raw = step.get("params")
        params: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        want = declared[i] if i < len(declared) else None
        if want is not None and want.get("type") == step.get("type"):
            params = pick_paths(params, want["params"])  # only the parameters we declare
        out.append(
            {
                "type": step.get("type") if step.get("metaType") == "PROCESSOR" else "GROUP",
                "params": dict(params),
                "disabled": bool(step.get("disabled")),
            }
        )
    return {"steps": out}


# --- grouping (Group) ------------------------------------------------------------------------


def _write_grouping(p: dict[str, Any], s: Mapping[str, Any], refs: list[str]) -> None:
    p["keys"] = [{"column": k} for k in s["keys"]]
    before = {v.get("column"): v for v in p.get("values") or [] if isinstance(v, Mapping)}
    values = []
    for column, aggs in s["aggregations"].items():
        value = dict(before.get(column) or {"column": column})
        value.update({a: a in aggs for a in AGGREGATIONS})
        values.append(value)
    p["values"] = values  # exactly the declared columns: the stack owns the aggregations
    p["globalCount"] = s["global_count"]


def _read_grouping(p: Mapping[str, Any], s: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    aggregations = {}
    for value in p.get("values") or []:
        if isinstance(value, Mapping):
            on = [a for a in AGGREGATIONS if value.get(a) is True]
            if on:
                aggregations[value.get("column")] = on
    return {
        "keys": [k.get("column") for k in p.get("keys") or [] if isinstance(k, Mapping)],
        "aggregations": aggregations,
        "global_count": bool(p.get("globalCount")),
    }


# --- join ------------------------------------------------------------------------------------


def _write_join(p: dict[str, Any], s: Mapping[str, Any], refs: list[str]) -> None:
    # One virtual input per recipe input, in order (what the creator makes): keep what DSS
    # holds for each (computed columns, pre-filters), matched by the input it reads.
    before: dict[int, Mapping[str, Any]] = {}
    for vi in p.get("virtualInputs") or []:
        if isinstance(vi, Mapping) and isinstance(vi.get("index"), int):
            before.setdefault(vi["index"], vi)
    p["virtualInputs"] = [{**before.get(i, {}), "index": i} for i in range(len(refs))]
    joins = []
    old = [j for j in p.get("joins") or [] if isinstance(j, Mapping)]
    for k, join in enumerate(s["joins"]):
        t1, t2 = refs.index(join["left"]), refs.index(join["right"])
        kept = dict(old[k]) if k < len(old) else {}
        kept.update(
            {
                "table1": t1,
                "table2": t2,
                "type": join["type"],
                "conditionsMode": kept.get("conditionsMode", "AND"),
                "on": [
                    {
                        "type": "EQ",
                        "column1": {"name": a, "table": t1},
                        "column2": {"name": b, "table": t2},
                    }
                    for a, b in join["on"]
                ],
            }
        )
        joins.append(kept)
    p["joins"] = joins


def _read_join(p: Mapping[str, Any], s: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    virtual = [vi for vi in p.get("virtualInputs") or [] if isinstance(vi, Mapping)]

    def ref(table: Any) -> Any:
        if isinstance(table, int) and 0 <= table < len(virtual):
            index = virtual[table].get("index")
            if isinstance(index, int) and 0 <= index < len(refs):
                return refs[index]
        return None

    joins = []
    for join in p.get("joins") or []:
        if not isinstance(join, Mapping):
            continue
        on = [
            [(c.get("column1") or {}).get("name"), (c.get("column2") or {}).get("name")]
            for c in join.get("on") or []
            if isinstance(c, Mapping) and c.get("type", "EQ") == "EQ"
        ]
        joins.append(
            {
                "left": ref(join.get("table1")),
                "right": ref(join.get("table2")),
                "type": join.get("type"),
                "on": on,
            }
        )
    return {"joins": joins}


_Writer = Callable[[dict[str, Any], Mapping[str, Any], list[str]], None]
_Reader = Callable[[Mapping[str, Any], Mapping[str, Any], list[str]], dict[str, Any]]
_BY_TYPE: dict[str, tuple[_Writer, _Reader]] = {
    "shaker": (_write_shaker, _read_shaker),
    "grouping": (_write_grouping, _read_grouping),
    "join": (_write_join, _read_join),
}


def write(
    recipe_type: str, payload: str | None, settings: Mapping[str, Any], refs: list[str]
) -> str:
    """The payload string with the declared settings written in."""
    obj = parse(payload)
    _BY_TYPE[recipe_type][0](obj, settings, refs)
    return json.dumps(obj)


def read(
    recipe_type: str, payload: str | None, settings: Mapping[str, Any], refs: list[str]
) -> dict[str, Any] | None:
    """The declared shape of what DSS holds; None for a type without typed settings."""
    entry = _BY_TYPE.get(recipe_type)
    return None if entry is None else entry[1](parse(payload), settings, refs)
