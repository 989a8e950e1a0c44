"""What every object of the DSS instance itself shares (connections, groups, users, code
envs): no project, its name is its whole identity, and the ``extra_settings`` escape hatch."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from dsspulumi.kinds.schema import prop, read_extra_settings, write_extra_settings
from dsspulumi.resource import Resource, ResourceOptions
from dsspulumi.resources import validators as v


@attrs.define(slots=False, eq=False, repr=False)
class InstanceObject(Resource):
    """Subclasses define their identity field first (``name``; ``login`` for users)."""

    # No custom fields (users excepted): the creation identity in the record proves it ours.
    holds_mark: ClassVar[bool] = False

    extra_settings: dict[str, Any] = prop(
        read=read_extra_settings,
        write=write_extra_settings,
        described=True,
        factory=dict,
        validator=v.json_dict,
        doc="any other settings, merged into DSS's settings document (only these keys compared)",
    )
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return str(getattr(self, "name"))  # noqa: B009 - defined by every subclass

    @property
    def logical_name(self) -> str:
        return self.dss_name
