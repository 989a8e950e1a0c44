"""A kind's fields, declared once: the schema every other view of the kind is derived from.

A resource class declares each property with ``prop(...)`` instead of ``attrs.field(...)``:
besides its default and validator, the field says where DSS keeps it in the object's raw
settings document (``dss="params.connection"``), how it compares, and whether the generic
writer may write it. From that one declaration come, by default:

* ``Resource.inputs()`` -- the plain JSON the state stores and the plan diffs (``inputs_of``);
* ``Resource.from_inputs()`` -- the constructor call the import code writer prints
  (``call_from_inputs``);
* the provider's view of a DSS object: what ``inspect`` reports for the declared keys
  (``view_of``) and what ``dss import`` reads (``existing_of``);
* what the provider writes into the settings document (``write_into``);
* the docs reference (``docs/_hooks/generate.py`` reads ``doc`` from the field's metadata).

A kind with an unusual field overrides only that field: ``to_input``/``to_arg`` (a reference to
another resource, stored as its name), ``read``/``write`` (a value that is not one path of the
document, such as ``extra_settings``; with ``write_whole``, a write that needs the other
fields too, such as a connection's plain and secret params), or ``writes=False`` (a value
DSS changes through an action -- a rename, a connection change -- which the provider performs
itself).

Comparison (``Compare``): the plan compares inputs exactly, so a field compared as a set or
ignoring order is *normalised* the same way on both sides -- in ``inputs_of`` and in
``view_of`` -- and exact comparison of the two then means what the schema says.

Pure: no IO, no ``dataikuapi``; imports nothing of ``dsspulumi`` but the importer's value types.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from dsspulumi.importer import Call, lookup_ref
from dsspulumi.kinds.documents import deep_merge, get_path, pick_paths, set_path
from dsspulumi.kinds.marks import mark_tags, without_mark_tags

SCHEMA = "dsspulumi.schema"  # the key of a field's ``Prop`` in its attrs metadata


class Compare(enum.StrEnum):
    """How a field's declared value is compared with what DSS holds."""

    EXACT = "exact"
    SET = "set"  # neither order nor repeats matter: kept sorted and unique
    UNORDERED = "unordered"  # order does not matter, repeats do: kept sorted
    SECRET = "secret"  # compared by digest; the plaintext never reaches state (secrets/)
    # A dict managed key by key: only the declared keys are compared and written, a key no
    # longer declared is removed, and keys someone else set are never touched (variables).
    # With ``entry_key``, a list of entries managed entry by entry, each named by that key of
    # its own (a project's grants, by group); ``empty`` is what an absent flag reads as.
    KEYS = "keys"


@attrs.frozen
class Prop:
    """What the schema knows about one field, beyond its attrs default and validator."""

    # Dotted path in the object's raw settings document; None: not part of the document (the
    # object's address, such as its project, or something only the provider knows).
    dss: str | None = None
    compare: Compare = Compare.EXACT
    # Written by the generic writer; False: DSS changes it through an action the provider
    # performs itself (a rename, a connection change), or never (read-only in DSS).
    writes: bool = True
    # Known only after apply (DSS generates it): never an input, an output of the provider.
    after_apply: bool = False
    # The attribute the input is read from, when not the field itself (a secret's digest).
    input_from: str | None = None
    # The field's Python value -> its JSON input (a referenced resource -> its name).
    to_input: Callable[[Any], Any] | None = None
    # A JSON input (and all the inputs) -> the constructor argument the import code writer
    # prints (a ``Ref``).
    to_arg: Callable[[Any, Mapping[str, Any]], Any] | None = None
    # Overrides for a value that is not one path of the document: ``read(raw, declared)``
    # gives what DSS holds for the declared value (``declared`` is None for import), and
    # ``write(raw, new, old)`` writes it.
    read: Callable[[Mapping[str, Any], Any], Any] | None = None
    write: Callable[[dict[str, Any], Any, Any], None] | None = None
    # ``write`` is given all the inputs, new and old (``{}`` on create), instead of the field's
    # own value: for a value written from more than one field (a connection's plain and
    # secret params).
    write_whole: bool = False
    # What DSS holds when the path is absent (a description DSS never got reads as "").
    empty: Any = None
    # Written when a value declared before is no longer declared (None: left as DSS has it).
    clear: Any = None
    # Description, tags and extra settings: after the kind's own fields (in inputs, import
    # arguments and writes, so that ``extra_settings`` is merged last and wins).
    described: bool = False
    # Left out of the inputs while it holds its default: a field added to a kind after states
    # were written, whose records must stay equal to what the stack declares.
    omit_default: bool = False
    # For ``Compare.KEYS`` over a list: the key naming each entry (``"group"``).
    entry_key: str | None = None
    # A constructor argument that is not an input of its own: another field's input holds it
    # (an S3 dataset's ``bucket`` and ``path`` are its ``params``). Skipped by every view.
    folded: bool = False
    # The input's key, when not the constructor argument's name (a SQL recipe's ``sql=`` is
    # stored as ``code``, as every code recipe's payload is).
    key: str | None = None


