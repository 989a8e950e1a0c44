"""The code writer of ``dss import``: existing DSS objects -> a readable, runnable stack file.

Written once for every kind: a kind only says, through ``Resource.from_inputs``, which
constructor call declares an object (``Call``, with ``Ref``/``CodeText``/``SecretValue``
values); this module names the variables, orders the statements so that every reference
points at a variable defined above it, writes code to files next to the stack (read back
with ``dss.File``), replaces secrets by ``cfg.require_secret(...)`` placeholders, and lists at
the top what it could not model. Pure: it returns the texts; the caller writes them.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from dsspulumi.errors import DssPulumiError
from dsspulumi.importer import Call, CodeText, Ref, SecretValue, is_sensitive
from dsspulumi.provider import Existing
from dsspulumi.urn import kind_label, kind_of

LINE = 100
RESERVED = {"dss", "cfg", "File"}


@attrs.frozen
class Generated:
    """What the writer produced: the stack file, the code files, and what it left out."""

    text: str
    files: dict[str, str]  # path relative to the stack file -> content
    secrets: dict[str, Any]  # config key -> value found in DSS (to store encrypted)
    unmodelled: list[str]  # "<kind> <identity>: why"
    variables: dict[str, str]  # identity (type, logical name) -> variable, for messages


def resource_classes() -> list[type]:
    """Every resource class that may declare imported objects, in a fixed order."""
    from dsspulumi.resource import Resource
    from dsspulumi.resources import load_all

    load_all()  # every built-in type, as a subclass of Resource

    found: list[type] = []
    todo: list[type] = [Resource]
    while todo:
        cls = todo.pop(0)
        subs: list[type] = cls.__subclasses__()
        for sub in subs:
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    # Concrete types only: ``resource_type`` sets ``type_token`` on the class itself.
    return [c for c in found if "type_token" in vars(c)]


def declare(existing: Existing) -> Call | str:
    """The call declaring ``existing``, or why no resource class can (a reason string)."""
    if existing.unmodelled:
        return existing.unmodelled
    for cls in resource_classes():
        if vars(cls).get("type_token") != existing.type:
            continue
        try:
            call = cls.from_inputs(existing.inputs)  # type: ignore[attr-defined]
        except DssPulumiError as exc:
            return str(exc)
        if call is not None:
            return call
    return f"no dsspulumi resource type declares {existing.type} objects like this one"


def variable_name(identity: str, used: set[str], hint: str = "") -> str:
    """A Python variable for an object: its DSS name in snake case, unique in the file."""
    base = identity.rsplit(".", 1)[-1]
    base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base)
    base = re.sub(r"\W+", "_", base).strip("_").lower() or "obj"
    if base[0].isdigit() or keyword.iskeyword(base) or base in RESERVED:
        base = f"{hint or 'obj'}_{base}"
    name, n = base, 2
    if name in used and hint:
        name = f"{base}_{hint}"
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def generate(
    stack: str,
    header: str,
    objects: Iterable[Existing],
    *,
    code_dir: str,
    extra_unmodelled: Iterable[str] = (),
) -> Generated:
    """The stack file declaring ``objects`` (in dependency order), code files, secrets."""
    calls: list[tuple[Existing, Call]] = []
    unmodelled = list(extra_unmodelled)
    for obj in objects:
        decl = declare(obj)
        kind = kind_label(obj.type)
        if isinstance(decl, str):
            unmodelled.append(f"{kind} {obj.identity}: {decl}")
        else:
            calls.append((obj, decl))
    resolve = _resolver(calls)
    while True:  # an object referencing what cannot be written is left out, and so on
        blocked = [
            (obj, ref)
            for obj, call in calls
            for ref in _refs(call)
            if not ref.lookup and resolve(ref) is None
        ]
        if not blocked:
            break
        for obj, ref in {id(o): (o, r) for o, r in blocked}.values():
            kind = kind_label(obj.type)
            what = kind_label(ref.type)
            unmodelled.append(f"{kind} {obj.identity}: uses {what} {ref.identity}, not imported")
        left = {id(o) for o, _ in blocked}
        calls = [(o, c) for o, c in calls if id(o) not in left]
        resolve = _resolver(calls)
    ordered = _ordered(calls, resolve)
    used: set[str] = set()
    names: dict[tuple[str, str], str] = {}
    project_count = sum(1 for o, _ in calls if o.type == "dss:Project")
    for obj, _call in ordered:
        kind = kind_label(obj.type)
        if obj.type == "dss:Project" and project_count == 1 and "project" not in used:
            used.add("project")
            names[(obj.type, obj.identity)] = "project"
        else:
            names[(obj.type, obj.identity)] = variable_name(obj.identity, used, kind)
    writer = _Writer(names, code_dir, resolve)
    body = []
    for obj, call in ordered:
        var = names[(obj.type, obj.identity)]
        writer.current = var
        body.append(f"{var} = {writer.render(call, 0)}")
    lines = [f'"""{header}']
    if unmodelled:
        lines.append("")
        lines.append("Objects of the project that dsspulumi cannot model yet (not declared here,")
        lines.append("left untouched in DSS):")
        lines += [f"- {u}" for u in unmodelled]
    lines.append('"""')
    lines.append("")
    lines.append("import dsspulumi as dss")
    lines.append("")
    if writer.secrets:
        lines.append("cfg = dss.Config()")
        lines.append("")
    lines += body
    return Generated(
        text="\n".join(lines) + "\n",
        files=writer.files,
        secrets=writer.secrets,
        unmodelled=unmodelled,
        variables={f"{t}::{i}": v for (t, i), v in names.items()},
    )


