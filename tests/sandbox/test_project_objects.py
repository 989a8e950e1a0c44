"""The sandbox's listings of what a project holds, through the real dataikuapi client.

Each listing answers, empty or not, in the shape the client's list-item classes read; the
client's creation calls work; deleting the project deletes everything. The project inventory
built on them sees every kind it lists.
"""

from __future__ import annotations

from typing import Any

import pytest
from dataikuapi.utils import DataikuException

from dsspulumi.providers.dss.client import DssSession
from dsspulumi.providers.dss.inventory import LISTINGS, project_inventory
from dsspulumi.sandbox import Sandbox
from dsspulumi.sandbox.kinds.project_objects import BY_KIND, add_object

# listing call -> (creation call, how the list item shows (id, name))
CASES: dict[str, tuple[Any, Any]] = {
    "list_jupyter_notebooks": (
        lambda p: p.create_jupyter_notebook("nb", {"metadata": {"kernelspec": {"name": "py3"}}}),
        lambda i: (i.name, i.name, i.language, i.kernel_spec),
    ),
    "list_sql_notebooks": (
        lambda p: p.create_sql_notebook({"name": "q", "language": "SQL", "connection": "c"}),
        lambda i: (i.id, i["name"], i.language, i.connection),
    ),
    "list_webapps": (lambda p: p.create_webapp("app"), lambda i: (i.id, i.name, i.tags)),
    "list_dashboards": (
        lambda p: p.create_dashboard("dash"),
        lambda i: (i.id, i.name, i.listed, i.owner, i.num_pages, i.num_tiles),
    ),
    "list_insights": (
        lambda p: p.create_insight({"name": "ins", "type": "chart"}),
        lambda i: (i.id, i.name, i.type, i.listed, i.owner),
    ),
    "list_saved_models": (
        lambda p: p.create_mlflow_pyfunc_model("sm", "REGRESSION"),
        lambda i: (i["id"], i["name"], i["savedModelType"]),
    ),
    "list_knowledge_banks": (
        lambda p: p.create_knowledge_bank("kb", "CHROMA"),
        lambda i: (i.id, i.name, i.project_key),
    ),
    "list_code_studios": (
        lambda p: p.create_code_studio("cs", "tmpl"),
        lambda i: (i.id, i.name, i.owner, i.template_id, i.template_label),
    ),
    "list_streaming_endpoints": (
        lambda p: p.create_streaming_endpoint("se", "kafka", {"connection": "k"}),
        lambda i: (i.id, i.name, i.type, i.schema, i.connection),
    ),
    "list_analyses": (lambda p: p.create_analysis("ds"), lambda i: (i["id"], i["name"])),
    "list_api_services": (lambda p: p.create_api_service("svc"), lambda i: (i.id, i.name)),
    "list_semantic_models": (lambda p: p.create_semantic_model("sem"), lambda i: (i.id, i.name)),
    "list_agents": (lambda p: p.create_agent("ag", "TOOLS_USING_AGENT"), lambda i: (i.id, i.name)),
    "list_retrieval_augmented_llms": (
        lambda p: p.create_retrieval_augmented_llm("rag", "kb", "llm"),
        lambda i: (i.id, i.name),
    ),
    "list_agent_tools": (
        lambda p: p.new_agent_tool("Custom", "tool").create(),
        lambda i: (i.id, i.name, i.type),
    ),
    "list_agent_skills": (lambda p: p.create_agent_skill("skill"), lambda i: (i.id, i.name)),
    "list_agent_reviews": (lambda p: p.create_agent_review("rev"), lambda i: (i.id, i.name)),
}


@pytest.fixture
def project(dss_sandbox: Sandbox) -> Any:
    p = dss_sandbox.client().create_project("P", "P", "admin")
    p.create_dataset("ds", "Filesystem", params={"connection": "filesystem_root", "path": "/d"})
    return p


@pytest.mark.parametrize("listing", list(CASES))
def test_each_listing_is_served_empty_then_with_what_was_created(project, listing):
    create, show = CASES[listing]
    kwargs = {"as_type": "listitems"} if listing == "list_jupyter_notebooks" else {}
    assert getattr(project, listing)(**kwargs) == []
    create(project)
    items = getattr(project, listing)(**kwargs)
    assert len(items) == 1
    shown = show(items[0])
    assert all(v is not None for v in shown), shown
    assert shown[0] and shown[1]


def test_evaluation_stores_and_comparisons_read_by_id(project):
    assert project.list_model_evaluation_stores() == []
    assert project.list_model_comparisons() == []
    mes = project.create_model_evaluation_store("evals")
    genai = project.create_evaluation_store("llm evals", "GENAI")
    stores = project.list_model_evaluation_stores()
    assert [type(s).__name__ for s in stores] == ["DSSModelEvaluationStore", "DSSEvaluationStore"]
    assert [s.id for s in project.list_evaluation_stores(flavor="GENAI")] == [genai.id]
    assert mes.get_settings().get_raw()["name"] == "evals"
    cmp = project.create_model_comparison("cmp", "BINARY_CLASSIFICATION")
    [found] = project.list_model_comparisons()
    assert found.id == cmp.id
    assert found.get_settings().get_raw()["displayName"] == "cmp"
    cmp.delete()
    assert project.list_model_comparisons() == []


