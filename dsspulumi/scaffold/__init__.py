"""``dss new``: a new repository for a team's stacks, ready for the README's two commands.

A template is a module of ``dsspulumi.scaffold`` holding ``FILES`` (relative path -> text,
with ``$stack``, ``$KEY``, ``$title`` and ``$dsspulumi_version`` filled in) and a one-line
``DESCRIPTION``. Writing refuses a non-empty folder, so nothing of the user's is ever
overwritten.
"""

from __future__ import annotations

import importlib
import re
import string
from pathlib import Path

from dsspulumi.errors import ConfigError

TEMPLATES = ("default", "minimal")


def stack_name(folder: Path) -> str:
    """A stack name from the folder's name: ``My-Analytics`` -> ``my_analytics``."""
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    if not name or name[0].isdigit():
        name = f"stack_{name}" if name else "stack"
    return name


def files(template: str, stack: str) -> dict[str, str]:
    if template not in TEMPLATES:
        raise ConfigError(
            f"unknown template {template!r}; the templates are: {', '.join(TEMPLATES)}"
        )
    from dsspulumi import __version__

    module = importlib.import_module(f"dsspulumi.scaffold.{template}")
    values = {
        "stack": stack,
        "KEY": stack.upper(),
        "title": stack.replace("_", " ").title(),
        "dsspulumi_version": __version__,
    }
    return {
        string.Template(path).substitute(values): string.Template(text).substitute(values)
        for path, text in module.FILES.items()
    }


def create(folder: Path, template: str = "default", stack: str | None = None) -> list[Path]:
    """Write the template into ``folder`` (new or empty); the files written, in order."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} exists and is not a folder; choose a new folder name")
    if folder.is_dir() and any(folder.iterdir()):
        raise ConfigError(
            f"{folder} is not empty; `dss new` only writes into a new or empty folder, so "
            "that nothing of yours is overwritten"
        )
    name = stack or stack_name(folder)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"stack name {name!r}: lowercase letters, digits and '_' only")
    content = files(template, name)
    written = []
    for rel, text in content.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
