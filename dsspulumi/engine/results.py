"""What a command reports while it runs (``Listener``) and what it returns."""

from __future__ import annotations

from typing import Any, Protocol

import attrs

from dsspulumi.drift import Drift
from dsspulumi.executor import StepOutcome
from dsspulumi.outage import Outage
from dsspulumi.plan import Plan, Step
from dsspulumi.provider import RetryEvent
from dsspulumi.secrets import Crypter
from dsspulumi.status import FAILED, SUCCEEDED


class Listener(Protocol):
    def notice(self, message: str) -> None: ...

    def plan_ready(self, plan: Plan) -> None: ...

    def step(self, event: str, step: Step, outcome: StepOutcome | None) -> None: ...

    def retry(self, event: RetryEvent) -> None: ...


class Keyring(Protocol):
    """Where the engine gets the key for secrets in state (see dsspulumi.config)."""

    def crypter(self) -> Crypter | None: ...

    def settings(self) -> dict[str, str] | None: ...


class NullListener:
    def notice(self, message: str) -> None:
        pass

    def plan_ready(self, plan: Plan) -> None:
        pass

    def step(self, event: str, step: Step, outcome: StepOutcome | None) -> None:
        pass

    def retry(self, event: RetryEvent) -> None:
        pass


@attrs.define
class RunResult:
    plan: Plan
    outcomes: dict[str, StepOutcome] = attrs.field(factory=dict)
    applied: bool = False
    cancelled: bool = False
    outputs: dict[str, Any] = attrs.field(factory=dict)
    timings: dict[str, float] = attrs.field(factory=dict)
    counters: dict[str, int] = attrs.field(factory=dict)
    drift: list[Drift] = attrs.field(factory=list)  # found by --refresh
    outage: Outage | None = None  # DSS stopped answering mid-run: the rest was not started
    policy: list[Any] = attrs.field(factory=list)  # policy violations (dsspulumi.policy)

    @property
    def failed(self) -> list[StepOutcome]:
        return [o for o in self.outcomes.values() if o.status == FAILED]

    @property
    def succeeded(self) -> bool:
        return not any(o.status != SUCCEEDED for o in self.outcomes.values())


@attrs.define
class RefreshResult:
    """What ``dss refresh`` found: settled interrupted operations, and drift per object."""

    notes: list[str] = attrs.field(factory=list)
    drift: list[Drift] = attrs.field(factory=list)
    recorded: bool = False

    @property
    def lines(self) -> list[str]:
        return [*self.notes, *(d.describe() for d in self.drift)]
