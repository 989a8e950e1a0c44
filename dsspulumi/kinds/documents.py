"""Reading and writing parts of a DSS settings document by the paths a kind's schema names.

Pure: no IO. Shared by the schema (``kinds.schema``) and the providers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def deep_merge(target: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``target`` in place: dicts recursively, everything else replaced."""
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def pick_paths(source: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``source`` shaped like ``declared`` (only the keys the stack declares)."""
    out: dict[str, Any] = {}
    for key, want in declared.items():
        have = source.get(key) if isinstance(source, Mapping) else None
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            out[key] = pick_paths(have, want)
        else:
            out[key] = copy.deepcopy(have)
    return out


def managed_value(declared: Any, actual: Any) -> Any:
    """A property declared as None is not managed: report it as None whatever DSS holds."""
    return None if declared is None else actual


def get_path(doc: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``params.connection``) of ``doc``; None if absent."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted ``path`` of ``doc``, creating the dicts on the way."""
    *parents, last = path.split(".")
    for part in parents:
        child = doc.get(part)
        if not isinstance(child, dict):
            child = doc[part] = {}
        doc = child
    doc[last] = copy.deepcopy(value)
