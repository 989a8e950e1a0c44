"""Readable in CI logs: plain help, one line per message off a terminal, usage errors."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from dsspulumi.cli import app


def _commands() -> list[list[str]]:
    """Every command path of the app: [], ["up"], ["stack", "import"], …"""
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        paths.append(path)
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "dss")
def test_help_is_plain_text(path):
    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    text = r.output
    assert "`" not in text  # no RST or Markdown quoting
    assert "see help" not in text.lower()
    assert "╭" not in text  # no boxes to break grep and copy-paste
    for line in text.splitlines():
        assert not line.rstrip().endswith(" its"), line  # no docstring line breaks kept


@pytest.mark.parametrize("path", [["config", "get"], ["stack", "output"]])
def test_help_keeps_square_brackets(path):
    r = CliRunner().invoke(app, [*path, "--help"])
    assert "[secret]" in r.output


def test_messages_stay_on_one_line_off_a_terminal(ws):
    name = "a_stack_with_a_name_long_enough_to_push_any_message_past_eighty_columns_" * 2
    r = ws.dss("preview", name.rstrip("_"))
    assert r.exit_code == 1
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: unknown stack") and len(line) > 160


def test_a_no_op_up_prints_its_summary_once(ws):
    ws.stack("s", 'dss.Project("NOOP", name="n")\n')
    assert ws.dss("up", "s", "--yes").exit_code == 0
    r = ws.dss("up", "s", "--yes")
    assert r.exit_code == 0
    assert r.stdout.count("Resources:") == 1
    assert r.stdout.count("1 unchanged") == 1
    assert "up succeeded" in r.stdout


def test_config_set_without_a_value_is_a_usage_error(ws):
    ws.stack("s", 'dss.Project("CFG", name="n")\n')
    r = ws.dss("config", "set", "s", "db")
    assert r.exit_code == 2
    assert "Invalid value for VALUE: missing for db" in r.stderr
    assert ws.dss("config", "get", "s", "db").exit_code == 1  # nothing was stored
    r = ws.dss("config", "set", "s", "db", "-", input="")
    assert r.exit_code == 2 and "no value for db on stdin" in r.stderr
    assert ws.dss("config", "set", "s", "db", "-", input="pg\n").exit_code == 0
    assert ws.dss("config", "get", "s", "db").stdout.strip() == "pg"
    assert ws.dss("config", "set", "s", "empty", "").exit_code == 0  # asked for explicitly
