"""The ``dss`` command line (typer). One module per command group.

The typer application lives in ``dsspulumi.cli._app`` and is imported when a command
runs: ``dss --version`` answers without importing typer or any command module.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer import Typer

    app: Typer


def version_text() -> str:
    from dsspulumi import __version__

    return f"dsspulumi {__version__}"


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(version_text())
        return
    try:
        from dsspulumi.cli._app import app

        app()
    except KeyboardInterrupt:  # Ctrl-C outside any command body (while importing, parsing)
        raise SystemExit(130) from None


def __getattr__(name: str) -> Any:
    if name == "app":  # `from dsspulumi.cli import app` (tests, embedding)
        from dsspulumi.cli._app import app

        return app
    raise AttributeError(f"module 'dsspulumi.cli' has no attribute {name!r}")
