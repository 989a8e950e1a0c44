"""Step execution: one operation per kind of step, each durable around its DSS call.

Every operation first records a pending operation (``begin``), then calls DSS (``call``),
then records the result with the pending record cleared, in one journal write. A call that
fails may have half-happened: DSS is read at once and the state settled by the mark
(``settlement``), so it tells the truth; what cannot be read stays pending for the next
run's reconciliation.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from dsspulumi.checkpoint import Checkpointer, ClearPending, Put, Remove, SetPending
from dsspulumi.engine.imports import adopt
from dsspulumi.engine.records import output_of
from dsspulumi.engine.results import Listener, NullListener
from dsspulumi.engine.settlement import (
    created_by,
    created_unmarked,
    inspect_declared,
    settle,
)
from dsspulumi.errors import (
    AdoptionError,
    ConflictError,
    DssPulumiError,
    NotOwnedError,
    PartialCreateError,
    PlanError,
    ProviderError,
    StateError,
)
from dsspulumi.executor import release_dependants
from dsspulumi.output import resolve_unknowns, reveal_all
from dsspulumi.ownership import StateOwner, mark_for
from dsspulumi.plan import Op, Step
from dsspulumi.provider import Mark, Provider, ProviderRegistry, step_context
from dsspulumi.release import release_retained
from dsspulumi.settling import StepRetry, settled_message, unknown_outcome
from dsspulumi.state import PendingOperation, ResourceState, now
from dsspulumi.urn import kind_label

_NOT_PREPARED: Any = object()


def _preparable(step: Step) -> bool:
    """Steps whose start is a pending record and a call (not a release, which records its own)."""
    return step.op in StepRunner.OPERATIONS and not (step.op is Op.DELETE and step.retain)


@attrs.frozen
class Call:
    """One step as its operation sees it: the object's values, declared and as recorded."""

    step: Step
    provider: Provider
    old: ResourceState | None
    inputs: dict[str, Any]  # declared, values known after apply filled in
    plain: dict[str, Any]  # the same, secrets revealed: what DSS is sent
    outputs: dict[str, Any]
    pending: PendingOperation

    @property
    def recorded(self) -> ResourceState:
        """The record an update, replace or delete works on (the plan gives them one)."""
        if self.old is None:
            raise PlanError(f"{self.step.logical_name}: a {self.step.op} step has no record")
        return self.old


@attrs.frozen
class Done:
    """What a successful call leaves: the object's outputs and the mark it carries."""

    outputs: dict[str, Any]
    mark: str | None


class Operation:
    """One kind of step. ``begin`` makes the durable pending record; ``call`` talks to DSS
    and returns what to record (None: the operation recorded its own end)."""

    def intent(self, runner: StepRunner, call: Call) -> PendingOperation:
        """The pending record to make durable before the call (reads DSS at most)."""
        return call.pending

    def begin(self, runner: StepRunner, call: Call) -> PendingOperation:
        pending = self.intent(runner, call)
        runner.cp.record(SetPending(pending))
        return pending

    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> Done | None:
        raise NotImplementedError


class Create(Operation):
    def intent(self, runner: StepRunner, call: Call) -> PendingOperation:
        # The name check is a read: it goes before the pending record, which then says
        # what it found, in the one durable write that must precede the create call.
        return runner.claim(call)

    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> Done:
        return Done(runner.create(call, pending), pending.id)


class Update(Operation):
    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> Done:
        owner = call.pending.mark
        # A record from before marks existed gets its mark on its first update.
        new_mark = runner.mark(pending.id, call.step.urn) if owner is None else None
        was = reveal_all(call.recorded.inputs)
        outputs = runner.settling.again(
            "update",
            call.step.logical_name,
            call.step.urn,
            lambda: call.provider.update(was, call.plain, call.outputs, owner=owner, mark=new_mark),
        )
        return Done(outputs, new_mark.id if new_mark is not None else owner)


class Replace(Operation):
    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> Done:
        old = reveal_all(call.recorded.inputs)
        call.provider.delete(old, call.outputs, owner=call.pending.mark)
        runner.cp.record(Remove(call.step.urn))
        pending = runner.claim(attrs.evolve(call, pending=pending))
        runner.cp.record(SetPending(pending))
        return Done(runner.create(call, pending), pending.id)


class Import(Operation):
    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> Done:
        mark = runner.mark(pending.id, call.step.urn)
        outputs = adopt(call.provider, call.step, call.plain, call.outputs, runner.owner, mark)
        return Done(outputs, pending.id)


class Delete(Operation):
    def call(self, runner: StepRunner, call: Call, pending: PendingOperation) -> None:
        runner.settling.again(
            "delete",
            call.step.logical_name,
            call.step.urn,
            lambda: call.provider.delete(call.plain, call.outputs, owner=call.pending.mark),
        )
        runner.cp.record(Remove(call.step.urn), ClearPending(call.step.urn))


