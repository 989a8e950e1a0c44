"""``dss.Project``: the root of every DSS object a stack declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.kinds.schema import prop
from dsspulumi.resource import Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.fields import tags_prop


@resource_type("dss:Project")
class Project(Resource):
    """A DSS project; ``key`` is its identity (changing it means another project)."""

    key: str = prop(positional=True, validator=v.project_key)  # its address
    # The project's metadata document: the display name is its ``label``.
    name: str = prop(dss="label", validator=v.name_string)
    description: str | None = prop(
        dss="description", empty="", clear="", default=None, validator=v.of_type(str, optional=True)
    )
    tags: list[str] = tags_prop()
    # Merged into the other document, the project *settings* (code envs, containers, …): read
    # and written by the provider, only when declared (records from before it stay equal).
    extra_settings: dict[str, Any] = prop(
        omit_default=True,
        factory=dict,
        validator=v.json_dict,
        doc="merged into the project's settings document (code envs, containers, …)",
    )
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.key

    @classmethod
    def get(cls, key: str) -> Project:
        """A read-only reference to an existing project the stack does not manage.

        Usable wherever a project is expected; never created, changed or deleted. ``up``
        (and ``preview --refresh``) checks that it exists before changing anything.
        """
        if not isinstance(key, str) or not v.PROJECT_KEY.match(key):
            raise ResourceValidationError(
                f"Project.get({key!r}): not a valid DSS project key (uppercase letters, digits "
                "and underscores, starting with a letter)"
            )
        return cls._lookup(key, key=key)

    def lookup_inputs(self) -> dict[str, Any]:
        return {"key": self.key}

    def instance_names(self) -> list[tuple[str, str]]:
        """The code envs its ``extra_settings`` select (``settings.codeEnvs.<lang>``)."""
        from dsspulumi.resources.code_env import explicit_env

        settings = self.extra_settings.get("settings")
        envs = settings.get("codeEnvs") if isinstance(settings, Mapping) else None
        if not isinstance(envs, Mapping):
            return []
        names = (explicit_env(sel, mode_key="mode") for sel in envs.values())
        return [("dss:CodeEnv", name) for name in names if name is not None]
