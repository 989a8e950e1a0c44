"""What every object of the DSS instance itself shares (connections, groups, users, code
envs): no project, its name is its whole identity, and the ``extra_settings`` escape hatch."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from dsspulumi.resource import Resource, ResourceOptions
from dsspulumi.resources.fields import extra_settings_prop


@attrs.define(slots=False, eq=False, repr=False)
class InstanceObject(Resource):
    """Subclasses define their identity field first (``name``; ``login`` for users)."""

    # No custom fields (users excepted): the creation identity in the record proves it ours.
    holds_mark: ClassVar[bool] = False

    extra_settings: dict[str, Any] = extra_settings_prop()
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return str(getattr(self, "name"))  # noqa: B009 - defined by every subclass
