"""Provider for ``dss:FlowZone``: zones addressed by the id DSS generates.

Create is POST ``/flow/zones`` (``flow.create_zone``, answered with the zone and its new id),
then, when declared, PUT of the settings (``extra_settings``) and POST ``.../add-items`` of
the items (dss-rest-api.md §7). The id and the creating operation's mark are the outputs:
zones have nowhere to carry a mark (see ``owned``). Items no longer declared, if still in
the zone, are moved back to the default zone; deleting a zone sends DSS's own way every item
back there.

Zone names need not be unique in DSS, but a stack names each of its zones once per project,
and a zone has no mark nor creation time that could tell ours from another of the same name:
so, as for datasets, a create first checks that no zone of that name exists (one of someone
else's is a conflict, reported before anything is sent). A create whose answer is lost is
resolved by that same name: the zone of that name that appeared after a listing taken just
before the call is this run's. After a crash in the instant between the call and the record,
the next run finds a zone of that name it cannot prove is its own: it is never adopted, and
the create is reported as a conflict naming it (nothing is created twice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import NotFound
from dsspulumi.providers.dss.generated import GeneratedIds
from dsspulumi.providers.dss.owned import carry_mark, recorded_mark
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState

_FIXED = ("id", "items", "shared")


class FlowZoneProvider(GeneratedIds):
    # A zone carries no mark (its kind declares ``holds_mark = False``): a create first checks
    # that its name is free (as for datasets), and then the id DSS answered is the proof of
    # ownership; a lost answer is settled by the generic fallback (``generated``).
    marks_on_create = False
    type_token = "dss:FlowZone"

    def _kind(self) -> type:
        return registry.resource_class(self.type_token)

    def _what(self, inputs: Mapping[str, Any], ident: str | None = None) -> str:
        return f"flow zone {inputs['project']}.{inputs['name']}"

    def _flow(self, key: str) -> Any:
        return self.s.client.get_project(key).get_flow()

    def _zones(self, key: str) -> list[dict[str, Any]]:
        with self.s.call(f"list the flow zones of project {key}"):
            return [z._raw for z in self._flow(key).list_zones()]

    def _object(self, ref: Mapping[str, Any], key: str) -> Any:
        project = self.s.client.get_project(ref.get("projectKey", key))
        if ref["objectType"] == "RECIPE":
            return project.get_recipe(ref["objectId"])
        if ref["objectType"] == "MANAGED_FOLDER":
            return project.get_managed_folder(ref["objectId"])
        return project.get_dataset(ref["objectId"])

    # --- locating the zone ------------------------------------------------------------------

    def _zone_id(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, proven: bool = False
    ) -> tuple[str, str]:
        """The zone id and the mark it was created with (``""`` when it cannot be told)."""
        zone_id, mark = self._locate_unmarked(inputs, outputs, proven=proven)
        return zone_id, mark or ""

    def _zone(self, key: str, zone_id: str) -> Any:
        with self.s.call(f"read flow zone {key}.{zone_id}"):
            return self._flow(key).get_zone(zone_id)

    # --- the provider protocol ----------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        key = inputs["project"]
        self._remember(inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            zone = self._flow(key).create_zone(inputs["name"], color=inputs["color"])
        crash_point("after-create-call", f"{key}.{inputs['name']}")
        outputs = carry_mark({}, mark, id=zone.id)
        try:
            self._converge(zone, inputs, None)
        except ProviderError as exc:
            raise ProviderError(
                f"{self._what(inputs)} was created (id {zone.id}), but moving its items in "
                f"failed: {exc}",
                dss_message=exc.dss_message,
            ) from exc
        return outputs

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            zone_id, mark = self._zone_id(inputs, outputs)
            raw = self._zone(inputs["project"], zone_id)._raw
        except NotFound:
            return None
        return self._found(raw, inputs, zone_id, mark)

    def inspect_many(
        self, items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Found | None]:
        """One ``GET .../flow/zones`` per project: it lists every zone whole (items
        included, dss-rest-api.md §10). A zone whose id was never recorded is read alone."""
        listed: dict[str, dict[str, dict[str, Any]] | None] = {}
        answers: list[Found | None] = []
        for inputs, outputs in items:
            zone_id = outputs.get("id")
            if not isinstance(zone_id, str):
                answers.append(self.inspect(inputs, outputs))
                continue
            key = inputs["project"]
            if key not in listed:
                try:
                    listed[key] = {z["id"]: z for z in self._zones(key)}
                except NotFound:
                    listed[key] = None
            raw = (listed[key] or {}).get(zone_id)
            mark = recorded_mark(outputs) or ""
            answers.append(None if raw is None else self._found(raw, inputs, zone_id, mark))
        return answers

    def _found(
        self, raw: Mapping[str, Any], inputs: Mapping[str, Any], zone_id: str, mark: str
    ) -> Found:
        view = schema.view_of(self._kind(), raw, inputs, project=inputs["project"])
        outputs_found = {"id": zone_id, **({"mark": mark} if mark else {})}
        return Found(view, mark or None, outputs=outputs_found)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None  # zones have no .get(): their ids are not known in advance

    # --- import: zones are found by their generated id (``PROJECT.id``) ---------------------
    def read_existing(self, identity: str) -> Existing | None:
        key, _, zone_id = identity.rpartition(".")
        if not key or zone_id == "default":  # the default zone is DSS's own, not declarable
            return None
        try:
            raw = self._zone(key, zone_id)._raw
        except NotFound:
            return None
        inputs = schema.existing_of(self._kind(), raw, project=key)
        return Existing("dss:FlowZone", f"{key}.{raw.get('name')}", inputs, {"id": zone_id})

    def _update(self, change: Change) -> dict[str, Any]:
        try:
            zone_id, _ = self._zone_id(change.new, change.outputs, proven=True)
        except NotFound as exc:
            raise ProviderError(f"{self._what(change.new)} cannot be changed: {exc}") from exc
        self._converge(self._zone(change.new["project"], zone_id), change.new, change.old)
        return carry_mark(change.outputs, change.mark, id=zone_id)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            zone_id, _ = self._zone_id(inputs, outputs, proven=True)
            zone = self._zone(inputs["project"], zone_id)
            with self.s.call(f"delete {self._what(inputs)}"):
                zone.delete()
        except NotFound:
            pass

    def _converge(self, zone: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        """Name, colour and extra settings (one PUT if any differ), then the items."""
        key = new["project"]
        raw = zone._raw
        settings = zone.get_settings()
        wanted = {k: v for k, v in raw.items() if k not in _FIXED}
        schema.write_into(self._kind(), wanted, new, old)  # name, colour, extra settings
        if any(raw.get(k) != v for k, v in wanted.items()):
            settings.get_raw().update(wanted)
            with self.s.call(f"save the settings of {self._what(new)}"):
                settings.save()
        items = list(raw.get("items") or [])
        missing = [r for r in new["items"] if r not in items]
        if missing:
            with self.s.call(f"move {len(missing)} item(s) into {self._what(new)}"):
                zone.add_items([self._object(r, key) for r in missing])
        released = [r for r in (old or {}).get("items", []) if r not in new["items"] and r in items]
        if released:
            with self.s.call(f"move {len(released)} item(s) back to the default zone"):
                self._flow(key).get_default_zone().add_items(
                    [self._object(r, key) for r in released]
                )


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    flow = client.get_project(rec.inputs["project"]).get_flow()
    settings = flow.get_zone(rec.outputs.get("id")).get_settings()
    settings.color = "#123456"
    settings.save()


SELFTEST = Sample(
    "dss:FlowZone",
    'dss.FlowZone("selftest_zone", project=project,\n'
    '             color="#ff9900" if "$v" == "1" else "#0099ff", items=[dataset])',
    logical="$key.selftest_zone",
    path="color",
    drift=_selftest_drift,
)
