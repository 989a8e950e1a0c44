"""``dss about``: versions, backend, DSS target, and whether the target answers."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from dsspulumi.cli.apply import BackendOpt, DebugOpt, DssUrlOpt, EnvOpt, JsonOpt
from dsspulumi.cli.common import (
    check_env,
    handle_errors,
    resolve_backend,
    resolve_stack,
    stack_folder,
)


def _target(stack: str | None, env: str, dss_url: str | None) -> dict[str, Any]:
    """The DSS target as dss up would resolve it (a STACK adds its config's dss:url)."""
    from dsspulumi.about import check_target
    from dsspulumi.errors import ConfigError

    url: str | None
    source: str | None
    key: str | None
    if stack is not None:
        from dsspulumi.config import StackConfig, resolve_dss_target

        loc = resolve_stack(stack)
        config = StackConfig.load(loc.file, loc.name, check_env(env))
        try:
            target = resolve_dss_target(config, cli_url=dss_url)
        except ConfigError as exc:
            return {"url": None, "source": None, "reachable": False, "detail": str(exc)}
        url, source, key, verify = (
            target.url,
            target.url_source,
            target.api_key,
            target.verify_tls,
        )
    else:
        url = dss_url or os.environ.get("DKU_DSS_URL") or None
        source = "--dss-url" if dss_url else ("DKU_DSS_URL" if url else None)
        key, verify = os.environ.get("DKU_API_KEY"), True
        if url is None:
            return {
                "url": None,
                "source": None,
                "reachable": False,
                "detail": "no DSS URL: pass --dss-url, set DKU_DSS_URL, or name a STACK "
                "to read its config dss:url",
            }
    doc: dict[str, Any] = {"url": url, "source": source, "api_key_set": bool(key)}
    if url != "sandbox" and not key:
        doc.update(
            reachable=False,
            detail="no API key: set DKU_API_KEY (or the stack's secret dss:api_key)",
        )
        return doc
    doc.update(check_target(url, key, verify))
    return doc


def about(
    stack: Annotated[
        str | None, typer.Argument(help="A stack, to use its config's DSS URL and key")
    ] = None,
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Versions, backend and DSS target, and whether the target answers.

    The DSS URL is resolved as dss up resolves it (--dss-url > DKU_DSS_URL > the STACK's
    config dss:url) and checked with one GET /auth/info; the API key is never printed.
    Exit code 0 even when the target does not answer: the report says why.
    """
    with handle_errors(debug):
        from dsspulumi.about import versions

        url, source = resolve_backend(backend, stack_folder(stack))
        doc: dict[str, Any] = {
            "versions": versions(),
            "backend": {"url": url, "source": source},
            "dss": _target(stack, env, dss_url),
        }
        if json_out:
            from dsspulumi.display.jsonout import dumps

            typer.echo(dumps(doc))
            return
        v = doc["versions"]
        typer.echo(f"dsspulumi {v['dsspulumi']} on Python {v['python']} ({v['platform']})")
        for label in (
            "dataikuapi",
            "typer",
            "rich",
            "attrs",
            "cattrs",
            "boto3",
            "cryptography",
            "tomlkit",
            "pyyaml",
        ):
            typer.echo(f"  {label:<13} {v.get(label) or 'not installed'}")
        b = doc["backend"]
        typer.echo(f"backend: {b['url']} (from {b['source']})")
        d = doc["dss"]
        if d["url"] is None:
            typer.echo(f"DSS: not set ({d['detail']})")
        else:
            state = "reachable" if d["reachable"] else "NOT reachable"
            typer.echo(f"DSS: {d['url']} (from {d['source']}): {state}: {d['detail']}")
