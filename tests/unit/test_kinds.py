"""A kind declared once (issue 17): the registry, and what the schema derives.

Pure: no DSS. What the providers do with the schema against the sandbox is covered by the
integration tests of each kind (folders, groups, projects, variables).
"""

from __future__ import annotations

import pytest

import dsspulumi as dss
from dsspulumi.importer.codegen import instantiate
from dsspulumi.kinds import registry, schema
from dsspulumi.kinds.schema import Compare
from dsspulumi.providers.dss.marked import MarkReleaser

# The kinds whose inputs, import call and provider view are derived from the schema.
CONVERTED = [
    "dss:ManagedFolder",
    "dss:Project",
    "dss:Group",
    "dss:ProjectVariables",
    "dss:GlobalVariables",
    "dss:User",
    "dss:CodeEnv",
    "dss:FlowZone",
    "dss:ProjectPermissions",
    "dss:Connection",
    "dss:Scenario",
    "dss:Recipe",  # the code recipes; visual recipes add their typed settings
    "dss:Dataset",  # a FilesInFolder dataset's folder is unfolded from params (Unfolded)
    "dss:Notebook",
    "dss:WikiArticle",
    "dss:LibraryFile",
]


def test_every_registered_kind_is_converted():
    assert sorted(CONVERTED) == sorted(registry.tokens())


@pytest.mark.parametrize("token", registry.tokens())
def test_every_registered_kind_resolves(token):
    provider = registry.provider_class(token)
    cls = registry.resource_class(token)
    assert provider is not None
    assert cls.type_token == token
    for name, module in registry.KINDS[registry.tokens().index(token)].sources.items():
        assert getattr(dss, name).__module__ == module


@pytest.mark.parametrize("token", registry.tokens())
def test_a_kind_that_holds_its_mark_can_release_it(token):
    """``holds_mark`` is declared by the resource class; the provider of a kind that keeps its
    mark in DSS releases it through the one shared path, and only such a provider does."""
    cls = registry.resource_class(token)
    assert cls.holds_mark == issubclass(registry.provider_class(token), MarkReleaser), token


def test_unknown_token_has_no_provider():
    assert registry.provider_class("dss:Nope") is None
    with pytest.raises(KeyError):
        registry.resource_class("dss:Nope")


@pytest.mark.parametrize("token", CONVERTED)
def test_converted_kinds_are_declared_by_their_schema(token):
    cls = registry.resource_class(token)
    assert schema.declares(cls)
    assert "inputs" not in vars(cls) and "from_inputs" not in vars(cls)


def _examples():
    project = dss.Project("P", name="P")
    return [
        dss.ManagedFolder("f", project=project),
        dss.ManagedFolder(
            "g", project=project, connection="s3", path="/x", type="S3", description="d", tags=["t"]
        ),
        dss.Project("Q", name="Quarter", description="q", tags=["a", "b"]),
        dss.Project("R", name="R", extra_settings={"settings": {"x": 1}}),
        dss.Group("analysts", description="d", admin=True, may_write_safe_code=True),
        dss.Group("ldap", source_type="LDAP"),
        dss.ProjectVariables(project=project, standard={"a": 1}, local={"b": [1]}),
        dss.GlobalVariables({"env": "prod"}),
        dss.User("ann", display_name="Ann", groups=["g", dss.Group("h")], enabled=False),
        dss.User("bob", source_type="LDAP", profile="READER"),
        dss.CodeEnv("py", packages=["pandas>=2"], timeout=60),
        dss.CodeEnv("r-env", lang="r", deployment_mode="DESIGN_NON_MANAGED"),
        dss.CodeEnv("py39", python_interpreter="PYTHON39"),
        dss.FlowZone("Prep", project=project, color="#112233"),
        dss.FlowZone("Other", project=project, items=[dss.Dataset.get("P.raw")]),
        dss.ProjectPermissions(
            project=dss.Project("S", name="S"),
            permissions=[dss.GroupPermission("g", write_project_content=True)],
            owner="admin",
        ),
        dss.Dataset(
            "raw", project=project, type="PostgreSQL", connection="pg", schema=[dss.Column("a")]
        ),
        dss.Dataset("up", project=project, type="UploadedFiles", connection="uploads"),
        dss.ManagedDataset("m", project=project, connection="fs", share_with=["Q"], tags=["t"]),
        dss.Connection("fs", type="Filesystem", params={"root": "/data"}),
        dss.Connection(
            "pg",
            type="PostgreSQL",
            params={"host": "h", "db": {"x": 1}},
            allowed_groups=["g", dss.Group("h")],
            usable_by="ALL",
            description="d",
            extra_settings={"detailsReadability": {"readableBy": "ALL"}},
        ),
        dss.Scenario("empty", project=project),
        dss.Scenario(
            "nightly",
            project=project,
            active=True,
            steps=[dss.SetVariablesStep({"a": 1}, name="vars"), dss.PythonStep("print(1)")],
            triggers=[dss.TemporalTrigger("Weekly", days_of_week=["Monday"], hour=3)],
            reporters=[{"type": "mail"}],
            run_as="runner",
            description="d",
            tags=["t"],
        ),
        dss.PythonScenario("py", project=project, script="print(2)", active=True),
        dss.PythonRecipe(
            "compute",
            project=project,
            inputs=[dss.Dataset.get("P.raw")],
            outputs=[dss.Dataset.get("P.out")],
            code="print(3)",
            code_env="py311",
            tags=["t"],
        ),
        dss.SqlQueryRecipe(
            "q",
            project=project,
            inputs=[dss.Dataset.get("Q.a")],
            outputs=[dss.Dataset.get("P.b")],
            sql="SELECT 1",
        ),
    ]


