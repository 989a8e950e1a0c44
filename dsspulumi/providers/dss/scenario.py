"""Provider for ``dss:Scenario`` (step-based and custom-python), addressed by generated id.

Create (dss-rest-api.md §6): POST ``/scenarios/`` with a definition (``create_scenario``),
answered with the new id; then GET + PUT of the whole definition (and, for a custom-python
scenario, GET + PUT of the ``payload``: the 5-call sequence), because whether DSS keeps what
a creation body carries is UNVERIFIED. The id is the scenario's output and every later call
addresses it; names need not be unique.

Ownership: the mark goes into the definition's ``customFields``, where DSS keeps custom fields
for its objects (that scenarios have them is UNVERIFIED; the scenario JSON of third-party
references carries ``customFields``, and the provider reads the mark back before trusting
it). For the instant between the POST and the PUT, the creation body carries the mark twice
-- in ``customFields`` and as a ``dsspulumi-mark:`` tag, the way a project does -- so that
whichever DSS keeps proves it; the PUT then leaves only the custom field.

A create whose answer is lost has no id to look up: the scenarios of that name are read and
the one carrying this run's mark is this run's. After a crash in that instant, the next run
reads the newest same-named scenario carrying a mark, and the engine adopts it only if that
is the interrupted operation's mark; a scenario carrying another mark, or none, is never
adopted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ProviderError
from dsspulumi.faults import crash_point
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import (
    NotFound,
    after_creation,
    apply_descriptive,
    check_owner,
    created_at,
    managed_value,
    mark_fields,
    mark_tag,
    pick_paths,
    without_mark_tags,
    write_mark,
)
from dsspulumi.providers.dss.generated import GeneratedIdProvider
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState

STEP_ENVELOPE = {
    "enabled": True,
    "runConditionType": "RUN_IF_STATUS_MATCH",
    "runConditionStatuses": ["SUCCESS", "WARNING"],
    "runConditionExpression": "",
    "resetScenarioStatus": False,
    "delayBetweenRetries": 10,
    "maxRetriesOnFail": 0,
}


def merge_items(
    existing: list[Any],
    declared: list[Mapping[str, Any]],
    previous: list[Mapping[str, Any]] | None,
    *,
    defaults: Mapping[str, Any] | None = None,
    id_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """Steps, triggers or reporters as declared, keeping what DSS added to each.

    An item is matched by position and type: fields DSS keeps there (its id, envelope
    defaults, params the stack does not set) survive; params the stack had set and no
    longer declares are dropped.
    """
    out = []
    for i, want in enumerate(declared):
        base = existing[i] if i < len(existing) and isinstance(existing[i], dict) else {}
        if base.get("type") != want.get("type"):
            base = {}
        item = {**dict(defaults or {}), **copy.deepcopy(base)}
        before = previous[i] if previous and i < len(previous) else {}
        params = dict(item.get("params") or {})
        if before.get("type") == want.get("type"):
            for key in before.get("params") or {}:
                params.pop(key, None)
        params.update(copy.deepcopy(dict(want.get("params") or {})))
        item.update({k: copy.deepcopy(v) for k, v in want.items() if k != "params"})
        item["params"] = params
        if id_prefix is not None and not item.get("id"):
            item["id"] = f"{id_prefix}_{i}_{want.get('type')}"
        out.append(item)
    return out


def _plain_item(item: Any) -> Any:
    """A step, trigger or reporter as a declaration would hold it (without DSS's own id)."""
    return (
        {k: copy.deepcopy(v) for k, v in item.items() if k != "id"}
        if isinstance(item, dict)
        else item
    )


def _view_items(actual: Any, declared: list[Mapping[str, Any]]) -> list[Any]:
    """The items DSS holds, shaped like the declared ones (extra items shown whole)."""
    out = []
    for i, item in enumerate(actual if isinstance(actual, list) else []):
        if i < len(declared) and isinstance(item, dict):
            out.append(pick_paths(item, declared[i]))
        else:
            out.append({k: v for k, v in item.items() if k != "id"})
    return out


def apply_definition(
    d: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The definition with the declared properties written in; everything else kept."""
    d = copy.deepcopy(d)
    prev = old or {}
    d["name"] = new["name"]
    d["active"] = new["active"]
    if new.get("run_as") is not None:
        d["runAsUser"] = new["run_as"]
    elif prev.get("run_as") is not None:
        d.pop("runAsUser", None)  # no longer declared: back to "the last modifier"
    d["triggers"] = merge_items(d.get("triggers") or [], new["triggers"], prev.get("triggers"))
    d["reporters"] = merge_items(d.get("reporters") or [], new["reporters"], prev.get("reporters"))
    if new.get("steps") is not None:
        params = d.setdefault("params", {})
        params["steps"] = merge_items(
            params.get("steps") or [],
            new["steps"],
            prev.get("steps"),
            defaults=STEP_ENVELOPE,
            id_prefix="step",
        )
    apply_descriptive(d, new, old)
    return d


class ScenarioProvider(GeneratedIdProvider):
    marks_on_create = True  # the creation body carries the mark (custom field and tag)
    noun = "scenario"
    type_token = "dss:Scenario"

    def _handle(self, inputs: Mapping[str, Any], scenario_id: str) -> Any:
        return self.s.client.get_project(inputs["project"]).get_scenario(scenario_id)

    # --- the provider protocol ----------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        project = self.s.client.get_project(inputs["project"])
        definition = apply_definition({"params": {}}, inputs, None)
        definition["customFields"] = {}
        write_mark(definition, mark)
        definition["tags"] = [*definition.get("tags", []), mark_tag(mark)]
        self._remember(inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            handle = project.create_scenario(inputs["name"], inputs["type"], definition)
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        with after_creation(self._what(inputs, handle.id)):
            self._write(Change.creating(inputs, mark, {"id": handle.id}))
        return {"id": handle.id}

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            scenario_id = self._locate(inputs, outputs, self._attempted(inputs))
            settings = self._settings(inputs, scenario_id)
        except NotFound:
            return None
        d = settings.get_raw()
        steps = (d.get("params") or {}).get("steps")
        view = {
            "project": inputs["project"],
            "name": d.get("name"),
            "type": d.get("type"),
            "active": d.get("active"),
            "steps": None if inputs.get("steps") is None else _view_items(steps, inputs["steps"]),
            "script": managed_value(inputs.get("script"), getattr(settings, "code", None)),
            "triggers": _view_items(d.get("triggers"), inputs["triggers"]),
            "reporters": _view_items(d.get("reporters"), inputs["reporters"]),
            "run_as": managed_value(inputs.get("run_as"), d.get("runAsUser")),
            "description": managed_value(inputs.get("description"), d.get("description") or ""),
            "tags": without_mark_tags(d.get("tags")),
            "extra_settings": pick_paths(d, inputs["extra_settings"]),
        }
        return Found(view, created_at=created_at(d), outputs={"id": scenario_id}, **mark_fields(d))

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
        steps = (d.get("params") or {}).get("steps")
        inputs = {
            "project": key,
            "name": d.get("name"),
            "type": d.get("type"),
            "active": bool(d.get("active")),
            "steps": [_plain_item(x) for x in steps] if isinstance(steps, list) else None,
            "script": getattr(settings, "code", None) if d.get("type") == "custom_python" else None,
            "triggers": [_plain_item(x) for x in d.get("triggers") or []],
            "reporters": [_plain_item(x) for x in d.get("reporters") or []],
            "run_as": d.get("runAsUser"),
            "description": d.get("description") or None,
            "tags": without_mark_tags(d.get("tags")),
            "extra_settings": {},
        }
        return Existing(
            "dss:Scenario",
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

    def _write(self, change: Change) -> None:
        new, old, owner, mark = change.new, change.old, change.owner, change.mark
        scenario_id = change.outputs["id"]
        settings = self._settings(new, scenario_id)
        raw = settings.get_raw()
        check_owner(raw, owner, self._what(new, scenario_id))
        updated = apply_definition(raw, new, old)
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
