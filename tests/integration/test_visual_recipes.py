"""Visual recipes (Prepare, Group, Join) through the CLI, checked in the sandbox with dataikuapi.

Per type: create (DSS's sequence: the creator's POST, then GET + PUT of the payload), update
in place, replace on a type change, delete, and a second ``up`` that plans nothing.
"""

from __future__ import annotations

import json

HEAD = """
project = dss.Project("VIS", name="Visual")
orders = dss.Dataset("orders", project=project, type="Filesystem", connection="filesystem_root",
                     params={"path": "/orders"},
                     schema=[dss.Column("customer_id", "bigint"), dss.Column("country"),
                             dss.Column("amount", "double")])
customers = dss.Dataset("customers", project=project, type="Filesystem",
                        connection="filesystem_root", params={"path": "/customers"},
                        schema=[dss.Column("customer_id", "bigint"), dss.Column("name")])
out = dss.ManagedDataset("out", project=project, connection="filesystem_managed")
"""


def _payload(ws, name):
    settings = ws.sandbox.client().get_project("VIS").get_recipe(name).get_settings()
    return settings.get_recipe_raw_definition(), json.loads(settings.get_payload())


def _step(r, name):
    return next(s for s in r.json["steps"] if s["name"] == name)


def _up(ws, code):
    ws.stack("vis", HEAD + code)
    r = ws.dss("up", "vis", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    return r


def _no_changes(ws):
    r = ws.dss("preview", "vis", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr


def test_group_recipe_lifecycle(ws):
    group = """
dss.GroupRecipe("by_country", project=project, inputs=[orders], outputs=[out],
                keys=["country"],
                aggregations={{"amount": {aggs}, "customer_id": ["countDistinct"]}})
"""
    ws.sandbox.reset_counts()
    _up(ws, group.format(aggs='["sum", "avg"]'))
    counts = ws.sandbox.request_counts
    # DSS's sequence: the grouping creator's POST (first key as groupKey), then GET + PUT
    assert counts["POST /projects/{projectKey}/recipes/"] == 1
    assert counts["PUT /projects/{projectKey}/recipes/{recipeName}"] == 1
    recipe, payload = _payload(ws, "by_country")
    assert recipe["type"] == "grouping"
    assert recipe["customFields"]["dsspulumi.mark"]  # the ownership mark rides as for others
    assert payload["keys"] == [{"column": "country"}]
    values = {v["column"]: v for v in payload["values"]}
    assert values["amount"]["sum"] is True and values["amount"]["avg"] is True
    assert values["amount"]["max"] is False and values["customer_id"]["countDistinct"] is True
    _no_changes(ws)

    # a changed aggregation is an in-place update of that property only
    ws.stack("vis", HEAD + group.format(aggs='["sum", "max"]'))
    r = ws.dss("preview", "vis", "--json")
    step = _step(r, "by_country")
    assert step["op"] == "update"
    assert step["diff"] == [
        {"path": "settings.aggregations.amount", "old": ["avg", "sum"], "new": ["max", "sum"]}
    ]
    _up(ws, group.format(aggs='["sum", "max"]'))
    _, payload = _payload(ws, "by_country")
    amount = next(v for v in payload["values"] if v["column"] == "amount")
    assert amount["max"] is True and amount["avg"] is False
    _no_changes(ws)

    # a change made in DSS is drift on the declared property
    settings = ws.sandbox.client().get_project("VIS").get_recipe("by_country").get_settings()
    settings.add_grouping_key("customer_id")
    settings.save()
    r = ws.dss("preview", "vis", "--refresh", "--json")
    assert _step(r, "by_country")["diff"] == [
        {"path": "settings.keys", "old": ["country", "customer_id"], "new": ["country"]}
    ]

    # another recipe class is another DSS type: a replace
    r = _up(ws, 'dss.PrepareRecipe("by_country", project=project, inputs=[orders], outputs=[out])')
    step = _step(r, "by_country")
    assert step["op"] == "replace" and step["replace_because"] == ["type"]
    recipe, payload = _payload(ws, "by_country")
    assert recipe["type"] == "shaker" and payload["steps"] == []
    _no_changes(ws)

    r = ws.dss("destroy", "vis", "--yes")
    assert r.exit_code == 0, r.stderr
    assert ws.sandbox.client().list_project_keys() == []


def test_join_recipe_lifecycle(ws):
    join = """
dss.JoinRecipe("enrich", project=project, inputs=[orders, customers], outputs=[out],
               joins=[dss.Join(orders, customers, type="{type}",
                               on=[("customer_id", "customer_id")])])
"""
    _up(ws, join.format(type="LEFT"))
    recipe, payload = _payload(ws, "enrich")
    assert recipe["type"] == "join"
    assert [i["ref"] for i in recipe["inputs"]["main"]["items"]] == ["orders", "customers"]
    assert payload["virtualInputs"] == [{"index": 0}, {"index": 1}]
    (j,) = payload["joins"]
    assert (j["table1"], j["table2"], j["type"]) == (0, 1, "LEFT")
    assert j["on"] == [
        {
            "type": "EQ",
            "column1": {"name": "customer_id", "table": 0},
            "column2": {"name": "customer_id", "table": 1},
        }
    ]
    _no_changes(ws)

    ws.stack("vis", HEAD + join.format(type="INNER"))
    step = _step(ws.dss("preview", "vis", "--json"), "enrich")
    assert step["op"] == "update"
    assert [d["path"] for d in step["diff"]] == ["settings.joins[0].type"]
    _up(ws, join.format(type="INNER"))
    assert _payload(ws, "enrich")[1]["joins"][0]["type"] == "INNER"
    _no_changes(ws)
    assert ws.dss("destroy", "vis", "--yes").exit_code == 0


def test_prepare_recipe_lifecycle(ws):
    prepare = """
dss.PrepareRecipe("clean", project=project, inputs=[orders], outputs=[out], steps=[
    dss.PrepareStep("ColumnRenamer", {{"renamings": [{{"from": "amount", "to": "{to}"}}]}}),
    dss.PrepareStep("FilterOnValue", {{"column": "country", "values": ["FR"]}}, disabled=True),
])
"""
    _up(ws, prepare.format(to="total"))
    recipe, payload = _payload(ws, "clean")
    assert recipe["type"] == "shaker"
    assert [(s["metaType"], s["type"], s["disabled"]) for s in payload["steps"]] == [
        ("PROCESSOR", "ColumnRenamer", False),
        ("PROCESSOR", "FilterOnValue", True),
    ]
    assert payload["columnsSelection"] == {"mode": "ALL"}  # DSS's own keys are kept
    _no_changes(ws)

    ws.stack("vis", HEAD + prepare.format(to="amount_eur"))
    step = _step(ws.dss("preview", "vis", "--json"), "clean")
    assert step["op"] == "update"
    assert [d["path"] for d in step["diff"]] == ["settings.steps[0].params.renamings[0].to"]
    _up(ws, prepare.format(to="amount_eur"))
    steps = _payload(ws, "clean")[1]["steps"]
    assert steps[0]["params"]["renamings"] == [{"from": "amount", "to": "amount_eur"}]
    _no_changes(ws)
    assert ws.dss("destroy", "vis", "--yes").exit_code == 0


def test_columns_are_checked_against_declared_schemas(ws):
    cases = {
        'dss.GroupRecipe("g", project=project, inputs=[orders], outputs=[out], keys=["contry"])': (
            "grouping key 'contry' is not a column of dataset 'orders'"
        ),
        'dss.JoinRecipe("j", project=project, inputs=[orders, customers], outputs=[out],'
        ' joins=[dss.Join(customers, orders, on=[("customer_id", "customer_id")])])': (
            "join #1 must bring in inputs[1] ('customers') as its right side"
        ),
        'dss.GroupRecipe("g", project=project, inputs=[orders], outputs=[out],'
        ' aggregations={"amount": ["total"]})': "unknown aggregation 'total'",
    }
    for code, message in cases.items():
        ws.stack("bad", HEAD + code + "\n")
        r = ws.dss("preview", "bad")
        assert r.exit_code == 1, r.stdout
        assert message in r.stderr and "bad.py" in r.stderr, r.stderr


def test_join_takes_one_more_input_in_place(ws):
    extra = """
regions = dss.Dataset("regions", project=project, type="Filesystem", connection="filesystem_root",
                      params={"path": "/regions"})
"""
    two = """
dss.JoinRecipe("enrich", project=project, inputs=[orders, customers], outputs=[out],
               joins=[dss.Join(orders, customers, on=[("customer_id", "customer_id")])])
"""
    three = """
dss.JoinRecipe("enrich", project=project, inputs=[orders, customers, regions], outputs=[out],
               joins=[dss.Join(orders, customers, on=[("customer_id", "customer_id")]),
                      dss.Join(orders, regions, type="INNER", on=[("country", "code")])])
"""
    _up(ws, extra + two)
    r = _up(ws, extra + three)
    step = _step(r, "enrich")
    assert step["op"] == "update"
    assert [d["path"] for d in step["diff"]] == ["inputs", "settings.joins[1]"]  # one join more
    assert step["diff"][1]["old"] is None and step["diff"][1]["new"]["type"] == "INNER"
    recipe, payload = _payload(ws, "enrich")
    refs = [i["ref"] for i in recipe["inputs"]["main"]["items"]]
    assert refs == ["orders", "customers", "regions"]
    assert [v["index"] for v in payload["virtualInputs"]] == [0, 1, 2]
    assert [(j["table1"], j["table2"], j["type"]) for j in payload["joins"]] == [
        (0, 1, "LEFT"),
        (0, 2, "INNER"),
    ]
    _no_changes(ws)


def test_a_visual_recipe_whose_create_answer_was_lost_is_adopted_and_completed(ws):
    """DSS created the recipe but its answer was lost before the payload was written: the
    recipe carries this run's mark (it rode in the prototype), so it is adopted and its
    declared payload written; the create is not sent twice."""
    code = """
dss.GroupRecipe("by_country", project=project, inputs=[orders], outputs=[out],
                keys=["country", "customer_id"], aggregations={"amount": ["sum"]})
"""
    ws.stack("vis", HEAD + code)
    ws.sandbox.inject_failure("POST", "/projects/{projectKey}/recipes/", when="after")
    ws.sandbox.reset_counts()
    r = ws.dss("up", "vis", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.sandbox.request_counts["POST /projects/{projectKey}/recipes/"] == 1
    _, payload = _payload(ws, "by_country")
    assert payload["keys"] == [{"column": "country"}, {"column": "customer_id"}]
    _no_changes(ws)
