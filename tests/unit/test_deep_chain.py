"""No recursion from program to plan: a 20,000-deep chain plans under the default limit.

A recursive graph walk, value conversion or diff would raise ``RecursionError`` at this
depth (the interpreter's limit is 1,000 by default), or would need the limit raised.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import dsspulumi as dss
from dsspulumi import program_context
from dsspulumi.errors import GraphError
from dsspulumi.graph import ResourceGraph, tolerant_order, topological_order
from dsspulumi.output import Output, to_engine
from dsspulumi.plan import Op, diff_inputs, make_plan
from dsspulumi.state import ResourceState, State

DEPTH = 20_000


@pytest.fixture
def recursion_limit():
    limit = sys.getrecursionlimit()
    yield limit
    assert sys.getrecursionlimit() == limit, "the recursion limit was changed"


def _chain_graph(depth: int) -> ResourceGraph:
    """A project, then ``depth`` datasets each depending on the one before."""
    ctx = program_context.ProgramContext(stack="deep", env="dev", stack_file=Path("deep.py"))
    with program_context.activate(ctx):
        project = dss.Project("DEEP", name="Deep")
        previous = None
        for i in range(depth):
            opts = dss.ResourceOptions(depends_on=[previous]) if previous is not None else None
            previous = dss.ManagedDataset(f"DS_{i}", project=project, connection="c", opts=opts)
    return ResourceGraph.from_resources("deep", "dev", ctx.resources.values(), ctx.exports)


def test_a_20000_deep_dependency_chain_builds_sorts_and_plans(recursion_limit):
    graph = _chain_graph(DEPTH)
    order = graph.topological_order()
    assert order == list(graph.nodes)  # each dataset after the one it depends on
    assert len(order) == DEPTH + 1

    plan = make_plan(graph, None)
    assert [s.op for s in plan.steps] == [Op.CREATE] * (DEPTH + 1)
    assert plan.steps[-1].deps == (order[0], order[-2])

    # Applied: the same graph plans as all `same`; without the program, deletes come
    # dependants first (the state's edges are walked too).
    state = State(stack="deep", env="dev")
    state.resources = [
        ResourceState(
            urn=node.urn,
            type=node.type,
            name=node.name,
            inputs=dict(node.inputs),
            dependencies=list(node.deps),
        )
        for node in graph.nodes.values()
    ]
    again = make_plan(graph, state)
    assert {s.op for s in again.steps} == {Op.SAME}
    gone = make_plan(ResourceGraph(stack="deep", env="dev"), state)
    assert [s.urn for s in gone.steps] == order[::-1]


def test_a_20000_deep_flow_chain_passes_the_flow_checks(recursion_limit):
    ctx = program_context.ProgramContext(stack="flow", env="dev", stack_file=Path("flow.py"))
    with program_context.activate(ctx):
        project = dss.Project("FLOW", name="Flow")
        datasets = [
            dss.ManagedDataset(f"DS_{i}", project=project, connection="c")
            for i in range(DEPTH // 2 + 1)
        ]
        for i in range(DEPTH // 2):
            dss.SyncRecipe(
                f"r_{i}", project=project, inputs=[datasets[i]], outputs=[datasets[i + 1]]
            )
    graph = ResourceGraph.from_resources("flow", "dev", ctx.resources.values(), {})
    assert len(graph.nodes) == 1 + DEPTH + 1


def test_a_20000_long_cycle_is_reported_not_overflowed(recursion_limit):
    keys = [f"urn:dss:dev::s::dss:Dataset::P.d{i}" for i in range(DEPTH)]
    deps = {key: [keys[i - 1]] for i, key in enumerate(keys)}  # d0 depends on the last one
    with pytest.raises(GraphError, match="dependency cycle: P.d"):
        topological_order(deps)
    # The tolerant order of recorded dependencies breaks the cycle instead.
    assert sorted(tolerant_order(deps)) == sorted(keys)


def test_values_nested_deeper_than_the_recursion_limit_convert_and_diff(recursion_limit):
    depth = 5 * recursion_limit
    value: object = "leaf"
    for _ in range(depth):
        value = {"child": [Output(value)]}
    converted = to_engine({"deep": value})
    levels = 0
    node = converted["deep"]
    while isinstance(node, dict):
        node = node["child"][0]
        levels += 1
    assert levels == depth and node == "leaf"

    old: dict = {"leaf": 1}
    new: dict = {"leaf": 2}
    for _ in range(depth):
        old, new = {"k": old}, {"k": new}
    (change,) = diff_inputs(old, new)
    assert change.path == ".".join(["k"] * depth + ["leaf"])
    assert (change.old, change.new) == (1, 2)
