"""What every object inside a DSS project shares: name, description, tags, escape hatch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Ref, lookup_ref
from dsspulumi.kinds.schema import project_arg, prop
from dsspulumi.provider import ADOPTING
from dsspulumi.resource import Resource, ResourceOptions
from dsspulumi.resources import validators as v
from dsspulumi.resources.fields import extra_settings_prop, tags_prop
from dsspulumi.resources.project import Project


def project_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, Project):
        v.fail(inst, attribute, f"must be a dss.Project object (got {type(value).__name__})")


def project_prop() -> Any:
    """``project=`` of everything in a project: a ``dss.Project``, recorded by its key."""
    return prop(to_input=lambda p: p.key, to_arg=project_arg, validator=project_ref)


class InProject(Resource):
    """Identity of what lives in one project: its logical name is ``PROJECT.<dss_name>``
    (unique in the stack, since DSS names are unique in a project), and the project comes
    before it in the graph."""

    if TYPE_CHECKING:
        project: Project

    @property
    def logical_name(self) -> str:
        return f"{self.project.key}.{self.dss_name}"

    def dependencies(self) -> list[Resource]:
        return [self.project]


def generated_id_outputs(resource: Any, import_id: str) -> dict[str, Any]:
    """``import_outputs`` of a kind whose DSS id is generated (scenario, folder, zone): the id
    is ``ID`` or ``PROJECT.ID``, and becomes the ``id`` output the provider addresses it by."""
    key, _, ident = import_id.rpartition(".")
    if key and key != resource.project.key:
        raise ResourceValidationError(
            f"{type(resource).__name__} '{resource.dss_name}': import_id {import_id!r} names an "
            f"object of project {key}, not of {resource.project.key}"
        )
    return {"id": ident}


@attrs.define(slots=False, eq=False, repr=False)
class ProjectObject(InProject):
    """A dataset, recipe, … of a project: identified by project key + name."""

    # Renames are DSS actions (the provider's), and the project is the object's address.
    name: str = prop(positional=True, dss="name", writes=False, validator=v.object_name)
    project: Project = project_prop()
    description: str | None = prop(
        dss="description",
        empty="",
        clear="",
        described=True,
        default=None,
        validator=v.of_type(str, optional=True),
    )
    tags: list[str] = tags_prop(described=True)
    extra_settings: dict[str, Any] = extra_settings_prop()
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.name

    @staticmethod
    def described_kwargs(inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Import: the constructor arguments of ``described`` (only those not at default)."""
        kwargs: dict[str, Any] = {}
        if inputs.get("description") is not None:
            kwargs["description"] = inputs["description"]
        if inputs.get("tags"):
            kwargs["tags"] = list(inputs["tags"])
        if inputs.get("extra_settings"):
            kwargs["extra_settings"] = dict(inputs["extra_settings"])
        return kwargs

    @staticmethod
    def project_ref(key: str) -> Ref:
        return lookup_ref("dss:Project", key)

    def described(self) -> dict[str, Any]:
        """The inputs every project object has (merged into each type's own)."""
        return {
            "description": self.description,
            "tags": list(self.tags),
            "extra_settings": dict(self.extra_settings),
        }


@attrs.define(slots=False, eq=False, repr=False)
class ProjectPart(InProject):
    """A part of a project's own settings (its variables, its permissions): one per project.

    It has no name of its own: the project is its identity, so a second one for the same
    project is a program error that says so (rather than two declarations fighting).
    """

    part: ClassVar[str] = ""  # what it is of the project: "variables", "permissions"
    holds_mark: ClassVar[bool] = False  # a part of the project: its record proves it ours

    project: Project = project_prop()
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    def import_outputs(self, import_id: str) -> dict[str, Any]:
        """DSS keeps no mark on a project's variables or permissions: their provider reads
        them for adoption when told so (``provider.ADOPTING``)."""
        super().import_outputs(import_id)
        return {ADOPTING: True}

    @property
    def dss_name(self) -> str:
        return self.part

    def validate(self) -> None:
        from dsspulumi import program_context

        if self.project.is_lookup:
            # Its variables and grants are part of the project itself, which this stack only
            # reads: changing them would change an object the stack did not create.
            raise ResourceValidationError(
                f"{type(self).__name__}(project=Project.get('{self.project.key}')): the stack "
                f"only reads project {self.project.key}, so it cannot manage its {self.part}; "
                "declare the project with dss.Project(...) in this stack to manage them"
            )
        other = program_context.find(self.type_token, self.logical_name)
        if other is not None:
            where = program_context.format_location(other.source)
            raise ResourceValidationError(
                f"{type(self).__name__}(project={self.project.key}) is declared twice (first "
                f"at {where}): a project has one {type(self).__name__}; declare all its entries "
                "in one"
            )
