"""The code writer of `dss import` (pure): names, order, references, code files, secrets."""

from __future__ import annotations

from dsspulumi.importer import codegen
from dsspulumi.provider import Existing


def _project(key="P"):
    return Existing("dss:Project", key, {"key": key, "name": "P", "description": None, "tags": []})


def _dataset(name, **over):
    inputs = {
        "project": "P",
        "name": name,
        "format_params": {},
        "schema": None,
        "description": None,
        "tags": [],
        "extra_settings": {},
        "type": "Filesystem",
        "managed": False,
        "connection": "filesystem_root",
        "params": {"path": "/x"},
        "format_type": None,
    }
    return Existing("dss:Dataset", f"P.{name}", {**inputs, **over})


def _recipe(name, inputs, outputs, code="print(1)"):
    return Existing(
        "dss:Recipe",
        f"P.{name}",
        {
            "project": "P",
            "name": name,
            "type": "python",
            "inputs": inputs,
            "outputs": outputs,
            "code": code,
            "description": None,
            "tags": [],
            "extra_settings": {},
        },
    )


def test_statements_follow_references_and_names_stay_unique():
    objects = [
        _recipe("Orders", ["orders", "OTHER.ext"], ["class"]),  # listed before its datasets
        _dataset("orders"),
        _dataset("class"),  # a Python keyword
        _dataset("2020_data"),  # not an identifier
        _project(),
    ]
    gen = codegen.generate("s", "header", objects, code_dir="s_code")
    body = gen.text.split('"""', 2)[2]
    order = [line.split(" = ", 1)[0] for line in body.splitlines() if " = dss." in line]
    assert order == ["project", "orders", "dataset_class", "dataset_2020_data", "orders_recipe"]
    assert 'inputs=[orders, dss.Dataset.get("OTHER.ext")]' in gen.text
    assert "outputs=[dataset_class]" in gen.text
    assert gen.files == {"s_code/orders_recipe.py": "print(1)"}
    compile(gen.text, "s.py", "exec")


def test_secrets_become_config_placeholders_and_never_appear():
    ds = _dataset("db", params={"path": "/x", "password": "e:opaque-token", "user": "bob"})
    gen = codegen.generate("s", "header", [_project(), ds], code_dir="c")
    assert 'cfg = dss.Config()' in gen.text
    assert '"password": cfg.require_secret("db_password")' in gen.text
    assert "opaque-token" not in gen.text and '"user": "bob"' in gen.text
    assert gen.secrets == {"db_password": "e:opaque-token"}


def test_what_cannot_be_declared_is_listed_at_the_top():
    odd = Existing("dss:Recipe", "P.g", {}, unmodelled="recipe type 'grouping' is not supported")
    bad_schema = _dataset("s", schema=[{"name": "c", "type": "weird"}])
    gen = codegen.generate("s", "header", [_project(), odd, bad_schema], code_dir="c")
    head = gen.text.split('"""', 2)[1]
    assert "- recipe P.g: recipe type 'grouping' is not supported" in head
    assert "- dataset P.s: Column 'c': unknown DSS column type 'weird'" in head
    assert gen.unmodelled[0].startswith("recipe P.g") and "P.s" not in gen.text.split('"""')[2]
