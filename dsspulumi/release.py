"""Letting an object go: a retained delete releases the object before its record leaves.

``retain_on_delete`` keeps an object in DSS when it leaves the state (its declaration is
removed, or the stack is destroyed). Were it to keep its ownership mark, it would still read
as this state's object, and every other state would be refused its adoption. So the step
first removes the mark in DSS (``Releaser.release``: the mark fields go, a
``dsspulumi.released`` note saying which state let it go and when is left for people), then
drops the record. The object then reads as one made by hand: any stack may adopt it.

Only an object that still carries the record's mark is touched; one carrying another mark
(deleted and re-created outside the tool) is left alone and the record dropped, as before.
Kinds whose mark is kept in the state record (zones, variables, permissions, instance objects
other than users) have nothing in DSS to release: the record is dropped.

The release is one operation like any other: recorded as pending before the call, cleared
with the record after it. A release that fails keeps the record (the next run releases it
again); one whose outcome is unknown is settled by reading the object's mark, now or by the
next run's reconciliation (``settle_release``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dsspulumi.checkpoint import Checkpointer, ClearPending, Put, Remove, SetPending
from dsspulumi.errors import DssPulumiError, ProviderError, StateError
from dsspulumi.faults import crash_point
from dsspulumi.output import reveal_all
from dsspulumi.plan import Step
from dsspulumi.provider import Found, ProviderRegistry, Released
from dsspulumi.state import PendingOperation, ResourceState, State, now
from dsspulumi.urn import kind_label

RELEASE = "release"  # ``PendingOperation.op`` of a release


def release_note(state: State, when: float) -> str:
    """The ``dsspulumi.released`` note: which state released the object, and when (UTC)."""
    stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{state.stack}/{state.env}/{state.identity or 'no-identity'} at {stamp}"


def release_retained(
    registry: ProviderRegistry,
    checkpoint: Checkpointer,
    notice: Callable[[str], None],
    step: Step,
) -> None:
    """Carry out a delete step of a ``retain_on_delete`` resource."""
    old = step.old
    provider = registry.provider(step.type)
    release = getattr(provider, "release", None)
    if old is None or release is None:
        checkpoint.record(Remove(step.urn))  # nothing of ours in DSS to remove
        return
    pending = PendingOperation(
        urn=step.urn,
        op=RELEASE,
        type=step.type,
        name=step.name,
        inputs=old.inputs,
        outputs=old.outputs,
        dependencies=list(old.dependencies),
        mark=old.mark,
    )
    checkpoint.record(SetPending(pending))
    note = release_note(checkpoint.state, now())
    try:
        try:
            outcome = release(
                reveal_all(old.inputs), reveal_all(old.outputs), owner=old.mark, note=note
            )
        finally:
            crash_point("after-release", step.logical_name)
    except StateError:
        raise  # the pending record lets the next run find out
    except DssPulumiError as exc:
        raise _settle_after_failure(registry, checkpoint, step, pending, exc) from exc
    except Exception as exc:
        failure = ProviderError(f"{step.logical_name}: unexpected error: {exc!r}")
        raise _settle_after_failure(registry, checkpoint, step, pending, failure) from exc
    if outcome is Released.FOREIGN:
        notice(
            f"{step.logical_name}: not released: the {kind_label(step.type)} in DSS carries "
            "another ownership mark (it was deleted and re-created outside this stack); it was "
            "left untouched and dropped from the state"
        )
    checkpoint.record(Remove(step.urn), ClearPending(step.urn))


def settle_release(
    found: Found | None, existing: ResourceState | None
) -> tuple[ResourceState | None, str]:
    """What the state holds after a release of unknown outcome, once the mark is read."""
    if found is None:
        return None, "not in DSS, so not in state"
    if found.mark is None:
        return None, "released (left in DSS without this stack's mark), so not in state"
    if existing is not None and existing.mark is not None and found.mark == existing.mark:
        return existing, "still carries this stack's mark, kept in state to be released again"
    return None, (
        "it carries another ownership mark, so it is not this stack's object any more: left "
        "untouched and not in state"
    )


def _settle_after_failure(
    registry: ProviderRegistry,
    checkpoint: Checkpointer,
    step: Step,
    pending: PendingOperation,
    exc: DssPulumiError,
) -> DssPulumiError:
    """Read the mark now, so the state tells the truth; unreadable, the release stays pending
    for the next run. Returns the error to raise, saying what became of the record."""
    if isinstance(exc, ProviderError):
        exc.urn = step.urn
    kept = True
    try:
        found = registry.provider(step.type).inspect(
            reveal_all(pending.inputs), reveal_all(pending.outputs)
        )
    except Exception:  # noqa: BLE001 - leave it pending; the next run reconciles
        unread = True
    else:
        unread = False
        record, _ = settle_release(found, checkpoint.state.get(step.urn))
        if record is None:
            kept = False
            checkpoint.record(Remove(step.urn), ClearPending(step.urn))
        else:
            checkpoint.record(Put(record), ClearPending(step.urn))
    if kept:
        then = (
            "it stays in the state (whether its mark was removed is checked by the next run)"
            if unread
            else "it stays in the state, still marked as this stack's"
        )
        advice = f"{then}, and the next `dss up` or `dss destroy` releases it"
    else:
        advice = "its mark was removed all the same, and it is no longer in the state"
    message = f"its ownership mark could not be removed to release it: {exc}; {advice}"
    exc.message = message
    exc.args = (message,)
    return exc
