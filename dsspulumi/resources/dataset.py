"""Datasets: external (``dss.Dataset``) and managed (``dss.ManagedDataset``).

Both share the type token ``dss:Dataset`` so that turning an external dataset
into a managed one (or back) is a *replace* of the same object, not a delete
of one URN racing a create of another with the same DSS name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call, Ref
from dsspulumi.kinds.documents import pick_paths
from dsspulumi.kinds.schema import Compare, Unfolded, prop
from dsspulumi.resource import Resource, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import ProjectObject
from dsspulumi.resources.connection import Connection, connection_name, connection_ref
from dsspulumi.resources.project import Project


@attrs.define(frozen=True)
class Column:
    """One schema column: a name and a DSS storage type."""

    name: str = attrs.field(validator=v.name_string)
    type: str = attrs.field(default="string", validator=v.of_type(str))

    def __attrs_post_init__(self) -> None:
        if self.type not in v.COLUMN_TYPES:
            raise ResourceValidationError(
                f"Column '{self.name}': unknown DSS column type {self.type!r} "
                f"(known: {', '.join(sorted(v.COLUMN_TYPES))})"
            )

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


def _schema(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(c, Column) for c in value):
        v.fail(inst, attribute, f"must be a list of dss.Column (got {value!r})")
    dupes = v.duplicates([c.name for c in value])
    if dupes:
        v.fail(inst, attribute, f"has duplicate columns: {', '.join(dupes)}")


def _share_targets(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, list):
        v.fail(inst, attribute, f"must be a list of dss.Project objects or keys ({value!r})")
    for item in value:
        key = item.key if isinstance(item, Project) else item
        if not isinstance(key, str) or not v.PROJECT_KEY.match(key):
            v.fail(
                inst,
                attribute,
                f"must list dss.Project objects or project keys (got {item!r})",
            )
        if key == inst.project.key:
            v.fail(inst, attribute, f"names the dataset's own project {key}")


#: Where a dataset type keeps its connection, for the types that differ from the rule
#: (``params.connection``, required). A FilesInFolder dataset reads a managed folder
#: (``folder=``) and has no connection at all; an uploaded-files dataset keeps its files on
#: ``params.uploadConnection``, and DSS picks its default upload connection when unset.
#: One table, so ``dss.Dataset(type=...)`` and the typed classes follow the same rule.
_CONNECTION_PARAM: dict[str, str | None] = {
    "FilesInFolder": None,
    "UploadedFiles": "uploadConnection",
}


def connection_param(type_: str) -> str | None:
    """The ``params`` key naming a dataset's connection (None: the type has none)."""
    return _CONNECTION_PARAM.get(type_, "connection")


def _connection_fields(
    type_: str, connection: str | Connection | None, params: dict[str, Any]
) -> dict[str, Any]:
    """``connection`` and ``params`` inputs of a dataset of ``type_``, by the rule above."""
    key = connection_param(type_)
    conn = connection_name(connection)
    out = {k: val for k, val in params.items() if k != key}
    if key is not None and key != "connection" and conn is not None:
        out[key] = conn
    return {"connection": conn if key == "connection" else None, "params": out}


