"""Start-up: what `dss` imports, and typer's coercion kept exact where it is skipped."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_version_imports_no_command_machinery():
    loaded = _modules_after(
        "import sys\nsys.argv = ['dss', '--version']\nfrom dsspulumi.cli import main\nmain()"
    )
    assert "dsspulumi" in loaded  # the version was printed
    assert not {"typer", "attrs", "rich", "dsspulumi.engine"} & loaded


def test_help_imports_neither_the_engine_nor_io_libraries():
    loaded = _modules_after(
        "import sys\nsys.argv = ['dss', '--help']\nfrom dsspulumi.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    heavy = {"dataikuapi", "boto3", "rich", "attrs", "cattrs", "tomlkit", "cryptography"}
    heavy |= {"pydantic", "dsspulumi.engine", "dsspulumi.sandbox", "dsspulumi.config"}
    assert not heavy & loaded


ROOT_HELP_PROBE = """
import contextlib, io, sys
import typer.main
sys.argv = ['dss', '--help']
from dsspulumi.cli._app import app

def render():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            app()
        except SystemExit:
            pass
    return out.getvalue()

listed = render()
unbuilt = sorted(m for m in ('dsspulumi.cli.stack_cmd', 'dsspulumi.cli.config_cmd',
                             'dsspulumi.cli.sandbox_cmd') if m not in sys.modules)
list(typer.main.get_command(app).commands.values())  # build every group
print(repr((unbuilt, listed == render(), listed)))
"""


def test_root_help_lists_groups_without_building_them_and_reads_the_same():
    r = subprocess.run(
        [sys.executable, "-c", ROOT_HELP_PROBE], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    unbuilt, same, text = eval(r.stdout)  # noqa: S307 - our own probe's repr
    assert unbuilt == ["dsspulumi.cli.config_cmd", "dsspulumi.cli.sandbox_cmd",
                       "dsspulumi.cli.stack_cmd"]
    assert same, text  # the help of a group is the group's own (dsspulumi.cli._groups.HELP)
    assert re.search(r"\n  stack +Stack administration: states, history, locks\.", text)


def test_preview_json_imports_neither_the_dss_client_nor_s3_nor_writers(tmp_path):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "s.py").write_text(
        'import dsspulumi as dss\ndss.Project(dss.Config().require("key"), name="p")\n',
        encoding="utf-8",
    )
    (tmp_path / "stacks" / "s.dev.toml").write_text('# comment\n[s]\nkey = "P"\n')
    backend = f"file://{(tmp_path / 'state').as_posix()}"
    loaded = _modules_after(
        "import os, sys\n"
        f"os.chdir({str(tmp_path)!r})\n"
        f"sys.argv = ['dss', 'preview', 's', '--json', '--backend', {backend!r}]\n"
        "from dsspulumi.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code"
    )
    heavy = {"dataikuapi", "boto3", "pydantic", "dsspulumi.sandbox", "tomlkit", "cryptography"}
    heavy.add("cattrs")  # no state yet: nothing to structure
    heavy |= {"dsspulumi.cli.stack_cmd", "dsspulumi.cli.config_cmd", "dsspulumi.cli.sandbox_cmd"}
    assert not heavy & loaded  # reading the config file needs no tomlkit


@pytest.mark.parametrize(
    ("annotation", "value", "kwargs"),
    [
        (str, "stack", {}),
        (str, "", {}),
        (int, 10, {"min": 1, "max": 64}),
        (int, 1, {"min": 1}),
        (float, 0.0, {"min": 0}),
        (int, 3, {}),
    ],
)
def test_values_passed_unchanged_are_those_typer_returns_unchanged(annotation, value, kwargs):
    from typer import _coercion as typer_coercion
    from typer.models import OptionInfo

    from dsspulumi.cli._coercion import _unchanged

    descriptor: Any = typer_coercion.resolve_type_descriptor(
        annotation=annotation, parameter_info=OptionInfo(**kwargs)
    )
    assert _unchanged(descriptor, value)
    real = typer_coercion.build_runtime_param(descriptor)
    out = real._coerce_value(value, param=None, ctx=None)
    assert out == value and type(out) is type(value)


@pytest.mark.parametrize(
    ("annotation", "value", "kwargs"),
    [
        (int, "5", {}),  # typed on the command line: typer converts it
        (int, 0, {"min": 1}),  # out of range: typer reports it
        (int, 99, {"max": 64, "clamp": True}),
        (float, 1, {}),
        (bool, True, {}),
        (str, 5, {}),
    ],
)
def test_values_that_need_coercion_go_to_typer(annotation, value, kwargs):
    from typer import _coercion as typer_coercion
    from typer.models import OptionInfo

    from dsspulumi.cli._coercion import _unchanged

    descriptor: Any = typer_coercion.resolve_type_descriptor(
        annotation=annotation, parameter_info=OptionInfo(**kwargs)
    )
    assert not _unchanged(descriptor, value)


HELP_PROBE = """
import sys
sys.argv = ['{argv0}', '--help']
from dsspulumi.cli import main
try:
    main()
except SystemExit:
    pass
print('TYPER-IMPORTED' if 'typer' in sys.modules else 'NO-TYPER', end='')
"""


def _help(argv0: str, columns: int) -> tuple[str, bool]:
    import os

    env = {**os.environ, "COLUMNS": str(columns)}
    r = subprocess.run(
        [sys.executable, "-c", HELP_PROBE.format(argv0=argv0)],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert r.returncode == 0, r.stderr
    text, marker = r.stdout.rsplit("\n", 1)
    return text + "\n", marker == "TYPER-IMPORTED"


def test_stored_root_help_is_what_typer_prints():
    """A new command or help line must come with `python -m dsspulumi.cli._root_help_gen`."""
    r = subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli._root_help_gen", "--check"],
        capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_root_help_at_80_columns_and_more_is_the_stored_text_without_typer():
    from dsspulumi.cli._root_help import TEXT

    for columns in (80, 200):
        text, typer_imported = _help("/usr/bin/dss", columns)
        assert text == TEXT
        assert not typer_imported


def test_root_help_narrower_or_under_another_name_is_typers_own():
    narrow, typer_imported = _help("/usr/bin/dss", 60)
    assert typer_imported
    assert "Usage: dss [OPTIONS] COMMAND [ARGS]..." in narrow
    assert "Infrastructure as code for Dataiku DSS: preview, apply\n" in narrow  # wrapped at 58
    other, typer_imported = _help("/x/__main__.py", 120)
    assert typer_imported
    assert other.startswith("Usage: __main__.py [OPTIONS] COMMAND")
