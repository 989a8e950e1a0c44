"""Resource construction: validation at construction time and the declared inputs() shape."""

from __future__ import annotations

import pytest

import dsspulumi as dss
from dsspulumi.errors import ResourceValidationError, StackProgramError
from dsspulumi.program import run_program


@pytest.fixture
def project() -> dss.Project:
    return dss.Project("PROJ", name="Proj")


@pytest.fixture
def raw(project: dss.Project) -> dss.Dataset:
    return dss.Dataset(
        "raw", project=project, type="PostgreSQL", connection="pg", params={"table": "t"}
    )


@pytest.fixture
def out(project: dss.Project) -> dss.ManagedDataset:
    return dss.ManagedDataset("out", project=project, connection="fs")


# --- unknown keywords ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "bad", "suggestion"),
    [
        (lambda p, d: dss.Project("P", name="n", descripton="x"), "descripton", "description"),
        (lambda p, d: dss.Project("P", name="n", tag=["a"]), "tag", "tags"),
        (
            lambda p, d: dss.Dataset("d", project=p, type="S3", connection="c", param={}),
            "param",
            "params",
        ),
        (
            lambda p, d: dss.ManagedDataset("d", project=p, connection="c", formt_type="csv"),
            "formt_type",
            "format_type",
        ),
        # The recipe field is stored as inputs_ but its keyword is the alias "inputs".
        (
            lambda p, d: dss.PythonRecipe("r", project=p, input=[d], outputs=[d], code=""),
            "input",
            "inputs",
        ),
        (
            lambda p, d: dss.SqlQueryRecipe("r", project=p, inputs=[d], outputs=[d], sqll="x"),
            "sqll",
            "sql",
        ),
    ],
)
def test_unknown_keyword_is_named_with_close_match(build, bad, suggestion, project, raw):
    with pytest.raises(ResourceValidationError) as info:
        build(project, raw)
    msg = str(info.value)
    assert f"unknown keyword argument '{bad}'" in msg
    assert f"did you mean '{suggestion}'?" in msg


def test_unknown_keyword_without_close_match_lists_valid_keywords():
    with pytest.raises(ResourceValidationError) as info:
        dss.Project("P", name="n", zzzzzzzz=1)
    msg = str(info.value)
    assert "'zzzzzzzz'" in msg
    assert "did you mean" not in msg
    for kw in ("key", "name", "description", "tags", "opts"):
        assert kw in msg


def test_missing_required_argument_is_named():
    with pytest.raises(ResourceValidationError, match=r"Project\(\) is missing .*'name'"):
        dss.Project("P")


def test_extra_positional_argument_is_refused():
    with pytest.raises(ResourceValidationError, match="only positional argument"):
        dss.Project("P", "Proj name")


# --- wrong types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda p: dss.Project("P", name=3), "'name' must be str (got int 3)"),
        (lambda p: dss.Project("P", name="n", description=True), "'description' must be str"),
        (lambda p: dss.Project("P", name="n", tags="a"), "'tags' must be a list of strings"),
        (lambda p: dss.Project("P", name="n", tags=["a", 1]), "'tags' must be a list of strings"),
        (
            lambda p: dss.Dataset("d", project="PROJ", type="S3", connection="c"),
            "'project' must be a dss.Project object (got str)",
        ),
        (
            lambda p: dss.Dataset("d", project=p, type="S3", connection=1),
            "'connection' must be str",
        ),
        (
            lambda p: dss.Dataset("d", project=p, type="S3", connection="c", params=[1]),
            "'params' must be a dict",
        ),
        (
            lambda p: dss.Dataset("d", project=p, type="S3", connection="c", params={1: "x"}),
            "non-string key",
        ),
        (
            lambda p: dss.Dataset("d", project=p, type="S3", connection="c", params={"a": {1, 2}}),
            "not JSON data at params.a",
        ),
        (
            lambda p: dss.ManagedDataset("d", project=p, connection="c", schema=["a"]),
            "'schema' must be a list of dss.Column",
        ),
        (
            lambda p: dss.ManagedDataset(
                "d", project=p, connection="c", schema=[dss.Column("a"), dss.Column("a", "int")]
            ),
            "duplicate columns: a",
        ),
    ],
)
def test_wrong_type_is_refused(build, fragment, project):
    with pytest.raises(ResourceValidationError) as info:
        build(project)
    assert fragment in str(info.value)


