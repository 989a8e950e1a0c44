"""Provider for ``dss:Dataset`` (external and managed).

Creation bodies carry no schema, description, tags or custom fields
(dss-rest-api.md §3.2), so a create is POST, then GET + PUT of the settings
document, which writes the ownership mark into ``customFields`` with the rest.
Updates are one GET + one PUT of the whole definition, changing only what the
stack manages. A dataset declared with ``share_with`` is also exposed to those projects in
its project's settings (``exposure``): one more GET (+ PUT when it changes).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.provider import Mark
from dsspulumi.providers.dss import exposure
from dsspulumi.providers.dss.client import (
    NotFound,
    ProjectObjectProvider,
    apply_descriptive,
    managed_value,
    pick_paths,
)


def apply_settings(
    definition: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The definition with the declared properties written in; unmanaged fields kept."""
    d = copy.deepcopy(definition)
    params = d.setdefault("params", {})
    # FilesInFolder and UploadedFiles datasets have none (resources/dataset.py connection_param)
    if new["connection"] is not None:
        params["connection"] = new["connection"]
    for key in (old or {}).get("params", {}):
        if key not in new["params"]:
            params.pop(key, None)
    params.update(copy.deepcopy(new["params"]))
    if new.get("format_type") is not None:
        d["formatType"] = new["format_type"]
    format_params = d.setdefault("formatParams", {})
    for key in (old or {}).get("format_params", {}):
        if key not in new["format_params"]:
            format_params.pop(key, None)
    format_params.update(copy.deepcopy(new["format_params"]))
    if new.get("schema") is not None:
        d["schema"] = {"columns": copy.deepcopy(new["schema"]), "userModified": True}
    apply_descriptive(d, new, old)
    return d


class DatasetProvider(ProjectObjectProvider):
    marks_on_create = False  # neither creation body has custom fields

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        return self.s.client.get_project(inputs["project"]).get_dataset(inputs["name"])

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"dataset {inputs['project']}.{inputs['name']}"

    def _raw(self, settings: Any) -> dict[str, Any]:
        raw: dict[str, Any] = settings.get_raw()
        return raw

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        project = self.s.client.get_project(inputs["project"])
        with self.s.call(f"create {self._what(inputs)}"):
            if inputs["managed"]:
                creator = project.new_managed_dataset(inputs["name"])
                creator.with_store_into(
                    inputs["connection"], format_option_id=inputs.get("format_type")
                )
                creator.create()
            elif inputs["type"] == "UploadedFiles":
                project.create_upload_dataset(
                    inputs["name"], connection=inputs["params"].get("uploadConnection")
                )
            else:
                project.create_dataset(
                    inputs["name"],
                    inputs["type"],
                    params={
                        **(
                            {"connection": inputs["connection"]}
                            if inputs["connection"] is not None
                            else {}
                        ),
                        **inputs["params"],
                    },
                    formatType=inputs.get("format_type"),
                    formatParams=dict(inputs.get("format_params") or {}),
                )
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        self._complete_create(inputs, mark)
        return {}

    def _write(
        self,
        new: Mapping[str, Any],
        old: Mapping[str, Any] | None,
        *,
        owner: str | None = None,
        mark: Mark | None = None,
    ) -> None:
        super()._write(new, old, owner=owner, mark=mark)
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
        view = self._settings_view(settings, inputs)
        if "share_with" in inputs:
            view["share_with"] = exposure.targets(
                self.s, inputs["project"], "DATASET", inputs["name"]
            )
        return view

    def _settings_view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        d = settings.get_raw()
        params = d.get("params") or {}
        schema = (d.get("schema") or {}).get("columns") or []
        return {
            "project": inputs["project"],
            "name": inputs["name"],
            "format_params": pick_paths(d.get("formatParams") or {}, inputs["format_params"]),
            "schema": managed_value(
                inputs.get("schema"),
                [{"name": c.get("name"), "type": c.get("type")} for c in schema],
            ),
            "description": managed_value(inputs.get("description"), d.get("description") or ""),
            "tags": list(d.get("tags") or []),
            "extra_settings": pick_paths(d, inputs["extra_settings"]),
            "type": None if d.get("managed") else d.get("type"),
            "managed": bool(d.get("managed")),
            "connection": params.get("connection"),
            "params": pick_paths(params, inputs["params"]),
            "format_type": managed_value(inputs.get("format_type"), d.get("formatType")),
        }

    def _delete(self, handle: Any) -> None:
        handle.delete(drop_data=False)  # the stack manages definitions, never data

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        settings.settings = apply_settings(settings.get_raw(), new, old)
