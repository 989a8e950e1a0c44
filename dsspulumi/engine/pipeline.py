"""The one way ``preview`` and ``up``/``destroy`` come to a plan.

reconcile (settle what a dead run left pending) -> refresh (``--refresh``: read DSS) ->
plan -> lookups (``.get()`` objects exist) -> preflight (names the stack uses exist) ->
imports (read every object to adopt). ``preview`` runs it on a read-only copy of the
state, ``up`` under the lock, making the settled state durable before it says anything.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from dsspulumi.drift import CHANGED, Drift, compare, read_all
from dsspulumi.engine.imports import resolve_imports
from dsspulumi.engine.settlement import inspect_declared, settle
from dsspulumi.errors import MissingLookupError
from dsspulumi.graph import ResourceGraph
from dsspulumi.plan import Op, Plan, make_plan
from dsspulumi.preflight import check_names
from dsspulumi.provider import ProviderRegistry
from dsspulumi.state import State
from dsspulumi.urn import kind_of, logical_name, resolve_targets


@attrs.frozen
class Planned:
    plan: Plan
    drift: list[Drift]


def plan_run(
    state: State,
    graph: ResourceGraph | None,
    registry: Callable[[], ProviderRegistry],
    *,
    backend_url: str,
    notice: Callable[[str], None],
    targets: list[str] | None = None,
    refresh: bool = False,
    check: bool = True,
    parallel: int = 10,
    settled: Callable[[], None] = lambda: None,
) -> Planned:
    """Plan ``graph`` (None: destroy everything) against ``state``, which it settles.

    ``registry`` is asked for DSS only when something needs it. ``check`` runs the lookups
    and preflight (``up`` always; ``preview`` with ``--refresh``, when it reads DSS anyway).
    ``settled`` is called once pending operations and drift are in ``state``, before they
    are reported.
    """
    registry = _once(registry)
    drift: list[Drift] = []
    if state.pending or refresh:
        dss = registry()
        notes = reconcile(state, dss) if state.pending else []
        if refresh:
            drift = refresh_records(state, dss, parallel=parallel)
            notes += [d.describe() for d in drift]
        settled()
        for note in notes:
            notice(note)
    planned = graph or ResourceGraph(stack=state.stack, env=state.env)
    known = set(state.by_urn()) | set(planned.nodes)
    plan = make_plan(planned, state, targets=resolve_targets(targets or None, known))
    if check:
        check_lookups(plan, registry())
        check_names(plan, graph, registry())
    if any(step.op is Op.IMPORT for step in plan.steps):
        plan = resolve_imports(plan, registry(), state, backend_url)
    return Planned(plan, drift)


def _once(make: Callable[[], ProviderRegistry]) -> Callable[[], ProviderRegistry]:
    """The registry, made (and its connection checked) at the first need only."""
    made: list[ProviderRegistry] = []

    def registry() -> ProviderRegistry:
        if not made:
            made.append(make())
        return made[0]

    return registry


def reconcile(state: State, registry: ProviderRegistry) -> list[str]:
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
        notes.append(f"{logical_name(op.urn)}: interrupted {op.op}; {outcome.note}")
    return notes


def refresh_records(
    state: State, registry: ProviderRegistry, *, batch: bool = True, parallel: int = 10
) -> list[Drift]:
    """Replace recorded inputs with what DSS holds now (declared keys only).

    Reads are batched per kind where the provider can, ``parallel`` at once otherwise
    (``drift.read_all``). An object that now carries another mark was deleted and re-created
    outside the tool: it is not ours, so it is dropped from the state and left alone in DSS.
    """
    found = read_all(registry, state.resources, batch=batch, parallel=parallel)
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


def check_lookups(plan: Plan, registry: ProviderRegistry) -> None:
    """Every object the stack reads with ``.get`` must exist, or nothing runs."""
    missing = []
    for step in plan.steps:
        if step.op is Op.READ and step.inputs is not None:
            if registry.provider(step.type).lookup(step.inputs) is None:
                where = f" (read at {step.node.source})" if step.node is not None else ""
                missing.append(f"{kind_of(step.type)} {step.logical_name}{where}")
    if missing:
        one = len(missing) == 1
        it = "it" if one else "them"
        raise MissingLookupError(
            f"{'; '.join(missing)}: not found in DSS. The stack reads {it} with .get() and "
            f"never creates {it}: check the name, or create {it} first. Nothing was changed"
        )
