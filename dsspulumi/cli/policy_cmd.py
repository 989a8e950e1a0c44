"""``dss policy``: the rules of the enabled packs, and a check of live projects.

``dss policy ls`` lists the rules; ``dss policy check --project KEY`` runs them on projects
no stack manages (read with GET calls only, as ``dss import project`` reads them): one row
per violation, exit 1 when a mandatory rule is broken.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from dsspulumi.cli._groups import HELP
from dsspulumi.cli.apply import AdvisoryOnlyOpt, DebugOpt, DssUrlOpt, EnvOpt, JsonOpt, PolicyPackOpt
from dsspulumi.cli.common import check_env, consoles, handle_errors
from dsspulumi.errors import ConfigError

policy_app = typer.Typer(help=HELP["policy"], no_args_is_help=True, rich_markup_mode=None)


def _check(packs: list[str] | None, env: str, advisory_only: bool = False) -> Any:
    from dsspulumi import policy

    check = policy.enabled(
        packs or [], start=Path.cwd(), env=check_env(env), advisory_only=advisory_only
    )
    if check is None:
        raise ConfigError(
            "no policy pack enabled: pass --policy-pack PATH_OR_MODULE (for instance "
            "dsspulumi.policy.recommended), or list packs in [tool.dsspulumi] policy_packs "
            "of pyproject.toml"
        )
    return check


@policy_app.command("ls")
def ls(
    policy_pack: PolicyPackOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the rules of the enabled packs, with severity and description."""
    with handle_errors(debug):
        check = _check(policy_pack, "dev")
        if json_out:
            from dsspulumi.display.jsonout import dumps

            rows = [
                {
                    "pack": p.name,
                    "rule": r.name,
                    "severity": r.severity,
                    "kinds": [k.__name__ for k in r.kinds],
                    "stack": r.stack,
                    "description": r.description,
                }
                for p, r in check.rules
            ]
            typer.echo(dumps({"packs": [p.name for p in check.packs], "rules": rows}))
            return
        from dsspulumi.display.policy import rules_table

        consoles(False).out.print(rules_table(check))


@contextlib.contextmanager
def _registry(dss_url: str | None) -> Any:
    """DSS as ``dss about`` finds it without a stack: --dss-url > DKU_DSS_URL, DKU_API_KEY."""
    from dsspulumi.providers.dss import DssProviders

    url = dss_url or os.environ.get("DKU_DSS_URL")
    if not url:
        raise ConfigError("no DSS URL: pass --dss-url, or set DKU_DSS_URL (and DKU_API_KEY)")
    key = os.environ.get("DKU_API_KEY", "")
    if url == "sandbox":
        from dsspulumi.sandbox import Sandbox
        from dsspulumi.session import EMBEDDED_SANDBOX_DIR

        EMBEDDED_SANDBOX_DIR.mkdir(parents=True, exist_ok=True)
        with Sandbox(data_dir=EMBEDDED_SANDBOX_DIR) as sandbox:
            registry = DssProviders(sandbox.url, sandbox.api_key)
            registry.check_connection()
            yield registry
        return
    if not key:
        raise ConfigError(f"no DSS API key for {url}: set DKU_API_KEY")
    registry = DssProviders(url, key)
    registry.check_connection()
    yield registry


@policy_app.command("check")
def check(
    project: Annotated[
        list[str] | None, typer.Option("--project", help="Key of a project to check; repeatable")
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all-projects", help="Check every project of the instance")
    ] = False,
    policy_pack: PolicyPackOpt = None,
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    dss_url: DssUrlOpt = None,
    policy_advisory_only: AdvisoryOnlyOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the rules on live DSS projects, stack or not. Writes nothing anywhere.

    Each project is read as dss import project reads it and rebuilt as typed resources;
    -e/--env is the environment the rules are told (rules about prod need -e prod).
    Exit code 1 when a mandatory rule is violated.
    """
    from dsspulumi.display.policy import blocked_message, check_row, check_table
    from dsspulumi.policy import declared_of, live

    with handle_errors(debug):
        if not project and not all_projects:
            raise typer.BadParameter(
                "name projects with --project KEY, or check them all with --all-projects",
                param_hint="--project",
            )
        checker = _check(policy_pack, env, policy_advisory_only)
        io = consoles(json_out)
        with _registry(dss_url) as registry:
            keys = (
                live.project_keys(registry) if all_projects else list(dict.fromkeys(project or []))
            )
            violations: list[Any] = []
            skipped: dict[str, list[str]] = {}
            for key in keys:
                found = live.read(registry, key)
                violations += checker.evaluate(declared_of(found.resources), mode="check")
                if found.skipped:
                    skipped[key] = found.skipped
        if json_out:
            from dsspulumi.display.jsonout import dumps

            doc = {
                "projects": keys,
                "env": env,
                "packs": [p.name for p in checker.packs],
                "violations": [check_row(v) for v in violations],
                "not_checked": skipped,
            }
            typer.echo(dumps(doc))
        elif violations:
            io.out.print(check_table(violations))
        else:
            rules = len(checker.rules)
            io.out.print(f"{len(keys)} project(s): {rules} rule(s) passed, no violation")
        if checker.blocks(violations):
            from rich.markup import escape

            io.err.print(
                f"[bold red]error:[/bold red] {escape(blocked_message(violations, kind='check'))}"
            )
            raise typer.Exit(1)
