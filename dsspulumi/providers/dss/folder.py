"""Provider for ``dss:ManagedFolder``: addressed by the id DSS generates, kept in state.

A create is one POST of the whole definition, the ownership mark in ``customFields``
included (the client's ``create_managed_folder`` body plus the declared fields). Whether DSS
keeps them is UNVERIFIED: the first create of a run reads its folder back (``creation``);
if DSS kept them, later creates are that one call, else each is followed by GET + PUT of the
definition, as before. Until then the mark may be missing for an instant, so the engine first
checks that no folder of that name exists, from one listing per project (``claims``; a name
already taken is a conflict: the stack never adopts a folder by its name). The id goes back
to the engine as the output ``id``; every later call uses it. Without it (a create whose
answer was lost) the folder is found by mark, the way of every kind whose id DSS generates
(``generated``).

What is read and written comes from the kind's schema (``resources/folder.py``); only two
fields are the provider's own: a new name is DSS's rename action, and a new connection or
path goes through ``set_connection_and_path`` (which checks the connection exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.kinds.marks import check_owner, created_at, mark_fields, write_mark
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import NotFound, after_creation
from dsspulumi.providers.dss.generated import GeneratedIdProvider
from dsspulumi.selftest_samples import Sample, raw_settings_drift

TOKEN = "dss:ManagedFolder"
CHECK = "managed folder"  # its verdict in ``creation``


class ManagedFolderProvider(GeneratedIdProvider):
    noun = "managed folder"
    type_token = TOKEN

    # Whether DSS keeps the mark sent in a creation call is known only after the first one
    # (``creation``); either way a folder's name is claimed first (one listing per project),
    # so that a name already taken stays a conflict, as it always was.
    marks_on_create = False

    def free_since(self, inputs: Mapping[str, Any]) -> float | None:
        """The engine's name check, from one listing per project (``claims``)."""
        key = inputs["project"]
        return self.s.names.free_since(
            key, TOKEN, inputs["name"], lambda: [str(i["name"]) for i in self._listing(key)]
        )

    def _what(self, inputs: Mapping[str, Any], ident: str | None = None) -> str:
        suffix = f" (id {ident})" if ident else ""
        return f"managed folder {inputs['project']}.{inputs['name']}{suffix}"

    def _handle(self, inputs: Mapping[str, Any], ident: str) -> Any:
        return self.s.client.get_project(inputs["project"]).get_managed_folder(ident)

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        key = inputs["project"]
        path = inputs.get("path") or "/${projectKey}/${odbId}"
        body = {
            "name": inputs["name"],
            "projectKey": key,
            "type": inputs.get("type"),
            "params": {"connection": inputs["connection"], "path": path},
        }
        schema.write_into(registry.resource_class(TOKEN), body, inputs, None)
        write_mark(body, mark)
        self._remember(inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            # The body of DSSProject.create_managed_folder, with the whole definition and mark.
            answer = self.s.client._perform_json(
                "POST", f"/projects/{key}/managedfolders/", body=body
            )
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        outputs = {"id": str(answer["id"])}
        change = Change.creating(inputs, mark, outputs)
        with after_creation(self._what(inputs, outputs["id"])):
            if not self.s.creation.created(CHECK, lambda: self._kept(change)):
                self._write(change)
        return outputs

    def _kept(self, change: Change) -> bool:
        """Whether the new folder holds its mark and every declared setting."""
        found = self.inspect(change.new, change.outputs)
        mark = change.mark.id if change.mark is not None else None
        return found is not None and found.mark == mark and found.inputs == dict(change.new)

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            ident = self._locate(inputs, outputs, self._attempted(inputs))
            raw = self._settings(inputs, ident).get_raw()
        except NotFound:
            return None
        return self._found(inputs, ident, raw)

    def _found(self, inputs: Mapping[str, Any], ident: str, raw: dict[str, Any]) -> Found:
        view = schema.view_of(
            registry.resource_class(TOKEN), raw, inputs, project=inputs["project"]
        )
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
        inputs = schema.existing_of(registry.resource_class(TOKEN), raw, project=key)
        return Existing(
            TOKEN,
            f"{key}.{raw.get('name')}",
            inputs,
            outputs={"id": ident},
            **mark_fields(raw),
            aliases=(f"{key}.{ident}",),
        )

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            items = self._listing(identity["project"])
        except NotFound:
            return None
        for item in items:
            if item.get("name") == identity["name"] and isinstance(item.get("id"), str):
                return {"project": identity["project"], "name": identity["name"], "id": item["id"]}
        return None

    def _update(self, change: Change) -> dict[str, Any]:
        ident = self._proven_id(change.before, change.outputs, change.owner)
        return self._write(change.with_outputs(id=ident))

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            ident = self._proven_id(inputs, outputs, owner)
            if owner is not None:
                raw = self._settings(inputs, ident).get_raw()
                check_owner(raw, owner, self._what(inputs, ident))
            with self.s.call(f"delete {self._what(inputs, ident)}"):
                # The stack manages definitions, never files.
                self._handle(inputs, ident).delete(drop_data=False)
        except NotFound:
            pass

    def _write(self, change: Change) -> dict[str, Any]:
        """One read-modify-write of the definition (plus DSS's rename action for a new name)."""
        new, old = change.new, change.old
        ident = change.outputs["id"]
        settings = self._settings(new, ident)
        raw = settings.get_raw()
        check_owner(raw, change.owner, self._what(new, ident))
        if raw.get("name") != new["name"]:
            with self.s.call(f"rename managed folder {new['project']}.{raw.get('name')}"):
                self._handle(new, ident).rename(new["name"])
            raw["name"] = new["name"]
        params = raw.get("params") or {}
        path = new.get("path")
        if new["connection"] != params.get("connection") or (
            path is not None and path != params.get("path")
        ):
            with self.s.call(f"check connection {new['connection']} of {self._what(new, ident)}"):
                settings.set_connection_and_path(new["connection"], path)
        schema.write_into(registry.resource_class(TOKEN), raw, new, old)
        if change.mark is not None:
            write_mark(raw, change.mark)
        with self.s.call(f"save the settings of {self._what(new, ident)}"):
            settings.save()
        return dict(change.outputs)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).

SELFTEST = Sample(
    "dss:ManagedFolder",
    'folder = dss.ManagedFolder("selftest_folder", project=project,\n'
    '                           description="selftest v$v")',
    logical="$key.selftest_folder",
    path="description",
    drift=raw_settings_drift(lambda p, r: p.get_managed_folder(r.outputs["id"]).get_settings()),
)
