"""Provider for ``dss:Scenario`` (step-based and custom-python), addressed by generated id.

Create (dss-rest-api.md §6): POST ``/scenarios/`` with the whole definition
(``create_scenario``), answered with the new id. Whether DSS keeps what a creation body
carries is UNVERIFIED: the first create of each scenario type in a run reads its scenario
back (``creation``); if DSS kept it, later creates are that one call; if not, each is
followed by GET + PUT of the whole definition, as before. A custom-python scenario's script
is its payload, never in the creation call: it is always written after (GET + PUT of the
definition and the ``payload``). The id is the scenario's output and every later call
addresses it; names need not be unique.

Ownership: the mark goes into the definition's ``customFields``, where DSS keeps custom fields
for its objects (that scenarios have them is UNVERIFIED; the scenario JSON of third-party
references carries ``customFields``, and the provider reads the mark back before trusting
it). For the instant between the POST and the PUT, the creation body carries the mark twice
-- in ``customFields`` and as a ``dsspulumi-mark:`` tag, the way a project does -- so that
whichever DSS keeps proves it; the PUT then leaves only the custom field. Once DSS was seen
keeping the custom field in this run, the tag is no longer sent (and no PUT follows).

A create whose answer is lost has no id to look up: the scenarios of that name are read and
the one carrying this run's mark is this run's. After a crash in that instant, the next run
reads the newest same-named scenario carrying a mark, and the engine adopts it only if that
is the interrupted operation's mark; a scenario carrying another mark, or none, is never
adopted.

What is read, imported and written comes from the kind's schema (``resources/scenario.py``:
steps, triggers and reporters are item lists, ``kinds.items``); only the python scenario's
script is the provider's own, since DSS keeps it as the payload, not in the definition.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from dsspulumi.errors import ProviderError
from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import UNREAD, Existing, Found, Mark
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import (
    NotFound,
    after_creation,
    check_owner,
    created_at,
    fields_mark,
    managed_value,
    mark_fields,
    mark_tag,
    write_mark,
)
from dsspulumi.providers.dss.generated import GeneratedIdProvider
from dsspulumi.providers.dss.project_export import exports
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState

TOKEN = "dss:Scenario"


def definition_of(
    raw: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The definition with the declared properties written in (the kind's schema); all else
    kept. The script of a python scenario is not in it: it is the scenario's payload."""
    out = copy.deepcopy(raw)
    schema.write_into(registry.resource_class(TOKEN), out, new, old)
    return out


