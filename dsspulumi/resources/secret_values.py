"""Secrets DSS takes but never gives back (passwords): declared as secret config values and
recorded as keyed digests (:mod:`dsspulumi.secrets.digest`), never as plaintext."""

from __future__ import annotations

import re
from typing import Any

from dsspulumi import program_context
from dsspulumi.errors import ResourceValidationError
from dsspulumi.output import Output, Secret, unwrap
from dsspulumi.secrets.digest import SecretDigest, make_digest

#: Parameter names that hold credentials: a plain (non-secret) value there is refused.
SECRET_NAME = re.compile(r"password|passwd|secret|token|private_?key|credential", re.IGNORECASE)


def is_secret(value: Any) -> bool:
    return (isinstance(value, Output) and value.is_secret) or isinstance(value, Secret)


def secret_digest(who: str, purpose: str, value: Any) -> SecretDigest:
    """The digest of a declared secret, keyed by the running stack's secrets key.

    ``who`` names the resource and argument in errors; ``purpose`` (resource type, name and
    property) is hashed with the value, so equal passwords in two places differ in state.
    """
    if not is_secret(value):
        raise ResourceValidationError(
            f"{who} must be a secret, e.g. cfg.require_secret('db_password') after "
            "`dss config set STACK db_password VALUE --secret`; a plain string would be "
            "written in the stack file"
        )
    plain = unwrap(value)
    if not isinstance(plain, str) or not plain:
        raise ResourceValidationError(f"{who} must be a non-empty string secret")
    ctx = program_context.current()
    key_of = ctx.services.get("digest_key") if ctx is not None else None
    if key_of is None:
        raise ResourceValidationError(
            f"{who}: a password can only be declared in a stack run by `dss` (its digest is "
            "keyed by the stack's secrets provider)"
        )
    return make_digest(key_of(), purpose, plain)
