"""Stack configuration: one TOML file per stack and environment, beside the stack file.

``stacks/customer_analytics.py`` in environment ``dev`` reads
``stacks/customer_analytics.dev.toml``; each TOML table is a namespace::

    [dss]
    url = "sandbox"

    [customer_analytics]
    db_connection = "filesystem_root"

Keys are written ``namespace:key`` on the command line and in messages.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import attrs

from dsspulumi import program_context
from dsspulumi.errors import ConfigError


def config_path(stack_file: Path, env: str) -> Path:
    return stack_file.with_name(f"{stack_file.stem}.{env}.toml")


def load_config(stack_file: Path, env: str) -> dict[str, dict[str, Any]]:
    path = config_path(stack_file, env)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    for ns, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"config file {path}: top-level key {ns!r} must be a table ([{ns}]) of settings"
            )
    return data


def split_key(key: str, default_namespace: str) -> tuple[str, str]:
    if ":" in key:
        ns, _, name = key.partition(":")
        return ns, name
    return default_namespace, key


@attrs.define
class DssTarget:
    url: str
    api_key: str | None
    verify_tls: bool
    url_source: str


def resolve_dss_target(
    config: dict[str, dict[str, Any]], *, cli_url: str | None, stack: str, env: str
) -> DssTarget:
    """URL: --dss-url > DKU_DSS_URL > config dss:url. Key: DKU_API_KEY > config dss:api_key."""
    dss_ns = config.get("dss", {})
    if cli_url:
        url, source = cli_url, "--dss-url"
    elif os.environ.get("DKU_DSS_URL"):
        url, source = os.environ["DKU_DSS_URL"], "DKU_DSS_URL"
    elif dss_ns.get("url"):
        url, source = str(dss_ns["url"]), "config dss:url"
    else:
        raise ConfigError(
            "no DSS URL: pass --dss-url, set DKU_DSS_URL, or "
            f"`dss config set {stack} dss:url URL -e {env}` (the URL `sandbox` runs the embedded "
            "sandbox)"
        )
    api_key = os.environ.get("DKU_API_KEY") or dss_ns.get("api_key")
    if isinstance(api_key, dict):
        raise ConfigError("config dss:api_key is encrypted; secrets are not supported yet")
    verify = dss_ns.get("verify_tls", True)
    if not isinstance(verify, bool):
        raise ConfigError(f"config dss:verify_tls must be true or false (got {verify!r})")
    if url != "sandbox" and not api_key:
        raise ConfigError(
            f"no DSS API key for {url}: set DKU_API_KEY or "
            f"`dss config set {stack} dss:api_key KEY --secret -e {env}`"
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

    def _missing(self, key: str) -> ConfigError:
        full = f"{self.namespace}:{key}"
        return ConfigError(
            f"missing required configuration {full!r} for stack '{self._ctx.stack}' "
            f"(env '{self._ctx.env}'); set it with: "
            f"dss config set {self._ctx.stack} {full} VALUE -e {self._ctx.env}"
        )

    def get(self, key: str, default: Any = None) -> Any:
        value = self._raw(key)
        return default if value is None else value

    def require(self, key: str) -> Any:
        value = self._raw(key)
        if value is None:
            raise self._missing(key)
        return value

    def get_int(self, key: str, default: int | None = None) -> int | None:
        value = self._raw(key)
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"configuration '{self.namespace}:{key}' must be an integer (got {value!r})"
            ) from None

    def get_bool(self, key: str, default: bool | None = None) -> bool | None:
        value = self._raw(key)
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
        value = self._raw(key)
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
