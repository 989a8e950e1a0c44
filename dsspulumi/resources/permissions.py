"""``dss.ProjectPermissions``: which groups may do what in a project, and its owner.

DSS keeps a project's grants in one document, ``{owner, permissions: [{group, <flag>:
bool...}]}`` (``GET``/``PUT /projects/{key}/permissions``). A stack manages the groups it
declares, each with every DSS permission flag written (a flag not given is False, except
``read_project_content``); grants to other groups or users, made by hand, are kept.
Removing the resource removes only the declared groups' grants. ``owner=None`` leaves the
owner alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call
from dsspulumi.kinds.schema import Compare, prop
from dsspulumi.resource import Resource, _translate_init_errors, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectPart
from dsspulumi.resources.group import Group
from dsspulumi.resources.user import User

#: Attribute name -> DSS flag, in DSS's order. The list is the one DSS admin tools and
#: third-party providers use (dss-rest-api.md §2 lists the first two as verified).
FLAGS = {
    "admin": "admin",
    "read_project_content": "readProjectContent",
    "write_project_content": "writeProjectContent",
    "export_datasets_data": "exportDatasetsData",
    "read_dashboards": "readDashboards",
    "write_dashboards": "writeDashboards",
    "moderate_dashboards": "moderateDashboards",
    "run_scenarios": "runScenarios",
    "manage_dashboard_authorizations": "manageDashboardAuthorizations",
    "manage_exposed_elements": "manageExposedElements",
    "manage_additional_dashboard_users": "manageAdditionalDashboardUsers",
    "execute_app": "executeApp",
    "share_to_workspaces": "shareToWorkspaces",
}


def _flag(default: bool = False) -> Any:
    return attrs.field(kw_only=True, default=default, validator=v.of_type(bool))


def _group(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, Group):
        v.name_string(inst, attribute, value)


@_translate_init_errors
@attrs.frozen
class GroupPermission:
    """What one group may do in the project; every DSS permission flag as a boolean.

    ``group`` is a group name, or a ``dss.Group`` of the stack (then created before the grant).
    """

    group: str | Group = attrs.field(validator=_group)
    admin: bool = _flag()
    read_project_content: bool = _flag(True)
    write_project_content: bool = _flag()
    export_datasets_data: bool = _flag()
    read_dashboards: bool = _flag()
    write_dashboards: bool = _flag()
    moderate_dashboards: bool = _flag()
    run_scenarios: bool = _flag()
    manage_dashboard_authorizations: bool = _flag()
    manage_exposed_elements: bool = _flag()
    manage_additional_dashboard_users: bool = _flag()
    execute_app: bool = _flag()
    share_to_workspaces: bool = _flag()

    @property
    def name(self) -> str:
        """The group's name (error messages name an object by ``name``)."""
        return self.group.name if isinstance(self.group, Group) else self.group

    def to_json(self) -> dict[str, Any]:
        return {"group": self.name, **{dss: getattr(self, a) for a, dss in FLAGS.items()}}


def _grants(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(p, GroupPermission) for p in value):
        v.fail(inst, attribute, f"must be a list of dss.GroupPermission (got {value!r})")


def _owner(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None:
        v.name_string(inst, attribute, value)


def _grant_calls(grants: list[dict[str, Any]], inputs: Mapping[str, Any]) -> list[Call]:
    """Import: each grant as the ``GroupPermission`` declaring it (defaults left out)."""
    defaults = {f.name: f.default for f in attrs.fields(GroupPermission) if f.name in FLAGS}
    return [
        Call(
            "GroupPermission",
            (p["group"],),
            {a: bool(p.get(d)) for a, d in FLAGS.items() if bool(p.get(d)) != defaults[a]},
        )
        for p in grants
    ]


def _read_owner(raw: Mapping[str, Any], declared: Any) -> Any:
    return None if declared is None else raw.get("owner")


@resource_type("dss:ProjectPermissions")
class ProjectPermissions(ProjectPart):
    """The grants of the declared groups in one project (one per project)."""

    part: ClassVar[str] = "permissions"

    # DSS's grants, managed group by group: other groups' and users' grants are kept.
    permissions: list[GroupPermission] = prop(
        dss="permissions",
        compare=Compare.KEYS,
        entry_key="group",
        empty=False,
        to_input=lambda grants: [p.to_json() for p in grants],
        to_arg=_grant_calls,
        factory=list,
        converter=v.to_list,
        validator=_grants,
    )
    # Written only when declared (DSS always has one); never imported (whoever creates the
    # project owns it).
    owner: str | None = prop(dss="owner", read=_read_owner, default=None, validator=_owner)

    def validate(self) -> None:
        super().validate()
        groups = [p.name for p in self.permissions]
        dupes = sorted({g for g in groups if groups.count(g) > 1})
        if dupes:
            raise ResourceValidationError(
                f"ProjectPermissions(project={self.project.key}): group(s) {', '.join(dupes)} "
                "listed more than once; give each group one dss.GroupPermission"
            )

    def dependencies(self) -> list[Resource]:
        return [
            *super().dependencies(),
            *(p.group for p in self.permissions if isinstance(p.group, Group)),
        ]

    def instance_names(self) -> list[tuple[str, str]]:
        owner = [(User.type_token, self.owner)] if self.owner is not None else []
        return [*((Group.type_token, p.name) for p in self.permissions), *owner]
