"""Lists of items DSS keeps with ids and defaults of its own: a scenario's steps, triggers and
reporters, declared in the kind's schema as ``prop(read=items_read(), write=items_write())``.

DSS adds to each item it stores (an id, the step envelope's run conditions, params left to
their defaults); the stack declares only what it manages. So an item is matched by position
and type: reading keeps only the declared keys of each (extra items are shown whole, so that a
step added by hand is drift); writing keeps what DSS added and drops only params the stack had
declared and no longer does. Import reads every item whole, without DSS's id.

Pure: no IO.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from dsspulumi.kinds.documents import get_path, pick_paths, set_path


def merge_items(
    existing: list[Any],
    declared: list[Mapping[str, Any]],
    previous: list[Mapping[str, Any]] | None,
    *,
    defaults: Mapping[str, Any] | None = None,
    id_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """The items as declared, keeping what DSS added to each (see the module's docstring)."""
    out = []
    for i, want in enumerate(declared):
        base = existing[i] if i < len(existing) and isinstance(existing[i], dict) else {}
        if base.get("type") != want.get("type"):
            base = {}
        item = {**dict(defaults or {}), **copy.deepcopy(base)}
        before = previous[i] if previous and i < len(previous) else {}
        params = dict(item.get("params") or {})
        if before.get("type") == want.get("type"):
            for key in before.get("params") or {}:
                params.pop(key, None)
        params.update(copy.deepcopy(dict(want.get("params") or {})))
        item.update({k: copy.deepcopy(v) for k, v in want.items() if k != "params"})
        item["params"] = params
        if id_prefix is not None and not item.get("id"):
            item["id"] = f"{id_prefix}_{i}_{want.get('type')}"
        out.append(item)
    return out


def _plain(item: Any) -> Any:
    """An item as a declaration holds it: without DSS's own id."""
    if isinstance(item, dict):
        return {k: copy.deepcopy(v) for k, v in item.items() if k != "id"}
    return item


def view_items(actual: Any, declared: list[Mapping[str, Any]] | None, *, absent: Any = None) -> Any:
    """The items DSS holds, shaped like the declared ones; every item whole for an import
    (``declared`` None), where a list DSS does not hold at all reads as ``absent``."""
    if not isinstance(actual, list):
        return absent if declared is None else []
    if declared is None:
        return [_plain(x) for x in actual]
    out = []
    for i, item in enumerate(actual):
        if i < len(declared) and isinstance(item, dict):
            out.append(pick_paths(item, declared[i]))
        else:
            out.append(_plain(item))
    return out


def items_read(path: str, *, absent: Any = None) -> Callable[[Mapping[str, Any], Any], Any]:
    """The schema's ``read`` of an item list kept at ``path`` (dotted) of the document."""

    def read(raw: Mapping[str, Any], declared: Any) -> Any:
        return view_items(get_path(raw, path), declared, absent=absent)

    return read


def items_write(
    path: str, *, defaults: Mapping[str, Any] | None = None, id_prefix: str | None = None
) -> Callable[[dict[str, Any], Any, Any], None]:
    """The schema's ``write`` of an item list: the declared items merged into DSS's."""

    def write(raw: dict[str, Any], new: Any, old: Any) -> None:
        if new is None:
            return  # not this class's list (a python scenario has no steps)
        have = get_path(raw, path)
        merged = merge_items(
            have if isinstance(have, list) else [],
            new,
            old,
            defaults=defaults,
            id_prefix=id_prefix,
        )
        set_path(raw, path, merged)

    return write