def test_params_connection_contradicting_connection_is_refused(project):
    with pytest.raises(ResourceValidationError, match="contradicts connection='pg'"):
        dss.Dataset(
            "d", project=project, type="PostgreSQL", connection="pg", params={"connection": "other"}
        )


def test_non_options_opts_is_refused(project):
    with pytest.raises(ResourceValidationError, match="opts must be dss.ResourceOptions"):
        dss.ManagedDataset("d", project=project, connection="c", opts={"protect": True})


# --- DSS names -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["A", "PROJ", "P_1", "A1B2_"])
def test_valid_project_keys(key):
    assert dss.Project(key, name="x").key == key


@pytest.mark.parametrize("key", ["", "proj", "Proj", "1PROJ", "_PROJ", "PRO-J", "PRO J", "P.Q", 7])
def test_invalid_project_keys(key):
    with pytest.raises(ResourceValidationError, match="not a valid DSS project key"):
        dss.Project(key, name="x")


@pytest.mark.parametrize("name", ["a", "raw_customers", "Raw2", "_x", "1st"])
def test_valid_object_names(name, project, raw):
    assert dss.ManagedDataset(name, project=project, connection="c").name == name
    recipe = dss.SyncRecipe(name, project=project, inputs=[raw], outputs=[raw])
    assert recipe.name == name


@pytest.mark.parametrize("name", ["", "my.ds", "my-ds", "a b", "é", None])
def test_invalid_dataset_names(name, project):
    with pytest.raises(ResourceValidationError, match="not a valid DSS name"):
        dss.ManagedDataset(name, project=project, connection="c")
    with pytest.raises(ResourceValidationError, match="not a valid DSS name"):
        dss.Dataset(name, project=project, type="S3", connection="c")


@pytest.mark.parametrize("name", ["", "prep.x", "prep-x", "a b"])
def test_invalid_recipe_names(name, project, raw, out):
    with pytest.raises(ResourceValidationError, match="not a valid DSS name"):
        dss.PythonRecipe(name, project=project, inputs=[raw], outputs=[out], code="")


# --- recipe inputs / outputs -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["inputs", "outputs"])
@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (lambda p, d: ["raw"], "must list dataset objects"),
        (lambda p, d: [p], "must list dataset objects"),
        (lambda p, d: [d, "raw"], "got str 'raw'"),
        (lambda p, d: [], "non-empty list"),
        (lambda p, d: "raw", "non-empty list"),
    ],
)
def test_recipe_inputs_outputs_must_be_datasets(field, value, fragment, project, raw, out):
    kwargs = {"inputs": [raw], "outputs": [out]}
    kwargs[field] = value(project, raw)
    with pytest.raises(ResourceValidationError) as info:
        dss.SyncRecipe("r", project=project, **kwargs)
    assert f"'{field}'" in str(info.value)
    assert fragment in str(info.value)


def test_recipe_accepts_tuples(project, raw, out):
    recipe = dss.SyncRecipe("r", project=project, inputs=(raw,), outputs=(out,))
    assert recipe.inputs()["inputs"] == ["raw"]


def test_recipe_code_must_be_str_or_file(project, raw, out):
    with pytest.raises(ResourceValidationError, match="'code' must be a string or dss.File"):
        dss.PythonRecipe("r", project=project, inputs=[raw], outputs=[out], code=42)


# --- Column --------------------------------------------------------------------------------


@pytest.mark.parametrize("ctype", ["string", "int", "bigint", "double", "boolean", "date"])
def test_column_known_types(ctype):
    assert dss.Column("c", ctype).to_json() == {"name": "c", "type": ctype}


def test_column_default_type_is_string():
    assert dss.Column("c").to_json() == {"name": "c", "type": "string"}


@pytest.mark.parametrize("ctype", ["varchar", "STRING", "integer", ""])
def test_column_unknown_type(ctype):
    with pytest.raises(ResourceValidationError) as info:
        dss.Column("c", ctype)
    assert f"unknown DSS column type {ctype!r}" in str(info.value)
    assert "bigint" in str(info.value)  # lists the known ones


