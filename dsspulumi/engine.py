"""preview / up / destroy: the orchestration of program, state, plan, executor and providers.

The engine owns the run's order of operations and its safety rules (lock
before reading state for a writing run, pending operations recorded before
each API call and reconciled on the next run, a checkpoint after every step);
it knows nothing of DSS beyond the ``ProviderRegistry`` protocol and nothing
of terminals beyond the ``Listener`` it reports to.
"""

from __future__ import annotations

import contextlib
import getpass
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from dsspulumi.backends.base import Backend
from dsspulumi.checkpoint import (
    Checkpointer,
    ClearPending,
    Put,
    Remove,
    SetPending,
    load_state,
)
from dsspulumi.errors import (
    CorruptStateError,
    DssPulumiError,
    PlanError,
    ProviderError,
    StateError,
)
from dsspulumi.executor import SUCCEEDED, StepOutcome, execute
from dsspulumi.graph import ResourceGraph
from dsspulumi.output import Output, Secret, reveal_all, secret_like, unwrap
from dsspulumi.plan import Op, Plan, Step, make_plan
from dsspulumi.provider import ProviderRegistry
from dsspulumi.secrets import Crypter
from dsspulumi.state import PendingOperation, ResourceState, State, now, to_json


class Listener(Protocol):
    def notice(self, message: str) -> None: ...

    def plan_ready(self, plan: Plan) -> None: ...

    def step(self, event: str, step: Step, outcome: StepOutcome | None) -> None: ...


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


@attrs.define
class RunResult:
    plan: Plan
    outcomes: dict[str, StepOutcome] = attrs.field(factory=dict)
    applied: bool = False
    cancelled: bool = False
    outputs: dict[str, Any] = attrs.field(factory=dict)
    timings: dict[str, float] = attrs.field(factory=dict)
    counters: dict[str, int] = attrs.field(factory=dict)

    @property
    def failed(self) -> list[StepOutcome]:
        return [o for o in self.outcomes.values() if o.status == "failed"]

    @property
    def succeeded(self) -> bool:
        return not any(o.status != SUCCEEDED for o in self.outcomes.values())


