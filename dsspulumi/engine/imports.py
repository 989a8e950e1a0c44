"""Import resolution and adoption: bringing an object that exists in DSS under the stack.

Before a run, every ``import`` step's object is read (``resolve_imports``): an id DSS does
not know, or an object another state owns, stops the run before anything changes; what
differs from the declaration is the step's diff. When the step runs, ``adopt`` writes the
stack's mark (and those differences). ``dss import project`` adopts a whole generated
program (``adopting_graph``), which must declare exactly what DSS holds (``exactly_as_dss``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from dsspulumi.engine.settlement import inspect_declared
from dsspulumi.errors import AdoptionError
from dsspulumi.graph import Node, ResourceGraph
from dsspulumi.output import resolve_unknowns
from dsspulumi.ownership import StateOwner, adoption_refusal
from dsspulumi.plan import Op, Plan, Step, diff_inputs
from dsspulumi.provider import Mark, Provider, ProviderRegistry
from dsspulumi.state import State
from dsspulumi.urn import kind_label, logical_name


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
            raise KeyError(f"{logical_name(urn)}.{key}")
        return rec.outputs[key]

    for step in plan.steps:
        if step.op is not Op.IMPORT or step.node is None or step.inputs is None:
            steps.append(step)
            continue
        opts = step.node.options
        inputs = resolve_unknowns(step.inputs, value_of, partial=True)
        found = inspect_declared(registry, step.type, inputs, opts.import_outputs)
        where = f" (declared at {step.node.source})" if step.node.source else ""
        kind = kind_label(step.type)
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


def adopt(
    provider: Provider,
    step: Step,
    plain: dict[str, Any],
    outputs: dict[str, Any],
    owner: Callable[[], StateOwner],
    mark: Mark,
) -> dict[str, Any]:
    """Adopt an existing object: write the stack's mark, and the declared values.

    From here on the object is the stack's, proven by its mark like any object it
    created. The update is the difference the plan showed (the mark alone if none).
    """
    found = provider.inspect(plain, outputs)
    kind = kind_label(step.type)
    if found is None:
        raise AdoptionError(
            f"{step.logical_name}: the {kind} to import is no longer in DSS; nothing was changed"
        )
    refusal = adoption_refusal(step.urn, found, owner() if found.mark else None)
    if refusal is not None:
        raise AdoptionError(f"{step.logical_name}: cannot import {kind}: {refusal}")
    return provider.update(found.inputs, plain, outputs, owner=None, mark=mark)


def adopting_graph(
    graph: ResourceGraph, outputs: Mapping[str, Mapping[str, Any]] | None
) -> ResourceGraph:
    """A generated program with every node imported (``import_id`` = its own identity).

    ``outputs`` (by URN) address objects whose DSS id is generated (``Existing.outputs``).
    """
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
    return ResourceGraph(stack=graph.stack, env=graph.env, nodes=nodes, exports={})


def exactly_as_dss(plan: Plan) -> bool:
    """A generated program must declare exactly what DSS holds: any difference is a bug of
    the code writer, and stops the run before anything is changed."""
    differs = [
        f"{s.logical_name} ({', '.join(d.path for d in s.diff)})" for s in plan.steps if s.diff
    ]
    if differs:
        raise AdoptionError(
            "the generated stack does not declare exactly what DSS holds for "
            f"{'; '.join(differs)}; nothing was adopted. Please report this"
        )
    return True


def import_plan(stack: str, env: str, node: Node) -> Plan:
    """The one-step plan of ``dss import resource``."""
    step = Step(
        op=Op.IMPORT,
        urn=node.urn,
        type=node.type,
        name=node.name,
        logical_name=node.logical_name,
        inputs=node.inputs,
        node=node,
    )
    return Plan(stack=stack, env=env, steps=(step,))
