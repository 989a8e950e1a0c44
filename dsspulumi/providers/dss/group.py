"""Provider for ``dss:Group``: POST (name, description, source type), then GET → PUT of the
capabilities, which DSS does not take at creation (dss-rest-api.md §9.2). What the document
holds for the stack, and what is written into it, comes from the kind's schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call
from dsspulumi.selftest_samples import Sample, definition_drift


class GroupProvider(InstanceObjectProvider):
    type_token = "dss:Group"

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"group {inputs['name']}"

    def _get(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        with admin_call(self.s, f"read {self._what(inputs)}"):
            doc: dict[str, Any] = self.s.client.get_group(inputs["name"]).get_definition()
        return doc

    def _put(self, inputs: Mapping[str, Any], doc: dict[str, Any]) -> None:
        with admin_call(self.s, f"save {self._what(inputs)}"):
            self.s.client.get_group(inputs["name"]).set_definition(doc)

    def _post(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"create {self._what(inputs)}"):
            self.s.client.create_group(
                inputs["name"],
                description=inputs.get("description"),
                source_type=inputs["source_type"],
            )

    def _remove(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"delete {self._what(inputs)}"):
            self.s.client.get_group(inputs["name"]).delete()


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).

SELFTEST = Sample(
    "dss:Group",
    'group = dss.Group("${name}_group", description="selftest v$v",\n'
    "                  may_create_projects=False)",
    logical="${name}_group",
    path="description",
    drift=definition_drift(lambda c, r: c.get_group(r.inputs["name"]), "description"),
    admin=True,
)
