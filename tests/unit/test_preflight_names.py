"""Which instance objects each kind names (``Resource.instance_names``), and the pure part of
the preflight: what the changing steps name that the stack does not declare."""

from __future__ import annotations

import pytest

from dsspulumi.plan import make_plan
from dsspulumi.preflight import MissingNameError, check_names, undeclared_uses

STACK = """
import dsspulumi as dss
shared = dss.Group("shared")
env = dss.CodeEnv("team-env")
p = dss.Project("P", name="p", extra_settings={"settings": {"codeEnvs": {
    "python": {"mode": "EXPLICIT_ENV", "envName": "proj-env"},
    "r": {"mode": "USE_BUILTIN_MODE", "envName": "ignored"}}}})
a = dss.ManagedDataset("a", project=p, connection="conn_a")
u = dss.UploadedFilesDataset("u", project=p)
f = dss.ManagedFolder("f", project=p)
b = dss.ManagedDataset("b", project=p, connection=dss.Connection.get("looked_up"))
dss.PythonRecipe("py", project=p, inputs=[a], outputs=[b], code="", code_env="py-env")
c = dss.ManagedDataset("c", project=p, connection="conn_a")
dss.PythonRecipe("py2", project=p, inputs=[b], outputs=[c], code="", code_env=env)
d = dss.ManagedDataset("d", project=p, connection="conn_a")
dss.SyncRecipe("s", project=p, inputs=[c], outputs=[d], extra_settings={"params": {
    "envSelection": {"envMode": "EXPLICIT_ENV", "envName": "sync-env"}}})
dss.ProjectPermissions(project=p, owner="owner_user", permissions=[
    dss.GroupPermission("g1"), dss.GroupPermission(shared)])
dss.User("bob", groups=["g1", shared])
dss.Connection("mine", type="Filesystem", allowed_groups=["g2"])
dss.Scenario("sc", project=p, run_as="runner", steps=[dss.SqlStep("sql_conn", "select 1")])
"""


def test_each_kind_says_what_it_names(run_stack):
    graph = run_stack(STACK)
    names = {n.logical_name: n.names for n in graph.nodes.values() if n.names}
    assert names == {
        "P": (("dss:CodeEnv", "proj-env"),),
        "P.a": (("dss:Connection", "conn_a"),),
        "P.f": (("dss:Connection", "filesystem_folders"),),
        "P.b": (("dss:Connection", "looked_up"),),
        "P.py": (("dss:CodeEnv", "py-env"),),
        "P.c": (("dss:Connection", "conn_a"),),
        "P.py2": (("dss:CodeEnv", "team-env"),),
        "P.d": (("dss:Connection", "conn_a"),),
        "P.s": (("dss:CodeEnv", "sync-env"),),
        "P.permissions": (("dss:Group", "g1"), ("dss:Group", "shared"), ("dss:User", "owner_user")),
        "bob": (("dss:Group", "g1"), ("dss:Group", "shared")),
        "mine": (("dss:Group", "g2"),),
        "P.sc": (("dss:Connection", "sql_conn"), ("dss:User", "runner")),
    }
    py = next(n for n in graph.nodes.values() if n.logical_name == "P.py")
    assert py.inputs["extra_settings"] == {
        "params": {"envSelection": {"envMode": "EXPLICIT_ENV", "envName": "py-env"}}
    }


def test_names_the_stack_declares_or_reads_are_not_checked(run_stack):
    graph = run_stack(STACK)
    uses = {(u.type, u.name): u.users for u in undeclared_uses(make_plan(graph, None), graph)}
    assert set(uses) == {
        ("dss:Connection", "conn_a"),
        ("dss:Connection", "filesystem_folders"),
        ("dss:Connection", "sql_conn"),
        ("dss:CodeEnv", "proj-env"),
        ("dss:CodeEnv", "py-env"),
        ("dss:CodeEnv", "sync-env"),
        ("dss:Group", "g1"),
        ("dss:Group", "g2"),
        ("dss:User", "owner_user"),
        ("dss:User", "runner"),
    }  # not "shared", "team-env" (declared) nor "looked_up" (a lookup, checked as one)
    assert uses[("dss:Connection", "conn_a")] == (
        "P.a (stack.py:7)",
        "P.c (stack.py:12)",
        "P.d (stack.py:14)",
    )


class Lister:
    def __init__(self, known: dict[str, set[str] | None]) -> None:
        self.known = known
        self.asked: list[str] = []

    def instance_names(self, type_token: str) -> frozenset[str] | None:
        self.asked.append(type_token)
        found = self.known.get(type_token)
        return None if found is None else frozenset(found)


def test_check_reads_each_kind_once_and_skips_what_cannot_be_listed(run_stack):
    graph = run_stack(STACK)
    plan = make_plan(graph, None)
    lister = Lister(
        {
            "dss:Connection": {"conn_a", "filesystem_folders"},  # sql_conn is missing
            "dss:CodeEnv": {"proj-env", "py-env", "sync-env"},
            "dss:Group": None,  # may not be listed: not checked
            "dss:User": {"owner_user"},  # runner is missing
        }
    )
    with pytest.raises(MissingNameError) as info:
        check_names(plan, graph, lister)
    assert lister.asked == ["dss:Connection", "dss:CodeEnv", "dss:Group", "dss:User"]
    lines = str(info.value).splitlines()
    assert lines[0] == "2 objects the stack names do not exist in DSS; nothing was changed:"
    assert lines[1].startswith("  P.sc (stack.py:21): connection 'sql_conn' does not exist")
    assert lines[2].startswith("  P.sc (stack.py:21): user 'runner' does not exist")


def test_unchanged_resources_are_not_checked(run_stack):
    from dsspulumi.state import ResourceState, State

    graph = run_stack(
        'import dsspulumi as dss\np = dss.Project("P", name="p")\n'
        'dss.ManagedDataset("a", project=p, connection="gone")\n'
    )
    records = [
        ResourceState(urn=n.urn, type=n.type, name=n.name, inputs=dict(n.inputs))
        for n in graph.nodes.values()
    ]
    plan = make_plan(graph, State(stack="st", env="dev", resources=records))
    lister = Lister({})
    check_names(plan, graph, lister)  # nothing changes: nothing named, nothing read
    assert lister.asked == []


def test_a_name_the_stack_declares_orders_its_user_after_it(run_stack):
    """Named, not referenced: the object still has to exist before the call that names it
    (the preflight counts it as there) and to go after it on destroy."""
    graph = run_stack(
        """
import dsspulumi as dss
team = dss.Group("team")
conn = dss.Connection("team_files", type="Filesystem", allowed_groups=["team"])
env = dss.CodeEnv("team-py")
p = dss.Project("P", name="p")
raw = dss.ManagedDataset("raw", project=p, connection="team_files")
out = dss.ManagedDataset("out", project=p, connection="elsewhere")
dss.PythonRecipe("r", project=p, inputs=[raw], outputs=[out], code="", code_env="team-py")
dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission("team")])
"""
    )
    by_name = {n.logical_name: n for n in graph.nodes.values()}

    def deps(name: str) -> set[str]:
        return {graph.nodes[u].logical_name for u in by_name[name].deps}

    assert deps("team_files") == {"team"}
    assert deps("P.raw") == {"P", "team_files"}
    assert deps("P.out") == {"P"}  # not declared: checked by the preflight, no order
    assert deps("P.r") >= {"P.raw", "P.out", "team-py"}
    assert deps("P.permissions") >= {"P", "team"}
    order = graph.topological_order()
    assert order.index(by_name["team_files"].urn) < order.index(by_name["P.raw"].urn)
