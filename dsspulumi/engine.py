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
from dsspulumi.drift import CHANGED, Drift, compare, owns, read_all
from dsspulumi.errors import (
    AdoptionError,
    ConflictError,
    CorruptStateError,
    DssPulumiError,
    MissingLookupError,
    NotOwnedError,
    PartialCreateError,
    PlanError,
    ProviderError,
    StateError,
)
from dsspulumi.executor import SUCCEEDED, StepOutcome, execute
from dsspulumi.graph import Node, ResourceGraph
from dsspulumi.outage import Outage, stops_when_dss_down
from dsspulumi.output import (
    Output,
    Secret,
    resolve_unknowns,
    reveal_all,
    secret_like,
    to_engine,
    unwrap,
)
from dsspulumi.ownership import StateOwner, adoption_refusal, mark_for, no_state_message
from dsspulumi.plan import Op, Plan, Step, diff_inputs, make_plan
from dsspulumi.preflight import check_names
from dsspulumi.provider import (
    Found,
    Mark,
    Provider,
    ProviderRegistry,
    RetryEvent,
    step_context,
)
from dsspulumi.release import RELEASE, release_retained, settle_release
from dsspulumi.secrets import Crypter
from dsspulumi.settling import StepRetry, settled_message, unknown_outcome
from dsspulumi.state import PendingOperation, ResourceState, State, now, to_json


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

    @property
    def failed(self) -> list[StepOutcome]:
        return [o for o in self.outcomes.values() if o.status == "failed"]

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
    retries: int = 5
    dss: ProviderRegistry | None = attrs.field(default=None, init=False)  # once made

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
    def writing(
        self, *, lock_timeout: float = 0.0, announce_new: bool = False
    ) -> Iterator[Checkpointer]:
        """Lock the stack, load its state and hand out the run's checkpointer."""
        with self.backend.lock(
            self.stack, self.env, self.command, timeout=lock_timeout, notice=self.listener.notice
        ) as lease:
            state, version, journal_records = self._load()
            if announce_new and version is None and not journal_records:
                self.listener.notice(no_state_message(self.stack, self.env, self.backend.url))
            settings = self.keyring.settings() if self.keyring is not None else None
            if settings is not None:
                state.secrets = settings
            checkpoint = Checkpointer(
                self.backend, state, version, guard=lease.check, crypter=self._crypter()
            )
            if version is None or journal_records or not state.identity:
                # A new stack gets its document (and identity) now; a dead run's journal is
                # folded in; a state from before identities gets one before any mark is written.
                checkpoint.compact()
            yield checkpoint

    # --- reconciliation ------------------------------------------------------------------
    def reconcile(self, state: State, registry: ProviderRegistry) -> list[str]:
        """Settle operations left pending by an interrupted run by reading DSS.

        An object is recorded only if it carries the operation's mark (it was created by
        that operation) or the mark of the record it already had: never by its name alone.
        """
        notes = []
        for op in list(state.pending):
            found = inspect_declared(registry, op.type, op.inputs, op.outputs)
            outcome = settle(op, found, state.get(op.urn))
            if outcome.record is None:
                state.remove(op.urn)
            else:
                state.put(outcome.record)
            state.clear_pending(op.urn)
            notes.append(f"{_logical(op.urn)}: interrupted {op.op}; {outcome.note}")
        return notes

    def refresh(
        self, state: State, registry: ProviderRegistry, *, batch: bool = True
    ) -> list[Drift]:
        """Replace recorded inputs with what DSS holds now (declared keys only).

        Reads are batched per kind where the provider can (``drift.read_all``). An object
        that now carries another mark was deleted and re-created outside the tool: it is not
        ours, so it is dropped from the state and left alone in DSS.
        """
        found = read_all(registry, state.resources, batch=batch)
        drifts = []
        for rec in list(state.resources):
            drift = compare(rec, found[rec.urn])
            if drift is None:
                continue
            drifts.append(drift)
            current = found[rec.urn]
            if drift.status == CHANGED and current is not None:
                rec.inputs = current.inputs
            else:
                state.remove(rec.urn)
        return drifts

    # --- commands --------------------------------------------------------------------------
    @stops_when_dss_down("nothing was changed")
    def preview(
        self,
        graph: ResourceGraph | None,
        *,
        targets: list[str] | None = None,
        refresh: bool = False,
    ) -> RunResult:
        t0 = time.perf_counter()
        state, version, journal_records = self._load()
        if version is None and not journal_records:
            self.listener.notice(no_state_message(self.stack, self.env, self.backend.url))
        t1 = time.perf_counter()
        drift: list[Drift] = []
        if state.pending or refresh:
            registry = self._registry()
            if state.pending:
                for note in self.reconcile(state, registry):
                    self.listener.notice(note)
            if refresh:
                drift = self.refresh(state, registry)
                for d in drift:
                    self.listener.notice(d.describe())
        plan = make_plan(
            graph or self._empty_graph(), state, targets=self._urns(targets, graph, state)
        )
        if refresh:
            check_lookups(plan, self._registry())
            check_names(plan, graph, self._registry())
        if any(step.op is Op.IMPORT for step in plan.steps):
            plan = resolve_imports(plan, self._registry(), state, self.backend.url)
        t2 = time.perf_counter()
        self.listener.plan_ready(plan)
        return RunResult(plan=plan, drift=drift, timings={"load_state": t1 - t0, "plan": t2 - t1})

    @stops_when_dss_down("it stopped before any step ran: nothing was changed")
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
        with self.writing(lock_timeout=lock_timeout, announce_new=kind == "up") as checkpoint:
            state = checkpoint.state
            started = now()
            drift: list[Drift] = []
            if state.pending or refresh:
                notes: list[str] = []
                if state.pending:
                    notes += self.reconcile(state, registry)
                if refresh:
                    drift = self.refresh(state, registry)
                    notes += [d.describe() for d in drift]
                checkpoint.compact()
                for note in notes:
                    self.listener.notice(note)
            plan = make_plan(
                graph or self._empty_graph(), state, targets=self._urns(targets, graph, state)
            )
            check_lookups(plan, registry)
            check_names(plan, graph, registry)
            if any(step.op is Op.IMPORT for step in plan.steps):
                plan = resolve_imports(plan, registry, state, self.backend.url)
            self.listener.plan_ready(plan)
            result = RunResult(plan=plan, drift=drift)
            if expect_no_changes and plan.has_changes:
                return result
            if plan.has_changes and not confirm(plan):
                result.cancelled = True
                return result
            apply_moves(plan, checkpoint)
            runner = StepRunner(registry, checkpoint, self.listener, retries=self.retries)
            result.outcomes = execute(
                plan,
                runner.run,
                parallel=parallel,
                listener=self.listener.step,
                fatal=(StateError,),
                halt=lambda: _stopped_answering(registry),
            )
            result.applied = True
            result.outage = registry.outage()
            outputs = _export_values(graph.exports, state) if graph is not None else {}
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

    @stops_when_dss_down("nothing was recorded (a read that failed is no deletion)")
    def refresh_state(
        self, *, lock_timeout: float = 0.0, record: bool = True, batch: bool = True
    ) -> RefreshResult:
        """``dss refresh``: read DSS, report drift and record it in state (unless ``record``
        is False: ``--preview-only``); settle pending operations."""
        registry = self._registry()
        if self.backend.read_state(self.stack, self.env) is None:
            return RefreshResult()
        if not record:
            state = self.load_state()
            return RefreshResult(
                notes=self.reconcile(state, registry) if state.pending else [],
                drift=self.refresh(state, registry, batch=batch),
            )
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            started = now()
            notes = self.reconcile(checkpoint.state, registry)
            drift = self.refresh(checkpoint.state, registry, batch=batch)
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
                    "summary": {"drift": len(notes) + len(drift)},
                    "resources": len(checkpoint.state.resources),
                },
            )
            return RefreshResult(notes=notes, drift=drift, recorded=True)

    # --- import (dss import) ---------------------------------------------------------------
    def import_program(
        self,
        graph: ResourceGraph,
        outputs: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        parallel: int = 10,
        lock_timeout: float = 0.0,
    ) -> RunResult:
        """Adopt every object a generated program declares (``dss import project``).

        Each node is imported (``import_id`` = its own identity); the generated code must
        declare exactly what DSS holds, so any difference is a bug of the code writer: it
        stops the run before anything is changed. The state must not manage anything yet.
        ``outputs`` (by URN) address objects whose DSS id is generated (``Existing.outputs``).
        """
        existing = self.load_state()
        if existing.resources:
            raise AdoptionError(
                f"stack '{self.stack}' (env '{self.env}') already manages "
                f"{len(existing.resources)} object(s); import a project into a new stack (or "
                "adopt single objects with `dss import resource`)"
            )
        nodes = {
            urn: attrs.evolve(
                node,
                options=attrs.evolve(
                    node.options,
                    import_id=node.logical_name,
                    import_outputs=dict((outputs or {}).get(urn) or {}),
                ),
            )
            for urn, node in graph.nodes.items()
        }
        adopted = ResourceGraph(stack=graph.stack, env=graph.env, nodes=nodes, exports={})

        def exact(plan: Plan) -> bool:
            differs = [
                f"{s.logical_name} ({', '.join(d.path for d in s.diff)})"
                for s in plan.steps
                if s.diff
            ]
            if differs:
                raise AdoptionError(
                    "the generated stack does not declare exactly what DSS holds for "
                    f"{'; '.join(differs)}; nothing was adopted. Please report this"
                )
            return True

        return self.apply(
            adopted, parallel=parallel, confirm=exact, kind="import", lock_timeout=lock_timeout
        )

    def import_one(self, node: Node, *, lock_timeout: float = 0.0) -> ResourceState:
        """Adopt one existing object into the state (``dss import resource``).

        The object gets the stack's mark, its declared properties are recorded as DSS holds
        them, and nothing else in DSS changes.
        """
        registry = self._registry()
        plan = Plan(
            stack=self.stack,
            env=self.env,
            steps=(
                Step(
                    op=Op.IMPORT,
                    urn=node.urn,
                    type=node.type,
                    name=node.name,
                    logical_name=node.logical_name,
                    inputs=node.inputs,
                    node=node,
                ),
            ),
        )
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            if checkpoint.state.get(node.urn) is not None:
                raise AdoptionError(
                    f"{node.logical_name} is already in the state of stack '{self.stack}' "
                    f"(env '{self.env}'); nothing to import"
                )
            plan = resolve_imports(plan, registry, checkpoint.state, self.backend.url)
            if plan.steps[0].diff:
                paths = ", ".join(d.path for d in plan.steps[0].diff)
                raise AdoptionError(
                    f"{node.logical_name}: DSS no longer holds what was read "
                    f"({paths}); run the command again"
                )
            self.listener.plan_ready(plan)
            StepRunner(registry, checkpoint, self.listener, retries=self.retries).run(plan.steps[0])
            checkpoint.state.updated_at = now()
            checkpoint.compact()
            record = checkpoint.state.get(node.urn)
            assert record is not None
            return record

    # --- helpers ---------------------------------------------------------------------------
    def _registry(self) -> ProviderRegistry:
        registry = self.providers()
        self.dss = registry
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


