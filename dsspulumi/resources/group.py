"""Groups of DSS users (instance-level, admin API key), with their capabilities as typed
booleans, each declared with the DSS field it is (the kind's schema)."""

from __future__ import annotations

from typing import Any

import attrs

from dsspulumi.kinds.schema import prop
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.instance import InstanceObject

SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS")


def instance_name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A user login or group name: non-empty, no '/' (it is a URL segment)."""
    if not isinstance(value, str) or not value.strip() or "/" in value:
        v.fail(inst, attribute, f"is not a valid name: {value!r} (non-empty, no '/')")


def _source_type(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in SOURCE_TYPES:
        v.fail(inst, attribute, f"must be one of {', '.join(SOURCE_TYPES)} (got {value!r})")


def _flag(field: str) -> Any:
    return prop(dss=field, empty=False, default=False, validator=v.of_type(bool))


@resource_type("dss:Group")
class Group(InstanceObject):
    """A DSS group; ``admin`` and every ``may_*`` capability are booleans (default False).

    DSS takes only name, description and source type at creation: the provider sets the
    capabilities with a second call (GET → PUT), in DSS's order (dss-rest-api.md §9.2).
    """

    name: str = prop(positional=True, validator=instance_name)  # its address
    description: str | None = prop(
        dss="description", empty="", clear="", default=None, validator=v.of_type(str, optional=True)
    )
    source_type: str = prop(
        dss="sourceType", empty="LOCAL", default="LOCAL", validator=_source_type
    )
    admin: bool = _flag("admin")
    may_create_projects: bool = _flag("mayCreateProjects")
    may_create_projects_from_macros: bool = _flag("mayCreateProjectsFromMacros")
    may_create_projects_from_templates: bool = _flag("mayCreateProjectsFromTemplates")
    may_create_projects_from_dataiku_apps: bool = _flag("mayCreateProjectsFromDataikuApps")
    may_create_authenticated_connections: bool = _flag("mayCreateAuthenticatedConnections")
    may_create_code_envs: bool = _flag("mayCreateCodeEnvs")
    may_manage_code_envs: bool = _flag("mayManageCodeEnvs")
    may_create_clusters: bool = _flag("mayCreateClusters")
    may_manage_clusters: bool = _flag("mayManageClusters")
    may_develop_plugins: bool = _flag("mayDevelopPlugins")
    may_edit_lib_folders: bool = _flag("mayEditLibFolders")
    may_manage_udm: bool = _flag("mayManageUDM")
    may_view_indexed_hive_connections: bool = _flag("mayViewIndexedHiveConnections")
    may_write_safe_code: bool = _flag("mayWriteSafeCode")
    may_write_unsafe_code: bool = _flag("mayWriteUnsafeCode")
    may_write_in_root_project_folder: bool = _flag("mayWriteInRootProjectFolder")
    may_create_active_web_content: bool = _flag("mayCreateActiveWebContent")
    may_create_published_api_services: bool = _flag("mayCreatePublishedAPIServices")
    may_create_published_projects: bool = _flag("mayCreatePublishedProjects")


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
