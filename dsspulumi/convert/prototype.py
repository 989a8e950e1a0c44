"""Reading a prototype configuration: YAML -> ``Prototype``, checked by the prototype's rules.

The rules are the prototype's (so that a configuration it refused is refused here too, with
the same meaning): project keys and dataset names UPPERCASE_WITH_UNDERSCORES, recipe names
lowercase_with_underscores, every recipe input and output a declared dataset, no cycle
through recipes. Every problem found is reported at once, each with its place in the file.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from dsspulumi.errors import ConfigError

UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
LOWER = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
SUPPORTED_VERSIONS = ("1.0",)


class ConvertError(ConfigError):
    """A configuration that cannot be converted; the message lists every problem."""


@attrs.define
class Item:
    """One mapping of the YAML (the project, a dataset, a recipe) and where it came from."""

    data: dict[str, Any]
    where: str  # "datasets[2]" or "datasets/raw.yml: datasets[0]"


@attrs.define
class Prototype:
    source: Path
    version: str
    metadata: dict[str, Any]
    project: Item
    datasets: list[Item]
    recipes: list[Item]
    top_level_extra: dict[str, Any]  # top-level keys with no meaning to the prototype


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConvertError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConvertError(f"{path} is not valid YAML{where}: {problem}") from None


def _mapping(value: Any, path: Path) -> dict[str, Any]:
    if value is None:
        raise ConvertError(
            f"{path} is empty: a prototype configuration starts with version: "
            '"1.0" and a project: section'
        )
    if not isinstance(value, dict):
        raise ConvertError(
            f"{path}: expected a mapping at the top (version, project, datasets, recipes), "
            f"got {type(value).__name__}"
        )
    return value


def _list_of_items(value: Any, where: str, errors: list[str]) -> list[Item]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(f"{where}: expected a list, got {type(value).__name__}")
        return []
    items = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            errors.append(f"{where}[{i}]: expected a mapping, got {type(entry).__name__}")
            continue
        items.append(Item(entry, f"{where}[{i}]"))
    return items


def _layout_dir(path: Path) -> Path | None:
    """The folder of a directory layout, when ``path`` is one or is its project.yml."""
    if path.is_dir():
        return path
    if path.name in ("project.yml", "project.yaml") and (
        (path.parent / "datasets").is_dir() or (path.parent / "recipes").is_dir()
    ):
        return path.parent
    return None


def _project_file(folder: Path) -> Path:
    for name in ("project.yml", "project.yaml"):
        if (folder / name).is_file():
            return folder / name
    raise ConvertError(
        f"{folder} has no project.yml: the directory layout is project.yml beside "
        "datasets/*.yml and recipes/*.yml"
    )


def load(path: Path) -> Prototype:
    """The configuration at ``path`` (a file, or the directory layout), checked."""
    if not path.exists():
        raise ConvertError(f"{path} does not exist")
    folder = _layout_dir(path)
    main_file = _project_file(folder) if folder is not None else path
    doc = _mapping(_read_yaml(main_file), main_file)
    errors: list[str] = []
    datasets = _list_of_items(doc.get("datasets"), "datasets", errors)
    recipes = _list_of_items(doc.get("recipes"), "recipes", errors)
    if folder is not None:
        for kind, items in (("datasets", datasets), ("recipes", recipes)):
            sub = folder / kind
            files = sorted([*sub.glob("*.yml"), *sub.glob("*.yaml")]) if sub.is_dir() else []
            for file in files:
                part = _read_yaml(file)
                if part is None:
                    continue
                rel = f"{kind}/{file.name}"
                if isinstance(part, dict) and kind in part:
                    extra = sorted(k for k in part if k != kind)
                    if extra:
                        errors.append(
                            f"{rel}: only a '{kind}:' list belongs here (found {', '.join(extra)})"
                        )
                    items.extend(_list_of_items(part[kind], f"{rel}: {kind}", errors))
                elif isinstance(part, dict):  # one object per file
                    items.append(Item(part, rel))
                else:
                    items.extend(_list_of_items(part, rel, errors))
    version = doc.get("version")
    if version is None:
        errors.append('version: missing (the prototype format is version: "1.0")')
    elif str(version) not in SUPPORTED_VERSIONS:
        errors.append(
            f"version: {version!r} is not a version of the prototype format this "
            f"converter knows ({', '.join(SUPPORTED_VERSIONS)})"
        )
    project = doc.get("project")
    if not isinstance(project, dict):
        errors.append("project: missing (a configuration declares one project with key and name)")
        project = {}
    metadata = doc.get("metadata") or {}
    if not isinstance(metadata, dict):
        errors.append(f"metadata: expected a mapping, got {type(metadata).__name__}")
        metadata = {}
    known = {"version", "metadata", "project", "datasets", "recipes"}
    proto = Prototype(
        source=path,
        version=str(version),
        metadata=metadata,
        project=Item(project, "project"),
        datasets=datasets,
        recipes=recipes,
        top_level_extra={k: v for k, v in doc.items() if k not in known},
    )
    errors.extend(check(proto))
    if errors:
        listing = "\n".join(f"  {main_file.name if folder is None else path}: {e}" for e in errors)
        raise ConvertError(
            f"{path} cannot be converted ({len(errors)} problem"
            f"{'s' if len(errors) != 1 else ''}); fix the YAML and run again:\n{listing}"
        )
    return proto


def _name(item: Item, key: str, pattern: re.Pattern[str], rule: str, errors: list[str]) -> None:
    value = item.data.get(key)
    if value is None or value == "":
        errors.append(f"{item.where}.{key}: missing")
    elif not isinstance(value, str):
        errors.append(f"{item.where}.{key}: expected a string, got {value!r}")
    elif not PLACEHOLDER.search(value) and not pattern.match(value):
        errors.append(f"{item.where}.{key}: '{value}' must be {rule} (the prototype's naming rule)")


def _named(
    items: list[Item], pattern: re.Pattern[str], rule: str, types: str, errors: list[str]
) -> dict[str, str]:
    """Name (by ``pattern``), type and uniqueness of datasets or recipes; name -> where."""
    seen: dict[str, str] = {}
    for item in items:
        _name(item, "name", pattern, rule, errors)
        if not item.data.get("type"):
            errors.append(f"{item.where}.type: missing ({types})")
        name = item.data.get("name")
        if isinstance(name, str):
            if name in seen:
                errors.append(f"{item.where}.name: '{name}' is declared twice (also {seen[name]})")
            seen[name] = item.where
    return seen


def check(proto: Prototype) -> list[str]:
    """The prototype's validation rules; an empty list when the configuration is valid."""
    errors: list[str] = []
    _name(proto.project, "key", UPPER, "UPPERCASE_WITH_UNDERSCORES", errors)
    if not proto.project.data.get("name") and proto.project.data:
        errors.append("project.name: missing")
    names = _named(
        proto.datasets,
        UPPER,
        "UPPERCASE_WITH_UNDERSCORES",
        "managed, snowflake, postgresql, s3, …",
        errors,
    )
    _named(proto.recipes, LOWER, "lowercase_with_underscores", "python, sql, sync", errors)
    producers: dict[str, str] = {}
    edges: dict[str, set[str]] = {n: set() for n in names}
    for rc in proto.recipes:
        rname = rc.data.get("name")
        ins, outs = _refs(rc, "inputs", errors), _refs(rc, "outputs", errors)
        if not outs:
            errors.append(f"{rc.where}.outputs: a recipe needs at least one output")
        for ref in [*ins, *outs]:
            if ref not in names:
                errors.append(f"{rc.where}: '{ref}' is not a dataset of this configuration")
        for out in outs:
            if out in producers:
                errors.append(
                    f"{rc.where}.outputs: '{out}' is already written by recipe "
                    f"'{producers[out]}' (DSS allows one recipe per output)"
                )
            producers[out] = str(rname)
            edges.setdefault(out, set()).update(ins)
    cycle = _cycle(edges)
    if cycle:
        steps = "".join(f" -> {ds} (by recipe {producers.get(ds, '?')})" for ds in cycle[1:])
        errors.append(f"recipes: circular dependency between datasets: {cycle[0]}{steps}")
    return errors


def _refs(item: Item, key: str, errors: list[str]) -> list[str]:
    value = item.data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{item.where}.{key}: expected a list of dataset names, got {value!r}")
        return []
    return list(value)


def _cycle(edges: Mapping[str, set[str]]) -> list[str] | None:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for node, deps in edges.items():
        sorter.add(node, *sorted(deps))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])  # each dataset feeds the next one
    return None
