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
from dsspulumi.importer import SecretValue
from dsspulumi.kinds.documents import pick_paths
from dsspulumi.kinds.schema import Compare, prop
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


def _plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params recorded as they are: the secret ones are recorded as digests instead."""
    return {k: val for k, val in params.items() if not is_secret(val)}


def _params_arg(value: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Import: a credential-looking param becomes a secret config placeholder (DSS gives
    back its encrypted token, which is sent back unchanged if the placeholder is kept)."""
    name = inputs["name"]
    return {
        k: SecretValue(f"{name}_{k}", val)
        if SECRET_NAME.search(k) and isinstance(val, str) and val
        else val
        for k, val in value.items()
    }


def _read_params(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    """The declared params as DSS holds them; for an import, every param (secrets as DSS's
    encrypted tokens)."""
    params = raw.get("params") or {}
    return dict(params) if declared is None else pick_paths(params, declared)


def _read_secret_params(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    """Never read back (DSS returns them encrypted): the declared ones, if still set."""
    params = raw.get("params") or {}
    return {k: ("(set)" if params.get(k) else None) for k in declared or {}}


def _write_params(raw: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    """Plain and secret params together: a param no longer declared (in either) is removed,
    and the secret ones are the plaintext the engine hands for this run's declaration."""
    params = raw.setdefault("params", {})
    managed = {*new["params"], *new["secret_params"]}
    for key in {*(old.get("params") or {}), *(old.get("secret_params") or {})}:
        if key not in managed:
            params.pop(key, None)
    params.update(new["params"])
    params.update(new["secret_params"])


@resource_type("dss:Connection", replace_on=("type",))
class Connection(InstanceObject):
    """An instance-level DSS connection (needs an admin API key).

    ``params`` is DSS's ``params`` document for the connection type; a value that is a
    secret (``cfg.require_secret(...)``) is sent to DSS and recorded only as a digest. A
    credential-looking parameter (``password``, ``secret``, ``token``…) given as a plain
    string is refused. Changing ``type`` replaces the connection.
    """

    name: str = prop(positional=True, validator=_connection_name)  # its address
    # Required; None only so that a bare ``dss.Connection("c")`` can point at ``.get``. Set at
    # creation only: changing it replaces the connection.
    type: str | None = prop(
        dss="type", writes=False, default=None, validator=v.of_type(str, optional=True)
    )
    params: dict[str, Any] = prop(
        dss="params",
        to_input=_plain_params,
        to_arg=_params_arg,
        read=_read_params,
        write=_write_params,
        write_whole=True,
        factory=dict,
        validator=v.json_dict,
        doc="DSS's params document of the connection type; secret values from secret config",
    )
    # The digests of the secret params, made at construction (inside the program run); written
    # with ``params`` (its write sees both).
    secret_params: dict[str, Any] = prop(
        compare=Compare.SECRET,
        writes=False,
        read=_read_secret_params,
        to_arg=lambda value, inputs: {},  # declared through params=
        init=False,
        factory=dict,
        repr=False,
    )
    allowed_groups: list[str | Group] = prop(
        dss="allowedGroups",
        empty=[],
        to_input=group_names,
        factory=list,
        converter=v.to_list,
        validator=group_list,
    )
    usable_by: str = prop(dss="usableBy", empty="ALLOWED", default="ALLOWED", validator=_usable_by)
    description: str | None = prop(
        dss="description", empty="", clear="", default=None, validator=v.of_type(str, optional=True)
    )

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
        self.secret_params = secret

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


def connection_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A connection name, or a ``dss.Connection`` (declared or ``.get(...)``)."""
    if isinstance(value, Connection):
        return
    v.name_string(inst, attribute, value)


def connection_name(value: Any) -> Any:
    """What state and DSS hold for a connection argument: its name."""
    return value.name if isinstance(value, Connection) else value
