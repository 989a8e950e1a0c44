"""Instance-level resources as a program declares them: inputs, edges, refusals at the line."""

from __future__ import annotations

import os

import pytest

from dsspulumi.errors import GraphError, StackProgramError
from dsspulumi.program import run_program
from dsspulumi.secrets.digest import SecretDigest

KEY = os.urandom(32)
SERVICES = {"digest_key": lambda: KEY}


def _run(write_stack, source: str, **config):
    stack = write_stack(source)
    return run_program(
        stack, stack="st", env="dev", config={"st": config}, services={**SERVICES, "reveal": str}
    )


def test_inputs_edges_and_digests(write_stack) -> None:
    graph = _run(
        write_stack,
        """
        import dsspulumi as dss
        pw = dss.Output.secret("pg-password")
        team = dss.Group("team", may_create_projects=True)
        dss.User("ann", groups=[team, "readers"], password=dss.Output.secret("ann-pw"))
        dss.Connection("pg", type="PostgreSQL", params={"host": "h", "password": pw},
                       allowed_groups=[team])
        dss.CodeEnv("env-1", packages=("pandas",))
        dss.GlobalVariables({"env": "dev"})
        """,
    )
    nodes = {n.logical_name: n for n in graph.nodes.values()}
    team = "urn:dss:dev::st::dss:Group::team"
    assert team in nodes["ann"].deps and team in nodes["pg"].deps
    assert nodes["team"].inputs["may_create_projects"] is True
    assert nodes["team"].inputs["admin"] is False
    assert nodes["ann"].inputs["groups"] == ["team", "readers"]
    conn = nodes["pg"].inputs
    assert conn["params"] == {"host": "h"}
    digest = conn["secret_params"]["password"]
    assert isinstance(digest, SecretDigest) and digest.reveal() == "pg-password"
    assert "pg-password" not in digest.digest
    assert isinstance(nodes["ann"].inputs["password"], SecretDigest)
    assert nodes["env-1"].inputs["lang"] == "PYTHON" and nodes["env-1"].inputs["packages"] == [
        "pandas"
    ]
    assert nodes["instance-variables"].inputs == {"variables": {"env": "dev"}}


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (
            'dss.Connection("pg", type="PostgreSQL", params={"password": "x"})',
            "looks like a credential",
        ),
        ('dss.User("u", password="plain")', "must be a secret"),
        ('dss.User("u", source_type="LDAP", password=dss.Output.secret("p"))', "only a LOCAL user"),
        ('dss.Group("g", admin="yes")', "'admin' must be bool"),
        ('dss.CodeEnv("bad_name")', "not a valid code env name"),
        ('dss.CodeEnv("e", lang="julia")', "must be 'python' or 'r'"),
        ('dss.CodeEnv("e", timeout=0)', "seconds > 0"),
        ('dss.GlobalVariables({"k": dss.Output.secret("s")})', "every DSS user can read"),
        ('dss.Connection("c", type="Filesystem", usable_by="SOME")', "must be one of ALL, ALLOWED"),
    ],
)
def test_refused_at_their_line(write_stack, code: str, fragment: str) -> None:
    with pytest.raises(StackProgramError) as info:
        _run(write_stack, f"import dsspulumi as dss\n{code}\n")
    assert info.value.line == 2 and fragment in str(info.value), str(info.value)


def test_one_global_variables_per_stack(write_stack) -> None:
    with pytest.raises(GraphError, match="duplicate GlobalVariables"):
        _run(
            write_stack,
            "import dsspulumi as dss\n"
            'dss.GlobalVariables({"a": 1})\n'
            'dss.GlobalVariables({"b": 2})\n',
        )


def test_password_needs_a_dss_run(write_stack) -> None:
    stack = write_stack('import dsspulumi as dss\ndss.User("u", password=dss.Output.secret("p"))\n')
    with pytest.raises(StackProgramError, match="stack run by `dss`"):
        run_program(stack, stack="st", env="dev")
