"""The one piece of run-time context: the program being run.

The program runner (``dsspulumi.program``) opens a ``ProgramContext`` in a
contextvar for the duration of ``runpy``; resources, exports and config reads
find it here. Nothing else is global, so tests never have to reset anything.

The resource model (``dsspulumi.resource``) registers its objects here, so this module knows
them only by the :class:`Declared` protocol: importing the model back would make the two
modules an import cycle.
"""

from __future__ import annotations

import bisect
import contextvars
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Protocol

import attrs

from dsspulumi.errors import GraphError

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class Declared(Protocol):
    """What the context needs of a declared resource or component: who it is and where the
    user's code declared it (``Resource`` and ``ComponentResource`` of ``dsspulumi.resource``
    satisfy it)."""

    @property
    def type_token(self) -> str: ...

    @property
    def source(self) -> tuple[str, int] | None: ...


class DeclaredResource(Declared, Protocol):
    @property
    def logical_name(self) -> str: ...


@attrs.define
class ProgramContext:
    stack: str
    env: str
    stack_file: Path
    config: dict[str, Any] = attrs.field(factory=dict)
    resources: dict[str, DeclaredResource] = attrs.field(factory=dict)
    components: list[Declared] = attrs.field(factory=list)
    exports: dict[str, Any] = attrs.field(factory=dict)
    # Extra per-run services (secrets, stack references) hang here by name.
    services: dict[str, Any] = attrs.field(factory=dict)


_current: contextvars.ContextVar[ProgramContext | None] = contextvars.ContextVar(
    "dsspulumi_program", default=None
)


@contextmanager
def activate(ctx: ProgramContext) -> Iterator[ProgramContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current() -> ProgramContext | None:
    return _current.get()


def caller_location() -> tuple[str, int] | None:
    """File and line of the nearest frame outside the dsspulumi package (the user's code)."""
    site = caller_site(2)
    return site_location(site) if site is not None else None


# A call site: the user's code object and the bytecode offset of the call. Taking it is
# O(1); turning it into a line is deferred (``site_location``). ``frame.f_lineno`` scans
# the code object's line table from its start, so reading it once per resource of a
# stack file written one statement per object costs O(n^2).
CallSite = tuple[CodeType, int]


def caller_site(depth: int = 1) -> CallSite | None:
    """The nearest call site outside the dsspulumi package, ``depth`` frames above."""
    frame: FrameType | None = sys._getframe(depth)
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<attrs generated"):
            return (code, frame.f_lasti)
        frame = frame.f_back
    return None


# Line tables of the code objects seen, by identity (hashing a big code object is costly).
_LINE_TABLES: dict[int, tuple[CodeType, list[int], list[int | None]]] = {}


def site_location(site: CallSite) -> tuple[str, int]:
    """File and line of a call site; the same answer as ``frame.f_lineno`` at the call."""
    code, offset = site
    table = _LINE_TABLES.get(id(code))
    if table is None or table[0] is not code:
        if len(_LINE_TABLES) > 64:
            _LINE_TABLES.clear()
        ranges = list(code.co_lines())
        starts = [r[0] for r in ranges]
        lines = [r[2] for r in ranges]
        table = _LINE_TABLES[id(code)] = (code, starts, lines)
    _code, starts, lines = table
    i = bisect.bisect_right(starts, offset) - 1
    line = lines[i] if i >= 0 else None
    return (code.co_filename, line if line is not None else code.co_firstlineno)


@functools.lru_cache(maxsize=256)
def _display_path(file: str, cwd: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(cwd))
    except ValueError:
        return file


def format_location(loc: tuple[str, int] | None, cwd: str | None = None) -> str:
    if loc is None:
        return "<unknown>"
    file, line = loc
    return f"{_display_path(file, cwd if cwd is not None else os.getcwd())}:{line}"


def register(resource: DeclaredResource) -> None:
    ctx = _current.get()
    if ctx is None:
        return
    key = f"{resource.type_token}::{resource.logical_name}"
    previous = ctx.resources.get(key)
    if previous is not None:
        raise GraphError(
            f"duplicate {type(resource).__name__} '{resource.logical_name}': declared at "
            f"{format_location(previous.source)} and again at {format_location(resource.source)}"
        )
    ctx.resources[key] = resource


def register_component(component: Declared) -> None:
    ctx = _current.get()
    if ctx is not None:
        ctx.components.append(component)


def find(type_token: str, logical_name: str) -> DeclaredResource | None:
    """The resource of the running program with that identity, if one is registered."""
    ctx = _current.get()
    return ctx.resources.get(f"{type_token}::{logical_name}") if ctx is not None else None


def add_export(name: str, value: Any) -> None:
    ctx = _current.get()
    if ctx is not None:
        ctx.exports[name] = value


def stack_dir() -> Path | None:
    ctx = _current.get()
    return ctx.stack_file.parent if ctx is not None else None
