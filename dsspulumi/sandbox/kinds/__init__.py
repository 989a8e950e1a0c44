"""One module per DSS object kind: its routes, handlers and refusals.

Every module in this package is a kind and is found on its own (adding a kind is adding a
file); importing this package loads them all and registers what they declare. What a kind
module may define:

* ``ROUTES``: list of :class:`~dsspulumi.sandbox.routes.Route` (required), registered into the
  route table the server reads (:func:`dsspulumi.sandbox.routes.register`);
* ``SCHEMA``: extra ``CREATE TABLE/INDEX IF NOT EXISTS`` statements for side tables (indexes
  the kind keeps next to its rows in ``objects``);
* ``PROJECT_TABLES``: side tables with a ``project`` column, emptied when a project is deleted;
* ``seed(tx)``: called once when a database is created (built-in objects).

Kind modules never import each other. What one reads of another's rows is in
:mod:`..lookups`; what one does when another's object is renamed or deleted (recipes, zones
and scenarios following a dataset rename, users losing a deleted group...) it registers at
import with :mod:`..hooks`. Shared machinery lives outside: :mod:`..store` (rows, tags,
futures), :mod:`..errors` (DSS's error shapes and validators), :mod:`..db` (SQLite).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from dsspulumi.sandbox import hooks, routes, store
from dsspulumi.sandbox.lookups import PROJECT
from dsspulumi.sandbox.store import Tx


def _load() -> tuple[ModuleType, ...]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def _emptier(table: str) -> hooks.DeleteHook:
    def empty(tx: Tx, project_key: str, _ident: str) -> None:
        tx.conn.execute(f"DELETE FROM {table} WHERE project = ?", (project_key,))  # noqa: S608

    return empty


def _register(module: ModuleType) -> None:
    routes.register(module.ROUTES)
    store.declare(getattr(module, "SCHEMA", ()), getattr(module, "seed", None))
    for table in getattr(module, "PROJECT_TABLES", ()):
        hooks.on_delete(PROJECT, _emptier(table))


_MODULES = _load()
for _module in _MODULES:
    _register(_module)


def modules() -> tuple[ModuleType, ...]:
    """The kind modules, in name order (deterministic)."""
    return _MODULES
