"""Stack configuration: one TOML file per stack and environment, beside the stack file.

``stacks/customer_analytics.py`` in environment ``dev`` reads
``stacks/customer_analytics.dev.toml``; each TOML table is a namespace, and a
secret is stored encrypted as ``{ secure = "v1:…" }``::

    secrets_provider = "passphrase"
    encryption_salt = "v1:…"

    [dss]
    url = "sandbox"
    api_key = { secure = "v1:…" }

    [customer_analytics]
    db_connection = "filesystem_root"

Keys are written ``namespace:key`` on the command line and in messages; a key
without a namespace belongs to the stack's own. The file is meant to be
committed: nothing in it is plaintext secret.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi import program_context
from dsspulumi.errors import ConfigError
from dsspulumi.output import Output, Sealed, Secret
from dsspulumi.secrets import Crypter, decrypt_value, encrypt_value
from dsspulumi.secrets.providers import SecretsSettings, create, open_crypter

if TYPE_CHECKING:
    import tomlkit

SETTINGS_KEYS = {
    "secrets_provider": "provider",
    "encryption_salt": "salt",
    "encrypted_key": "encrypted_key",
}


def config_path(stack_file: Path, env: str) -> Path:
    return stack_file.with_name(f"{stack_file.stem}.{env}.toml")


def split_key(key: str, default_namespace: str) -> tuple[str, str]:
    ns, sep, name = key.partition(":")
    if not sep:
        ns, name = default_namespace, key
    if not ns or not name or not all(c.isalnum() or c in "_-." for c in ns + name):
        raise ConfigError(f"invalid config key {key!r}: use NAMESPACE:KEY or KEY")
    return ns, name


def _plain(table: Any) -> dict[str, Any]:
    """A tomlkit table as plain Python values (tomlkit's booleans are not bools)."""
    unwrap = getattr(table, "unwrap", None)
    return dict(unwrap() if unwrap is not None else table)


class StackConfig:
    """The configuration of one stack environment: values, secrets settings, file IO."""

    def __init__(
        self,
        path: Path,
        stack: str,
        env: str,
        doc: tomlkit.TOMLDocument | None = None,
        *,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.stack = stack
        self.env = env
        # Reading needs only the values (tomllib); the tomlkit document, which keeps the
        # file's comments and layout for writing, is parsed when something is written.
        self._doc = doc
        self._text = text
        self._data: dict[str, Any] = data if data is not None else {}
        self._crypter: Crypter | None = None
        self.state_settings: SecretsSettings | None = None  # fallback: the state's copy

    @property
    def doc(self) -> tomlkit.TOMLDocument:
        """The file as a tomlkit document (comments and layout kept), for changing it."""
        if self._doc is None:
            import tomlkit

            try:
                self._doc = tomlkit.parse(self._text) if self._text else tomlkit.document()
            except tomlkit.exceptions.TOMLKitError as exc:
                raise ConfigError(f"config file {self.path} is not valid TOML: {exc}") from None
        return self._doc

    def _view(self) -> dict[str, Any]:
        """The values: the document once it exists (it may have been changed), else the file's."""
        return self._doc if self._doc is not None else self._data

    @property
    def what(self) -> str:
        return f"stack '{self.stack}' (env '{self.env}')"

    @classmethod
    def load(cls, stack_file: Path, stack: str, env: str) -> StackConfig:
        path = config_path(stack_file, env)
        text = ""
        data: dict[str, Any] = {}
        if path.exists():
            text = path.read_text(encoding="utf-8")
            try:
                data = tomllib.loads(text)  # precise error messages
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        for key, value in data.items():
            if key not in SETTINGS_KEYS and not isinstance(value, dict):
                raise ConfigError(
                    f"config file {path}: top-level key {key!r} must be a table ([{key}]) of "
                    "settings"
                )
        return cls(path, stack, env, text=text, data=data)

    def save(self) -> None:
        import tomlkit

        from dsspulumi.backends.local import atomic_write

        atomic_write(self.path, tomlkit.dumps(self.doc).encode("utf-8"))

    # --- values ---------------------------------------------------------------------------------
    def namespaces(self) -> dict[str, dict[str, Any]]:
        """All values; secure ones as ``Sealed`` (decrypted only when used)."""
        out: dict[str, dict[str, Any]] = {}
        for ns, table in self._view().items():
            if ns in SETTINGS_KEYS:
                continue
            out[ns] = {k: self._wrap(v) for k, v in _plain(table).items()}
        return out

    @staticmethod
    def _wrap(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"secure"}:
            if isinstance(value["secure"], str):
                return Sealed(value["secure"])
        return value

    def raw(self, key: str) -> Any:
        ns, name = split_key(key, self.stack)
        table = self._view().get(ns)
        return self._wrap(_plain(table).get(name)) if isinstance(table, dict) else None

    def reveal(self, value: Any) -> Any:
        """Decrypt a Sealed value (asks for the passphrase if needed)."""
        if isinstance(value, Sealed):
            return decrypt_value(self.crypter(), value.token)
        return value

    def set(self, key: str, value: Any, *, secret: bool) -> None:
        import tomlkit

        ns, name = split_key(key, self.stack)
        if ns not in self.doc:
            self.doc[ns] = tomlkit.table()
        if secret:
            token = encrypt_value(self.crypter(create_if_missing=True), value)
            inline = tomlkit.inline_table()
            inline["secure"] = token
            self.doc[ns][name] = inline
        else:
            self.doc[ns][name] = value

    def remove(self, key: str) -> bool:
        ns, name = split_key(key, self.stack)
        table = self.doc.get(ns)
        if not isinstance(table, dict) or name not in table:
            return False
        del table[name]
        if not table:
            del self.doc[ns]
        return True

    # --- secrets ----------------------------------------------------------------------------------
    def settings(self) -> SecretsSettings | None:
        view = self._view()
        data = {field: view.get(key) for key, field in SETTINGS_KEYS.items()}
        if data["provider"] is None:
            return self.state_settings
        return SecretsSettings(
            str(data["provider"]),
            str(data["salt"]) if data["salt"] else None,
            str(data["encrypted_key"]) if data["encrypted_key"] else None,
        )

    def _write_settings(self, settings: SecretsSettings) -> None:
        for key in SETTINGS_KEYS:
            if key in self.doc:
                del self.doc[key]
        values = settings.to_dict()
        # Top-level keys go before the first table.
        items = [(k, values[f]) for k, f in SETTINGS_KEYS.items() if f in values]
        body = list(self.doc.items())
        for k in list(self.doc.keys()):
            del self.doc[k]
        for k, v in items:
            self.doc[k] = v
        for k, v in body:
            self.doc[k] = v

    def init_secrets(self, provider: str) -> Crypter:
        settings, crypter = create(provider, self.what)
        self._write_settings(settings)
        self._crypter = crypter
        return crypter

    def crypter(self, *, create_if_missing: bool = False) -> Crypter:
        if self._crypter is None:
            settings = self.settings()
            if settings is None:
                if not create_if_missing:
                    raise ConfigError(
                        f"{self.what} has encrypted values but no secrets provider settings in "
                        f"{self.path}"
                    )
                return self.init_secrets("passphrase")
            self._crypter = open_crypter(settings, self.what)
        return self._crypter

    def maybe_crypter(self) -> Crypter | None:
        """The crypter if a secrets provider is set up, else None (no prompt for nothing)."""
        return self.crypter() if self.settings() is not None else None

    def change_provider(self, provider: str) -> None:
        """Re-encrypt every secure value of the file with a new provider's key."""
        old = self.crypter() if self.settings() is not None else None
        plain: list[tuple[str, str, Any]] = []
        for ns, table in self.namespaces().items():
            for name, value in table.items():
                if isinstance(value, Sealed):
                    if old is None:
                        raise ConfigError(f"{self.path} has secrets but no provider settings")
                    plain.append((ns, name, decrypt_value(old, value.token)))
        self.init_secrets(provider)
        for ns, name, value in plain:
            self.set(f"{ns}:{name}", value, secret=True)


@attrs.define
class DssTarget:
    url: str
    api_key: str | None
    verify_tls: bool
    url_source: str


def resolve_dss_target(
    config: StackConfig, *, cli_url: str | None, cli_key: str | None = None
) -> DssTarget:
    """URL: --dss-url > DKU_DSS_URL > config dss:url. Key: the caller's (``api_key`` of the
    Automation API) > DKU_API_KEY > config dss:api_key."""
    if cli_url:
        url, source = cli_url, "--dss-url"
    elif os.environ.get("DKU_DSS_URL"):
        url, source = os.environ["DKU_DSS_URL"], "DKU_DSS_URL"
    elif config.raw("dss:url"):
        url, source = str(config.raw("dss:url")), "config dss:url"
    else:
        raise ConfigError(
            "no DSS URL: pass --dss-url, set DKU_DSS_URL, or "
            f"`dss config set {config.stack} dss:url URL -e {config.env}` (the URL `sandbox` "
            "runs the embedded sandbox)"
        )
    api_key = cli_key or os.environ.get("DKU_API_KEY") or config.reveal(config.raw("dss:api_key"))
    verify = config.raw("dss:verify_tls")
    if isinstance(verify, str):
        verify = verify.lower() not in ("false", "0", "no")
    if verify is None:
        verify = True
    if not isinstance(verify, bool):
        raise ConfigError(f"config dss:verify_tls must be true or false (got {verify!r})")
    if url != "sandbox" and not api_key:
        raise ConfigError(
            f"no DSS API key for {url}: set DKU_API_KEY or "
            f"`dss config set {config.stack} dss:api_key KEY --secret -e {config.env}`"
        )
    return DssTarget(url=url, api_key=api_key, verify_tls=verify, url_source=source)


class Config:
    """Configuration values of one namespace, read inside a stack program."""

    def __init__(self, namespace: str | None = None) -> None:
        ctx = program_context.current()
        if ctx is None:
            raise ConfigError("dss.Config() can only be used while `dss` runs a stack program")
        self._ctx = ctx
        self.namespace = namespace or ctx.stack

    def _raw(self, key: str) -> Any:
        return self._ctx.config.get(self.namespace, {}).get(key)

    def _missing(self, key: str, secret: bool = False) -> ConfigError:
        full = f"{self.namespace}:{key}"
        return ConfigError(
            f"missing required configuration {full!r} for stack '{self._ctx.stack}' "
            f"(env '{self._ctx.env}'); set it with: "
            f"dss config set {self._ctx.stack} {full} VALUE{' --secret' if secret else ''} "
            f"-e {self._ctx.env}"
        )

    def _value(self, key: str) -> Any:
        value = self._raw(key)
        if isinstance(value, Sealed):
            reveal = self._ctx.services.get("reveal")
            if reveal is None:
                raise ConfigError("this program run cannot decrypt secrets")
            return Output.secret(reveal(value))
        return value

    def get(self, key: str, default: Any = None) -> Any:
        """The value (a secret one comes back as a secret ``dss.Output``)."""
        value = self._value(key)
        return default if value is None else value

    def require(self, key: str) -> Any:
        value = self._value(key)
        if value is None:
            raise self._missing(key)
        return value

    def get_secret(self, key: str, default: Any = None) -> Output[Any] | None:
        value = self._value(key)
        if value is None:
            return None if default is None else Output.secret(default)
        return Output.secret(value)

    def require_secret(self, key: str) -> Output[Any]:
        value = self._value(key)
        if value is None:
            raise self._missing(key, secret=True)
        return Output.secret(value)

    def _plain(self, key: str) -> Any:
        value = self._value(key)
        if isinstance(value, Output):
            raise ConfigError(
                f"configuration '{self.namespace}:{key}' is secret; read it with get_secret()"
            )
        return value

    def get_int(self, key: str, default: int | None = None) -> int | None:
        value = self._plain(key)
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"configuration '{self.namespace}:{key}' must be an integer (got {value!r})"
            ) from None

    def get_bool(self, key: str, default: bool | None = None) -> bool | None:
        value = self._plain(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise ConfigError(
            f"configuration '{self.namespace}:{key}' must be a boolean (got {value!r})"
        )

    def get_object(self, key: str, default: Any = None) -> Any:
        value = self._plain(key)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ConfigError(
                    f"configuration '{self.namespace}:{key}' must be JSON (got {value!r})"
                ) from None
        return value


def load_config(stack_file: Path, env: str) -> dict[str, dict[str, Any]]:
    """Plain view of a config file (secure values as Sealed), for tools and tests."""
    return StackConfig.load(stack_file, stack_file.stem, env).namespaces()


__all__ = ["Config", "DssTarget", "Secret", "StackConfig", "config_path", "resolve_dss_target"]
