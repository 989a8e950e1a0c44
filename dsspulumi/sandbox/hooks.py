"""Reference hooks: how one kind follows what happens to another kind's objects.

Kinds carry references between them: recipes, zones, scenarios and project exposures name
datasets; users name their groups; recipes name managed folders; side tables hold a
project's rows. When such an object is renamed or deleted, the kinds that refer to it must
follow, yet kind modules never import each other (each is one independent file). So a kind
says what it follows, at import::

    hooks.on_rename("dataset", rename_dataset_refs)   # fn(tx, project_key, old, new)
    hooks.on_delete("group", forget_group)            # fn(tx, project_key, ident)

and the kind that renames or deletes one of its objects calls :func:`renamed` /
:func:`deleted` once the change is made, in the same transaction (so a refused follower undoes
the whole request). Instance-level objects (groups, users...) have project ``""``; deleting a
project fires ``deleted("project", key, key)`` after its rows are gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Tx

RenameHook = Callable[["Tx", str, str, str], None]
DeleteHook = Callable[["Tx", str, str], None]

_RENAME: dict[str, list[RenameHook]] = {}
_DELETE: dict[str, list[DeleteHook]] = {}


def on_rename(kind: str, fn: RenameHook) -> RenameHook:
    """Call ``fn(tx, project_key, old, new)`` whenever an object of ``kind`` is renamed."""
    _RENAME.setdefault(kind, []).append(fn)
    return fn


def on_delete(kind: str, fn: DeleteHook) -> DeleteHook:
    """Call ``fn(tx, project_key, ident)`` whenever an object of ``kind`` is deleted."""
    _DELETE.setdefault(kind, []).append(fn)
    return fn


def renamed(tx: Tx, kind: str, project_key: str, old: str, new: str) -> None:
    for fn in _RENAME.get(kind, ()):
        fn(tx, project_key, old, new)


def deleted(tx: Tx, kind: str, project_key: str, ident: str) -> None:
    for fn in _DELETE.get(kind, ()):
        fn(tx, project_key, ident)
