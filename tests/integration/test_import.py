"""Adopting existing DSS objects (issue 9): import_id, `dss import resource`, `dss import project`.

Objects are made by hand with the real dataikuapi client against the sandbox; what the
tool wrote into DSS (marks, values) is read back the same way.
"""

from __future__ import annotations

from dsspulumi.providers.dss.client import MARK_FIELD, URN_FIELD

IMPORTED = """
project = dss.Project("SHOP", name="Shop", opts=dss.ResourceOptions(import_id="SHOP"))
orders = dss.Dataset("orders", project=project, type="Filesystem", connection="filesystem_root",
                     params={{"path": "{path}"}},
                     opts=dss.ResourceOptions(import_id="SHOP.orders"))
clean = dss.ManagedDataset("clean", project=project, connection="filesystem_managed")
"""


def _by_hand(client):
    project = client.create_project("SHOP", "Shop", "admin")
    project.create_dataset(
        "orders", "Filesystem", params={"connection": "filesystem_root", "path": "/o"}
    )
    settings = project.get_dataset("orders").get_settings()
    settings.get_raw()["shortDesc"] = "by hand"
    settings.save()
    return project


def test_import_id_adopts_then_updates_the_difference(ws):
    project = _by_hand(ws.sandbox.client())
    ws.stack("shop", IMPORTED.format(path="/orders"))
    r = ws.dss("preview", "shop", "--json")
    assert r.exit_code == 0, r.stderr
    steps = {s["name"]: s for s in r.json["steps"]}
    assert steps["SHOP"]["op"] == "import" and steps["SHOP"]["diff"] == []
    assert steps["orders"]["op"] == "import"
    assert steps["orders"]["diff"] == [{"path": "params.path", "old": "/o", "new": "/orders"}]
    assert steps["clean"]["op"] == "create"
    assert r.json["summary"] == {"create": 1, "import": 2}
    r = ws.dss("preview", "shop")
    assert "= " in r.stdout and "adopts the existing object" in r.stdout

    r = ws.dss("up", "shop", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    raw = project.get_dataset("orders").get_settings().get_raw()
    assert raw["params"]["path"] == "/orders" and raw["shortDesc"] == "by hand"
    state = {x.name: x for x in ws.state("shop").resources}
    assert raw["customFields"][MARK_FIELD] == state["orders"].mark
    assert raw["customFields"][URN_FIELD] == state["orders"].urn
    assert project.get_metadata()["customFields"][MARK_FIELD] == state["SHOP"].mark
    r = ws.dss("preview", "shop", "--refresh", "--expect-no-changes", "--json")
    assert r.exit_code == 0 and {s["op"] for s in r.json["steps"]} == {"same"}

    # Adopted is owned: destroy deletes it like anything the stack created.
    assert ws.dss("destroy", "shop", "--yes").exit_code == 0
    assert "SHOP" not in ws.sandbox.client().list_project_keys()


def test_a_missing_import_id_is_an_error_before_anything_changes(ws):
    ws.sandbox.client().create_project("SHOP", "Shop", "admin")
    ws.stack("shop", IMPORTED.format(path="/orders"))
    for command in (["preview", "shop"], ["up", "shop", "--yes"]):
        r = ws.dss(*command)
        assert r.exit_code == 1
        assert "SHOP.orders (declared at stacks/shop.py:4): import_id 'SHOP.orders'" in r.stderr
        assert "names no dataset in DSS" in r.stderr and "Nothing was changed" in r.stderr
    project = ws.sandbox.client().get_project("SHOP")
    assert project.list_datasets() == []  # "clean" was not created either
    assert "customFields" not in project.get_metadata() or not project.get_metadata()[
        "customFields"
    ].get(MARK_FIELD)


def test_import_id_must_name_the_declared_object(ws):
    ws.stack(
        "bad",
        """
        dss.Project("SHOP", name="Shop", opts=dss.ResourceOptions(import_id="OTHER"))
        """,
    )
    r = ws.dss("preview", "bad")
    assert r.exit_code == 1
    assert "stacks/bad.py:3" in r.stderr and "import_id must be 'SHOP'" in r.stderr


def test_an_object_of_another_stack_is_not_imported(ws):
    ws.stack("first", 'dss.Project("SHOP", name="Shop")\n')
    assert ws.dss("up", "first", "--yes").exit_code == 0
    ws.stack(
        "second", 'dss.Project("SHOP", name="Shop", opts=dss.ResourceOptions(import_id="SHOP"))\n'
    )
    r = ws.dss("up", "second", "--yes")
    assert r.exit_code == 1
    backend = f"file://{ws.root}/.dss/state"
    assert (
        f"SHOP (declared at stacks/second.py:2): cannot import project: it is managed by another "
        f"dsspulumi state: stack 'first' (env dev) in {backend}. An object is managed by one "
        "state only: manage it from stack 'first' (env dev), or hand it over: release it from "
        "stack 'first' (opts=dss.ResourceOptions(retain_on_delete=True) on it and `dss up`, then "
        "remove its declaration and `dss up` again: it is left in DSS without a mark), then "
        "import it here. Nothing was changed"
    ) in r.stderr
    assert (
        ws.state("first").resources[0].mark
        == ws.sandbox.client().get_project("SHOP").get_metadata()["customFields"][MARK_FIELD]
    )


def test_import_resource_adopts_one_object_and_prints_its_code(ws):
    ws.stack("shop", 'project = dss.Project("SHOP", name="Shop")\n')
    assert ws.dss("up", "shop", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("SHOP")
    project.create_dataset(
        "orders", "Filesystem", params={"connection": "filesystem_root", "path": "/o"}
    )
    r = ws.dss("import", "resource", "dataset", "orders", "SHOP.orders", "--stack", "shop")
    assert r.exit_code == 0, r.stderr
    assert "orders = dss.Dataset(" in r.stdout and 'project=dss.Project.get("SHOP")' in r.stdout
    code = r.stdout.split("add this to stacks/shop.py:", 1)[1]
    assert ws.state("shop").resources[-1].name == "orders"
    raw = project.get_dataset("orders").get_settings().get_raw()
    assert raw["customFields"][MARK_FIELD] == ws.state("shop").resources[-1].mark
    path = ws.root / "stacks" / "shop.py"
    path.write_text(path.read_text() + code)
    r = ws.dss("preview", "shop", "--refresh", "--expect-no-changes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr

    again = ws.dss("import", "resource", "dataset", "orders", "SHOP.orders", "-s", "shop")
    assert again.exit_code == 1 and "already in the state" in again.stderr
    missing = ws.dss("import", "resource", "dataset", "x", "SHOP.nope", "-s", "shop")
    assert (
        missing.exit_code == 1 and "dss:Dataset SHOP.nope does not exist in DSS" in missing.stderr
    )


def test_import_resource_of_instance_and_generated_id_kinds(ws):
    ws.stack("adm", 'project = dss.Project("ADM", name="Adm")\n')
    assert ws.dss("up", "adm", "--yes").exit_code == 0
    client = ws.sandbox.client()
    client.create_group("analysts", description="by hand")
    client.create_user("ann", "pw", display_name="Ann", groups=["analysts"])
    variables = client.get_global_variables()
    variables["region"] = "eu"
    variables.save()
    project = client.get_project("ADM")
    project.set_variables({"standard": {"limit": 3}, "local": {}})
    folder = project.create_managed_folder("docs")
    client.create_code_env("python", "py-env", "DESIGN_MANAGED", {"pythonInterpreter": "PYTHON39"})
    path = ws.root / "stacks" / "adm.py"
    for args in (
        ("group", "analysts", "analysts"),
        ("user", "ann", "ann"),
        ("GlobalVariables", "instance_vars", "instance-variables"),
        ("ProjectVariables", "adm_vars", "ADM.variables"),
        ("ManagedFolder", "docs", f"ADM.{folder.id}"),
        ("CodeEnv", "py_env", "py-env"),
    ):
        r = ws.dss("import", "resource", *args, "--stack", "adm")
        assert r.exit_code == 0, r.stdout + r.stderr
        path.write_text(path.read_text() + r.stdout.split("add this to stacks/adm.py:", 1)[1])
    code = path.read_text()
    assert 'analysts = dss.Group("analysts", description="by hand")' in code
    assert 'instance_vars = dss.GlobalVariables({"region": "eu"})' in code
    assert "password" not in code
    assert 'py_env = dss.CodeEnv("py-env", python_interpreter="PYTHON39")' in code
    r = ws.dss("preview", "adm", "--refresh", "--expect-no-changes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert len(r.json["steps"]) == 7

    # Adopted: changed by hand, they drift and are restored like anything the stack made.
    variables = client.get_global_variables()
    variables["region"] = "us"
    variables.save()
    r = ws.dss("refresh", "adm", "--preview-only", "--json")
    assert [(d["logical_name"], d["diff"]) for d in r.json["resources"]] == [
        ("instance-variables", [{"path": "variables.region", "state": "eu", "dss": "us"}])
    ]
    assert ws.dss("up", "adm", "--refresh", "--yes").exit_code == 0
    assert client.get_global_variables()["region"] == "eu"


def test_import_resource_of_a_connection_keeps_its_password_secret(ws):
    ws.stack("conn", 'dss.Project("CONN", name="Conn")\n')
    env = {"DSS_CONFIG_PASSPHRASE": "correct horse"}
    assert ws.dss("up", "conn", "--yes", env=env).exit_code == 0
    params = {"host": "db", "port": 5432, "db": "dwh", "user": "etl", "password": "hunter2"}
    ws.sandbox.client().create_connection("pg_main", "PostgreSQL", params=params)
    r = ws.dss("import", "resource", "connection", "pg_main", "pg_main", "-s", "conn", env=env)
    assert r.exit_code == 0, r.stdout + r.stderr
    code = r.stdout.split("add this to stacks/conn.py:", 1)[1]
    assert '"password": cfg.require_secret("pg_main_password")' in code
    assert "hunter2" not in r.stdout + r.stderr
    path = ws.root / "stacks" / "conn.py"
    path.write_text(path.read_text() + code)
    for file in ws.root.rglob("*"):
        if file.is_file() and file.suffix in (".py", ".toml", ".json"):
            assert "hunter2" not in file.read_text(), file
    r = ws.dss("preview", "conn", "--refresh", "--expect-no-changes", env=env)
    assert r.exit_code == 0, r.stdout + r.stderr
