"""Churn platform: every kind of DSS object dsspulumi manages, in one stack.

Instance level (needs an admin API key): a warehouse connection whose password comes from
secret config, an analysts group, instance variables. Two projects: ``CHURN_REF`` holds
reference data it shares with ``CHURN``, which lands files in a managed folder, prepares,
groups and joins them with visual recipes, scores them with a Python recipe, builds a
feature pipeline from a component, gathers the scoring part in a flow zone, rebuilds it
every night from a scenario, and sets its variables and permissions.

    dss config set churn_platform pg_password --secret     # once per environment
    dss preview churn_platform
    dss up churn_platform --yes
"""

from components.feature_pipeline import FeaturePipeline

import dsspulumi as dss

cfg = dss.Config()
managed = cfg.get("managed_connection", "filesystem_managed")

# --- Instance ----------------------------------------------------------------------------
analysts = dss.Group(
    cfg.get("analysts_group", "churn_analysts"),
    description="Reads the churn projects",
    may_write_safe_code=True,
)
warehouse = dss.Connection(
    cfg.get("warehouse_connection", "churn_warehouse"),
    type="PostgreSQL",
    params={
        "host": cfg.get("pg_host", "warehouse.internal"),
        "port": "5432",
        "db": "churn",
        "user": "dss",
        "password": cfg.require_secret("pg_password"),
    },
    allowed_groups=[analysts],
    usable_by="ALLOWED",
    description="Churn warehouse",
)
dss.GlobalVariables({"churn_platform_env": cfg.get("env_name", "dev")})

# --- Reference project: shares its countries table ---------------------------------------
ref = dss.Project(cfg.get("ref_project_key", "CHURN_REF"), name="Churn reference data")
scoring = dss.Project(cfg.get("project_key", "CHURN"), name="Churn scoring", tags=["iac"])

countries = dss.Dataset(
    "COUNTRIES",
    project=ref,
    type="PostgreSQL",
    connection=warehouse,
    params={"mode": "table", "schema": "ref", "table": "countries"},
    schema=[dss.Column("country", "string"), dss.Column("region", "string")],
    share_with=[scoring],
)

# --- Scoring project -----------------------------------------------------------------------
landing = dss.ManagedFolder("landing", project=scoring, description="CRM drops files here")
raw = dss.Dataset(
    "RAW_CUSTOMERS",
    project=scoring,
    type="FilesInFolder",
    folder=landing,
    format_type="csv",
    schema=[
        dss.Column("customer_id", "bigint"),
        dss.Column("country", "string"),
        dss.Column("amount", "double"),
    ],
)
clean = dss.ManagedDataset("CUSTOMERS_CLEAN", project=scoring, connection=managed)
clean_recipe = dss.PrepareRecipe(
    "clean_customers",
    project=scoring,
    inputs=[raw],
    outputs=[clean],
    steps=[dss.PrepareStep("FilterOnValue", {"column": "amount", "values": ["0"]})],
)
by_country = dss.ManagedDataset("SPEND_BY_COUNTRY", project=scoring, connection=managed)
dss.GroupRecipe(
    "group_by_country",
    project=scoring,
    inputs=[clean],
    outputs=[by_country],
    keys=["country"],
    aggregations={"amount": ["sum", "avg"]},
)
regions = dss.ManagedDataset("SPEND_BY_REGION", project=scoring, connection=managed)
dss.JoinRecipe(
    "join_regions",
    project=scoring,
    inputs=[by_country, countries],
    outputs=[regions],
    joins=[dss.Join(by_country, countries, type="LEFT", on=[("country", "country")])],
)
scores = dss.ManagedDataset("CHURN_SCORES", project=scoring, connection=managed)
score = dss.PythonRecipe(
    "score_churn",
    project=scoring,
    inputs=[clean, regions],
    outputs=[scores],
    code=dss.File("code/score_churn.py"),
)
reports = dss.ManagedFolder("reports", project=scoring)
dss.PythonRecipe(
    "publish_report",
    project=scoring,
    inputs=[scores],
    outputs=[reports],
    code="import dataiku\n# writes a PDF of the scores into the reports folder\n",
)
features = FeaturePipeline("CHURN", project=scoring, source=clean)

zone = dss.FlowZone("Scoring", project=scoring, color="#ff9900", items=[scores, score, reports])
dss.Scenario(
    "Nightly scoring",
    project=scoring,
    active=True,
    steps=[dss.BuildStep([scores, reports], build_mode="RECURSIVE_BUILD")],
    triggers=[
        dss.TemporalTrigger(
            "Daily", hour=2, minute=30, timezone="UTC", starting_from="2025-01-01"
        )
    ],
)
dss.ProjectVariables(
    project=scoring,
    standard={"score_threshold": 0.7},
    local={"debug": False},
)
dss.ProjectPermissions(
    project=scoring,
    permissions=[dss.GroupPermission(analysts, read_project_content=True, run_scenarios=True)],
)

dss.export("project_key", scoring.key)
dss.export("landing_folder_id", landing.id)
dss.export("scoring_zone_id", zone.id)
