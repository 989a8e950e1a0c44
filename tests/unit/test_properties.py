"""Property tests for the core rules (STYLE.md point 12), over random stacks and states."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsspulumi as dss
from dsspulumi.errors import PlanError
from dsspulumi.graph import ResourceGraph
from dsspulumi.plan import Op, Plan, make_plan
from dsspulumi.resource import Resource
from dsspulumi.state import PendingOperation, ResourceState, State, from_json, to_json

STACK, ENV = "st", "dev"

# Random exploration on developers' machines; a fixed seed on CI (CI=true) so that a
# submission's result does not depend on luck.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)

PROJECT_KEYS = ["PA", "PB", "PC"]
DATASET_NAMES = ["a", "b", "c", "d"]


@st.composite
def stacks(draw: st.DrawFn, *, flags: bool = False) -> list[Resource]:
    """A random valid stack: projects, datasets, and recipes forming an acyclic flow.

    Names come from small pools so two drawn stacks overlap (updates, replaces, deletes).
    With ``flags``, resources get random protect / retain_on_delete options.
    """

    def opts(
        extra_deps: list[Resource], ignorable: tuple[str, ...] = ("description",)
    ) -> dss.ResourceOptions | None:
        # Ignored paths are ones the resource has (test_plan.py covers ignored paths it does
        # not have).
        kw: dict[str, Any] = {}
        if extra_deps:
            kw["depends_on"] = extra_deps
        if draw(st.booleans()):
            kw["ignore_changes"] = draw(st.lists(st.sampled_from(ignorable), min_size=1))
        if flags:
            kw["protect"] = draw(st.booleans())
            kw["retain_on_delete"] = draw(st.booleans())
        return dss.ResourceOptions(**kw) if kw else None

    descriptions = st.sampled_from([None, "one", "two"])
    tags = st.lists(st.sampled_from(["x", "y"]), max_size=2)
    out: list[Resource] = []
    projects: list[dss.Project] = []
    for key in draw(st.lists(st.sampled_from(PROJECT_KEYS), min_size=1, max_size=3, unique=True)):
        # depends_on only towards earlier projects keeps the graph acyclic
        extra = draw(st.lists(st.sampled_from(projects), max_size=1)) if projects else []
        p = dss.Project(
            key, name=key.lower(), description=draw(descriptions), tags=draw(tags), opts=opts(extra)
        )
        projects.append(p)
        out.append(p)
    datasets: list[Resource] = []
    for p in projects:
        for name in draw(st.lists(st.sampled_from(DATASET_NAMES), max_size=3, unique=True)):
            if draw(st.booleans()):
                o = opts([], ("description", "params.path", "params.nested.k", "type"))
                ds: Resource = dss.Dataset(
                    name,
                    project=p,
                    type=draw(st.sampled_from(["PostgreSQL", "Snowflake"])),
                    connection=draw(st.sampled_from(["pg", "sf"])),
                    params={
                        "mode": "table",
                        "path": draw(st.sampled_from(["/a", "/b"])),
                        "nested": {"k": draw(st.integers(0, 1))},
                    },
                    description=draw(descriptions),
                    opts=o,
                )
            else:
                o = opts([], ("description", "format_type", "schema"))
                ds = dss.ManagedDataset(
                    name,
                    project=p,
                    connection="fs",
                    format_type=draw(st.sampled_from(["parquet", "csv"])),
                    schema=draw(st.sampled_from([None, [dss.Column("id", "int")]])),
                    description=draw(descriptions),
                    opts=o,
                )
            datasets.append(ds)
            out.append(ds)
    # A recipe producing datasets[k] reads only datasets[:k]: the flow is acyclic and each
    # dataset has at most one producer.
    for k, target in enumerate(datasets):
        if k == 0 or not draw(st.booleans()):
            continue
        inputs = draw(st.lists(st.sampled_from(datasets[:k]), min_size=1, max_size=2, unique_by=id))
        home = draw(st.sampled_from(projects))  # may be another project: cross-project refs
        name = f"r_{target.project.key}_{target.name}"
        kind = draw(st.sampled_from(["python", "sql", "sync"]))
        kw: dict[str, Any] = dict(
            project=home,
            inputs=inputs,
            outputs=[target],
            opts=opts([], ("description", "code", "inputs")),
            description=draw(descriptions),
        )
        if kind == "python":
            out.append(dss.PythonRecipe(name, code=draw(st.sampled_from(["a", "b"])), **kw))
        elif kind == "sql":
            out.append(dss.SqlQueryRecipe(name, sql=draw(st.sampled_from(["a", "b"])), **kw))
        else:
            out.append(dss.SyncRecipe(name, **kw))
    return out


def graph_of(resources: list[Resource]) -> ResourceGraph:
    return ResourceGraph.from_resources(STACK, ENV, resources)


def simulate_apply(plan: Plan, state: State | None) -> State:
    """The state a fully successful execution of ``plan`` would record."""
    new = State(stack=STACK, env=ENV)
    if state is not None:
        new.resources = [copy.deepcopy(r) for r in state.resources]
    for step in plan.steps:
        if step.op in (Op.CREATE, Op.UPDATE, Op.REPLACE):
            assert step.node is not None and step.inputs is not None
            new.put(
                ResourceState(
                    urn=step.urn,
                    type=step.type,
                    name=step.name,
                    inputs=copy.deepcopy(dict(step.inputs)),
                    dependencies=list(step.node.deps),
                    protect=step.node.options.protect,
                    retain_on_delete=step.node.options.retain_on_delete,
                )
            )
        elif step.op is Op.DELETE:
            new.remove(step.urn)
    return new


# --- (a) apply, then plan again: only `same` -------------------------------------------------


@SETTINGS
@given(before=stacks(), after=stacks())
def test_apply_then_plan_again_gives_only_same(before, after):
    state = simulate_apply(make_plan(graph_of(before), None), None)
    assert {s.op for s in make_plan(graph_of(before), state).steps} <= {Op.SAME}

    plan = make_plan(graph_of(after), state)
    applied = simulate_apply(plan, state)
    again = make_plan(graph_of(after), applied)
    assert [s.op for s in again.steps] == [Op.SAME] * len(graph_of(after).nodes)
    assert {s.urn for s in again.steps} == set(graph_of(after).nodes)
    assert not again.has_changes


# --- (b) destroy reverses create -------------------------------------------------------------


@SETTINGS
@given(resources=stacks())
def test_destroy_order_reverses_create_order(resources):
    graph = graph_of(resources)
    create = make_plan(graph, None)
    pos = {s.urn: i for i, s in enumerate(create.steps)}
    assert all(s.op is Op.CREATE for s in create.steps)
    for s in create.steps:
        assert s.deps == graph.nodes[s.urn].deps
        for d in s.deps:
            assert pos[d] < pos[s.urn], "a create comes after what it depends on"

    state = simulate_apply(create, None)
    destroy = make_plan(ResourceGraph(stack=STACK, env=ENV), state)
    assert all(s.op is Op.DELETE for s in destroy.steps)
    dpos = {s.urn: i for i, s in enumerate(destroy.steps)}
    assert set(dpos) == set(pos)
    for rec in state.resources:
        for d in rec.dependencies:
            assert dpos[rec.urn] < dpos[d], "a delete comes before what it depended on"
    dependants = {
        s.urn: {r.urn for r in state.resources if s.urn in r.dependencies} for s in destroy.steps
    }
    for s in destroy.steps:
        assert set(s.deps) == dependants[s.urn]
    assert [s.urn for s in destroy.steps] == [s.urn for s in reversed(create.steps)]


# --- (c) state JSON round-trips --------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
times = st.floats(min_value=0, max_value=4e9, allow_nan=False)
short = st.text(max_size=12)

resource_states = st.builds(
    ResourceState,
    urn=short,
    type=short,
    name=short,
    inputs=json_objects,
    outputs=json_objects,
    dependencies=st.lists(short, max_size=3),
    protect=st.booleans(),
    retain_on_delete=st.booleans(),
    created_at=times,
    updated_at=times,
)
pending_ops = st.builds(
    PendingOperation,
    urn=short,
    op=st.sampled_from(["create", "update", "delete", "replace"]),
    type=short,
    name=short,
    inputs=json_objects,
    outputs=json_objects,
    dependencies=st.lists(short, max_size=3),
    started_at=times,
)
states = st.builds(
    State,
    stack=short,
    env=short,
    serial=st.integers(0, 10**9),
    resources=st.lists(resource_states, max_size=4),
    pending=st.lists(pending_ops, max_size=2),
    outputs=json_objects,
    updated_at=times,
)


@SETTINGS
@given(state=states)
def test_state_json_round_trips(state):
    data = to_json(state)
    back = from_json(data, where="state.json")
    assert back == state
    assert to_json(back) == data


@SETTINGS
@given(resources=stacks(flags=True))
def test_applied_state_round_trips(resources):
    state = simulate_apply(make_plan(graph_of(resources), None), None)
    back = from_json(to_json(state), where="s")
    assert back == state
    assert [s.op for s in make_plan(graph_of(resources), back).steps] == [Op.SAME] * len(
        state.resources
    )


# --- (d) a protected resource is never deleted -----------------------------------------------


@SETTINGS
@given(before=stacks(flags=True), after=stacks(flags=True))
def test_protected_resource_is_never_deleted(before, after):
    state = simulate_apply(make_plan(graph_of(before), None), None)
    recorded = {r.urn for r in state.resources if r.protect}
    graph = graph_of(after)
    declared = {u for u, n in graph.nodes.items() if n.options.protect}
    for g, protected in (
        (graph, recorded | declared),
        (ResourceGraph(stack=STACK, env=ENV), recorded),
    ):
        try:
            plan = make_plan(g, state)
        except PlanError:
            continue
        for step in plan.steps:
            if step.urn in protected:
                assert step.op not in (Op.DELETE, Op.REPLACE), step


def test_protect_property_is_not_vacuous():
    """The property above sees both outcomes: a refused plan and an allowed one."""
    p = dss.Project("PA", name="pa", opts=dss.ResourceOptions(protect=True))
    state = simulate_apply(make_plan(graph_of([p]), None), None)
    with pytest.raises(PlanError):
        make_plan(ResourceGraph(stack=STACK, env=ENV), state)
    p2 = dss.Project("PA", name="renamed", opts=dss.ResourceOptions(protect=True))
    assert [s.op for s in make_plan(graph_of([p2]), state).steps] == [Op.UPDATE]
