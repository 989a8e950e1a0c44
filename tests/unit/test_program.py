"""Running stack files: the graph they produce and errors that point at the user's file:line."""

from __future__ import annotations

import pytest

import dsspulumi as dss
from dsspulumi import program_context
from dsspulumi.errors import ConfigError, GraphError, StackProgramError
from dsspulumi.graph import make_urn
from dsspulumi.program import run_program

HEADER = """
import dsspulumi as dss
p = dss.Project("P", name="p")
a = dss.ManagedDataset("a", project=p, connection="c")
b = dss.ManagedDataset("b", project=p, connection="c")
"""


def test_graph_from_a_stack_file(run_stack):
    graph = run_stack(
        HEADER
        + """
dss.SyncRecipe("r", project=p, inputs=[a], outputs=[b])
dss.export("project_key", p.key)
dss.export("n", 3)
"""
    )
    assert graph.stack == "st" and graph.env == "dev"
    urn = {n.logical_name: u for u, n in graph.nodes.items()}
    assert list(urn) == ["P", "P.a", "P.b", "P.r"]  # program order is kept
    assert urn["P.r"] == make_urn("st", "dev", "dss:Recipe", "P.r")
    assert urn["P.r"] == "urn:dss:dev::st::dss:Recipe::P.r"
    assert graph.nodes[urn["P.r"]].deps == (urn["P"], urn["P.a"], urn["P.b"])
    assert graph.nodes[urn["P.a"]].deps == (urn["P"],)
    assert graph.nodes[urn["P"]].deps == ()
    assert graph.nodes[urn["P.a"]].source == "stack.py:3"
    assert graph.exports == {"project_key": "P", "n": 3}


def test_depends_on_adds_an_edge_and_options_reach_the_node(run_stack):
    graph = run_stack(
        """
import dsspulumi as dss
p = dss.Project("P", name="p")
q = dss.Project("Q", name="q", opts=dss.ResourceOptions(
    depends_on=[p], protect=True, ignore_changes=["description"], retain_on_delete=True,
    delete_before_replace=True))
"""
    )
    q = graph.nodes[make_urn("st", "dev", "dss:Project", "Q")]
    assert q.deps == (make_urn("st", "dev", "dss:Project", "P"),)
    assert q.options.protect is True
    assert q.options.ignore_changes == ("description",)
    assert q.options.retain_on_delete is True
    assert q.options.delete_before_replace is True


def test_config_values_reach_the_program(run_stack):
    graph = run_stack(
        """
import dsspulumi as dss
cfg = dss.Config()
p = dss.Project("P", name=cfg.require("title"), description=dss.Config("other").get("d", "x"))
""",
        config={"st": {"title": "Hello"}},
    )
    (node,) = graph.nodes.values()
    assert node.inputs["name"] == "Hello"
    assert node.inputs["description"] == "x"


def test_no_context_leaks_after_a_run(run_stack):
    run_stack('import dsspulumi as dss\ndss.Project("P", name="p")\n')
    assert program_context.current() is None
    # Outside a run, constructing registers nothing and Config refuses.
    dss.Project("P", name="p")
    with pytest.raises(ConfigError):
        dss.Config()


def test_no_context_leaks_after_a_failed_run(run_stack):
    with pytest.raises(StackProgramError):
        run_stack('import dsspulumi as dss\nraise RuntimeError("boom")\n')
    assert program_context.current() is None


# --- errors point at the user's file and line -----------------------------------------------


