"""The planning commands: preview, up/destroy (``apply``), refresh and import.

A ``StackRun`` owns the run's order of operations and its safety rules (lock before reading
state for a writing run, pending operations recorded before each API call and reconciled on
the next run, a checkpoint after every step); it knows nothing of DSS beyond the
``ProviderRegistry`` protocol and nothing of terminals beyond the ``Listener`` it reports to.
How the plan is made is ``pipeline``; how a step runs, ``steps``.
"""

from __future__ import annotations

import contextlib
import getpass
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from dsspulumi.backends.base import Backend
from dsspulumi.checkpoint import Checkpointer, load_state
from dsspulumi.engine.imports import adopting_graph, exactly_as_dss, import_plan, resolve_imports
from dsspulumi.engine.pipeline import plan_run, reconcile, refresh_records
from dsspulumi.engine.records import apply_moves, export_values, refresh_metadata
from dsspulumi.engine.results import Keyring, Listener, NullListener, RefreshResult, RunResult
from dsspulumi.engine.steps import StepRunner
from dsspulumi.errors import AdoptionError, CorruptStateError, StateError
from dsspulumi.executor import execute
from dsspulumi.graph import Node, ResourceGraph
from dsspulumi.outage import stops_when_dss_down
from dsspulumi.ownership import no_state_message
from dsspulumi.plan import Plan, make_plan
from dsspulumi.preflight import kinds_to_read_ahead
from dsspulumi.provider import ProviderRegistry
from dsspulumi.secrets import Crypter
from dsspulumi.state import ResourceState, State, now, to_json
from dsspulumi.status import SUCCEEDED, run_result


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
    # The enabled policy packs (``dsspulumi.policy.PolicyCheck``): run on the plan, before
    # anything changes. None: no pack, no cost.
    policy: Any = None
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
        self,
        *,
        lock_timeout: float = 0.0,
        announce_new: bool = False,
        loaded: Callable[[State], None] = lambda _state: None,
    ) -> Iterator[Checkpointer]:
        """Lock the stack, load its state and hand out the run's checkpointer."""
        with self.backend.lock(
            self.stack, self.env, self.command, timeout=lock_timeout, notice=self.listener.notice
        ) as lease:
            state, version, journal_records = self._load()
            loaded(state)
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
            try:
                yield checkpoint
            finally:  # a run cut short (Ctrl-C, an error): what is queued is written
                with contextlib.suppress(StateError):
                    checkpoint.flush()

    # --- commands --------------------------------------------------------------------------
    @stops_when_dss_down("nothing was changed")
    def preview(
        self,
        graph: ResourceGraph | None,
        *,
        targets: list[str] | None = None,
        refresh: bool = False,
        parallel: int = 10,
    ) -> RunResult:
        """The plan ``up`` would carry out. ``parallel``: concurrent reads of ``refresh``."""
        t0 = time.perf_counter()
        state, version, journal_records = self._load()
        if version is None and not journal_records:
            self.listener.notice(no_state_message(self.stack, self.env, self.backend.url))
        t1 = time.perf_counter()
        # Lookups and preflight read DSS: checked by preview when it reads DSS anyway.
        planned = plan_run(
            state,
            graph,
            self._registry,
            backend_url=self.backend.url,
            notice=self.listener.notice,
            targets=targets,
            refresh=refresh,
            check=refresh,
            parallel=parallel,
        )
        t2 = time.perf_counter()
        self.listener.plan_ready(planned.plan)
        timings = {"load_state": t1 - t0, "plan": t2 - t1}
        result = RunResult(plan=planned.plan, drift=planned.drift, timings=timings)
        if self.policy is not None:
            result.policy = self.policy.check(graph, planned.plan, mode="preview")
        return result

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
        registry, checked = self._registry_checking()
        if graph is None and self.backend.read_state(self.stack, self.env) is None:
            # Nothing was ever applied: nothing to destroy, and no state to create for it.
            checked()
            plan = make_plan(ResourceGraph(stack=self.stack, env=self.env), None)
            self.listener.plan_ready(plan)
            return RunResult(plan=plan)

        def loaded(state: State) -> None:  # before anything is written: the key is good
            read_ahead = getattr(registry, "read_names_ahead", None)
            if read_ahead is not None:
                read_ahead(kinds_to_read_ahead(graph, (r.urn for r in state.resources)))
            checked()

        with self.writing(
            lock_timeout=lock_timeout, announce_new=kind == "up", loaded=loaded
        ) as checkpoint:
            state = checkpoint.state
            started = now()
            planned = plan_run(
                state,
                graph,
                lambda: registry,
                backend_url=self.backend.url,
                notice=self.listener.notice,
                targets=targets,
                refresh=refresh,
                parallel=parallel,
                settled=checkpoint.compact,
            )
            plan = planned.plan
            self.listener.plan_ready(plan)
            result = RunResult(plan=plan, drift=planned.drift)
            if self.policy is not None:  # a mandatory violation: nothing is changed
                result.policy = self.policy.check(graph, plan, mode=kind)
                if self.policy.blocks(result.policy):
                    return result
            if expect_no_changes and plan.has_changes:
                return result
            if plan.has_changes and not confirm(plan):
                result.cancelled = True
                return result
            apply_moves(plan, checkpoint)
            runner = StepRunner(registry, checkpoint, self.listener, retries=self.retries)
            try:
                result.outcomes = execute(
                    plan,
                    runner.run,
                    parallel=parallel,
                    listener=self.listener.step,
                    fatal=(StateError,),
                    halt=lambda: _stopped_answering(registry),
                    prepare=runner.prepare,
                )
            finally:
                with contextlib.suppress(StateError):
                    runner.abandon_prepared()
            result.applied = True
            result.outage = registry.outage()
            outputs = export_values(graph.exports, state) if graph is not None else {}
            result.outputs = outputs
            refresh_metadata(state, plan)
            if graph is not None:
                state.outputs = outputs
            elif targets is None:
                state.outputs = {}
            state.updated_at = now()
            self._compact_after_steps(checkpoint, result)
            result.counters = {
                "journal_writes": checkpoint.journal_writes,
                "journal_bytes": checkpoint.journal_bytes,
                "state_writes": checkpoint.state_writes,
                "state_bytes": checkpoint.state_bytes,
            }
            self._history(
                checkpoint,
                kind=kind,
                started=started,
                result=run_result(result.succeeded),
                summary=result.plan.summary(),
            )
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
                notes=reconcile(state, registry) if state.pending else [],
                drift=refresh_records(state, registry, batch=batch),
            )
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            started = now()
            notes = reconcile(checkpoint.state, registry)
            drift = refresh_records(checkpoint.state, registry, batch=batch)
            checkpoint.compact()
            summary = {"drift": len(notes) + len(drift)}
            self._history(
                checkpoint, kind="refresh", started=started, result=SUCCEEDED, summary=summary
            )
            return RefreshResult(notes=notes, drift=drift, recorded=True)

    def import_program(
        self,
        graph: ResourceGraph,
        outputs: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        parallel: int = 10,
        lock_timeout: float = 0.0,
    ) -> RunResult:
        """Adopt every object a generated program declares (``dss import project``).

        The generated code must declare exactly what DSS holds (``exactly_as_dss``), and the
        state must not manage anything yet.
        """
        existing = self.load_state()
        if existing.resources:
            raise AdoptionError(
                f"stack '{self.stack}' (env '{self.env}') already manages "
                f"{len(existing.resources)} object(s); import a project into a new stack (or "
                "adopt single objects with `dss import resource`)"
            )
        return self.apply(
            adopting_graph(graph, outputs),
            parallel=parallel,
            confirm=exactly_as_dss,
            kind="import",
            lock_timeout=lock_timeout,
        )

    def import_one(self, node: Node, *, lock_timeout: float = 0.0) -> ResourceState:
        """Adopt one existing object into the state (``dss import resource``).

        The object gets the stack's mark, its declared properties are recorded as DSS holds
        them, and nothing else in DSS changes.
        """
        registry = self._registry()
        with self.writing(lock_timeout=lock_timeout) as checkpoint:
            if checkpoint.state.get(node.urn) is not None:
                raise AdoptionError(
                    f"{node.logical_name} is already in the state of stack '{self.stack}' "
                    f"(env '{self.env}'); nothing to import"
                )
            plan = import_plan(self.stack, self.env, node)
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
            if record is None:  # pragma: no cover - the step raises rather than record nothing
                raise AdoptionError(f"{node.logical_name}: the import recorded nothing")
            return record

    # --- helpers ---------------------------------------------------------------------------
    def _registry(self) -> ProviderRegistry:
        registry = self.providers()
        self.dss = registry
        registry.check_connection()
        return registry

    def _registry_checking(self) -> tuple[ProviderRegistry, Callable[[], None]]:
        """The registry, its API key being checked in a thread; the callable waits for the
        check and raises what it found. ``apply`` meanwhile locks, loads and starts the
        preflight's reads, so the check costs the run no time of its own."""
        registry = self.providers()
        self.dss = registry
        outcome: list[BaseException] = []

        def check() -> None:
            try:
                registry.check_connection()
            except BaseException as exc:  # noqa: BLE001 - raised by the caller's wait
                outcome.append(exc)

        thread = threading.Thread(target=check, name="dss-auth-check", daemon=True)
        thread.start()

        def checked() -> None:
            thread.join()
            if outcome:
                raise outcome[0]

        return registry, checked

    @staticmethod
    def _compact_after_steps(checkpoint: Checkpointer, result: RunResult) -> None:
        try:
            checkpoint.compact()
        except StateError as exc:
            failed = sum(1 for o in result.outcomes.values() if o.status != SUCCEEDED)
            exc.hint = (
                f"{len(result.outcomes) - failed} step(s) completed; what was recorded before "
                "the failure is kept (state and journal), and operations in flight are "
                "checked against DSS by the next run. Run the command again once the "
                "backend is reachable."
            )
            raise

    def _history(
        self,
        checkpoint: Checkpointer,
        *,
        kind: str,
        started: float,
        result: str,
        summary: Mapping[str, int],
    ) -> None:
        """Keep the state just written as a history entry (S3 copies it server-side)."""
        state = checkpoint.state
        meta = {
            "kind": kind,
            "result": result,
            "started_at": started,
            "finished_at": now(),
            "user": _user(),
            "host": socket.gethostname(),
            "summary": dict(summary),
            "resources": len(state.resources),
        }
        data = checkpoint.last_written or to_json(state, self._crypter())
        self.backend.append_history(self.stack, self.env, data, meta)


def _stopped_answering(registry: ProviderRegistry) -> str | None:
    outage = registry.outage()
    return outage.headline if outage is not None else None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "unknown"
