"""What a run keeps current in the state besides the steps' own records: moved records,
options and edges, and the stack's exported values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from dsspulumi.checkpoint import Checkpointer, Put, Remove
from dsspulumi.output import Output, Secret, resolve_unknowns, to_engine, unwrap
from dsspulumi.plan import Plan
from dsspulumi.state import State
from dsspulumi.urn import logical_name


def apply_moves(plan: Plan, checkpoint: Checkpointer) -> None:
    """Records found under an alias take their new URN, before any step runs."""
    for step in plan.moves:
        rec = checkpoint.state.get(step.moved_from or "")
        if rec is None:
            continue
        checkpoint.record(Remove(rec.urn), Put(attrs.evolve(rec, urn=step.urn)))


def refresh_metadata(state: State, plan: Plan) -> None:
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


def output_of(state: State) -> Callable[[str, str], Any]:
    """A value known after apply, as its producer's record holds it (KeyError if not)."""

    def value_of(urn: str, key: str) -> Any:
        rec = state.get(urn)
        if rec is None or key not in rec.outputs:
            raise KeyError(f"{logical_name(urn)}.{key}")
        return rec.outputs[key]

    return value_of


def export_values(exports: Mapping[str, Any], state: State | None = None) -> dict[str, Any]:
    """The stack's exports as plain values (secrets stay ``Secret``) to record and print."""
    from dsspulumi.resource import Resource

    def convert(value: Any) -> Any:
        if isinstance(value, Output) and not value.is_known:
            # A value known after apply: as the producer's record now holds it (None if the
            # producer did not get created).
            if state is None:
                return None
            try:
                return convert(
                    resolve_unknowns(to_engine(value, lambda r: r._urn), output_of(state))
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