def prop(
    *,
    dss: str | None = None,
    compare: Compare = Compare.EXACT,
    writes: bool = True,
    to_input: Callable[[Any], Any] | None = None,
    to_arg: Callable[[Any, Mapping[str, Any]], Any] | None = None,
    read: Callable[[Mapping[str, Any], Any], Any] | None = None,
    write: Callable[[dict[str, Any], Any, Any], None] | None = None,
    empty: Any = None,
    clear: Any = None,
    described: bool = False,
    omit_default: bool = False,
    input_from: str | None = None,
    entry_key: str | None = None,
    folded: bool = False,
    write_whole: bool = False,
    key: str | None = None,
    doc: str = "",
    positional: bool = False,
    **field_args: Any,
) -> Any:
    """``attrs.field`` of a resource property, with its ``Prop`` in the metadata.

    Keyword-only unless ``positional`` (the DSS name, the one positional argument); every
    other argument (``default``, ``factory``, ``validator``, ``converter``) goes to attrs.
    """
    spec = Prop(
        dss=dss,
        compare=compare,
        writes=writes,
        to_input=to_input,
        to_arg=to_arg,
        read=read,
        write=write,
        empty=empty,
        clear=clear,
        described=described,
        omit_default=omit_default,
        input_from=input_from,
        entry_key=entry_key,
        folded=folded,
        write_whole=write_whole,
        key=key,
    )
    metadata = {SCHEMA: spec, **({"doc": doc} if doc else {})}
    return attrs.field(kw_only=not positional, metadata=metadata, **field_args)


@attrs.frozen
class Field:
    """One declared property of a kind: its input key, its ``Prop`` and its attrs default."""

    name: str  # the key of its input (the constructor argument's name unless ``Prop.key``)
    prop: Prop
    positional: bool
    default: Any  # attrs.NOTHING when required
    # False: not a constructor argument (a constant of the class, such as a managed
    # dataset's ``managed=True``): an input, never an argument of the import call.
    init: bool = True
    # The attribute that holds it and the constructor argument, when not ``name`` (a
    # recipe's ``inputs=`` is its attribute ``inputs_``: ``inputs()`` is the method).
    attribute: str = ""
    arg: str = ""

    @property
    def optional(self) -> bool:
        """Declared as None means "left to DSS": the stack does not manage it."""
        return self.default is None

    def default_value(self) -> Any:
        if isinstance(self.default, attrs.Factory):  # type: ignore[arg-type]
            return self.default.factory()
        return self.default


_CACHE: dict[type, tuple[Field, ...]] = {}


def fields(cls: type) -> tuple[Field, ...]:
    """The schema of a resource class: its ``prop`` fields, the described ones last."""
    found = _CACHE.get(cls)
    if found is None:
        own = [
            _field(a)
            for a in attrs.fields(cls)
            if SCHEMA in a.metadata and not a.metadata[SCHEMA].folded
        ]
        found = _CACHE[cls] = tuple(sorted(own, key=lambda f: f.prop.described))
    return found


def _field(a: attrs.Attribute) -> Field:
    spec: Prop = a.metadata[SCHEMA]
    arg = a.alias or a.name
    return Field(spec.key or arg, spec, not a.kw_only, a.default, a.init, a.name, arg)


def declares(cls: type) -> bool:
    """Whether the schema declares the whole kind: every constructor argument but ``opts`` is
    a ``prop`` field (then inputs and the import call are derived from it)."""
    if not attrs.has(cls):
        return False
    args = [a for a in attrs.fields(cls) if a.init and a.name != "opts"]
    return bool(args) and all(SCHEMA in a.metadata for a in args)


def normalise(spec: Prop, value: Any) -> Any:
    """A value in the shape the plan compares exactly (see ``Compare``)."""
    # Shallow copies only: values may hold Outputs (known after apply), resolved by identity.
    if isinstance(value, dict):
        return dict(value)
    if not isinstance(value, list | tuple):
        return value
    if spec.compare is Compare.SET:
        return sorted(set(value), key=_sort_key)
    if spec.compare is Compare.UNORDERED:
        return sorted(value, key=_sort_key)
    return list(value)


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


