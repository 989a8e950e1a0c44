"""``dss config set/get/rm/ls``: per stack and environment configuration."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dsspulumi.cli._groups import HELP
from dsspulumi.cli.common import (
    check_env,
    handle_errors,
    make_console,
    resolve_stack,
    stdin_is_terminal,
)
from dsspulumi.errors import ConfigError
from dsspulumi.output import MASK, Sealed

if TYPE_CHECKING:
    from dsspulumi.config import StackConfig

config_app = typer.Typer(
    help=HELP["config"],
    no_args_is_help=True,
    rich_markup_mode=None,
)

StackArg = Annotated[str, typer.Argument(help="Stack file, or a name resolved as stacks/STACK.py")]
KeyArg = Annotated[str, typer.Argument(help="NAMESPACE:KEY, or KEY in the stack's namespace")]
EnvOpt = Annotated[str, typer.Option("-e", "--env", help="Environment")]
ShowOpt = Annotated[bool, typer.Option("--show-secrets", help="Print secret values decrypted")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks")]


def _open(stack: str, env: str) -> StackConfig:
    from dsspulumi.config import StackConfig

    loc = resolve_stack(stack)
    return StackConfig.load(loc.file, loc.name, check_env(env))


def _parse(value: str) -> Any:
    """Numbers and booleans given on the command line are kept as strings, like Pulumi."""
    return value


@config_app.command("set")
def set_(
    stack: StackArg,
    key: KeyArg,
    value: Annotated[
        str | None,
        typer.Argument(
            help="The value; '-' reads it from stdin; omitted, it is asked for on a "
            "terminal and read from stdin otherwise"
        ),
    ] = None,
    secret: Annotated[bool, typer.Option("--secret", help="Store the value encrypted")] = False,
    env: EnvOpt = "dev",
    debug: DebugOpt = False,
) -> None:
    """Set a value (--secret encrypts it; the file never holds the plaintext)."""
    from dsspulumi.config import split_key

    with handle_errors(debug):
        config = _open(stack, env)
        value = _value_to_set(key, value, secret)
        config.set(key, _parse(value), secret=secret)
        config.save()
        ns, name = split_key(key, config.stack)
        typer.echo(f"set {ns}:{name}{' (secret)' if secret else ''} in {config.path}")


def _value_to_set(key: str, value: str | None, secret: bool) -> str:
    """The value given, typed at a prompt, or read from stdin; never a silent ''.

    Omitted, the value is asked for on a terminal (hidden for a secret) and read from stdin
    otherwise (``printf %s "$PW" | dss config set STACK KEY --secret``), as with '-'. It is
    never echoed.
    """
    if value is not None and value != "-":
        return value
    if value is None and stdin_is_terminal():
        import getpass

        prompt = f"Value for {key}: "
        return getpass.getpass(prompt) if secret else typer.prompt(prompt.rstrip(": "))
    piped = sys.stdin.read().rstrip("\n") if sys.stdin is not None else ""
    if piped:
        return piped
    if value == "-":
        raise typer.BadParameter(
            f"no value for {key} on stdin; to store an empty string, pass ''",
            param_hint="VALUE",
        )
    raise typer.BadParameter(
        f"missing for {key}: pass it as an argument, or pipe it on stdin (stdin is not a "
        "terminal and gave no value)",
        param_hint="VALUE",
    )


def _show(config: StackConfig, value: Any, show_secrets: bool) -> Any:
    if isinstance(value, Sealed):
        return config.reveal(value) if show_secrets else MASK
    return value


@config_app.command("get")
def get(
    stack: StackArg,
    key: KeyArg,
    env: EnvOpt = "dev",
    show_secrets: ShowOpt = False,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print one value (a secret prints as [secret] unless --show-secrets)."""
    from dsspulumi.config import split_key

    with handle_errors(debug):
        config = _open(stack, env)
        raw = config.raw(key)
        if raw is None:
            ns, name = split_key(key, config.stack)
            raise ConfigError(
                f"configuration '{ns}:{name}' is not set for {config.what} ({config.path})"
            )
        value = _show(config, raw, show_secrets)
        if json_out:
            typer.echo(json.dumps({"key": key, "value": value, "secret": isinstance(raw, Sealed)}))
        else:
            typer.echo(value if isinstance(value, str) else json.dumps(value))


@config_app.command("rm")
def rm(stack: StackArg, key: KeyArg, env: EnvOpt = "dev", debug: DebugOpt = False) -> None:
    """Remove a value."""
    with handle_errors(debug):
        config = _open(stack, env)
        if not config.remove(key):
            raise ConfigError(f"configuration {key!r} is not set for {config.what}")
        config.save()
        typer.echo(f"removed {key} from {config.path}")


@config_app.command("ls")
def ls(
    stack: StackArg,
    env: EnvOpt = "dev",
    show_secrets: ShowOpt = False,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """All values of the stack environment (secrets masked unless --show-secrets)."""
    from rich.markup import escape
    from rich.table import Table

    with handle_errors(debug):
        config = _open(stack, env)
        rows = [
            (f"{ns}:{name}", _show(config, value, show_secrets), isinstance(value, Sealed))
            for ns, table in config.namespaces().items()
            for name, value in table.items()
        ]
        if json_out:
            typer.echo(json.dumps({k: {"value": v, "secret": s} for k, v, s in rows}, indent=2))
            return
        if not rows:
            typer.echo(f"no configuration for {config.what} ({config.path})")
            return
        table = Table(box=None, header_style="bold")
        table.add_column("KEY")
        table.add_column("VALUE")
        for k, v, _s in rows:
            table.add_row(k, escape(v if isinstance(v, str) else json.dumps(v)))
        make_console().print(table)
