"""Values known only after apply: graph edges, exact plans from state, unknown plans otherwise."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import dsspulumi as dss
from dsspulumi.errors import GraphError, ResourceValidationError
from dsspulumi.graph import ResourceGraph, make_urn
from dsspulumi.output import Output, Secret, Unknown, resolve_unknowns, to_engine
from dsspulumi.plan import Op, make_plan
from dsspulumi.resource import Resource, resource_type
from dsspulumi.resources.base import ProjectObject
from dsspulumi.state import ResourceState, State

STACK, ENV = "st", "dev"
FOLDER = make_urn(STACK, ENV, "dss:ManagedFolder", "P.landing")
FILES = make_urn(STACK, ENV, "dss:Dataset", "P.FILES")


def folder_stack(folder_name: str = "landing") -> list[Resource]:
    p = dss.Project("P", name="Proj")
    folder = dss.ManagedFolder(folder_name, project=p)
    files = dss.Dataset("FILES", project=p, type="FilesInFolder", folder=folder)
    return [p, folder, files]


def graph_of(resources: list[Resource]) -> ResourceGraph:
    return ResourceGraph.from_resources(STACK, ENV, resources)


def recorded(graph: ResourceGraph, outputs: dict[str, dict[str, Any]]) -> State:
    """The state after an `up`: inputs resolved with ``outputs`` (urn -> outputs)."""
    state = State(stack=STACK, env=ENV)

    def value_of(urn: str, key: str) -> Any:
        return outputs[urn][key]

    for node in graph.nodes.values():
        state.resources.append(
            ResourceState(
                urn=node.urn,
                type=node.type,
                name=node.name,
                inputs=resolve_unknowns(dict(node.inputs), value_of),
                outputs=dict(outputs.get(node.urn, {})),
                dependencies=list(node.deps),
            )
        )
    return state


def test_an_output_known_after_apply_is_an_unknown_input_and_an_edge():
    graph = graph_of(folder_stack())
    node = graph.nodes[FILES]
    value = node.inputs["params"]["folderSmartId"]
    assert isinstance(value, Unknown) and value.sources == ((FOLDER, "id"),)
    assert FOLDER in node.deps and node.output_deps == (FOLDER,)
    assert graph.topological_order().index(FOLDER) < graph.topological_order().index(FILES)


def test_first_plan_shows_the_value_as_unknown():
    plan = make_plan(graph_of(folder_stack()), None)
    step = next(s for s in plan.steps if s.urn == FILES)
    assert step.op is Op.CREATE
    assert step.unknowns == ("params.folderSmartId",)


def test_a_recorded_output_makes_the_plan_exact():
    graph = graph_of(folder_stack())
    state = recorded(graph, {FOLDER: {"id": "abcd1234"}})
    plan = make_plan(graph, state)
    assert {str(s.op) for s in plan.steps} == {"same"}
    assert not plan.has_changes
    step = next(s for s in plan.steps if s.urn == FILES)
    assert step.inputs is not None and step.inputs["params"]["folderSmartId"] == "abcd1234"


def test_a_producer_created_again_makes_its_consumer_unknown_again():
    graph = graph_of(folder_stack())
    state = recorded(graph, {FOLDER: {"id": "abcd1234"}})
    state.resources = [r for r in state.resources if r.urn != FOLDER]  # deleted outside
    plan = make_plan(graph, state)
    ops = {s.urn: s.op for s in plan.steps}
    assert ops[FOLDER] is Op.CREATE and ops[FILES] is Op.UPDATE
    step = next(s for s in plan.steps if s.urn == FILES)
    (d,) = step.diff
    assert d.path == "params.folderSmartId" and d.old == "abcd1234"
    assert isinstance(d.new, Unknown)


@resource_type("test:Thing", replace_on=("kind",))
class Thing(ProjectObject):
    """A test resource with a generated id whose change of ``kind`` forces a replace."""

    kind: str = attrs.field(kw_only=True, default="a")
    ref: Any = attrs.field(kw_only=True, default=None)

    @property
    def id(self) -> Output[str]:
        return Output.after_apply(self, "id")

    def inputs(self) -> dict[str, Any]:
        return {
            "project": self.project.key,
            "name": self.name,
            "kind": self.kind,
            "ref": self.ref,
            **self.described(),
        }


def things(kind: str, ref_fn: Any = None) -> list[Resource]:
    p = dss.Project("P", name="Proj")
    a = Thing("a", project=p, kind=kind)
    ref = a.id if ref_fn is None else ref_fn(a)
    b = Thing("b", project=p, ref=ref)
    return [p, a, b]


A = make_urn(STACK, ENV, "test:Thing", "P.a")
B = make_urn(STACK, ENV, "test:Thing", "P.b")


def test_replacing_a_producer_plans_its_consumer_as_an_update_with_an_unknown():
    state = recorded(graph_of(things("a")), {A: {"id": "one"}})
    plan = make_plan(graph_of(things("b")), state)
    ops = {s.urn: s.op for s in plan.steps}
    assert ops[A] is Op.REPLACE and ops[B] is Op.UPDATE
    step = next(s for s in plan.steps if s.urn == B)
    assert [d.path for d in step.diff] == ["ref"] and isinstance(step.diff[0].new, Unknown)


def test_a_consumer_path_that_forces_replace_is_replaced_when_unknown():
    p = dss.Project("P", name="Proj")
    a = Thing("a", project=p)
    b = Thing("b", project=p, kind=a.id)  # the consumer's "kind" comes from the producer
    state = recorded(graph_of([p, a, b]), {A: {"id": "one"}})
    state.resources = [r for r in state.resources if r.urn != A]
    plan = make_plan(graph_of([p, a, b]), state)
    assert {s.urn: s.op for s in plan.steps}[B] is Op.REPLACE


def test_apply_and_all_run_once_the_values_are_known():
    state = recorded(graph_of(things("a")), {A: {"id": "one"}})
    derived = things("a", lambda a: a.id.apply(lambda i: f"P.{i}"))
    plan = make_plan(graph_of(derived), state)
    step = next(s for s in plan.steps if s.urn == B)
    assert step.op is Op.UPDATE and step.diff[0].new == "P.one"

    combined = things(
        "a",
        lambda a: Output.all("x", a.id, Output.secret("s")).apply(lambda parts: "-".join(parts)),
    )
    value = graph_of(combined).nodes[B].inputs["ref"]
    assert isinstance(value, Unknown) and value.secret
    assert value.resolve(lambda urn, key: {"id": "one"}[key]) == Secret("x-one-s")


def test_an_unknown_output_cannot_be_read_as_a_value():
    p = dss.Project("P", name="Proj")
    folder = dss.ManagedFolder("f", project=p)
    with pytest.raises(ResourceValidationError, match="known only after apply"):
        str(folder.id)
    assert repr(folder.id) == "Output((known after apply))"
    assert to_engine({"x": folder.id})["x"].sources[0][1] == "id"


def test_an_output_of_a_resource_outside_the_program_is_an_error():
    p = dss.Project("P", name="Proj")
    stray = dss.ManagedFolder("stray", project=p)
    files = dss.Dataset("FILES", project=p, type="FilesInFolder", folder=stray)
    with pytest.raises(GraphError, match="not declared in this stack program"):
        graph_of([p, files])


def test_files_in_folder_needs_the_folder_and_only_it():
    p = dss.Project("P", name="Proj")
    with pytest.raises(ResourceValidationError, match="FilesInFolder"):
        dss.Dataset("FILES", project=p, type="FilesInFolder", connection="c")
    folder = dss.ManagedFolder("f", project=p)
    with pytest.raises(ResourceValidationError, match="FilesInFolder"):
        dss.Dataset("D", project=p, type="Filesystem", connection="c", folder=folder)
    with pytest.raises(ResourceValidationError, match="connection= is required"):
        dss.Dataset("D", project=p, type="Filesystem")


def test_recipes_refer_to_folders_by_their_id():
    p = dss.Project("P", name="Proj")
    other = dss.Project("Q", name="Other")
    folder = dss.ManagedFolder("f", project=p)
    foreign = dss.ManagedFolder("g", project=other)
    out = dss.ManagedDataset("OUT", project=p, connection="fs")
    recipe = dss.PythonRecipe("r", project=p, inputs=[folder, foreign], outputs=[out], code="")
    graph = graph_of([p, other, folder, foreign, out, recipe])
    node = graph.nodes[make_urn(STACK, ENV, "dss:Recipe", "P.r")]
    local, remote = node.inputs["inputs"]
    ids = {
        make_urn(STACK, ENV, "dss:ManagedFolder", "P.f"): {"id": "AAAA1111"},
        make_urn(STACK, ENV, "dss:ManagedFolder", "Q.g"): {"id": "BBBB2222"},
    }

    def value_of(urn: str, key: str) -> Any:
        return ids[urn][key]

    assert local.resolve(value_of) == "AAAA1111"
    assert remote.resolve(value_of) == "Q.BBBB2222"
