"""One read of a project's configuration for a refresh: the project export.

The listings of recipes and scenarios carry no code, steps or triggers (dss-rest-api.md
§10), so a refresh used to read each recipe and scenario on its own. DSS's project
export (``POST /projects/{pk}/export``, ``DSSProject.get_export_stream``) with every data
option off is an archive of the project's configuration: one call for all of it.

Measured on the sandbox for 50 recipes and 5 scenarios (bench/bench_calls.py): one export
instead of 55 reads. Managed folders are still read one by one: their listing's completeness
is UNVERIFIED (dss-rest-api.md §10) and a refresh of many folders is what the DSS-down crash
test catches mid-way. Its layout on a real DSS is UNVERIFIED, so it is
read defensively (``recipes/<name>.json`` + one payload file ``recipes/<name>.<ext>``,
``scenarios/<id>.json`` (+ ``.py``), under any top folder):
an object whose files are not found, or that does not name itself as expected, is read on
its own as before, and a DSS that refuses or fails the export (an older version, a
permission, an error) is read object by object. Drift is never judged from a guess.

One export per project serves every kind of one refresh pass (``fresh_reads`` starts a pass:
``drift.read_all``), never anything else: a change made after it is seen by the next pass.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.providers.dss.client import DssSession

#: Data options all off: the configuration only (the option names of dataikuapi 15.2).
OPTIONS = {
    "exportUploads": False,
    "exportManagedFS": False,
    "exportAnalysisModels": False,
    "exportSavedModels": False,
    "exportManagedFolders": False,
    "exportAllInputDatasets": False,
    "exportAllDatasets": False,
    "exportAllInputManagedFolders": False,
    "exportGitRepository": False,
    "exportInsightsData": False,
}


class Export:
    """The configuration files of one project, by path relative to the archive's top folder."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = dict(files)

    def _json(self, path: str) -> dict[str, Any] | None:
        data = self.files.get(path)
        if data is None:
            return None
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def _text(self, path: str) -> str | None:
        data = self.files.get(path)
        try:
            return None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def recipe(self, name: str) -> tuple[dict[str, Any], str] | None:
        """A recipe's definition and payload, if the export holds both, exactly once."""
        definition = self._json(f"recipes/{name}.json")
        payloads = [
            p
            for p in self.files
            if p.startswith(f"recipes/{name}.")
            and p != f"recipes/{name}.json"
            and "/" not in p[len("recipes/") :]
        ]
        if definition is None or definition.get("name") != name or len(payloads) != 1:
            return None
        payload = self._text(payloads[0])
        return None if payload is None else (definition, payload)

    def scenario(self, ident: str) -> tuple[dict[str, Any], str | None] | None:
        """A scenario's definition and, for a custom-python one, its script."""
        doc = self._json(f"scenarios/{ident}.json")
        if doc is None or doc.get("id") != ident:
            return None
        if doc.get("type") != "custom_python":
            return doc, None
        script = self._text(f"scenarios/{ident}.py")
        return None if script is None else (doc, script)


def _unpacked(data: bytes) -> dict[str, bytes] | None:
    """The archive's files, paths made relative to a single top folder if there is one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    tops = {n.split("/", 1)[0] for n in files if "/" in n}
    if len(tops) == 1 and not any("/" not in n for n in files):
        top = tops.pop() + "/"
        files = {n[len(top) :]: v for n, v in files.items()}
    return files


class ProjectExports:
    """The exports of one refresh pass, one per project (None: read object by object)."""

    def __init__(self, session: DssSession) -> None:
        self.s = session
        self._lock = threading.Lock()
        self._exports: dict[str, Export | None] = {}

    def fresh(self) -> None:
        """A new refresh pass: what was exported before is not read again."""
        with self._lock:
            self._exports.clear()

    def of(self, project_key: str) -> Export | None:
        with self._lock:
            if project_key not in self._exports:
                self._exports[project_key] = self._read(project_key)
            return self._exports[project_key]

    def _read(self, project_key: str) -> Export | None:
        try:
            with self.s.call(f"export the configuration of project {project_key}"):
                answer = self.s.client._perform_raw(
                    "POST", f"/projects/{project_key}/export", body=OPTIONS
                )
                data = answer.content
        except ProviderError:  # refused, unknown, failing: each object is read on its own
            return None
        files = _unpacked(data)
        return None if files is None else Export(files)


_sessions_lock = threading.Lock()


def exports(session: DssSession) -> ProjectExports:
    """The session's exports (one set per DSS session)."""
    with _sessions_lock:
        found: ProjectExports | None = getattr(session, "_project_exports", None)
        if found is None:
            found = ProjectExports(session)
            session._project_exports = found  # type: ignore[attr-defined]
        return found
