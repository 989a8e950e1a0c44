"""Resource base class, resource options and program-level values.

Every resource registers itself with the program being run (one contextvar,
owned by ``dsspulumi.program``) the moment it is constructed; the graph is
built from those registrations. Constructing a resource outside a program
run is allowed (tests do it) and simply registers nothing.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import attrs

from dsspulumi import program_context
from dsspulumi.errors import ResourceValidationError
from dsspulumi.kinds import schema

if TYPE_CHECKING:
    from dsspulumi.importer import Call

T = TypeVar("T")


def _resource_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if hasattr(value, "type_token"):  # one resource or component (defined below)
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]  # the validator names the mistake


def _check_resources(_inst: Any, attribute: attrs.Attribute, value: list[Any]) -> None:
    for item in value:
        if not isinstance(item, Resource | ComponentResource):  # a component: its children
            raise ResourceValidationError(
                f"ResourceOptions.{attribute.name} must list dsspulumi resources "
                f"(got {type(item).__name__} {item!r})"
            )


def _str_list(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    return value  # the validator refuses it with a readable message


def _check_paths(_inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise ResourceValidationError(
            f"ResourceOptions.{attribute.name} must be a list of property paths such as "
            f"'description' or 'params.path' (got {value!r})"
        )


def _check_parent(_inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None and not isinstance(value, ComponentResource):
        raise ResourceValidationError(
            "ResourceOptions.parent must be a dss.ComponentResource (the component this "
            f"resource belongs to), got {type(value).__name__} {value!r}"
        )


def _check_aliases(_inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ResourceValidationError(
            "ResourceOptions.aliases must be a list of the resource's former names: a "
            "logical name such as 'PROJECT.old_name' (or 'OLDKEY' for a project), or a full "
            f"URN as shown by `dss preview --json` (got {value!r})"
        )


def _check_bool(_inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, bool):
        raise ResourceValidationError(
            f"ResourceOptions.{attribute.name} must be True or False (got {value!r})"
        )


def _check_import_id(_inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ResourceValidationError(
            f"ResourceOptions.import_id must be the DSS id of an existing object, such as "
            f"'PROJECT.dataset_name' (got {value!r})"
        )


@attrs.define(kw_only=True, frozen=True)
class ResourceOptions:
    """Meta options that steer the engine; never DSS properties.

    Merging and copying go through ``attrs.fields`` so a new option is one edit.
    """

    depends_on: list[Resource | ComponentResource] = attrs.field(
        factory=list, converter=_resource_list, validator=_check_resources
    )
    protect: bool = attrs.field(default=False, validator=_check_bool)
    ignore_changes: list[str] = attrs.field(
        factory=list, converter=_str_list, validator=_check_paths
    )
    delete_before_replace: bool = attrs.field(default=False, validator=_check_bool)
    # Leaving the state leaves the object in DSS, released: its ownership mark is removed
    # (``dsspulumi.release``), so that any stack may adopt it.
    retain_on_delete: bool = attrs.field(default=False, validator=_check_bool)
    # Adopt the existing DSS object with this id instead of creating it (its DSS identity:
    # ``KEY`` for a project, ``PROJECT.name`` or ``name`` for an object of a project).
    import_id: str | None = attrs.field(default=None, validator=_check_import_id)
    # The component this resource belongs to: its type goes into the resource's URN.
    parent: ComponentResource | None = attrs.field(default=None, validator=_check_parent)
    # Former names (logical names or URNs) of this resource: its state record is found
    # under one of them, and it is moved, not replaced.
    aliases: list[str] = attrs.field(factory=list, converter=_str_list, validator=_check_aliases)

    def merge(self, other: ResourceOptions | None) -> ResourceOptions:
        """Options of ``other`` that differ from the defaults win."""
        if other is None:
            return self
        changes = {}
        for f in attrs.fields(ResourceOptions):
            value = getattr(other, f.name)
            factory = getattr(f.default, "factory", None)
            default = factory() if factory is not None else f.default
            if value != default:
                changes[f.name] = value
        return attrs.evolve(self, **changes)


def _translate_init_errors(cls: type[T]) -> type[T]:
    """Turn Python's TypeErrors from a generated ``__init__`` into user-facing messages."""
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            original(self, *args, **kwargs)
        except TypeError as exc:
            raise ResourceValidationError(_explain_type_error(cls, exc, args, kwargs)) from None

    cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


