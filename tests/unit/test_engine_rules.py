"""Issue 17 part 3: the engine split by job, and its small rules written once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dsspulumi.errors import PlanError
from dsspulumi.urn import (
    kind_label,
    kind_of,
    logical_name,
    make_urn,
    resolve_targets,
    stack_env,
    stack_prefix,
)

PACKAGE = Path(__file__).resolve().parents[2] / "dsspulumi"
DS = make_urn("s", "dev", "dss:Dataset", "P.orders")
RECIPE = make_urn("s", "dev", "dss:PythonRecipe", "P.compute")
TWIN = make_urn("s", "dev", "dss:ManagedFolder", "P.orders")  # same logical name, other kind


def test_urn_parts_are_read_one_way() -> None:
    assert DS == "urn:dss:dev::s::dss:Dataset::P.orders"
    assert DS.startswith(stack_prefix("s", "dev"))
    assert logical_name(DS) == "P.orders"
    assert stack_env(DS) == ("s", "dev")
    assert stack_env("P.orders") is None
    assert kind_of("dss:ManagedFolder") == "ManagedFolder"
    assert kind_label("dss:ManagedFolder") == "managedfolder"


def test_a_target_is_a_urn_or_an_unambiguous_logical_name() -> None:
    known = [DS, RECIPE]
    assert resolve_targets(None, known) is None
    assert resolve_targets([DS, "P.compute"], known) == [DS, RECIPE]


@pytest.mark.parametrize(
    ("targets", "known"),
    [(["P.nope"], [DS]), (["P.orders"], [DS, TWIN])],
    ids=["unknown", "ambiguous"],
)
def test_a_target_naming_nothing_gets_the_one_message(targets, known) -> None:
    with pytest.raises(PlanError) as err:
        resolve_targets(targets, known)
    assert str(err.value) == (
        f"--target names no resource of this stack: {targets[0]}; use a URN or "
        "PROJECT.name as shown by `dss preview --json`"
    )


def _sources(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def test_the_engine_has_no_type_ignore_and_small_modules() -> None:
    for path in _sources("engine"):
        text = path.read_text(encoding="utf-8")
        assert "type: ignore" not in text, path
        assert len(text.splitlines()) <= 450, path


def test_urns_and_type_tokens_are_split_only_by_the_urn_module() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _sources()
        if path.name != "urn.py"
        and any(
            shape in path.read_text(encoding="utf-8")
            for shape in ('rsplit("::", 1)', 'split(":", 1)[-1]', '"urn:dss:')
        )
    ]
    assert offenders == []


def test_the_session_is_a_library_object_without_the_cli() -> None:
    """``dsspulumi.session`` (the run session the Automation API builds on) and the engine
    load neither typer nor rich."""
    code = (
        "import sys, dsspulumi.session, dsspulumi.engine;"
        "print(sorted({'typer', 'rich'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