def test_missing_objects_and_taken_names_are_refused(project):
    with pytest.raises(
        DataikuException, match=r"NotFoundException: dashboard does not exist: P\.x"
    ):
        project.get_dashboard("x").delete()
    project.create_jupyter_notebook("nb", {})
    with pytest.raises(DataikuException, match="already exists"):
        project.create_jupyter_notebook("nb", {})
    with pytest.raises(DataikuException, match="NotFoundException: dataset does not exist"):
        project.create_analysis("nope")
    with pytest.raises(DataikuException, match="name"):
        project.create_webapp("")


def test_wiki_articles_taxonomy_get_save_delete(project):
    wiki = project.get_wiki()
    assert wiki.list_articles() == []
    assert wiki.get_settings().get_taxonomy() == []
    home = wiki.create_article("Home", content="# hello")
    child = wiki.create_article("Child", parent_id=home.article_id)
    assert [a.get_data().get_name() for a in wiki.list_articles()] == ["Home", "Child"]
    settings = wiki.get_settings()
    assert settings.get_home_article_id() == home.article_id
    assert settings.get_taxonomy() == [
        {"id": home.article_id, "children": [{"id": child.article_id, "children": []}]}
    ]
    assert wiki.get_article("Child").article_id == child.article_id  # by name too
    assert home.get_data().get_body() == "# hello"
    settings.move_article_in_taxonomy(child.article_id)  # to the root
    settings.save()
    assert [n["id"] for n in wiki.get_settings().get_taxonomy()] == [
        home.article_id,
        child.article_id,
    ]
    bad = wiki.get_settings()
    bad.set_taxonomy([])
    with pytest.raises(DataikuException, match="every article must appear exactly once"):
        bad.save()
    home.delete()
    assert [a.article_id for a in wiki.list_articles()] == [child.article_id]
    assert wiki.get_settings().get_home_article_id() == child.article_id


def test_flow_graph_nodes(dss_sandbox, project):
    client = dss_sandbox.client()
    other = client.create_project("O", "O", "admin")
    other.create_dataset("shared", "Filesystem", params={"connection": "filesystem_root"})
    settings = other.get_settings()
    exposed = settings.get_raw().setdefault("exposedObjects", {}).setdefault("objects", [])
    exposed.append({"type": "DATASET", "localName": "shared", "rules": [{"targetProject": "P"}]})
    settings.save()
    out = project.new_managed_dataset("out").with_store_into("filesystem_managed").create()
    recipe = project.new_recipe("sync", "copy").with_input("ds").with_input("shared", "O")
    recipe.with_existing_output(out.dataset_name).create()
    model = project.create_mlflow_pyfunc_model("sm", "REGRESSION")
    task = add_object(dss_sandbox.store, "P", "labelingtask", "labels")
    graph = project.get_flow().get_graph()
    types = {k: n["type"] for k, n in graph.nodes.items()}
    assert types == {
        "ds": "COMPUTABLE_DATASET",
        "out": "COMPUTABLE_DATASET",
        model.id: "COMPUTABLE_SAVED_MODEL",
        task: "RUNNABLE_LABELING_TASK",
        "copy": "RUNNABLE_RECIPE",
        "O.shared": "COMPUTABLE_DATASET",
    }
    assert graph.nodes["copy"]["predecessors"] == ["ds", "O.shared"]
    assert graph.nodes["copy"]["successors"] == ["out"]
    assert [n["ref"] for n in graph.get_source_computables()] == ["ds", model.id, "O.shared"]
    assert graph.get_successor_computables("copy") == [graph.nodes["out"]]


def _one_of_each(sb: Sandbox, p: Any) -> None:
    for create, _ in CASES.values():
        create(p)
    p.create_model_evaluation_store("mes")
    p.create_model_comparison("cmp", "REGRESSION")
    p.get_wiki().create_article("Home")
    p.get_flow().create_zone("Zone")
    p.create_managed_folder("folder")
    p.create_scenario("S", "step_based")
    p.new_recipe("sync", "copy").with_input("ds").with_new_output(
        "o", "filesystem_managed"
    ).create()
    add_object(sb.store, "P", "labelingtask", "labels")


def test_the_project_inventory_sees_every_kind_and_deleting_the_project_deletes_them(
    dss_sandbox, project
):
    _one_of_each(dss_sandbox, project)
    session = DssSession(dss_sandbox.url, dss_sandbox.api_key)
    inventory = project_inventory(session, "P")
    assert inventory.unreadable == () and inventory.not_served == ()
    kinds = {o.kind for o in inventory.objects}
    assert kinds == {listing.kind for listing in LISTINGS} - {"other flow object"}

    project.delete()
    with dss_sandbox.store.transaction(write=False) as tx:
        left = {kind: tx.ids(kind, "P") for kind in [*BY_KIND, "labelingtask", "wikiarticle"]}
    assert all(ids == [] for ids in left.values()), left
    dss_sandbox.client().create_project("P", "P again", "admin")
    assert project_inventory(session, "P").objects == ()
