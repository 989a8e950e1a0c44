"""Encryption of secret values: in the config file, in the state, in the journal.

A ``Crypter`` seals bytes into a text token (``v1:`` + base64 of an AES-256-GCM
nonce and ciphertext) and opens it again; how its key is obtained is the
secrets provider's business: a passphrase (scrypt) or an AWS KMS data key.
``dumps_sealed`` writes JSON with ``Secret`` values swapped for
``{"__secret__": token}``; ``unseal`` swaps them back.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from dsspulumi.errors import ConfigError
from dsspulumi.output import Sealed, Secret
from dsspulumi.secrets.digest import SecretDigest, derive_digest_key
from dsspulumi.secrets.digest import from_state as digest_from_state

SECRET_KEY = "__secret__"
TOKEN_PREFIX = "v1:"


class Crypter(Protocol):
    def encrypt(self, plaintext: bytes) -> str: ...

    def decrypt(self, token: str) -> bytes: ...


class DecryptError(ConfigError):
    """A token that does not open with this key (wrong passphrase, other stack, tampering)."""


class AesGcmCrypter:
    """AES-256-GCM with a random 96-bit nonce per value."""

    def __init__(self, key: bytes, *, describe: str) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        # cryptography is imported by the first stack that has secrets, not by every run
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self._digest_key = derive_digest_key(key)
        self.describe = describe

    def digest_key(self) -> bytes:
        """The key of secret digests (see ``secrets.digest``), derived from this key."""
        return self._digest_key

    def encrypt(self, plaintext: bytes) -> str:
        nonce = os.urandom(12)
        blob = nonce + self._aead.encrypt(nonce, plaintext, None)
        return TOKEN_PREFIX + base64.b64encode(blob).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        from cryptography.exceptions import InvalidTag

        if not token.startswith(TOKEN_PREFIX):
            raise DecryptError(f"not an encrypted value (expected {TOKEN_PREFIX}…)")
        try:
            blob = base64.b64decode(token[len(TOKEN_PREFIX) :], validate=True)
            return self._aead.decrypt(blob[:12], blob[12:], None)
        except (InvalidTag, ValueError):
            raise DecryptError(
                f"cannot decrypt a secret with the {self.describe}: wrong passphrase or key, "
                "or the value belongs to another stack"
            ) from None


class LazyCrypter:
    """A crypter obtained only when a secret is actually met (no prompt for nothing)."""

    def __init__(self, factory: Callable[[], Crypter]) -> None:
        self._factory = factory
        self._crypter: Crypter | None = None

    def _get(self) -> Crypter:
        if self._crypter is None:
            self._crypter = self._factory()
        return self._crypter

    def encrypt(self, plaintext: bytes) -> str:
        return self._get().encrypt(plaintext)

    def decrypt(self, token: str) -> bytes:
        return self._get().decrypt(token)

    def digest_key(self) -> bytes:
        return digest_key(self._get())


def digest_key(crypter: Crypter) -> bytes:
    """The digest key of a crypter that has one (every crypter this package makes)."""
    derive = getattr(crypter, "digest_key", None)
    if derive is None:
        raise ConfigError("this secrets provider cannot make secret digests")
    key: bytes = derive()
    return key


def encrypt_value(crypter: Crypter, value: Any) -> str:
    return crypter.encrypt(json.dumps(value).encode("utf-8"))


def decrypt_value(crypter: Crypter, token: str) -> Any:
    return json.loads(crypter.decrypt(token))


_PLAIN = frozenset({str, int, float, bool, type(None)})


_Todo = list[tuple[Any, Any, Any]]  # (value, container, key): copy value into container[key]


def _walk(data: Any, level: Callable[[Any, _Todo], Any]) -> Any:
    """Copy ``data`` without recursion: ``level`` turns one value into its copy and queues its
    children (no nesting depth reaches the recursion limit). A plain value costs one type test."""
    if type(data) in _PLAIN:
        return data
    root: list[Any] = [None]
    todo: _Todo = [(data, root, 0)]
    while todo:
        item, container, key = todo.pop()
        container[key] = level(item, todo)
    return root[0]


def dumps_sealed(data: Any, crypter: Crypter | None, *, where: str = "state") -> str:
    """Compact JSON of ``data`` with every Secret encrypted (Sealed ones kept as they are).

    The encoder's C loop walks the plain values and hands only what it cannot encode
    (secrets, other mappings) to ``_sealed``: a journal record is written after every step,
    and a Python walk of every value before encoding was most of its cost."""
    return json.dumps(
        data, separators=(",", ":"), default=lambda value: _sealed(value, crypter, where)
    )


def _sealed(data: Any, crypter: Crypter | None, where: str) -> Any:
    if isinstance(data, SecretDigest):
        return data.to_state()  # the digest only: the plaintext never reaches a file
    if isinstance(data, Secret):
        if crypter is None:
            raise ConfigError(
                f"cannot write a secret into the {where}: no secrets provider is set up for this "
                "stack (`dss stack init STACK -e ENV --secrets-provider passphrase`)"
            )
        return {SECRET_KEY: encrypt_value(crypter, data.reveal())}
    if isinstance(data, Sealed):
        return {SECRET_KEY: data.token}
    if isinstance(data, Mapping):
        return dict(data)
    raise TypeError(f"a {type(data).__name__} cannot be written into the {where}")


def unseal(data: Any, crypter: Crypter | None) -> Any:
    """Inverse of ``dumps_sealed`` (once parsed); without a crypter, secrets stay ``Sealed``
    (opaque, still safe).

    Iterative (every state load walks every recorded value): plain values cost one type
    test, and no nesting depth reaches the recursion limit.
    """
    return _walk(data, lambda item, todo: _unseal_level(item, crypter, todo))


def _unseal_level(data: Any, crypter: Crypter | None, todo: _Todo) -> Any:
    if isinstance(data, Mapping):
        if len(data) == 1 and isinstance(data.get(SECRET_KEY), str):
            token = data[SECRET_KEY]
            return Sealed(token) if crypter is None else Secret(decrypt_value(crypter, token))
        digest = digest_from_state(data)
        if digest is not None:
            return digest
        return _copy_queueing(data, todo)
    if isinstance(data, list):
        return _copy_queueing(data, todo)
    return data


def _copy_queueing(data: Any, todo: _Todo) -> Any:
    """A shallow copy of a dict or list whose non-plain values are queued in ``todo`` to be
    filled in (the walks of ``seal`` and ``unseal`` are iterative)."""
    out: Any
    if isinstance(data, Mapping):
        out = {}
        for k, v in data.items():
            if type(v) in _PLAIN:
                out[k] = v
            else:
                out[k] = None  # keeps the key order; filled from ``todo``
                todo.append((v, out, k))
        return out
    out = list(data)
    for i, v in enumerate(out):
        if type(v) not in _PLAIN:
            todo.append((v, out, i))
    return out


def has_sealed(data: Any) -> bool:
    if isinstance(data, Mapping):
        if len(data) == 1 and isinstance(data.get(SECRET_KEY), str):
            return True
        return any(has_sealed(v) for v in data.values())
    if isinstance(data, list):
        return any(has_sealed(v) for v in data)
    return False
