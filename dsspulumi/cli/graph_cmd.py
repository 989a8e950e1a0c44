"""``dss graph``: the stack's flow as a picture (DOT, Mermaid, SVG, or one HTML page)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from dsspulumi.cli.apply import (
    BackendOpt,
    DebugOpt,
    DssUrlOpt,
    EnvOpt,
    RefreshOpt,
    StackArg,
)
from dsspulumi.cli.common import handle_errors
from dsspulumi.errors import ConfigError


class GraphFormat(enum.StrEnum):
    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"
    html = "html"


_SUFFIXES = {
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".svg": "svg",
    ".html": "html",
    ".htm": "html",
}


def render(flow: object, fmt: str) -> str:
    """flow (a drawing.model.Flow) in format fmt."""
    from dsspulumi.drawing import html, svg, text
    from dsspulumi.drawing.model import Flow

    assert isinstance(flow, Flow)
    renderers = {
        "dot": text.to_dot,
        "mermaid": text.to_mermaid,
        "svg": svg.to_svg,
        "html": html.to_html,
    }
    return renderers[fmt](flow)


def graph(
    stack: StackArg,
    env: EnvOpt = "dev",
    fmt: Annotated[
        GraphFormat | None,
        typer.Option("--format", help="dot, mermaid, svg or html (default: from --out, else dot)"),
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Colour what dss preview would change (reads state)")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout")
    ] = None,
    refresh: RefreshOpt = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Draw the flow: DOT, Mermaid, SVG or HTML, coloured with --plan.

    Datasets, recipes and folders are drawn as the DSS flow draws them, inside a box per
    project (and per flow zone). Without --plan nothing but the stack file and its config
    is read; --plan reads the state as dss preview does (and DSS with --refresh).
    """
    with handle_errors(debug):
        chosen = fmt.value if fmt is not None else None
        if chosen is None and out is not None:
            chosen = _SUFFIXES.get(out.suffix.lower())
            if chosen is None:
                raise ConfigError(
                    f"cannot tell the format from {out.name}: pass --format dot, mermaid, svg "
                    "or html (or name the file .dot, .mmd, .svg or .html)"
                )
        if refresh and not plan:
            raise ConfigError("--refresh only means something with --plan")
        from dsspulumi.cli.session import CliSession

        session = CliSession(
            stack,
            env=env,
            backend=backend,
            dss_url=dss_url,
            json_mode=False,
            command="dss graph",
        )
        with session as s:
            resources = s.program(document=out is None)
            planned = None
            if plan:
                planned = s.run(s.printer).preview(resources, refresh=refresh).plan
            from dsspulumi.drawing.model import flow_of

            text = render(flow_of(resources, planned), chosen or "dot")
        if out is None:
            typer.echo(text, nl=False)
            return
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {out} ({chosen})", err=True)
