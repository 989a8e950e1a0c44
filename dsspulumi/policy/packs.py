"""Finding and loading policy packs, and each pack's settings.

A pack is a Python file or an importable module that defines rules. The packs of a run are
those of ``[tool.dsspulumi] policy_packs`` in the repository's ``pyproject.toml`` (paths
relative to it), then those of ``--policy-pack`` (paths relative to the current folder).

A pack's name is its module's ``PACK_NAME``, else the file's stem or the module's last
dotted part. Its settings are its ``CONFIG`` dict (the defaults, which also say which keys
exist and their types), overridden by ``[tool.dsspulumi.policy.<name>]``; two keys there
apply to every pack: ``disabled`` (rule names not to run) and ``severity`` (rule name ->
``mandatory`` or ``advisory``).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

from dsspulumi.errors import ConfigError, PolicyError
from dsspulumi.policy.rules import SEVERITIES, Rule, rules_of

GENERIC_KEYS = ("disabled", "severity")


@attrs.frozen
class Pack:
    name: str
    source: str  # as given: a path or a module name
    rules: tuple[Rule, ...]
    config: Mapping[str, Any] = attrs.field(factory=dict)
    doc: str = ""


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec


def load_module(spec: str, base: Path) -> ModuleType:
    """The pack's module: a ``.py`` file (relative to ``base``) or an importable module."""
    if _is_path(spec):
        path = (base / spec).resolve()
        if not path.is_file():
            raise ConfigError(
                f"policy pack {spec}: no such file ({path}); a pack is a .py file or an "
                "importable module name such as dsspulumi.policy.recommended"
            )
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
        name = f"_dsspulumi_policy_{path.stem}_{digest}"
        if name in sys.modules:
            return sys.modules[name]
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:  # pragma: no cover - a .py file
            raise ConfigError(f"policy pack {spec}: cannot be loaded as Python")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise _load_error(spec, exc) from exc
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name is not None and spec.startswith(exc.name):
            raise ConfigError(
                f"policy pack {spec}: no module of that name can be imported; give a path to "
                "a .py file (ending in .py) or an installed module"
            ) from None
        raise _load_error(spec, exc) from exc
    except Exception as exc:
        raise _load_error(spec, exc) from exc


def _load_error(spec: str, exc: BaseException) -> PolicyError:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    if isinstance(exc, PolicyError):
        return PolicyError(f"policy pack {spec}: {exc.message}")
    return PolicyError(f"policy pack {spec} failed to load{where}: {type(exc).__name__}: {exc}")


def load_pack(spec: str, base: Path, settings: Mapping[str, Any] | None = None) -> Pack:
    """Load one pack and apply its ``[tool.dsspulumi.policy.<name>]`` table (``settings``:
    every such table, by pack name)."""
    module = load_module(spec, base)
    default_name = Path(spec).stem if _is_path(spec) else spec.rsplit(".", 1)[-1]
    name = str(getattr(module, "PACK_NAME", default_name))
    rules = rules_of(vars(module))
    if not rules:
        raise ConfigError(
            f"policy pack {spec} defines no rule: decorate functions with "
            "@policy.rule(...) or @policy.stack_rule(...)"
        )
    names = [r.name for r in rules]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PolicyError(f"policy pack {spec}: rule name(s) {', '.join(twice)} used twice")
    table = dict((settings or {}).get(name) or {})
    defaults = getattr(module, "CONFIG", {}) or {}
    config = _settings(name, dict(defaults), table)
    rules = _adjusted(name, rules, table)
    return Pack(name, spec, tuple(rules), config, (module.__doc__ or "").strip())


def _settings(pack: str, defaults: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    where = f"[tool.dsspulumi.policy.{pack}]"
    config = dict(defaults)
    for key, value in table.items():
        if key in GENERIC_KEYS:
            continue
        if key not in defaults:
            close = difflib.get_close_matches(key, [*defaults, *GENERIC_KEYS], n=1)
            known = ", ".join([*defaults, *GENERIC_KEYS])
            hint = f"did you mean '{close[0]}'?" if close else f"the pack's settings: {known}"
            raise ConfigError(f"{where}: unknown setting '{key}'; {hint}")
        default = defaults[key]
        if default is not None and not _same_type(default, value):
            raise ConfigError(
                f"{where}: {key} must be {type(default).__name__} like its default "
                f"{default!r} (got {value!r})"
            )
        config[key] = value
    return config


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _adjusted(pack: str, rules: list[Rule], table: dict[str, Any]) -> list[Rule]:
    """``disabled`` and ``severity`` of the pack's table, checked against its rules."""
    where = f"[tool.dsspulumi.policy.{pack}]"
    names = [r.name for r in rules]
    disabled = table.get("disabled", [])
    severity = table.get("severity", {})
    if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
        raise ConfigError(f"{where}: disabled must be a list of rule names (got {disabled!r})")
    if not isinstance(severity, dict):
        raise ConfigError(f"{where}: severity must be a table rule = 'mandatory'|'advisory'")
    for rule_name in [*disabled, *severity]:
        if rule_name not in names:
            close = difflib.get_close_matches(rule_name, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"its rules: {', '.join(names)}"
            raise ConfigError(f"{where}: pack {pack} has no rule '{rule_name}'; {hint}")
    for rule_name, level in severity.items():
        if level not in SEVERITIES:
            raise ConfigError(
                f"{where}: severity.{rule_name} must be 'mandatory' or 'advisory' (got {level!r})"
            )
    return [
        attrs.evolve(r, severity=severity.get(r.name, r.severity))
        for r in rules
        if r.name not in disabled
    ]


def project_packs(start: Path) -> tuple[list[tuple[str, Path]], dict[str, Any]]:
    """``[tool.dsspulumi] policy_packs`` of the nearest ``pyproject.toml`` (from ``start``),
    each with the folder it is relative to, and its ``[tool.dsspulumi.policy]`` tables."""
    from dsspulumi.locate import find_project_settings

    found = find_project_settings(start)
    if found is None:
        return [], {}
    pyproject, table = found
    specs = table.get("policy_packs", [])
    if not isinstance(specs, list) or not all(isinstance(s, str) and s for s in specs):
        raise ConfigError(
            f"{pyproject}: [tool.dsspulumi] policy_packs must be a list of pack paths or "
            f"module names (got {specs!r})"
        )
    settings = table.get("policy", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{pyproject}: [tool.dsspulumi.policy] must be a table of tables")
    return [(s, pyproject.parent) for s in specs], settings


def resolve_packs(cli_specs: Sequence[str], start: Path, cwd: Path | None = None) -> list[Pack]:
    """The packs of a run: the repository's (``pyproject.toml`` found from ``start``), then
    ``--policy-pack``'s (relative to ``cwd``). The same pack named twice is loaded once."""
    listed, settings = project_packs(start)
    here = cwd if cwd is not None else Path.cwd()
    listed += [(s, here) for s in cli_specs]
    packs: list[Pack] = []
    seen: set[str] = set()
    for spec, base in listed:
        key = str((base / spec).resolve()) if _is_path(spec) else spec
        if key in seen:
            continue
        seen.add(key)
        pack = load_pack(spec, base, settings)
        other = next((p for p in packs if p.name == pack.name), None)
        if other is not None:
            raise ConfigError(
                f"policy packs {other.source} and {spec} have the same name '{pack.name}'; "
                "set PACK_NAME in one of them"
            )
        packs.append(pack)
    return packs
