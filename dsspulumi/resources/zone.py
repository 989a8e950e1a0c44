"""``dss.FlowZone``: a named, coloured zone of a project's flow and the objects placed in it.

DSS generates the zone id (dss-rest-api.md §7), so the id is kept in the state and the zone
is addressed by it; zone names need not be unique. ``items`` moves the declared datasets and
recipes into the zone (out of whatever zone held them); an item no longer declared, and every
item when the zone is deleted, goes back to the default zone.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.resource import Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import project_ref
from dsspulumi.resources.dataset import Dataset, ManagedDataset
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import _RecipeBase

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _color(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not COLOR.match(value):
        v.fail(inst, attribute, f"must be a colour as '#RRGGBB' (got {value!r})")


def _items(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list):
        v.fail(inst, attribute, f"must be a list of datasets and recipes (got {value!r})")
    for item in value:
        if not isinstance(item, Dataset | ManagedDataset | _RecipeBase):
            v.fail(
                inst,
                attribute,
                f"must list datasets and recipes of the flow (got {type(item).__name__} {item!r})",
            )


def zone_ref(item: Any, project_key: str) -> dict[str, Any]:
    """A flow object as DSS names it in a zone: ``{objectId, objectType}``, with
    ``projectKey`` first for an object of another project (the client's own order)."""
    object_type = "RECIPE" if isinstance(item, _RecipeBase) else "DATASET"
    ref = {"objectId": item.name, "objectType": object_type}
    if item.project.key != project_key:
        return {"projectKey": item.project.key, **ref}
    return ref


@resource_type("dss:FlowZone")
class FlowZone(Resource):
    """A flow zone; ``name`` is its display name (free text), ``color`` '#RRGGBB'."""

    name: str = attrs.field(validator=v.name_string)
    project: Project = attrs.field(kw_only=True, validator=project_ref)
    color: str = attrs.field(kw_only=True, default="#2ab1ac", validator=_color)
    items: list[Any] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=_items
    )
    extra_settings: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.name

    @property
    def logical_name(self) -> str:
        return f"{self.project.key}.{self.name}"

    def validate(self) -> None:
        if "/" in self.name:
            raise ResourceValidationError(f"FlowZone '{self.name}': a zone name cannot contain '/'")
        refs = [zone_ref(i, self.project.key) for i in self.items]
        dupes = sorted({r["objectId"] for r in refs if refs.count(r) > 1})
        if dupes:
            raise ResourceValidationError(
                f"FlowZone '{self.name}': items listed twice: {', '.join(dupes)}"
            )

    def dependencies(self) -> list[Resource]:
        return [self.project, *self.items]

    def inputs(self) -> dict[str, Any]:
        return {
            "project": self.project.key,
            "name": self.name,
            "color": self.color,
            "items": [zone_ref(i, self.project.key) for i in self.items],
            "extra_settings": dict(self.extra_settings),
        }
