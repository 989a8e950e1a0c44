"""Provider for ``dss:Recipe`` (python, sql_query, sync, and the visual shaker, grouping, join).

Python recipes are created with their code in one POST; the ownership mark
rides in the recipe prototype's ``customFields``, so it is there from the first
instant. A SQL query cannot be passed at creation (dss-rest-api.md §4.2), so
it is POST, GET, PUT. Visual recipes follow DSS's own sequence: the creator of
their type POSTs (a join's inputs go as ``virtualInputs``, a grouping's first
key as ``groupKey``), DSS builds a default payload, then GET + PUT writes the
declared payload (``recipe_payload``). Any later change is one GET + one PUT of
the ``{recipe, payload}`` document.

What the definition holds for the stack (type, roles, description, tags, extra settings),
what ``dss import`` reads and what is written into it come from the recipe classes' schema;
the payload (code, or a visual recipe's typed settings) is this provider's own.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import UNREAD, Existing, Found, Mark
from dsspulumi.providers.dss import recipe_payload
from dsspulumi.providers.dss.client import (
    NotFound,
    ProjectObjectProvider,
    after_creation,
    existing_in,
    found_in,
    managed_value,
    read_mark,
    write_mark,
)
from dsspulumi.providers.dss.inventory import listed
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.providers.dss.project_export import exports
from dsspulumi.resources.recipe import _RecipeBase
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState


def _split_ref(ref: str) -> tuple[str, str | None]:
    if "." in ref:
        project, name = ref.split(".", 1)
        return name, project
    return ref, None


def apply_definition(
    recipe: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The definition with the declared properties written in (the schema's): its roles,
    description, tags and extra settings; the payload is written by the provider."""
    r = copy.deepcopy(recipe)
    schema.write_into(_RecipeBase, r, new, old)
    return r


class RecipeProvider(ProjectObjectProvider, MarkReleaser):
    # The recipe prototype carries customFields, but whether DSS keeps them is unverified
    # (``creation``): names are claimed first, from one listing per project (``claims``).
    marks_on_create = False

    def free_since(self, inputs: Mapping[str, Any]) -> float | None:
        key = inputs["project"]
        return self.s.names.free_since(key, "dss:Recipe", inputs["name"], lambda: self._names(key))

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
        if not needs_write:
            # Whether DSS keeps the prototype's ``customFields`` and the script is unverified:
            # the first such create of the run reads its recipe back (``creation``).
            check = functools.partial(self._kept, inputs, mark)
            with after_creation(self._what(inputs)):
                needs_write = not self.s.creation.created(f"{inputs['type']} recipe", check)
        if needs_write:
            self._complete_create(inputs, mark)
        return {}

    def _kept(self, inputs: Mapping[str, Any], mark: Mark) -> bool:
        """Whether the new recipe holds its mark and every declared setting."""
        settings = self._settings(inputs)
        return read_mark(self._raw(settings)) == mark.id and self._view(settings, inputs) == {
            k: val for k, val in inputs.items()
        }

    def _view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        r = settings.get_recipe_raw_definition()
        return self._view_doc(r, settings.data.get("payload"), inputs)

    def inspect_many(
        self, items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Found | None]:
        """One project export per project (``project_export``) instead of a read per recipe;
        a recipe the export does not show is read on its own."""
        answers: list[Found | None] = []
        for inputs, _outputs in items:
            export = exports(self.s).of(inputs["project"])
            doc = export.recipe(inputs["name"]) if export is not None else None
            if doc is None:
                answers.append(UNREAD)  # read on its own by the caller
            else:
                answers.append(found_in(self._view_doc(doc[0], doc[1], inputs), doc[0]))
        return answers

    def _view_doc(
        self, r: Mapping[str, Any], payload: str | None, inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        given: dict[str, Any] = {"project": inputs["project"], "name": inputs["name"]}
        given["code"] = managed_value(inputs.get("code"), payload or "")
        if "settings" in inputs:  # a visual recipe's: read from its payload, as declared
            refs = schema.view_of(_RecipeBase, r, {}, **given)["inputs"]
            given["settings"] = recipe_payload.read(
                str(r.get("type")), payload, inputs["settings"], refs
            )
        return schema.view_of(_RecipeBase, r, inputs, **given)

    @functools.cached_property
    def code_types(self) -> dict[str, bool]:
        """The recipe types a class declares, and whether their payload is code (their class
        takes it as an argument; a visual recipe's is its typed settings): a new recipe class
        is importable as is."""
        classes = registry.resource_classes("dss:Recipe")  # and the value types they take
        return {
            cls.recipe_type: any(f.name == "code" and f.init for f in schema.fields(cls))
            for cls in classes
            if isinstance(cls, type) and issubclass(cls, _RecipeBase) and schema.declares(cls)
        }

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
        has_code = self.code_types.get(type_)
        payload = settings.data.get("payload")
        code = (payload or "") if has_code else None
        inputs = schema.existing_of(_RecipeBase, r, project=project_key, name=name, code=code)
        # Prepare, Group, Join: their typed settings, all of them (the others have none).
        visual = recipe_payload.read(str(type_), payload, {}, inputs["inputs"])
        if visual is None:
            inputs.pop("settings")
        else:
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
