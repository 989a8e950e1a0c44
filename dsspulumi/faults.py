"""Fault injection for crash tests: die with SIGKILL at a named point, as a power cut would.

``DSSPULUMI_CRASH_AT=POINT[:PROJECT.name]`` kills the process when it reaches POINT (for
that object only, if named). Points:

- ``after-create-call``: the create call returned, nothing after it was done (no mark yet
  where the creation body cannot carry one);
- ``after-create``: the whole create returned or raised, its outcome not yet in the state.

Unset, the check is one dictionary lookup.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str, who: str) -> None:
    spec = os.environ.get("DSSPULUMI_CRASH_AT")
    if not spec:
        return
    point, _, target = spec.partition(":")
    if point == name and target in ("", who):
        os.kill(os.getpid(), signal.SIGKILL)