@attrs.frozen
class Settlement:
    """What the state holds for an operation of unknown outcome, once DSS has been read."""

    record: ResourceState | None
    note: str
    foreign: bool = False  # an object exists under that name that this stack did not create


# How long after finding a name free a create may land (its retries and backoff included),
# and the resolution of the HTTP Date header the check was timed with.
CLAIM_WINDOW = (-2.0, 120.0)


def created_by(op: PendingOperation, found: Found) -> bool:
    """Whether ``op`` created the object found.

    It carries the op's mark; or it carries none (the run died between the create call and
    the write of the mark) and DSS says it created the object within moments after the op
    had found the name free. Both times are DSS's own clock, so no clock skew enters.
    """
    if found.mark == op.id:
        return True
    if found.mark is not None or not op.absent or op.claimed_at is None:
        return False
    if found.created_at is None or op.op not in ("create", "replace"):
        return False
    low, high = CLAIM_WINDOW
    return op.claimed_at + low <= found.created_at <= op.claimed_at + high


def settle(op: PendingOperation, found: Found | None, existing: ResourceState | None) -> Settlement:
    """Decide by the ownership mark, never by the name, what an interrupted operation left."""
    if op.op == RELEASE:
        return Settlement(*settle_release(found, existing))
    if found is None:
        return Settlement(None, "not in DSS, so not in state")
    if found.mark == op.id:
        return Settlement(
            record_from_dss(op, found.inputs, existing, mark=op.id, found_outputs=found.outputs),
            "found in DSS with this run's mark, recorded as it is",
        )
    if created_by(op, found):
        # Created by the op, killed before it wrote the mark: recorded without one (trusted,
        # like a record from before marks), and its next update writes the mark.
        return Settlement(
            record_from_dss(op, found.inputs, existing, mark=None, found_outputs=found.outputs),
            "found in DSS, created by this run just after it found the name free (killed "
            "before it wrote its mark), recorded as it is",
        )
    if existing is not None and owns(existing.mark, found):
        if op.op == "delete":
            return Settlement(existing, "still in DSS, kept in state")
        return Settlement(
            record_from_dss(
                op, found.inputs, existing, mark=existing.mark, found_outputs=found.outputs
            ),
            "found in DSS, recorded as it is",
        )
    return Settlement(
        None,
        "an object of that name exists in DSS but was not created by this stack (no matching "
        "ownership mark); it is not recorded and was left untouched",
        foreign=True,
    )


