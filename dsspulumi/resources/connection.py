"""Connections: declared and managed (``dss.Connection``), or read (``dss.Connection.get``).

A stack names the connection its datasets live on; a declared connection, or a
``dss.Connection.get(name)`` reference to an existing one, makes that an edge of the graph
(checked against DSS at ``up`` for a reference), so a typo is an error before anything is
created rather than a half-applied run.

Secret parameters (passwords) come from secret config. DSS gives them back encrypted, so
they cannot be compared with what DSS holds: the state records a keyed digest of the
declared value (``secrets.digest``), and a changed digest is an update that sets it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call, SecretValue
from dsspulumi.resource import Resource, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.group import Group, group_list, group_names
from dsspulumi.resources.instance import InstanceObject
from dsspulumi.resources.secret_values import SECRET_NAME, is_secret, secret_digest

USABLE_BY = ("ALL", "ALLOWED")


def _connection_name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not value.strip() or "/" in value or "." in value:
        v.fail(inst, attribute, f"is not a valid connection name: {value!r} (no '/' or '.')")


def _usable_by(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in USABLE_BY:
        v.fail(inst, attribute, f"must be one of {', '.join(USABLE_BY)} (got {value!r})")


@resource_type("dss:Connection", replace_on=("type",))
class Connection(InstanceObject):
    """An instance-level DSS connection (needs an admin API key).

    ``params`` is DSS's ``params`` document for the connection type; a value that is a
    secret (``cfg.require_secret(...)``) is sent to DSS and recorded only as a digest. A
    credential-looking parameter (``password``, ``secret``, ``token``…) given as a plain
    string is refused. Changing ``type`` replaces the connection.
    """

    name: str = attrs.field(validator=_connection_name)
    # Required; None only so that a bare ``dss.Connection("c")`` can point at ``.get``.
    type: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    params: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    allowed_groups: list[str | Group] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=group_list
    )
    usable_by: str = attrs.field(kw_only=True, default="ALLOWED", validator=_usable_by)
    description: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    # The digests of the secret params, made at construction (inside the program run).
    _secret_params: dict[str, Any] = attrs.field(init=False, factory=dict, repr=False)

    def validate(self) -> None:
        if not self.type or not self.type.strip():
            raise ResourceValidationError(
                f"Connection('{self.name}') needs type= (e.g. 'PostgreSQL') to be created and "
                f"managed by this stack; to use an existing connection, use "
                f"dss.Connection.get('{self.name}')"
            )
        secret: dict[str, Any] = {}
        for key, value in self.params.items():
            if is_secret(value):
                secret[key] = secret_digest(
                    f"Connection '{self.name}': params['{key}']",
                    f"dss:Connection/{self.name}/params/{key}",
                    value,
                )
            elif SECRET_NAME.search(key) and isinstance(value, str) and value:
                raise ResourceValidationError(
                    f"Connection '{self.name}': params['{key}'] looks like a credential but is "
                    f"a plain string; pass it from secret config: params={{'{key}': "
                    f"cfg.require_secret('{self.name}_{key}')}} after `dss config set STACK "
                    f"{self.name}_{key} VALUE --secret`"
                )
        if "params" in self.extra_settings:
            raise ResourceValidationError(
                f"Connection '{self.name}': set connection parameters with params=, not "
                "extra_settings['params']"
            )
        self._secret_params = secret

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        name = inputs["name"]
        params = {
            k: SecretValue(f"{name}_{k}", val)
            if SECRET_NAME.search(k) and isinstance(val, str) and val
            else val
            for k, val in (inputs.get("params") or {}).items()
        }
        kwargs: dict[str, Any] = {"type": inputs["type"]}
        if params:
            kwargs["params"] = params
        if inputs.get("allowed_groups"):
            kwargs["allowed_groups"] = list(inputs["allowed_groups"])
        if inputs.get("usable_by", "ALLOWED") != "ALLOWED":
            kwargs["usable_by"] = inputs["usable_by"]
        if inputs.get("description") is not None:
            kwargs["description"] = inputs["description"]
        return Call("Connection", (name,), kwargs)

    @classmethod
    def get(cls, name: str) -> Connection:
        """A read-only reference to an existing connection of the DSS instance."""
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise ResourceValidationError(
                f"Connection.get({name!r}): a connection name is a non-empty string without '/'"
            )
        return cls._lookup(name, name=name)

    def dependencies(self) -> list[Resource]:
        return [g for g in self.allowed_groups if isinstance(g, Group)]

    def lookup_inputs(self) -> dict[str, Any]:
        return {"name": self.name}

    def instance_names(self) -> list[tuple[str, str]]:
        return [(Group.type_token, g) for g in group_names(self.allowed_groups)]

    def inputs(self) -> dict[str, Any]:
        secret = self._secret_params
        return {
            "name": self.name,
            "type": self.type,
            "params": {k: val for k, val in self.params.items() if k not in secret},
            "secret_params": dict(secret),
            "allowed_groups": group_names(self.allowed_groups),
            "usable_by": self.usable_by,
            "description": self.description,
            "extra_settings": dict(self.extra_settings),
        }


def connection_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A connection name, or a ``dss.Connection`` (declared or ``.get(...)``)."""
    if isinstance(value, Connection):
        return
    v.name_string(inst, attribute, value)


def connection_name(value: Any) -> Any:
    """What state and DSS hold for a connection argument: its name."""
    return value.name if isinstance(value, Connection) else value
