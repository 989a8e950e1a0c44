"""Feature store: one source dataset, two feature pipelines built from one component.

dss preview feature_store       # the pipelines' children are shown under them
dss up feature_store --yes
"""

from components.feature_pipeline import FeaturePipeline

import dsspulumi as dss

project = dss.Project("FEATURE_STORE", name="Feature store", tags=["iac"])
customers = dss.Dataset(
    "CUSTOMERS",
    project=project,
    type="Filesystem",
    connection="filesystem_root",
    params={"path": "/customers"},
    format_type="csv",
)
churn = FeaturePipeline("CHURN", project=project, source=customers)
ltv = FeaturePipeline("LTV", project=project, source=customers)

dss.export("churn_features", churn.prepared.name)
dss.export("ltv_features", ltv.prepared.name)