# --- the resource side ----------------------------------------------------------------------


def inputs_of(resource: Any) -> dict[str, Any]:
    """``Resource.inputs()``: every declared property as plain JSON data."""
    out: dict[str, Any] = {}
    for f in fields(type(resource)):
        value = getattr(resource, f.prop.input_from or f.attribute or f.name)
        if f.prop.to_input is not None:
            value = f.prop.to_input(value)
        if f.prop.omit_default and value == f.default_value():
            continue
        out[f.name] = normalise(f.prop, value)
    return out


@attrs.frozen
class Unfolded:
    """What a ``to_arg`` gives for an input that holds other constructor arguments (folded):
    its own argument, and theirs (``{"folder": Ref(...)}``; None: not given). They are
    written after the kind's other arguments, and the input's own argument last."""

    value: Any
    others: Mapping[str, Any]


def call_from_inputs(cls: type, inputs: Mapping[str, Any]) -> Call:
    """``Resource.from_inputs()``: the constructor call declaring exactly ``inputs``.

    Positional fields first; then each keyword whose value is not the default (so the
    generated code says only what differs from what DSS would do anyway).
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for f in fields(cls):
        if not f.init:
            continue
        value = inputs.get(f.name)
        convert = f.prop.to_arg
        arg = convert(value, inputs) if convert is not None and value is not None else value
        into = kwargs
        if isinstance(arg, Unfolded):
            last.update({k: v for k, v in arg.others.items() if v is not None})
            arg, into = arg.value, last
        if f.positional:
            args.append(arg)
        elif value is not None and arg != f.default_value():
            into[f.arg or f.name] = copy.deepcopy(arg)
    return Call(cls.__name__, tuple(args), {**kwargs, **last})


def project_arg(key: Any, inputs: Mapping[str, Any]) -> Any:
    """The import argument of a ``project=`` field: the project, declared or looked up."""
    return lookup_ref("dss:Project", key)


# --- the fields every kind shares -----------------------------------------------------------


def read_tags(raw: Mapping[str, Any], declared: Any) -> list[str]:
    """An object's tags, without the tag a creation body may carry the mark in."""
    return without_mark_tags(raw.get("tags"))


def write_tags(raw: dict[str, Any], new: Any, old: Any) -> None:
    """The declared tags, and the mark tag the document holds: a write that does not carry
    the mark (an update) must not strip the only mark a half-made object has (``write_mark``
    removes the tag when it puts the mark into the custom fields)."""
    raw["tags"] = [*list(new or []), *mark_tags(raw.get("tags"))]


