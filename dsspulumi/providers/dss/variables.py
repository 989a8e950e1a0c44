"""Provider for ``dss:ProjectVariables``: the declared keys of a project's variables.

One GET + one PUT of ``/projects/{key}/variables/`` per change (the client's
``get_variables``/``set_variables``; PUT sends the whole document with both ``standard`` and
``local``). Keys the stack does not declare are sent back as they were read; a key that was
declared and no longer is, is removed; deleting removes the declared keys only.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.kinds import registry, schema
from dsspulumi.providers.dss.owned import ProjectPartProvider
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState

PARTS = ("standard", "local")


class ProjectVariablesProvider(ProjectPartProvider):
    type_token = "dss:ProjectVariables"
    part = "variables"

    def _existing_inputs(self, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
        if not any(doc[part] for part in PARTS):
            return None  # a project without variables: nothing to declare
        return schema.existing_of(registry.resource_class(self.type_token), doc, project=key)

    def _read(self, key: str) -> dict[str, Any]:
        with self.s.call(f"read the variables of project {key}"):
            doc: dict[str, Any] = self.s.client.get_project(key).get_variables()
        for part in PARTS:
            if not isinstance(doc.get(part), dict):
                doc[part] = {}
        return doc

    def _save(self, key: str, doc: dict[str, Any]) -> None:
        with self.s.call(f"save the variables of project {key}"):
            self.s.client.get_project(key).set_variables(doc)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    doc = project.get_variables()
    doc["standard"]["version"] = HAND  # a declared key (undeclared keys are not managed)
    project.set_variables(doc)


SELFTEST = Sample(
    "dss:ProjectVariables",
    'dss.ProjectVariables(project=project, standard={"version": "v$v"},\n'
    '                     local={"debug": False})',
    logical="$key.variables",
    path="standard",
    drift=_selftest_drift,
)
