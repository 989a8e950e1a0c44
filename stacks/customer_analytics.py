"""Customer analytics: raw customer files, a Python prep step, a SQL-free sync to a report copy.

Run it against the embedded sandbox (its dev config sets dss:url = "sandbox"):

    dss preview customer_analytics
    dss up customer_analytics --yes
"""

import dsspulumi as dss

cfg = dss.Config()

project = dss.Project(
    "CUSTOMER_ANALYTICS",
    name="Customer Analytics",
    description="Churn features",
    tags=["iac"],
)

raw = dss.Dataset(
    "RAW_CUSTOMERS",
    project=project,
    type="Filesystem",
    connection=cfg.require("raw_connection"),
    params={"path": "/customers/raw"},
    format_type="csv",
    format_params={"separator": ",", "parseHeaderRow": True},
    schema=[
        dss.Column("customer_id", "bigint"),
        dss.Column("signup_date", "date"),
        dss.Column("country", "string"),
    ],
    description="Customer extract dropped by the CRM every night",
)

prepared = dss.ManagedDataset(
    "PREPARED_CUSTOMERS",
    project=project,
    connection=cfg.get("managed_connection", "filesystem_managed"),
    format_type="parquet",
)

report = dss.ManagedDataset(
    "CUSTOMERS_REPORT",
    project=project,
    connection=cfg.get("managed_connection", "filesystem_managed"),
    format_type="csv",
)

dss.PythonRecipe(
    "prep_customers",
    project=project,
    inputs=[raw],
    outputs=[prepared],
    code=dss.File("code/prep_customers.py"),
)

dss.SyncRecipe("publish_report", project=project, inputs=[prepared], outputs=[report])

dss.export("project_key", project.key)