def _explain_type_error(cls: type, exc: TypeError, args: tuple, kwargs: dict) -> str:
    text = str(exc)
    names = [f.alias or f.name for f in attrs.fields(cls) if f.init]
    unexpected = re.search(r"unexpected keyword argument '(\w+)'", text)
    if unexpected:
        bad = unexpected.group(1)
        close = difflib.get_close_matches(bad, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; valid keywords: {', '.join(names)}"
        return f"{cls.__name__}() got an unknown keyword argument '{bad}'{hint}"
    missing = re.search(
        r"missing \d+ required (?:keyword-only |positional )?arguments?: (.*)", text
    )
    if missing:
        return f"{cls.__name__}() is missing required argument(s): {missing.group(1)}"
    if "positional argument" in text:
        return (
            f"{cls.__name__}() takes the DSS name as its only positional argument; "
            "pass everything else by keyword"
        )
    return f"{cls.__name__}(): {text}"


def resource_type(token: str, *, replace_on: tuple[str, ...] = ()) -> Callable[[type[T]], type[T]]:
    """Declare an attrs resource class: its type token and the properties that force a replace."""

    def wrap(cls: type[T]) -> type[T]:
        cls = attrs.define(slots=False, eq=False, repr=False)(cls)
        cls.type_token = token  # type: ignore[attr-defined]
        cls.replace_on = replace_on  # type: ignore[attr-defined]
        return _translate_init_errors(cls)

    return wrap


ResourceOptions = _translate_init_errors(ResourceOptions)  # type: ignore[misc]


class Resource:
    """A DSS object declared by a stack program.

    Subclasses are attrs classes (see ``resource_type``): the DSS identity is the
    only positional argument, everything else is keyword-only and validated at
    construction.
    """

    type_token: ClassVar[str] = "dss:Resource"
    replace_on: ClassVar[tuple[str, ...]] = ()
    # Set after construction by __attrs_post_init__: where the user's code constructed it.
    _site: program_context.CallSite | None
    # True for a read-only reference to an object the stack does not manage (``.get``).
    is_lookup: bool = False
    # Its URN, set when the program's graph is built.
    _urn: str | None = None
    # Whether DSS can rename the object in place (a new name with an alias is an update).
    renames_in_place: ClassVar[bool] = False
    # Whether DSS keeps the ownership mark on the object itself (``dsspulumi.kinds.marks``);
    # False where DSS gives it nowhere to keep one, and its state record proves it ours.
    holds_mark: ClassVar[bool] = True
    # Where in its settings document: the root of custom fields DSS keeps as they are.
    mark_root: ClassVar[str] = "customFields"

    def __attrs_post_init__(self) -> None:
        opts = getattr(self, "opts", None)
        if opts is not None and not isinstance(opts, ResourceOptions):
            raise ResourceValidationError(
                f"{type(self).__name__} '{self.dss_name}': opts must be dss.ResourceOptions "
                f"(got {type(opts).__name__})"
            )
        self.validate()
        self._site = program_context.caller_site()
        program_context.register(self)

    @property
    def source(self) -> tuple[str, int] | None:
        """File and line of the user's code that constructed this resource."""
        site = self._site
        return program_context.site_location(site) if site is not None else None

    # --- identity -----------------------------------------------------------------------
    @property
    def dss_name(self) -> str:
        """The object's name in DSS (project key, dataset name, recipe name)."""
        raise NotImplementedError

    @property
    def logical_name(self) -> str:
        """Unique within a stack: the DSS name, after the project key for what is in one."""
        return self.dss_name

    def dependencies(self) -> list[Resource]:
        """Resources this one references (edges of the graph), before ``depends_on``."""
        return []

    def inputs(self) -> dict[str, Any]:
        """The declared properties as plain JSON data, as stored in state and diffed.

        Derived from the kind's schema (``dsspulumi.kinds.schema``) when every constructor
        argument is declared with ``prop``; a kind with unusual fields overrides this.
        """
        if schema.declares(type(self)):
            return schema.inputs_of(self)
        raise NotImplementedError

    def validate(self) -> None:
        """Cross-field checks that attrs validators cannot express."""

    def instance_names(self) -> list[tuple[str, str]]:
        """The objects of the DSS instance this one names but does not own: (type, name).

        The connection a dataset lives on, the groups a grant is for, a recipe's code env:
        before changing anything, ``up`` checks that each exists in DSS unless the stack
        declares it (``dsspulumi.preflight``), so a typo stops the run before the first
        create instead of half-way. A kind that names none keeps this default.
        """
        return []

    def lookup_inputs(self) -> dict[str, Any]:
        """For a lookup: the identity that is looked up in DSS (all it has)."""
        raise NotImplementedError

    # --- import (issue 9): what a kind adds so that existing objects can be adopted ---------
    def import_outputs(self, import_id: str) -> dict[str, Any]:
        """The outputs of the object ``opts.import_id`` names, checked against the declaration.

        DSS names are identities, so by default the id must name the declared object
        (``PROJECT.name``, or ``name`` inside the declared project). A kind whose DSS id is
        generated (a managed folder's) overrides this and returns it as an output.
        """
        accepted = {self.logical_name, self.dss_name}
        if import_id not in accepted:
            raise ResourceValidationError(
                f"{type(self).__name__} '{self.dss_name}': import_id {import_id!r} does not name "
                f"this object; DSS cannot rename objects, so import_id must be "
                f"'{self.logical_name}' (declare the object under the name it has in DSS)"
            )
        return {}

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        """Code generation: the constructor call that declares exactly ``inputs``.

        ``cls(*call.args, **call.kwargs).inputs() == inputs`` must hold once references are
        resolved, so that a generated stack's first preview is empty. None when this class
        cannot declare them (another class of the same type token may: ``dss:Dataset`` is
        ``Dataset`` or ``ManagedDataset``). The default: derived from the kind's schema when
        every constructor argument is declared with ``prop``, else not importable.
        """
        return schema.call_from_inputs(cls, inputs) if schema.declares(cls) else None

    @classmethod
    def _lookup(cls, logical_name: str, **fields: Any) -> Self:
        """A read-only reference to an existing DSS object, registered with the program.

        Looking up an object twice gives the same reference; looking up an object the
        stack itself declares gives that declaration. The reference is never created,
        changed or deleted: the plan shows it as ``read`` and ``up`` checks it exists.
        """
        existing = program_context.find(cls.type_token, logical_name)
        if existing is not None:
            if not isinstance(existing, cls):
                raise ResourceValidationError(
                    f"{cls.__name__}.get('{logical_name}'): the stack declares a "
                    f"{type(existing).__name__} of that name"
                )
            return existing
        obj = cls.__new__(cls)
        for f in attrs.fields(cls):  # type: ignore[arg-type]
            if f.name in fields:
                value = fields[f.name]
            elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
                value = f.default.factory()
            elif f.default is not attrs.NOTHING:
                value = f.default
            else:
                value = None
            object.__setattr__(obj, f.name, value)
        obj.is_lookup = True
        obj._site = program_context.caller_site()
        program_context.register(obj)
        return obj

    @property
    def options(self) -> ResourceOptions:
        return getattr(self, "opts", None) or _DEFAULT_OPTIONS

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.logical_name!r})"


