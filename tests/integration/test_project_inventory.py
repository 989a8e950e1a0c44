"""Issue 16 part 2: destroy never deletes a project that holds a hand-made object, of any kind.

Deleting a DSS project deletes everything in it. The safeguard reads the whole project
inventory (every kind DSS lists, not only the kinds dsspulumi models): one hand-made object
of any kind blocks the project's deletion, named in the message, and nothing is deleted;
once it is gone, destroy succeeds. Objects are made by hand through the real dataikuapi
client wherever it has a creation call (labelling tasks have none: the sandbox seeds them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dsspulumi.providers.dss.inventory import LISTINGS
from dsspulumi.sandbox.kinds.project_objects import add_object

KEY = "HOLD"
STACK = """
p = dss.Project("HOLD", name="Hold")
ds = dss.ManagedDataset("ours", project=p, connection="filesystem_managed")
dss.FlowZone("Our zone", project=p, items=[ds])
"""

# kind label -> make one by hand: (project, sandbox) -> (name shown, how to remove it)
Made = tuple[str, Callable[[], Any]]


def _zone(p: Any, sb: Any) -> Made:
    zone = p.get_flow().create_zone("Hand zone")
    return f"Hand zone (id {zone.id})", zone.delete


def _jupyter(p: Any, sb: Any) -> Made:
    nb = p.create_jupyter_notebook("explore", {"metadata": {}, "cells": [], "nbformat": 4})
    return "explore", nb.delete


def _sql_notebook(p: Any, sb: Any) -> Made:
    nb = p.create_sql_notebook({"name": "queries", "language": "SQL"})
    return f"queries (id {nb.notebook_id})", nb.delete


def _webapp(p: Any, sb: Any) -> Made:
    app = p.create_webapp("Hand app")
    return f"Hand app (id {app.webapp_id})", _raw_delete(p, f"webapps/{app.webapp_id}")


def _wiki(p: Any, sb: Any) -> Made:
    article = p.get_wiki().create_article("Runbook", content="how to rerun")
    return f"Runbook (id {article.article_id})", article.delete


def _dashboard(p: Any, sb: Any) -> Made:
    dash = p.create_dashboard("KPIs")
    return f"KPIs (id {dash.dashboard_id})", dash.delete


def _insight(p: Any, sb: Any) -> Made:
    insight = p.create_insight({"name": "Revenue chart", "type": "chart"})
    return f"Revenue chart (id {insight.insight_id})", insight.delete


def _saved_model(p: Any, sb: Any) -> Made:
    model = p.create_mlflow_pyfunc_model("churn", "BINARY_CLASSIFICATION")
    return f"churn (id {model.id})", model.delete


def _evaluation_store(p: Any, sb: Any) -> Made:
    store = p.create_model_evaluation_store("evals")
    return f"evals (id {store.id})", store.delete


def _comparison(p: Any, sb: Any) -> Made:
    cmp = p.create_model_comparison("champion vs challenger", "BINARY_CLASSIFICATION")
    return f"champion vs challenger (id {cmp.id})", cmp.delete


def _knowledge_bank(p: Any, sb: Any) -> Made:
    kb = p.create_knowledge_bank("docs", "CHROMA")
    return f"docs (id {kb.id})", kb.delete


def _labelling_task(p: Any, sb: Any) -> Made:
    ident = add_object(sb.store, KEY, "labelingtask", "label images")  # no client call
    return ident, _raw_delete_row(sb, "labelingtask", ident)


def _code_studio(p: Any, sb: Any) -> Made:
    studio = p.create_code_studio("vscode", "vscode-template")
    return f"vscode (id {studio.code_studio_id})", studio.delete


def _streaming_endpoint(p: Any, sb: Any) -> Made:
    endpoint = p.create_streaming_endpoint("clicks", "kafka")
    return "clicks", endpoint.delete


def _analysis(p: Any, sb: Any) -> Made:
    p.create_dataset("theirs_in", "Filesystem", params={"connection": "filesystem_root"})
    analysis = p.create_analysis("theirs_in")

    def remove() -> None:
        analysis.delete()
        p.get_dataset("theirs_in").delete()

    return f"Analyze theirs_in (id {analysis.analysis_id})", remove


def _api_service(p: Any, sb: Any) -> Made:
    p.create_api_service("scoring")
    return "scoring", _raw_delete(p, "apiservices/scoring")


def _semantic_model(p: Any, sb: Any) -> Made:
    model = p.create_semantic_model("sales")
    return f"sales (id {model.semantic_model_id})", model.delete


def _agent(p: Any, sb: Any) -> Made:
    agent = p.create_agent("helper", "TOOLS_USING_AGENT")
    return f"helper (id {agent.id})", agent.delete


def _rag_llm(p: Any, sb: Any) -> Made:
    llm = p.create_retrieval_augmented_llm("ask docs", "kb", "openai:gpt")
    return f"ask docs (id {llm.id})", llm.delete


def _agent_tool(p: Any, sb: Any) -> Made:
    tool = p.new_agent_tool("Custom", "lookup").create()
    return f"lookup (id {tool.id})", tool.delete


def _agent_skill(p: Any, sb: Any) -> Made:
    skill = p.create_agent_skill("summarise")
    return f"summarise (id {skill.id})", skill.delete


def _agent_review(p: Any, sb: Any) -> Made:
    review = p.create_agent_review("weekly review")
    ident = review.id
    return f"weekly review (id {ident})", _raw_delete(p, f"agent-reviews/reviews/{ident}")


def _dataset(p: Any, sb: Any) -> Made:
    p.create_dataset("theirs", "Filesystem", params={"connection": "filesystem_root"})
    return "theirs", p.get_dataset("theirs").delete


def _recipe(p: Any, sb: Any) -> Made:
    p.create_dataset("theirs_in", "Filesystem", params={"connection": "filesystem_root"})
    builder = p.new_recipe("sync", "theirs_copy").with_input("theirs_in")
    builder.with_new_output("theirs_out", "filesystem_managed").create()

    def remove() -> None:
        p.get_recipe("theirs_copy").delete()
        for name in ("theirs_in", "theirs_out"):
            p.get_dataset(name).delete()

    return "theirs_copy", remove


def _folder(p: Any, sb: Any) -> Made:
    folder = p.create_managed_folder("drops")
    return f"drops (id {folder.id})", folder.delete


def _scenario(p: Any, sb: Any) -> Made:
    scenario = p.create_scenario("Nightly", "step_based")
    return f"Nightly (id {scenario.id})", scenario.delete


def _raw_delete(p: Any, path: str) -> Callable[[], Any]:
    """The client has no delete call for this kind: the same DELETE, sent as DSS serves it."""
    return lambda: p.client._perform_empty("DELETE", f"/projects/{KEY}/{path}")


def _raw_delete_row(sb: Any, kind: str, ident: str) -> Callable[[], Any]:
    def remove() -> None:
        with sb.store.transaction(write=True) as tx:
            tx.delete(kind, KEY, ident)

    return remove


MAKERS: dict[str, Callable[[Any, Any], Made]] = {
    "dataset": _dataset,
    "recipe": _recipe,
    "managed folder": _folder,
    "scenario": _scenario,
    "flow zone": _zone,
    "Jupyter notebook": _jupyter,
    "SQL notebook": _sql_notebook,
    "web app": _webapp,
    "wiki article": _wiki,
    "dashboard": _dashboard,
    "insight": _insight,
    "agent": _agent,
    "retrieval-augmented LLM": _rag_llm,
    "saved model": _saved_model,
    "model evaluation store": _evaluation_store,
    "model comparison": _comparison,
    "knowledge bank": _knowledge_bank,
    "labelling task": _labelling_task,
    "code studio": _code_studio,
    "streaming endpoint": _streaming_endpoint,
    "visual analysis": _analysis,
    "API service": _api_service,
    "semantic model": _semantic_model,
    "agent tool": _agent_tool,
    "agent skill": _agent_skill,
    "agent review": _agent_review,
}
PLURAL = {listing.kind: listing.plural for listing in LISTINGS}


def test_every_listed_kind_has_a_test():
    # "other flow object" is the flow graph's catch-all for node types DSS may add later.
    assert set(PLURAL) - set(MAKERS) == {"other flow object"}


def _up(ws: Any) -> None:
    ws.stack("hold", STACK)
    r = ws.dss("up", "hold", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_hand_made_object_of_any_kind_blocks_the_project_delete(ws, kind):
    client = ws.sandbox.client()
    _up(ws)
    project = client.get_project(KEY)
    shown, remove = MAKERS[kind](project, ws.sandbox)

    r = ws.dss("destroy", "hold", "--yes")
    assert r.exit_code == 1, r.stdout + r.stderr
    also = {  # what had to be made by hand with it
        "visual analysis": "datasets theirs_in; ",
        "recipe": "datasets theirs_in, theirs_out; ",
    }.get(kind, "")
    held = f"still holds objects this stack does not manage ({also}{PLURAL[kind]} {shown})"
    assert f"project {KEY} {held}" in r.stdout, r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    # nothing of theirs was deleted; ours went (children first), the project stayed
    assert KEY in client.list_project_keys()
    assert [z.name for z in project.get_flow().list_zones()][1:] == (
        ["Hand zone"] if kind == "flow zone" else []
    )
    theirs = {"dataset": ["theirs"], "visual analysis": ["theirs_in"]}
    theirs["recipe"] = ["theirs_in", "theirs_out"]
    assert [d["name"] for d in project.list_datasets()] == theirs.get(kind, [])
    assert [r.name for r in ws.state("hold").resources] == [KEY]

    remove()
    r = ws.dss("destroy", "hold", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert KEY not in client.list_project_keys()


def test_a_hand_made_flow_zone_in_a_managed_project_is_not_deleted_with_it(ws):
    """The issue's reproduction: a zone made by hand in a project the stack manages."""
    client = ws.sandbox.client()
    ws.stack("zoned", 'p = dss.Project("ZONED", name="Zoned")\n')
    assert ws.dss("up", "zoned", "--yes").exit_code == 0
    flow = client.get_project("ZONED").get_flow()
    theirs = flow.create_zone("Staging", color="#ff0000")

    r = ws.dss("destroy", "zoned", "--yes", "--json")
    assert r.exit_code == 1
    step = next(s for s in r.json["steps"] if s["type"] == "dss:Project")
    assert step["status"] == "failed"
    assert f"(flow zones Staging (id {theirs.id}))" in step["error"]
    assert "deleting the project would delete them too" in step["error"]
    assert "ZONED" in client.list_project_keys()
    assert [(z.id, z.name) for z in flow.list_zones()] == [
        ("default", "Default"),
        (theirs.id, "Staging"),
    ]
    assert [r.name for r in ws.state("zoned").resources] == ["ZONED"]

    flow.get_zone(theirs.id).delete()
    assert ws.dss("destroy", "zoned", "--yes").exit_code == 0
    assert "ZONED" not in client.list_project_keys()


