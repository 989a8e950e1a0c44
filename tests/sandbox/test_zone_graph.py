"""A flow zone's graph, ``GET /projects/{pk}/flow/zones/{id}/graph``, through the real client.

``DSSFlowZone.get_graph()`` reads it as a ``DSSProjectFlowGraph``, whose helpers look every
linked node id up in ``nodes``: a zone's graph holds the zone's objects, linked to each other
only. Every object of a zone's graph is the one whose zone the client finds to be that zone
(``obj.get_zone()``), and the zones' graphs split the project's graph between them.
"""

from __future__ import annotations

import pytest
from dataikuapi.dss.flow import DSSFlowZone
from sandbox_asserts import NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox
from dsspulumi.sandbox.kinds.project_objects import add_object


@pytest.fixture
def project(dss_sandbox: Sandbox):
    """raw -> clean (recipe copy) -> report (recipe summarise); a folder ``docs`` read by
    nobody; ``clean`` and ``summarise`` moved into a zone Prep."""
    client = dss_sandbox.client()
    project = client.create_project("ZG", "Zone graph", "admin")
    for name in ("raw", "clean", "report"):
        project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
    project.new_recipe("sync", "copy").with_input("raw").with_output("clean").create()
    project.new_recipe("sync", "summarise").with_input("clean").with_output("report").create()
    project.create_managed_folder("docs")
    return project


def _shape(graph) -> dict[str, tuple[str, list[str], list[str]]]:
    return {
        node_id: (node["type"], node["predecessors"], node["successors"])
        for node_id, node in graph.nodes.items()
    }


def test_a_zone_graph_holds_its_objects_linked_to_each_other(project) -> None:
    flow = project.get_flow()
    prep = flow.create_zone("Prep")
    prep.add_items([project.get_dataset("clean"), project.get_recipe("summarise")])

    graph = flow.get_zone(prep.id).get_graph()
    assert _shape(graph) == {
        "clean": ("COMPUTABLE_DATASET", [], ["summarise"]),  # copy is in the default zone
        "summarise": ("RUNNABLE_RECIPE", ["clean"], []),  # report is in the default zone
    }
    # The client's own walks over the answer work (they index nodes by every linked id).
    assert [n["ref"] for n in graph.get_items_in_traversal_order()] == ["clean", "summarise"]
    assert [n["ref"] for n in graph.get_source_computables()] == ["clean"]
    assert [r.recipe_name for r in graph.get_successor_recipes("clean", as_type="object")] == [
        "summarise"
    ]

    default = flow.get_default_zone().get_graph()
    folder_id = project.list_managed_folders()[0]["id"]  # a folder's node is its id
    assert sorted(default.nodes) == sorted(["copy", folder_id, "raw", "report"])
    assert default.nodes["copy"]["predecessors"] == ["raw"]
    assert default.nodes["copy"]["successors"] == []  # clean is in Prep
    assert default.nodes[folder_id]["type"] == "COMPUTABLE_FOLDER"


def test_the_zone_of_every_node_is_the_zone_whose_graph_holds_it(project) -> None:
    flow = project.get_flow()
    prep = flow.create_zone("Prep")
    prep.add_item(project.get_dataset("clean"))
    prep.add_item(project.get_recipe("copy"))
    out = flow.create_zone("Out")
    out.add_item(project.get_managed_folder(project.list_managed_folders()[0]["id"]))

    whole = set(flow.get_graph().nodes)
    seen: set[str] = set()
    for zone in flow.list_zones():
        graph = zone.get_graph()
        assert not seen & set(graph.nodes), "an object is in one zone only"
        seen |= set(graph.nodes)
        for obj in graph.get_items_in_traversal_order(as_type="object"):
            # what ``dataset.get_zone()`` / ``folder.get_zone()`` call; recipes too
            assert flow.get_zone_of_object(obj).id == zone.id, (obj, zone)
        for name in graph.nodes:
            if name in ("raw", "clean", "report"):
                assert project.get_dataset(name).get_zone().id == zone.id
    assert seen == whole


def test_a_zone_graph_follows_moves_renames_and_deletes(project) -> None:
    flow = project.get_flow()
    prep = flow.create_zone("Prep")
    assert prep.get_graph().nodes == {}
    project.get_dataset("raw").move_to_zone(prep)
    assert list(flow.get_zone(prep.id).get_graph().nodes) == ["raw"]
    project.get_dataset("raw").rename("orders")
    assert list(flow.get_zone(prep.id).get_graph().nodes) == ["orders"]
    project.get_dataset("orders").delete()
    assert flow.get_zone(prep.id).get_graph().nodes == {}
    prep.delete()
    assert "clean" in flow.get_default_zone().get_graph().nodes


def test_objects_the_client_cannot_zone_stay_in_the_default_zone_graph(
    dss_sandbox: Sandbox, project
) -> None:
    add_object(dss_sandbox.store, "ZG", "labelingtask", "label me")
    flow = project.get_flow()
    flow.create_zone("Prep").add_item(project.get_dataset("raw"))
    types = {n["type"] for n in flow.get_default_zone().get_graph().nodes.values()}
    assert "RUNNABLE_LABELING_TASK" in types


def test_a_foreign_object_in_a_zone(dss_sandbox: Sandbox, project) -> None:
    client = dss_sandbox.client()
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "report", "USE")
    settings.save()
    user = client.create_project("USE", "Users", "admin")
    user.create_dataset("mine", "Filesystem", {"connection": "filesystem_root"})
    user.new_recipe("sync", "pull").with_input("report", project_key="ZG").with_output(
        "mine"
    ).create()
    flow = user.get_flow()
    shared = flow.create_zone("Shared")
    shared.add_item(client.get_project("ZG").get_dataset("report"))
    assert _shape(flow.get_zone(shared.id).get_graph()) == {
        "ZG.report": ("COMPUTABLE_DATASET", [], [])
    }
    default = flow.get_default_zone().get_graph()
    assert default.nodes["pull"]["predecessors"] == []  # ZG.report is in zone Shared
    assert default.nodes["pull"]["successors"] == ["mine"]


def test_refusals(project) -> None:
    flow = project.get_flow()
    with dss_error(f"{NOT_FOUND}: zone does not exist: ZG.nope"):
        DSSFlowZone(flow, {"id": "nope"}).get_graph()
    ghost = project.client.get_project("GHOST").get_flow()
    with dss_error(f"{NOT_FOUND}: project does not exist: GHOST"):
        ghost.get_default_zone().get_graph()