def test_column_name_must_be_str():
    with pytest.raises(ResourceValidationError, match="'name' must be str"):
        dss.Column(3)


# --- dss.File ------------------------------------------------------------------------------


def test_file_is_read_relative_to_the_stack_file(write_stack, tmp_path):
    stack = write_stack(
        """
        import dsspulumi as dss
        p = dss.Project("P", name="p")
        a = dss.ManagedDataset("a", project=p, connection="c")
        b = dss.ManagedDataset("b", project=p, connection="c")
        c = dss.ManagedDataset("c", project=p, connection="c")
        dss.PythonRecipe("py", project=p, inputs=[a], outputs=[b], code=dss.File("code/py.py"))
        dss.SqlQueryRecipe("sq", project=p, inputs=[b], outputs=[c], sql=dss.File("q.sql"))
        """,
        name="stacks/one.py",
    )
    (stack.parent / "code").mkdir()
    (stack.parent / "code" / "py.py").write_text("print('hé')\n", encoding="utf-8")
    (stack.parent / "q.sql").write_text("SELECT 1", encoding="utf-8")
    # Decoys relative to the working directory (tmp_path) must not be read.
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "py.py").write_text("WRONG", encoding="utf-8")
    (tmp_path / "q.sql").write_text("WRONG", encoding="utf-8")

    graph = run_program(stack, stack="st", env="dev")
    by_name = {n.logical_name: n for n in graph.nodes.values()}
    assert by_name["P.py"].inputs["code"] == "print('hé')\n"
    assert by_name["P.sq"].inputs["code"] == "SELECT 1"


def test_missing_file_fails_the_program_at_the_right_line(write_stack):
    stack = write_stack(
        """
        import dsspulumi as dss
        p = dss.Project("P", name="p")
        a = dss.ManagedDataset("a", project=p, connection="c")
        b = dss.ManagedDataset("b", project=p, connection="c")
        dss.PythonRecipe("py", project=p, inputs=[a], outputs=[b], code=dss.File("nope.py"))
        """
    )
    with pytest.raises(StackProgramError) as info:
        run_program(stack, stack="st", env="dev")
    assert info.value.line == 5
    assert info.value.file == "stack.py"
    assert "dss.File('nope.py')" in str(info.value)
    assert "cannot read" in str(info.value)


