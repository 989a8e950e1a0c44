"""Secrets DSS cannot give back (connection and user passwords): kept as a keyed digest.

DSS returns a password encrypted with its own key (a new ciphertext each time it is set),
so the only way to know whether the declared password changed is to remember what was
declared. Storing it, even encrypted, would put the password itself in every state file,
journal and history entry. Instead the state keeps ``HMAC-SHA256(k, purpose || value)``
where ``k`` is derived from the stack's secrets key (passphrase or KMS data key), never
stored anywhere:

* someone holding only the state (or its history, or ``dss stack export``) cannot test
  guesses of a short password offline: without ``k`` every guess is a shot in the dark;
* ``purpose`` (the resource and property) makes the same password used in two places give
  two unrelated digests, so digests do not reveal password reuse;
* whoever has ``k`` can already decrypt the stack's config, where the password lives.

Changing the stack's secrets provider changes ``k``: the next plan shows each such
password as changed and ``up`` sets it again (harmless: DSS re-encrypts it anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from dsspulumi.output import MASK, Secret

DIGEST_KEY = "__digest__"
DIGEST_PREFIX = "hmac-sha256:"
_LABEL = b"dsspulumi secret digest v1"


class SecretDigest(Secret):
    """A secret known to the engine by its keyed digest; the plaintext only in memory.

    Compares by digest (so a declaration equals the record of the same declaration),
    reveals the plaintext to providers when this run knows it (``None`` for a value read
    from state), and is written to state as ``{"__digest__": "hmac-sha256:…"}``.
    """

    __slots__ = ("_plain", "_known")

    def __init__(self, digest: str, plaintext: Any = None, *, known: bool = False) -> None:
        super().__init__(digest)
        self._plain = plaintext
        self._known = known

    @property
    def digest(self) -> str:
        return str(self._value)

    @property
    def known(self) -> bool:
        """Whether this run knows the plaintext (it was declared, not read from state)."""
        return self._known

    def reveal(self) -> Any:
        return self._plain

    def to_state(self) -> dict[str, str]:
        return {DIGEST_KEY: self.digest}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretDigest) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(("digest", self.digest))

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__


def derive_digest_key(secret_key: bytes) -> bytes:
    """The digest key: a PRF of the stack's secrets key (which is random or scrypt output)."""
    return hmac.new(secret_key, _LABEL, hashlib.sha256).digest()


def make_digest(key: bytes, purpose: str, value: Any) -> SecretDigest:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    mac = hmac.new(key, purpose.encode("utf-8") + b"\0" + text.encode("utf-8"), hashlib.sha256)
    return SecretDigest(DIGEST_PREFIX + mac.hexdigest(), value, known=True)


def from_state(obj: Any) -> SecretDigest | None:
    """The digest a state document holds at this place, if it is one."""
    if isinstance(obj, dict) and len(obj) == 1:
        digest = obj.get(DIGEST_KEY)
        if isinstance(digest, str) and digest.startswith(DIGEST_PREFIX):
            return SecretDigest(digest)
    return None
