"""Provider for ``dss:Project``.

The display name lives in the project metadata as ``label``, next to
``description``, ``tags`` and ``customFields`` (where the ownership mark goes);
creates are POST then GET + PUT of the metadata, updates are read-modify-write
of that document. The POST carries the mark in a tag, so the objects that go
into the project start as soon as it is answered, while the metadata is written.
``extra_settings`` are merged into the other document, the project settings
(``/projects/{key}/settings``: code envs, containers, exposed objects, …), read
and written only when the stack declares some.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import Existing, Found, Mark, step_context
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.client import (
    DssSession,
    MarkedDocument,
    NotFound,
    after_creation,
    check_owner,
    deep_merge,
    existing_in,
    mark_fields,
    mark_tag,
    pick_paths,
    write_mark,
)
from dsspulumi.providers.dss.inventory import describe_objects, project_inventory
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.providers.dss.transport import server_clock
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState


class ProjectProvider(Updates, MarkReleaser):
    # The creation body has no custom fields, but it has tags: the mark rides in a tag
    # until the metadata write that follows moves it into customFields.
    marks_on_create = True

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        key = inputs["key"]
        server_clock.now = None  # the creation answer's Date, below
        with self.s.call(f"create project {key}"):
            self.s.client.create_project(
                key,
                inputs["name"],
                self.s.owner,
                description=inputs.get("description") or "",
                tags=[*list(inputs.get("tags") or []), mark_tag(mark)],
            )
        self.s.names.project_created(key, server_clock.now)  # empty: its names need no listing
        # It exists and its mark tag proves it ours: what goes into it may start while the
        # metadata write below moves the mark into customFields.
        step_context.exists({})
        crash_point("after-create-call", key)
        # Creation bodies carry no custom fields and may be partly ignored: write the metadata.
        with after_creation(f"project {key}"):
            self._write_metadata(key, inputs, mark=mark)
            if inputs.get("extra_settings"):
                self._write_settings(key, inputs["extra_settings"])
        return {}

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        key = inputs["key"]
        try:
            md = self._metadata(key)
        except NotFound:
            return None
        view = schema.view_of(registry.resource_class("dss:Project"), md, inputs, key=key)
        if inputs.get("extra_settings"):  # only read when declared: no call otherwise
            view["extra_settings"] = pick_paths(
                self._settings(key).get_raw(), inputs["extra_settings"]
            )
        return Found(view, **mark_fields(md))

    def read_existing(self, identity: str) -> Existing | None:
        try:
            md = self._metadata(identity)
        except NotFound:
            return None
        inputs = schema.existing_of(registry.resource_class("dss:Project"), md, key=identity)
        inputs["name"] = inputs["name"] or identity  # DSS shows the key when there is no label
        return existing_in("dss:Project", identity, inputs, md)

    def list_existing(self, project_key: str) -> list[Existing]:
        found = self.read_existing(project_key)
        return [found] if found is not None else []

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            md = self._metadata(identity["key"])
        except NotFound:
            return None
        return {"key": identity["key"], "name": md.get("label")}

    def _update(self, change: Change) -> dict[str, Any]:
        self._write_metadata(
            change.new["key"], change.new, old=change.before, owner=change.owner, mark=change.mark
        )
        extra = change.new.get("extra_settings") or {}
        if extra and extra != (change.before.get("extra_settings") or {}):
            self._write_settings(change.new["key"], extra)
        return dict(change.outputs)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        key = inputs["key"]
        try:
            if owner is not None:
                check_owner(self._metadata(key), owner, f"project {key}")
            self._check_empty(key)
            with self.s.call(f"delete project {key}"):
                self.s.client.get_project(key).delete()
        except NotFound:
            pass

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        key = inputs["key"]
        md = self._metadata(key)

        def save() -> None:
            with self.s.call(f"update the metadata of project {key}"):
                self.s.client.get_project(key).set_metadata(md)

        return MarkedDocument(md, save)

    def _check_empty(self, key: str) -> None:
        """Deleting a project deletes what is in it: refuse while it holds anything.

        Deletes run dependants first, so by now every object the stack made in the project
        is gone; whatever is left was made by someone else (or retained on purpose). What is
        left is read from the whole project inventory, every kind DSS lists, not only the
        kinds dsspulumi models; a kind that cannot be listed blocks the delete too.
        """
        inventory = project_inventory(self.s, key)
        keep = (
            "Move or delete them in DSS first, or keep the project with "
            "opts=dss.ResourceOptions(retain_on_delete=True)"
        )
        if inventory.objects:
            raise ProviderError(
                f"project {key} still holds objects this stack does not manage "
                f"({describe_objects(inventory.objects)}); deleting the project would delete "
                f"them too, so it was left in place. {keep}"
            )
        if inventory.unreadable:
            failed = "; ".join(f"{plural}: {why}" for plural, why in inventory.unreadable)
            raise ProviderError(
                f"project {key} was left in place: its {inventory.unreadable[0][0]} could not "
                "be listed, so dsspulumi cannot tell whether deleting the project would delete "
                f"objects this stack does not manage ({failed}). Give the API key the right "
                "to read them and run again, or keep the project with "
                "opts=dss.ResourceOptions(retain_on_delete=True)"
            )

    def _settings(self, key: str) -> Any:
        with self.s.call(f"read the settings of project {key}"):
            return self.s.client.get_project(key).get_settings()

    def _write_settings(self, key: str, extra: Mapping[str, Any]) -> None:
        """``extra_settings``: merged into the project settings document (GET + PUT)."""
        settings = self._settings(key)
        deep_merge(settings.get_raw(), extra)
        with self.s.call(f"save the settings of project {key}"):
            settings.save()

    def _metadata(self, key: str) -> dict[str, Any]:
        with self.s.call(f"read the metadata of project {key}"):
            md: dict[str, Any] = self.s.client.get_project(key).get_metadata()
        return md

    def _write_metadata(
        self,
        key: str,
        inputs: Mapping[str, Any],
        *,
        old: Mapping[str, Any] | None = None,
        owner: str | None = None,
        mark: Mark | None = None,
    ) -> None:
        md = self._metadata(key)
        check_owner(md, owner, f"project {key}")
        wanted = dict(md)
        schema.write_into(
            registry.resource_class("dss:Project"), wanted, inputs, old
        )  # label, description, tags
        if mark is not None:
            wanted["customFields"] = dict(md.get("customFields") or {})
            write_mark(wanted, mark)
        with self.s.call(f"update the metadata of project {key}"):
            self.s.client.get_project(key).set_metadata(wanted)


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["key"])
    md = project.get_metadata()
    md["description"] = HAND
    project.set_metadata(md)


SELFTEST = Sample(
    "dss:Project",
    'project = dss.Project("$key", name="dsspulumi selftest $key",\n'
    '                      description="selftest v$v", tags=["selftest"])',
    logical="$key",
    path="description",
    drift=_selftest_drift,
)
