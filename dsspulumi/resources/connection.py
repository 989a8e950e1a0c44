"""Connections: for now, read-only references to the connections of the DSS instance.

A stack names the connection its datasets live on; ``dss.Connection.get(name)``
makes that an edge of the graph, checked against DSS at ``up``, so a typo is an
error before anything is created rather than a half-applied run.
"""

from __future__ import annotations

from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.resource import Resource, resource_type
from dsspulumi.resources import validators as v


@resource_type("dss:Connection")
class Connection(Resource):
    """An instance-level DSS connection (managing connections themselves is not built yet)."""

    name: str = attrs.field(validator=v.name_string)

    def validate(self) -> None:
        raise ResourceValidationError(
            f"Connection('{self.name}'): declaring connections is not supported yet; use "
            f"dss.Connection.get('{self.name}') to reference an existing one"
        )

    @classmethod
    def get(cls, name: str) -> Connection:
        """A read-only reference to an existing connection of the DSS instance."""
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise ResourceValidationError(
                f"Connection.get({name!r}): a connection name is a non-empty string without '/'"
            )
        return cls._lookup(name, name=name)

    @property
    def dss_name(self) -> str:
        return self.name

    @property
    def logical_name(self) -> str:
        return self.name

    def lookup_inputs(self) -> dict[str, Any]:
        return {"name": self.name}


def connection_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A connection name, or a ``dss.Connection.get(...)`` reference."""
    if isinstance(value, Connection):
        return
    v.name_string(inst, attribute, value)


def connection_name(value: Any) -> Any:
    """What state and DSS hold for a connection argument: its name."""
    return value.name if isinstance(value, Connection) else value