class ScenarioProvider(GeneratedIdProvider):
    marks_on_create = True  # the creation body carries the mark (custom field and tag)
    noun = "scenario"
    type_token = TOKEN

    def _handle(self, inputs: Mapping[str, Any], scenario_id: str) -> Any:
        return self.s.client.get_project(inputs["project"]).get_scenario(scenario_id)

    # --- the provider protocol ----------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        project = self.s.client.get_project(inputs["project"])
        definition = definition_of({"params": {}}, inputs, None)
        definition["customFields"] = {}
        write_mark(definition, mark)
        kind = f"{inputs['type']} scenario"
        trusted = self.s.creation.kept(kind) is True
        if not trusted:  # the tag too, until DSS is seen keeping customFields
            definition["tags"] = [*definition.get("tags", []), mark_tag(mark)]
        self._remember(inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            handle = project.create_scenario(inputs["name"], inputs["type"], definition)
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        outputs = {"id": handle.id}
        change = Change.creating(inputs, mark, outputs)
        read: list[Any] = []  # the check's read, which a write after it reuses

        def check() -> bool:
            """Whether the new scenario holds its mark in customFields (the tag sent along
            proves nothing about them) and every declared setting (the script, a payload,
            is never in the creation call)."""
            read.append(self._settings(inputs, handle.id))
            found = self._found(inputs, handle.id, read[-1])
            kept = fields_mark(read[-1].get_raw()) == mark.id
            return kept and found.inputs == dict(inputs)

        with after_creation(self._what(inputs, handle.id)):
            kept = inputs.get("script") is None and self.s.creation.created(kind, check)
            if not kept or not trusted:  # written again: the settings, or without the tag
                self._write(change, read[-1] if read else None)
        return outputs

    def _found(self, inputs: Mapping[str, Any], scenario_id: str, settings: Any) -> Found:
        return self._found_in(
            inputs, scenario_id, settings.get_raw(), getattr(settings, "code", None)
        )

    def _found_in(
        self, inputs: Mapping[str, Any], scenario_id: str, d: dict[str, Any], code: str | None
    ) -> Found:
        view = schema.view_of(registry.resource_class(TOKEN), d, inputs, project=inputs["project"])
        view["script"] = managed_value(inputs.get("script"), code)
        return Found(view, created_at=created_at(d), outputs={"id": scenario_id}, **mark_fields(d))

    def inspect_many(
        self, items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Found | None]:
        """From one project export per project (``project_export``); a scenario without a
        recorded id, or that the export does not show, is read on its own."""
        answers: list[Found | None] = []
        for inputs, outputs in items:
            ident = outputs.get("id")
            export = exports(self.s).of(inputs["project"]) if isinstance(ident, str) else None
            doc = export.scenario(str(ident)) if export is not None else None
            if doc is None:
                answers.append(UNREAD)  # read on its own by the caller
            else:
                answers.append(self._found_in(inputs, str(ident), doc[0], doc[1]))
        return answers

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            scenario_id = self._locate(inputs, outputs, self._attempted(inputs))
            settings = self._settings(inputs, scenario_id)
        except NotFound:
            return None
        return self._found(inputs, scenario_id, settings)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None  # scenarios have no .get(): names are not unique in DSS

    # --- import: scenarios are found by their generated id (``PROJECT.id``) ----------------
    def read_existing(self, identity: str) -> Existing | None:
        key, _, scenario_id = identity.rpartition(".")
        if not key:
            return None
        try:
            settings = self._settings({"project": key, "name": scenario_id}, scenario_id)
        except NotFound:
            return None
        return self._existing(key, scenario_id, settings)

    def list_existing(self, project_key: str) -> list[Existing]:
        try:
            items = self._listing(project_key)
        except NotFound:
            return []
        found: list[Existing] = []
        seen: set[str] = set()
        for item in items:
            existing = self.read_existing(f"{project_key}.{item['id']}")
            if existing is None:
                continue
            if existing.identity in seen:  # DSS allows it; a stack names objects uniquely
                existing = attrs.evolve(
                    existing,
                    identity=f"{existing.identity} (id {item['id']})",
                    unmodelled="another scenario of the project has the same name",
                )
            seen.add(existing.identity)
            found.append(existing)
        return found

    def _existing(self, key: str, scenario_id: str, settings: Any) -> Existing:
        d = settings.get_raw()
        inputs = schema.existing_of(registry.resource_class(TOKEN), d, project=key)
        if d.get("type") == "custom_python":
            inputs["script"] = getattr(settings, "code", None)
        return Existing(
            TOKEN,
            f"{key}.{d.get('name')}",
            inputs,
            outputs={"id": scenario_id},
            **mark_fields(d),
        )

    def _update(self, change: Change) -> dict[str, Any]:
        owner = change.owner
        marks = ({owner} if owner is not None else set()) | self._attempted(change.new)
        if not isinstance(change.outputs.get("id"), str) and not marks:
            raise ProviderError(
                f"{self._what(change.new)}: its id was never recorded and it carries no mark to "
                "find it by, so it was left untouched; run `dss refresh` to drop it from the state"
            )
        try:
            scenario_id = self._locate(change.new, change.outputs, marks)
        except NotFound as exc:
            raise ProviderError(f"{self._what(change.new)} is not in DSS any more ({exc})") from exc
        self._write(change.with_outputs(id=scenario_id))
        return {**dict(change.outputs), "id": scenario_id}

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            marks = {owner} if owner is not None else set()
            if not isinstance(outputs.get("id"), str) and not marks:
                return  # nothing proves which scenario is ours: never delete a guess
            scenario_id = self._locate(inputs, outputs, marks)
            if owner is not None:
                raw = self._settings(inputs, scenario_id).get_raw()
                check_owner(raw, owner, self._what(inputs, scenario_id))
            with self.s.call(f"delete {self._what(inputs, scenario_id)}"):
                self._handle(inputs, scenario_id).delete()
        except NotFound:
            pass

    def _write(self, change: Change, settings: Any = None) -> None:
        """One read-modify-write of the definition (``settings``: read already)."""
        new, owner, mark = change.new, change.owner, change.mark
        scenario_id = change.outputs["id"]
        settings = settings or self._settings(new, scenario_id)
        raw = settings.get_raw()
        check_owner(raw, owner, self._what(new, scenario_id))
        updated = definition_of(raw, new, change.old)
        if mark is not None:
            write_mark(updated, mark)
        raw.clear()
        raw.update(updated)
        if new.get("script") is not None:
            settings.code = new["script"]
        with self.s.call(f"save the settings of {self._what(new, scenario_id)}"):
            settings.save()


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    settings = project.get_scenario(rec.outputs.get("id")).get_settings()
    settings.active = not rec.inputs.get("active")
    settings.save()


SELFTEST = Sample(
    "dss:Scenario",
    'dss.Scenario("selftest_scenario", project=project, active="$v" == "2",\n'
    "             steps=[dss.BuildStep([output])],\n"
    '             triggers=[dss.TemporalTrigger("Daily", hour=2, minute=30)])',
    logical="$key.selftest_scenario",
    path="active",
    drift=_selftest_drift,
)
