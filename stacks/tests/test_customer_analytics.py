"""Tests of the example stack, the way a team tests its own (see docs/testing.md).

The first tests run the program with no DSS at all (``dsspulumi.testing.run_program``); the
last applies it to a DSS sandbox (the ``dss_sandbox`` pytest fixture) with the real ``dss``
command line and checks that nothing is left to change.
"""

from pathlib import Path

from dsspulumi.testing import dss, run_program

STACK = Path(__file__).resolve().parents[1] / "customer_analytics.py"


def test_dev_flow():
    graph = run_program(STACK)  # reads stacks/customer_analytics.dev.toml
    assert graph.names == [
        "CUSTOMER_ANALYTICS",
        "CUSTOMER_ANALYTICS.RAW_CUSTOMERS",
        "CUSTOMER_ANALYTICS.PREPARED_CUSTOMERS",
        "CUSTOMER_ANALYTICS.prep_customers",
        "CUSTOMER_ANALYTICS.CUSTOMERS_REPORT",
        "CUSTOMER_ANALYTICS.publish_report",
    ]
    raw = graph["RAW_CUSTOMERS"].inputs
    assert raw["connection"] == "filesystem_root" and raw["params"] == {"path": "/customers/raw"}
    prep = graph["prep_customers"]
    assert prep.inputs["inputs"] == ["RAW_CUSTOMERS"]
    assert prep.inputs["outputs"] == ["PREPARED_CUSTOMERS"]
    assert "get_dataframe" in prep.inputs["code"]  # read from stacks/code/prep_customers.py
    assert ("CUSTOMER_ANALYTICS.RAW_CUSTOMERS", "CUSTOMER_ANALYTICS.prep_customers") in graph.edges
    assert graph.exports == {"project_key": "CUSTOMER_ANALYTICS"}


def test_prod_keeps_three_report_copies_in_its_own_project():
    graph = run_program(STACK, env="prod")
    assert graph.exports == {"project_key": "CUSTOMER_ANALYTICS_PROD"}
    assert [n.name for n in graph.of_type("Recipe") if n.inputs["type"] == "sync"] == [
        "publish_report",
        "publish_report_2",
        "publish_report_3",
    ]
    assert graph["RAW_CUSTOMERS"].inputs["params"] == {"path": "/prod/customers/raw"}


def test_config_values_can_be_set_by_the_test():
    graph = run_program(STACK, config={"report_copies": 5, "managed_connection": "sql_postgres"})
    assert len(graph.of_type("dss:Recipe")) == 1 + 5
    assert graph["CUSTOMERS_REPORT_5"].inputs["connection"] == "sql_postgres"


def test_up_on_a_sandbox_then_nothing_to_change(dss_sandbox, tmp_path):
    backend = f"file://{tmp_path / 'state'}"
    up = dss("up", str(STACK), "--yes", "--backend", backend, sandbox=dss_sandbox)
    assert up.exit_code == 0, up.stdout + up.stderr
    project = dss_sandbox.client().get_project("CUSTOMER_ANALYTICS")
    assert sorted(r["name"] for r in project.list_recipes()) == [
        "prep_customers",
        "publish_report",
    ]
    again = dss(
        "preview",
        str(STACK),
        "--refresh",
        "--expect-no-changes",
        "--backend",
        backend,
        sandbox=dss_sandbox,
    )
    assert again.exit_code == 0, again.stdout
