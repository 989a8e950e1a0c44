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
    mark_fields,
    write_mark,
)
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call
from dsspulumi.providers.dss.marked import MarkReleaser
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState


class UserProvider(InstanceObjectProvider, MarkReleaser):
    """What the document holds for the stack and what is written into it: the kind's schema."""

    type_token = "dss:User"
    address = "login"
    _foreign = None  # a user carries a real mark: the refusal says which

    @property
    def _root(self) -> str:
        """Where the mark lives: the kind's ``mark_root`` (``adminProperties``)."""
        root: str = self._kind().mark_root  # type: ignore[attr-defined]
        return root

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
        return mark_fields(doc, self._root)["mark"]

    def _write_mark(self, doc: dict[str, Any], mark: Mark) -> None:
        write_mark(doc, mark, self._root)

    def _mark_fields(self, doc: Mapping[str, Any]) -> MarkFields:
        return mark_fields(doc, self._root)

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        doc = self._get(inputs)
        return MarkedDocument(doc, lambda: self._put(inputs, doc), self._root)

    def _outputs(self, doc: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        return {}


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    settings = client.get_user(rec.inputs["login"]).get_settings()
    settings.get_raw()["displayName"] = HAND
    settings.save()


SELFTEST = Sample(
    "dss:User",
    'dss.User("${name}_user", display_name="selftest v$v", email="selftest@example.com",\n'
    "         groups=[group])",
    logical="${name}_user",
    path="display_name",
    drift=_selftest_drift,
    admin=True,
)
