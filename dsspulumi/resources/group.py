"""Groups of DSS users (instance-level, admin API key), with their capabilities as typed
booleans. DSS takes only name, description and source type at creation, so the provider
sets the capabilities with a second call (GET → PUT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.importer import Call
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.instance import InstanceObject

SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS")

#: Python argument -> DSS field, in DSS's order (dss-rest-api.md §9.2).
FLAGS = {
    "admin": "admin",
    "may_create_projects": "mayCreateProjects",
    "may_create_projects_from_macros": "mayCreateProjectsFromMacros",
    "may_create_projects_from_templates": "mayCreateProjectsFromTemplates",
    "may_create_projects_from_dataiku_apps": "mayCreateProjectsFromDataikuApps",
    "may_create_authenticated_connections": "mayCreateAuthenticatedConnections",
    "may_create_code_envs": "mayCreateCodeEnvs",
    "may_manage_code_envs": "mayManageCodeEnvs",
    "may_create_clusters": "mayCreateClusters",
    "may_manage_clusters": "mayManageClusters",
    "may_develop_plugins": "mayDevelopPlugins",
    "may_edit_lib_folders": "mayEditLibFolders",
    "may_manage_udm": "mayManageUDM",
    "may_view_indexed_hive_connections": "mayViewIndexedHiveConnections",
    "may_write_safe_code": "mayWriteSafeCode",
    "may_write_unsafe_code": "mayWriteUnsafeCode",
    "may_write_in_root_project_folder": "mayWriteInRootProjectFolder",
    "may_create_active_web_content": "mayCreateActiveWebContent",
    "may_create_published_api_services": "mayCreatePublishedAPIServices",
    "may_create_published_projects": "mayCreatePublishedProjects",
}


def instance_name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A user login or group name: non-empty, no '/' (it is a URL segment)."""
    if not isinstance(value, str) or not value.strip() or "/" in value:
        v.fail(inst, attribute, f"is not a valid name: {value!r} (non-empty, no '/')")


def _source_type(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in SOURCE_TYPES:
        v.fail(inst, attribute, f"must be one of {', '.join(SOURCE_TYPES)} (got {value!r})")


def _flag() -> Any:
    return attrs.field(kw_only=True, default=False, validator=v.of_type(bool))


@resource_type("dss:Group")
class Group(InstanceObject):
    """A DSS group; ``admin`` and every ``may_*`` capability are booleans (default False)."""

    name: str = attrs.field(validator=instance_name)
    description: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    source_type: str = attrs.field(kw_only=True, default="LOCAL", validator=_source_type)
    admin: bool = _flag()
    may_create_projects: bool = _flag()
    may_create_projects_from_macros: bool = _flag()
    may_create_projects_from_templates: bool = _flag()
    may_create_projects_from_dataiku_apps: bool = _flag()
    may_create_authenticated_connections: bool = _flag()
    may_create_code_envs: bool = _flag()
    may_manage_code_envs: bool = _flag()
    may_create_clusters: bool = _flag()
    may_manage_clusters: bool = _flag()
    may_develop_plugins: bool = _flag()
    may_edit_lib_folders: bool = _flag()
    may_manage_udm: bool = _flag()
    may_view_indexed_hive_connections: bool = _flag()
    may_write_safe_code: bool = _flag()
    may_write_unsafe_code: bool = _flag()
    may_write_in_root_project_folder: bool = _flag()
    may_create_active_web_content: bool = _flag()
    may_create_published_api_services: bool = _flag()
    may_create_published_projects: bool = _flag()

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        kwargs: dict[str, Any] = {flag: True for flag in FLAGS if inputs.get(flag)}
        if inputs.get("description") is not None:
            kwargs["description"] = inputs["description"]
        if inputs.get("source_type", "LOCAL") != "LOCAL":
            kwargs["source_type"] = inputs["source_type"]
        return Call("Group", (inputs["name"],), kwargs)

    def inputs(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source_type": self.source_type,
            **{flag: getattr(self, flag) for flag in FLAGS},
            "extra_settings": dict(self.extra_settings),
        }


def group_list(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """Group names or ``dss.Group`` objects (which make edges)."""
    if not isinstance(value, list) or not all(
        isinstance(g, Group) or (isinstance(g, str) and g.strip() and "/" not in g) for g in value
    ):
        v.fail(inst, attribute, f"must be a list of group names or dss.Group (got {value!r})")
    names = group_names(value)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        v.fail(inst, attribute, f"names a group twice: {', '.join(dupes)}")


def group_names(groups: list[Any]) -> list[str]:
    return [g.name if isinstance(g, Group) else g for g in groups]