def read_extra_settings(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    """Only the declared keys of ``extra_settings`` are compared (none are imported)."""
    return pick_paths(raw, declared or {})


def write_extra_settings(raw: dict[str, Any], new: Any, old: Any) -> None:
    """``extra_settings`` merged into the document, last: it wins over the typed fields."""
    deep_merge(raw, new or {})


# --- the provider side ----------------------------------------------------------------------


def _read(f: Field, raw: Mapping[str, Any], declared: Any) -> Any:
    if f.prop.read is not None:
        return f.prop.read(raw, declared)
    if f.prop.dss is None:
        return declared  # nothing in the document to compare with
    value = get_path(raw, f.prop.dss)
    if f.prop.compare is Compare.KEYS and f.prop.entry_key is not None:
        return _read_entries(f.prop, value, declared)
    if f.prop.compare is Compare.KEYS:
        have = value if isinstance(value, Mapping) else {}
        keys = have if declared is None else [k for k in declared if k in have]
        return {k: copy.deepcopy(have[k]) for k in keys}
    return normalise(f.prop, f.prop.empty if value is None else value)


def view_of(
    cls: type, raw: Mapping[str, Any], declared: Mapping[str, Any], **given: Any
) -> dict[str, Any]:
    """What DSS holds for the declared properties, in the shape of the inputs (``inspect``).

    ``given`` are the values the object's address proves (its project). A property declared
    as None is not managed: it reads as None whatever DSS holds.
    """
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in given:
            out[f.name] = given[f.name]
            continue
        want = declared.get(f.name)
        if f.prop.omit_default and f.name not in declared:
            continue
        out[f.name] = None if f.optional and want is None else _read(f, raw, want)
    return out


def existing_of(cls: type, raw: Mapping[str, Any], **given: Any) -> dict[str, Any]:
    """The inputs a declaration of exactly this DSS object would hold (``dss import``).

    An optional property DSS holds as its empty value reads as not declared (None).
    """
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in given:
            out[f.name] = given[f.name]
            continue
        if f.prop.dss is None and f.prop.read is None:
            out[f.name] = f.default_value()  # the tool's own setting: DSS does not hold it
            continue
        value = _read(f, raw, None)
        if f.optional and value == f.prop.empty:
            value = None
        out[f.name] = value
    return out


def write_into(
    cls: type, raw: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> None:
    """Write the declared properties into the raw settings document (create and update).

    A property declared as None is left as DSS has it, unless it was declared before and the
    field says what clearing it writes (``clear``). Fields with ``writes=False`` are the
    provider's own business (DSS actions), and fields outside the document are skipped.
    """
    for f in fields(cls):
        if not f.prop.writes or (f.prop.dss is None and f.prop.write is None):
            continue
        value = new.get(f.name)
        before = old.get(f.name) if old is not None else None
        if f.prop.write is not None and f.prop.write_whole:
            f.prop.write(raw, new, old or {})
        elif f.prop.write is not None:
            f.prop.write(raw, value, before)
        elif f.prop.compare is Compare.KEYS and f.prop.entry_key is not None:
            _write_entries(raw, f.prop, value or [], before or [])
        elif f.prop.compare is Compare.KEYS:
            _write_keys(raw, f.prop.dss or "", value or {}, before or {})
        elif value is not None:
            set_path(raw, f.prop.dss or "", value)
        elif before is not None and f.prop.clear is not None:
            set_path(raw, f.prop.dss or "", f.prop.clear)


def _write_keys(
    raw: dict[str, Any], path: str, new: Mapping[str, Any], old: Mapping[str, Any]
) -> None:
    have = get_path(raw, path)
    if not isinstance(have, dict):
        have = {}
        set_path(raw, path, have)
        have = get_path(raw, path)
    for key in old:
        if key not in new:
            have.pop(key, None)
    have.update(copy.deepcopy(dict(new)))


def _entries(value: Any, key: str) -> dict[Any, dict[str, Any]]:
    items = value if isinstance(value, list) else []
    return {i[key]: i for i in items if isinstance(i, dict) and i.get(key) is not None}


def _read_entries(spec: Prop, value: Any, declared: Any) -> list[dict[str, Any]]:
    """The declared entries DSS holds, each with the declared fields only (every entry that
    has the key, for an import)."""
    key = spec.entry_key or ""
    have = _entries(value, key)
    if declared is None:
        return [copy.deepcopy(i) for i in have.values()]
    out = []
    for want in declared:
        entry = have.get(want.get(key))
        if entry is not None:
            out.append({k: copy.deepcopy(entry.get(k, spec.empty)) for k in want})
    return out


def _write_entries(raw: dict[str, Any], spec: Prop, new: list[Any], old: list[Any]) -> None:
    """A declared entry replaces the declared fields of DSS's (others it keeps survive), an
    entry no longer declared goes, anyone else's stays; new entries in declared order."""
    key, path = spec.entry_key or "", spec.dss or ""
    declared = {e[key]: e for e in new}
    dropped = {e[key] for e in old} - set(declared)
    items: list[Any] = []
    current = get_path(raw, path)
    for item in current if isinstance(current, list) else []:
        name = item.get(key) if isinstance(item, dict) else None
        if name in dropped:
            continue
        if name in declared:
            item = {**item, **declared.pop(name)}
        items.append(item)
    items.extend(dict(e) for e in declared.values())
    set_path(raw, path, items)


def remove_from(cls: type, raw: dict[str, Any], inputs: Mapping[str, Any]) -> None:
    """Deleting a kind managed key by key: remove the declared keys only (``Compare.KEYS``)."""
    for f in fields(cls):
        if f.prop.compare is Compare.KEYS and f.prop.dss is not None and f.prop.entry_key:
            key = f.prop.entry_key
            gone = {e[key] for e in inputs.get(f.name) or []}
            items = get_path(raw, f.prop.dss)
            kept = [i for i in items or [] if not (isinstance(i, dict) and i.get(key) in gone)]
            set_path(raw, f.prop.dss, kept)
        elif f.prop.compare is Compare.KEYS and f.prop.dss is not None:
            have = get_path(raw, f.prop.dss)
            if isinstance(have, dict):
                for key in inputs.get(f.name) or {}:
                    have.pop(key, None)


__all__ = [
    "Compare",
    "Field",
    "Prop",
    "Unfolded",
    "call_from_inputs",
    "existing_of",
    "fields",
    "declares",
    "inputs_of",
    "normalise",
    "prop",
    "remove_from",
    "view_of",
    "write_into",
]
