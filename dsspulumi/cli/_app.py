"""The typer application: the root command and its command groups (see ``dsspulumi.cli``)."""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.core
import typer.main
import typer.models

from dsspulumi.cli import _coercion, version_text
from dsspulumi.cli.apply import destroy, preview, refresh, up

# Command groups built when named (or listed by --help): `dss preview` does not import
# the modules of `dss stack`, `dss config` and `dss sandbox`, nor build their commands.
_GROUPS = {
    "stack": ("dsspulumi.cli.stack_cmd", "stack_app"),
    "config": ("dsspulumi.cli.config_cmd", "config_app"),
    "sandbox": ("dsspulumi.cli.sandbox_cmd", "sandbox_app"),
}


class _Pending(typer.core.TyperCommand):
    """Stands for a command group that is not built yet."""


class _RootGroup(typer.core.TyperGroup):
    """The root command; its groups are built the way ``app.add_typer`` would build them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _GROUPS:  # listed (help, "did you mean"), built by get_command
            self.commands.setdefault(name, _Pending(name=name))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in _GROUPS and isinstance(self.commands.get(cmd_name), _Pending):
            module, attr = _GROUPS[cmd_name]
            sub = getattr(importlib.import_module(module), attr)
            self.commands[cmd_name] = typer.main.get_group_from_info(
                typer.models.TyperInfo(sub, name=cmd_name),
                pretty_exceptions_short=app.pretty_exceptions_short,
                suggest_commands=app.suggest_commands,
                rich_markup_mode=app.rich_markup_mode,
            )
        return super().get_command(ctx, cmd_name)


_coercion.install()  # no pydantic import for values that need no coercion

app = typer.Typer(
    name="dss",
    cls=_RootGroup,
    help="Infrastructure as code for Dataiku DSS: preview, apply and destroy stacks.",
    no_args_is_help=True,
    add_completion=False,
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