def _optional_connection(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None:
        connection_ref(inst, attribute, value)


def _folder_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    from dsspulumi.resources.folder import ManagedFolder

    if value is not None and not isinstance(value, ManagedFolder):
        v.fail(inst, attribute, f"must be a dss.ManagedFolder (got {type(value).__name__})")


def _columns_input(schema: list[Column] | None) -> list[dict[str, str]] | None:
    return [c.to_json() for c in schema] if schema is not None else None


def _columns_arg(columns: list[dict[str, str]], inputs: Mapping[str, Any]) -> list[Call]:
    for c in columns:
        Column(c["name"], c["type"])  # an unknown column type: not importable
    return [Call("Column", (c["name"], c["type"])) for c in columns]


def _read_columns(raw: Mapping[str, Any], declared: Any) -> list[dict[str, Any]]:
    columns = (raw.get("schema") or {}).get("columns") or []
    return [{"name": c.get("name"), "type": c.get("type")} for c in columns]


def _write_columns(raw: dict[str, Any], new: Any, old: Any) -> None:
    if new is not None:
        raw["schema"] = {"columns": copy.deepcopy(new), "userModified": True}


def _read_format_params(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    have = raw.get("formatParams") or {}
    return copy.deepcopy(dict(have)) if declared is None else pick_paths(have, declared)


def _write_format_params(raw: dict[str, Any], new: Any, old: Any) -> None:
    """Only when the stack manages format params: a dataset without any (SQL) keeps none."""
    if not new and not old:
        return
    have = raw.get("formatParams") or {}
    raw["formatParams"] = have
    for key in old or {}:
        if key not in new:
            have.pop(key, None)
    have.update(copy.deepcopy(dict(new)))


def _read_params(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    """The declared keys of ``params``; for an import, all but the connection (its own input),
    and none of a managed dataset's (DSS fills them from its connection)."""
    params = raw.get("params") or {}
    if declared is not None:
        return pick_paths(params, declared)
    if raw.get("managed"):
        return {}
    return {k: copy.deepcopy(val) for k, val in params.items() if k != "connection"}


def _read_type(raw: Mapping[str, Any], declared: Any) -> Any:
    return None if raw.get("managed") else raw.get("type")


def _read_format_type(raw: Mapping[str, Any], declared: Any) -> Any:
    """As DSS holds it; for an import, an empty format is none declared."""
    value = raw.get("formatType")
    return value if declared is not None else value or None


def _share_keys(targets: list[Project | str]) -> list[str]:
    """The keys of the projects a dataset is exposed to, sorted (DSS keeps a set)."""
    return sorted({p.key if isinstance(p, Project) else p for p in targets or []})


def connection_prop(**field_args: Any) -> Any:
    """``connection``: ``params.connection`` of the settings document (by name)."""
    return prop(dss="params.connection", **field_args)


def type_prop(**field_args: Any) -> Any:
    """``type``: DSS's type string (None for a managed dataset); changing it is a replace."""
    return prop(dss="type", read=_read_type, writes=False, **field_args)


def constant(value: Any, *, dss: str | None = None, **spec: Any) -> Any:
    """An input the class fixes (an S3 dataset's ``type``): not a constructor argument."""
    return prop(dss=dss, writes=False, init=False, default=value, **spec)


def _read_managed(raw: Mapping[str, Any], declared: Any) -> bool:
    return bool(raw.get("managed"))


def params_prop(**field_args: Any) -> Any:
    """``params``: the declared keys of the settings document's ``params``."""
    return prop(dss="params", compare=Compare.KEYS, read=_read_params, **field_args)


def format_type_prop() -> Any:
    return prop(
        dss="formatType",
        read=_read_format_type,
        default=None,
        validator=v.of_type(str, optional=True),
    )


@attrs.define(slots=False, eq=False, repr=False)
class _DatasetBase(ProjectObject):
    # DSS's renameDataset keeps the dataset (data, settings) and repoints its references.
    renames_in_place: ClassVar[bool] = True
    # Which datasets ``from_inputs`` declares: an import writes ``dss.Dataset`` or
    # ``dss.ManagedDataset``, never the typed spellings of a ``dss.Dataset``.
    imports: ClassVar[bool | None] = None  # True: managed ones, False: the others

    format_params: dict[str, Any] = prop(
        dss="formatParams",
        compare=Compare.KEYS,
        read=_read_format_params,
        write=_write_format_params,
        factory=dict,
        validator=v.json_dict,
    )
    schema: list[Column] | None = prop(
        dss="schema.columns",
        read=_read_columns,
        write=_write_columns,
        to_input=_columns_input,
        to_arg=_columns_arg,
        empty=[],
        default=None,
        converter=v.to_list,
        validator=_schema,
    )
    # Projects this dataset is exposed to (DSS: "exposed objects" of the dataset's project),
    # so that their recipes may read it as PROJECT.name. Not in the dataset's document: the
    # provider reads and writes the project's exposed objects. Absent from the inputs when
    # not declared: records from before stay unchanged.
    share_with: list[Project | str] = prop(
        compare=Compare.SET,
        writes=False,
        to_input=_share_keys,
        omit_default=True,
        factory=list,
        converter=v.to_list,
        validator=_share_targets,
    )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        if cls.imports is None or bool(inputs.get("managed")) != cls.imports:
            return None
        return super().from_inputs(inputs)

    def dependencies(self) -> list[Resource]:
        conn = getattr(self, "connection", None)
        targets = [p for p in self.share_with if isinstance(p, Project)]
        return [
            *super().dependencies(),
            *([conn] if isinstance(conn, Connection) else []),
            *targets,
        ]

    def instance_names(self) -> list[tuple[str, str]]:
        conn = connection_name(getattr(self, "connection", None))
        return [(Connection.type_token, conn)] if isinstance(conn, str) else []

    def shared_with_keys(self) -> list[str]:
        """The keys of the projects this dataset is exposed to, sorted (DSS keeps a set)."""
        return _share_keys(self.share_with)


def _params_arg(params: Mapping[str, Any], inputs: Mapping[str, Any]) -> Unfolded:
    """Import: what ``params`` holds for another argument, given back to it: the folder of a
    FilesInFolder dataset (by its generated id), the connection of an uploaded one."""
    rest = dict(params)
    smart_id = rest.pop("folderSmartId", None)
    folder = None
    if smart_id is not None:
        full = smart_id if "." in str(smart_id) else f"{inputs['project']}.{smart_id}"
        folder = Ref("dss:ManagedFolder", full, "")
    key = connection_param(inputs["type"])
    connection = rest.pop(key, None) if key is not None and key != "connection" else None
    return Unfolded(rest, {"folder": folder, "connection": connection})


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class Dataset(_DatasetBase):
    """An external dataset (Filesystem, S3, PostgreSQL, Snowflake, …).

    ``type`` is DSS's own type string; ``connection`` is stored in
    ``params.connection`` and is required, except for two types: a ``FilesInFolder``
    dataset reads the managed folder given as ``folder=`` and has no connection, and an
    ``UploadedFiles`` dataset stores its files on ``params.uploadConnection`` (DSS's default
    upload connection when ``connection`` is unset), the same as ``dss.UploadedFilesDataset``.
    """

    imports: ClassVar[bool | None] = False

    type: str = type_prop(validator=v.name_string)
    managed: bool = constant(False, dss="managed", read=_read_managed)
    # The input is the connection only where DSS keeps it in ``params.connection``; the
    # others are in ``params`` (``connection_param``).
    connection: str | Connection | None = connection_prop(
        input_from="connection_input", default=None, validator=_optional_connection
    )
    params: dict[str, Any] = params_prop(
        input_from="params_input", to_arg=_params_arg, factory=dict, validator=v.json_dict
    )
    # The managed folder a ``FilesInFolder`` dataset reads (``params.folderSmartId``).
    folder: Any = prop(folded=True, default=None, validator=_folder_ref)
    format_type: str | None = format_type_prop()

    @classmethod
    def get(cls, ref: str, *, project: Project | None = None) -> Dataset:
        """A read-only reference to an existing dataset the stack does not manage.

        ``ref`` is ``"PROJECT.NAME"``, or ``"NAME"`` with ``project=``. Usable as a recipe
        input (DSS reads it as ``PROJECT.NAME``); never created, changed or deleted.
        """
        if not isinstance(ref, str):
            raise ResourceValidationError(f"Dataset.get() needs 'PROJECT.NAME' (got {ref!r})")
        key, _, name = ref.rpartition(".")
        if project is None:
            if not key:
                raise ResourceValidationError(
                    f"Dataset.get({ref!r}): name the project, as 'PROJECT.{ref}' or with project="
                )
            project = Project.get(key)
        elif key and key != project.key:
            raise ResourceValidationError(
                f"Dataset.get({ref!r}, project={project.key}): two different projects named"
            )
        if not v.OBJECT_NAME.match(name):
            raise ResourceValidationError(
                f"Dataset.get({ref!r}): {name!r} is not a valid DSS name (letters, digits and "
                "underscores only)"
            )
        return cls._lookup(f"{project.key}.{name}", name=name, project=project)

    def lookup_inputs(self) -> dict[str, Any]:
        return {"project": self.project.key, "name": self.name}

    @property
    def connection_input(self) -> str | None:
        key = connection_param(self.type)
        return connection_name(self.connection) if key == "connection" else None

    @property
    def params_input(self) -> dict[str, Any]:
        folder = (
            {"folderSmartId": self.folder.smart_id(self.project.key)}
            if self.folder is not None
            else {}
        )
        params = {**self.params, **folder}
        return _connection_fields(self.type, self.connection, params)["params"]

    def dependencies(self) -> list[Resource]:
        return [*super().dependencies(), *([self.folder] if self.folder is not None else [])]

    def validate(self) -> None:
        if self.is_lookup:
            return
        if (self.type == "FilesInFolder") != (self.folder is not None):
            raise ResourceValidationError(
                f"Dataset '{self.name}': a dataset of type 'FilesInFolder' reads a managed "
                "folder, given as folder=dss.ManagedFolder(...), and only such a dataset takes "
                "folder="
            )
        key = connection_param(self.type)
        if key is None and self.connection is not None:
            raise ResourceValidationError(
                f"Dataset '{self.name}': a {self.type} dataset reads its folder and has no "
                "connection; drop connection="
            )
        if key == "connection" and self.connection is None:
            raise ResourceValidationError(
                f"Dataset '{self.name}': connection= is required for a {self.type} dataset "
                f"(only {' and '.join(sorted(_CONNECTION_PARAM))} datasets may go without)"
            )
        if "folderSmartId" in self.params and self.folder is not None:
            raise ResourceValidationError(
                f"Dataset '{self.name}': give the folder as folder=, not params['folderSmartId']"
            )
        conn = connection_name(self.connection)
        if key is not None and key in self.params and self.params[key] != conn:
            if conn is None:
                raise ResourceValidationError(
                    f"Dataset '{self.name}': give the connection as connection=, not "
                    f"params[{key!r}]"
                )
            raise ResourceValidationError(
                f"Dataset '{self.name}': params[{key!r}] ({self.params[key]!r}) "
                f"contradicts connection={conn!r}; set the connection once"
            )


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class ManagedDataset(_DatasetBase):
    """A dataset whose storage DSS manages on ``connection`` (written by a recipe).

    ``format_type`` (``"parquet"``, ``"csv"``, …) only means something on a files-based
    connection; left unset, DSS picks its default for the connection (none at all on an
    SQL connection, where the data lives in a table), and the stack does not manage it.
    """

    imports: ClassVar[bool | None] = True

    type: str | None = constant(None, dss="type", read=_read_type)
    managed: bool = constant(True, dss="managed", read=_read_managed)
    connection: str | Connection = connection_prop(
        to_input=connection_name, validator=connection_ref
    )
    params: dict[str, Any] = params_prop(init=False, writes=False, factory=dict)
    format_type: str | None = format_type_prop()


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class S3Dataset(_DatasetBase):
    """Files in an S3 bucket, read through a DSS connection of type S3.

    The same object as ``dss.Dataset(type="S3", params={"bucket": …, "path": …})``: switching
    between the two spellings changes nothing. DSS refuses a connection of another type.
    """

    type: str = constant("S3", dss="type", read=_read_type)
    managed: bool = constant(False, dss="managed", read=_read_managed)
    connection: str | Connection = connection_prop(
        to_input=connection_name, validator=connection_ref
    )
    params: dict[str, Any] = params_prop(input_from="params_input", init=False, factory=dict)
    path: str = prop(folded=True, validator=v.name_string)
    bucket: str | None = prop(folded=True, default=None, validator=v.of_type(str, optional=True))
    format_type: str | None = format_type_prop()

    @property
    def params_input(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "path": self.path} if self.bucket else {"path": self.path}


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class UploadedFilesDataset(_DatasetBase):
    """Files uploaded into DSS by hand (the "Upload your files" dataset).

    ``connection`` is where DSS stores the uploads (DSS's default when unset); the files
    themselves are data, not configuration: the stack manages the definition only.
    """

    type: str = constant("UploadedFiles", dss="type", read=_read_type)
    managed: bool = constant(False, dss="managed", read=_read_managed)
    # Kept in ``params.uploadConnection``: never an input of its own.
    connection: str | Connection | None = connection_prop(
        input_from="connection_input", default=None, validator=_optional_connection
    )
    params: dict[str, Any] = params_prop(input_from="params_input", init=False, factory=dict)
    format_type: str | None = format_type_prop()

    @property
    def connection_input(self) -> None:
        return None

    @property
    def params_input(self) -> dict[str, Any]:
        return _connection_fields("UploadedFiles", self.connection, {})["params"]


AnyDataset = Dataset | ManagedDataset | S3Dataset | UploadedFilesDataset
