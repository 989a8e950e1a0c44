"""The contract between the engine and the code that knows DSS.

The engine never imports ``dataikuapi``; it talks to objects that satisfy
``Provider`` (one per resource type token) looked up through ``ProviderRegistry``.

Inputs are plain JSON-able dicts produced by the resource classes (see
``dsspulumi/resources``); outputs are the values only DSS knows (generated ids,
…) that later runs need to address the object. Both are stored in state.

Contracts every provider keeps:
- ``create``: on success the object exists with the declared inputs applied.
  If it raises, the object may or may not exist (a later ``read`` decides).
- ``update``: read-modify-write of the DSS settings document: fields the stack
  does not manage are preserved. If it raises, some changes may be applied.
- ``delete``: on success the object is gone; deleting an absent object is a
  success. If it raises, the object is left in place.
- ``read``: the current DSS values of the *declared* keys only, in the same
  normalised shape as the inputs, or ``None`` when the object does not exist.
  Never raises for "not found".
Every DSS refusal is raised as ``ProviderError`` with DSS's own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Inputs = Mapping[str, Any]
Outputs = dict[str, Any]


class Provider(Protocol):
    def create(self, inputs: Inputs) -> Outputs: ...

    def read(self, inputs: Inputs, outputs: Mapping[str, Any]) -> dict[str, Any] | None: ...

    def update(self, old: Inputs, new: Inputs, outputs: Mapping[str, Any]) -> Outputs: ...

    def delete(self, inputs: Inputs, outputs: Mapping[str, Any]) -> None: ...


class ProviderRegistry(Protocol):
    def provider(self, type_token: str) -> Provider: ...

    def check_connection(self) -> dict[str, Any]:
        """Probe DSS (who am I) before planning; raise DssConnectionError when it fails."""
        ...
