"""Code environments (instance-level, admin API key).

Building one is a long task in DSS: the provider starts it, waits for it with visible
progress, and gives up after ``timeout`` seconds with a clear error (the env is then left
as DSS has it; the next ``dss up`` checks it). Changing the language, the interpreter or
the deployment mode replaces the env: DSS cannot change them in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.kinds.schema import prop
from dsspulumi.resource import resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.instance import InstanceObject

NAME = re.compile(r"^[A-Za-z0-9-]+$")
LANGS = ("python", "r")
MODES = ("DESIGN_MANAGED", "DESIGN_NON_MANAGED")


def _name(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not NAME.match(value):
        v.fail(inst, attribute, f"is not a valid code env name: {value!r} (letters, digits, '-')")


def _lang(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in LANGS:
        v.fail(inst, attribute, f"must be 'python' or 'r' (got {value!r})")


def _mode(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value not in MODES:
        v.fail(inst, attribute, f"must be one of {', '.join(MODES)} (got {value!r})")


def _timeout(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        v.fail(inst, attribute, f"must be a number of seconds > 0 (got {value!r})")


def explicit_env(selection: Any, mode_key: str = "envMode") -> str | None:
    """The code env a DSS env selection names (``{envMode: EXPLICIT_ENV, envName}``), if any.

    Recipes keep it in ``params.envSelection``, projects in ``settings.codeEnvs.<lang>``
    (with ``mode``): both reach a stack through ``code_env=`` or ``extra_settings``.
    """
    if not isinstance(selection, Mapping) or selection.get(mode_key) != "EXPLICIT_ENV":
        return None
    name = selection.get("envName")
    return name if isinstance(name, str) and name else None


#: Seconds to wait for a code env build (a tool-side setting, not DSS's).
DEFAULT_TIMEOUT = 900.0


def _read_interpreter(raw: Mapping[str, Any], declared: Any) -> str | None:
    lang = str(raw.get("envLang") or "").upper()
    desc = raw.get("desc") or {}
    return desc.get("pythonInterpreter") if lang in ("PYTHON", "") else None


def _read_packages(raw: Mapping[str, Any], declared: Any) -> list[str]:
    """DSS keeps the requirement lines as one text."""
    return [line for line in (raw.get("specPackageList") or "").splitlines() if line.strip()]


def _write_packages(raw: dict[str, Any], new: Any, old: Any) -> None:
    raw["specPackageList"] = "\n".join(new or [])


@resource_type("dss:CodeEnv", replace_on=("lang", "python_interpreter", "deployment_mode"))
class CodeEnv(InstanceObject):
    """A DSS code env: ``packages`` are requirement lines (``"pandas>=2"``)."""

    name: str = prop(positional=True, validator=_name)  # its address
    # Language, interpreter and mode are set at creation (``replace_on``): never written after.
    lang: str = prop(
        dss="envLang",
        writes=False,
        read=lambda raw, declared: str(raw.get("envLang") or declared).upper(),
        to_input=str.upper,
        to_arg=lambda lang, _: str(lang).lower(),
        default="python",
        validator=_lang,
    )
    python_interpreter: str | None = prop(
        writes=False,
        input_from="_interpreter",
        read=_read_interpreter,
        default="PYTHON311",
        validator=v.of_type(str, optional=True),
    )
    packages: list[str] = prop(
        dss="specPackageList",
        read=_read_packages,
        write=_write_packages,
        factory=list,
        converter=v.to_list,
        validator=v.str_list,
    )
    deployment_mode: str = prop(
        dss="deploymentMode", writes=False, default="DESIGN_MANAGED", validator=_mode
    )
    # How long ``up`` waits for a build: the tool's setting, not DSS's.
    timeout: float = prop(to_input=float, default=DEFAULT_TIMEOUT, validator=_timeout)

    @property
    def _interpreter(self) -> str | None:
        """Only a Python env has an interpreter."""
        return self.python_interpreter if self.lang == "python" else None

    def validate(self) -> None:
        if self.lang == "r" and self.python_interpreter not in (None, "PYTHON311"):
            raise ResourceValidationError(
                f"CodeEnv '{self.name}': python_interpreter means nothing for an R env"
            )
        for line in self.packages:
            if not line.strip() or "\n" in line:
                raise ResourceValidationError(
                    f"CodeEnv '{self.name}': each package is one requirement line (got {line!r})"
                )
