"""``dss new``: a new repository with a stack, its config, tests and a CI workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dsspulumi.cli.apply import DebugOpt
from dsspulumi.cli.common import handle_errors


def new(
    folder: Annotated[Path, typer.Argument(help="The new repository's folder (new or empty)")],
    template: Annotated[
        str, typer.Option("--template", "-t", help="default or minimal")
    ] = "default",
    stack: Annotated[
        str | None, typer.Option("--stack", help="Stack name (default: from the folder name)")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Create a new repository with a stack, its config, a test and CI.

    The stack's dev environment runs on the embedded DSS sandbox, so the new README's two
    commands work at once: dss up STACK --yes, then python -m pytest.
    """
    with handle_errors(debug):
        from dsspulumi.scaffold import create, stack_name

        written = create(folder, template, stack)
        name = stack or stack_name(folder)
        for path in written:
            typer.echo(f"  created {path}")
        typer.echo(
            f"\nNext:\n  cd {folder}\n  pip install -e '.[test]' && dss up {name} --yes\n"
            "  python -m pytest"
        )