@attrs.define
class StackRun:
    """Everything one command needs to know about the stack it works on."""

    stack: str
    env: str
    stack_file: Path
    backend: Backend
    providers: Callable[[], ProviderRegistry]
    listener: Listener = attrs.field(factory=NullListener)
    command: str = "dss"
    keyring: Keyring | None = None

    def _crypter(self) -> Crypter | None:
        return self.keyring.crypter() if self.keyring is not None else None

    # --- state ---------------------------------------------------------------------------
    def load_state(self) -> State:
        """Read-only view (preview): the state document plus any journal of a dead run."""
        return self._load()[0]

    def _load(self) -> tuple[State, str | None, int]:
        try:
            return load_state(self.backend, self.stack, self.env, self._crypter())
        except CorruptStateError as exc:
            exc.hint = self.backend.history_hint(self.stack, self.env)
            raise

    @contextlib.contextmanager
    def writing(self, *, lock_timeout: float = 0.0) -> Iterator[Checkpointer]:
        """Lock the stack, load its state and hand out the run's checkpointer."""
        with self.backend.lock(
            self.stack, self.env, self.command, timeout=lock_timeout, notice=self.listener.notice
        ) as lease:
            state, version, journal_records = self._load()
            settings = self.keyring.settings() if self.keyring is not None else None
            if settings is not None:
                state.secrets = settings
            checkpoint = Checkpointer(
                self.backend, state, version, guard=lease.check, crypter=self._crypter()
            )
            if version is None or journal_records:
                # A new stack gets its document now; a dead run's journal is folded in.
                checkpoint.compact()
            yield checkpoint

    # --- reconciliation ------------------------------------------------------------------
    def reconcile(self, state: State, registry: ProviderRegistry) -> list[str]:
        """Settle operations left pending by an interrupted run by reading DSS."""
        notes = []
        for op in list(state.pending):
            actual = read_declared(registry, op.type, op.inputs, op.outputs)
            logical = op.urn.rsplit("::", 1)[-1]
            existing = state.get(op.urn)
            if actual is None:
                state.remove(op.urn)
                notes.append(f"{logical}: interrupted {op.op}; not in DSS, so not in state")
            elif op.op == "delete" and existing is not None:
                notes.append(f"{logical}: interrupted delete; still in DSS, kept in state")
            else:
                state.put(record_from_dss(op, actual, existing))
                notes.append(f"{logical}: interrupted {op.op}; found in DSS, recorded as it is")
            state.clear_pending(op.urn)
        return notes

    def refresh(self, state: State, registry: ProviderRegistry) -> list[str]:
        """Replace recorded inputs with what DSS holds now (declared keys only)."""
        notes = []
        for rec in list(state.resources):
            actual = read_declared(registry, rec.type, rec.inputs, rec.outputs)
            logical = rec.urn.rsplit("::", 1)[-1]
            if actual is None:
                state.remove(rec.urn)
                notes.append(f"{logical}: deleted outside dsspulumi")
            elif actual != rec.inputs:
                rec.inputs = actual
                notes.append(f"{logical}: changed outside dsspulumi")
        return notes

    # --- commands --------------------------------------------------------------------------
    def preview(
        self,
        graph: ResourceGraph | None,
        *,
        targets: list[str] | None = None,
        refresh: bool = False,
    ) -> RunResult:
        t0 = time.perf_counter()
        state = self.load_state()
        t1 = time.perf_counter()
        if state.pending or refresh:
            registry = self._registry()
            if state.pending:
                for note in self.reconcile(state, registry):
                    self.listener.notice(note)
            if refresh:
                for note in self.refresh(state, registry):
                    self.listener.notice(note)
        plan = make_plan(
            graph or self._empty_graph(), state, targets=self._urns(targets, graph, state)
        )
        t2 = time.perf_counter()
        self.listener.plan_ready(plan)
        return RunResult(plan=plan, timings={"load_state": t1 - t0, "plan": t2 - t1})

    def apply(
        self,
        graph: ResourceGraph | None,
        *,
        targets: list[str] | None = None,
        refresh: bool = False,
        parallel: int = 10,
        confirm: Callable[[Plan], bool] = lambda _p: True,
        expect_no_changes: bool = False,
        kind: str = "up",
        lock_timeout: float = 0.0,
    ) -> RunResult:
        """``up`` (graph given) or ``destroy`` (graph None): plan, confirm, execute, record."""
        registry = self._registry()
        if graph is None and self.backend.read_state(self.stack, self.env) is None:
            # Nothing was ever applied: nothing to destroy, and no state to create for it.
            plan = make_plan(self._empty_graph(), None)
            self.listener.plan_ready(plan)
            return RunResult(plan=plan)
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            state = checkpoint.state
            started = now()
            if state.pending or refresh:
                notes: list[str] = []
                if state.pending:
                    notes += self.reconcile(state, registry)
                if refresh:
                    notes += self.refresh(state, registry)
                checkpoint.compact()
                for note in notes:
                    self.listener.notice(note)
            plan = make_plan(
                graph or self._empty_graph(), state, targets=self._urns(targets, graph, state)
            )
            self.listener.plan_ready(plan)
            result = RunResult(plan=plan)
            if expect_no_changes and plan.has_changes:
                return result
            if plan.has_changes and not confirm(plan):
                result.cancelled = True
                return result
            runner = StepRunner(registry, checkpoint)
            result.outcomes = execute(
                plan,
                runner.run,
                parallel=parallel,
                listener=self.listener.step,
                fatal=(StateError,),
            )
            result.applied = True
            outputs = _export_values(graph.exports) if graph is not None else {}
            result.outputs = outputs
            _refresh_metadata(state, plan)
            if graph is not None:
                state.outputs = outputs
            elif targets is None:
                state.outputs = {}
            state.updated_at = now()
            try:
                checkpoint.compact()
            except StateError as exc:
                failed = sum(1 for o in result.outcomes.values() if o.status != "succeeded")
                exc.hint = (
                    f"{len(result.outcomes) - failed} step(s) completed; what was recorded before "
                    "the failure is kept (state and journal), and operations in flight are "
                    "checked against DSS by the next run. Run the command again once the "
                    "backend is reachable."
                )
                raise
            result.counters = {
                "journal_writes": checkpoint.journal_writes,
                "journal_bytes": checkpoint.journal_bytes,
                "state_writes": checkpoint.state_writes,
                "state_bytes": checkpoint.state_bytes,
            }
            self._history(checkpoint, kind, started, result)
            return result

    def refresh_state(self, *, lock_timeout: float = 0.0) -> list[str]:
        """``dss refresh``: record in state what DSS holds now; settle pending operations."""
        registry = self._registry()
        if self.backend.read_state(self.stack, self.env) is None:
            return []
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            started = now()
            notes = self.reconcile(checkpoint.state, registry)
            notes += self.refresh(checkpoint.state, registry)
            checkpoint.compact()
            self.backend.append_history(
                self.stack,
                self.env,
                checkpoint.last_written or to_json(checkpoint.state, self._crypter()),
                {
                    "kind": "refresh",
                    "result": "succeeded",
                    "started_at": started,
                    "finished_at": now(),
                    "user": _user(),
                    "host": socket.gethostname(),
                    "summary": {"drift": len(notes)},
                    "resources": len(checkpoint.state.resources),
                },
            )
            return notes

    # --- helpers ---------------------------------------------------------------------------
    def _registry(self) -> ProviderRegistry:
        registry = self.providers()
        registry.check_connection()
        return registry

    def _empty_graph(self) -> ResourceGraph:
        return ResourceGraph(stack=self.stack, env=self.env)

    def _urns(
        self, targets: list[str] | None, graph: ResourceGraph | None, state: State
    ) -> list[str] | None:
        """Accept full URNs or logical names (``PROJECT.dataset``) for --target."""
        if not targets:
            return None
        known = set(state.by_urn()) | (set(graph.nodes) if graph else set())
        by_logical: dict[str, list[str]] = {}
        for urn in known:
            by_logical.setdefault(urn.rsplit("::", 1)[-1], []).append(urn)
        resolved = []
        for t in targets:
            if t in known:
                resolved.append(t)
            elif len(by_logical.get(t, [])) == 1:
                resolved.append(by_logical[t][0])
            else:
                raise PlanError(
                    f"--target {t!r} names no resource of stack '{self.stack}' (env '{self.env}'); "
                    "use a URN or PROJECT.name as shown by `dss preview --json`"
                )
        return resolved

    def _history(
        self, checkpoint: Checkpointer, kind: str, started: float, result: RunResult
    ) -> None:
        """Keep the state just written as a history entry (S3 copies it server-side)."""
        state = checkpoint.state
        user = _user()
        meta = {
            "kind": kind,
            "result": "succeeded" if result.succeeded else "failed",
            "started_at": started,
            "finished_at": now(),
            "user": user,
            "host": socket.gethostname(),
            "summary": result.plan.summary(),
            "resources": len(state.resources),
        }
        data = checkpoint.last_written or to_json(state, self._crypter())
        self.backend.append_history(self.stack, self.env, data, meta)