def record_from_dss(
    op: PendingOperation,
    actual: dict[str, Any],
    existing: ResourceState | None,
    *,
    mark: str | None,
    found_outputs: Mapping[str, Any] | None = None,
) -> ResourceState:
    """The record of an object found in DSS after an operation of unknown outcome."""
    return ResourceState(
        urn=op.urn,
        type=op.type,
        name=op.name,
        inputs=actual,
        outputs=dict(op.outputs) if found_outputs is None else dict(found_outputs),
        dependencies=list(op.dependencies),
        protect=existing.protect if existing else False,
        retain_on_delete=existing.retain_on_delete if existing else False,
        created_at=existing.created_at if existing else now(),
        mark=mark,
    )


def inspect_declared(
    registry: ProviderRegistry,
    type_token: str,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
) -> Found | None:
    """What DSS holds for the declared properties; secret where the declaration is secret."""
    found = registry.provider(type_token).inspect(reveal_all(inputs), reveal_all(outputs))
    if found is None:
        return None
    return attrs.evolve(found, inputs=secret_like(inputs, found.inputs))


def resolve_imports(
    plan: Plan,
    registry: ProviderRegistry,
    state: State | None = None,
    backend_url: str | None = None,
) -> Plan:
    """Read the object of every ``import`` step: its diff is what ``up`` will change.

    An import_id that DSS does not know, or an object another state manages (``ownership``),
    stops the run here, before anything is changed; every such problem is named at once.
    """
    owner = StateOwner.of(state, backend_url)
    problems = []
    steps = []
    known = {
        s.urn: s.node.options.import_outputs
        for s in plan.steps
        if s.op is Op.IMPORT and s.node is not None
    }

    def value_of(urn: str, key: str) -> Any:
        """A value known after apply, known already: an imported object's id (or a record's)."""
        if key in known.get(urn, {}):
            return known[urn][key]
        rec = state.get(urn) if state is not None else None
        if rec is None or key not in rec.outputs:
            raise KeyError(f"{_logical(urn)}.{key}")
        return rec.outputs[key]

    for step in plan.steps:
        if step.op is not Op.IMPORT or step.node is None or step.inputs is None:
            steps.append(step)
            continue
        opts = step.node.options
        inputs = resolve_unknowns(step.inputs, value_of, partial=True)
        found = inspect_declared(registry, step.type, inputs, opts.import_outputs)
        where = f" (declared at {step.node.source})" if step.node.source else ""
        kind = step.type.split(":", 1)[-1].lower()
        if found is None:
            problems.append(
                f"{step.logical_name}{where}: import_id {opts.import_id!r} names no {kind} in "
                "DSS; check the id, or remove import_id to create it"
            )
            steps.append(step)
            continue
        refusal = adoption_refusal(step.urn, found, owner)
        if refusal is not None:
            problems.append(f"{step.logical_name}{where}: cannot import {kind}: {refusal}")
        steps.append(attrs.evolve(step, diff=tuple(diff_inputs(found.inputs, inputs))))
    if problems:
        raise AdoptionError("; ".join(problems) + ". Nothing was changed")
    return attrs.evolve(plan, steps=tuple(steps))