@pytest.mark.parametrize("resource", _examples(), ids=repr)
def test_the_import_call_declares_exactly_the_inputs(resource):
    call = type(resource).from_inputs(resource.inputs())
    assert call is not None
    assert instantiate(call).inputs() == resource.inputs()


def test_import_call_leaves_defaults_out():
    project = dss.Project("P", name="P")
    call = dss.ManagedFolder.from_inputs(dss.ManagedFolder("f", project=project).inputs())
    assert call.args == ("f",)
    assert list(call.kwargs) == ["project"]


def test_a_field_added_later_stays_out_of_old_records():
    assert "extra_settings" not in dss.Project("P", name="P").inputs()
    assert dss.Project("P", name="P", extra_settings={"a": 1}).inputs()["extra_settings"] == {
        "a": 1
    }


def test_view_and_write_go_through_the_declared_paths():
    project = dss.Project("P", name="P")
    folder = dss.ManagedFolder(
        "f", project=project, type="S3", description="d", tags=["t"], extra_settings={"k": 1}
    )
    new = folder.inputs()
    raw = {"name": "f", "params": {"connection": "filesystem_folders"}, "other": "kept"}
    schema.write_into(dss.ManagedFolder, raw, new, None)
    assert raw["type"] == "S3" and raw["description"] == "d" and raw["tags"] == ["t"]
    assert raw["k"] == 1 and raw["other"] == "kept"  # extra settings merged, the rest kept
    assert schema.view_of(dss.ManagedFolder, raw, new, project="P") == new


def test_an_undeclared_optional_field_is_not_compared_and_a_description_is_cleared():
    project = dss.Project("P", name="P")
    old = dss.ManagedFolder("f", project=project, description="mine", type="S3").inputs()
    new = dss.ManagedFolder("f", project=project).inputs()
    raw = {"name": "f", "type": "S3", "description": "mine", "params": {}}
    schema.write_into(dss.ManagedFolder, raw, new, old)
    assert raw["description"] == ""  # declared before, no longer: cleared
    assert raw["type"] == "S3"  # left to DSS
    view = schema.view_of(dss.ManagedFolder, raw, new, project="P")
    assert view["type"] is None and view["description"] is None


def test_existing_reads_the_whole_object():
    raw = {
        "name": "f",
        "type": "Filesystem",
        "description": "",
        "tags": ["t", "dsspulumi-mark:abc"],
        "params": {"connection": "c", "path": "/p"},
        "customFields": {"x": 1},
    }
    got = schema.existing_of(dss.ManagedFolder, raw, project="P")
    assert got == {
        "name": "f",
        "project": "P",
        "connection": "c",
        "path": "/p",
        "type": "Filesystem",
        "description": None,
        "tags": ["t"],  # the creation mark tag is not a tag of the user's
        "extra_settings": {},
    }


