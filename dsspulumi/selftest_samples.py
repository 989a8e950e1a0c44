"""What ``dss selftest`` declares for each kind: one small sample, one update, one hand change.

Each sample is a few lines of a stack program (``string.Template``: ``$key`` is the
throwaway project's key, ``$name`` the kind's prefixed instance name, ``$v`` the version:
``1`` when created, ``2`` after the update, ``$group`` a group the API key belongs to).
The samples are declared in dependency order (:data:`FIRST`, then the other kinds in
registry order), so a later one may use an earlier one's variable (the recipe reads the
dataset). ``drift`` changes one field of the object through
``dataikuapi`` by hand, as a colleague would in the DSS UI. ``path`` is the one property both
change: the update must plan a change of it, and ``--refresh`` must then report it as changed.

Each kind's sample sits next to its provider (``SELFTEST`` in its module of
``dsspulumi.providers.dss``, which knows both DSS and the kind); this module holds the
``Sample`` class and the helpers they share, and collects them through the kinds registry. A
kind the tool supports without a sample is reported by ``dss selftest`` as not covered (exit
1): adding a kind means adding its sample.
"""

from __future__ import annotations

from collections.abc import Callable
from string import Template
from typing import Any

import attrs

from dsspulumi.kinds.registry import provider_module, tokens
from dsspulumi.state import ResourceState

HAND = "changed by hand (dss selftest)"

Drifter = Callable[[Any, ResourceState], None]


@attrs.frozen
class Sample:
    """One kind's sample (see the module docstring)."""

    type: str
    source: str  # stack program lines (string.Template)
    logical: str  # the logical name of the object checked through update and drift
    path: str  # the property the update (v1 -> v2) and the hand change (``drift``) both change
    drift: Drifter  # a change made through dataikuapi by hand
    admin: bool = False  # an instance-level kind: needs an admin API key

    def render(self, **values: str) -> str:
        return Template(self.source).substitute(values)

    def logical_name(self, **values: str) -> str:
        return Template(self.logical).substitute(values)


def raw_settings_drift(getter: Callable[[Any, ResourceState], Any]) -> Drifter:
    """A change of ``description`` in an object's settings document (get, edit, save)."""

    def drift(client: Any, rec: ResourceState) -> None:
        settings = getter(client.get_project(rec.inputs["project"]), rec)
        settings.get_raw()["description"] = HAND
        settings.save()

    return drift


def definition_drift(getter: Callable[[Any, ResourceState], Any], field: str) -> Drifter:
    """A change of ``field`` in an instance object's definition (get, edit, set)."""

    def drift(client: Any, rec: ResourceState) -> None:
        handle = getter(client, rec)
        doc = handle.get_definition()
        doc[field] = HAND
        handle.set_definition(doc)

    return drift


#: Kinds whose samples are declared before the others, in this order: the ones a later sample
#: uses (the group, the dataset, the recipe's output) and those declared first since the
#: selftest began. Every other kind follows in registry order, so a new kind is not listed.
FIRST = (
    "dss:Project",
    "dss:Group",
    "dss:User",
    "dss:Connection",
    "dss:CodeEnv",
    "dss:GlobalVariables",
    "dss:Dataset",
    "dss:ManagedFolder",
    "dss:Recipe",
    "dss:Scenario",
    "dss:ProjectVariables",
    "dss:ProjectPermissions",
    "dss:FlowZone",
)


def samples() -> dict[str, Sample]:
    """The samples by type token, in the order a program declares them (imports every
    provider module: each holds its kind's ``SELFTEST``)."""
    known = tokens()
    order = [t for t in FIRST if t in known] + [t for t in known if t not in FIRST]
    out: dict[str, Sample] = {}
    for token in order:
        sample = getattr(provider_module(token), "SELFTEST", None)
        if sample is not None:
            out[token] = sample
    return out