def check_lookups(plan: Plan, registry: ProviderRegistry) -> None:
    """Every object the stack reads with ``.get`` must exist, or nothing runs."""
    missing = []
    for step in plan.steps:
        if step.op is Op.READ and step.inputs is not None:
            if registry.provider(step.type).lookup(step.inputs) is None:
                kind = step.type.split(":", 1)[-1]
                where = f" (read at {step.node.source})" if step.node is not None else ""
                missing.append(f"{kind} {step.logical_name}{where}")
    if missing:
        raise MissingLookupError(
            f"{'; '.join(missing)}: not found in DSS. The stack reads "
            f"{'it' if len(missing) == 1 else 'them'} with .get() and never creates "
            f"{'it' if len(missing) == 1 else 'them'}: check the name, or create "
            f"{'it' if len(missing) == 1 else 'them'} first. Nothing was changed"
        )


def _logical(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _stopped_answering(registry: ProviderRegistry) -> str | None:
    outage = registry.outage()
    return outage.headline if outage is not None else None


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


def apply_moves(plan: Plan, checkpoint: Checkpointer) -> None:
    """Records found under an alias take their new URN, before any step runs."""
    for step in plan.moves:
        rec = checkpoint.state.get(step.moved_from or "")
        if rec is None:
            continue
        checkpoint.record(Remove(rec.urn), Put(attrs.evolve(rec, urn=step.urn)))


def _output_of(state: State) -> Callable[[str, str], Any]:
    def value_of(urn: str, key: str) -> Any:
        rec = state.get(urn)
        if rec is None or key not in rec.outputs:
            raise KeyError(f"{_logical(urn)}.{key}")
        return rec.outputs[key]

    return value_of


def _export_values(exports: Mapping[str, Any], state: State | None = None) -> dict[str, Any]:
    from dsspulumi.resource import Resource

    def convert(value: Any) -> Any:
        if isinstance(value, Output) and not value.is_known:
            # A value known after apply: as the producer's record now holds it (None if the
            # producer did not get created).
            if state is None:
                return None
            try:
                return convert(
                    resolve_unknowns(to_engine(value, lambda r: r._urn), _output_of(state))
                )
            except KeyError:
                return None
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

    def __init__(
        self,
        registry: ProviderRegistry,
        checkpoint: Checkpointer,
        listener: Listener | None = None,
        *,
        retries: int = 5,
        base_delay: float = 0.2,
    ) -> None:
        self.registry = registry
        self.cp = checkpoint
        self.listener = listener or NullListener()
        self.retries = retries
        self.base_delay = base_delay
        self.settling = StepRetry(retries, base_delay, self.listener.retry)

    def run(self, step: Step) -> None:
        step_context.urn = step.urn
        try:
            self._run(step)
        finally:
            step_context.urn = None

    def _run(self, step: Step) -> None:
        if step.op is Op.DELETE and step.retain:
            release_retained(self.registry, self.cp, self.listener.notice, step)
            return
        provider = self.registry.provider(step.type)
        node = step.node
        old = step.old
        owner = old.mark if old else None
        inputs = dict(step.inputs if step.inputs is not None else old.inputs)  # type: ignore[union-attr]
        outputs = dict(old.outputs) if old else {}
        if step.op is Op.IMPORT and node is not None:
            outputs = dict(node.options.import_outputs)
        deps = list(node.deps) if node else list(old.dependencies)  # type: ignore[union-attr]
        if node is not None and node.output_deps:
            inputs = self._resolve(step, inputs)
            if old is not None and step.op is not Op.DELETE and inputs == old.inputs:
                # Known now, and equal to what DSS holds: nothing to send.
                self.cp.record(Put(attrs.evolve(old, urn=step.urn, dependencies=deps)))
                return
        pending = PendingOperation(
            urn=step.urn,
            op=str(step.op),
            type=step.type,
            name=step.name,
            inputs=inputs,
            outputs=outputs,
            dependencies=deps,
            mark=owner,
        )
        plain = reveal_all(inputs)
        if step.op is Op.CREATE:
            # The name check is a read: it goes before the pending record, which then says
            # what it found, in the one durable write that must precede the create call.
            pending = self._claim(provider, step, pending, plain)
        self.cp.record(SetPending(pending))
        mark = owner
        try:
            if step.op is Op.CREATE:
                outputs = self._create(provider, step, plain, pending)
                mark = pending.id
            elif step.op is Op.UPDATE:
                # A record from before marks existed gets its mark on its first update.
                new_mark = self._mark(pending.id, step.urn) if owner is None else None
                was, had = reveal_all(old.inputs), outputs  # type: ignore[union-attr]
                outputs = self.settling.again(
                    "update",
                    step.logical_name,
                    step.urn,
                    lambda: provider.update(was, plain, had, owner=owner, mark=new_mark),
                )
                mark = new_mark.id if new_mark is not None else owner
            elif step.op is Op.REPLACE:
                provider.delete(reveal_all(old.inputs), outputs, owner=owner)  # type: ignore[union-attr]
                self.cp.record(Remove(step.urn))
                pending = self._claim(provider, step, pending, plain)
                self.cp.record(SetPending(pending))
                outputs = self._create(provider, step, plain, pending)
                mark = pending.id
            elif step.op is Op.IMPORT:
                outputs = self._adopt(provider, step, plain, outputs, pending)
                mark = pending.id
            elif step.op is Op.DELETE:
                self.settling.again(
                    "delete",
                    step.logical_name,
                    step.urn,
                    lambda: provider.delete(plain, outputs, owner=owner),
                )
                self.cp.record(Remove(step.urn), ClearPending(step.urn))
                return
            else:  # pragma: no cover - same steps never reach the runner
                raise PlanError(f"cannot execute a {step.op} step")
        except StateError:
            raise  # the call was made or not; the pending record lets the next run find out
        except DssPulumiError as exc:
            raise self._settle_after_failure(step, pending, exc) from exc
        except Exception as exc:
            failure = ProviderError(f"{step.logical_name}: unexpected error: {exc!r}")
            raise self._settle_after_failure(step, pending, failure) from exc
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
            mark=mark,
        )
        self.cp.record(Put(record), ClearPending(step.urn))

    def _adopt(
        self,
        provider: Provider,
        step: Step,
        plain: dict[str, Any],
        outputs: dict[str, Any],
        pending: PendingOperation,
    ) -> dict[str, Any]:
        """Adopt an existing object: write the stack's mark, and the declared values.

        From here on the object is the stack's, proven by its mark like any object it
        created. The update is the difference the plan showed (the mark alone if none).
        """
        found = provider.inspect(plain, outputs)
        kind = step.type.split(":", 1)[-1].lower()
        if found is None:
            raise AdoptionError(
                f"{step.logical_name}: the {kind} to import is no longer in DSS; nothing was "
                "changed"
            )
        owner = StateOwner.of(self.cp.state, self.cp.backend.url) if found.mark else None
        refusal = adoption_refusal(step.urn, found, owner)
        if refusal is not None:
            raise AdoptionError(f"{step.logical_name}: cannot import {kind}: {refusal}")
        return provider.update(
            found.inputs, plain, outputs, owner=None, mark=self._mark(pending.id, step.urn)
        )

    def _mark(self, op_id: str, urn: str) -> Mark:
        return mark_for(self.cp.state, self.cp.backend.url, op_id, urn)

    def _resolve(self, step: Step, inputs: dict[str, Any]) -> dict[str, Any]:
        """The step's inputs with the values known after apply filled in from the state,
        where the producers (dependencies, so already run) recorded their outputs."""
        try:
            resolved: dict[str, Any] = resolve_unknowns(inputs, _output_of(self.cp.state))
        except KeyError as exc:
            raise ProviderError(
                f"{step.logical_name}: the value of {exc.args[0]} is not known after applying "
                "its resource (its provider returned no such output); nothing was sent",
                urn=step.urn,
            ) from None
        return resolved

    def _claim(
        self, provider: Provider, step: Step, pending: PendingOperation, plain: dict[str, Any]
    ) -> PendingOperation:
        """Before a create whose call cannot carry the mark: the name must be free, on record.

        The object exists unmarked between the create call and the write of its mark. The
        pending record says when (on DSS's clock) the name was found free, so an unmarked
        object that DSS created just after can only be this operation's. A name already
        taken is a conflict, found before anything is sent or recorded.
        """
        if provider.marks_on_create:
            return pending
        try:
            found = self.settling.again(
                "read", step.logical_name, step.urn, lambda: provider.inspect(plain, {})
            )
        except ProviderError as exc:
            exc.urn = step.urn
            raise
        if found is not None:
            raise self._conflict(step)
        claimed_at = self.registry.server_time()
        if claimed_at is None:
            return pending  # no DSS clock to prove it by: an unmarked object is never adopted
        return attrs.evolve(pending, absent=True, claimed_at=claimed_at)

    def _create(
        self, provider: Provider, step: Step, plain: dict[str, Any], pending: PendingOperation
    ) -> dict[str, Any]:
        """Create, verifying through the mark any attempt whose outcome is unknown
        (``settling``): never sent twice blindly, converged when found ours."""
        return self.settling.create(
            provider,
            plain,
            self._mark(pending.id, step.urn),
            name=step.logical_name,
            urn=step.urn,
            ours=lambda found: created_by(pending, found),
            conflict=lambda: self._conflict(step),
        )

    @staticmethod
    def _conflict(step: Step) -> ConflictError:
        kind = step.type.split(":", 1)[-1].lower()
        return ConflictError(
            f"{step.logical_name}: a {kind} named {step.name} already exists in DSS and was not "
            "created by this stack; nothing was changed. Rename it in the stack, rename or "
            "delete the one in DSS if it is not needed, or adopt it with "
            f"opts=dss.ResourceOptions(import_id={step.logical_name!r})",
            urn=step.urn,
        )

    def _settle_after_failure(
        self, step: Step, pending: PendingOperation, exc: DssPulumiError
    ) -> DssPulumiError:
        """A failed call may have half-happened: read DSS now so state tells the truth.

        Only an object carrying this operation's mark (or the record's own) is recorded;
        a create that met someone else's object is reported as a conflict. Returns the
        error to raise.
        """
        if isinstance(exc, ProviderError):
            exc.urn = step.urn
        try:
            found = self.settling.again(
                "read",
                step.logical_name,
                step.urn,
                lambda: inspect_declared(self.registry, step.type, pending.inputs, pending.outputs),
            )
        except Exception:  # noqa: BLE001 - leave it pending; the next run reconciles
            return exc
        existing = self.cp.state.get(step.urn)
        pending = next((p for p in self.cp.state.pending if p.urn == step.urn), pending)
        outcome = settle(pending, found, existing)
        if isinstance(exc, PartialCreateError) and found is not None and found.mark is None:
            # DSS answered the create: the object is ours though the mark could not be written.
            outcome = Settlement(
                record_from_dss(
                    pending, found.inputs, existing, mark=None, found_outputs=found.outputs
                ),
                "found in DSS (this run created it), recorded as it is",
            )
        if unknown_outcome(exc):
            exc.message = settled_message(exc.message, outcome.note)
        if outcome.record is None:
            self.cp.record(Remove(step.urn), ClearPending(step.urn))
        else:
            self.cp.record(Put(outcome.record), ClearPending(step.urn))
        if outcome.foreign and not isinstance(exc, NotOwnedError | AdoptionError):
            return self._conflict(step)
        return exc