def test_file_outside_a_program_is_read_relative_to_cwd(tmp_path, monkeypatch, project, raw, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text("X = 1", encoding="utf-8")
    recipe = dss.PythonRecipe(
        "r", project=project, inputs=[raw], outputs=[out], code=dss.File("x.py")
    )
    assert recipe.inputs()["code"] == "X = 1"


# --- ResourceOptions -----------------------------------------------------------------------


def test_resource_options_defaults():
    opts = dss.ResourceOptions()
    assert opts.depends_on == []
    assert opts.protect is False
    assert opts.ignore_changes == []
    assert opts.delete_before_replace is False
    assert opts.retain_on_delete is False


def test_resource_options_normalises_single_values(project):
    opts = dss.ResourceOptions(depends_on=project, ignore_changes="description")
    assert opts.depends_on == [project]
    assert opts.ignore_changes == ["description"]


@pytest.mark.parametrize("bad", [["PROJ"], [None], [object()]])
def test_resource_options_depends_on_must_be_resources(bad):
    with pytest.raises(ResourceValidationError, match="depends_on must list dsspulumi resources"):
        dss.ResourceOptions(depends_on=bad)


@pytest.mark.parametrize("field", ["protect", "delete_before_replace", "retain_on_delete"])
def test_resource_options_bool_fields_give_a_clean_validation_error(field):
    with pytest.raises(ResourceValidationError) as info:
        dss.ResourceOptions(**{field: "yes"})
    assert field in str(info.value)
    assert "Attribute(" not in str(info.value)


def test_resource_options_unknown_keyword_suggests_close_match():
    with pytest.raises(ResourceValidationError, match="did you mean 'protect'"):
        dss.ResourceOptions(protec=True)


@pytest.mark.parametrize("bad", [[1], ["description", None], 5])
def test_resource_options_ignore_changes_must_be_strings(bad):
    with pytest.raises(ResourceValidationError, match="ignore_changes"):
        dss.ResourceOptions(ignore_changes=bad)


def test_resource_options_merge_takes_non_defaults(project):
    base = dss.ResourceOptions(protect=True, ignore_changes=["a"])
    merged = base.merge(dss.ResourceOptions(retain_on_delete=True, depends_on=[project]))
    assert merged.protect is True
    assert merged.ignore_changes == ["a"]
    assert merged.retain_on_delete is True
    assert merged.depends_on == [project]
    assert base.merge(None) is base


def test_options_property_defaults_when_no_opts(project):
    assert project.options == dss.ResourceOptions()


# --- inputs() shape ------------------------------------------------------------------------


def test_project_inputs():
    p = dss.Project("CUST", name="Customers", description="d", tags=("iac", "x"))
    assert p.inputs() == {
        "key": "CUST",
        "name": "Customers",
        "description": "d",
        "tags": ["iac", "x"],
    }
    assert p.type_token == "dss:Project"
    assert p.logical_name == "CUST"
    assert p.dss_name == "CUST"
    assert p.dependencies() == []


def test_external_dataset_inputs_put_connection_apart_from_params(project):
    ds = dss.Dataset(
        "raw",
        project=project,
        type="PostgreSQL",
        connection="pg",
        params={"connection": "pg", "mode": "table", "table": "t"},
        schema=[dss.Column("id", "int"), dss.Column("n")],
        tags=["a"],
        extra_settings={"flowOptions": {"virtualizable": True}},
        format_params={"sep": ","},
        format_type="csv",
    )
    assert ds.inputs() == {
        "project": "PROJ",
        "name": "raw",
        "format_params": {"sep": ","},
        "schema": [{"name": "id", "type": "int"}, {"name": "n", "type": "string"}],
        "description": None,
        "tags": ["a"],
        "extra_settings": {"flowOptions": {"virtualizable": True}},
        "type": "PostgreSQL",
        "managed": False,
        "connection": "pg",
        "params": {"mode": "table", "table": "t"},
        "format_type": "csv",
    }
    assert ds.type_token == "dss:Dataset"
    assert ds.logical_name == "PROJ.raw"
    assert ds.dependencies() == [project]


def test_external_dataset_inputs_do_not_alias_user_params(project):
    params = {"mode": "table"}
    ds = dss.Dataset("raw", project=project, type="S3", connection="s3", params=params)
    ds.inputs()["params"]["mode"] = "changed"
    assert ds.inputs()["params"] == {"mode": "table"}


def test_managed_dataset_inputs(project):
    ds = dss.ManagedDataset("prep", project=project, connection="fs")
    assert ds.inputs() == {
        "project": "PROJ",
        "name": "prep",
        "format_params": {},
        "schema": None,
        "description": None,
        "tags": [],
        "extra_settings": {},
        "type": None,
        "managed": True,
        "connection": "fs",
        "params": {},
        "format_type": None,  # DSS's default for the connection; not managed
    }
    # external and managed datasets share one type so a switch is a replace of one URN
    assert ds.type_token == dss.Dataset.type_token
    assert set(ds.replace_on) >= {"type", "managed"}


def test_recipe_inputs_with_cross_project_refs(project, raw, out):
    other = dss.Project("OTHER", name="o")
    shared = dss.ManagedDataset("shared", project=other, connection="fs")
    py = dss.PythonRecipe(
        "prep",
        project=project,
        inputs=[raw, shared],
        outputs=[out],
        code="x = 1",
        description="d",
        tags=["t"],
    )
    assert py.inputs() == {
        "project": "PROJ",
        "name": "prep",
        "type": "python",
        "inputs": ["raw", "OTHER.shared"],
        "outputs": ["out"],
        "code": "x = 1",
        "description": "d",
        "tags": ["t"],
        "extra_settings": {},
    }
    assert py.logical_name == "PROJ.prep"
    assert py.dependencies() == [project, raw, shared, out]


def test_sql_and_sync_recipe_inputs(project, raw, out):
    other = dss.Project("OTHER", name="o")
    target = dss.ManagedDataset("t", project=other, connection="fs")
    sql = dss.SqlQueryRecipe("q", project=project, inputs=[raw], outputs=[out], sql="SELECT 1")
    sync = dss.SyncRecipe("s", project=other, inputs=[out], outputs=[target])
    assert sql.inputs()["type"] == "sql_query"
    assert sql.inputs()["code"] == "SELECT 1"
    assert sync.inputs()["type"] == "sync"
    assert sync.inputs()["code"] is None
    assert sync.inputs()["inputs"] == ["PROJ.out"]
    assert sync.inputs()["outputs"] == ["t"]
    for r in (sql, sync):
        assert r.type_token == "dss:Recipe"
        assert r.replace_on == ("type",)


# --- empty names (issue 12 §5) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('dss.Project("P", name="")', "Project 'P': 'name' must not be empty"),
        ('dss.Project("P", name="  ")', "Project 'P': 'name' must not be empty"),
        ('dss.ManagedDataset("d", project=p, connection="")', "'connection' must not be empty"),
        (
            'dss.Dataset("d", project=p, type="PostgreSQL", connection=" ")',
            "'connection' must not be empty",
        ),
        ('dss.Dataset("d", project=p, type="", connection="c")', "'type' must not be empty"),
        ('dss.Dataset("", project=p, type="S3", connection="c")', "is not a valid DSS name"),
        ('dss.Column("")', "'name' must not be empty"),
    ],
)
def test_empty_names_fail_the_program_at_their_line(write_stack, line, fragment):
    stack = write_stack(
        f"""
        import dsspulumi as dss
        p = dss.Project("Q", name="q")
        {line}
        """
    )
    with pytest.raises(StackProgramError) as info:
        run_program(stack, stack="st", env="dev")
    assert (info.value.file, info.value.line) == ("stack.py", 3)
    assert fragment in str(info.value)


