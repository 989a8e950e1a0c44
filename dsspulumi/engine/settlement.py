"""Ownership settlement: what an operation of unknown outcome left in DSS, decided by marks.

A run killed mid-call, or a call whose answer was lost, leaves a pending operation. Reading
DSS settles it: an object carrying the operation's mark (or the record's own) is recorded
as DSS holds it; anything else under that name is someone else's and is never recorded.
The mark itself is written and compared by ``ownership`` and ``drift.owns``; a release's
settlement is ``release.settle_release``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.drift import owns
from dsspulumi.output import reveal_all, secret_like
from dsspulumi.provider import Found, ProviderRegistry
from dsspulumi.release import RELEASE, settle_release
from dsspulumi.state import PendingOperation, ResourceState, now


@attrs.frozen
class Settlement:
    """What the state holds for an operation of unknown outcome, once DSS has been read."""

    record: ResourceState | None
    note: str
    foreign: bool = False  # an object exists under that name that this stack did not create


# How long after finding a name free a create may land (its retries and backoff included),
# and the resolution of the HTTP Date header the check was timed with.
CLAIM_WINDOW = (-2.0, 120.0)


def created_by(op: PendingOperation, found: Found) -> bool:
    """Whether ``op`` created the object found.

    It carries the op's mark; or it carries none (the run died between the create call and
    the write of the mark) and DSS says it created the object within moments after the op
    had found the name free. Both times are DSS's own clock, so no clock skew enters.
    """
    if found.mark == op.id:
        return True
    if found.mark is not None or not op.absent or op.claimed_at is None:
        return False
    if found.created_at is None or op.op not in ("create", "replace"):
        return False
    low, high = CLAIM_WINDOW
    return op.claimed_at + low <= found.created_at <= op.claimed_at + high


def settle(op: PendingOperation, found: Found | None, existing: ResourceState | None) -> Settlement:
    """Decide by the ownership mark, never by the name, what an interrupted operation left."""
    if op.op == RELEASE:
        return Settlement(*settle_release(found, existing))
    if found is None:
        return Settlement(None, "not in DSS, so not in state")
    if found.mark == op.id:
        return Settlement(
            record_from_dss(op, found, existing, mark=op.id),
            "found in DSS with this run's mark, recorded as it is",
        )
    if created_by(op, found):
        # Created by the op, killed before it wrote the mark: recorded without one (trusted,
        # like a record from before marks), and its next update writes the mark.
        return Settlement(
            record_from_dss(op, found, existing, mark=None),
            "found in DSS, created by this run just after it found the name free (killed "
            "before it wrote its mark), recorded as it is",
        )
    if existing is not None and owns(existing.mark, found):
        if op.op == "delete":
            return Settlement(existing, "still in DSS, kept in state")
        return Settlement(
            record_from_dss(op, found, existing, mark=existing.mark),
            "found in DSS, recorded as it is",
        )
    return Settlement(
        None,
        "an object of that name exists in DSS but was not created by this stack (no matching "
        "ownership mark); it is not recorded and was left untouched",
        foreign=True,
    )


def created_unmarked(
    op: PendingOperation, found: Found, existing: ResourceState | None
) -> Settlement:
    """DSS answered the create but the mark could not be written: the object is ours."""
    return Settlement(
        record_from_dss(op, found, existing, mark=None),
        "found in DSS (this run created it), recorded as it is",
    )


def record_from_dss(
    op: PendingOperation, found: Found, existing: ResourceState | None, *, mark: str | None
) -> ResourceState:
    """The record of an object found in DSS after an operation of unknown outcome."""
    return ResourceState(
        urn=op.urn,
        type=op.type,
        name=op.name,
        inputs=found.inputs,
        outputs=dict(op.outputs) if found.outputs is None else dict(found.outputs),
        dependencies=list(op.dependencies),
        protect=existing.protect if existing else False,
        retain_on_delete=existing.retain_on_delete if existing else False,
        created_at=existing.created_at if existing else now(),
        mark=mark,
    )


def inspect_declared(
    registry: ProviderRegistry,
    type_token: str,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
) -> Found | None:
    """What DSS holds for the declared properties; secret where the declaration is secret."""
    found = registry.provider(type_token).inspect(reveal_all(inputs), reveal_all(outputs))
    if found is None:
        return None
    return attrs.evolve(found, inputs=secret_like(inputs, found.inputs))