def test_validation_error_names_file_and_line(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack(HEADER + 'c = dss.ManagedDataset("c.d", project=p, connection="c")\n')
    err = info.value
    assert err.file == "stack.py"
    assert err.line == 5
    assert str(err).startswith("stack.py:5: ")
    assert "not a valid DSS name: 'c.d'" in str(err)
    assert "Traceback" not in str(err)


def test_validation_error_in_a_nested_call_names_the_users_line(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack(
            """
import dsspulumi as dss

def make(p):
    return dss.ManagedDataset("x", project=p, connection="c", schema=[dss.Column("a", "nope")])

p = dss.Project("P", name="p")
make(p)
"""
        )
    assert info.value.line == 4  # innermost frame in the user's file
    assert "unknown DSS column type 'nope'" in str(info.value)


def test_name_error_names_file_and_line(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack(HEADER + "\ndss.SyncRecipe('r', project=p, inputs=[a], outputs=[undefined])\n")
    err = info.value
    assert (err.file, err.line) == ("stack.py", 6)
    assert "NameError" in str(err) and "undefined" in str(err)


def test_syntax_error_names_file_and_line(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack(HEADER + "x = (1,\ny = 2 +\n")
    err = info.value
    assert err.file == "stack.py"
    assert err.line in (5, 6)
    assert "syntax error" in str(err)


def test_error_path_is_kept_absolute_outside_cwd(write_stack, tmp_path, monkeypatch):
    path = write_stack("import dsspulumi as dss\ndss.Project('bad', name='x')\n", "sub/s.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(StackProgramError) as info:
        run_program(path, stack="st", env="dev")
    assert info.value.file == str(path.resolve())
    assert info.value.line == 2


def test_sys_exit_in_a_program(run_stack):
    with pytest.raises(StackProgramError, match=r"called exit\(3\)"):
        run_stack("import sys\nsys.exit(3)\n")


def test_duplicate_object_names_both_locations(run_stack):
    with pytest.raises(GraphError) as info:
        run_stack(HEADER + '\n\nc = dss.ManagedDataset("a", project=p, connection="other")\n')
    msg = str(info.value)
    assert "duplicate ManagedDataset 'P.a'" in msg
    assert "stack.py:3" in msg and "stack.py:7" in msg


def test_managed_and_external_with_one_name_are_duplicates(run_stack):
    with pytest.raises(GraphError, match="stack.py:3 and again at stack.py:5"):
        run_stack(HEADER + 'x = dss.Dataset("a", project=p, type="S3", connection="s3")\n')


def test_same_name_in_two_projects_is_not_a_duplicate(run_stack):
    graph = run_stack(
        HEADER + 'q = dss.Project("Q", name="q")\n'
        'dss.ManagedDataset("a", project=q, connection="c")\n'
    )
    assert {n.logical_name for n in graph.nodes.values()} >= {"P.a", "Q.a"}


def test_depends_on_cycle_names_the_resources(run_stack):
    with pytest.raises(GraphError) as info:
        run_stack(
            """
import dsspulumi as dss
x = dss.Project("XX", name="x")
y = dss.Project("YY", name="y", opts=dss.ResourceOptions(depends_on=[x]))
z = dss.Project("ZZ", name="z", opts=dss.ResourceOptions(depends_on=[y]))
x.opts = dss.ResourceOptions(depends_on=[z])
dss.Project("UNRELATED", name="u")
"""
        )
    msg = str(info.value)
    assert msg.startswith("dependency cycle: ")
    for name in ("XX", "YY", "ZZ"):
        assert name in msg
    assert "UNRELATED" not in msg


def test_depends_on_cycle_through_a_dataset(run_stack):
    with pytest.raises(GraphError, match="dependency cycle") as info:
        run_stack(
            HEADER
            + """
r = dss.SyncRecipe("r", project=p, inputs=[a], outputs=[b])
a.opts = dss.ResourceOptions(depends_on=[r])
"""
        )
    assert "P.a" in str(info.value) and "P.r" in str(info.value)


def test_reference_outside_the_graph(run_stack):
    with pytest.raises(GraphError, match="not declared in this stack program"):
        run_stack(
            """
import dsspulumi as dss
from dsspulumi import program_context
token = program_context._current.set(None)
outside = dss.Project("OUT", name="o")
program_context._current.reset(token)
dss.ManagedDataset("a", project=outside, connection="c")
"""
        )


def test_flow_cycle_is_refused(run_stack):
    with pytest.raises(GraphError) as info:
        run_stack(
            HEADER
            + """
dss.SyncRecipe("r1", project=p, inputs=[a], outputs=[b])
dss.SyncRecipe("r2", project=p, inputs=[b], outputs=[a])
"""
        )
    msg = str(info.value)
    assert "flow cycle" in msg
    assert "P.a" in msg and "P.b" in msg


def test_recipe_reading_its_own_output_is_a_flow_cycle(run_stack):
    with pytest.raises(GraphError, match="flow cycle"):
        run_stack(HEADER + 'dss.SyncRecipe("r", project=p, inputs=[a], outputs=[a])\n')


def test_flow_cycle_across_projects(run_stack):
    with pytest.raises(GraphError, match="flow cycle"):
        run_stack(
            HEADER
            + """
q = dss.Project("Q", name="q")
c = dss.ManagedDataset("c", project=q, connection="c")
dss.SyncRecipe("r1", project=p, inputs=[a], outputs=[c])
dss.SyncRecipe("r2", project=q, inputs=[c], outputs=[a])
"""
        )


def test_acyclic_diamond_flow_is_fine(run_stack):
    graph = run_stack(
        HEADER
        + """
c = dss.ManagedDataset("c", project=p, connection="c")
d = dss.ManagedDataset("d", project=p, connection="c")
dss.SyncRecipe("r1", project=p, inputs=[a], outputs=[b])
dss.SyncRecipe("r2", project=p, inputs=[a], outputs=[c])
dss.SyncRecipe("r3", project=p, inputs=[b, c], outputs=[d])
"""
    )
    assert len(graph.nodes) == 8


def test_two_recipes_producing_one_dataset(run_stack):
    with pytest.raises(GraphError) as info:
        run_stack(
            HEADER
            + """
c = dss.ManagedDataset("c", project=p, connection="c")
dss.SyncRecipe("r1", project=p, inputs=[a], outputs=[c])
dss.SyncRecipe("r2", project=p, inputs=[b], outputs=[c])
"""
        )
    msg = str(info.value)
    assert "P.c" in msg and "P.r1" in msg and "P.r2" in msg
    assert "output of two recipes" in msg


def test_two_recipes_producing_one_dataset_across_projects(run_stack):
    with pytest.raises(GraphError, match="output of two recipes"):
        run_stack(
            HEADER
            + """
q = dss.Project("Q", name="q")
c = dss.ManagedDataset("c", project=q, connection="c")
dss.SyncRecipe("r1", project=p, inputs=[a], outputs=[c])
dss.SyncRecipe("r2", project=q, inputs=[b], outputs=[c])
"""
        )


# --- config --------------------------------------------------------------------------------


def test_missing_required_config_gives_the_exact_command(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack(
            """
import dsspulumi as dss
cfg = dss.Config()
conn = cfg.require("db_connection")
""",
            config={"st": {"other": "x"}},
        )
    assert info.value.line == 3
    assert "dss config set st st:db_connection VALUE -e dev" in str(info.value)


def test_missing_required_config_in_another_namespace(run_stack):
    with pytest.raises(StackProgramError) as info:
        run_stack('import dsspulumi as dss\ndss.Config("dss").require("url")\n')
    assert "dss config set st dss:url VALUE -e dev" in str(info.value)


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("get_int", "42", 42),
        ("get_bool", "yes", True),
        ("get_bool", False, False),
        ("get_object", '{"a": [1]}', {"a": [1]}),
        ("get", "v", "v"),
    ],
)
def test_config_typed_getters(run_stack, method, value, expected):
    graph = run_stack(
        f'import dsspulumi as dss\ndss.export("v", dss.Config().{method}("k"))\n',
        config={"st": {"k": value}},
    )
    assert graph.exports["v"] == expected


@pytest.mark.parametrize(
    ("method", "value"), [("get_int", "x"), ("get_bool", "maybe"), ("get_object", "{nope")]
)
def test_config_typed_getters_refuse_bad_values(run_stack, method, value):
    with pytest.raises(StackProgramError, match="'st:k' must be"):
        run_stack(
            f'import dsspulumi as dss\ndss.Config().{method}("k")\n', config={"st": {"k": value}}
        )


def test_export_needs_a_name(run_stack):
    with pytest.raises(StackProgramError, match="non-empty name") as info:
        run_stack('import dsspulumi as dss\n\ndss.export("", 1)\n')
    assert info.value.line == 3
