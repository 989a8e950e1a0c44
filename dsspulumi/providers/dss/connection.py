"""Provider for ``dss:Connection``: managed connections (admin key) and read-only lookups.

Create is POST (name, type, params, usableBy, allowedGroups, description), then GET →
merge → PUT for the rest (``extra_settings``), as Dataiku's own Ansible module does
(dss-rest-api.md §9.1). Secret params are sent in clear to DSS, which keeps them
encrypted and never gives them back: they are not read back (the engine keeps their
digests), and every write of the connection sends the declared ones again (DSS
re-encrypts; a token read from DSS is only ever sent back unchanged).

What the stack manages in the definition, and what an import reads, comes from the kind's
schema (``resources/connection.py``: the params' write hook sees plain and secret params).

The lookup uses the non-admin info endpoint (GET /connections/{name}/info), so a stack run
with a project-level key can check the connections its datasets use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.client import NotFound
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call
from dsspulumi.selftest_samples import Sample, definition_drift


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


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).

SELFTEST = Sample(
    "dss:Connection",
    'dss.Connection("${name}_conn", type="Filesystem", params={"root": "/tmp/$key"},\n'
    '               allowed_groups=[group], description="selftest v$v")',
    logical="${name}_conn",
    path="description",
    drift=definition_drift(lambda c, r: c.get_connection(r.inputs["name"]), "description"),
    admin=True,
)
