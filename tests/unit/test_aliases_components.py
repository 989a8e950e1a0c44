"""Aliases (a resource renamed in code or moved into a component) and ComponentResource."""

from __future__ import annotations

import copy

import pytest

import dsspulumi as dss
from dsspulumi.errors import PlanError, ResourceValidationError
from dsspulumi.graph import ResourceGraph, make_urn
from dsspulumi.plan import Op, make_plan
from dsspulumi.resource import Resource
from dsspulumi.state import ResourceState, State

STACK, ENV = "st", "dev"


def graph_of(resources: list[Resource], components=()) -> ResourceGraph:
    return ResourceGraph.from_resources(STACK, ENV, resources, {}, components)


def applied(graph: ResourceGraph) -> State:
    state = State(stack=STACK, env=ENV)
    for node in graph.nodes.values():
        state.resources.append(
            ResourceState(
                urn=node.urn,
                type=node.type,
                name=node.name,
                inputs=copy.deepcopy(dict(node.inputs)),
                outputs={"id": "abcd1234"} if node.type == "dss:ManagedFolder" else {},
                dependencies=list(node.deps),
            )
        )
    return state


class Pipeline(dss.ComponentResource):
    def __init__(self, name, *, project, opts=None, kind="acme:Pipeline"):
        super().__init__(kind, name, opts=opts)
        child = dss.ResourceOptions(parent=self)
        self.out = dss.ManagedDataset("OUT", project=project, connection="fs", opts=child)


def test_children_carry_their_components_in_their_urn():
    p = dss.Project("P", name="P")
    outer = dss.ComponentResource("acme:Outer", "outer")
    inner = Pipeline("inner", project=p, opts=dss.ResourceOptions(parent=outer))
    graph = graph_of([p, inner.out], [outer, inner])
    urn = make_urn(STACK, ENV, "acme:Outer$acme:Pipeline$dss:Dataset", "P.OUT")
    assert graph.nodes[urn].parent == make_urn(STACK, ENV, "acme:Outer$acme:Pipeline", "inner")
    assert graph.components[graph.nodes[urn].parent].parent == make_urn(
        STACK, ENV, "acme:Outer", "outer"
    )
    plan = make_plan(graph, None)
    assert [s.parent for s in plan.steps] == [None, graph.nodes[urn].parent]
    assert set(plan.components) == set(graph.components)


def test_moving_a_resource_into_a_component_needs_its_alias():
    p = dss.Project("P", name="P")
    before = applied(graph_of([p, dss.ManagedDataset("OUT", project=p, connection="fs")]))

    p = dss.Project("P", name="P")
    pipe = Pipeline("pipe", project=p)
    plan = make_plan(graph_of([p, pipe.out], [pipe]), before)
    assert sorted(str(s.op) for s in plan.steps) == ["create", "delete", "same"]

    p = dss.Project("P", name="P")

    class Aliased(dss.ComponentResource):
        def __init__(self, name):
            super().__init__("acme:Pipeline", name)
            opts = dss.ResourceOptions(parent=self, aliases=["P.OUT"])
            self.out = dss.ManagedDataset("OUT", project=p, connection="fs", opts=opts)

    pipe2 = Aliased("pipe")
    plan = make_plan(graph_of([p, pipe2.out], [pipe2]), before)
    assert [str(s.op) for s in plan.steps] == ["same", "same"]
    (moved,) = plan.moves
    assert moved.moved_from == make_urn(STACK, ENV, "dss:Dataset", "P.OUT")
    assert plan.has_changes  # the state record must move: `up` has something to do


def test_renamed_folder_dataset_and_recipe_are_updated_in_place():
    p = dss.Project("P", name="P")
    before = applied(
        graph_of(
            [
                p,
                dss.ManagedFolder("old_folder", project=p),
                src := dss.ManagedDataset("OLD", project=p, connection="fs"),
                out := dss.ManagedDataset("OUT", project=p, connection="fs"),
                dss.SyncRecipe("old_sync", project=p, inputs=[src], outputs=[out]),
            ]
        )
    )
    p = dss.Project("P", name="P")
    folder = dss.ManagedFolder(
        "new_folder", project=p, opts=dss.ResourceOptions(aliases=["P.old_folder"])
    )
    ds = dss.ManagedDataset(
        "NEW", project=p, connection="fs", opts=dss.ResourceOptions(aliases="P.OLD")
    )
    out = dss.ManagedDataset("OUT", project=p, connection="fs")
    sync = dss.SyncRecipe(
        "new_sync",
        project=p,
        inputs=[ds],
        outputs=[out],
        opts=dss.ResourceOptions(aliases="P.old_sync"),
    )
    plan = make_plan(graph_of([p, folder, ds, out, sync]), before)
    steps = {s.logical_name: s for s in plan.steps}
    for name in ("P.new_folder", "P.NEW"):
        assert steps[name].op is Op.UPDATE
        assert [d.path for d in steps[name].diff] == ["name"]
    assert steps["P.NEW"].moved_from == make_urn(STACK, ENV, "dss:Dataset", "P.OLD")
    assert steps["P.new_sync"].op is Op.UPDATE
    assert [d.path for d in steps["P.new_sync"].diff] == ["name", "inputs"]
    assert not any(s.op in (Op.DELETE, Op.REPLACE) for s in plan.steps)


