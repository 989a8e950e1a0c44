"""Projects no stack manages, as typed resources: what ``dss policy check`` runs rules on.

Each project is read through the reader ``dss import project`` uses
(``importer.reader.read_project``: GET calls only), and each object is rebuilt with the
constructor call ``dss import`` would write for it (``Resource.from_inputs``), so that a rule
sees the same typed object it sees in a stack program. References between the project's
objects point at the rebuilt objects; references outside it are read-only lookups.
Nothing is registered, recorded or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import DssPulumiError
from dsspulumi.importer import Call, CodeText, Ref, SecretValue
from dsspulumi.provider import Existing
from dsspulumi.urn import kind_label, kind_of


@attrs.define
class LiveProject:
    key: str
    resources: list[Any] = attrs.field(factory=list)
    skipped: list[str] = attrs.field(factory=list)  # "<kind> <identity>: why"


def rebuild(key: str, objects: list[Existing]) -> LiveProject:
    """The typed resources declaring ``objects`` (those no class can declare are skipped)."""
    from dsspulumi.importer.codegen import declare

    out = LiveProject(key)
    calls: dict[tuple[str, str], tuple[Existing, Call]] = {}
    aliases: dict[str, tuple[str, str]] = {}
    for obj in objects:
        decl = declare(obj)
        if isinstance(decl, str):
            out.skipped.append(f"{kind_label(obj.type)} {obj.identity}: {decl}")
            continue
        calls[(obj.type, obj.identity)] = (obj, decl)
        for alias in obj.aliases:
            aliases[alias] = (obj.type, obj.identity)
    built: dict[tuple[str, str], Any] = {}
    building: set[tuple[str, str]] = set()

    def resolve(ref: Ref) -> Any:
        target = (ref.type, ref.identity)
        if target not in calls:
            target = aliases.get(ref.identity, target)
        if target in calls and target not in building:
            return make(target)
        return _lookup(ref)

    def make(target: tuple[str, str]) -> Any:
        if target not in built:
            building.add(target)
            try:
                built[target] = _build(calls[target][1], resolve)
            finally:
                building.discard(target)
        return built[target]

    for target, (obj, _call) in calls.items():
        try:
            out.resources.append(make(target))
        except DssPulumiError as exc:
            out.skipped.append(f"{kind_label(obj.type)} {obj.identity}: {exc}")
    return out


def _lookup(ref: Ref) -> Any:
    import dsspulumi

    if ref.type == "dss:Project":
        project: Any = dsspulumi.Project  # attrs builds its __init__ at runtime
        return project(ref.identity, name=ref.identity)
    return getattr(dsspulumi, kind_of(ref.type)).get(ref.identity)


def _build(value: Any, resolve: Any) -> Any:
    import dsspulumi

    if isinstance(value, Ref):
        return resolve(value)
    if isinstance(value, CodeText):
        return value.text
    if isinstance(value, SecretValue):
        from dsspulumi.output import Output

        return Output.secret(value.value)
    if isinstance(value, Call):
        args = [_build(a, resolve) for a in value.args]
        kwargs = {k: _build(v, resolve) for k, v in value.kwargs.items()}
        return getattr(dsspulumi, value.cls)(*args, **kwargs)
    if isinstance(value, Mapping):
        return {k: _build(v, resolve) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_build(v, resolve) for v in value]
    return value


def project_keys(registry: Any) -> list[str]:
    """Every project of the instance (``--all-projects``), sorted."""
    return sorted(registry.session.client.list_project_keys())


def read(registry: Any, key: str) -> LiveProject:
    """One live project, rebuilt (``DssPulumiError`` if it does not exist)."""
    from dsspulumi.importer.reader import read_project

    objects = read_project(registry, key)
    if not any(o.type == "dss:Project" for o in objects):
        raise DssPulumiError(f"project {key} does not exist in DSS at {registry.url}")
    return rebuild(key, objects)
