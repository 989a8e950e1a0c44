"""Provider for ``dss:Group``: POST (name, description, source type), then GET → PUT of the
capabilities, which DSS does not take at creation (dss-rest-api.md §9.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.client import managed_value, pick_paths
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call, set_extra
from dsspulumi.resources.group import FLAGS


class GroupProvider(InstanceObjectProvider):
    type_token = "dss:Group"

    def _existing_inputs(self, doc: Mapping[str, Any], name: str) -> dict[str, Any] | None:
        return {
            "name": name,
            "description": doc.get("description") or None,
            "source_type": doc.get("sourceType") or "LOCAL",
            **{flag: bool(doc.get(field, False)) for flag, field in FLAGS.items()},
            "extra_settings": {},
        }

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

    def _edit(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        if new.get("description") is not None:
            doc["description"] = new["description"]
        elif old is not None and old.get("description") is not None:
            doc["description"] = ""
        doc["sourceType"] = new["source_type"]
        for flag, field in FLAGS.items():
            doc[field] = bool(new[flag])
        set_extra(doc, new, old)

    def _view(self, doc: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": inputs["name"],
            "description": managed_value(inputs.get("description"), doc.get("description") or ""),
            "source_type": doc.get("sourceType"),
            **{flag: bool(doc.get(field, False)) for flag, field in FLAGS.items()},
            "extra_settings": pick_paths(doc, inputs.get("extra_settings") or {}),
        }
