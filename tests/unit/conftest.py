"""Shared helpers for the unit tests of the pure core (no DSS, no IO beyond tmp files)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from dsspulumi.graph import ResourceGraph
from dsspulumi.program import run_program


@pytest.fixture
def write_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write a stack file (dedented) under tmp_path and make tmp_path the working directory."""
    monkeypatch.chdir(tmp_path)

    def write(source: str, name: str = "stack.py") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_stack(write_stack: Callable[..., Path]) -> Callable[..., ResourceGraph]:
    """Write a stack file and run it as `dss` would, returning the graph."""

    def run(source: str, *, config: dict | None = None, name: str = "stack.py") -> ResourceGraph:
        path = write_stack(source, name)
        return run_program(path, stack="st", env="dev", config=config)

    return run
