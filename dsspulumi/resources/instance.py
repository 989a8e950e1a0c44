"""What every object of the DSS instance itself shares (connections, groups, users, code
envs): no project, its name is its whole identity, and the ``extra_settings`` escape hatch."""

from __future__ import annotations

from typing import Any

import attrs

from dsspulumi.resource import Resource, ResourceOptions
from dsspulumi.resources import validators as v


@attrs.define(slots=False, eq=False, repr=False)
class InstanceObject(Resource):
    """Subclasses define their identity field first (``name``; ``login`` for users)."""

    extra_settings: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return str(getattr(self, "name"))  # noqa: B009 - defined by every subclass

    @property
    def logical_name(self) -> str:
        return self.dss_name
