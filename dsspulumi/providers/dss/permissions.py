"""Provider for ``dss:ProjectPermissions``: the grants of the declared groups.

One GET + one PUT of ``/projects/{key}/permissions`` per change (``get_permissions`` /
``set_permissions``). A declared group's grant is replaced by the declared flags (every
flag written); grants to other groups and to users stay as they were read; a group no
longer declared loses its grant; deleting removes the declared groups' grants only. The
owner is written only when declared (DSS always has one, so it is never "removed").
"""

from __future__ import annotations

from typing import Any

from dsspulumi.kinds import registry, schema
from dsspulumi.providers.dss.owned import ProjectPartProvider
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState


def _group(item: Any) -> Any:
    return item.get("group") if isinstance(item, dict) else None


class ProjectPermissionsProvider(ProjectPartProvider):
    type_token = "dss:ProjectPermissions"
    part = "permissions"

    def _existing_inputs(self, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The grants to groups (those to single users are not modelled: left as they are);
        the owner is not declared (whoever creates the project owns it)."""
        inputs = schema.existing_of(registry.resource_class(self.type_token), doc, project=key)
        return inputs if inputs["permissions"] else None

    def _read(self, key: str) -> dict[str, Any]:
        with self.s.call(f"read the permissions of project {key}"):
            doc: dict[str, Any] = self.s.client.get_project(key).get_permissions()
        if not isinstance(doc.get("permissions"), list):
            doc["permissions"] = []
        return doc

    def _save(self, key: str, doc: dict[str, Any]) -> None:
        with self.s.call(f"save the permissions of project {key}"):
            self.s.client.get_project(key).set_permissions(doc)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    doc = project.get_permissions()
    for grant in doc.get("permissions", []):
        grant["writeProjectContent"] = not grant.get("writeProjectContent")
    project.set_permissions(doc)


SELFTEST = Sample(
    "dss:ProjectPermissions",
    "dss.ProjectPermissions(project=project, permissions=[\n"
    '    dss.GroupPermission("$group", write_project_content="$v" == "2")])',
    logical="$key.permissions",
    path="permissions",
    drift=_selftest_drift,
)
