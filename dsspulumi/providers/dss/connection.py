"""Provider for ``dss:Connection``: managed connections (admin key) and read-only lookups.

Create is POST (name, type, params, usableBy, allowedGroups, description), then GET →
merge → PUT for the rest (``extra_settings``), as Dataiku's own Ansible module does
(dss-rest-api.md §9.1). Secret params are sent in clear to DSS, which keeps them
encrypted and never gives them back: they are not read back (the engine keeps their
digests), and every write of the connection sends the declared ones again (DSS
re-encrypts; a token read from DSS is only ever sent back unchanged).

The lookup uses the non-admin info endpoint (GET /connections/{name}/info), so a stack run
with a project-level key can check the connections its datasets use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.client import NotFound, managed_value, pick_paths
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call, set_extra


class ConnectionProvider(InstanceObjectProvider):
    type_token = "dss:Connection"

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"connection {inputs['name']}"

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        name = identity["name"]
        try:
            with self.s.call(f"read connection {name}"):
                info = self.s.client.get_connection(name).get_info()
        except NotFound:
            return None
        return {"name": name, "type": info.get("type")}

    def _get(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        with admin_call(self.s, f"read the settings of {self._what(inputs)}"):
            doc: dict[str, Any] = self.s.client.get_connection(inputs["name"]).get_definition()
        return doc

    def _put(self, inputs: Mapping[str, Any], doc: dict[str, Any]) -> None:
        with admin_call(self.s, f"save the settings of {self._what(inputs)}"):
            self.s.client.get_connection(inputs["name"]).set_definition(doc)

    def _post(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"create {self._what(inputs)}"):
            self.s.client.create_connection(
                inputs["name"],
                inputs["type"],
                params={**inputs["params"], **inputs["secret_params"]},
                usable_by=inputs["usable_by"],
                allowed_groups=list(inputs["allowed_groups"]),
                description=inputs.get("description"),
            )

    def _remove(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"delete {self._what(inputs)}"):
            self.s.client.get_connection(inputs["name"]).delete()

    def _edit(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        params = doc.setdefault("params", {})
        managed = {*new["params"], *new["secret_params"]}
        for key in {*(old or {}).get("params", {}), *(old or {}).get("secret_params", {})}:
            if key not in managed:
                params.pop(key, None)
        params.update(new["params"])
        params.update(new["secret_params"])  # plaintext from this run's declaration
        doc["usableBy"] = new["usable_by"]
        doc["allowedGroups"] = list(new["allowed_groups"])
        if new.get("description") is not None:
            doc["description"] = new["description"]
        elif old is not None and old.get("description") is not None:
            doc["description"] = ""
        set_extra(doc, new, old)

    def _existing_inputs(self, doc: Mapping[str, Any], name: str) -> dict[str, Any] | None:
        """Every param as DSS gives it (secrets as DSS's encrypted tokens: the resource class
        turns those into secret config placeholders, and sending a token back keeps it)."""
        return {
            "name": name,
            "type": doc.get("type"),
            "params": dict(doc.get("params") or {}),
            "secret_params": {},
            "allowed_groups": list(doc.get("allowedGroups") or []),
            "usable_by": doc.get("usableBy") or "ALLOWED",
            "description": doc.get("description") or None,
            "extra_settings": {},
        }

    def _view(self, doc: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        params = doc.get("params") or {}
        return {
            "name": inputs["name"],
            "type": doc.get("type"),
            "params": pick_paths(params, inputs.get("params") or {}),
            # Never read back (DSS returns them encrypted): the declared ones if still set.
            "secret_params": {
                k: ("(set)" if params.get(k) else None) for k in inputs.get("secret_params") or {}
            },
            "allowed_groups": list(doc.get("allowedGroups") or []),
            "usable_by": doc.get("usableBy"),
            "description": managed_value(inputs.get("description"), doc.get("description") or ""),
            "extra_settings": pick_paths(doc, inputs.get("extra_settings") or {}),
        }