def record_from_dss(
    op: PendingOperation, actual: dict[str, Any], existing: ResourceState | None
) -> ResourceState:
    """The record of an object found in DSS after an operation of unknown outcome."""
    return ResourceState(
        urn=op.urn,
        type=op.type,
        name=op.name,
        inputs=actual,
        outputs=dict(op.outputs),
        dependencies=list(op.dependencies),
        protect=existing.protect if existing else False,
        retain_on_delete=existing.retain_on_delete if existing else False,
        created_at=existing.created_at if existing else now(),
    )


def read_declared(
    registry: ProviderRegistry,
    type_token: str,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
) -> dict[str, Any] | None:
    """What DSS holds for the declared properties; secret where the declaration is secret."""
    actual = registry.provider(type_token).read(reveal_all(inputs), reveal_all(outputs))
    return None if actual is None else secret_like(inputs, actual)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "unknown"


def _refresh_metadata(state: State, plan: Plan) -> None:
    """Options and edges may change without any DSS change: keep the records current."""
    for step in plan.steps:
        if step.node is None:
            continue
        rec = state.get(step.urn)
        if rec is None:
            continue
        rec.dependencies = list(step.node.deps)
        rec.protect = step.node.options.protect
        rec.retain_on_delete = step.node.options.retain_on_delete


