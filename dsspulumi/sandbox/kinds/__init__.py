"""One module per DSS object kind: its routes, handlers and refusals.

Every module in this package is a kind and is found on its own (adding a kind is adding a
file). What a kind module may define:

* ``ROUTES``: list of :class:`~dsspulumi.sandbox.routes.Route` (required);
* ``SCHEMA``: extra ``CREATE TABLE/INDEX IF NOT EXISTS`` statements for side tables (indexes
  the kind keeps next to its rows in ``objects``);
* ``PROJECT_TABLES``: side tables with a ``project`` column, emptied when a project is deleted;
* ``seed(tx)``: called once when a database is created (built-in objects).

Shared machinery lives outside: :mod:`..store` (rows, tags, futures), :mod:`..errors` (DSS's
error shapes and validators), :mod:`..db` (SQLite).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsspulumi.sandbox.routes import Route
    from dsspulumi.sandbox.store import Tx


@cache
def modules() -> tuple[ModuleType, ...]:
    """The kind modules, in name order (deterministic)."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def routes() -> list[Route]:
    return [route for module in modules() for route in module.ROUTES]


def schema() -> list[str]:
    return [stmt for module in modules() for stmt in getattr(module, "SCHEMA", ())]


def project_tables() -> list[str]:
    return [t for module in modules() for t in getattr(module, "PROJECT_TABLES", ())]


def seeders() -> list[Callable[[Tx], Any]]:
    return [module.seed for module in modules() if hasattr(module, "seed")]
