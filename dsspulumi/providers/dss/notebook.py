"""Provider for ``dss:Notebook``: a Jupyter notebook, addressed by its name.

The notebook's document is its ``.ipynb`` content (``DSSJupyterNotebook.get_content()``:
GET ``/projects/{pk}/jupyter-notebooks/{name}``, ``save()``: PUT of the whole document). DSS
gives a notebook no custom fields of its own, so the ownership mark lives in the notebook's
metadata (``metadata.customFields``), which the creation body already carries: a create is
one POST, and a create whose answer was lost is found by its name and proven by that mark.
That DSS keeps unknown metadata keys as they are is UNVERIFIED (Jupyter itself does).

What is compared comes from the kind's schema (``resources/notebook.py``): cell outputs and
execution counts are dropped on both sides. An update writes the declared cells (without
outputs: they belong to a run of the old code) and merges the declared metadata over what
DSS holds, so DSS's own metadata and the mark are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.kinds.marks import existing_in, write_mark
from dsspulumi.provider import Existing, Mark
from dsspulumi.providers.dss.client import NotFound, ProjectObjectProvider
from dsspulumi.providers.dss.inventory import listed
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState

TOKEN = "dss:Notebook"


def notebook_body(declared: Mapping[str, Any], held: Mapping[str, Any] | None) -> dict[str, Any]:
    """The document to save: the declared content, with empty outputs for code cells (the
    ``.ipynb`` format wants them) and the declared metadata over what DSS holds."""
    body = {k: copy.deepcopy(v) for k, v in declared.items() if k != "metadata"}
    for cell in body.get("cells") or []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    metadata = copy.deepcopy(dict((held or {}).get("metadata") or {}))
    metadata.update(copy.deepcopy(dict(declared.get("metadata") or {})))
    body["metadata"] = metadata
    return body


class NotebookProvider(ProjectObjectProvider, MarkReleaser):
    marks_on_create = True  # the creation body is the notebook, metadata and mark included
    type_token = TOKEN

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        return self.s.client.get_project(inputs["project"]).get_jupyter_notebook(inputs["name"])

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"notebook {inputs['project']}.{inputs['name']}"

    def _settings(self, inputs: Mapping[str, Any]) -> Any:
        with self.s.call(f"read the content of {self._what(inputs)}"):
            return self._handle(inputs).get_content()

    def _raw(self, settings: Any) -> dict[str, Any]:
        """The document the mark lives in: the notebook's metadata."""
        content: dict[str, Any] = settings.get_raw()
        meta = content.get("metadata")
        if not isinstance(meta, dict):
            meta = content["metadata"] = {}
        return meta

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        body = notebook_body(inputs["content"], None)
        write_mark(body["metadata"], mark)
        project = self.s.client.get_project(inputs["project"])
        with self.s.call(f"create {self._what(inputs)}"):
            project.create_jupyter_notebook(inputs["name"], body)
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        return {}

    def _view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return schema.view_of(
            registry.resource_class(TOKEN),
            settings.get_raw(),
            inputs,
            project=inputs["project"],
            name=inputs["name"],
        )

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        settings.content = notebook_body(new["content"], settings.get_raw())

    def _names(self, project_key: str) -> list[str]:
        try:
            return [o.id for o in listed(self.s, project_key, TOKEN)]
        except NotFound:
            return []

    def _existing(self, settings: Any, project_key: str, name: str) -> Existing:
        raw = settings.get_raw()
        inputs = schema.existing_of(
            registry.resource_class(TOKEN), raw, project=project_key, name=name
        )
        return existing_in(TOKEN, f"{project_key}.{name}", inputs, self._raw(settings))

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            self._settings(identity)
        except NotFound:
            return None
        return {"project": identity["project"], "name": identity["name"]}


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    held = client.get_project(rec.inputs["project"]).get_jupyter_notebook(rec.inputs["name"])
    content = held.get_content()
    content.get_raw()["cells"][0]["source"] = "print('changed by hand')"
    content.save()


SELFTEST = Sample(
    "dss:Notebook",
    'dss.Notebook("selftest_notebook", project=project, content={\n'
    '    "metadata": {}, "nbformat": 4, "nbformat_minor": 4,\n'
    '    "cells": [{"cell_type": "code", "metadata": {}, "source": "print(\'v$v\')"}]})',
    logical="$key.selftest_notebook",
    path="content",
    drift=_selftest_drift,
)
