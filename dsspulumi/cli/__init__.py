"""The ``dss`` command line (typer). One module per command group.

The typer application lives in ``dsspulumi.cli._app`` and is imported when a command
runs: ``dss --version`` answers without importing typer or any command module.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from dsspulumi.cli._version import version_text

if TYPE_CHECKING:
    from typer import Typer

    app: Typer


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(version_text())
        return
    if sys.argv[1:] == ["--help"] and _help_fits_stored_text():
        from dsspulumi.cli._root_help import TEXT

        sys.stdout.write(TEXT)
        return
    try:
        from dsspulumi.cli._app import app

        app()
    except KeyboardInterrupt:  # Ctrl-C outside any command body (while importing, parsing)
        raise SystemExit(130) from None


def _help_fits_stored_text() -> bool:
    """True where typer would print the stored text: as ``dss``, 78 columns wide.

    click caps the help at 78 columns and names the program after ``argv[0]`` (``python -m
    dsspulumi`` says so in its usage line, and gets typer's own rendering).
    """
    import os
    import shutil

    return os.path.basename(sys.argv[0]) == "dss" and shutil.get_terminal_size().columns >= 80


def __getattr__(name: str) -> Any:
    if name == "app":  # `from dsspulumi.cli import app` (tests, embedding)
        from dsspulumi.cli._app import app

        return app
    raise AttributeError(f"module 'dsspulumi.cli' has no attribute {name!r}")
