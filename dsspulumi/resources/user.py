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
from dsspulumi.kinds.schema import Compare, prop
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


def _password_view(raw: Mapping[str, Any], declared: Any) -> Any:
    """Never read back: the engine keeps the declared digest (none for an import)."""
    return "(set)" if declared else None


def _password_write(raw: dict[str, Any], new: Any, old: Any) -> None:
    """Sent whenever its digest changed: the engine then hands the plaintext."""
    if isinstance(new, str) and new:
        raw["password"] = new


@resource_type("dss:User")
class User(InstanceObject):
    """A DSS user, identified by its login."""

    holds_mark: ClassVar[bool] = True
    mark_root: ClassVar[str] = "adminProperties"  # the one instance kind with custom fields

    login: str = prop(positional=True, validator=instance_name)  # its address
    display_name: str | None = prop(
        dss="displayName", empty="", clear="", default=None, validator=v.of_type(str, optional=True)
    )
    email: str | None = prop(
        dss="email", empty="", clear="", default=None, validator=v.of_type(str, optional=True)
    )
    groups: list[str | Group] = prop(
        dss="groups", to_input=group_names, factory=list, converter=v.to_list, validator=group_list
    )
    source_type: str = prop(
        dss="sourceType", empty="LOCAL", default="LOCAL", validator=_source_type
    )
    profile: str = prop(dss="userProfile", default="DATA_SCIENTIST", validator=_profile)
    enabled: bool = prop(dss="enabled", empty=True, default=True, validator=v.of_type(bool))
    # Write-only in DSS: its input is the digest of the secret (``validate``), never read back.
    password: Any = prop(
        compare=Compare.SECRET,
        input_from="_password_digest",
        read=_password_view,
        write=_password_write,
        default=None,
        repr=False,
    )
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
