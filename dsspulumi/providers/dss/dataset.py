"""Provider for ``dss:Dataset`` (external and managed).

A create is one call carrying the whole definition, the ownership mark in ``customFields``
included (``dataset_create``); whether DSS keeps it all is
checked once per run (``creation``), and where it does not, the settings and mark are written
just after (GET + PUT), as before. Updates are one GET + one PUT of the whole definition,
changing only what the stack manages. A dataset declared with ``share_with`` is also exposed
to those projects in its project's settings (``exposure``): one more GET (+ PUT when it
changes).

What is read and written in the document comes from the kind's schema
(``resources/dataset.py``); the provider's own business is what is not in it: the creation
call of each dataset type, the rename action, and ``share_with`` (the exposed objects).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.kinds import schema
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss import exposure
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import (
    NotFound,
    ProjectObjectProvider,
    after_creation,
    existing_in,
    found_in,
    read_mark,
)
from dsspulumi.providers.dss.dataset_create import check_kind, creation_body, endpoint
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.resources.dataset import Dataset, ManagedDataset
from dsspulumi.selftest_samples import Sample, raw_settings_drift

TOKEN = "dss:Dataset"


def dataset_class(inputs: Mapping[str, Any]) -> type:
    """The class whose schema reads and writes a dataset of these inputs: the typed
    spellings of ``dss.Dataset`` (S3, uploaded files) have the same fields as it."""
    return ManagedDataset if inputs.get("managed") else Dataset


def apply_settings(
    definition: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The definition with the declared properties written in; unmanaged fields kept."""
    d = copy.deepcopy(definition)
    schema.write_into(dataset_class(new), d, new, old)
    return d


