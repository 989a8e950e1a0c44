"""One error hierarchy for everything a user can cause.

The CLI turns any ``DssPulumiError`` into one clean line on stderr and exit
code 1; anything else is a bug in dsspulumi and is reported as such. Errors
carry data (urn, file, line, lock holder) so callers never parse messages.
"""

from __future__ import annotations


class DssPulumiError(Exception):
    """Root of every error dsspulumi reports to a user."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class StackProgramError(DssPulumiError):
    """The user's stack file is wrong: points at their file and line, never ours."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")
        self.file = file
        self.line = line
        self.detail = message


class ResourceValidationError(DssPulumiError):
    """A resource was constructed with a bad argument (raised inside the program run)."""


class GraphError(DssPulumiError):
    """Duplicate objects, dependency cycles, references outside the graph."""


class PlanError(DssPulumiError):
    """The plan cannot be carried out as asked (protected resource, unknown target)."""


class ProtectedError(PlanError):
    """Resources the plan would delete are protected (``protect=True`` in the state)."""

    def __init__(self, message: str, *, urns: list[str]) -> None:
        super().__init__(message)
        self.urns = urns


class ConfigError(DssPulumiError):
    """Missing or malformed configuration."""


class StateError(DssPulumiError):
    """State that cannot be read or written: corrupt, newer version, refused write."""


class CorruptStateError(StateError):
    """A state document that cannot be parsed; it is never overwritten."""


class LockHeldError(StateError):
    """Another run holds the stack lock."""

    def __init__(self, message: str, *, holder: dict | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


class LockLostError(StateError):
    """Our lock was broken or taken over while we ran: stop writing."""


class StateConflictError(StateError):
    """A conditional write was refused: someone else wrote the state since we read it."""


class BackendError(StateError):
    """The backend is unreachable, missing, or refuses us (credentials, permissions)."""


class ProviderError(DssPulumiError):
    """DSS refused or failed a call; carries DSS's own text and the object concerned."""

    def __init__(
        self, message: str, *, urn: str | None = None, dss_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.urn = urn
        self.dss_message = dss_message or message


class DssConnectionError(DssPulumiError):
    """DSS is unreachable or refuses our credentials."""


class TransientError(ProviderError):
    """DSS failed in a way worth retrying (5xx, dropped connection) and retries ran out.

    The outcome of the call is unknown: a write may have been applied.
    """


class NotOwnedError(ProviderError):
    """The DSS object does not carry this stack's ownership mark: it is not ours to change."""


class ConflictError(ProviderError):
    """A create met an object of the same name that this stack did not create."""


class PartialCreateError(ProviderError):
    """DSS created the object, but the writes that follow creation (settings, mark) failed.

    The create call's answer proves the object is ours even if it carries no mark yet.
    """


class MissingLookupError(DssPulumiError):
    """Objects a stack reads with ``.get`` do not exist in DSS."""


class AdoptionError(DssPulumiError):
    """An existing DSS object cannot be imported (absent, or managed by another stack)."""


class PolicyError(DssPulumiError):
    """A policy pack cannot be used: it does not load, or one of its rules failed."""
