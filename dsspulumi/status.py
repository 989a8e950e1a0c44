"""The names of a step's and a run's outcome, as state history, ``--json`` and the display
spell them. One place, so a renamed status cannot leave a comparison behind."""

from __future__ import annotations

SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
# A retained delete (``retain_on_delete``): the record left, the object stays in DSS.
RETAINED = "retained"


def run_result(succeeded: bool) -> str:
    """A run's ``result`` in history and ``--json``."""
    return SUCCEEDED if succeeded else FAILED
