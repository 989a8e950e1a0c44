"""What the Automation API returns: ``PreviewResult``, ``UpResult``, and history entries.

They wrap the engine's results (``dsspulumi.engine.RunResult`` and ``RefreshResult``) and
are what the CLI renders: ``to_json()`` is the document ``--json`` prints, built by the same
functions (``dsspulumi.display.jsonout``), so the API and the command line cannot disagree.
Secret values are masked in ``changes`` and in ``to_json()``; ``outputs`` keeps them as
``dss.Secret`` objects, whose text is masked too.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi.output import mask_all
from dsspulumi.status import FAILED, SUCCEEDED

if TYPE_CHECKING:
    from dsspulumi.drift import Drift
    from dsspulumi.engine import RefreshResult, RunResult
    from dsspulumi.plan import Plan, Step
    from dsspulumi.provider import RetryEvent


@attrs.frozen
class PropertyChange:
    """One property of a change: its path (``settings.tags``), old and new value (masked)."""

    path: str
    old: Any
    new: Any


@attrs.frozen
class Change:
    """One object the plan changes: its URN, the operation and the property diff."""

    urn: str
    operation: str
    type: str
    name: str
    logical_name: str
    diff: tuple[PropertyChange, ...] = ()

    @classmethod
    def of(cls, step: Step) -> Change:
        diff = tuple(PropertyChange(d.path, mask_all(d.old), mask_all(d.new)) for d in step.diff)
        return cls(step.urn, step.kind, step.type, step.name, step.logical_name, diff)


def _changes(plan: Plan) -> list[Change]:
    return [Change.of(s) for s in plan.steps if s.changes or s.moved_from is not None]


@attrs.define
class PreviewResult:
    """The plan ``up`` would carry out; nothing was changed."""

    run: RunResult
    refreshed: bool = False  # read DSS first (``refresh=True``): ``drift`` says what drifted
    program_seconds: float = 0.0
    # The enabled policy packs (``dsspulumi.policy.PolicyCheck``); None: no pack enabled.
    policy_check: Any = attrs.field(default=None, repr=False, eq=False)

    @property
    def plan(self) -> Plan:
        return self.run.plan

    @property
    def changes(self) -> list[Change]:
        """Every object the plan creates, updates, replaces, deletes or moves."""
        return _changes(self.run.plan)

    @property
    def summary(self) -> dict[str, int]:
        """Operation -> number of objects, ``same`` included (0 when every object changes)."""
        return {"same": 0, **self.run.plan.summary()}

    @property
    def has_changes(self) -> bool:
        return self.run.plan.has_changes

    @property
    def drift(self) -> list[Drift]:
        return self.run.drift

    @property
    def policy(self) -> list[Any]:
        """Policy violations of the plan (``dsspulumi.policy``); empty without policies."""
        return self.run.policy

    def to_json(self) -> dict[str, Any]:
        """The document ``dss preview --json`` prints."""
        from dsspulumi.display.jsonout import plan_dict

        doc = plan_dict(self.run.plan)
        if self.refreshed:
            doc["drift"] = [d.to_json() for d in self.run.drift]
        doc["timings"] = {"program": self.program_seconds, **self.run.timings}
        if self.policy_check is not None:
            doc["policy"] = [v.to_json() for v in self.run.policy]
        return doc


@attrs.frozen
class FailedStep:
    """A step that did not succeed: its object, operation, and why (``exception`` when a
    step raised, e.g. a ``dsspulumi.errors.ConflictError``)."""

    urn: str
    operation: str
    error: str
    exception: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.define
class UpResult:
    """What an ``up``, ``destroy`` or ``refresh`` did.

    ``kind`` says which. For ``up``/``destroy``, ``run`` is the engine's result (plan and
    outcome of every step); for ``refresh``, ``refresh_result`` holds the drift found.
    """

    kind: str
    stack: str
    env: str
    run: RunResult | None = None
    refresh_result: RefreshResult | None = None
    retries: list[RetryEvent] = attrs.field(factory=list)
    refreshed: bool = False  # ``up(refresh=True)``: DSS was read first
    policy_check: Any = attrs.field(default=None, repr=False, eq=False)  # as PreviewResult's

    @property
    def plan(self) -> Plan | None:
        return self.run.plan if self.run is not None else None

    @property
    def applied(self) -> bool:
        """Whether the plan was carried out (not cancelled, not stopped by
        ``expect_no_changes``); a refresh that recorded its drift."""
        if self.run is not None:
            return self.run.applied
        return self.refresh_result is not None and self.refresh_result.recorded

    @property
    def cancelled(self) -> bool:
        return self.run is not None and self.run.cancelled

    @property
    def succeeded(self) -> bool:
        """Every step succeeded (and DSS answered to the end)."""
        if self.run is None:
            return True
        return self.run.succeeded and self.run.outage is None

    @property
    def failed(self) -> list[FailedStep]:
        """Each step that failed, with its error."""
        if self.run is None:
            return []
        return [FailedStep(o.urn, o.op, o.error or "", o.exc) for o in self.run.failed]

    @property
    def summary(self) -> dict[str, int]:
        """Operation -> objects done (``same`` included); a refresh: ``{"drift": n}``."""
        if self.run is None:
            found = self.refresh_result
            return {"drift": len(found.lines) if found is not None else 0}
        done: dict[str, int] = {}
        for step in self.run.plan.steps:
            outcome = self.run.outcomes.get(step.urn)
            if outcome is not None and outcome.status == SUCCEEDED:
                done[step.kind] = done.get(step.kind, 0) + 1
        return done

    @property
    def changes(self) -> list[Change]:
        return _changes(self.run.plan) if self.run is not None else []

    @property
    def outputs(self) -> dict[str, Any]:
        """The stack's exported values after the run (secrets as ``dss.Secret``)."""
        return dict(self.run.outputs) if self.run is not None else {}

    @property
    def drift(self) -> list[Drift]:
        if self.refresh_result is not None:
            return self.refresh_result.drift
        return self.run.drift if self.run is not None else []

    @property
    def policy(self) -> list[Any]:
        """Policy violations of the plan (``dsspulumi.policy``); empty without policies."""
        return self.run.policy if self.run is not None else []

    def describe_failure(self) -> str:
        """One line: what did not succeed (for ``UpdateFailedError``)."""
        if self.run is not None and self.run.outage is not None:
            return f"{self.kind} stopped: {self.run.outage.headline}"
        failed = self.failed
        first = f": {failed[0].error}" if failed else ""
        return (
            f"{self.kind} of stack '{self.stack}' (env '{self.env}') failed: "
            f"{len(failed)} step(s) failed{first}; the state records every step that succeeded"
        )

    def to_json(self) -> dict[str, Any]:
        """The document ``dss up/destroy/refresh --json`` prints."""
        if self.run is None:
            found = self.refresh_result
            return {
                "stack": self.stack,
                "env": self.env,
                "drift": found.lines if found is not None else [],
                "resources": [d.to_json() for d in found.drift] if found is not None else [],
                "recorded": found.recorded if found is not None else False,
            }
        from dsspulumi.display.jsonout import run_dict

        doc = run_dict(self.run, retries=self.retries)
        if self.refreshed:
            doc["drift"] = [d.to_json() for d in self.run.drift]
        if self.policy_check is not None:
            doc["policy"] = [v.to_json() for v in self.run.policy]
        return doc


def mask_sealed(value: Any) -> Any:
    """Exported state data with every encrypted value shown as ``[secret]`` (no key needed)."""
    from dsspulumi.output import MASK
    from dsspulumi.secrets import SECRET_KEY

    if isinstance(value, dict):
        if set(value) == {SECRET_KEY}:
            return MASK
        return {k: mask_sealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_sealed(v) for v in value]
    return value


@attrs.frozen
class HistoryEntry:
    """One completed update of a stack, as its backend's history keeps it."""

    version: int
    kind: str
    result: str
    time: float | None  # when it finished (seconds since the epoch)
    summary: dict[str, int]
    raw: dict[str, Any] = attrs.field(eq=False, repr=False)

    @classmethod
    def of(cls, entry: dict[str, Any]) -> HistoryEntry:
        return cls(
            int(entry.get("version", 0)),
            str(entry.get("kind", "-")),
            str(entry.get("result", "-")),
            entry.get("finished_at"),
            dict(entry.get("summary") or {}),
            entry,
        )

    @property
    def succeeded(self) -> bool:
        return self.result != FAILED

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.time)) if self.time else "-"

    def to_json(self) -> dict[str, Any]:
        return self.raw
