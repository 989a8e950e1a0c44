"""The one piece of run-time context: the program being run.

The program runner (``dsspulumi.program``) opens a ``ProgramContext`` in a
contextvar for the duration of ``runpy``; resources, exports and config reads
find it here. Nothing else is global, so tests never have to reset anything.
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi.errors import GraphError

if TYPE_CHECKING:
    from dsspulumi.resource import Resource

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


@attrs.define
class ProgramContext:
    stack: str
    env: str
    stack_file: Path
    config: dict[str, Any] = attrs.field(factory=dict)
    resources: dict[str, Resource] = attrs.field(factory=dict)
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
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<attrs generated"):
            return (filename, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return None


@functools.lru_cache(maxsize=256)
def _display_path(file: str, cwd: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(cwd))
    except ValueError:
        return file


def format_location(loc: tuple[str, int] | None) -> str:
    if loc is None:
        return "<unknown>"
    file, line = loc
    return f"{_display_path(file, os.getcwd())}:{line}"


def register(resource: Resource) -> None:
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


def find(type_token: str, logical_name: str) -> Resource | None:
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
