"""Every command's --help, as a user reads it: conventional metavars, no description cut short."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer

from dsspulumi.cli import app
from dsspulumi.testing.cli import dss

# Python-type metavars (`<str>`, `<list[str]>`, `<int range>`) and braced arguments (`{stack}`).
PYTHON_FORM = re.compile(r"<[a-z_][^>]*>|\{[A-Za-z_]+\}|\blist\[|\[(str|int|float|bool|path)\]")


def _commands() -> Iterator[tuple[list[str], bool]]:
    """(path below dss, whether it is a group) for every command of the app."""
    todo: list[tuple[list[str], object]] = [([], typer.main.get_command(app))]
    while todo:
        path, cmd = todo.pop(0)
        subs = getattr(cmd, "commands", None)
        yield path, bool(subs)
        if subs:
            todo += [([*path, name], subs[name]) for name in subs]


COMMANDS = list(_commands())


def _sections(text: str) -> dict[str, list[str]]:
    """Lines of each section (``Arguments:``, ``Options:``, ``Commands:``) of a help text."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if re.match(r"^[A-Z][a-z]+:$", line):
            current = line[:-1]
            found[current] = []
        elif current is not None and line.strip():
            found[current].append(line)
    return found


def _first_column(lines: list[str]) -> list[str]:
    """The names column of a definition list (continuation lines have none)."""
    return [re.split(r"\s{2,}", line.strip())[0] for line in lines if re.match(r"^  \S", line)]


def _entries(lines: list[str]) -> dict[str, str]:
    """name -> its whole description, wrapped lines joined."""
    entries: dict[str, str] = {}
    name = None
    for line in lines:
        if re.match(r"^  \S", line):
            name, _, text = line.strip().partition("  ")
            entries[name] = text.strip()
        elif name is not None:
            entries[name] += " " + line.strip()
    return entries


def test_the_walk_finds_every_command():
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"", "up", "stack", "stack ls", "config set", "sandbox serve", "import resource"} <= (
        paths
    )
    assert len(paths) > 25


@pytest.mark.parametrize(
    ("path", "group"), COMMANDS, ids=[" ".join(["dss", *p]) for p, _ in COMMANDS]
)
def test_help_uses_conventional_metavars_and_whole_sentences(path, group):
    r = dss(*path, "--help")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    usage = text.splitlines()[0]
    assert usage.startswith("Usage: ") and not PYTHON_FORM.search(usage), usage
    sections = _sections(text)
    for section in ("Arguments", "Options"):
        names = _first_column(sections.get(section, []))
        bad = [n for n in names if PYTHON_FORM.search(n)]
        assert not bad, f"dss {' '.join(path)}: {bad}"
    for name in _first_column(sections.get("Arguments", [])):
        assert name.rstrip(".").isupper(), f"dss {' '.join(path)}: argument {name}"
        assert name in usage, usage
    for option in _first_column(sections.get("Options", [])):
        value = " ".join(
            w for w in option.replace(",", " ").split() if not w.startswith("-") and w != "/"
        )
        # TEXT, INTEGER, FLOAT RANGE, PATH, [a|b]: capitals or a choice, never a Python type
        assert not value or value.isupper() or value.startswith("["), option
    for name, description in _entries(sections.get("Commands", [])).items():
        assert description, f"dss {' '.join(path)}: {name} has no description"
        assert not description.endswith(("...", "…")), f"{name}: {description}"
        assert description.endswith((".", ")")), f"{name}: cut mid-sentence: {description}"
    if group:
        assert sections.get("Commands"), text


def test_root_help_keeps_each_command_on_one_whole_line():
    from dsspulumi.cli._root_help import TEXT

    for text in (dss("--help").stdout, TEXT):
        lines = _sections(text)["Commands"]
        assert all(re.match(r"^  [a-z]", line) for line in lines), lines  # nothing wrapped
        for line in lines:
            assert line.endswith(".") and not line.endswith("..."), line


def test_usage_errors_name_arguments_as_the_help_does(ws):
    r = dss("config", "set")
    assert r.exit_code == 2
    assert "Missing argument 'STACK'" in r.stderr
