"""Provider for ``dss:Project``.

The display name lives in the project metadata as ``label``, next to
``description``, ``tags`` and ``customFields`` (where the ownership mark goes);
creates are POST then GET + PUT of the metadata, updates are read-modify-write
of that document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import PartialCreateError, ProviderError
from dsspulumi.provider import Found, Mark
from dsspulumi.providers.dss.client import (
    DssSession,
    NotFound,
    check_owner,
    managed_value,
    read_mark,
    write_mark,
)


class ProjectProvider:
    def __init__(self, session: DssSession) -> None:
        self.s = session

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        key = inputs["key"]
        with self.s.call(f"create project {key}"):
            self.s.client.create_project(
                key,
                inputs["name"],
                self.s.owner,
                description=inputs.get("description") or "",
                tags=list(inputs.get("tags") or []),
            )
        # Creation bodies carry no custom fields and may be partly ignored: write the metadata.
        try:
            self._write_metadata(key, inputs, mark=mark)
        except ProviderError as exc:
            raise PartialCreateError(
                f"project {key} was created, but writing its metadata failed: {exc}",
                dss_message=exc.dss_message,
            ) from exc
        return {}

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        key = inputs["key"]
        try:
            md = self._metadata(key)
        except NotFound:
            return None
        view = {
            "key": key,
            "name": md.get("label"),
            "description": managed_value(inputs.get("description"), md.get("description") or ""),
            "tags": list(md.get("tags") or []),
        }
        return Found(view, read_mark(md))

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            md = self._metadata(identity["key"])
        except NotFound:
            return None
        return {"key": identity["key"], "name": md.get("label")}

    def update(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        outputs: Mapping[str, Any],
        *,
        owner: str | None,
        mark: Mark | None = None,
    ) -> dict[str, Any]:
        self._write_metadata(new["key"], new, old=old, owner=owner, mark=mark)
        return dict(outputs)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        key = inputs["key"]
        try:
            if owner is not None:
                check_owner(self._metadata(key), owner, f"project {key}")
            with self.s.call(f"delete project {key}"):
                self.s.client.get_project(key).delete()
        except NotFound:
            pass

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
        wanted["label"] = inputs["name"]
        if inputs.get("description") is not None:
            wanted["description"] = inputs["description"]
        elif old is not None and old.get("description") is not None:
            wanted["description"] = ""  # no longer declared: clear what we set
        wanted["tags"] = list(inputs.get("tags") or [])
        if mark is not None:
            wanted["customFields"] = dict(md.get("customFields") or {})
            write_mark(wanted, mark)
        with self.s.call(f"update the metadata of project {key}"):
            self.s.client.get_project(key).set_metadata(wanted)