def _export_values(exports: Mapping[str, Any]) -> dict[str, Any]:
    from dsspulumi.resource import Resource

    def convert(value: Any) -> Any:
        if isinstance(value, Output):
            inner = convert(unwrap(value))
            return Secret(inner) if value.is_secret else inner
        if isinstance(value, Secret):
            return value
        if isinstance(value, Resource):
            return value.logical_name
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        return str(value)

    return {name: convert(v) for name, v in exports.items()}


class StepRunner:
    """Carries out one step: pending record, provider call, result record, each durable."""

    def __init__(self, registry: ProviderRegistry, checkpoint: Checkpointer) -> None:
        self.registry = registry
        self.cp = checkpoint

    def run(self, step: Step) -> None:
        if step.op is Op.DELETE and step.retain:
            self.cp.record(Remove(step.urn))
            return
        provider = self.registry.provider(step.type)
        node = step.node
        old = step.old
        inputs = dict(step.inputs if step.inputs is not None else old.inputs)  # type: ignore[union-attr]
        outputs = dict(old.outputs) if old else {}
        deps = list(node.deps) if node else list(old.dependencies)  # type: ignore[union-attr]
        pending = PendingOperation(
            urn=step.urn,
            op=str(step.op),
            type=step.type,
            name=step.name,
            inputs=inputs,
            outputs=outputs,
            dependencies=deps,
        )
        self.cp.record(SetPending(pending))
        try:
            plain = reveal_all(inputs)
            if step.op is Op.CREATE:
                outputs = provider.create(plain)
            elif step.op is Op.UPDATE:
                outputs = provider.update(reveal_all(old.inputs), plain, outputs)  # type: ignore[union-attr]
            elif step.op is Op.REPLACE:
                provider.delete(reveal_all(old.inputs), outputs)  # type: ignore[union-attr]
                self.cp.record(Remove(step.urn))
                outputs = provider.create(plain)
            elif step.op is Op.DELETE:
                provider.delete(plain, outputs)
                self.cp.record(Remove(step.urn), ClearPending(step.urn))
                return
            else:  # pragma: no cover - same steps never reach the runner
                raise PlanError(f"cannot execute a {step.op} step")
        except StateError:
            raise  # the call was made or not; the pending record lets the next run find out
        except DssPulumiError as exc:
            self._settle_after_failure(step, pending)
            if isinstance(exc, ProviderError):
                exc.urn = step.urn
            raise
        except Exception as exc:
            self._settle_after_failure(step, pending)
            raise ProviderError(f"{step.logical_name}: unexpected error: {exc!r}") from exc
        record = ResourceState(
            urn=step.urn,
            type=step.type,
            name=step.name,
            inputs=inputs,
            outputs=outputs,
            dependencies=deps,
            protect=node.options.protect if node else False,
            retain_on_delete=node.options.retain_on_delete if node else False,
            created_at=old.created_at if old and step.op is Op.UPDATE else now(),
        )
        self.cp.record(Put(record), ClearPending(step.urn))

    def _settle_after_failure(self, step: Step, pending: PendingOperation) -> None:
        """A failed call may have half-happened: read DSS now so state tells the truth."""
        try:
            actual = read_declared(self.registry, step.type, pending.inputs, pending.outputs)
        except Exception:  # noqa: BLE001 - leave it pending; the next run reconciles
            return
        if actual is None:
            self.cp.record(Remove(step.urn), ClearPending(step.urn))
            return
        record = record_from_dss(pending, actual, self.cp.state.get(step.urn))
        self.cp.record(Put(record), ClearPending(step.urn))
