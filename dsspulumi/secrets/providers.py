"""Secrets providers: where the key of a stack environment comes from.

- ``passphrase``: a key derived with scrypt from ``DSS_CONFIG_PASSPHRASE`` (or a
  prompt on a terminal) and a random salt kept in the config file, together
  with a check value so that a wrong passphrase is told at once.
- ``awskms://alias/NAME`` (or a key id/ARN; ``?region=R`` optional): a random data
  key generated and wrapped by AWS KMS; only the wrapped key is stored.

The settings live in the stack's config file and are copied into its state,
so that a state can be read (``dss stack output``, a StackReference) without
the other team's config file.
"""

from __future__ import annotations

import base64
import getpass
import os
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

import attrs

from dsspulumi.errors import ConfigError
from dsspulumi.secrets import AesGcmCrypter, Crypter, DecryptError

PASSPHRASE_ENV = "DSS_CONFIG_PASSPHRASE"
CHECK_TEXT = b"dsspulumi-passphrase-check"
_cache: dict[tuple[str, str, str], Crypter] = {}


@attrs.define
class SecretsSettings:
    provider: str
    salt: str | None = None
    encrypted_key: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> SecretsSettings | None:
        if not isinstance(data, dict) or not isinstance(data.get("provider"), str):
            return None
        return cls(data["provider"], data.get("salt"), data.get("encrypted_key"))


def _passphrase(what: str, *, confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"Passphrase for {what}: ")
        if confirm and getpass.getpass("Again: ") != first:
            raise ConfigError("the two passphrases differ; nothing was changed")
        if not first:
            raise ConfigError("an empty passphrase is not accepted")
        return first
    raise ConfigError(
        f"{what} uses the passphrase secrets provider: set {PASSPHRASE_ENV} "
        "(stdin is not a terminal, so it cannot be asked for)"
    )


def _scrypt_key(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))


def _kms_client(url: str) -> tuple[Any, str]:
    parsed = urlparse(url)
    key_id = (parsed.netloc + parsed.path).strip("/")
    if not key_id:
        raise ConfigError(f"secrets provider {url!r} names no KMS key (awskms://alias/NAME)")
    regions = parse_qs(parsed.query).get("region")
    region = regions[0] if regions else None
    import boto3  # noqa: TID251 - KMS is reached only from this module

    return boto3.client("kms", region_name=region), key_id


def _kms_error(url: str, exc: Exception) -> ConfigError:
    return ConfigError(f"AWS KMS refused or failed for secrets provider {url}: {exc}")


def create(provider: str, what: str) -> tuple[SecretsSettings, Crypter]:
    """New settings (fresh salt or data key) for ``provider``; ``what`` names the stack."""
    if provider == "passphrase":
        passphrase = _passphrase(what, confirm=True)
        salt = os.urandom(16)
        crypter = AesGcmCrypter(_scrypt_key(passphrase, salt), describe=f"passphrase of {what}")
        check = crypter.encrypt(CHECK_TEXT)
        salt_text = f"v1:{base64.b64encode(salt).decode()}:{check}"
        settings = SecretsSettings("passphrase", salt=salt_text)
        _cache[(provider, salt_text, passphrase)] = crypter
        return settings, crypter
    if provider.startswith("awskms://"):
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: TID251

        client, key_id = _kms_client(provider)
        try:
            resp = client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        except (BotoCoreError, ClientError) as exc:
            raise _kms_error(provider, exc) from None
        settings = SecretsSettings(
            provider, encrypted_key=base64.b64encode(resp["CiphertextBlob"]).decode()
        )
        return settings, AesGcmCrypter(resp["Plaintext"], describe=f"KMS key of {what}")
    raise ConfigError(
        f"unknown secrets provider {provider!r}: use `passphrase` or `awskms://alias/NAME`"
    )


def open_crypter(settings: SecretsSettings, what: str) -> Crypter:
    """The crypter for existing settings; a wrong passphrase fails here, clearly."""
    if settings.provider == "passphrase":
        if not settings.salt or settings.salt.count(":") < 2:
            raise ConfigError(f"the secrets settings of {what} are damaged (no salt)")
        passphrase = _passphrase(what)
        key = (settings.provider, settings.salt, passphrase)
        if key in _cache:
            return _cache[key]
        _, salt_b64, check = settings.salt.split(":", 2)
        crypter = AesGcmCrypter(
            _scrypt_key(passphrase, base64.b64decode(salt_b64)), describe=f"passphrase of {what}"
        )
        try:
            ok = crypter.decrypt(check) == CHECK_TEXT
        except DecryptError:
            ok = False
        if not ok:
            raise ConfigError(
                f"wrong passphrase for {what} (from {PASSPHRASE_ENV} or the prompt); "
                "nothing was changed"
            )
        _cache[key] = crypter
        return crypter
    if settings.provider.startswith("awskms://"):
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: TID251

        if not settings.encrypted_key:
            raise ConfigError(f"the secrets settings of {what} are damaged (no wrapped key)")
        cache_key = (settings.provider, settings.encrypted_key, "")
        if cache_key in _cache:
            return _cache[cache_key]
        client, key_id = _kms_client(settings.provider)
        try:
            resp = client.decrypt(
                CiphertextBlob=base64.b64decode(settings.encrypted_key), KeyId=key_id
            )
        except (BotoCoreError, ClientError) as exc:
            raise _kms_error(settings.provider, exc) from None
        crypter = AesGcmCrypter(resp["Plaintext"], describe=f"KMS key of {what}")
        _cache[cache_key] = crypter
        return crypter
    raise ConfigError(f"unknown secrets provider {settings.provider!r} in the settings of {what}")
