"""Instance (global) variables: the keys a stack declares, and only those.

DSS keeps one flat dict for the whole instance, saved whole. The stack manages exactly the
keys it declares: keys set by someone else are preserved on every write, a declared key
that someone else already set is a conflict (never taken over), and destroying the stack
removes only its keys. One per stack. Every DSS user can read these variables, so a
secret value is refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.kinds.schema import Compare, prop
from dsspulumi.provider import ADOPTING
from dsspulumi.resource import Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.secret_values import is_secret

NAME = "instance-variables"


@resource_type("dss:GlobalVariables")
class GlobalVariables(Resource):
    """``dss.GlobalVariables({"env": "prod", "max_rows": 1000})``."""

    holds_mark: ClassVar[bool] = False  # DSS has nowhere to keep a mark

    # The whole instance dict, managed key by key (its provider checks a new key is free and
    # presents DSS's dict to the schema as the document ``{"variables": ...}``).
    variables: dict[str, Any] = prop(
        positional=True, dss="variables", compare=Compare.KEYS, validator=v.json_dict
    )
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    def validate(self) -> None:
        if not self.variables:
            raise ResourceValidationError("GlobalVariables() declares no variable")
        for key, value in self.variables.items():
            if not key.strip():
                raise ResourceValidationError("GlobalVariables(): a variable name is empty")
            if is_secret(value):
                raise ResourceValidationError(
                    f"GlobalVariables(): '{key}' is a secret, but every DSS user can read "
                    "instance variables; keep secrets in connections or user secrets"
                )

    @property
    def dss_name(self) -> str:
        return NAME

    def import_outputs(self, import_id: str) -> dict[str, Any]:
        super().import_outputs(import_id)
        return {ADOPTING: True}  # DSS keeps no mark on them: read them for adoption
