"""DSS users (instance-level, admin API key).

No password is ever kept: a LOCAL user may get one from secret config (``password=
cfg.require_secret(...)``); DSS never gives it back, so the state records a keyed digest
and a changed digest sets the password again. ``groups`` takes names or ``dss.Group``
objects (each makes an edge: the group is created first and deleted last).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call
from dsspulumi.resource import Resource, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.group import Group, group_list, group_names, instance_name
from dsspulumi.resources.instance import InstanceObject
from dsspulumi.resources.secret_values import secret_digest

SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS", "LOCAL_NO_AUTH", "PAM")


def _source_type(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in SOURCE_TYPES:
        v.fail(inst, attribute, f"must be one of {', '.join(SOURCE_TYPES)} (got {value!r})")


def _profile(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not value.replace("_", "").isalnum() or not value.isupper():
        v.fail(
            inst, attribute, f"must be a DSS user profile such as 'DATA_SCIENTIST' (got {value!r})"
        )


@resource_type("dss:User")
class User(InstanceObject):
    """A DSS user, identified by its login."""

    holds_mark: ClassVar[bool] = True  # its adminProperties keep the mark

    login: str = attrs.field(validator=instance_name)
    display_name: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    email: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    groups: list[str | Group] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=group_list
    )
    source_type: str = attrs.field(kw_only=True, default="LOCAL", validator=_source_type)
    profile: str = attrs.field(kw_only=True, default="DATA_SCIENTIST", validator=_profile)
    enabled: bool = attrs.field(kw_only=True, default=True, validator=v.of_type(bool))
    password: Any = attrs.field(kw_only=True, default=None, repr=False)
    _password_digest: Any = attrs.field(init=False, default=None, repr=False)

    def validate(self) -> None:
        if self.password is None:
            return
        if self.source_type != "LOCAL":
            raise ResourceValidationError(
                f"User '{self.login}': only a LOCAL user has a DSS password (this one is "
                f"{self.source_type}); remove password="
            )
        self._password_digest = secret_digest(
            f"User '{self.login}': 'password'", f"dss:User/{self.login}/password", self.password
        )
        for key in ("password", "login", "groups", "adminProperties"):
            if key in self.extra_settings:
                raise ResourceValidationError(
                    f"User '{self.login}': extra_settings cannot set '{key}' (use the typed "
                    "arguments)"
                )

    @property
    def dss_name(self) -> str:
        return self.login

    def dependencies(self) -> list[Resource]:
        return [g for g in self.groups if isinstance(g, Group)]

    def instance_names(self) -> list[tuple[str, str]]:
        return [(Group.type_token, g) for g in group_names(self.groups)]

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        kwargs: dict[str, Any] = {
            k: inputs[k] for k in ("display_name", "email") if inputs.get(k) is not None
        }
        if inputs.get("groups"):
            kwargs["groups"] = list(inputs["groups"])
        defaults = {"source_type": "LOCAL", "profile": "DATA_SCIENTIST", "enabled": True}
        kwargs.update({k: inputs[k] for k, d in defaults.items() if inputs.get(k, d) != d})
        return Call("User", (inputs["login"],), kwargs)

    def inputs(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "display_name": self.display_name,
            "email": self.email,
            "groups": group_names(self.groups),
            "source_type": self.source_type,
            "profile": self.profile,
            "enabled": self.enabled,
            "password": self._password_digest,
            "extra_settings": dict(self.extra_settings),
        }
