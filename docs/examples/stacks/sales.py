"""Sales: raw orders, cleaned every night by a Python recipe."""

import dsspulumi as dss

cfg = dss.Config()

project = dss.Project("SALES", name="Sales", description="Orders, cleaned every night")
orders = dss.Dataset(
    "ORDERS",
    project=project,
    type="Filesystem",
    connection=cfg.require("raw_connection"),
    params={"path": "/sales/orders"},
    schema=[dss.Column("order_id", "bigint"), dss.Column("amount", "double")],
)
clean = dss.ManagedDataset(
    "ORDERS_CLEAN", project=project, connection="filesystem_managed", format_type="parquet"
)
dss.PythonRecipe(
    "clean_orders",
    project=project,
    inputs=[orders],
    outputs=[clean],
    code=(
        "import dataiku\n"
        "df = dataiku.Dataset('ORDERS').get_dataframe()\n"
        "dataiku.Dataset('ORDERS_CLEAN').write_with_schema(df.dropna())\n"
    ),
)
dss.export("project_key", project.key)
