"""``dss stack …``: list, history, output, export, import, rm, unlock."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dsspulumi.cli._groups import HELP
from dsspulumi.cli.common import (
    check_env,
    handle_errors,
    make_console,
    resolve_backend_url,
    resolve_stack,
    stack_folder,
)
from dsspulumi.errors import ConfigError, DssPulumiError

if TYPE_CHECKING:
    from dsspulumi.automation import Stack
    from dsspulumi.backends.base import Backend

stack_app = typer.Typer(
    help=HELP["stack"],
    no_args_is_help=True,
    rich_markup_mode=None,
)

NameArg = Annotated[str, typer.Argument(help="Stack name (or its stack file)")]
EnvOpt = Annotated[str, typer.Option("-e", "--env", help="Environment")]
BackendOpt = Annotated[str | None, typer.Option("--backend", help="State backend URL")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite or remove even when the command would refuse")
]


def _name(arg: str) -> str:
    name = Path(arg).stem if arg.endswith(".py") else arg
    if not name or "/" in name:
        raise ConfigError(f"invalid stack name {arg!r}")
    return name


def _backend(stack: str, backend: str | None) -> Backend:
    """The backend holding ``stack``'s state: --backend, else what its folder configures."""
    from dsspulumi.backends import open_backend

    return open_backend(resolve_backend_url(backend, stack_folder(stack)))


def _stack(arg: str, env: str, backend: str | None) -> Stack:
    """The automation Stack of ``arg`` for reading its state: no program, and the backend
    --backend names, else what the stack file's folder configures."""
    from dsspulumi.automation import Stack

    name, env = _name(arg), check_env(env)
    url = resolve_backend_url(backend, stack_folder(arg))
    return Stack(name, env=env, backend=url, command="dss")


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