def test_many_objects_are_counted_and_only_the_first_named(ws):
    client = ws.sandbox.client()
    _up(ws)
    project = client.get_project(KEY)
    for i in range(15):
        project.create_jupyter_notebook(f"nb{i:02d}", {"metadata": {}, "cells": []})
    project.create_dashboard("KPIs")
    r = ws.dss("destroy", "hold", "--yes")
    assert r.exit_code == 1
    assert "Jupyter notebooks nb00, nb01," in r.stdout
    assert "; and 4 more (16 objects in all))" in r.stdout
    assert "nb12" not in r.stdout and "KPIs" not in r.stdout
    assert len(project.list_jupyter_notebooks()) == 15


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (403, "com.dataiku.dip.exceptions.UnauthorizedException"),
        (500, "java.lang.RuntimeException"),
    ],
)
def test_a_listing_that_fails_blocks_the_delete(ws, status, error_type):
    """Fail closed: a kind that cannot be listed may hold anything, so the project stays."""
    client = ws.sandbox.client()
    _up(ws)
    ws.sandbox.inject_failure(
        "GET",
        "/projects/{projectKey}/code-studios/",
        times=100,
        status=status,
        message="Action forbidden" if status == 403 else "Database unavailable",
        error_type=error_type,
    )
    r = ws.dss("destroy", "hold", "--yes", "--retries", "1")
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "code studios" in r.stdout
    if status == 403:
        assert f"project {KEY} was left in place: its code studios could not be listed" in (
            r.stdout
        )
    assert KEY in client.list_project_keys()
    assert [r.name for r in ws.state("hold").resources] == [KEY]


