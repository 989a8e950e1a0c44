"""Customer analytics: raw customer files, a Python prep step, synced report copies.

One program for every environment; what differs lives in the config files
beside it (customer_analytics.dev.toml, customer_analytics.prod.toml): the DSS
URL, the project key, connections, and how many report copies to keep.
Both example environments point at the embedded sandbox:

    dss preview customer_analytics
    dss up customer_analytics --yes
    dss up customer_analytics --yes -e prod
"""

import dsspulumi as dss

cfg = dss.Config()

project = dss.Project(
    cfg.get("project_key", "CUSTOMER_ANALYTICS"),
    name="Customer Analytics",
    description="Churn features",
    tags=["iac"],
)

raw = dss.Dataset(
    "RAW_CUSTOMERS",
    project=project,
    type="Filesystem",
    connection=cfg.require("raw_connection"),
    params={"path": cfg.get("raw_path", "/customers/raw")},
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

dss.PythonRecipe(
    "prep_customers",
    project=project,
    inputs=[raw],
    outputs=[prepared],
    code=dss.File("code/prep_customers.py"),
)

# One synced copy per consumer; prod keeps more of them than dev.
for i in range(1, (cfg.get_int("report_copies") or 1) + 1):
    suffix = "" if i == 1 else f"_{i}"
    report = dss.ManagedDataset(
        f"CUSTOMERS_REPORT{suffix}",
        project=project,
        connection=cfg.get("managed_connection", "filesystem_managed"),
        format_type="csv",
    )
    dss.SyncRecipe(f"publish_report{suffix}", project=project, inputs=[prepared], outputs=[report])

dss.export("project_key", project.key)
