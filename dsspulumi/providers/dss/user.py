"""Provider for ``dss:User``: POST, then GET → PUT (enabled, the mark, extra settings).

Users are the one instance kind where DSS keeps custom properties (``adminProperties``),
so a user carries a real ownership mark there, like datasets in ``customFields``. The
password is write-only: sent at creation and whenever its digest changed (the engine then
hands the new plaintext), never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataikuapi.dss.admin import DSSUserSettings

from dsspulumi.provider import Mark
from dsspulumi.providers.dss.client import (
    MarkedDocument,
    MarkFields,
    managed_value,
    mark_fields,
    pick_paths,
    write_mark,
)
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call, set_extra
from dsspulumi.providers.dss.marked import MarkReleaser

ADMIN_PROPERTIES = "adminProperties"


class UserProvider(InstanceObjectProvider, MarkReleaser):
    type_token = "dss:User"

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"user {inputs['login']}"

    def _get(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        with admin_call(self.s, f"read {self._what(inputs)}"):
            raw: dict[str, Any] = self.s.client.get_user(inputs["login"]).get_settings().get_raw()
        return raw

    def _put(self, inputs: Mapping[str, Any], doc: dict[str, Any]) -> None:
        with admin_call(self.s, f"save {self._what(inputs)}"):
            DSSUserSettings(self.s.client, inputs["login"], doc).save()

    def _post(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"create {self._what(inputs)}"):
            self.s.client.create_user(
                inputs["login"],
                inputs.get("password"),
                display_name=inputs.get("display_name") or "",
                source_type=inputs["source_type"],
                groups=list(inputs["groups"]),
                profile=inputs["profile"],
                email=inputs.get("email"),
            )

    def _remove(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"delete {self._what(inputs)}"):
            self.s.client.get_user(inputs["login"]).delete()

    def _read_mark(self, doc: Mapping[str, Any], outputs: Mapping[str, Any]) -> str | None:
        return mark_fields(doc, ADMIN_PROPERTIES)["mark"]

    def _write_mark(self, doc: dict[str, Any], mark: Mark) -> None:
        write_mark(doc, mark, ADMIN_PROPERTIES)

    def _mark_fields(self, doc: Mapping[str, Any]) -> MarkFields:
        return mark_fields(doc, ADMIN_PROPERTIES)

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        doc = self._get(inputs)
        return MarkedDocument(doc, lambda: self._put(inputs, doc), ADMIN_PROPERTIES)

    def _outputs(self, doc: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        return {}

    def _edit(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        for key, field in (("display_name", "displayName"), ("email", "email")):
            if new.get(key) is not None:
                doc[field] = new[key]
            elif old is not None and old.get(key) is not None:
                doc[field] = ""
        doc["groups"] = list(new["groups"])
        doc["sourceType"] = new["source_type"]
        doc["userProfile"] = new["profile"]
        doc["enabled"] = bool(new["enabled"])
        password = new.get("password")
        if isinstance(password, str) and password:
            doc["password"] = password
        set_extra(doc, new, old)

    def _existing_inputs(self, doc: Mapping[str, Any], name: str) -> dict[str, Any] | None:
        """The password is write-only: an imported user does not declare one."""
        return {
            "login": name,
            "display_name": doc.get("displayName") or None,
            "email": doc.get("email") or None,
            "groups": list(doc.get("groups") or []),
            "source_type": doc.get("sourceType") or "LOCAL",
            "profile": doc.get("userProfile"),
            "enabled": bool(doc.get("enabled", True)),
            "password": None,
            "extra_settings": {},
        }

    def _view(self, doc: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "login": inputs["login"],
            "display_name": managed_value(inputs.get("display_name"), doc.get("displayName") or ""),
            "email": managed_value(inputs.get("email"), doc.get("email") or ""),
            "groups": list(doc.get("groups") or []),
            "source_type": doc.get("sourceType"),
            "profile": doc.get("userProfile"),
            "enabled": bool(doc.get("enabled")),
            # Write-only: never read back; the engine keeps the declared digest.
            "password": "(set)" if inputs.get("password") else None,
            "extra_settings": pick_paths(doc, inputs.get("extra_settings") or {}),
        }
