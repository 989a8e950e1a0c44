"""The ``--version`` line, in a module of its own: both the entry point (``dsspulumi.cli``)
and the typer application (``dsspulumi.cli._app``) print it, and the application importing
the package that imports it would be an import cycle."""

from __future__ import annotations


def version_text() -> str:
    from dsspulumi import __version__

    return f"dsspulumi {__version__}"
