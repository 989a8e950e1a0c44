"""The ``dss`` command line (typer). One module per command group."""

from __future__ import annotations

import typer

from dsspulumi.cli.apply import destroy, preview, refresh, up
from dsspulumi.cli.config_cmd import config_app
from dsspulumi.cli.sandbox_cmd import sandbox_app
from dsspulumi.cli.stack_cmd import stack_app

app = typer.Typer(
    name="dss",
    help="Infrastructure as code for Dataiku DSS: preview, apply and destroy stacks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dsspulumi {version('dsspulumi')}")
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
app.add_typer(stack_app, name="stack")
app.add_typer(config_app, name="config")
app.add_typer(sandbox_app, name="sandbox")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside any command body (while importing, parsing)
        raise SystemExit(130) from None
