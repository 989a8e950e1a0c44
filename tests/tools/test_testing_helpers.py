"""dsspulumi.testing.run_program: the graph of a program, and the errors a test author meets."""

from __future__ import annotations

import pytest

from dsspulumi.errors import ConfigError, StackProgramError
from dsspulumi.testing import run_program

TWO_PROJECTS = """\
import dsspulumi as dss

cfg = dss.Config()
a = dss.Project("A", name="a")
b = dss.Project("B", name="b")
src = dss.ManagedDataset("SRC", project=a, connection=cfg.require("conn"))
dss.ManagedDataset("SRC", project=b, connection="filesystem_managed",
                   opts=dss.ResourceOptions(depends_on=[src]))
dss.export("where", dss.Config("dss").get("url"))
"""


def test_lookups_edges_and_config_namespaces(tmp_path):
    stack = tmp_path / "two.py"
    stack.write_text(TWO_PROJECTS)
    graph = run_program(stack, config={"conn": "sql_postgres", "dss:url": "sandbox"})
    assert len(graph) == 4 and "A.SRC" in graph and "nope" not in graph
    assert graph["A.SRC"].inputs["connection"] == "sql_postgres"
    assert graph.depends_on("B.SRC") == ["B", "A.SRC"]
    assert ("A.SRC", "B.SRC") in graph.edges and ("A", "A.SRC") in graph.edges
    assert graph.exports == {"where": "sandbox"}
    assert [n.name for n in graph.of_type("Project")] == ["A", "B"]
    with pytest.raises(KeyError, match="names several resources .*A.SRC, B.SRC"):
        graph["SRC"]
    with pytest.raises(KeyError, match="no resource 'MISSING'; declared: A, B, A.SRC, B.SRC"):
        graph["MISSING"]
    nested = run_program(stack, config={"two": {"conn": "c2"}, "dss": {"url": "u"}})
    assert nested["A.SRC"].inputs["connection"] == "c2" and nested.exports == {"where": "u"}


def test_errors_name_the_users_file_and_fix(tmp_path):
    stack = tmp_path / "two.py"
    stack.write_text(TWO_PROJECTS)
    with pytest.raises(StackProgramError) as err:
        run_program(stack)  # conn is required and not set
    assert "dss config set two two:conn VALUE" in str(err.value) and "two.py:6" in str(err.value)
    with pytest.raises(ConfigError, match="stack file .*missing.py does not exist"):
        run_program(tmp_path / "missing.py")
