"""`dss import project` round trip (issue 9): a project clicked together in DSS becomes a stack.

The project is built by hand with the real dataikuapi client (every supported kind, a
reference to another project, code recipes); the generated stack must preview empty,
destroy it, and recreate an equivalent project, compared object by object.
"""

from __future__ import annotations

import json

from dsspulumi.providers.dss.client import MARK_FIELD

PREP = "import dataiku\n\n# prepare the orders\nprint('ok')\n"
AGG = "SELECT id, SUM(amount) AS total\nFROM orders\nGROUP BY id\n"


def expose(project, dataset, target):
    settings = project.get_settings()
    objects = settings.get_raw().setdefault("exposedObjects", {}).setdefault("objects", [])
    objects.append({"type": "DATASET", "localName": dataset, "rules": [{"targetProject": target}]})
    settings.save()


def build_by_hand(client):
    upstream = client.create_project("UPSTREAM", "Upstream", "admin")
    upstream.create_dataset(
        "customers", "Filesystem", params={"connection": "filesystem_root", "path": "/c"}
    )
    p = client.create_project("RT", "Round trip", "admin", description="clicked", tags=["team"])
    expose(upstream, "customers", "RT")
    p.create_dataset(
        "orders",
        "Filesystem",
        params={"connection": "filesystem_root", "path": "/orders"},
        formatType="csv",
        formatParams={"separator": ";"},
    )
    expose(p, "orders", "UPSTREAM")  # imported as share_with=["UPSTREAM"]
    ds = p.get_dataset("orders")
    settings = ds.get_settings()
    raw = settings.get_raw()
    raw["schema"] = {
        "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}]
    }
    raw["description"] = "raw orders"
    raw["tags"] = ["raw"]
    settings.save()
    p.create_sql_table_dataset("pg_orders", "PostgreSQL", "sql_postgres", "orders", "public")
    for name, conn, fmt in (
        ("clean", "filesystem_managed", "PARQUET_HIVE"),
        ("final", "filesystem_managed", None),
        ("scores", "sql_postgres", None),
    ):
        creator = p.new_managed_dataset(name)
        creator.with_store_into(conn, format_option_id=fmt)
        creator.create()
    r = p.new_recipe("python", "prep")
    r.with_input("orders")
    r.with_input("customers", project_key="UPSTREAM")
    r.with_output("clean")
    r.with_script(PREP)
    r.create()
    r = p.new_recipe("sql_query", "agg")
    r.with_input("pg_orders")
    r.with_output("scores")
    r.create()
    settings = p.get_recipe("agg").get_settings()
    settings.set_payload(AGG)
    settings.get_recipe_raw_definition()["description"] = "totals"
    settings.save()
    r = p.new_recipe("sync", "copy")
    r.with_input("clean")
    r.with_output("final")
    r.create()
    p.set_variables({"standard": {"env": "prod", "limit": 10}, "local": {"debug": False}})
    client.create_group("analysts")
    grants = p.get_permissions()
    grants["permissions"].append(
        {"group": "analysts", "readProjectContent": True, "runScenarios": True}
    )
    p.set_permissions(grants)
    settings = p.create_scenario("Nightly", "step_based").get_settings()
    raw = settings.get_raw()
    raw["active"] = True
    raw["params"]["steps"] = [
        {"type": "build_flowitem", "name": "Build final", "params": BUILD},
        {"type": "set_project_vars", "name": "Step #2", "params": {"variables": {"x": 1}}},
    ]
    raw["triggers"] = [
        {"type": "temporal", "name": "At three", "active": True, "params": DAILY},
        {
            "type": "ds_modified",
            "name": "Dataset changed",
            "active": True,
            "delay": 600,
            "params": {
                "watches": [{"type": "DATASET", "itemId": "orders", "partitionsSpec": ""}],
                "triggerWhenAllFire": False,
            },
        },
    ]
    settings.save()
    settings = p.create_scenario("Cleanup", "custom_python").get_settings()
    settings.code = CLEANUP
    settings.save()
    folder = p.create_managed_folder("docs")
    p.create_dataset("doc_files", "FilesInFolder", params={"folderSmartId": folder.id})
    creator = p.new_managed_dataset("doc_index")
    creator.with_store_into("filesystem_managed")
    creator.create()
    r = p.new_recipe("python", "index_docs")
    r.with_input(folder.id)
    r.with_output("doc_index")
    r.with_script("print('index')\n")
    r.create()
    r = p.new_recipe("grouping", "totals")
    r.with_input("orders")
    r.with_new_output("order_totals", "filesystem_managed")
    r.create()
    settings = p.get_recipe("totals").get_settings()
    settings.set_json_payload(
        {
            "keys": [{"column": "id"}],
            "values": [{"column": "amount", "sum": True, "avg": True}],
            "globalCount": True,
        }
    )
    settings.save()
    r = p.new_recipe("shaker", "tidy")
    r.with_input("order_totals")
    r.with_new_output("tidy_totals", "filesystem_managed")
    r.create()
    settings = p.get_recipe("tidy").get_settings()
    step = {
        "metaType": "PROCESSOR",
        "type": "ColumnRenamer",
        "disabled": False,
        "params": {"renamings": [{"from": "id", "to": "order_id"}]},
    }
    settings.set_json_payload({"steps": [step], "columnsSelection": {"mode": "ALL"}})
    settings.save()
    r = p.new_recipe("join", "enrich")
    r.with_input("orders")
    r.with_input("clean")
    r.with_new_output("enriched", "filesystem_managed")
    r.create()
    zone = p.get_flow().create_zone("Preparation", color="#ff9900")
    zone.add_items([p.get_dataset("orders"), p.get_recipe("prep"), folder])
    return p


