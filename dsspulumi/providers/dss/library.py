"""Provider for ``dss:LibraryFile``: a file of a project's library, addressed by its path.

Calls (``DSSLibrary``, dss-rest-api.md silent, shapes UNVERIFIED): the tree is GET
``/libraries/contents``; a file is GET ``/libraries/contents/{path}`` (``{data}``) and written
by POST of its raw text to the same URL (which creates it, and its folders); DELETE removes it.

A library file holds no mark (its kind declares ``holds_mark = False``). Ownership is the
state record's: the creating operation's mark is kept in the outputs (``owned``). Before a
create the engine checks that the path is free (a file there that the stack did not create is
a conflict, never overwritten); a create whose answer is lost is this run's when the path was
free just before this run's create call (the generic fallback, as for flow zones). A file
found where the record says the stack created one is taken as that file: DSS keeps no
creation time that could tell a re-created one apart.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from dataikuapi.utils import DataikuException

from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.client import DssSession, NotFound
from dsspulumi.providers.dss.owned import carry_mark, recorded_mark
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState

TOKEN = "dss:LibraryFile"


def file_paths(folder: Any) -> list[str]:
    """Every file under a folder of the client's library tree, as paths without a leading /."""
    out: list[str] = []
    for item in folder.list():
        if item.children is None:
            out.append(item.path.lstrip("/"))
        else:
            out += file_paths(item)
    return sorted(out)


class LibraryFileProvider(Updates):
    marks_on_create = False  # nowhere to carry one: the path is claimed first (``engine``)
    type_token = TOKEN

    def __init__(self, session: DssSession) -> None:
        self.s = session
        self._lock = threading.Lock()
        self._attempts: dict[tuple[str, str], str] = {}  # this run's creates: their marks

    def _kind(self) -> type:
        return registry.resource_class(TOKEN)

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"library file {inputs['path']} of project {inputs['project']}"

    def _library(self, key: str) -> Any:
        with self.s.call(f"read the library of project {key}"):
            return self.s.client.get_project(key).get_library()

    def _item(self, inputs: Mapping[str, Any]) -> Any:
        """The client's file at the path; None if there is none; False if a folder is there."""
        try:
            return self._library(inputs["project"]).get_file(inputs["path"])
        except DataikuException:  # raised by the client itself: a folder holds the path
            return False

    def _read(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """``{data}``: the file's text (None for a folder; ``NotFound`` when there is none)."""
        item = self._item(inputs)
        if item is None:
            raise NotFound(f"{self._what(inputs)} does not exist")
        if item is False:
            return {"data": None}
        with self.s.call(f"read {self._what(inputs)}"):
            return {"data": item.read()}

    def _write_text(self, inputs: Mapping[str, Any]) -> None:
        item = self._item(inputs)
        with self.s.call(f"write {self._what(inputs)}"):
            if not item:
                item = self._library(inputs["project"]).add_file(inputs["path"])
            item.write(inputs["content"])

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        with self._lock:
            self._attempts[(inputs["project"], inputs["path"])] = mark.id
        self._write_text(inputs)
        crash_point("after-create-call", f"{inputs['project']}.{inputs['path']}")
        return carry_mark({}, mark)

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            doc = self._read(inputs)
        except NotFound:
            return None
        mark = recorded_mark(outputs)
        if mark is None:  # the generic fallback: this run's create of a path found free
            with self._lock:
                mark = self._attempts.get((inputs["project"], inputs["path"]))
        view = schema.view_of(
            self._kind(), doc, inputs, project=inputs["project"], path=inputs["path"]
        )
        return Found(view, mark, outputs={"mark": mark} if mark else {})

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None  # never looked up: there is no .get()

    # --- import: every file of the library -------------------------------------------------
    def read_existing(self, identity: str) -> Existing | None:
        key, _, path = identity.partition(".")  # a project key has no dot; a path may
        if not path:
            return None
        try:
            doc = self._read({"project": key, "path": path})
        except NotFound:
            return None
        inputs = schema.existing_of(self._kind(), doc, project=key, path=path)
        return Existing(TOKEN, identity, inputs)

    def list_existing(self, project_key: str) -> list[Existing]:
        try:
            with self.s.call(f"list the library of project {project_key}"):
                library = self.s.client.get_project(project_key).get_library()
        except NotFound:
            return []
        paths = file_paths(library.root)
        found = [self.read_existing(f"{project_key}.{p}") for p in paths]
        return [f for f in found if f is not None]

    def _update(self, change: Change) -> dict[str, Any]:
        self._write_text(change.new)
        return carry_mark(change.outputs, change.mark)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            item = self._item(inputs)
            if item:
                with self.s.call(f"delete {self._what(inputs)}"):
                    item.delete()
        except NotFound:
            pass  # the project is gone, and its library with it


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    library = client.get_project(rec.inputs["project"]).get_library()
    library.get_file(rec.inputs["path"]).write(HAND)


SELFTEST = Sample(
    "dss:LibraryFile",
    'dss.LibraryFile("python/selftest_helpers.py", project=project,\n'
    '                content="VERSION = $v\\n")',
    logical="$key.python/selftest_helpers.py",
    path="content",
    drift=_selftest_drift,
)