# What ``Resource.options`` returns when no opts were given (frozen, never mutated).
_DEFAULT_OPTIONS = ResourceOptions()

_COMPONENT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:[A-Za-z][A-Za-z0-9_.-]*$")


class ComponentResource:
    """A user-defined building block grouping resources (Pulumi's ComponentResource).

    Subclass it, call ``super().__init__(type_token, name, opts=opts)`` first, then create
    the children with ``opts=dss.ResourceOptions(parent=self)``::

        class FeaturePipeline(dss.ComponentResource):
            def __init__(self, name, *, project, source, opts=None):
                super().__init__("pkg:FeaturePipeline", name, opts=opts)
                child = dss.ResourceOptions(parent=self)
                self.prepared = dss.ManagedDataset(f"{name}_prepared", project=project,
                                                   connection="filesystem_managed", opts=child)

    The component has no DSS object and no state of its own: it is the children's
    parent. Each child's URN carries the chain of its parents' types
    (``urn:dss:dev::stack::pkg:FeaturePipeline$dss:Dataset::PROJ.name``, as Pulumi
    does), and ``dss preview`` shows children under their component. Renaming a
    component instance changes no URN; moving an existing resource into a component
    (or changing the component's type) changes its URN: give the resource
    ``aliases=["PROJ.name"]`` (its logical name, or its old URN) and it is moved in
    the state, not replaced.
    """

    is_lookup = False

    def __init__(self, type_token: str, name: str, opts: ResourceOptions | None = None) -> None:
        if not isinstance(type_token, str) or not _COMPONENT_TYPE.match(type_token):
            raise ResourceValidationError(
                f"ComponentResource type {type_token!r} must look like 'package:Name' "
                "(e.g. 'acme:FeaturePipeline')"
            )
        if type_token.startswith("dss:"):
            raise ResourceValidationError(
                f"ComponentResource type {type_token!r}: the 'dss:' package is reserved for "
                "DSS object types; use your own package name"
            )
        if not isinstance(name, str) or not name.strip() or "::" in name or "$" in name:
            raise ResourceValidationError(
                f"{type(self).__name__}: the component name must be a non-empty string "
                f"without '::' or '$' (got {name!r})"
            )
        if opts is not None and not isinstance(opts, ResourceOptions):
            raise ResourceValidationError(
                f"{type(self).__name__} '{name}': opts must be dss.ResourceOptions "
                f"(got {type(opts).__name__})"
            )
        self.type_token = type_token
        self.component_name = name
        self.opts = opts
        self._site = program_context.caller_site()
        program_context.register_component(self)

    @property
    def options(self) -> ResourceOptions:
        return self.opts or _DEFAULT_OPTIONS

    @property
    def parent(self) -> ComponentResource | None:
        return self.options.parent

    @property
    def source(self) -> tuple[str, int] | None:
        site = self._site
        return program_context.site_location(site) if site is not None else None

    def register_outputs(self, outputs: dict[str, Any] | None = None) -> None:
        """Accepted for Pulumi compatibility; a component's values are its attributes."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.component_name!r})"


def type_chain(obj: Resource | ComponentResource) -> str:
    """The type part of a URN: the parents' types, outermost first, then the object's."""
    parts = [obj.type_token]
    parent = obj.options.parent
    seen: set[int] = set()
    while parent is not None and id(parent) not in seen:
        seen.add(id(parent))
        parts.append(parent.type_token)
        parent = parent.options.parent
    return "$".join(reversed(parts))


@attrs.define(frozen=True)
class File:
    """Text read from a file relative to the stack file (recipe code, SQL)."""

    path: str = attrs.field(validator=attrs.validators.instance_of(str))

    def read(self) -> str:
        base = program_context.stack_dir()
        target = (base / self.path) if base else None
        try:
            if target is None:
                from pathlib import Path

                target = Path(self.path)
            return target.read_text(encoding="utf-8")
        except OSError as exc:
            raise ResourceValidationError(
                f"dss.File('{self.path}'): cannot read {target}: {exc.strerror}"
            ) from None


def export(name: str, value: Any) -> None:
    """Publish a value as a stack output (stored in state, shown after ``up``)."""
    if not isinstance(name, str) or not name:
        raise ResourceValidationError(f"dss.export() needs a non-empty name (got {name!r})")
    program_context.add_export(name, value)