BUILD = {
    "builds": [{"type": "DATASET", "itemId": "final", "partitionsSpec": ""}],
    "jobType": "NON_RECURSIVE_FORCED_BUILD",
}
DAILY = {
    "frequency": "Daily",
    "repeatFrequency": 1,
    "hour": 3,
    "minute": 15,
    "timezone": "Europe/Paris",
    "startingFrom": "2025-02-01T00:00:00.000+0000",
}
CLEANUP = "print('cleanup')\n"


def _payload(recipe_type, payload):
    """A visual recipe's JSON payload as DSS means it: parsed, a flag set to false = unset."""
    if recipe_type not in ("grouping", "shaker", "join"):
        return payload

    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items() if x is not False}
        return [norm(x) for x in v] if isinstance(v, list) else v

    return norm(json.loads(payload))


def snapshot(client):
    """Everything a user sees of the project, object by object (no marks, no versions)."""
    p = client.get_project("RT")
    md = p.get_metadata()
    fields = ("type", "managed", "params", "formatType", "formatParams", "description", "tags")
    out = {"project": (md["label"], md.get("description"), [t for t in md["tags"] if ":" not in t])}
    for item in p.list_datasets():
        raw = p.get_dataset(item["name"]).get_settings().get_raw()
        out[f"dataset {item['name']}"] = {k: raw.get(k) for k in fields} | {
            "schema": (raw.get("schema") or {}).get("columns")
        }
    for item in p.list_recipes():
        s = p.get_recipe(item["name"]).get_settings()
        r = s.get_recipe_raw_definition()
        out[f"recipe {item['name']}"] = {
            "type": r["type"],
            "inputs": [i["ref"] for i in r["inputs"]["main"]["items"]],
            "outputs": [i["ref"] for i in r["outputs"]["main"]["items"]],
            "payload": _payload(r["type"], s.get_payload()),
            "description": r.get("description") or "",
            "tags": r.get("tags"),
        }
    for item in p.list_scenarios(as_type="listitems"):
        s = p.get_scenario(item["id"]).get_settings()
        raw = s.get_raw()
        steps = (raw.get("params") or {}).get("steps") or []
        out[f"scenario {raw['name']}"] = {
            "type": raw["type"],
            "active": raw["active"],
            "steps": [{k: st.get(k) for k in ("type", "name", "params")} for st in steps],
            "triggers": [{k: v for k, v in t.items() if k != "id"} for t in raw["triggers"]],
            "code": s.code if raw["type"] == "custom_python" else None,
        }
    for f in p.list_managed_folders():
        raw = p.get_managed_folder(f["id"]).get_settings().get_raw()
        out[f"folder {raw['name']}"] = (raw.get("type"), raw["params"].get("connection"))
    ids = {f["id"]: f["name"] for f in p.list_managed_folders()}
    for key in list(out):  # folders are referred to by a generated id: compare by name
        if key.startswith(("dataset", "recipe")):
            text = json.dumps(out[key], sort_keys=True)
            for ident, name in ids.items():
                text = text.replace(ident, f"<folder {name}>")
            out[key] = text
    for z in p.get_flow().list_zones():
        if z.id != "default":
            items = [ids.get(i["objectId"], i["objectId"]) for i in z._raw["items"]]
            out[f"zone {z._raw['name']}"] = (z._raw["color"], sorted(items))
    exposed = p.get_settings().get_raw().get("exposedObjects", {}).get("objects", [])
    out["exposed"] = sorted((o["localName"], str(o["rules"])) for o in exposed)
    out["variables"] = p.get_variables()
    grants = [g for g in p.get_permissions()["permissions"] if g.get("group")]
    out["grants"] = [{k: v for k, v in g.items() if v is not False} for g in grants]  # unset=False
    return out


