"""Drift: what DSS holds now, compared with what the state recorded (pure but for the reads).

``read_all`` reads every recorded object from DSS, batched per kind where the provider can
(``provider.BatchInspector``: one list call per project instead of one read per object),
one ``inspect`` per object otherwise. ``compare`` turns a record and what was found into a
``Drift``: the properties changed outside the tool (declared value in state vs value in
DSS), an object deleted outside, or one that is no longer ours. The engine applies drifts
to the state; the CLI shows them (console and ``--json``) -- one shape for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs

from dsspulumi.output import mask_all, reveal_all, secret_like
from dsspulumi.plan import PropertyDiff, diff_inputs
from dsspulumi.provider import UNREAD, Found, ProviderRegistry
from dsspulumi.state import ResourceState
from dsspulumi.urn import logical_name

CHANGED = "changed"
DELETED = "deleted"
FOREIGN = "foreign"  # deleted and re-created outside the tool: another object, not ours


@attrs.frozen
class Drift:
    """One object whose DSS side differs from the state."""

    urn: str
    type: str
    name: str
    status: str  # changed | deleted | foreign
    diff: tuple[PropertyDiff, ...] = ()  # old = value in state, new = value in DSS

    @property
    def logical_name(self) -> str:
        return logical_name(self.urn)

    def describe(self) -> str:
        if self.status == DELETED:
            return f"{self.logical_name}: deleted outside dsspulumi"
        if self.status == FOREIGN:
            return (
                f"{self.logical_name}: the object in DSS was not created by this stack (its "
                "ownership mark differs); dropped from the state and left untouched in DSS"
            )
        paths = ", ".join(d.path for d in self.diff)
        return f"{self.logical_name}: changed outside dsspulumi ({paths})"

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "logical_name": self.logical_name,
            "status": self.status,
            "diff": [
                {"path": d.path, "state": mask_all(d.old), "dss": mask_all(d.new)}
                for d in self.diff
            ],
        }


def owns(mark: str | None, found: Found) -> bool:
    """Whether the object found is the one a record with ``mark`` manages.

    A record without a mark predates marks: its object was created by this stack and
    carries no mark either; an object carrying a mark was made by some other run.
    """
    return found.mark == mark


def compare(rec: ResourceState, found: Found | None) -> Drift | None:
    """The drift of one recorded object, or None when DSS holds what the state says."""
    if found is None:
        return Drift(rec.urn, rec.type, rec.name, DELETED)
    if not owns(rec.mark, found):
        return Drift(rec.urn, rec.type, rec.name, FOREIGN)
    if found.inputs == rec.inputs:
        return None
    return Drift(rec.urn, rec.type, rec.name, CHANGED, tuple(diff_inputs(rec.inputs, found.inputs)))


def read_all(
    registry: ProviderRegistry,
    records: Iterable[ResourceState],
    *,
    batch: bool = True,
    parallel: int = 10,
) -> dict[str, Found | None]:
    """What DSS holds for each record's declared properties, by URN.

    Per type, a provider with ``inspect_many`` answers all its records at once; the others
    (and every type when ``batch`` is False: the one-read-per-object baseline) are read one
    ``inspect`` at a time, ``parallel`` at once (DSS answers reads concurrently). Secret
    declarations stay secret in what is returned.
    """
    fresh = getattr(registry, "fresh_reads", None)
    if fresh is not None:
        fresh()  # nothing read by an earlier pass answers for this one
    by_type: dict[str, list[ResourceState]] = {}
    for rec in records:
        by_type.setdefault(rec.type, []).append(rec)
    found: dict[str, Found | None] = {}
    for type_token, recs in by_type.items():
        provider = registry.provider(type_token)
        plain = [(reveal_all(r.inputs), reveal_all(r.outputs)) for r in recs]
        many = getattr(provider, "inspect_many", None)
        if batch and many is not None:
            answers = list(many(plain))
            unread = [k for k, answer in enumerate(answers) if answer is UNREAD]
            read = _inspect_each(provider, [plain[k] for k in unread], parallel)
            for k, answer in zip(unread, read, strict=True):
                answers[k] = answer
        else:
            answers = _inspect_each(provider, plain, parallel)
        for rec, answer in zip(recs, answers, strict=True):
            found[rec.urn] = _secret_like(rec.inputs, answer)
    return found


def _inspect_each(
    provider: Any, plain: list[tuple[dict[str, Any], dict[str, Any]]], parallel: int
) -> list[Found | None]:
    if parallel > 1 and len(plain) > 1:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            return list(pool.map(provider.inspect, *zip(*plain, strict=True)))
    return [provider.inspect(i, o) for i, o in plain]


def _secret_like(declared: Mapping[str, Any], found: Found | None) -> Found | None:
    if found is None:
        return None
    return attrs.evolve(found, inputs=secret_like(declared, found.inputs))
