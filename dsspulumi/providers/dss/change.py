"""``Provider.update`` written once for every DSS kind.

The protocol's ``update`` takes five values that every kind passes on together (what was
declared, what is declared now, what the state recorded, who owns it, the mark to write).
Each kind used to repeat that signature and thread the five values through by hand; now the
one ``update`` here bundles them into a ``Change`` and calls the kind's ``_update``, which says
only what is particular to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.provider import Mark


@attrs.frozen
class Change:
    """One update of one object, as the engine asked for it."""

    old: Mapping[str, Any] | None  # the inputs the state recorded (None: the object is new)
    new: Mapping[str, Any]  # the inputs declared now
    outputs: Mapping[str, Any]  # the outputs the state recorded
    owner: str | None  # the mark proving the object ours (None: adopted, or unmarked)
    mark: Mark | None = None  # the mark to write with the change (None: keep the recorded one)

    @classmethod
    def creating(
        cls, inputs: Mapping[str, Any], mark: Mark, outputs: Mapping[str, Any] | None = None
    ) -> Change:
        """The first write after a create: nothing before it, the new object's mark to write."""
        return cls(None, inputs, outputs or {}, None, mark)

    @property
    def before(self) -> Mapping[str, Any]:
        """The recorded inputs of an update (an update always has some)."""
        if self.old is None:
            raise TypeError("a create has no recorded inputs")
        return self.old

    def with_outputs(self, **values: Any) -> Change:
        """The same change, addressing the object by ``values`` too (an id found on the way)."""
        return attrs.evolve(self, outputs={**dict(self.outputs), **values})


class Updates:
    """The template of ``update``: a kind implements ``_update`` only."""

    def update(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        outputs: Mapping[str, Any],
        *,
        owner: str | None,
        mark: Mark | None = None,
    ) -> dict[str, Any]:
        return self._update(Change(old, new, outputs, owner, mark))

    def _update(self, change: Change) -> dict[str, Any]:
        """Bring the object to ``change.new``; return the outputs to record."""
        raise NotImplementedError
