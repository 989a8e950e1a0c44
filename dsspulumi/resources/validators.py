"""Small reusable attrs validators whose errors read like DSS users think.

Each raises ``ResourceValidationError`` naming the resource, the argument and
the bad value; the program runner adds the stack file and line.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.output import Output, Secret, unwrap

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
OBJECT_NAME = re.compile(r"^[A-Za-z0-9_]+$")

COLUMN_TYPES = frozenset(
    "tinyint smallint int bigint float double boolean string date dateonly datetimenotz "
    "array object map geopoint geometry".split()
)


def _who(inst: Any) -> str:
    name = getattr(inst, "key", None) or getattr(inst, "name", None)
    return f"{type(inst).__name__} '{name}'" if isinstance(name, str) else type(inst).__name__


def fail(inst: Any, attribute: attrs.Attribute, message: str) -> None:
    label = attribute.alias or attribute.name
    raise ResourceValidationError(f"{_who(inst)}: '{label}' {message}")


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def of_type(*types: type, optional: bool = False) -> Any:
    names = " or ".join(t.__name__ for t in types)

    def check(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
        if isinstance(value, Output):  # a config secret or a derived value: check what's inside
            if not value.is_known:
                return  # a value DSS generates: checked by DSS once known
            value = unwrap(value)
        if value is None and optional:
            return
        if isinstance(value, bool) and bool not in types:
            fail(inst, attribute, f"must be {names} (got {_describe(value)})")
        if not isinstance(value, types):
            fail(inst, attribute, f"must be {names} (got {_describe(value)})")

    return check


def project_key(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not PROJECT_KEY.match(value):
        fail(
            inst,
            attribute,
            f"is not a valid DSS project key: {value!r} (uppercase letters, digits and "
            "underscores, starting with a letter)",
        )


def object_name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not OBJECT_NAME.match(value):
        fail(
            inst,
            attribute,
            f"is not a valid DSS name: {value!r} (letters, digits and underscores only)",
        )


def name_string(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    """A name DSS needs (a connection, a type): a string with something in it."""
    of_type(str)(inst, attribute, value)
    if isinstance(value, Output) and not value.is_known:
        return
    text = unwrap(value) if isinstance(value, Output) else value
    if not text.strip():
        fail(inst, attribute, "must not be empty")


def str_list(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        fail(inst, attribute, f"must be a list of strings (got {_describe(value)})")


def json_dict(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, dict):
        fail(inst, attribute, f"must be a dict (got {_describe(value)})")
    _check_json(inst, attribute, value, attribute.name)


def _check_json(inst: Any, attribute: attrs.Attribute, value: Any, path: str) -> None:
    if isinstance(value, Output) and not value.is_known:
        return  # known after apply (a generated id): JSON data by construction
    if isinstance(value, Output | Secret):
        value = unwrap(value)
    if value is None or isinstance(value, str | int | float | bool):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                fail(inst, attribute, f"has a non-string key {k!r} at {path}")
            _check_json(inst, attribute, v, f"{path}.{k}")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_json(inst, attribute, v, f"{path}[{i}]")
        return
    fail(inst, attribute, f"holds a value that is not JSON data at {path}: {_describe(value)}")


def duplicates(names: list[Any]) -> list[Any]:
    """The names that occur more than once, sorted (for "has duplicate …" messages)."""
    return sorted({n for n in names if names.count(n) > 1})


def to_list(value: Any) -> Any:
    """Accept tuples for list arguments; leave anything else for the validator to refuse."""
    if isinstance(value, tuple):
        return list(value)
    return value