def test_import_project_round_trip(ws):
    client = ws.sandbox.client()
    build_by_hand(client)
    before = snapshot(client)
    upstream = client.get_project("UPSTREAM").get_metadata()

    r = ws.dss("import", "project", "RT", "--out", "stacks/rt.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    doc = r.json
    assert doc["unmodelled"] == [] and doc["result"] == "succeeded"
    assert sorted(doc["imported"]) == sorted(
        [
            "RT",
            *(f"RT.{n}" for n in ("orders", "pg_orders", "clean", "final", "scores")),
            *(f"RT.{n}" for n in ("prep", "agg", "copy", "Nightly", "Cleanup")),
            *(f"RT.{n}" for n in ("docs", "doc_files", "doc_index", "index_docs")),
            *(f"RT.{n}" for n in ("totals", "order_totals", "tidy", "tidy_totals")),
            *(f"RT.{n}" for n in ("enrich", "enriched")),
            "RT.Preparation",
            "RT.variables",
            "RT.permissions",
        ]
    )
    code = (ws.root / "stacks" / "rt.py").read_text()
    # One variable per object, Python references between them, code in files.
    assert (
        'project = dss.Project("RT", name="Round trip", description="clicked", tags=["team"])'
        in code
    )
    assert 'inputs=[orders, dss.Dataset.get("UPSTREAM.customers")]' in code
    assert 'code=dss.File("rt_code/prep.py")' in code and 'sql=dss.File("rt_code/agg.sql")' in code
    assert 'copy = dss.SyncRecipe("copy", project=project, inputs=[clean], outputs=[final])' in code
    assert (ws.root / "stacks" / "rt_code" / "prep.py").read_text() == PREP
    assert (ws.root / "stacks" / "rt_code" / "agg.sql").read_text() == AGG
    # Adopted: every object carries the stack's mark.
    state = {x.name: x.mark for x in ws.state("rt").resources}
    assert client.get_project("RT").get_metadata()["customFields"][MARK_FIELD] == state["RT"]
    raw = client.get_project("RT").get_dataset("orders").get_settings().get_raw()
    assert raw["customFields"][MARK_FIELD] == state["orders"]
    assert snapshot(client) == before  # adoption changed nothing a user sees

    r = ws.dss("preview", "rt", "--expect-no-changes", "--json")
    assert r.exit_code == 0, r.stdout
    assert ws.dss("preview", "rt", "--refresh", "--expect-no-changes").exit_code == 0

    assert ws.dss("destroy", "rt", "--yes").exit_code == 0
    assert "RT" not in client.list_project_keys()
    assert client.get_project("UPSTREAM").get_metadata() == upstream  # read, never touched

    assert ws.dss("up", "rt", "--yes").exit_code == 0
    assert snapshot(client) == before


def test_import_lists_what_it_cannot_model_and_refuses_to_overwrite(ws):
    client = ws.sandbox.client()
    p = client.create_project("GRP", "Grouping", "admin")
    p.create_dataset("src", "Filesystem", params={"connection": "filesystem_root", "path": "/s"})
    creator = p.new_managed_dataset("grouped")
    creator.with_store_into("filesystem_managed")
    creator.create()
    r = p.new_recipe("sparkr", "by_key")
    r.with_input("src")
    r.with_output("grouped")
    r.with_script("print(1)")
    r.create()
    r = ws.dss("import", "project", "GRP", "--out", "stacks/grp.py")
    assert r.exit_code == 0, r.stderr
    why = "recipe GRP.by_key: importing recipes of type 'sparkr' is not supported yet"
    assert why in r.stdout and "not imported" in r.stdout
    assert f"- {why}" in (ws.root / "stacks" / "grp.py").read_text()
    assert "by_key" not in {x.name for x in ws.state("grp").resources}
    assert ws.dss("preview", "grp", "--refresh", "--expect-no-changes").exit_code == 0

    again = ws.dss("import", "project", "GRP", "--out", "stacks/grp.py")
    assert again.exit_code == 1 and "already exists; it was left untouched" in again.stderr
    missing = ws.dss("import", "project", "NOPE", "--out", "stacks/nope.py")
    assert missing.exit_code == 1 and "project NOPE does not exist in DSS" in missing.stderr
    assert not (ws.root / "stacks" / "nope.py").exists()


def test_import_keeps_secrets_out_of_code_state_and_output(ws):
    client = ws.sandbox.client()
    p = client.create_project("SEC", "Secrets", "admin")
    p.create_dataset(
        "db",
        "Filesystem",
        params={"connection": "filesystem_root", "path": "/d", "password": "hunter2-secret"},
    )
    env = {"DSS_CONFIG_PASSPHRASE": "correct horse"}
    r = ws.dss("import", "project", "SEC", "--out", "stacks/sec.py", "--json", env=env)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json["secrets"] == ["db_password"]
    code = (ws.root / "stacks" / "sec.py").read_text()
    assert '"password": cfg.require_secret("db_password")' in code
    for path in [*ws.root.rglob("*.py"), *ws.root.rglob("*.toml"), *ws.root.rglob("*.json")]:
        assert "hunter2" not in path.read_text(), path
    assert "hunter2" not in r.stdout + r.stderr
    r = ws.dss("preview", "sec", "--refresh", "--expect-no-changes", env=env)
    assert r.exit_code == 0, r.stdout + r.stderr


def test_import_refuses_a_project_another_stack_manages(ws):
    ws.stack("owner", 'p = dss.Project("OWNED", name="Owned")\n')
    assert ws.dss("up", "owner", "--yes").exit_code == 0
    r = ws.dss("import", "project", "OWNED", "--out", "stacks/thief.py")
    assert r.exit_code == 1
    assert (
        "project OWNED: it is managed by another dsspulumi state: stack 'owner' (env dev) in "
        f"file://{ws.root}/.dss/state. An object is managed by one state only: manage it from "
        "stack 'owner' (env dev)"
    ) in r.stderr
    assert "Nothing was written or changed" in r.stderr
    assert not (ws.root / "stacks" / "thief.py").exists()