def test_an_alias_into_another_project_or_a_renamed_project_is_a_replace():
    p = dss.Project("P", name="P")
    before = applied(graph_of([p, dss.ManagedDataset("D", project=p, connection="fs")]))
    p = dss.Project("P", name="P")
    q = dss.Project("Q", name="Q", opts=dss.ResourceOptions(aliases="P"))
    moved = dss.ManagedDataset(
        "E", project=q, connection="fs", opts=dss.ResourceOptions(aliases="P.D")
    )
    plan = make_plan(graph_of([q, moved]), before)
    steps = {s.logical_name: s for s in plan.steps}
    assert steps["Q"].op is Op.REPLACE
    assert steps["Q.E"].op is Op.REPLACE and steps["Q.E"].replace_paths == ("project",)


def test_an_unknown_alias_is_harmless():
    p = dss.Project("P", name="P")
    ds = dss.ManagedDataset(
        "D", project=p, connection="fs", opts=dss.ResourceOptions(aliases=["P.NEVER"])
    )
    plan = make_plan(graph_of([p, ds]), State(stack=STACK, env=ENV))
    assert [str(s.op) for s in plan.steps] == ["create", "create"] and not plan.moves


def test_an_alias_by_urn_and_conflicting_aliases():
    p = dss.Project("P", name="P")
    before = applied(
        graph_of(
            [
                p,
                dss.ManagedDataset("A", project=p, connection="fs"),
                dss.ManagedDataset("B", project=p, connection="fs"),
            ]
        )
    )
    old_a = make_urn(STACK, ENV, "dss:Dataset", "P.A")
    p = dss.Project("P", name="P")
    c = dss.ManagedDataset("C", project=p, connection="fs", opts=dss.ResourceOptions(aliases=old_a))
    plan = make_plan(graph_of([p, c]), before)
    assert {s.logical_name: str(s.op) for s in plan.steps} == {
        "P": "same",
        "P.C": "update",  # renamed in place (DSS's renameDataset)
        "P.B": "delete",
    }
    p = dss.Project("P", name="P")
    c = dss.ManagedDataset("C", project=p, connection="fs", opts=dss.ResourceOptions(aliases="P.A"))
    d = dss.ManagedDataset("D", project=p, connection="fs", opts=dss.ResourceOptions(aliases="P.A"))
    with pytest.raises(PlanError, match="both claim"):
        make_plan(graph_of([p, c, d]), before)
    p = dss.Project("P", name="P")
    e = dss.ManagedDataset(
        "E", project=p, connection="fs", opts=dss.ResourceOptions(aliases=["P.A", "P.B"])
    )
    with pytest.raises(PlanError, match="match several"):
        make_plan(graph_of([p, e]), before)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("Pipeline", "x"), "must look like 'package:Name'"),
        (("dss:Pipeline", "x"), "reserved"),
        (("acme:Pipeline", ""), "non-empty"),
    ],
)
def test_component_validation(args, match):
    with pytest.raises(ResourceValidationError, match=match):
        dss.ComponentResource(*args)


def test_options_validation():
    with pytest.raises(ResourceValidationError, match="parent must be a dss.ComponentResource"):
        dss.ResourceOptions(parent=dss.Project("P", name="P"))
    with pytest.raises(ResourceValidationError, match="aliases must be a list"):
        dss.ResourceOptions(aliases=[3])


def test_components_in_a_program(run_stack):
    graph = run_stack(
        """
        import dsspulumi as dss

        class Pipe(dss.ComponentResource):
            def __init__(self, name, *, project):
                super().__init__("acme:Pipe", name)
                dss.ManagedDataset(f"{name}_OUT", project=project, connection="fs",
                                   opts=dss.ResourceOptions(parent=self))

        p = dss.Project("P", name="P")
        Pipe("a", project=p)
        Pipe("b", project=p)
        """
    )
    assert sorted(c.name for c in graph.components.values()) == ["a", "b"]
    assert sum(1 for n in graph.nodes.values() if n.parent) == 2


def test_a_duplicate_component_is_an_error(run_stack):
    from dsspulumi.errors import GraphError

    with pytest.raises(
        GraphError, match="duplicate component .* stack.py:2 and again at stack.py:3"
    ):
        run_stack(
            """
            import dsspulumi as dss
            dss.ComponentResource("acme:Pipe", "a")
            dss.ComponentResource("acme:Pipe", "a")
            """
        )


def test_depending_on_a_component_is_depending_on_its_children():
    p = dss.Project("P", name="P")
    pipe = Pipeline("pipe", project=p)
    after = dss.ManagedDataset(
        "AFTER", project=p, connection="fs", opts=dss.ResourceOptions(depends_on=[pipe])
    )
    graph = graph_of([p, pipe.out, after], [pipe])
    node = graph.nodes[make_urn(STACK, ENV, "dss:Dataset", "P.AFTER")]
    assert make_urn(STACK, ENV, "acme:Pipeline$dss:Dataset", "P.OUT") in node.deps
