"""Provider for ``dss:Recipe`` (python, sql_query, sync, and the visual shaker, grouping, join).

Python recipes are created with their code in one POST; the ownership mark
rides in the recipe prototype's ``customFields``, so it is there from the first
instant. A SQL query cannot be passed at creation (dss-rest-api.md §4.2), so
it is POST, GET, PUT. Visual recipes follow DSS's own sequence: the creator of
their type POSTs (a join's inputs go as ``virtualInputs``, a grouping's first
key as ``groupKey``), DSS builds a default payload, then GET + PUT writes the
declared payload (``recipe_payload``). Any later change is one GET + one PUT of
the ``{recipe, payload}`` document.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.provider import Existing, Mark
from dsspulumi.providers.dss import recipe_payload
from dsspulumi.providers.dss.client import (
    NotFound,
    ProjectObjectProvider,
    after_creation,
    apply_descriptive,
    existing_in,
    managed_value,
    pick_paths,
    read_mark,
    write_mark,
)
from dsspulumi.providers.dss.inventory import listed
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState


def _split_ref(ref: str) -> tuple[str, str | None]:
    if "." in ref:
        project, name = ref.split(".", 1)
        return name, project
    return ref, None


def _refs(role_map: Mapping[str, Any] | None) -> list[str]:
    items = ((role_map or {}).get("main") or {}).get("items") or []
    return [i.get("ref") for i in items]


def apply_definition(
    recipe: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    r = copy.deepcopy(recipe)
    inputs = r.setdefault("inputs", {})
    old_in = {i.get("ref"): i for i in ((inputs.get("main") or {}).get("items") or [])}
    inputs["main"] = {
        "items": [old_in.get(ref) or {"ref": ref, "deps": []} for ref in new["inputs"]]
    }
    outputs = r.setdefault("outputs", {})
    old_out = {i.get("ref"): i for i in ((outputs.get("main") or {}).get("items") or [])}
    outputs["main"] = {
        "items": [old_out.get(ref) or {"ref": ref, "appendMode": False} for ref in new["outputs"]]
    }
    apply_descriptive(r, new, old)
    return r


class RecipeProvider(ProjectObjectProvider, MarkReleaser):
    marks_on_create = True  # the recipe prototype carries customFields

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"{inputs.get('type') or ''} recipe {inputs['project']}.{inputs['name']}".lstrip()

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        return self.s.client.get_project(inputs["project"]).get_recipe(inputs["name"])

    def _raw(self, settings: Any) -> dict[str, Any]:
        raw: dict[str, Any] = settings.get_recipe_raw_definition()
        return raw

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        project = self.s.client.get_project(inputs["project"])
        creator = project.new_recipe(inputs["type"], inputs["name"])
        write_mark(creator.recipe_proto, mark)
        for ref in inputs["inputs"]:
            name, other = _split_ref(ref)
            creator.with_input(name, project_key=other)
        for ref in inputs["outputs"]:
            creator.with_output(ref)
        keys = (inputs.get("settings") or {}).get("keys")
        if inputs["type"] == "grouping" and keys:
            creator.with_group_key(keys[0])  # the creator takes only the first key
        code_in_creation = inputs["type"] == "python"
        if code_in_creation:
            creator.with_script(inputs.get("code") or "")
        with self.s.call(f"create {self._what(inputs)}"):
            creator.create()
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        needs_write = (
            (not code_in_creation and inputs.get("code") is not None)
            or inputs.get("description") is not None
            or inputs.get("tags")
            or inputs.get("extra_settings")
            or inputs.get("settings") is not None
        )
        if needs_write:
            self._complete_create(inputs, mark)
        else:
            self._ensure_mark(inputs, mark)
        return {}

    def _ensure_mark(self, inputs: Mapping[str, Any], mark: Mark) -> None:
        """Whether DSS keeps ``customFields`` from a recipe prototype is unverified: check."""
        with after_creation(self._what(inputs)):
            settings = self._settings(inputs)
            if read_mark(self._raw(settings)) != mark.id:
                write_mark(self._raw(settings), mark)
                with self.s.call(f"save the settings of {self._what(inputs)}"):
                    settings.save()

    def _view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        r = settings.get_recipe_raw_definition()
        refs = _refs(r.get("inputs"))
        view = {
            "project": inputs["project"],
            "name": inputs["name"],
            "type": r.get("type"),
            "inputs": refs,
            "outputs": _refs(r.get("outputs")),
            "code": managed_value(inputs.get("code"), settings.data.get("payload") or ""),
            "description": managed_value(inputs.get("description"), r.get("description") or ""),
            "tags": list(r.get("tags") or []),
            "extra_settings": pick_paths(r, inputs["extra_settings"]),
        }
        if "settings" in inputs:
            view["settings"] = recipe_payload.read(
                str(r.get("type")), settings.data.get("payload"), inputs["settings"], refs
            )
        return view

    # The recipe types a resource class declares, and whether their payload is code.
    CODE_TYPES = {"python": True, "sql_query": True, "sync": False, "r": True, "pyspark": True}
    CODE_TYPES.update(spark_sql_query=True, shell=True)  # resources/code_recipes.py

    def _names(self, project_key: str) -> list[str]:
        # The list items carry name, type and tags only (never the payload): each recipe is
        # then read once (dss-rest-api.md §10).
        try:
            return [obj.id for obj in listed(self.s, project_key, "dss:Recipe")]
        except NotFound:
            return []

    def _existing(self, settings: Any, project_key: str, name: str) -> Existing:
        r = settings.get_recipe_raw_definition()
        type_ = r.get("type")
        has_code = self.CODE_TYPES.get(type_)
        inputs = {
            "project": project_key,
            "name": name,
            "type": type_,
            "inputs": _refs(r.get("inputs")),
            "outputs": _refs(r.get("outputs")),
            "code": (settings.data.get("payload") or "") if has_code else None,
            "description": r.get("description") or None,
            "tags": list(r.get("tags") or []),
            "extra_settings": {},
        }
        visual = recipe_payload.read(str(type_), settings.data.get("payload"), {}, inputs["inputs"])
        if visual is not None:  # Prepare, Group, Join: their typed settings, all of them
            inputs["settings"] = visual
        why = None
        if has_code is None and visual is None:
            why = f"importing recipes of type {type_!r} is not supported yet"
        elif not inputs["inputs"] or not inputs["outputs"]:
            why = "a recipe without inputs or outputs (dsspulumi recipes need both)"
        return existing_in("dss:Recipe", f"{project_key}.{name}", inputs, r, why)

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        settings.data["recipe"] = apply_definition(settings.get_recipe_raw_definition(), new, old)
        settings.recipe_settings = settings.data["recipe"]
        if new.get("code") is not None:
            settings.set_payload(new["code"])
        if new.get("settings") is not None:
            settings.set_payload(
                recipe_payload.write(
                    new["type"], settings.data.get("payload"), new["settings"], new["inputs"]
                )
            )


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    settings = client.get_project(rec.inputs["project"]).get_recipe(rec.inputs["name"])
    settings = settings.get_settings()
    settings.set_code("print('changed by hand')\n")
    settings.save()


SELFTEST = Sample(
    "dss:Recipe",
    'output = dss.ManagedDataset("selftest_out", project=project,\n'
    '                            connection="filesystem_managed")\n'
    'recipe = dss.PythonRecipe("selftest_recipe", project=project, inputs=[dataset],\n'
    "                          outputs=[output], code=\"print('selftest v$v')\\n\",\n"
    '                          description="selftest recipe")',
    logical="$key.selftest_recipe",
    path="code",
    drift=_selftest_drift,
)
