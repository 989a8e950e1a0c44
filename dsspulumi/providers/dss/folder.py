"""Provider for ``dss:ManagedFolder``: addressed by the id DSS generates, kept in state.

``create_managed_folder`` posts a body without custom fields (dss-rest-api.md §5), so the
engine first checks that no folder of that name exists (a name already taken is a
conflict: the stack never adopts a folder by its name) and a create is POST, then GET +
PUT of the definition, which writes the ownership mark into ``customFields`` (the
client's folder settings are a ``DSSTaggableObjectSettings`` with ``custom_fields``;
that DSS keeps them for folders is UNVERIFIED, as for datasets) along with the declared
path, description, tags and extra settings. The id goes back to the engine as the output
``id``; every later call uses it. Without it (a create whose answer was lost) the folder
is found by its name. A new name is DSS's rename action; a new connection or path goes
through ``set_connection_and_path`` (which checks the connection exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.client import (
    DssSession,
    MarkedDocument,
    NotFound,
    after_creation,
    apply_descriptive,
    check_owner,
    created_at,
    managed_value,
    mark_fields,
    pick_paths,
    write_mark,
)
from dsspulumi.providers.dss.marked import MarkReleaser


class ManagedFolderProvider(MarkReleaser):
    marks_on_create = False  # the creation body has no custom fields

    def __init__(self, session: DssSession) -> None:
        self.s = session

    @staticmethod
    def _what(inputs: Mapping[str, Any]) -> str:
        return f"managed folder {inputs['project']}.{inputs['name']}"

    def _find_id(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> str:
        """The folder's id: from state, else by its name (raises NotFound)."""
        ident = outputs.get("id")
        if isinstance(ident, str) and ident:
            return ident
        project = self.s.client.get_project(inputs["project"])
        with self.s.call(f"list the managed folders of project {inputs['project']}"):
            folders = project.list_managed_folders()
        for item in folders:
            if item.get("name") == inputs["name"] and isinstance(item.get("id"), str):
                return str(item["id"])
        raise NotFound(self._what(inputs))

    def _settings(self, inputs: Mapping[str, Any], ident: str) -> Any:
        folder = self.s.client.get_project(inputs["project"]).get_managed_folder(ident)
        with self.s.call(f"read the settings of {self._what(inputs)} (id {ident})"):
            return folder.get_settings()

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        project = self.s.client.get_project(inputs["project"])
        with self.s.call(f"create {self._what(inputs)}"):
            folder = project.create_managed_folder(
                inputs["name"], folder_type=inputs.get("type"), connection_name=inputs["connection"]
            )
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        outputs = {"id": folder.id}
        with after_creation(f"{self._what(inputs)} (id {folder.id})"):
            self._write(inputs, None, outputs, mark=mark)
        return outputs

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            ident = self._find_id(inputs, outputs)
            settings = self._settings(inputs, ident)
        except NotFound:
            return None
        raw = settings.get_raw()
        view = self._view(raw, inputs)
        return Found(view, created_at=created_at(raw), outputs={"id": ident}, **mark_fields(raw))

    # --- import: folders are found by their generated id (``PROJECT.id``) -----------------
    def read_existing(self, identity: str) -> Existing | None:
        key, _, ident = identity.rpartition(".")
        if not key:
            return None
        try:
            raw = self._settings({"project": key, "name": ident}, ident).get_raw()
        except NotFound:
            return None
        params = raw.get("params") or {}
        inputs = {
            "project": key,
            "name": raw.get("name"),
            "connection": params.get("connection"),
            "path": params.get("path"),
            "type": raw.get("type"),
            "description": raw.get("description") or None,
            "tags": list(raw.get("tags") or []),
            "extra_settings": {},
        }
        return Existing(
            "dss:ManagedFolder",
            f"{key}.{raw.get('name')}",
            inputs,
            outputs={"id": ident},
            **mark_fields(raw),
            aliases=(f"{key}.{ident}",),
        )

    def list_existing(self, project_key: str) -> list[Existing]:
        project = self.s.client.get_project(project_key)
        try:
            with self.s.call(f"list the managed folders of project {project_key}"):
                folders = project.list_managed_folders()
        except NotFound:
            return []
        found = [self.read_existing(f"{project_key}.{f.get('id')}") for f in folders]
        return [f for f in found if f is not None]

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            ident = self._find_id(identity, {})
        except NotFound:
            return None
        return {"project": identity["project"], "name": identity["name"], "id": ident}

    @staticmethod
    def _view(raw: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        params = raw.get("params") or {}
        return {
            "project": inputs["project"],
            "name": raw.get("name"),
            "connection": params.get("connection"),
            "path": managed_value(inputs.get("path"), params.get("path")),
            "type": managed_value(inputs.get("type"), raw.get("type")),
            "description": managed_value(inputs.get("description"), raw.get("description") or ""),
            "tags": list(raw.get("tags") or []),
            "extra_settings": pick_paths(raw, inputs["extra_settings"]),
        }

    def update(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        outputs: Mapping[str, Any],
        *,
        owner: str | None,
        mark: Mark | None = None,
    ) -> dict[str, Any]:
        ident = self._find_id(old, outputs)
        return self._write(new, old, {"id": ident}, owner=owner, mark=mark)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            ident = self._find_id(inputs, outputs)
            if owner is not None:
                raw = self._settings(inputs, ident).get_raw()
                check_owner(raw, owner, self._what(inputs))
            folder = self.s.client.get_project(inputs["project"]).get_managed_folder(ident)
            with self.s.call(f"delete {self._what(inputs)} (id {ident})"):
                folder.delete(drop_data=False)  # the stack manages definitions, never files
        except NotFound:
            pass

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        ident = self._find_id(inputs, outputs)
        settings = self._settings(inputs, ident)

        def save() -> None:
            with self.s.call(f"save the settings of {self._what(inputs)} (id {ident})"):
                settings.save()

        return MarkedDocument(settings.get_raw(), save)

    def _write(
        self,
        new: Mapping[str, Any],
        old: Mapping[str, Any] | None,
        outputs: dict[str, Any],
        *,
        owner: str | None = None,
        mark: Mark | None = None,
    ) -> dict[str, Any]:
        """One read-modify-write of the definition (plus DSS's rename action for a new name)."""
        ident = outputs["id"]
        folder = self.s.client.get_project(new["project"]).get_managed_folder(ident)
        settings = self._settings(new, ident)
        raw = settings.get_raw()
        check_owner(raw, owner, self._what(new))
        if raw.get("name") != new["name"]:
            with self.s.call(f"rename managed folder {new['project']}.{raw.get('name')}"):
                folder.rename(new["name"])
            raw["name"] = new["name"]
        params = raw.get("params") or {}
        path = new.get("path")
        if new["connection"] != params.get("connection") or (
            path is not None and path != params.get("path")
        ):
            with self.s.call(f"check connection {new['connection']} of {self._what(new)}"):
                settings.set_connection_and_path(new["connection"], path)
        if new.get("type") is not None:
            raw["type"] = new["type"]
        apply_descriptive(raw, new, old)
        if mark is not None:
            write_mark(raw, mark)
        with self.s.call(f"save the settings of {self._what(new)}"):
            settings.save()
        return dict(outputs)