class StepRunner:
    """Carries out one step: pending record, provider call, result record, each durable."""

    OPERATIONS: ClassVar[dict[Op, Operation]] = {
        Op.CREATE: Create(),
        Op.UPDATE: Update(),
        Op.REPLACE: Replace(),
        Op.IMPORT: Import(),
        Op.DELETE: Delete(),
    }

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
        # Steps whose pending record was made durable ahead of their start (``prepare``):
        # their call and pending, None (nothing to send), or what preparing them raised.
        self._prepared: dict[str, tuple[Call, PendingOperation] | BaseException | None] = {}
        self._prepared_lock = threading.Lock()

    def prepare(self, steps: Sequence[Step]) -> None:
        """Ahead of their start, while the running steps wait on DSS: the pending records of
        steps that are ready, in one journal write, so that a step starts with its call.

        A step's pending record is durable before its call either way; made early, it costs
        the run one write for many steps instead of one wait per step. A step prepared but
        never started (the run stopped) has its pending record cleared (``abandon_prepared``);
        were the run killed first, the next run reconciles it like any other: DSS holds
        nothing of it."""
        entries: dict[str, tuple[Call, PendingOperation] | BaseException | None] = {}
        with self._prepared_lock:
            todo = [s for s in steps if s.urn not in self._prepared and _preparable(s)]
        for step in todo:
            step_context.urn = step.urn
            try:
                call = self._call(step)
                operation = self.OPERATIONS[step.op]
                entries[step.urn] = None if call is None else (call, operation.intent(self, call))
            except Exception as exc:  # noqa: BLE001 - raised when the step runs, as it would be
                entries[step.urn] = exc
            finally:
                step_context.urn = None
        intents = [SetPending(e[1]) for e in entries.values() if isinstance(e, tuple)]
        if intents:
            try:
                self.cp.record(*intents)
            except StateError as exc:
                entries = {u: exc if isinstance(e, tuple) else e for u, e in entries.items()}
        with self._prepared_lock:
            self._prepared.update(entries)

    def abandon_prepared(self) -> None:
        """Clear the pending records of prepared steps that never started."""
        with self._prepared_lock:
            left = [e[1].urn for e in self._prepared.values() if isinstance(e, tuple)]
            self._prepared.clear()
        if left:
            self.cp.record(*[ClearPending(urn) for urn in left])

    def _take_prepared(self, urn: str) -> tuple[Call, PendingOperation] | BaseException | None:
        with self._prepared_lock:
            return self._prepared.pop(urn, _NOT_PREPARED)

    def run(self, step: Step) -> None:
        step_context.urn = step.urn
        try:
            self._run(step)
        finally:
            step_context.urn = None

    def _run(self, step: Step) -> None:
        if step.op is Op.DELETE and step.retain:
            # Released, not deleted: the object stays in DSS without the stack's mark.
            release_retained(self.registry, self.cp, self.listener.notice, step)
            return
        operation = self.OPERATIONS.get(step.op)
        if operation is None:  # pragma: no cover - same and read steps never reach the runner
            raise PlanError(f"cannot execute a {step.op} step")
        prepared = self._take_prepared(step.urn)
        if isinstance(prepared, BaseException):
            raise prepared
        if prepared is None:
            return  # prepared: it had nothing to send (recorded then)
        if isinstance(prepared, tuple):
            call, pending = prepared
        else:
            fresh = self._call(step)
            if fresh is None:
                return
            call, pending = fresh, operation.begin(self, fresh)
        try:
            done = operation.call(self, call, pending)
        except StateError:
            raise  # the call was made or not; the pending record lets the next run find out
        except DssPulumiError as exc:
            raise self._settle_after_failure(step, pending, exc) from exc
        except Exception as exc:
            failure = ProviderError(f"{step.logical_name}: unexpected error: {exc!r}")
            raise self._settle_after_failure(step, pending, failure) from exc
        if done is not None:  # the pending record settles it if this one is lost: no wait
            self.cp.record(Put(self._record(call, done)), ClearPending(step.urn), wait=False)

    def _call(self, step: Step) -> Call | None:
        """The step's values; None when it turns out to have nothing to send (recorded)."""
        node, old = step.node, step.old
        declared = step.inputs if step.inputs is not None else old.inputs if old else {}
        inputs = dict(declared)
        outputs = dict(old.outputs) if old else {}
        if step.op is Op.IMPORT and node is not None:
            outputs = dict(node.options.import_outputs)
        deps = list(node.deps) if node else list(old.dependencies) if old else []
        if node is not None and node.output_deps:
            inputs = self._resolve(step, inputs)
            if old is not None and step.op is not Op.DELETE and inputs == old.inputs:
                # Known now, and equal to what DSS holds: nothing to send.
                self.cp.record(Put(attrs.evolve(old, urn=step.urn, dependencies=deps)))
                return None
        pending = PendingOperation(
            urn=step.urn,
            op=str(step.op),
            type=step.type,
            name=step.name,
            inputs=inputs,
            outputs=outputs,
            dependencies=deps,
            mark=old.mark if old else None,
        )
        provider = self.registry.provider(step.type)
        return Call(step, provider, old, inputs, reveal_all(inputs), outputs, pending)

    @staticmethod
    def _record(call: Call, done: Done) -> ResourceState:
        step, node, old = call.step, call.step.node, call.old
        return ResourceState(
            urn=step.urn,
            type=step.type,
            name=step.name,
            inputs=call.inputs,
            outputs=done.outputs,
            dependencies=list(call.pending.dependencies),
            protect=node.options.protect if node else False,
            retain_on_delete=node.options.retain_on_delete if node else False,
            created_at=old.created_at if old and step.op is Op.UPDATE else now(),
            mark=done.mark,
        )

    # --- what the operations share -------------------------------------------------------
    def owner(self) -> StateOwner:
        return StateOwner.of(self.cp.state, self.cp.backend.url)

    def mark(self, op_id: str, urn: str) -> Mark:
        return mark_for(self.cp.state, self.cp.backend.url, op_id, urn)

    def _resolve(self, step: Step, inputs: dict[str, Any]) -> dict[str, Any]:
        """The step's inputs with the values known after apply filled in from the state,
        where the producers (dependencies, so already run) recorded their outputs."""
        try:
            resolved: dict[str, Any] = resolve_unknowns(inputs, output_of(self.cp.state))
        except KeyError as exc:
            raise ProviderError(
                f"{step.logical_name}: the value of {exc.args[0]} is not known after applying "
                "its resource (its provider returned no such output); nothing was sent",
                urn=step.urn,
            ) from None
        return resolved

    def claim(self, call: Call) -> PendingOperation:
        """Before a create whose call cannot carry the mark: the name must be free, on record.

        The object exists unmarked between the create call and the write of its mark. The
        pending record says when (on DSS's clock) the name was found free, so an unmarked
        object that DSS created just after can only be this operation's. A name already
        taken is a conflict, found before anything is sent or recorded.
        """
        step, provider = call.step, call.provider
        if provider.marks_on_create:
            return call.pending
        # One listing per project and kind, when the provider has one (``providers.dss.claims``).
        free_since = getattr(provider, "free_since", None)
        try:
            claimed_at = (
                None
                if free_since is None
                else self.settling.again(
                    "read", step.logical_name, step.urn, lambda: free_since(call.plain)
                )
            )
            if claimed_at is not None:
                return attrs.evolve(call.pending, absent=True, claimed_at=claimed_at)
            found = self.settling.again(
                "read", step.logical_name, step.urn, lambda: provider.inspect(call.plain, {})
            )
        except ProviderError as exc:
            exc.urn = step.urn
            raise
        if found is not None:
            raise self._conflict(step)
        claimed_at = self.registry.server_time()
        if claimed_at is None:
            return call.pending  # no DSS clock to prove it by: an unmarked object is never adopted
        return attrs.evolve(call.pending, absent=True, claimed_at=claimed_at)

    def create(self, call: Call, pending: PendingOperation) -> dict[str, Any]:
        """Create, verifying through the mark any attempt whose outcome is unknown
        (``settling``): never sent twice blindly, converged when found ours."""
        step = call.step
        step_context.on_exists = lambda outputs: self._exists(call, pending, outputs)
        try:
            return self.settling.create(
                call.provider,
                call.plain,
                self.mark(pending.id, step.urn),
                name=step.logical_name,
                urn=step.urn,
                ours=lambda found: created_by(pending, found),
                conflict=lambda: self._conflict(step),
            )
        finally:
            step_context.on_exists = None

    def _exists(self, call: Call, pending: PendingOperation, outputs: dict[str, Any]) -> None:
        """The provider says the object exists, marked, before its writes after creation: it
        is recorded with its pending record kept (a crash now is settled by the mark, like any
        create), and the steps that depend on it may start. Their own pending records come
        later in the journal, so this record is durable before anything they send."""
        record = self._record(call, Done(outputs, pending.id))
        self.cp.record(Put(record), wait=False)
        release_dependants()

    @staticmethod
    def _conflict(step: Step) -> ConflictError:
        return ConflictError(
            f"{step.logical_name}: a {kind_label(step.type)} named {step.name} already exists "
            "in DSS and was not created by this stack; nothing was changed. Rename it in the "
            "stack, rename or delete the one in DSS if it is not needed, or adopt it with "
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

        def read() -> Any:
            return inspect_declared(self.registry, step.type, pending.inputs, pending.outputs)

        try:
            found = self.settling.again("read", step.logical_name, step.urn, read)
        except Exception:  # noqa: BLE001 - leave it pending; the next run reconciles
            return exc
        existing = self.cp.state.get(step.urn)
        pending = next((p for p in self.cp.state.pending if p.urn == step.urn), pending)
        outcome = settle(pending, found, existing)
        if isinstance(exc, PartialCreateError) and found is not None and found.mark is None:
            # DSS answered the create: the object is ours though the mark could not be written.
            outcome = created_unmarked(pending, found, existing)
        if unknown_outcome(exc):
            exc.message = settled_message(exc.message, outcome.note)
        if outcome.record is None:
            self.cp.record(Remove(step.urn), ClearPending(step.urn))
        else:
            self.cp.record(Put(outcome.record), ClearPending(step.urn))
        if outcome.foreign and not isinstance(exc, NotOwnedError | AdoptionError):
            return self._conflict(step)
        return exc
