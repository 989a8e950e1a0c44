"""``dss convert``: a YAML configuration of the Dataiku IaC prototype -> a Python stack."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from dsspulumi.cli.apply import DebugOpt
from dsspulumi.cli.common import handle_errors
from dsspulumi.errors import ConfigError


class Placeholders(enum.StrEnum):
    config = "config"
    environ = "environ"


def _default_out(source: Path) -> Path:
    """stacks/<name>.py, named after the YAML file, or the folder of a directory layout."""
    if source.is_dir():
        base = source.resolve().name
    elif source.stem == "project":
        base = source.resolve().parent.name
    else:
        base = source.stem
    name = "".join(ch if ch.isalnum() else "_" for ch in base.lower()).strip("_") or "converted"
    return Path("stacks") / f"{name}.py"


def convert(
    source: Annotated[
        Path,
        typer.Argument(
            help="project.yml, a prototype YAML file, or a folder with project.yml, "
            "datasets/ and recipes/"
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Stack file to write (default: stacks/NAME.py)"),
    ] = None,
    placeholders: Annotated[
        Placeholders,
        typer.Option(
            "--placeholders", help="{{ env.NAME }} becomes a config read (config) or os.environ"
        ),
    ] = Placeholders.config,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing stack file")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Turn a YAML config of the Dataiku IaC prototype into a stack.

    Keys with no equivalent in dsspulumi are listed here and kept as comments in the
    stack file, never dropped. Review the stack with dss preview before dss up.
    """
    with handle_errors(debug):
        from dsspulumi.convert.emit import stack_source
        from dsspulumi.convert.prototype import load

        target = out or _default_out(source)
        if target.suffix != ".py":
            raise ConfigError(f"--out {target}: a stack file ends in .py")
        if target.exists() and not force:
            raise ConfigError(
                f"{target} already exists; choose another --out, or --force to overwrite it"
            )
        proto = load(source)
        result = stack_source(proto, stack=target.stem, placeholders=placeholders.value)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(result.source, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
        err = typer.echo
        err(
            f"wrote {target}: 1 project, {len(proto.datasets)} datasets, "
            f"{len(proto.recipes)} recipes",
            err=True,
        )
        if result.unmapped:
            err(f"not converted ({len(result.unmapped)}; kept as comments in {target}):", err=True)
            for line in result.unmapped:
                err(f"  {line}", err=True)
        for note in result.notes:
            err(f"note: {note}", err=True)
        if result.config_keys:
            if placeholders is Placeholders.config:
                err("set the values the YAML read from the environment, per environment:", err=True)
                for key, var in result.config_keys.items():
                    err(
                        f"  dss config set {target.stem} {key} VALUE -e dev   "
                        f"# was {{{{ env.{var} }}}}",
                        err=True,
                    )
            else:
                names = ", ".join(result.config_keys)
                err(f"the stack reads these environment variables: {names}", err=True)
        err(f"next: dss preview {target}", err=True)
