"""Finding the `dss` command lines in shell text and checking them against the typer app.

Used by the tests of the CI templates and of the docs: every `dss …` a user copies must
parse with the real command line (same command names, options and choices), and every
`DSS_*`/`DKU_*` variable named must be one dsspulumi reads.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import typer

from dsspulumi.cli import app

REPO = Path(__file__).resolve().parents[2]
SEPARATORS = {";", "&&", "||", "|", "(", ")", "&", "$(", "`"}
REDIRECTS = {">", ">>", "<", ">&", "2>", "&>"}
ENV_NAME = re.compile(r"\b((?:DSS|DKU|DSSPULUMI)_[A-Z0-9_]+)\b")


def dss_invocations(shell: str) -> Iterator[list[str]]:
    """The argument lists of every `dss` command in a piece of shell script."""
    text = re.sub(r"\\\n", " ", shell)
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:  # unbalanced quotes: not shell we can read (a heredoc body)
            continue
        command: list[str] = []
        skip = False
        for token in [*tokens, ";"]:
            if skip:
                skip = False
                continue
            if token in REDIRECTS:
                skip = True
                continue
            if token in SEPARATORS:
                if command[:1] == ["dss"]:
                    yield command[1:]
                command = []
                continue
            command.append(token)


def check_invocation(args: list[str]) -> None:
    """Raise AssertionError, with the CLI's own message, unless ``dss *args`` parses.

    A synopsis (``dss sandbox serve [--data DIR] [--seed 1]``) is checked with its optional
    parts included; one cut short by a ``|`` between alternatives is skipped.
    """
    if any("[" in a or "]" in a for a in args):
        text = " ".join(args)
        if text.count("[") != text.count("]"):
            return
        args = [a.strip("[]") for a in args if a.strip("[]")]
    root = typer.main.get_command(app)
    if args and args[0].startswith("-"):
        ctx = root.context_class(root, info_name="dss")
        names = {n for p in root.get_params(ctx) for n in [*p.opts, *p.secondary_opts]}
        assert args[0] in names, f"dss {args[0]}: unknown option of dss (has {sorted(names)})"
        return
    cmd = root
    path = ["dss"]
    rest = list(args)
    while hasattr(cmd, "commands"):  # a group (typer's own click: not click.Group)
        assert rest, f"{' '.join(path)}: a command name is missing"
        name = rest.pop(0)
        sub = cmd.commands.get(name)  # type: ignore[attr-defined]
        assert sub is not None, f"{' '.join(path)} has no command {name!r}"
        cmd, path = sub, [*path, name]
    if "--help" in rest:
        return
    try:  # parses: unknown options, bad choices, missing arguments
        cmd.make_context(" ".join(path), rest)
    except Exception as exc:
        if not hasattr(exc, "format_message"):  # not a usage error: a bug of this check
            raise
        raise AssertionError(f"dss {shlex.join(args)}: {exc.format_message()}") from None


def known_env_vars() -> set[str]:
    """The DSS_/DKU_ variables dsspulumi's code reads (as string literals)."""
    found: set[str] = set()
    for path in (REPO / "dsspulumi").rglob("*.py"):
        found.update(re.findall(r"[\"']((?:DSS|DKU|DSSPULUMI)_[A-Z0-9_]+)[\"']", path.read_text()))
    return found


def env_vars_named(text: str) -> set[str]:
    return set(ENV_NAME.findall(text))