def _refs(value: Any) -> list[Ref]:
    out: list[Ref] = []
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, Ref):
            out.append(v)
        elif isinstance(v, Call):
            todo += [*v.args, *v.kwargs.values()]
        elif isinstance(v, Mapping):
            todo += list(v.values())
        elif isinstance(v, list | tuple):
            todo += list(v)
    return out


Key = tuple[str, str]  # (type token, logical name)


def _resolver(calls: list[tuple[Existing, Call]]) -> Callable[[Ref], Key | None]:
    """Which declared object a reference points at: by type and name, or by an alias (a
    folder is referred to by its generated id); None when the stack does not declare it."""
    keys = {(o.type, o.identity) for o, _ in calls}
    aliases = {a: (o.type, o.identity) for o, _ in calls for a in o.aliases}

    def resolve(ref: Ref) -> Key | None:
        key = (ref.type, ref.identity)
        return key if key in keys else aliases.get(ref.identity)

    return resolve


def _ordered(
    calls: list[tuple[Existing, Call]], resolve: Callable[[Ref], Key | None]
) -> list[tuple[Existing, Call]]:
    """Every statement after the ones it references; otherwise in the order given."""
    done: set[Key] = set()
    out: list[tuple[Existing, Call]] = []
    left = list(calls)
    while left:
        progressed = False
        for item in list(left):
            obj, call = item
            needs = {k for k in map(resolve, _refs(call)) if k is not None}
            needs.discard((obj.type, obj.identity))
            if needs <= done:
                out.append(item)
                done.add((obj.type, obj.identity))
                left.remove(item)
                progressed = True
        if not progressed:  # a cycle between objects cannot be written as Python references
            out += left
            break
    return out


