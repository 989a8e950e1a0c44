"""Users (instance-level, ``/admin/users/``, and the non-admin ``/users/`` views).

Rows: kind ``user``, project ``""``, id = login. Seeded: ``admin`` (group
``administrators``) and ``sandbox_user`` (group ``data_team``), the owners of the
sandbox's two API keys. A password is write-only: kept as a salted hash under ``_pwd`` and
never returned.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.documents import new_instance_name
from dsspulumi.sandbox.errors import (
    ADMIN_LOGIN,
    USER_LOGIN,
    USERS_GROUP,
    invalid,
    not_found,
    optional_object,
    optional_str,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import GROUP, group_exists
from dsspulumi.sandbox.routes import Request, Route, collection
from dsspulumi.sandbox.store import Tx

KIND = "user"
SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS", "LOCAL_NO_AUTH", "PAM")
_HIDDEN = "_pwd"


def _hash_password(password: str) -> str:
    salt = os.urandom(8)
    return salt.hex() + ":" + hashlib.sha256(salt + password.encode()).hexdigest()


def password_matches(user: dict[str, Any], password: str) -> bool:
    """For tests: whether ``password`` is the user's (nothing else ever reads it)."""
    stored = user.get(_HIDDEN)
    if not isinstance(stored, str):
        return False
    salt, _, digest = stored.partition(":")
    return hashlib.sha256(bytes.fromhex(salt) + password.encode()).hexdigest() == digest


def _new_user(
    tx: Tx, login: str, display: str, groups: list[str], profile: str, source: str
) -> dict[str, Any]:
    return {
        "login": login,
        "displayName": display,
        "email": "",
        "groups": groups,
        "userProfile": profile,
        "enabled": True,
        "sourceType": source,
        "adminProperties": {},
        "userProperties": {},
        "secrets": [],
        "credentials": {},
        "preferences": {},
        "creationDate": int(tx.store.clock() * 1000),
        "creationTag": tx.tag(),
        "trialStatus": {"exists": False},
    }


def seed(tx: Tx) -> None:
    tx.put(
        KIND,
        "",
        ADMIN_LOGIN,
        _new_user(tx, ADMIN_LOGIN, "Administrator", ["administrators"], "DESIGNER", "LOCAL"),
    )
    tx.put(
        KIND,
        "",
        USER_LOGIN,
        _new_user(tx, USER_LOGIN, "Sandbox user", [USERS_GROUP], "DATA_SCIENTIST", "LOCAL"),
    )


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k != _HIDDEN}


def lookup(tx: Tx, login: str) -> dict[str, Any]:
    user = tx.get(KIND, "", login)
    if user is None:
        raise not_found("user", login)
    return user


def leave_group(tx: Tx, _project: str, group_name: str) -> None:
    """A deleted group's members lose it (simulator convention)."""
    for user in tx.docs(KIND, ""):
        if group_name in user.get("groups", []):
            user["groups"] = [g for g in user["groups"] if g != group_name]
            tx.put(KIND, "", user["login"], user)


hooks.on_delete(GROUP, leave_group)


def _groups(tx: Tx, value: Any) -> list[str]:
    groups = string_list(value, "groups")
    for name in groups:
        if not group_exists(tx, name):
            raise invalid(f"Group {name} does not exist")
    return groups


def _profile(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"Invalid userProfile '{value}'")
    return value


def list_users(tx: Tx, req: Request) -> list[dict[str, Any]]:
    users = [_public(u) for u in tx.docs(KIND, "")]
    if req.flag("includeSettings"):
        return users
    keys = ("login", "displayName", "email", "groups", "userProfile", "enabled", "sourceType")
    return [{k: u.get(k) for k in keys} for u in users]


def create_user(tx: Tx, req: Request) -> dict[str, Any]:
    body = require_object(req.body, "user")
    login = new_instance_name(tx, KIND, body, "login", "user")
    source = body.get("sourceType") or "LOCAL"
    if source not in SOURCE_TYPES:
        raise invalid(f"Invalid sourceType '{source}'")
    user = _new_user(
        tx,
        login,
        optional_str(body.get("displayName"), "displayName"),
        _groups(tx, body.get("groups")),
        _profile(body.get("userProfile") or "DATA_SCIENTIST"),
        source,
    )
    user["email"] = optional_str(body.get("email"), "email")
    password = body.get("password")
    if password is not None:
        if not isinstance(password, str):
            raise invalid("Invalid password: expected a string")
        user[_HIDDEN] = _hash_password(password)
    tx.put(KIND, "", login, user)
    return {"msg": f"User {login} created"}


def get_user(tx: Tx, req: Request) -> dict[str, Any]:
    return _public(lookup(tx, req.params["login"]))


def set_user(tx: Tx, req: Request) -> dict[str, Any]:
    """Whole-object PUT; ``login`` is immutable, a ``password`` sent is set (and not kept)."""
    login = req.params["login"]
    current = lookup(tx, login)
    body = require_object(req.body, "user")
    if body.get("login", login) != login:
        raise invalid(f"Cannot change the login of user {login}")
    updated = dict(body)
    password = updated.pop("password", None)
    if password is not None and not isinstance(password, str):
        raise invalid("Invalid password: expected a string")
    enabled = body.get("enabled", current["enabled"])
    if not isinstance(enabled, bool):
        raise invalid("Invalid 'enabled': expected true or false")
    updated.update(
        login=login,
        groups=_groups(tx, body.get("groups", current["groups"])),
        userProfile=_profile(body.get("userProfile", current["userProfile"])),
        enabled=enabled,
        adminProperties=optional_object(body.get("adminProperties"), "adminProperties"),
        userProperties=optional_object(body.get("userProperties"), "userProperties"),
        creationDate=current["creationDate"],
        creationTag=current["creationTag"],
    )
    stored = dict(updated)
    if password:
        stored[_HIDDEN] = _hash_password(password)
    elif _HIDDEN in current:
        stored[_HIDDEN] = current[_HIDDEN]
    tx.put(KIND, "", login, stored)
    return _public(updated)


def delete_user(tx: Tx, req: Request) -> dict[str, Any]:
    login = req.params["login"]
    lookup(tx, login)
    if login == req.login and not req.flag("allowSelfDeletion"):
        raise invalid(f"Cannot delete user {login}: it is the user of this API key")
    tx.delete(KIND, "", login)
    return {"msg": f"User {login} deleted"}


def user_info(tx: Tx, req: Request) -> dict[str, Any]:
    user = lookup(tx, req.params["login"])
    return {k: user.get(k) for k in ("login", "displayName", "groups", "email", "enabled")}


def users_info(tx: Tx, req: Request) -> list[dict[str, Any]]:
    keys = ("login", "displayName", "groups", "email", "enabled")
    return [{k: u.get(k) for k in keys} for u in tx.docs(KIND, "")]


ROUTES = [
    *collection("/admin/users/{login}", (list_users, create_user, get_user, set_user, delete_user)),
    Route("GET", "/users/{login}", user_info),
    Route("GET", "/users/", users_info),
]
