"""The Automation API's errors: one base, ``AutomationError``, over the existing hierarchy.

Each class is also the ``dsspulumi.errors`` class it stands for (``ProgramError`` is a
``StackProgramError``, ``StackLockedError`` a ``LockHeldError``...), so code that catches the
old names, the CLI's ``handle_errors`` included, keeps working; a program driving stacks
catches ``AutomationError`` and gets every error a user can cause. Any other
``DssPulumiError`` raised under the API comes out as an ``AutomationError`` too (an
``AutomationError`` subclass of its own class, made on first use), its message, hint and
data unchanged.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from dsspulumi import errors

if TYPE_CHECKING:
    from dsspulumi.automation.results import UpResult


class AutomationError(errors.DssPulumiError):
    """Root of every error the Automation API (``dsspulumi.automation``) raises."""


class ProgramError(AutomationError, errors.StackProgramError):
    """The program (a stack file or an inline callable) raised: ``.file`` and ``.line`` are
    its frame, never dsspulumi's."""


class ConfigError(AutomationError, errors.ConfigError):
    """Missing or malformed configuration: the stack, its config, the backend or DSS target."""


class StackLockedError(AutomationError, errors.LockHeldError):
    """Another run holds the stack's lock: ``.holder`` says who, ``.since`` since when."""

    @property
    def since(self) -> float | None:
        """When the holder took the lock (seconds since the epoch), if its record says."""
        value = (self.holder or {}).get("acquired_at")
        return float(value) if isinstance(value, int | float) else None


class UpdateFailedError(AutomationError):
    """An ``up``, ``destroy`` or ``refresh`` ran but did not succeed: ``.result`` is the partial
    ``UpResult`` (what was done, what failed and why); the state records every step that
    succeeded."""

    def __init__(self, message: str, *, result: UpResult) -> None:
        super().__init__(message)
        self.result = result


class ConflictError(UpdateFailedError, errors.ConflictError):
    """A step met an object the stack does not own (same name, no mark of this stack):
    ``.urn`` and ``.name`` name it; nothing of it was changed."""

    def __init__(self, message: str, *, result: UpResult, urn: str | None, name: str) -> None:
        UpdateFailedError.__init__(self, message, result=result)
        self.urn = urn
        self.name = name
        self.dss_message = message


E = TypeVar("E", bound=errors.DssPulumiError)

_NAMED: dict[type[errors.DssPulumiError], type[AutomationError]] = {
    errors.StackProgramError: ProgramError,
    errors.ConfigError: ConfigError,
    errors.LockHeldError: StackLockedError,
}
_MADE: dict[type[errors.DssPulumiError], type[AutomationError]] = {}
_MADE_LOCK = threading.Lock()


def _automation_class(cls: type[errors.DssPulumiError]) -> type[AutomationError]:
    """The API's class for ``cls``: a named one, or one made (and kept) for it."""
    named = next((n for base, n in _NAMED.items() if issubclass(cls, base)), AutomationError)
    if cls in _NAMED:
        return named
    with _MADE_LOCK:
        made = _MADE.get(cls)
        if made is None:
            made = type(cls.__name__, (named, cls), {"__module__": cls.__module__})
            made.__doc__ = cls.__doc__
            _MADE[cls] = made
        return made


def as_automation(exc: E) -> E:
    """``exc`` as an ``AutomationError`` of its own class: same message, hint and data."""
    if isinstance(exc, AutomationError):
        return exc
    cls = _automation_class(type(exc))
    new: Any = Exception.__new__(cls)
    Exception.__init__(new, *exc.args)
    new.__dict__.update(exc.__dict__)
    new.__cause__ = exc.__cause__
    new.__suppress_context__ = exc.__suppress_context__
    new.__traceback__ = exc.__traceback__
    return new


@contextlib.contextmanager
def automation_errors() -> Iterator[None]:
    """Every ``DssPulumiError`` leaving the block as an ``AutomationError``."""
    try:
        yield
    except AutomationError:
        raise
    except errors.DssPulumiError as exc:
        raise as_automation(exc) from exc.__cause__
