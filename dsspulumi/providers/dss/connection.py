"""Provider for ``dss:Connection``: read-only lookups (``dss.Connection.get``) for now.

The lookup uses the non-admin info endpoint (GET /connections/{name}/info), so a
stack run with a project-level key can check the connections its datasets use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import PlanError
from dsspulumi.provider import Found, Mark
from dsspulumi.providers.dss.client import DssSession, NotFound


class ConnectionProvider:
    marks_on_create = False

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        name = identity["name"]
        try:
            with self.s.call(f"read connection {name}"):
                info = self.s.client.get_connection(name).get_info()
        except NotFound:
            return None
        return {"name": name, "type": info.get("type")}

    def _not_managed(self, inputs: Mapping[str, Any]) -> PlanError:
        return PlanError(
            f"connection {inputs.get('name')}: connections are only read (dss.Connection.get); "
            "this dsspulumi cannot manage them"
        )

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        raise self._not_managed(inputs)

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        raise self._not_managed(inputs)

    def update(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        outputs: Mapping[str, Any],
        *,
        owner: str | None,
        mark: Mark | None = None,
    ) -> dict[str, Any]:
        raise self._not_managed(new)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        raise self._not_managed(inputs)