@stack_app.command("ls")
def ls(backend: BackendOpt = None, json_out: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Stacks and environments in the backend, with resource counts and last update."""
    from rich.markup import escape
    from rich.table import Table

    from dsspulumi import admin
    from dsspulumi.backends import open_backend

    with handle_errors(debug):
        b = open_backend(resolve_backend_url(backend))
        rows = admin.list_stacks(b)
        if json_out:
            typer.echo(json.dumps([_row(r) for r in rows], indent=2))
            return
        if not rows:
            typer.echo(f"no stacks in {b.url}")
            return
        table = Table(box=None, header_style="bold")
        for col in ("STACK", "ENV", "RESOURCES", "LAST UPDATE", "BY", "RESULT"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r.stack,
                r.env,
                "-" if r.error else str(r.resources),
                _when(r.updated_at),
                r.updated_by or "-",
                r.status if r.error else (r.last_result or "-"),
            )
        make_console().print(table)
        err = make_console(stderr=True)
        for r in rows:
            if r.error:
                # RESULT is the last run's; say why the state itself cannot be read now.
                hint = f"; {r.hint}" if r.hint else ""
                err.print(
                    f"[yellow]note:[/yellow] {escape(r.stack)} (env {escape(r.env)}) is "
                    f"unreadable: {escape(r.error)}{escape(hint)}",
                    soft_wrap=True,
                )


def _row(r: Any) -> dict[str, Any]:
    import attrs

    return attrs.asdict(r)


@stack_app.command("history")
def history(
    stack: NameArg,
    env: EnvOpt = "dev",
    show: Annotated[
        int | None, typer.Option("--show", help="Print the state saved as entry N")
    ] = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Completed updates of a stack, oldest first; --show N prints that version's state."""
    from rich.table import Table

    with handle_errors(debug):
        st = _stack(stack, env, backend)
        name, env = st.name, st.env
        if show is not None:
            sys.stdout.buffer.write(st.saved_state(show))
            sys.stdout.write("\n")
            return
        entries = st.history()
        if json_out:
            typer.echo(json.dumps([e.to_json() for e in entries], indent=2))
            return
        if not entries:
            typer.echo(f"no history for stack '{name}' (env '{env}')")
            return
        table = Table(box=None, header_style="bold")
        for col in ("VERSION", "KIND", "RESULT", "FINISHED", "BY", "CHANGES", "RESOURCES"):
            table.add_column(col)
        for e in entries:
            changes = ", ".join(f"{k} {v}" for k, v in e.summary.items() if k != "same") or "-"
            raw = e.to_json()
            table.add_row(
                str(raw["version"]),
                raw.get("kind", "-"),
                raw.get("result", "-"),
                _when(raw.get("finished_at")),
                f"{raw.get('user', '-')}@{raw.get('host', '-')}",
                changes,
                str(raw.get("resources", "-")),
            )
        make_console().print(table)


@stack_app.command("output")
def output(
    stack: NameArg,
    name: Annotated[str | None, typer.Argument(help="One output")] = None,
    env: EnvOpt = "dev",
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Print secret outputs decrypted")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """The stack's exported values (dss.export); secrets as [secret] unless --show-secrets."""
    with handle_errors(debug):
        st = _stack(stack, env, backend)
        stack_name, env = st.name, st.env
        outputs = st.outputs(show_secrets=show_secrets)
        if name is not None:
            if name not in outputs:
                raise DssPulumiError(
                    f"stack '{stack_name}' (env '{env}') has no output {name!r}; it has: "
                    f"{', '.join(sorted(outputs)) or 'none'}"
                )
            value = outputs[name]
            typer.echo(json.dumps(value) if json_out or not isinstance(value, str) else value)
            return
        if json_out:
            typer.echo(json.dumps(outputs, indent=2))
            return
        if not outputs:
            typer.echo(
                f"stack '{stack_name}' (env '{env}') has no outputs; a stack program exports "
                "values with dss.export(name, value)"
            )
            return
        for key, value in outputs.items():
            typer.echo(f"{key}: {json.dumps(value)}")


@stack_app.command("export")
def export(
    stack: NameArg, env: EnvOpt = "dev", backend: BackendOpt = None, debug: DebugOpt = False
) -> None:
    """Print the stack's state as JSON (to move it, back it up, or inspect it)."""
    from dsspulumi import admin

    with handle_errors(debug):
        b = _backend(stack, backend)
        typer.echo(json.dumps(admin.export_state(b, _name(stack), check_env(env)), indent=1))


@stack_app.command("import")
def import_(
    stack: NameArg,
    file: Annotated[Path, typer.Argument(help="A state JSON file (from dss stack export)")],
    env: EnvOpt = "dev",
    force: ForceOpt = False,
    rename_from: Annotated[
        str | None,
        typer.Option(
            "--rename-from",
            help="Take in another stack's export under this name: the stack FILE belongs to",
        ),
    ] = None,
    backend: BackendOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Replace the stack's state with FILE, an export of this stack and environment.

    FILE is validated first; --force replaces an existing state; --rename-from takes in an
    export of another stack (or environment) and rewrites its URNs.
    """
    from dsspulumi import admin

    with handle_errors(debug):
        try:
            data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        except OSError as exc:
            raise DssPulumiError(f"cannot read {file}: {exc.strerror}") from None
        b = _backend(stack, backend)
        state = admin.import_state(
            b,
            _name(stack),
            check_env(env),
            data,
            source=str(file),
            force=force,
            rename_from=rename_from,
        )
        typer.echo(
            f"imported {len(state.resources)} resource(s) into stack "
            f"'{state.stack}' (env '{state.env}') at {b.where(state.stack, state.env)}"
        )


@stack_app.command("rm")
def rm(
    stack: NameArg,
    env: EnvOpt = "dev",
    force: ForceOpt = False,
    backend: BackendOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Remove a stack environment's state (refused while it manages resources, unless --force)."""
    from dsspulumi import admin

    with handle_errors(debug):
        name, env = _name(stack), check_env(env)
        b = _backend(stack, backend)
        forgotten = admin.remove_stack(b, name, env, force=force)
        extra = f"; {forgotten} resource(s) left in DSS, no longer managed" if forgotten else ""
        typer.echo(f"removed stack '{name}' (env '{env}'){extra}")


@stack_app.command("unlock")
def unlock(
    stack: NameArg,
    env: EnvOpt = "dev",
    force: ForceOpt = False,
    backend: BackendOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Remove an abandoned lock (one that looks alive needs --force)."""
    from rich.markup import escape

    from dsspulumi import admin

    with handle_errors(debug):
        b = _backend(stack, backend)
        typer.echo(escape(admin.unlock(b, _name(stack), check_env(env), force=force)))


@stack_app.command("init")
def init(
    stack: Annotated[str, typer.Argument(help="Stack file, or a name resolved as stacks/STACK.py")],
    env: EnvOpt = "dev",
    secrets_provider: Annotated[
        str, typer.Option("--secrets-provider", help="passphrase, or awskms://alias/NAME")
    ] = "passphrase",
    debug: DebugOpt = False,
) -> None:
    """Choose how the secrets of a stack environment are encrypted."""
    from dsspulumi.config import StackConfig

    with handle_errors(debug):
        loc = resolve_stack(stack)
        config = StackConfig.load(loc.file, loc.name, check_env(env))
        existing = config.settings()
        if existing is not None:
            raise DssPulumiError(
                f"{config.what} already has a secrets provider ({existing.provider}); "
                f"use `dss stack change-secrets-provider {loc.name} NEW -e {env}`"
            )
        config.init_secrets(secrets_provider)
        config.save()
        typer.echo(f"{config.what}: secrets provider {secrets_provider} set in {config.path}")


@stack_app.command("change-secrets-provider")
def change_secrets_provider(
    stack: Annotated[str, typer.Argument(help="Stack file, or a name resolved as stacks/STACK.py")],
    provider: Annotated[str, typer.Argument(help="passphrase, or awskms://alias/NAME")],
    env: EnvOpt = "dev",
    backend: BackendOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Re-encrypt the config's secrets and the state's with a new provider."""
    from dsspulumi import admin
    from dsspulumi.config import StackConfig

    with handle_errors(debug):
        loc = resolve_stack(stack)
        env = check_env(env)
        config = StackConfig.load(loc.file, loc.name, env)
        b = _backend(stack, backend)
        count = admin.change_secrets_provider(b, config, provider)
        typer.echo(
            f"{config.what}: secrets now encrypted with {provider} "
            f"(config {config.path}; state: {count} resource(s)). History entries written "
            "before keep their old encryption."
        )
