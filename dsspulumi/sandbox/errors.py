"""DSS's refusals and the small validators every kind module shares.

A handler raises :class:`DssApiError`; the server turns it into DSS's error body
(``errorType``, ``message``, ``detailedMessage``). The helpers here build the few error
shapes the sandbox uses, so that every kind refuses the same thing the same way.
"""

from __future__ import annotations

import copy
import re
from typing import Any

NOT_FOUND = "com.dataiku.dip.server.controllers.NotFoundException"
CODED = "com.dataiku.dip.exceptions.CodedException"
ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException"
NOT_AUTHENTICATED = "com.dataiku.dip.exceptions.NotAuthenticatedException"

UNAUTHORIZED = "com.dataiku.dip.exceptions.UnauthorizedException"

#: The identity of the admin API key.
ADMIN_LOGIN = "admin"
#: The identity of the non-admin API key (``Sandbox.user_api_key``), and its group.
USER_LOGIN = "sandbox_user"
USERS_GROUP = "data_team"

PROJECT_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
OBJECT_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")


class DssApiError(Exception):
    """A refusal in DSS's terms: HTTP status, Java-style ``errorType`` and a human message.

    The real client only ever shows ``"<errorType>: <detailedMessage>"``, so errorType and
    message text are what callers can match on; the status is kept >= 400 and plausible.
    """

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON error body DSS sends (detailedMessage = message: it is what users see)."""
        return {
            "errorType": self.error_type,
            "message": self.message,
            "detailedMessage": self.message,
        }


def not_found(kind: str, ident: str) -> DssApiError:
    """Missing object: the one error type a provider may read as "absent"."""
    return DssApiError(404, NOT_FOUND, f"{kind} does not exist: {ident}")


def admin_required() -> DssApiError:
    """A non-admin key on an ``/admin/`` endpoint (simulator convention, see ENDPOINTS.md)."""
    return DssApiError(403, UNAUTHORIZED, "Action forbidden, you are not admin")


def invalid(message: str) -> DssApiError:
    """Refused request ("already exists", "invalid name", bad body): simulator convention."""
    return DssApiError(400, CODED, message)


def refused(message: str) -> DssApiError:
    """A request DSS understands but does not allow (a foreign object not exposed, …)."""
    return DssApiError(403, CODED, message)


def unknown_connection(name: str, status: int = 400) -> DssApiError:
    """Missing connection, with the exact text Dataiku's own Ansible modules match on."""
    return DssApiError(status, ILLEGAL_ARGUMENT, f"Connection '{name}' does not exist")


def require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"Invalid {what}: expected a JSON object (got {type(value).__name__})")
    return value


def optional_object(value: Any, what: str) -> dict[str, Any]:
    return {} if value is None else require_object(value, what)


def string_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"Invalid {what}: expected a list of strings")
    return list(value)


def optional_str(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"Invalid {what}: expected a string (got {type(value).__name__})")
    return value


def check_object_name(kind: str, name: Any) -> str:
    """Dataset / recipe names: letters, digits, underscores (a '.' would break refs)."""
    if not isinstance(name, str) or not OBJECT_NAME_RE.match(name):
        raise invalid(
            f"Invalid {kind} name '{name}': only letters, digits and underscores are allowed"
        )
    return name


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
