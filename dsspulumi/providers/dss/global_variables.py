"""Provider for ``dss:GlobalVariables``: the declared keys of the instance variables.

DSS saves the variables as one whole dict (GET, then PUT of everything, dss-rest-api.md
§9.4), so every write reads the dict, changes only the stack's keys and writes it back;
keys set by someone else are kept. A declared key that already exists and is not the
stack's (at creation, or added by an update) is a conflict: it is never taken over.
There is no object to mark: the record itself says which keys are the stack's. What is read,
imported and written is the kind's schema (``Compare.KEYS`` over DSS's one dict).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import ConflictError
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import ADOPTING, Existing, Found, Mark
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.client import DssSession
from dsspulumi.providers.dss.instance import admin_call
from dsspulumi.resources.global_variables import NAME
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState

TOKEN = "dss:GlobalVariables"


class GlobalVariablesProvider(Updates):
    # The create itself checks that no declared key is taken (a precise conflict message).
    marks_on_create = True

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def _read(self) -> Any:
        with admin_call(self.s, "read the instance variables"):
            return self.s.client.get_global_variables()

    def _save(self, variables: Any) -> None:
        with admin_call(self.s, "save the instance variables"):
            variables.save()

    @staticmethod
    def _taken(current: Mapping[str, Any], keys: Any) -> None:
        taken = sorted(k for k in keys if k in current)
        if taken:
            raise ConflictError(
                f"instance variable(s) {', '.join(taken)} already exist in DSS and were not set "
                "by this stack; nothing was changed. Rename them in the stack, or remove them "
                "from DSS (Administration > Settings > Variables) if they are not needed"
            )

    def _write(self, current: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        """Write the declared keys (the kind's schema) into DSS's dict and save it whole."""
        doc = {"variables": dict(current)}
        schema.write_into(registry.resource_class(TOKEN), doc, new, old)
        current.clear()
        current.update(doc["variables"])
        self._save(current)

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        current = self._read()
        self._taken(current, inputs["variables"])
        self._write(current, inputs, None)
        return {"mark": mark.id}

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        """The stack's keys as DSS holds them; None when none is left, or when no write of
        the stack's is recorded (keys of that name are then someone else's: ``create``
        refuses them with a precise message)."""
        mark = outputs.get("mark")
        if not isinstance(mark, str) and not outputs.get(ADOPTING):
            return None
        doc = {"variables": dict(self._read())}
        view = schema.view_of(registry.resource_class(TOKEN), doc, inputs)
        if not view["variables"]:
            return None
        return Found(view, mark if isinstance(mark, str) else None)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None

    def read_existing(self, identity: str) -> Existing | None:
        """Every instance variable (``dss import resource GlobalVariables VAR
        instance-variables``): adopting them makes them the stack's keys."""
        current = dict(self._read())
        if not current or identity != NAME:
            return None
        inputs = schema.existing_of(registry.resource_class(TOKEN), {"variables": current})
        return Existing(TOKEN, identity, inputs, outputs={ADOPTING: True})

    def list_existing(self, project_key: str) -> list[Existing]:
        return []  # not part of any project

    def _update(self, change: Change) -> dict[str, Any]:
        current = self._read()
        added = [k for k in change.new["variables"] if k not in change.before.get("variables", {})]
        self._taken(current, added)
        self._write(current, change.new, change.before)
        out = {"mark": change.mark.id} if change.mark is not None else dict(change.outputs)
        out.pop(ADOPTING, None)
        return out

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        current = self._read()
        if not any(k in current for k in inputs["variables"]):
            return
        doc = {"variables": dict(current)}
        schema.remove_from(registry.resource_class(TOKEN), doc, inputs)
        current.clear()
        current.update(doc["variables"])
        self._save(current)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    doc = client.get_global_variables()  # a dict that saves itself
    for name in rec.inputs["variables"]:
        doc[name] = HAND
    doc.save()


SELFTEST = Sample(
    TOKEN,
    'dss.GlobalVariables({"${name}_var": "selftest v$v"})',
    logical="instance-variables",
    path="variables",
    drift=_selftest_drift,
    admin=True,
)
