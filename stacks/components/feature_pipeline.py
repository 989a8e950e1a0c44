"""``FeaturePipeline``: an example ``dss.ComponentResource``.

A feature pipeline turns one source dataset into a prepared one: a managed dataset, the
Python recipe that writes it, and a flow zone ``<NAME> features`` gathering the two.
Everything it creates is a child of the component (``opts=dss.ResourceOptions(parent=
self)``), so each child's URN carries the component's type and ``dss preview`` shows the
children under the component. Use it from a stack file::

    from components.feature_pipeline import FeaturePipeline

    churn = FeaturePipeline("CHURN", project=project, source=raw)
    dss.export("churn_features", churn.prepared.name)
"""

from __future__ import annotations

import dsspulumi as dss

CODE = """\
import dataiku

source = dataiku.Dataset("{source}").get_dataframe()
features = source.dropna()
dataiku.Dataset("{output}").write_with_schema(features)
"""


class FeaturePipeline(dss.ComponentResource):
    """A prepared dataset ``<NAME>_FEATURES``, the recipe ``prepare_<name>`` writing it, a zone."""

    def __init__(
        self,
        name: str,
        *,
        project: dss.Project,
        source: dss.Dataset | dss.ManagedDataset,
        connection: str = "filesystem_managed",
        color: str = "#2ab1ac",
        opts: dss.ResourceOptions | None = None,
    ) -> None:
        super().__init__("examples:FeaturePipeline", name, opts=opts)
        child = dss.ResourceOptions(parent=self)
        self.prepared = dss.ManagedDataset(
            f"{name}_FEATURES",
            project=project,
            connection=connection,
            format_type="parquet",
            description=f"Features of {source.name}, prepared by the {name} pipeline",
            opts=child,
        )
        self.recipe = dss.PythonRecipe(
            f"prepare_{name.lower()}",
            project=project,
            inputs=[source],
            outputs=[self.prepared],
            code=CODE.format(source=source.name, output=self.prepared.name),
            opts=child,
        )
        self.zone = dss.FlowZone(
            f"{name} features",
            project=project,
            color=color,
            items=[self.prepared, self.recipe],
            opts=child,
        )
