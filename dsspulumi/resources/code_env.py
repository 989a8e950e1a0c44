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
from dsspulumi.importer import Call
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


@resource_type("dss:CodeEnv", replace_on=("lang", "python_interpreter", "deployment_mode"))
class CodeEnv(InstanceObject):
    """A DSS code env: ``packages`` are requirement lines (``"pandas>=2"``)."""

    name: str = attrs.field(validator=_name)
    lang: str = attrs.field(kw_only=True, default="python", validator=_lang)
    python_interpreter: str | None = attrs.field(
        kw_only=True, default="PYTHON311", validator=v.of_type(str, optional=True)
    )
    packages: list[str] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=v.str_list
    )
    deployment_mode: str = attrs.field(kw_only=True, default="DESIGN_MANAGED", validator=_mode)
    timeout: float = attrs.field(kw_only=True, default=DEFAULT_TIMEOUT, validator=_timeout)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        lang = str(inputs["lang"]).lower()
        kwargs: dict[str, Any] = {"lang": lang} if lang != "python" else {}
        if lang == "python" and inputs.get("python_interpreter") != "PYTHON311":
            kwargs["python_interpreter"] = inputs.get("python_interpreter")
        if inputs.get("packages"):
            kwargs["packages"] = list(inputs["packages"])
        if inputs.get("deployment_mode", "DESIGN_MANAGED") != "DESIGN_MANAGED":
            kwargs["deployment_mode"] = inputs["deployment_mode"]
        return Call("CodeEnv", (inputs["name"],), kwargs)

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

    def inputs(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lang": self.lang.upper(),
            "python_interpreter": self.python_interpreter if self.lang == "python" else None,
            "packages": list(self.packages),
            "deployment_mode": self.deployment_mode,
            "timeout": float(self.timeout),
            "extra_settings": dict(self.extra_settings),
        }