def test_managed_dataset_has_no_format_unless_declared(project):
    assert dss.ManagedDataset("m", project=project, connection="pg").inputs()["format_type"] is None
    declared = dss.ManagedDataset("n", project=project, connection="fs", format_type="csv")
    assert declared.inputs()["format_type"] == "csv"


# --- lookups (issue 12 §6) ------------------------------------------------------------------


def test_lookups_build_read_nodes_and_are_shared(write_stack):
    stack = write_stack(
        """
        import dsspulumi as dss
        a = dss.Dataset.get("OTHER.CUSTOMERS")
        b = dss.Dataset.get("CUSTOMERS", project=dss.Project.get("OTHER"))
        assert a is b and a.project is dss.Project.get("OTHER")
        mine = dss.Project("MINE", name="m")
        assert dss.Project.get("MINE") is mine  # reading what the stack declares gives it
        out = dss.ManagedDataset("OUT", project=mine, connection=dss.Connection.get("fs"))
        dss.SyncRecipe("copy", project=mine, inputs=[a], outputs=[out])
        """
    )
    graph = run_program(stack, stack="st", env="dev")
    nodes = {n.logical_name: n for n in graph.nodes.values()}
    assert [n for n, node in nodes.items() if node.read] == ["OTHER", "OTHER.CUSTOMERS", "fs"]
    assert nodes["OTHER.CUSTOMERS"].inputs == {"project": "OTHER", "name": "CUSTOMERS"}
    assert nodes["MINE.copy"].inputs["inputs"] == ["OTHER.CUSTOMERS"]
    assert nodes["MINE.OUT"].inputs["connection"] == "fs"
    assert "urn:dss:dev::st::dss:Connection::fs" in nodes["MINE.OUT"].deps


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        ('dss.Dataset.get("CUSTOMERS")', "name the project"),
        ('dss.Dataset.get("OTHER.bad-name")', "not a valid DSS name"),
        ('dss.Project.get("lower")', "not a valid DSS project key"),
        ('dss.Connection.get("")', "non-empty string"),
        ('dss.Connection("c")', "use dss.Connection.get('c')"),
    ],
)
def test_bad_lookups_fail_at_their_line(write_stack, call, fragment):
    stack = write_stack(f"import dsspulumi as dss\n{call}\n")
    with pytest.raises(StackProgramError) as info:
        run_program(stack, stack="st", env="dev")
    assert info.value.line == 2 and fragment in str(info.value)
