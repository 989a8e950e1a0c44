"""``dss sandbox serve``: the DSS sandbox as an HTTP server, for CI and for trying things."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dsspulumi.cli.common import handle_errors

sandbox_app = typer.Typer(
    help="The DSS sandbox: a local server that speaks the DSS REST API.",
    no_args_is_help=True,
    rich_markup_mode=None,

)


@sandbox_app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port (0 picks a free one)")] = 11200,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key clients must send (random if unset)")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Folder that keeps the content across restarts")
    ] = None,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", help="Delay added per request")
    ] = 0.0,
    fail_rate: Annotated[
        float,
        typer.Option("--fail-rate", min=0.0, max=1.0, help="Share of API calls that fail (500)"),
    ] = 0.0,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Serve the sandbox until interrupted; prints its URL and API key."""
    from dsspulumi.sandbox import Sandbox

    with handle_errors(debug):
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
            )
            sandbox.start()
        except OSError as exc:
            from dsspulumi.errors import DssPulumiError

            raise DssPulumiError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        typer.echo(f"DSS sandbox listening on {sandbox.url}", err=False)
        typer.echo(f"  DKU_DSS_URL={sandbox.url}")
        typer.echo(f"  DKU_API_KEY={sandbox.api_key}")
        if data is not None:
            typer.echo(f"  data kept in {data}")
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