class _Writer:
    """Renders values as Python source; collects code files and secret placeholders."""

    def __init__(
        self,
        names: Mapping[Key, str],
        code_dir: str,
        resolve: Callable[[Ref], Key | None] = lambda _ref: None,
    ) -> None:
        self.names = names
        self.resolve = resolve
        self.code_dir = code_dir
        self.files: dict[str, str] = {}
        self.secrets: dict[str, Any] = {}
        self.current = ""

    def render(self, value: Any, indent: int, key: str = "") -> str:
        if isinstance(value, Ref):
            target = self.resolve(value)
            return self.names[target] if target is not None else value.lookup
        if isinstance(value, CodeText):
            path = self._code_path(value.suffix)
            self.files[path] = value.text
            return f"dss.File({json.dumps(path)})"
        if isinstance(value, SecretValue):
            return self._secret(value.key, value.value)
        if key and is_sensitive(key) and isinstance(value, str) and value:
            return self._secret(f"{self.current}_{key}", value)
        if isinstance(value, Call):
            parts = [self.render(a, indent + 4) for a in value.args]
            parts += [f"{k}={self.render(v, indent + 4, k)}" for k, v in value.kwargs.items()]
            return self._wrap(f"dss.{value.cls}(", parts, ")", indent)
        if isinstance(value, Mapping):
            parts = [
                f"{json.dumps(str(k))}: {self.render(v, indent + 4, str(k))}"
                for k, v in value.items()
            ]
            return self._wrap("{", parts, "}", indent)
        if isinstance(value, list | tuple):
            return self._wrap("[", [self.render(v, indent + 4) for v in value], "]", indent)
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if value is None or isinstance(value, bool | int | float):
            return repr(value)
        raise DssPulumiError(f"cannot write {type(value).__name__} {value!r} as Python code")

    def _wrap(self, open_: str, parts: list[str], close: str, indent: int) -> str:
        inline = open_ + ", ".join(parts) + close
        if len(inline) + indent <= LINE - 20 and "\n" not in inline:
            return inline
        pad = " " * (indent + 4)
        return open_ + "\n" + "".join(f"{pad}{p},\n" for p in parts) + " " * indent + close

    def _code_path(self, suffix: str) -> str:
        path = f"{self.code_dir}/{self.current}{suffix}"
        n = 2
        while path in self.files:
            path, n = f"{self.code_dir}/{self.current}_{n}{suffix}", n + 1
        return path

    def _secret(self, key: str, value: Any) -> str:
        key = re.sub(r"\W+", "_", key).lower()
        self.secrets[key] = value
        return f"cfg.require_secret({json.dumps(key)})"


def references(call: Call) -> list[Ref]:
    """The objects a call references (its dependencies)."""
    return _refs(call)


def snippet(variable: str, call: Call, *, code_dir: str) -> Generated:
    """One statement to add to an existing stack (``dss import resource``).

    The objects it references are written as lookups (``dss.Project.get("KEY")``): inside a
    stack that declares them, a lookup is that declaration; otherwise it reads them.
    """
    used = {"dss", "cfg"}
    var = variable_name(variable, used) if not variable.isidentifier() else variable
    writer = _Writer({}, code_dir)
    writer.current = var
    text = f"{var} = {writer.render(call, 0)}"
    if writer.secrets:
        text = "cfg = dss.Config()  # if the stack has none yet\n" + text
    return Generated(text, writer.files, writer.secrets, [], {})


def instantiate(call: Call) -> Any:
    """The object the call builds, references resolved to lookups (run it in a throwaway
    program context: ``Session.declare``).

    What it declares (``.inputs()``) is exactly what the generated statement declares: the
    state records that, so the first preview of the code the user adds is empty.
    """
    import dsspulumi

    def build(value: Any) -> Any:
        if isinstance(value, Ref):
            kind = kind_of(value.type)
            if value.type == "dss:Project":
                # As the stack it is added to declares it (parts of a project need that);
                # only its key matters to what the call declares.
                project: Any = dsspulumi.Project  # attrs builds its __init__ at runtime
                return project(value.identity, name=value.identity)
            return getattr(dsspulumi, kind).get(value.identity)
        if isinstance(value, CodeText):
            return value.text
        if isinstance(value, SecretValue):
            from dsspulumi.output import Output

            return Output.secret(value.value)
        if isinstance(value, Call):
            args = [build(a) for a in value.args]
            kwargs = {k: build(v) for k, v in value.kwargs.items()}
            return getattr(dsspulumi, value.cls)(*args, **kwargs)
        if isinstance(value, Mapping):
            return {k: build(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [build(v) for v in value]
        return value

    return build(call)