def test_a_listing_this_dss_does_not_serve_holds_nothing(ws):
    """An older DSS answers an unknown listing URL with a 404 page: that kind does not exist."""
    client = ws.sandbox.client()
    _up(ws)
    ws.sandbox.inject_failure(
        "GET",
        "/projects/{projectKey}/code-studios/",
        times=100,
        status=404,
        message=f"Not Found: /dip/publicapi/projects/{KEY}/code-studios/",
        error_type="Unknown error",
    )
    r = ws.dss("destroy", "hold", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert KEY not in client.list_project_keys()


def test_an_unknown_route_on_a_listing_every_dss_serves_blocks_the_delete(ws):
    """Datasets are listed by every DSS: a 404 there is not "none" (a proxy, a wrong URL)."""
    client = ws.sandbox.client()
    _up(ws)
    ws.sandbox.inject_failure(
        "GET",
        "/projects/{projectKey}/datasets/",
        times=100,
        status=404,
        message="Not Found",
        error_type="Unknown error",
    )
    r = ws.dss("destroy", "hold", "--yes")
    assert r.exit_code == 1
    assert "its datasets could not be listed" in r.stdout
    assert KEY in client.list_project_keys()


def test_import_project_reports_what_it_cannot_import_from_the_same_inventory(ws):
    client = ws.sandbox.client()
    p = client.create_project("MIXED", "Mixed", "admin")
    p.create_dataset("raw", "Filesystem", params={"connection": "filesystem_root", "path": "/r"})
    p.create_jupyter_notebook("explore", {"metadata": {}, "cells": []})  # imported (Notebook)
    dash = p.create_dashboard("KPIs")
    p.get_flow().create_zone("Staging")  # a kind dsspulumi imports: not reported
    ws.sandbox.inject_failure(
        "GET",
        "/projects/{projectKey}/webapps/",
        times=100,
        status=403,
        message="Action forbidden",
        error_type="com.dataiku.dip.exceptions.UnauthorizedException",
    )
    r = ws.dss("import", "project", "MIXED", "--out", "stacks/mixed.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json["unmodelled"] == [
        f"dashboard MIXED.KPIs (id {dash.dashboard_id}): no dsspulumi resource type yet",
        "web apps of project MIXED: could not be listed, check them in DSS (DSS refused to "
        "list the web apps of project MIXED: "
        "Action forbidden)",
    ]
    assert sorted(r.json["imported"]) == ["MIXED", "MIXED.Staging", "MIXED.explore", "MIXED.raw"]
    text = (ws.root / "stacks" / "mixed.py").read_text()
    assert f"dashboard MIXED.KPIs (id {dash.dashboard_id})" in text
