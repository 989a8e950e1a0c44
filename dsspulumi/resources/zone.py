"""``dss.FlowZone``: a named, coloured zone of a project's flow and the objects placed in it.

DSS generates the zone id (dss-rest-api.md §7), so the id is kept in the state and the zone
is addressed by it; zone names need not be unique. ``items`` moves the declared datasets,
managed folders and recipes into the zone (out of whatever zone held them); an item no
longer declared, and every item when the zone is deleted, goes back to the default zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Ref, lookup_ref
from dsspulumi.kinds.schema import (
    prop,
)
from dsspulumi.output import Output
from dsspulumi.resource import Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import (
    InProject,
    generated_id_outputs,
    project_prop,
)
from dsspulumi.resources.dataset import AnyDataset
from dsspulumi.resources.fields import extra_settings_prop
from dsspulumi.resources.folder import ManagedFolder
from dsspulumi.resources.project import Project
from dsspulumi.resources.recipe import _RecipeBase

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_COLOR = "#2ab1ac"


def _color(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not COLOR.match(value):
        v.fail(inst, attribute, f"must be a colour as '#RRGGBB' (got {value!r})")


def _items(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list):
        v.fail(inst, attribute, f"must be a list of datasets, folders and recipes (got {value!r})")
    for item in value:
        if not isinstance(item, AnyDataset | ManagedFolder | _RecipeBase):
            v.fail(
                inst,
                attribute,
                "must list datasets, managed folders and recipes of the flow (got "
                f"{type(item).__name__} {item!r})",
            )


def zone_ref(item: Any, project_key: str) -> dict[str, Any]:
    """A flow object as DSS names it in a zone: ``{objectId, objectType}``, with
    ``projectKey`` first for an object of another project (the client's own order)."""
    ref: dict[str, Any]
    if isinstance(item, ManagedFolder):  # a folder is named by its generated id
        ref = {"objectId": item.id, "objectType": "MANAGED_FOLDER"}
    else:
        object_type = "RECIPE" if isinstance(item, _RecipeBase) else "DATASET"
        ref = {"objectId": item.name, "objectType": object_type}
    if item.project.key != project_key:
        return {"projectKey": item.project.key, **ref}
    return ref


def _read_items(raw: Mapping[str, Any], declared: Any) -> list[Any]:
    """The declared items still in the zone (all of them, for an import)."""
    items = list(raw.get("items") or [])
    return items if declared is None else [r for r in declared if r in items]


def _item_args(refs: list[dict[str, Any]], inputs: Mapping[str, Any]) -> list[Ref]:
    """Import: each item as a reference (recipes and folders have no lookup: the stack must
    declare them)."""
    key = inputs["project"]
    out = []
    for ref in refs:
        full = f"{ref.get('projectKey') or key}.{ref['objectId']}"
        kind = {"RECIPE": "dss:Recipe", "MANAGED_FOLDER": "dss:ManagedFolder"}.get(
            str(ref.get("objectType")), "dss:Dataset"
        )
        out.append(lookup_ref(kind, full) if kind == "dss:Dataset" else Ref(kind, full, ""))
    return out


@resource_type("dss:FlowZone")
class FlowZone(InProject):
    """A flow zone; ``name`` is its display name (free text), ``color`` '#RRGGBB'."""

    holds_mark: ClassVar[bool] = False  # DSS has nowhere to keep a mark

    name: str = prop(positional=True, dss="name", validator=v.name_string)
    project: Project = project_prop()
    color: str = prop(dss="color", default=DEFAULT_COLOR, validator=_color)
    # Moved in and out by DSS's actions (the provider's); only the declared ones are compared.
    items: list[Any] = prop(
        writes=False,
        input_from="_item_refs",
        read=_read_items,
        to_arg=_item_args,
        factory=list,
        converter=v.to_list,
        validator=_items,
    )
    extra_settings: dict[str, Any] = extra_settings_prop(doc="")
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.name

    def validate(self) -> None:
        if "/" in self.name:
            raise ResourceValidationError(f"FlowZone '{self.name}': a zone name cannot contain '/'")
        seen: list[Any] = []
        for item in self.items:
            if any(item is other for other in seen):
                raise ResourceValidationError(
                    f"FlowZone '{self.name}': {item!r} is listed twice in items"
                )
            seen.append(item)

    @property
    def _item_refs(self) -> list[dict[str, Any]]:
        return [zone_ref(i, self.project.key) for i in self.items]

    @property
    def id(self) -> Output[str]:
        """The zone's id, generated by DSS: known after apply."""
        return Output.after_apply(self, "id")

    def dependencies(self) -> list[Resource]:
        return [self.project, *self.items]

    def import_outputs(self, import_id: str) -> dict[str, Any]:
        """DSS generates zone ids: ``import_id`` is that id (``ID`` or ``PROJECT.ID``)."""
        return generated_id_outputs(self, import_id)
