"""``dss.Project``: the root of every DSS object a stack declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call
from dsspulumi.resource import Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v


@resource_type("dss:Project")
class Project(Resource):
    """A DSS project; ``key`` is its identity (changing it means another project)."""

    key: str = attrs.field(validator=v.project_key)
    name: str = attrs.field(kw_only=True, validator=v.name_string)
    description: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    tags: list[str] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=v.str_list
    )
    # Merged into the project *settings* document (code envs, containers, …).
    extra_settings: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.key

    @property
    def logical_name(self) -> str:
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

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        kwargs: dict[str, Any] = {"name": inputs["name"]}
        if inputs.get("description") is not None:
            kwargs["description"] = inputs["description"]
        if inputs.get("tags"):
            kwargs["tags"] = list(inputs["tags"])
        return Call("Project", (inputs["key"],), kwargs)

    def inputs(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
            # Only when declared: records written before the option existed stay equal.
            **({"extra_settings": dict(self.extra_settings)} if self.extra_settings else {}),
        }
