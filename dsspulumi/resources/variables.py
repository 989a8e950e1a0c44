"""``dss.ProjectVariables``: the variables of a project the stack manages, key by key.

DSS keeps a project's variables in one document with two parts, ``standard`` (travels with
bundles) and ``local`` (stays on the instance) (dss-rest-api.md §2.1). A stack manages exactly
the keys it declares: keys set by someone else are kept (and a later refresh shows a change
to a declared key as drift); removing the resource removes only the declared keys.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dsspulumi.kinds.schema import Compare, prop
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectPart


@resource_type("dss:ProjectVariables")
class ProjectVariables(ProjectPart):
    """The declared variables of one project: ``standard={...}`` and ``local={...}``.

    Values are any JSON data (strings, numbers, booleans, lists, dicts). One per project.
    """

    part: ClassVar[str] = "variables"

    # The two parts of DSS's variables document, each managed key by key.
    standard: dict[str, Any] = prop(
        dss="standard", compare=Compare.KEYS, factory=dict, validator=v.json_dict
    )
    local: dict[str, Any] = prop(
        dss="local", compare=Compare.KEYS, factory=dict, validator=v.json_dict
    )
