"""preview / up / destroy / refresh / import: program, state, plan, executor and providers.

Split by job:

- ``commands``: ``StackRun``, the planning commands and their safety rules (locking,
  checkpoints, history);
- ``pipeline``: the one way ``preview`` and ``up`` come to a plan (reconcile, refresh,
  plan, lookups, preflight, imports);
- ``steps``: ``StepRunner``, one ``Operation`` per kind of step;
- ``settlement``: what an operation of unknown outcome left, decided by ownership marks;
- ``imports``: import resolution and adoption;
- ``records`` and ``results``: what a run keeps in state besides its steps, and returns.
"""

from __future__ import annotations

from dsspulumi.engine.commands import StackRun
from dsspulumi.engine.imports import adopt, resolve_imports
from dsspulumi.engine.pipeline import check_lookups, plan_run, reconcile, refresh_records
from dsspulumi.engine.records import apply_moves, export_values
from dsspulumi.engine.results import Keyring, Listener, NullListener, RefreshResult, RunResult
from dsspulumi.engine.settlement import (
    CLAIM_WINDOW,
    Settlement,
    created_by,
    inspect_declared,
    record_from_dss,
    settle,
)
from dsspulumi.engine.steps import StepRunner

__all__ = [
    "CLAIM_WINDOW",
    "Keyring",
    "Listener",
    "NullListener",
    "RefreshResult",
    "RunResult",
    "Settlement",
    "StackRun",
    "StepRunner",
    "adopt",
    "apply_moves",
    "check_lookups",
    "created_by",
    "export_values",
    "inspect_declared",
    "plan_run",
    "reconcile",
    "record_from_dss",
    "refresh_records",
    "resolve_imports",
    "settle",
]
