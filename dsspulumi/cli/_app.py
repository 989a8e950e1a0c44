"""The typer application: the root command and its command groups (see ``dsspulumi.cli``)."""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.core
import typer.main
import typer.models

from dsspulumi.cli import _coercion, _help
from dsspulumi.cli._groups import COMMANDS, GROUPS, HELP
from dsspulumi.cli._version import version_text
from dsspulumi.cli.apply import destroy, preview, refresh, up

# Command groups built when named (`dss preview` does not import the modules of `dss stack`,
# `dss config` and `dss sandbox`, nor build their commands); `dss --help` lists them by
# their help (``_groups.HELP``) without building them either.
_GROUPS = GROUPS


class _Pending(typer.core.TyperCommand):
    """Stands for a command group that is not built yet; it carries the group's help."""


def _build_group(name: str) -> Any:
    """The click group of ``name``, as ``app.add_typer(sub_app, name=name)`` would build it.

    A top-level command of ``_groups.COMMANDS`` is built as ``app.command(name)`` would.
    """
    if name in COMMANDS:
        module, attr = COMMANDS[name]
        func = getattr(importlib.import_module(module), attr)
        return typer.main.get_command_from_info(
            typer.models.CommandInfo(name=name, callback=func),
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
        )
    module, attr = _GROUPS[name]
    sub = getattr(importlib.import_module(module), attr)
    return typer.main.get_group_from_info(
        typer.models.TyperInfo(sub, name=name),
        pretty_exceptions_short=app.pretty_exceptions_short,
        suggest_commands=app.suggest_commands,
        rich_markup_mode=app.rich_markup_mode,
    )


class _LazyCommands(dict[str, Any]):
    """Command name -> command; a group still pending is built when its value is read.

    Names (listing, "did you mean") need no building; ``get``, ``[]``, ``values`` and
    ``items`` (running, help, anything that walks the tree) build what they return.
    """

    # While the root help lists the commands, a pending group is shown as it stands: its
    # name and help are all a listing needs, and they are the group's own (``_groups.HELP``).
    listing = False

    def __getitem__(self, name: str) -> Any:
        value = super().__getitem__(name)
        if isinstance(value, _Pending) and not self.listing:
            value = _build_group(name)
            super().__setitem__(name, value)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def values(self) -> Any:
        return [self[name] for name in self]

    def items(self) -> Any:
        return [(name, self[name]) for name in self]


class _RootGroup(typer.core.TyperGroup):
    """The root command: its command groups are built when needed (see ``_LazyCommands``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commands = _LazyCommands(self.commands)
        for name in [*_GROUPS, *COMMANDS]:
            commands.setdefault(name, _Pending(name=name, help=HELP[name]))
        self.commands = commands

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        commands = self.commands
        if not isinstance(commands, _LazyCommands):
            super().format_commands(ctx, formatter)
            return
        commands.listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            commands.listing = False


_coercion.install()  # no pydantic import for values that need no coercion
_help.install()  # STACK, TEXT, INTEGER in help, and no description cut short

app = typer.Typer(
    name="dss",
    cls=_RootGroup,
    help="Infrastructure as code for Dataiku DSS: preview, apply and destroy stacks.",
    no_args_is_help=True,
    # typer's shell completion: `dss --install-completion` / `--show-completion`; completing
    # a name builds only the lazy commands and groups that match it (``_LazyCommands``).
    add_completion=True,
    # Plain click help (CI-friendly; also, typer's rich help imports rich.markdown and
    # markdown-it, which alone take longer than the whole `dss --help` budget, 150 ms).
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit"
    ),
) -> None:
    """Infrastructure as code for Dataiku DSS: preview, apply and destroy stacks."""


app.command("preview")(preview)
app.command("up")(up)
app.command("destroy")(destroy)
app.command("refresh")(refresh)
