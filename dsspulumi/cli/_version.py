"""``dss --version``'s line: its own module, so the typer app and ``dsspulumi.cli`` (which
imports that app when a command runs) do not import each other."""

from __future__ import annotations


def version_text() -> str:
    from dsspulumi import __version__

    return f"dsspulumi {__version__}"
