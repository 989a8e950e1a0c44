"""Provider for ``dss:Project``.

The display name lives in the project metadata as ``label``, next to
``description`` and ``tags``; updates are read-modify-write of that document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.providers.dss.client import DssSession, NotFound, managed_value


class ProjectProvider:
    def __init__(self, session: DssSession) -> None:
        self.s = session

    def create(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        key = inputs["key"]
        with self.s.call(f"create project {key}"):
            self.s.client.create_project(
                key,
                inputs["name"],
                self.s.owner,
                description=inputs.get("description") or "",
                tags=list(inputs.get("tags") or []),
            )
        # Creation bodies may be partly ignored by DSS: converge the metadata, writing only if off.
        self._write_metadata(key, inputs, only_if_changed=True)
        return {}

    def read(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, Any] | None:
        key = inputs["key"]
        try:
            with self.s.call(f"read project {key}"):
                md = self.s.client.get_project(key).get_metadata()
        except NotFound:
            return None
        return {
            "key": key,
            "name": md.get("label"),
            "description": managed_value(inputs.get("description"), md.get("description") or ""),
            "tags": list(md.get("tags") or []),
        }

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], outputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._write_metadata(new["key"], new, only_if_changed=False, old=old)
        return dict(outputs)

    def delete(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        key = inputs["key"]
        try:
            with self.s.call(f"delete project {key}"):
                self.s.client.get_project(key).delete()
        except NotFound:
            pass

    def _write_metadata(
        self,
        key: str,
        inputs: Mapping[str, Any],
        *,
        only_if_changed: bool,
        old: Mapping[str, Any] | None = None,
    ) -> None:
        project = self.s.client.get_project(key)
        with self.s.call(f"read the metadata of project {key}"):
            md = project.get_metadata()
        wanted = dict(md)
        wanted["label"] = inputs["name"]
        if inputs.get("description") is not None:
            wanted["description"] = inputs["description"]
        elif old is not None and old.get("description") is not None:
            wanted["description"] = ""  # no longer declared: clear what we set
        wanted["tags"] = list(inputs.get("tags") or [])
        if only_if_changed and wanted == md:
            return
        with self.s.call(f"update the metadata of project {key}"):
            project.set_metadata(wanted)
