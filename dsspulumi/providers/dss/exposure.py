"""Objects a project exposes to other projects (``exposedObjects`` of the project settings).

DSS keeps the exposure of every object of a project in one document, the project settings,
written whole (dss-rest-api.md §2, §11: read-modify-write, last writer wins). Several steps
of one run may share objects of the same project at once, so edits of one project's
exposures are serialised here; and only the rules the stack declares are touched: a rule
someone else added is left in place (a refresh reports it as drift).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from dsspulumi.providers.dss.client import DssSession

_GUARD = threading.Lock()
_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def _lock(session: DssSession, project_key: str) -> threading.Lock:
    with _GUARD:
        return _LOCKS.setdefault((session.url, project_key), threading.Lock())


def _entry(settings: dict[str, Any], object_type: str, name: str) -> dict[str, Any] | None:
    for obj in settings.get("exposedObjects", {}).get("objects", []):
        if obj.get("type") == object_type and obj.get("localName") == name:
            return obj
    return None


def _read(session: DssSession, project_key: str) -> Any:
    with session.call(f"read the settings of project {project_key}"):
        return session.client.get_project(project_key).get_settings()


def targets(session: DssSession, project_key: str, object_type: str, name: str) -> list[str]:
    """The projects an object is exposed to, sorted."""
    entry = _entry(_read(session, project_key).get_raw(), object_type, name)
    rules = (entry or {}).get("rules", [])
    return sorted({r.get("targetProject") for r in rules if r.get("targetProject")})


def all_targets(session: DssSession, project_key: str, object_type: str) -> dict[str, list[str]]:
    """Every exposed object of that type in the project -> its target projects (one read)."""
    objects = _read(session, project_key).get_raw().get("exposedObjects", {}).get("objects", [])
    out: dict[str, list[str]] = {}
    for obj in objects:
        if obj.get("type") == object_type and obj.get("localName"):
            rules = obj.get("rules", [])
            found = sorted({r.get("targetProject") for r in rules if r.get("targetProject")})
            if found:
                out[obj["localName"]] = found
    return out


def update(
    session: DssSession,
    project_key: str,
    object_type: str,
    name: str,
    *,
    add: Iterable[str],
    remove: Iterable[str],
) -> None:
    """Expose the object to ``add``, stop exposing it to ``remove``; one GET, a PUT if needed."""
    add, remove = sorted(set(add)), set(remove) - set(add)
    if not add and not remove:
        return
    with _lock(session, project_key):
        settings = _read(session, project_key)
        raw = settings.get_raw()
        objects = raw.setdefault("exposedObjects", {}).setdefault("objects", [])
        entry = _entry(raw, object_type, name)
        if entry is None:
            if not add:
                return
            entry = {"type": object_type, "localName": name, "rules": []}
            objects.append(entry)
        rules = entry.setdefault("rules", [])
        before = [r.get("targetProject") for r in rules]
        rules[:] = [r for r in rules if r.get("targetProject") not in remove]
        rules.extend({"targetProject": t} for t in add if t not in before)
        if not rules:
            objects.remove(entry)
        if [r.get("targetProject") for r in rules] == before:
            return
        with session.call(f"save the exposed objects of project {project_key}"):
            settings.save()
