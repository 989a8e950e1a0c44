"""Help text in the conventions every command line uses, and that scripts and docs quote.

typer 0.29 writes a value's form as a Python type (``--env <str>``, ``--target
<list[str]>``, ``--parallel <int range>``) and a required argument in braces (``dss up
[OPTIONS] {stack}``), and click cuts a command's one-line help at the width left in the
listing (``record it in the...``). ``install()`` makes typer write them as click and most
tools do: arguments in capitals (``STACK``, ``[VALUE]``), values as ``TEXT``, ``INTEGER``,
``FLOAT``, ``PATH``, ``INTEGER RANGE``, choices as ``[a|b]``, and a command's help in the
listing as its whole first sentence, wrapped rather than cut. It changes nothing with
another typer than the one it was written against (pyproject pins typer 0.29); the test of
every command's help (tests/cli/test_help.py) then fails, which is the point.
"""

from __future__ import annotations

import functools
from typing import Any, get_args, get_origin

# A value's Python type -> its name in help, as click names its own types.
_NAMES = {str: "TEXT", int: "INTEGER", float: "FLOAT", bool: "BOOLEAN"}


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) is list:  # a repeatable option: each value is one of these
        (item,) = get_args(annotation) or (str,)
        return _type_name(item)
    if annotation in _NAMES:
        return _NAMES[annotation]
    return getattr(annotation, "__name__", str(annotation)).upper()


def value_form(param: Any) -> str:
    """How an option's value is written in help: ``TEXT``, ``INTEGER RANGE``, ``[a|b]``."""
    desc = param.type_descriptor
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
    if desc.is_tuple:
        return " ".join(_type_name(a) for a in get_args(desc.annotation))
    if desc.is_datetime:
        formats = desc.parameter_info.formats
        return "[" + "|".join(formats) + "]" if formats else "DATETIME"
    if desc.is_ranged:
        return f"{_type_name(desc.annotation)} RANGE"
    if desc.is_file:
        return "FILENAME"
    if desc.is_path:
        return {"file": "FILE", "dir": "DIRECTORY"}.get(desc.path_type, "PATH")
    return _type_name(desc.annotation)


@functools.cache  # once per process: a second install would wrap typer's code twice
def install() -> None:
    try:
        import typer
        from typer import core
        from typer._click import core as click_core
        from typer._click.utils import make_default_short_help
    except ImportError:  # pragma: no cover - typer is a dependency
        return
    if not typer.__version__.startswith("0.29."):
        return

    def display_type(self: Any, ctx: Any) -> str:
        return value_form(self)

    def argument_name(self: Any) -> str:
        return str(self.metavar) if self.metavar is not None else str(self.name).upper()

    def argument_usage(self: Any) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    def short_help(self: Any, limit: int = 45) -> str:
        # The first sentence, whole: the listing wraps it instead of cutting it short.
        if self.short_help or not self.help:
            return str(original_short_help(self, limit))
        return str(make_default_short_help(self.help, 1_000_000)).strip()

    original_short_help = click_core.Command.get_short_help_str
    argument: Any = core.TyperArgument
    argument.display_name_raw = property(argument_name)
    argument.display_type_rich = lambda self, ctx: None  # the name says it all
    argument._usage_display_name = argument_usage
    parameter: Any = core._TyperParameter
    parameter.display_type = display_type
    command: Any = click_core.Command
    command.get_short_help_str = short_help