class DatasetProvider(ProjectObjectProvider, MarkReleaser):
    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        return self.s.client.get_project(inputs["project"]).get_dataset(inputs["name"])

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"dataset {inputs['project']}.{inputs['name']}"

    def _raw(self, settings: Any) -> dict[str, Any]:
        raw: dict[str, Any] = settings.get_raw()
        return raw

    marks_on_create = False  # until DSS is seen keeping it (``creation``): names are claimed

    def free_since(self, inputs: Mapping[str, Any]) -> float | None:
        """The engine's name check, from one listing per project (``claims``)."""
        key = inputs["project"]
        return self.s.names.free_since(key, TOKEN, inputs["name"], lambda: self._names(key))

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        body = creation_body(dataset_class(inputs), inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            # DSSProject's creators post the same endpoints with the basics only; the
            # client's own request method sends the whole body.
            self.s.client._perform_json("POST", endpoint(inputs), body=body)
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        with after_creation(self._what(inputs)):
            kept = self.s.creation.created(check_kind(inputs), lambda: self._kept(inputs, mark))
        if not kept:
            self._complete_create(inputs, mark)
        elif inputs.get("share_with"):
            exposure.update(
                self.s,
                inputs["project"],
                "DATASET",
                inputs["name"],
                add=inputs["share_with"],
                remove=(),
            )
        return {}

    def _kept(self, inputs: Mapping[str, Any], mark: Mark) -> bool:
        """Whether the new dataset holds its mark and every declared setting."""
        raw = self._raw(self._settings(inputs))
        declared = {k: val for k, val in inputs.items() if k != "share_with"}
        return read_mark(raw) == mark.id and self._view_raw(raw, inputs) == declared

    def _write(self, change: Change) -> None:
        new, old = change.new, change.old
        super()._write(change)
        wanted = new.get("share_with") or []
        had = (old or {}).get("share_with") or []
        exposure.update(
            self.s,
            new["project"],
            "DATASET",
            new["name"],
            add=wanted,
            remove=set(had) - set(wanted),
        )

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        super().delete(inputs, outputs, owner=owner)
        if inputs.get("share_with"):  # DSS may keep the exposure of a deleted dataset: drop ours
            try:
                exposure.update(
                    self.s,
                    inputs["project"],
                    "DATASET",
                    inputs["name"],
                    add=(),
                    remove=inputs["share_with"],
                )
            except NotFound:
                pass  # the project is gone too

    def _view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        view = self._view_raw(settings.get_raw(), inputs)
        if "share_with" in inputs:
            view["share_with"] = exposure.targets(
                self.s, inputs["project"], "DATASET", inputs["name"]
            )
        return view

    def _view_raw(self, d: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What the schema reads for the declared fields. ``share_with`` is the caller's: it
        lives in the project's exposed objects, not in the dataset's document."""
        view = schema.view_of(
            dataset_class(inputs), d, inputs, project=inputs["project"], name=inputs["name"]
        )
        view.pop("share_with", None)
        # The dataset's kind as DSS holds it, even where the declaration has none (a managed
        # dataset's type, an uploaded one's connection): a different kind is a difference.
        view["type"] = None if d.get("managed") else d.get("type")
        view["connection"] = (d.get("params") or {}).get("connection")
        return view

    def inspect_many(
        self, items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> list[Found | None]:
        """One ``GET /projects/{pk}/datasets/`` per project: its items are full definitions
        (dss-rest-api.md §3.2, §10), the same document ``inspect`` reads one by one."""
        by_project: dict[str, dict[str, dict[str, Any]] | None] = {}
        shared: dict[str, dict[str, list[str]]] = {}  # read once per project, when declared
        answers: list[Found | None] = []
        for inputs, _outputs in items:
            key = inputs["project"]
            if key not in by_project:
                by_project[key] = self._listed(key)
            raw = (by_project[key] or {}).get(inputs["name"])
            if raw is None:
                answers.append(None)
                continue
            view = self._view_raw(raw, inputs)
            if "share_with" in inputs:
                if key not in shared:
                    shared[key] = exposure.all_targets(self.s, key, "DATASET")
                view["share_with"] = shared[key].get(inputs["name"], [])
            answers.append(found_in(view, raw))
        return answers

    def _listed(self, project_key: str) -> dict[str, dict[str, Any]] | None:
        """The definitions of every dataset of a project, by name (None: no such project)."""
        project = self.s.client.get_project(project_key)
        try:
            with self.s.call(f"list the datasets of project {project_key}"):
                items = project.list_datasets(as_type="listitems")
        except NotFound:
            return None
        # DSSDatasetListItem has no public accessor for the whole definition; its ``_data``
        # is the list item as DSS sent it.
        return {item.name: item._data for item in items}

    def _names(self, project_key: str) -> list[str]:
        return list(self._listed(project_key) or {})

    def list_existing(self, project_key: str) -> list[Existing]:
        """From the one list call (its items are the full definitions), and one read of the
        project's exposed objects."""
        listed = self._listed(project_key) or {}
        shared = exposure.all_targets(self.s, project_key, "DATASET") if listed else {}
        return [
            self._existing_raw(raw, project_key, name, shared.get(name, []))
            for name, raw in listed.items()
        ]

    def _existing(self, settings: Any, project_key: str, name: str) -> Existing:
        shared = exposure.targets(self.s, project_key, "DATASET", name)
        return self._existing_raw(settings.get_raw(), project_key, name, shared)

    def _existing_raw(
        self, raw: Mapping[str, Any], project_key: str, name: str, shared: list[str]
    ) -> Existing:
        inputs = schema.existing_of(Dataset, raw, project=project_key, name=name)
        inputs.pop("share_with", None)  # not in the document: the project's exposed objects
        if shared:
            inputs["share_with"] = list(shared)
        connection = inputs["connection"]
        in_folder = raw.get("type") == "FilesInFolder"
        why = None if connection or in_folder else "a dataset without a connection"
        return existing_in("dss:Dataset", f"{project_key}.{name}", inputs, raw, why)

    def _delete(self, handle: Any) -> None:
        handle.delete(drop_data=False)  # the stack manages definitions, never data

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        settings.settings = apply_settings(settings.get_raw(), new, old)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).

SELFTEST = Sample(
    "dss:Dataset",
    'dataset = dss.ManagedDataset("selftest_in", project=project,\n'
    '                             connection="filesystem_managed",\n'
    '                             description="selftest v$v", tags=["selftest", "v$v"],\n'
    '                             schema=[dss.Column("id", "bigint"), dss.Column("name")])',
    logical="$key.selftest_in",
    path="description",
    drift=raw_settings_drift(lambda p, r: p.get_dataset(r.inputs["name"]).get_settings()),
)
