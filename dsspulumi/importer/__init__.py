"""Importing existing DSS objects: the values a resource class uses to describe its declaration.

``dss import`` reads objects from DSS (``provider.Importer``), asks each resource class to
rebuild the constructor call that declares exactly those inputs (``Resource.from_inputs``),
and writes a stack file with the shared code writer (:mod:`.codegen`). A resource class
describes the call with the small values below; it never writes Python text itself, so
naming, references between objects, code files and secret placeholders are handled once.

Pure data, no IO: resource classes import this module.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from dsspulumi.urn import kind_of


@attrs.frozen
class Ref:
    """A reference to another object (``project=``, ``inputs=``…): a variable if the stack
    declares it, else a read-only lookup such as ``dss.Dataset.get("OTHER.NAME")``."""

    type: str  # type token of the object referenced
    identity: str  # its logical name: KEY or PROJECT.name
    lookup: str  # the expression that reads it when the stack does not declare it


@attrs.frozen
class CodeText:
    """Code (a recipe's script, a query) written to a file next to the stack, read with
    ``dss.File``."""

    text: str
    suffix: str  # ".py", ".sql", …


@attrs.frozen
class SecretValue:
    """A secret found in DSS: written as ``cfg.require_secret("<key>")``, never as its value."""

    key: str  # the config key the placeholder reads
    value: Any  # what DSS answered (usually an opaque encrypted token); never written out


@attrs.frozen
class Call:
    """``dss.<cls>(*args, **kwargs)``; values may nest Ref, CodeText, SecretValue, Call."""

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)


def lookup_ref(type_token: str, identity: str) -> Ref:
    """A reference that reads the object with ``dss.<Kind>.get(identity)`` when the stack does
    not declare it (the kind is the type token's name: ``dss:Dataset`` -> ``dss.Dataset``)."""
    kind = kind_of(type_token)
    return Ref(type_token, identity, f"dss.{kind}.get({json.dumps(identity)})")


SENSITIVE_WORDS = ("password", "secret", "token", "apikey", "api_key", "passphrase")


def is_sensitive(key: str) -> bool:
    """A settings key whose value is a secret (DSS masks these as encrypted tokens)."""
    low = key.lower()
    return any(word in low for word in SENSITIVE_WORDS)


__all__ = ["Call", "CodeText", "Ref", "SecretValue", "is_sensitive", "lookup_ref"]