def test_keys_are_managed_one_by_one():
    doc = {"standard": {"theirs": 1, "a": 0, "gone": 2}, "local": {}}
    old = {"project": "P", "standard": {"a": 0, "gone": 2}, "local": {}}
    new = {"project": "P", "standard": {"a": 1}, "local": {"l": True}}
    schema.write_into(dss.ProjectVariables, doc, new, old)
    assert doc == {"standard": {"theirs": 1, "a": 1}, "local": {"l": True}}
    assert schema.view_of(dss.ProjectVariables, doc, new, project="P") == new
    schema.remove_from(dss.ProjectVariables, doc, new)
    assert doc == {"standard": {"theirs": 1}, "local": {}}


def test_comparison_modes_normalise_both_sides():
    as_set = schema.Prop(compare=Compare.SET)
    unordered = schema.Prop(compare=Compare.UNORDERED)
    assert schema.normalise(as_set, ["b", "a", "b"]) == ["a", "b"]
    assert schema.normalise(unordered, ["b", "a", "b"]) == ["a", "b", "b"]
    assert schema.normalise(schema.Prop(), ["b", "a"]) == ["b", "a"]


def test_entries_are_managed_one_by_one():
    doc = {
        "owner": "admin",
        "permissions": [
            {"group": "theirs", "admin": True},
            {"group": "g", "readProjectContent": True, "kept": 1},
            {"group": "gone", "admin": True},
            {"user": "someone", "admin": True},
        ],
    }
    old = {"project": "P", "owner": None, "permissions": [{"group": "g"}, {"group": "gone"}]}
    new = {
        "project": "P",
        "owner": None,
        "permissions": [{"group": "g", "admin": True}, {"group": "new", "admin": False}],
    }
    schema.write_into(dss.ProjectPermissions, doc, new, old)
    assert doc["permissions"] == [
        {"group": "theirs", "admin": True},
        {"group": "g", "readProjectContent": True, "kept": 1, "admin": True},
        {"user": "someone", "admin": True},
        {"group": "new", "admin": False},
    ]
    assert doc["owner"] == "admin"  # not declared: left as DSS has it
    assert schema.view_of(dss.ProjectPermissions, doc, new, project="P") == new
    schema.remove_from(dss.ProjectPermissions, doc, new)
    assert [i.get("group") for i in doc["permissions"]] == ["theirs", None]


def test_a_connection_writes_plain_and_secret_params_together():
    """The params' write hook sees both fields: a param no longer declared in either is
    removed, the secret ones written from the plaintext the engine hands, the rest kept."""
    new = {
        **dss.Connection("pg", type="PostgreSQL", params={"host": "h2"}).inputs(),
        "secret_params": {"password": "plain"},
    }
    old = {**new, "params": {"host": "h", "port": 5432}, "secret_params": {"token": "digest"}}
    raw = {"params": {"host": "h", "port": 5432, "token": "enc", "theirs": 1}, "type": "x"}
    schema.write_into(dss.Connection, raw, new, old)
    assert raw["params"] == {"host": "h2", "password": "plain", "theirs": 1}
    assert raw["usableBy"] == "ALLOWED" and raw["allowedGroups"] == [] and raw["type"] == "x"
    view = schema.view_of(
        dss.Connection, raw, {**new, "secret_params": {"password": "d"}}, name="pg"
    )
    assert view["params"] == {"host": "h2"} and view["secret_params"] == {"password": "(set)"}
    imported = schema.existing_of(dss.Connection, raw, name="pg")
    assert imported["params"] == raw["params"] and imported["secret_params"] == {}
    call = dss.Connection.from_inputs({**imported, "params": {"password": "enc"}})
    assert "secret_params" not in call.kwargs
    assert type(call.kwargs["params"]["password"]).__name__ == "SecretValue"


def test_a_scenario_is_imported_only_by_the_class_of_its_type():
    project = dss.Project("P", name="P")
    step_based = dss.Scenario("s", project=project).inputs()
    python = dss.PythonScenario("p", project=project, script="x").inputs()
    assert step_based["type"] == "step_based" and step_based["script"] is None
    assert python["type"] == "custom_python" and python["steps"] is None
    assert dss.PythonScenario.from_inputs(step_based) is None
    assert dss.Scenario.from_inputs(python) is None
    call = dss.PythonScenario.from_inputs({**python, "script": None})
    assert call is not None and call.kwargs["script"].text == ""
