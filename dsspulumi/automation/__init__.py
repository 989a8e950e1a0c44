"""The Automation API: drive stacks from Python, as ``dss`` does from a shell.

    from dsspulumi import automation as auto

    def program() -> None:
        project = dss.Project("TEAM_A", name=dss.Config().require("title"))
        dss.export("project", project.key)

    st = auto.Stack("team_a", program=program, env="dev", work_dir="teams")
    st.set_config("title", "Team A")
    print(st.preview().summary)
    result = st.up(on_event=print)
    print(result.outputs)

The ``dss`` commands ``preview``, ``up``, ``destroy``, ``refresh``, ``stack output`` and
``stack history`` are built on it: what they print is rendered from these results, and their
``--json`` documents are ``to_json()`` of them. See docs/automation.md.
"""

from __future__ import annotations

from dsspulumi.automation.errors import (
    AutomationError,
    ConfigError,
    ConflictError,
    ProgramError,
    StackLockedError,
    UpdateFailedError,
)
from dsspulumi.automation.events import (
    Diagnostic,
    Event,
    StepFinished,
    StepRetried,
    StepStarted,
)
from dsspulumi.automation.results import (
    Change,
    FailedStep,
    HistoryEntry,
    PreviewResult,
    PropertyChange,
    UpResult,
)
from dsspulumi.automation.stack import Stack, list_stacks

__all__ = [
    "AutomationError",
    "Change",
    "ConfigError",
    "ConflictError",
    "Diagnostic",
    "Event",
    "FailedStep",
    "HistoryEntry",
    "PreviewResult",
    "ProgramError",
    "PropertyChange",
    "Stack",
    "StackLockedError",
    "StepFinished",
    "StepRetried",
    "StepStarted",
    "UpResult",
    "UpdateFailedError",
    "list_stacks",
]
