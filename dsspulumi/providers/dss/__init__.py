"""DSS providers: one module per resource type, all on one ``DssSession``."""

from __future__ import annotations

from typing import Any, Unpack

from dsspulumi.errors import PlanError
from dsspulumi.kinds import registry
from dsspulumi.outage import Outage
from dsspulumi.provider import Provider
from dsspulumi.providers.dss.client import DssSession, SessionOptions
from dsspulumi.providers.dss.names import InstanceNames
from dsspulumi.providers.dss.transport import server_clock

# Type token -> provider class: from the one registry of kinds (``dsspulumi.kinds.registry``).
_TYPES: dict[str, Any] = {token: registry.provider_class(token) for token in registry.tokens()}


class DssProviders:
    """The ``ProviderRegistry`` for one DSS instance."""

    def __init__(self, url: str, api_key: str, **options: Unpack[SessionOptions]) -> None:
        self.session = DssSession(url, api_key, **options)
        self._providers: dict[str, Provider] = {}
        self._names = InstanceNames(self.session)

    @property
    def url(self) -> str:
        return self.session.url

    def provider(self, type_token: str) -> Provider:
        if type_token not in self._providers:
            cls = _TYPES.get(type_token)
            if cls is None:
                raise PlanError(
                    f"unknown resource type {type_token!r} in state; was it written by a newer "
                    "dsspulumi?"
                )
            self._providers[type_token] = cls(self.session)
        return self._providers[type_token]

    def types(self) -> list[str]:
        """Every resource type token this registry serves, in a fixed order (import order)."""
        return list(_TYPES)

    def check_connection(self) -> dict[str, Any]:
        return self.session.auth_info()

    def server_time(self) -> float | None:
        return server_clock.now

    def fresh_reads(self) -> None:
        """A refresh pass starts: project exports read before are not used again."""
        from dsspulumi.providers.dss.project_export import exports

        exports(self.session).fresh()

    def instance_names(self, type_token: str) -> frozenset[str] | None:
        return self._names.get(type_token)

    def read_names_ahead(self, type_tokens: list[str]) -> None:
        self._names.read_ahead(type_tokens)

    def outage(self) -> Outage | None:
        return self.session.outage


__all__ = ["DssProviders"]
