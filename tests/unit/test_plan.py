"""The plan as a pure function of (declared graph, prior state): one table row per case."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import attrs
import pytest

import dsspulumi as dss
from dsspulumi.errors import PlanError
from dsspulumi.graph import ResourceGraph, make_urn
from dsspulumi.plan import Op, Plan, apply_ignore_changes, diff_inputs, make_plan
from dsspulumi.resource import Resource
from dsspulumi.state import ResourceState, State

STACK, ENV = "st", "dev"


def urn(type_token: str, logical: str) -> str:
    return make_urn(STACK, ENV, type_token, logical)


P = urn("dss:Project", "P")
RAW = urn("dss:Dataset", "P.raw")
PREP = urn("dss:Dataset", "P.prep")
RECIPE = urn("dss:Recipe", "P.compute")


def stack(
    *,
    desc: str = "Churn",
    raw_kind: str | None = "external",
    raw_type: str = "PostgreSQL",
    raw_params: dict | None = None,
    recipe: str | None = "python",
    code: str = "x = 1",
    opts: dict[str, dict[str, Any]] | None = None,
) -> list[Resource]:
    """A small stack: project P, datasets raw and prep, recipe compute (raw -> prep).

    Each knob changes one thing; ``opts`` maps a logical name to ResourceOptions kwargs.
    """
    o = {k: dss.ResourceOptions(**v) for k, v in (opts or {}).items()}
    out: list[Resource] = []
    p = dss.Project("P", name="Proj", description=desc, opts=o.get("P"))
    out.append(p)
    raw: Resource | None = None
    if raw_kind == "external":
        raw = dss.Dataset(
            "raw",
            project=p,
            type=raw_type,
            connection="pg",
            params=raw_params if raw_params is not None else {"mode": "table", "path": "/a"},
            opts=o.get("P.raw"),
        )
    elif raw_kind == "managed":
        raw = dss.ManagedDataset("raw", project=p, connection="pg", opts=o.get("P.raw"))
    if raw is not None:
        out.append(raw)
    prep = dss.ManagedDataset("prep", project=p, connection="fs", opts=o.get("P.prep"))
    out.append(prep)
    if recipe is not None and raw is not None:
        kw: dict[str, Any] = dict(project=p, inputs=[raw], outputs=[prep], opts=o.get("P.compute"))
        if recipe == "python":
            out.append(dss.PythonRecipe("compute", code=code, **kw))
        elif recipe == "sql":
            out.append(dss.SqlQueryRecipe("compute", sql=code, **kw))
        else:
            out.append(dss.SyncRecipe("compute", **kw))
    return out


def graph_of(resources: list[Resource]) -> ResourceGraph:
    return ResourceGraph.from_resources(STACK, ENV, resources)


def applied(resources: list[Resource] | None, **record_flags: dict[str, Any]) -> State:
    """The state a successful `up` of ``resources`` records (declared inputs only).

    ``record_flags`` maps a logical name to ResourceState field overrides.
    """
    state = State(stack=STACK, env=ENV)
    if resources is None:
        return state
    for node in graph_of(resources).nodes.values():
        rec = ResourceState(
            urn=node.urn,
            type=node.type,
            name=node.name,
            inputs=copy.deepcopy(dict(node.inputs)),
            # What DSS filled in lives in outputs and must never cause a diff.
            outputs={"serverDefault": 1, "versionTag": {"versionNumber": 3}},
            dependencies=list(node.deps),
            protect=node.options.protect,
            retain_on_delete=node.options.retain_on_delete,
        )
        for k, v in record_flags.get(node.logical_name, {}).items():
            setattr(rec, k, v)
        state.resources.append(rec)
    return state


def ops(plan: Plan) -> dict[str, str]:
    return {s.logical_name: str(s.op) for s in plan.steps}


@attrs.frozen
class Case:
    name: str
    before: Callable[[], list[Resource] | None]
    after: Callable[[], list[Resource]]
    ops: dict[str, str]
    diffs: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    replace: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    order: tuple[str, ...] | None = None
    flags: dict[str, dict[str, Any]] = attrs.field(factory=dict)


ALL_SAME = {"P": "same", "P.raw": "same", "P.prep": "same", "P.compute": "same"}

CASES = [
    Case(
        "create into empty state",
        before=lambda: None,
        after=stack,
        ops={"P": "create", "P.raw": "create", "P.prep": "create", "P.compute": "create"},
        order=("P", "P.raw", "P.prep", "P.compute"),
    ),
    Case("nothing changed", before=stack, after=stack, ops=ALL_SAME),
    Case(
        "description update",
        before=stack,
        after=lambda: stack(desc="Churn features"),
        ops={**ALL_SAME, "P": "update"},
        diffs={"P": ("description",)},
    ),
    Case(
        "nested param change",
        before=stack,
        after=lambda: stack(raw_params={"mode": "table", "path": "/b"}),
        ops={**ALL_SAME, "P.raw": "update"},
        diffs={"P.raw": ("params.path",)},
    ),
    Case(
        "param added and param removed",
        before=stack,
        after=lambda: stack(raw_params={"path": "/a", "schema": "public"}),
        ops={**ALL_SAME, "P.raw": "update"},
        diffs={"P.raw": ("params.schema", "params.mode")},
    ),
    Case(
        "recipe code update",
        before=stack,
        after=lambda: stack(code="x = 2"),
        ops={**ALL_SAME, "P.compute": "update"},
        diffs={"P.compute": ("code",)},
    ),
    Case(
        "dataset type change",
        before=stack,
        after=lambda: stack(raw_type="Snowflake"),
        ops={**ALL_SAME, "P.raw": "replace"},
        diffs={"P.raw": ("type",)},
        replace={"P.raw": ("type",)},
    ),
    Case(
        "external to managed",
        before=stack,
        after=lambda: stack(raw_kind="managed"),
        ops={**ALL_SAME, "P.raw": "replace"},
        replace={"P.raw": ("type", "managed")},
    ),
    Case(
        "managed to external",
        before=lambda: stack(raw_kind="managed"),
        after=stack,
        ops={**ALL_SAME, "P.raw": "replace"},
        replace={"P.raw": ("type", "managed")},
    ),
    Case(
        "recipe type change",
        before=stack,
        after=lambda: stack(recipe="sql"),
        ops={**ALL_SAME, "P.compute": "replace"},
        diffs={"P.compute": ("type",)},
        replace={"P.compute": ("type",)},
    ),
    Case(
        "python recipe to sync recipe",
        before=stack,
        after=lambda: stack(recipe="sync"),
        ops={**ALL_SAME, "P.compute": "replace"},
        diffs={"P.compute": ("type", "code")},
        replace={"P.compute": ("type",)},
    ),
    Case(
        "recipe removed",
        before=stack,
        after=lambda: stack(recipe=None),
        ops={"P": "same", "P.raw": "same", "P.prep": "same", "P.compute": "delete"},
        order=("P", "P.raw", "P.prep", "P.compute"),
    ),
    Case(
        "recipe and its input removed: deletes come last, dependants first",
        before=stack,
        after=lambda: stack(raw_kind=None, desc="changed"),
        ops={"P": "update", "P.prep": "same", "P.compute": "delete", "P.raw": "delete"},
        order=("P", "P.prep", "P.compute", "P.raw"),
    ),
    Case(
        "everything removed: recipe, then datasets, then project",
        before=stack,
        after=lambda: [],
        ops={"P.compute": "delete", "P.prep": "delete", "P.raw": "delete", "P": "delete"},
        order=("P.compute", "P.prep", "P.raw", "P"),
    ),
    Case(
        "ignore_changes on a top-level property",
        before=stack,
        after=lambda: stack(desc="other", opts={"P": {"ignore_changes": ["description"]}}),
        ops=ALL_SAME,
    ),
    Case(
        "ignore_changes on a nested property",
        before=stack,
        after=lambda: stack(
            raw_params={"mode": "table", "path": "/z"},
            opts={"P.raw": {"ignore_changes": ["params.path"]}},
        ),
        ops=ALL_SAME,
    ),
    Case(
        "ignore_changes on a parent path hides its children",
        before=stack,
        after=lambda: stack(
            raw_params={"mode": "x", "path": "/z"}, opts={"P.raw": {"ignore_changes": ["params"]}}
        ),
        ops=ALL_SAME,
    ),
    Case(
        "ignore_changes on a replace property avoids the replace",
        before=stack,
        after=lambda: stack(raw_type="Snowflake", opts={"P.raw": {"ignore_changes": ["type"]}}),
        ops=ALL_SAME,
    ),
    Case(
        "ignore_changes on one path leaves others diffed",
        before=stack,
        after=lambda: stack(
            desc="other",
            raw_params={"mode": "view", "path": "/z"},
            opts={"P.raw": {"ignore_changes": ["params.path"]}},
        ),
        ops={**ALL_SAME, "P": "update", "P.raw": "update"},
        diffs={"P": ("description",), "P.raw": ("params.mode",)},
    ),
    Case(
        "protected resource changed in place is a plain update",
        before=lambda: stack(opts={"P": {"protect": True}}),
        after=lambda: stack(desc="new", opts={"P": {"protect": True}}),
        ops={**ALL_SAME, "P": "update"},
        diffs={"P": ("description",)},
    ),
    Case(
        "retain_on_delete resource removed",
        before=stack,
        after=lambda: stack(recipe=None),
        ops={"P": "same", "P.raw": "same", "P.prep": "same", "P.compute": "delete"},
        flags={"P.compute": {"retain_on_delete": True}},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_plan_cases(case: Case):
    before = case.before()
    state = applied(before, **case.flags) if before is not None else None
    plan = make_plan(graph_of(case.after()), state)

    assert ops(plan) == case.ops
    by_name = {s.logical_name: s for s in plan.steps}
    for name, step in by_name.items():
        paths = tuple(d.path for d in step.diff)
        if name in case.diffs:
            assert paths == case.diffs[name]
        if step.op in (Op.SAME, Op.CREATE, Op.DELETE):
            assert paths == ()
        if step.op in (Op.UPDATE, Op.REPLACE):
            assert paths, "an update or replace says which paths differ"
        if name in case.replace:
            assert step.replace_paths == case.replace[name]
        elif step.op is not Op.REPLACE:
            assert step.replace_paths == ()
    if case.order is not None:
        assert tuple(s.logical_name for s in plan.steps) == case.order
    # deletes always come after every create / update / replace / same
    kinds = [s.op is Op.DELETE for s in plan.steps]
    assert kinds == sorted(kinds)


def test_diff_carries_old_and_new_values():
    plan = make_plan(graph_of(stack(desc="new")), applied(stack()))
    (step,) = [s for s in plan.steps if s.op is Op.UPDATE]
    (d,) = step.diff
    assert (d.path, d.old, d.new) == ("description", "Churn", "new")
    assert step.inputs["description"] == "new"
    assert step.old is not None and step.old.inputs["description"] == "Churn"


def test_server_side_values_never_count():
    state = applied(stack())
    for rec in state.resources:
        rec.outputs = {"description": "set by DSS", "params": {"path": "/server"}, "x": [1, 2]}
    plan = make_plan(graph_of(stack()), state)
    assert {s.op for s in plan.steps} == {Op.SAME}
    assert not plan.has_changes


def test_create_step_inputs_are_the_declared_inputs():
    g = graph_of(stack())
    plan = make_plan(g, None)
    for step in plan.steps:
        assert step.op is Op.CREATE
        assert step.inputs == g.nodes[step.urn].inputs
        assert step.node is g.nodes[step.urn]
        assert step.old is None


def test_ignore_changes_keeps_the_recorded_value_in_step_inputs():
    before = applied(stack())
    after = stack(
        desc="other",
        raw_params={"mode": "table", "path": "/z"},
        opts={"P": {"ignore_changes": ["description"]}, "P.raw": {"ignore_changes": "params.path"}},
    )
    plan = make_plan(graph_of(after), before)
    by_name = {s.logical_name: s for s in plan.steps}
    assert by_name["P"].op is Op.SAME and by_name["P"].inputs["description"] == "Churn"
    assert by_name["P.raw"].op is Op.SAME
    assert by_name["P.raw"].inputs["params"] == {"mode": "table", "path": "/a"}


def test_ignore_changes_is_not_applied_on_create():
    after = stack(desc="declared", opts={"P": {"ignore_changes": ["description"]}})
    plan = make_plan(graph_of(after), None)
    assert plan.steps[0].inputs["description"] == "declared"


def test_ignore_changes_does_not_mutate_the_node_inputs():
    g = graph_of(
        stack(
            raw_params={"mode": "m", "path": "/z"},
            opts={"P.raw": {"ignore_changes": ["params.path"]}},
        )
    )
    make_plan(g, applied(stack()))
    assert g.nodes[RAW].inputs["params"] == {"mode": "m", "path": "/z"}


@pytest.mark.parametrize(
    ("name", "path"),
    [("P.raw", "extra_settings.metrics.probes"), ("P", "params.path"), ("P.prep", "params.x.y")],
)
def test_ignore_changes_on_an_absent_nested_path_gives_no_diff(name, path):
    before = applied(stack())
    after = stack(opts={name: {"ignore_changes": [path]}})
    plan = make_plan(graph_of(after), before)
    assert ops(plan) == ALL_SAME


def test_ignore_changes_below_a_scalar_leaves_the_scalar_alone():
    result = apply_ignore_changes({"description": "a"}, {"description": "a"}, ["description.x"])
    assert result == {"description": "a"}


# --- step dependencies ---------------------------------------------------------------------


def test_create_steps_wait_for_their_dependencies():
    plan = make_plan(graph_of(stack()), None)
    deps = {s.urn: set(s.deps) for s in plan.steps}
    assert deps[P] == set()
    assert deps[RAW] == {P}
    assert deps[RECIPE] == {P, RAW, PREP}


def test_delete_steps_wait_for_their_dependants():
    plan = make_plan(graph_of([]), applied(stack()))
    deps = {s.urn: set(s.deps) for s in plan.steps}
    assert deps[RECIPE] == set()
    assert deps[RAW] == {RECIPE}
    assert deps[P] == {RAW, PREP, RECIPE}


def test_retain_on_delete_marks_the_delete_step():
    state = applied(stack(), **{"P.compute": {"retain_on_delete": True}})
    plan = make_plan(graph_of(stack(recipe=None)), state)
    by_name = {s.logical_name: s for s in plan.steps}
    assert by_name["P.compute"].op is Op.DELETE
    assert by_name["P.compute"].retain is True
    plan = make_plan(graph_of([]), applied(stack()))
    assert not any(s.retain for s in plan.steps)


# --- plans that must not run ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "flags", "after", "targets", "match"),
    [
        pytest.param(
            stack,
            {"P.compute": {"protect": True}},
            lambda: stack(recipe=None),
            None,
            r"P\.compute is protected and cannot be deleted .* has no effect until it is applied",
            id="delete protected (state)",
        ),
        pytest.param(
            lambda: stack(opts={"P": {"protect": True}}),
            {},
            lambda: [],
            None,
            r"P is protected",
            id="destroy with protected project",
        ),
        pytest.param(
            lambda: stack(opts={"P.raw": {"protect": True}}),
            {},
            lambda: stack(raw_type="S3", opts={"P.raw": {"protect": True}}),
            None,
            r"P\.raw is protected .* type needs a replace",
            id="replace protected (code)",
        ),
        pytest.param(
            stack,
            {"P.compute": {"protect": True}},
            lambda: stack(recipe="sync"),
            None,
            r"P\.compute is protected .* state still records protect=True: run `dss up`",
            id="replace protected (state only)",
        ),
        pytest.param(
            stack,
            {},
            lambda: stack(raw_kind="managed", opts={"P.raw": {"protect": True}}),
            None,
            r"P\.raw is protected",
            id="replace protected (code only)",
        ),
        pytest.param(
            stack,
            {},
            lambda: stack(recipe="sql", opts={"P.compute": {"retain_on_delete": True}}),
            None,
            r"retain_on_delete .* needs a replace",
            id="replace with retain_on_delete",
        ),
        pytest.param(
            stack,
            {},
            stack,
            [urn("dss:Dataset", "P.nope")],
            r"--target names no resource of this stack: .*P\.nope",
            id="unknown target",
        ),
        pytest.param(
            lambda: None,
            {},
            stack,
            [RAW],
            r"P\.raw depends on P, which does not exist yet and is not targeted",
            id="target dep",
        ),
        pytest.param(
            lambda: stack(raw_kind=None),
            {},
            stack,
            [RECIPE],
            r"P\.compute depends on P\.raw",
            id="target on partially applied",
        ),
        pytest.param(
            stack,
            {},
            lambda: [],
            [RAW],
            r"cannot delete P\.raw alone: P\.compute",
            id="targeted delete under dependants",
        ),
    ],
)
def test_plan_errors(before, flags, after, targets, match):
    b = before()
    state = applied(b, **flags) if b is not None else None
    with pytest.raises(PlanError, match=match):
        make_plan(graph_of(after()), state, targets=targets)


# --- targets -------------------------------------------------------------------------------


def test_targets_limit_the_plan():
    plan = make_plan(graph_of(stack(desc="x", code="y = 1")), applied(stack()), targets=[RECIPE])
    assert ops(plan) == {"P.compute": "update"}
    assert plan.steps[0].deps == ()  # its dependencies exist and are not in the plan


def test_target_on_existing_dependencies_is_fine():
    plan = make_plan(graph_of(stack()), applied(stack(recipe=None)), targets=[RECIPE])
    assert ops(plan) == {"P.compute": "create"}


def test_targets_with_their_dependencies_create_in_order():
    plan = make_plan(graph_of(stack()), None, targets=[RAW, P])
    assert [s.logical_name for s in plan.steps] == ["P", "P.raw"]
    assert plan.steps[1].deps == (P,)


def test_targeted_delete_of_a_leaf():
    plan = make_plan(graph_of([]), applied(stack()), targets=[RECIPE])
    assert ops(plan) == {"P.compute": "delete"}


def test_targets_can_name_a_removed_resource():
    plan = make_plan(graph_of(stack(recipe=None, desc="z")), applied(stack()), targets=[RECIPE])
    assert ops(plan) == {"P.compute": "delete"}


# --- determinism and summary ---------------------------------------------------------------


def _fingerprint(plan: Plan) -> list[tuple]:
    return [
        (
            s.op,
            s.urn,
            s.deps,
            tuple((d.path, repr(d.old), repr(d.new)) for d in s.diff),
            s.replace_paths,
            s.retain,
        )
        for s in plan.steps
    ]


def test_same_inputs_give_the_same_plan():
    before = dict(desc="a", raw_params={"mode": "m", "path": "/a"})
    after = dict(desc="b", raw_kind="managed", recipe="sync")

    def once() -> list[tuple]:
        return _fingerprint(make_plan(graph_of(stack(**after)), applied(stack(**before))))

    first = once()
    assert len(first) == 4
    for _ in range(5):
        assert once() == first
    g, s = graph_of(stack(**after)), applied(stack(**before))
    assert _fingerprint(make_plan(g, s)) == _fingerprint(make_plan(g, s))


def test_ties_follow_program_order():
    def build(names: list[str]) -> list[Resource]:
        return [dss.Project(n, name=n) for n in names]

    names = ["ZED", "ALPHA", "MID"]
    plan = make_plan(graph_of(build(names)), None)
    assert [s.logical_name for s in plan.steps] == names
    plan = make_plan(graph_of([]), applied(build(names)))
    assert [s.logical_name for s in plan.steps] == list(reversed(names))


def test_summary_counts():
    # P update, raw replace, prep same, compute update (code), other project created,
    # an old project deleted.
    old = stack()
    old.append(dss.Project("OLD", name="old"))
    new = stack(desc="new", raw_type="S3", code="z = 0")
    new.append(dss.Project("NEW", name="new"))
    plan = make_plan(graph_of(new), applied(old))
    summary = plan.summary()
    assert summary == {"create": 1, "update": 2, "replace": 1, "delete": 1, "same": 1}
    assert list(summary) == ["create", "update", "replace", "delete", "same"]
    assert plan.has_changes


def test_summary_of_an_empty_plan():
    plan = make_plan(graph_of([]), None)
    assert plan.steps == ()
    assert plan.summary() == {}
    assert not plan.has_changes


def test_plan_carries_stack_env_and_exports():
    g = ResourceGraph.from_resources(STACK, ENV, stack(), exports={"k": "P"})
    plan = make_plan(g, None)
    assert (plan.stack, plan.env, dict(plan.exports)) == (STACK, ENV, {"k": "P"})


# --- diff_inputs directly ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({}, {}, []),
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": 2}, [("a", 1, 2)]),
        ({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 2}}}, [("a.b.c", 1, 2)]),
        ({"a": [1, 2]}, {"a": [2, 1]}, [("a", [1, 2], [2, 1])]),
        ({}, {"a": 1}, [("a", None, 1)]),
        ({"a": 1}, {}, [("a", 1, None)]),
        ({"a": {"x": 1}}, {"a": None}, [("a", {"x": 1}, None)]),
        ({"a": 1, "b": 1}, {"b": 2, "a": 2}, [("b", 1, 2), ("a", 1, 2)]),
    ],
)
def test_diff_inputs(old, new, expected):
    assert [(d.path, d.old, d.new) for d in diff_inputs(old, new)] == expected


def _trigger(hour: int, frequency: str = "Daily") -> dict[str, Any]:
    return {"type": "temporal", "params": {"frequency": frequency, "hour": hour}}


def _step(name: str, **params: Any) -> dict[str, Any]:
    return {"type": "build_flowitem", "name": name, "params": params}


# Lists of objects (scenario triggers and steps, prepare steps, joins) are diffed per element
# and per key; lists of anything else stay whole (the display shows what went, what came).
LIST_CASES = [
    pytest.param(
        {"triggers": [_trigger(2)]},
        {"triggers": [_trigger(3)]},
        [("triggers[0].params.hour", 2, 3)],
        id="one key of one element",
    ),
    pytest.param(
        {"triggers": [_trigger(2), _trigger(4)]},
        {"triggers": [_trigger(2), _trigger(5, "Hourly")]},
        [("triggers[1].params.frequency", "Daily", "Hourly"), ("triggers[1].params.hour", 4, 5)],
        id="equal lengths: element by element",
    ),
    pytest.param(
        {"steps": [_step("a"), _step("b")]},
        {"steps": [_step("a"), _step("b"), _step("c")]},
        [("steps[2]", None, _step("c"))],
        id="element added at the end",
    ),
    pytest.param(
        {"steps": [_step("a"), _step("b"), _step("c")]},
        {"steps": [_step("a"), _step("c")]},
        [("steps[1]", _step("b"), None)],
        id="element removed in the middle: that one, not every later one",
    ),
    pytest.param(
        {"steps": [_step("a"), _step("c")]},
        {"steps": [_step("x"), _step("a"), _step("c", force=True)]},
        [("steps[0]", None, _step("x")), ("steps[2].params.force", None, True)],
        id="element inserted first and a later one changed: named by their new index",
    ),
    pytest.param(
        {"steps": []},
        {"steps": [_step("a")]},
        [("steps[0]", None, _step("a"))],
        id="first element of an empty list",
    ),
    pytest.param(
        {"steps": [_step("a")]},
        {"steps": None},
        [("steps", [_step("a")], None)],
        id="a list replaced by nothing stays whole",
    ),
    pytest.param(
        {"tags": ["a", "b"]},
        {"tags": ["b", "c"]},
        [("tags", ["a", "b"], ["b", "c"])],
        id="list of scalars whole (a set for the display)",
    ),
    pytest.param(
        {"x": [{"a": 1}, "b"]},
        {"x": [{"a": 2}, "b"]},
        [("x", [{"a": 1}, "b"], [{"a": 2}, "b"])],
        id="mixed list whole",
    ),
    pytest.param(
        {"settings": {"joins": [{"on": [{"left": "id", "right": "id"}], "type": "LEFT"}]}},
        {"settings": {"joins": [{"on": [{"left": "id", "right": "key"}], "type": "LEFT"}]}},
        [("settings.joins[0].on[0].right", "id", "key")],
        id="lists of objects inside lists of objects",
    ),
    pytest.param(
        {"steps": [_step("a"), _step("b")]},
        {"steps": [_step("a"), _step("b")]},
        [],
        id="equal lists: nothing",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), LIST_CASES)
def test_diff_inputs_in_lists_of_objects(old, new, expected):
    assert [(d.path, d.old, d.new) for d in diff_inputs(old, new)] == expected


def test_diff_inputs_in_lists_finds_secrets_that_print_alike():
    """Elements are aligned by their JSON text, where two secrets look the same: the values
    are still compared, so a changed secret in an element is never missed."""
    from dsspulumi.output import Secret

    old = {"steps": [{"pw": Secret("one")}, {"pw": Secret("x")}]}
    new = {"steps": [{"pw": Secret("two")}, {"pw": Secret("x")}, {"pw": Secret("y")}]}
    assert [(d.path, d.old, d.new) for d in diff_inputs(old, new)] == [
        ("steps[0].pw", Secret("one"), Secret("two")),
        ("steps[2]", None, {"pw": Secret("y")}),
    ]


def _with_schema(columns: list[tuple[str, str]], replace_on: tuple[str, ...]) -> ResourceGraph:
    project = dss.Project("P", name="Proj")
    raw = dss.Dataset(
        "raw",
        project=project,
        type="PostgreSQL",
        connection="pg",
        params={"mode": "table"},
        schema=[dss.Column(n, t) for n, t in columns],
    )
    graph = graph_of([project, raw])
    node = graph.nodes[RAW]
    graph.nodes[RAW] = attrs.evolve(node, replace_on=replace_on)
    return graph


def test_replace_is_decided_by_top_level_key_through_list_paths():
    before = _with_schema([("id", "bigint"), ("name", "string")], ("type",))
    state = State(stack=STACK, env=ENV)
    for node in before.nodes.values():
        state.resources.append(
            ResourceState(urn=node.urn, type=node.type, name=node.name, inputs=dict(node.inputs))
        )
    after = [("id", "bigint"), ("name", "int")]

    update = make_plan(_with_schema(after, ("type",)), state)
    step = next(s for s in update.steps if s.urn == RAW)
    assert step.op is Op.UPDATE and [d.path for d in step.diff] == ["schema[1].type"]

    replace = make_plan(_with_schema(after, ("schema",)), state)
    step = next(s for s in replace.steps if s.urn == RAW)
    assert step.op is Op.REPLACE and step.replace_paths == ("schema[1].type",)

    # A key that only starts like a replace_on key does not match it.
    other = make_plan(_with_schema(after, ("sch",)), state)
    assert next(s for s in other.steps if s.urn == RAW).op is Op.UPDATE


def test_a_dependency_cycle_left_in_state_does_not_block_planning_or_destroy():
    """An interrupted run can record A->B for one resource and B->A for another."""
    from dsspulumi.state import ResourceState, State

    def rec(urn: str, deps: list[str]) -> ResourceState:
        return ResourceState(
            urn=urn, type="dss:Project", name=urn, inputs={"key": urn}, dependencies=deps
        )

    state = State(stack="s", env="dev", resources=[rec("A", ["B"]), rec("B", ["A"]), rec("C", [])])
    destroy = make_plan(ResourceGraph(stack="s", env="dev"), state)
    assert sorted(s.urn for s in destroy.steps) == ["A", "B", "C"]
    position = {s.urn: i for i, s in enumerate(destroy.steps)}
    for step in destroy.steps:  # no two deletes wait for each other
        assert all(position[d] < position[step.urn] for d in step.deps)
