"""Test helpers shipped with dsspulumi, for testing users' stacks and backend set-ups.

- ``run_program(path, config=…)``: run a stack program without any DSS and get its resource
  graph to assert on (``dsspulumi.testing.program``).
- ``dss(*args, sandbox=…)``: the real ``dss`` command line, run in the test's process against
  a sandbox (``dsspulumi.testing.cli``); with the ``dss_sandbox`` pytest fixture (registered
  by installing dsspulumi) it is a full ``dss up`` test of a stack.
- ``dsspulumi.testing.moto_server.MotoServer``: an S3 endpoint (moto) that serves one
  request at a time, with a fault switch and request statistics.

Names are loaded on first use: importing this package costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsspulumi.testing.cli import CliResult, dss
    from dsspulumi.testing.program import ProgramGraph, run_program

_SOURCES = {
    "run_program": "dsspulumi.testing.program",
    "ProgramGraph": "dsspulumi.testing.program",
    "dss": "dsspulumi.testing.cli",
    "CliResult": "dsspulumi.testing.cli",
}

__all__ = ["CliResult", "ProgramGraph", "dss", "run_program"]


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'dsspulumi.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
