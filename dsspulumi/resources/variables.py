"""``dss.ProjectVariables``: the variables of a project the stack manages, key by key.

DSS keeps a project's variables in one document with two parts, ``standard`` (travels with
bundles) and ``local`` (stays on the instance) (dss-rest-api.md §2.1). A stack manages exactly
the keys it declares: keys set by someone else are kept (and a later refresh shows a change
to a declared key as drift); removing the resource removes only the declared keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.importer import Call, lookup_ref
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectPart


@resource_type("dss:ProjectVariables")
class ProjectVariables(ProjectPart):
    """The declared variables of one project: ``standard={...}`` and ``local={...}``.

    Values are any JSON data (strings, numbers, booleans, lists, dicts). One per project.
    """

    part: ClassVar[str] = "variables"

    standard: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    local: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        kwargs: dict[str, Any] = {"project": lookup_ref("dss:Project", inputs["project"])}
        kwargs.update({part: dict(inputs[part]) for part in ("standard", "local") if inputs[part]})
        return Call("ProjectVariables", (), kwargs)

    def inputs(self) -> dict[str, Any]:
        return {
            "project": self.project.key,
            "standard": dict(self.standard),
            "local": dict(self.local),
        }
