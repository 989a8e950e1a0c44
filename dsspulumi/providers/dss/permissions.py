"""Provider for ``dss:ProjectPermissions``: the grants of the declared groups.

One GET + one PUT of ``/projects/{key}/permissions`` per change (``get_permissions`` /
``set_permissions``). A declared group's grant is replaced by the declared flags (every
flag written); grants to other groups and to users stay as they were read; a group no
longer declared loses its grant; deleting removes the declared groups' grants only. The
owner is written only when declared (DSS always has one, so it is never "removed").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.client import managed_value
from dsspulumi.providers.dss.owned import ProjectPartProvider


def _group(item: Any) -> Any:
    return item.get("group") if isinstance(item, dict) else None


class ProjectPermissionsProvider(ProjectPartProvider):
    type_token = "dss:ProjectPermissions"
    part = "permissions"

    def _existing_inputs(self, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The grants to groups (those to single users are not modelled: left as they are);
        the owner is not declared (whoever creates the project owns it)."""
        grants = [i for i in doc["permissions"] if isinstance(i, dict) and i.get("group")]
        if not grants:
            return None
        return {"project": key, "owner": None, "permissions": grants}

    def _read(self, key: str) -> dict[str, Any]:
        with self.s.call(f"read the permissions of project {key}"):
            doc: dict[str, Any] = self.s.client.get_project(key).get_permissions()
        if not isinstance(doc.get("permissions"), list):
            doc["permissions"] = []
        return doc

    def _save(self, key: str, doc: dict[str, Any]) -> None:
        with self.s.call(f"save the permissions of project {key}"):
            self.s.client.get_project(key).set_permissions(doc)

    def _apply(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        declared = {p["group"]: p for p in new["permissions"]}
        dropped = {p["group"] for p in (old or {}).get("permissions", [])} - set(declared)
        items: list[Any] = []
        for item in doc["permissions"]:
            group = _group(item)
            if group in dropped:
                continue
            if group in declared:
                item = {**item, **declared.pop(group)}  # other fields DSS keeps survive
            items.append(item)
        items.extend(dict(p) for p in declared.values())  # new grants, in declared order
        doc["permissions"] = items
        if new.get("owner") is not None:
            doc["owner"] = new["owner"]

    def _remove(self, doc: dict[str, Any], inputs: Mapping[str, Any]) -> None:
        groups = {p["group"] for p in inputs["permissions"]}
        doc["permissions"] = [i for i in doc["permissions"] if _group(i) not in groups]

    def _view(self, doc: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        by_group = {_group(i): i for i in doc["permissions"] if _group(i) is not None}
        granted = []
        for want in inputs["permissions"]:
            have = by_group.get(want["group"])
            if have is not None:
                granted.append({k: have.get(k, False) for k in want})
        return {
            "project": inputs["project"],
            "owner": managed_value(inputs.get("owner"), doc.get("owner")),
            "permissions": granted,
        }
