"""``dss selftest``: check the tool against your own DSS, kind by kind (``dsspulumi.selftest``)."""

from __future__ import annotations

import contextlib
import json
import os
from typing import Annotated

import typer

from dsspulumi.cli.apply import DebugOpt, JsonOpt
from dsspulumi.cli.common import handle_errors

PREFIX_HELP = (
    "Start of the throwaway project key (upper-case letters, digits, '_'); instance objects "
    "are named after that key too"
)


def selftest(
    dss_url: Annotated[
        str | None,
        typer.Option(
            "--dss-url",
            help="DSS URL (default: DKU_DSS_URL), or sandbox for an in-memory sandbox",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="API key (default: DKU_API_KEY). An admin's key also checks the instance "
            "kinds: connections, groups, users, code envs, instance variables",
        ),
    ] = None,
    project_prefix: Annotated[
        str, typer.Option("--project-prefix", help=PREFIX_HELP)
    ] = "ZZ_SELFTEST_",
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify the DSS TLS certificate")
    ] = False,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check dsspulumi against a DSS, kind by kind (throwaway objects).

    Each kind is created, read back and compared field by field, updated, changed by hand
    (drift must be reported) and deleted. Every object is created in a throwaway project
    (and, with an admin key, throwaway instance objects), all removed at the end, even
    after a failure or Ctrl-C. Prints one line per kind: ok, or what differed. Exit code 0
    when every kind is ok, 1 otherwise (130 after Ctrl-C).
    """
    from dsspulumi.errors import ConfigError
    from dsspulumi.selftest import SelfTest

    with handle_errors(debug), contextlib.ExitStack() as stack:
        url = dss_url or os.environ.get("DKU_DSS_URL")
        key = api_key or os.environ.get("DKU_API_KEY")
        if not url:
            raise ConfigError("no DSS URL: pass --dss-url or set DKU_DSS_URL")
        if url == "sandbox":  # an in-memory sandbox of this process: a demonstration
            from dsspulumi.sandbox import Sandbox

            sandbox = stack.enter_context(Sandbox(code_env_seconds=0.1))
            url, key = sandbox.url, key or sandbox.api_key
        if not key:
            raise ConfigError(f"no DSS API key for {url}: pass --api-key or set DKU_API_KEY")

        def progress(message: str) -> None:
            if not json_out:
                typer.echo(f"... {message}", err=True)

        test = SelfTest(
            url, key, prefix=project_prefix, verify_tls=not insecure, on_progress=progress
        )
        report = test.run()
        if json_out:
            typer.echo(json.dumps(report.to_json(), indent=2, default=str))
        else:
            who = "an admin key" if report.admin else "a non-admin key"
            typer.echo(f"dss selftest against {report.dss_url} ({who}), project {report.project}")
            for line in report.lines():
                typer.echo(line)
        if report.interrupted:
            raise typer.Exit(130)
        raise typer.Exit(0 if report.ok else 1)
