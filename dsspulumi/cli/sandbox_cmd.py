"""``dss sandbox serve``: the DSS sandbox as an HTTP server, for CI and for trying things."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dsspulumi.cli._groups import HELP
from dsspulumi.cli.common import handle_errors

sandbox_app = typer.Typer(
    help=HELP["sandbox"],
    no_args_is_help=True,
    rich_markup_mode=None,
)

FAIL_RATE_HELP = (
    "Share of API calls that fail (0 to 1). By default each failure is drawn evenly from "
    "three kinds (see --fail-mix): 'before' = a 500 before the call ran (nothing changed), "
    "'after' = a 500 after the change was made (the answer is lost), 'drop' = the change is "
    "made and the connection closes with no answer. /__sandbox__/ calls never fail."
)


@sandbox_app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port (0 picks a free one)")] = 11200,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key clients must send (random if unset)")
    ] = None,
    user_api_key: Annotated[
        str | None,
        typer.Option(
            "--user-api-key",
            help="API key of the non-admin user sandbox_user (refused on /admin/ endpoints; "
            "random if unset)",
        ),
    ] = None,
    code_env_seconds: Annotated[
        float,
        typer.Option("--code-env-seconds", min=0.0, help="How long a code env creation takes"),
    ] = 1.0,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Folder that keeps the content across restarts (SQLite, dss-sandbox.db; an "
            "old dss-sandbox.json is migrated on first start). Unset: in memory.",
        ),
    ] = None,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", help="Delay added per request")
    ] = 0.0,
    fail_rate: Annotated[
        float, typer.Option("--fail-rate", min=0.0, max=1.0, help=FAIL_RATE_HELP)
    ] = 0.0,
    fail_mix: Annotated[
        str,
        typer.Option(
            "--fail-mix",
            help="Comma-separated failure kinds --fail-rate draws from: before, after, drop",
        ),
    ] = "before,after,drop",
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed for --fail-rate (reproducible runs)")
    ] = None,
    edition: Annotated[
        str,
        typer.Option(
            "--edition",
            help="DSS edition imitated: enterprise or free (free refuses Enterprise features)",
        ),
    ] = "enterprise",
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log",
            help="Print one line per request on stderr: method, path, status, duration "
            "(unknown routes marked '(unmatched route)')",
        ),
    ] = False,
    creation_keeps_fields: Annotated[
        str,
        typer.Option(
            "--creation-keeps-fields",
            help="yes: creation calls keep every field they carry (mark, description, code, "
            "definition...); no: they keep only the basics, as a DSS that drops the rest would",
        ),
    ] = "no",
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Serve the sandbox until interrupted; prints its URL and API keys (admin, non-admin)."""
    from dsspulumi.errors import DssPulumiError
    from dsspulumi.sandbox import Sandbox
    from dsspulumi.sandbox.server import stderr_access_log

    with handle_errors(debug):
        if edition not in ("enterprise", "free"):
            raise DssPulumiError(f"--edition must be 'enterprise' or 'free' (got {edition!r})")
        if creation_keeps_fields not in ("yes", "no"):
            raise DssPulumiError(
                f"--creation-keeps-fields must be 'yes' or 'no' (got {creation_keeps_fields!r})"
            )
        mix = tuple(m.strip() for m in fail_mix.split(",") if m.strip())
        if data is not None:
            data.mkdir(parents=True, exist_ok=True)
        try:
            sandbox = Sandbox(
                api_key=api_key,
                data_dir=data,
                host=host,
                port=port,
                latency_ms=latency_ms,
                fail_rate=fail_rate,
                seed=seed,
                fail_mix=mix,
                edition=edition,
                access_log=stderr_access_log() if access_log else None,
                user_api_key=user_api_key,
                code_env_seconds=code_env_seconds,
                creation_keeps_fields=creation_keeps_fields == "yes",
            )
        except ValueError as exc:
            raise DssPulumiError(str(exc)) from None
        try:
            sandbox.start()
        except OSError as exc:
            raise DssPulumiError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        typer.echo(f"DSS sandbox listening on {sandbox.url}", err=False)
        typer.echo(f"  DKU_DSS_URL={sandbox.url}")
        typer.echo(f"  DKU_API_KEY={sandbox.api_key}")
        typer.echo(f"  non-admin key (user sandbox_user): {sandbox.user_api_key}")
        if data is not None:
            typer.echo(f"  data kept in {data}")
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
