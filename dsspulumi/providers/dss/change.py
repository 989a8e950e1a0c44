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

    old: Mapping[str, Any]  # the inputs the state recorded
    new: Mapping[str, Any]  # the inputs declared now
    outputs: Mapping[str, Any]  # the outputs the state recorded
    owner: str | None  # the mark proving the object ours (None: adopted, or unmarked)
    mark: Mark | None = None  # the mark to write with the change (None: keep the recorded one)


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
