"""Typer's parameter coercion, without importing pydantic for values that need none.

typer 0.29 coerces every parameter value through a pydantic ``TypeAdapter``: the
first command parameter imports pydantic (and its plugin loader, which reads every
installed distribution's metadata), ~150 ms of a `dss preview` that otherwise takes
a few hundred. Most values need no coercion at all: the stack name is already a
``str``, ``--parallel``'s default is already an ``int`` in range.

``install()`` makes typer build, per parameter, a coercer that returns such values
unchanged and hands every other value to the coercer typer would have built (built
on first need), so anything typed on the command line is converted, validated and
reported exactly as typer does. It changes nothing with another typer than the one
it was written against (pyproject pins typer 0.29).
"""

from __future__ import annotations

import functools
from typing import Any, Literal, get_args, get_origin


def _unchanged(descriptor: Any, value: Any) -> bool:
    """Whether typer's coercion certainly returns ``value`` as it is."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return False
    annotation = descriptor.annotation
    if annotation is str:
        return type(value) is str and not descriptor.is_path
    if get_origin(annotation) is Literal:  # a choice such as --format: a str among them
        return type(value) is str and value in get_args(annotation)
    if annotation is int or annotation is float:
        if type(value) is not annotation or info.clamp:
            return False
        return (info.min is None or value >= info.min) and (info.max is None or value <= info.max)
    return False


@functools.cache  # once per process: a second install would wrap typer's code twice
def install() -> None:
    try:
        import typer
        from typer import _coercion, core
    except ImportError:  # pragma: no cover - typer is a dependency
        return
    build: Any = getattr(core, "build_runtime_param", None)
    base: Any = getattr(_coercion, "RuntimeParam", None)
    if not typer.__version__.startswith("0.29.") or build is None or base is None:
        return

    class DeferredRuntimeParam(base):
        """Values that need no coercion pass; the others go to typer's own coercer."""

        def __init__(self, descriptor: Any) -> None:
            # typer's RuntimeParam is a frozen dataclass
            object.__setattr__(self, "descriptor", descriptor)
            object.__setattr__(self, "annotation", descriptor.annotation)
            object.__setattr__(self, "parameter_info", descriptor.parameter_info)
            object.__setattr__(self, "_real", None)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if _unchanged(self.descriptor, value):
                return value
            if self._real is None:
                object.__setattr__(self, "_real", build(self.descriptor))
            return self._real._coerce_value(value, param=param, ctx=ctx)

    core.build_runtime_param = DeferredRuntimeParam
