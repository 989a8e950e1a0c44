"""Datasets: external (``dss.Dataset``) and managed (``dss.ManagedDataset``).

Both share the type token ``dss:Dataset`` so that turning an external dataset
into a managed one (or back) is a *replace* of the same object, not a delete
of one URN racing a create of another with the same DSS name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.importer import Call, Ref
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


@attrs.define(slots=False, eq=False, repr=False)
class _DatasetBase(ProjectObject):
    # DSS's renameDataset keeps the dataset (data, settings) and repoints its references.
    renames_in_place: ClassVar[bool] = True

    format_params: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    schema: list[Column] | None = attrs.field(
        kw_only=True, default=None, converter=v.to_list, validator=_schema
    )
    # Projects this dataset is exposed to (DSS: "exposed objects" of the dataset's project),
    # so that their recipes may read it as PROJECT.name.
    share_with: list[Project | str] = attrs.field(
        kw_only=True, factory=list, converter=v.to_list, validator=_share_targets
    )

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
        keys = (p.key if isinstance(p, Project) else p for p in self.share_with or [])
        return sorted(set(keys))

    @classmethod
    def _import_kwargs(cls, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Import: the arguments every dataset class shares (format, schema, description…)."""
        kwargs: dict[str, Any] = {}
        if inputs.get("format_type") is not None:
            kwargs["format_type"] = inputs["format_type"]
        if inputs.get("format_params"):
            kwargs["format_params"] = dict(inputs["format_params"])
        if inputs.get("schema") is not None:
            for c in inputs["schema"]:
                Column(c["name"], c["type"])  # an unknown column type: not importable
            kwargs["schema"] = [Call("Column", (c["name"], c["type"])) for c in inputs["schema"]]
        if inputs.get("share_with"):
            kwargs["share_with"] = list(inputs["share_with"])
        return {**kwargs, **cls.described_kwargs(inputs)}

    def _common_inputs(self) -> dict[str, Any]:
        out = {
            "project": self.project.key,
            "name": self.name,
            "format_params": dict(self.format_params),
            "schema": [c.to_json() for c in self.schema] if self.schema is not None else None,
            **self.described(),
        }
        if self.share_with:  # absent when not declared: records from before stay unchanged
            out["share_with"] = self.shared_with_keys()
        return out


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class Dataset(_DatasetBase):
    """An external dataset (Filesystem, S3, PostgreSQL, Snowflake, …).

    ``type`` is DSS's own type string; ``connection`` is stored in
    ``params.connection`` and is required, except for two types: a ``FilesInFolder``
    dataset reads the managed folder given as ``folder=`` and has no connection, and an
    ``UploadedFiles`` dataset stores its files on ``params.uploadConnection`` (DSS's default
    upload connection when ``connection`` is unset), the same as ``dss.UploadedFilesDataset``.
    """

    type: str = attrs.field(kw_only=True, validator=v.name_string)
    connection: str | Connection | None = attrs.field(
        kw_only=True, default=None, validator=_optional_connection
    )
    params: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    # The managed folder a ``FilesInFolder`` dataset reads (``params.folderSmartId``).
    folder: Any = attrs.field(kw_only=True, default=None, validator=_folder_ref)
    format_type: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )

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

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        if inputs.get("managed"):
            return None
        kwargs: dict[str, Any] = {
            "project": cls.project_ref(inputs["project"]),
            "type": inputs["type"],
        }
        params = dict(inputs.get("params") or {})
        smart_id = params.pop("folderSmartId", None)
        if smart_id is not None:  # FilesInFolder: the folder, by its generated id
            full = smart_id if "." in str(smart_id) else f"{inputs['project']}.{smart_id}"
            kwargs["folder"] = Ref("dss:ManagedFolder", full, "")
        if inputs.get("connection") is not None:
            kwargs["connection"] = inputs["connection"]
        if params:
            kwargs["params"] = params
        return Call("Dataset", (inputs["name"],), {**kwargs, **cls._import_kwargs(inputs)})

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

    def inputs(self) -> dict[str, Any]:
        return {
            **self._common_inputs(),
            "type": self.type,
            "managed": False,
            **_connection_fields(
                self.type,
                self.connection,
                {
                    **self.params,
                    **(
                        {"folderSmartId": self.folder.smart_id(self.project.key)}
                        if self.folder is not None
                        else {}
                    ),
                },
            ),
            "format_type": self.format_type,
        }


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class ManagedDataset(_DatasetBase):
    """A dataset whose storage DSS manages on ``connection`` (written by a recipe).

    ``format_type`` (``"parquet"``, ``"csv"``, …) only means something on a files-based
    connection; left unset, DSS picks its default for the connection (none at all on an
    SQL connection, where the data lives in a table), and the stack does not manage it.
    """

    connection: str | Connection = attrs.field(kw_only=True, validator=connection_ref)
    format_type: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> Call | None:
        if not inputs.get("managed"):
            return None
        kwargs = {"project": cls.project_ref(inputs["project"]), "connection": inputs["connection"]}
        return Call("ManagedDataset", (inputs["name"],), {**kwargs, **cls._import_kwargs(inputs)})

    def inputs(self) -> dict[str, Any]:
        return {
            **self._common_inputs(),
            "type": None,
            "managed": True,
            "connection": connection_name(self.connection),
            "params": {},
            "format_type": self.format_type,
        }


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class S3Dataset(_DatasetBase):
    """Files in an S3 bucket, read through a DSS connection of type S3.

    The same object as ``dss.Dataset(type="S3", params={"bucket": …, "path": …})``: switching
    between the two spellings changes nothing. DSS refuses a connection of another type.
    """

    connection: str | Connection = attrs.field(kw_only=True, validator=connection_ref)
    path: str = attrs.field(kw_only=True, validator=v.name_string)
    bucket: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )
    format_type: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )

    def inputs(self) -> dict[str, Any]:
        params = {"bucket": self.bucket, "path": self.path} if self.bucket else {"path": self.path}
        return {
            **self._common_inputs(),
            "type": "S3",
            "managed": False,
            "connection": connection_name(self.connection),
            "params": params,
            "format_type": self.format_type,
        }


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class UploadedFilesDataset(_DatasetBase):
    """Files uploaded into DSS by hand (the "Upload your files" dataset).

    ``connection`` is where DSS stores the uploads (DSS's default when unset); the files
    themselves are data, not configuration: the stack manages the definition only.
    """

    connection: str | Connection | None = attrs.field(
        kw_only=True, default=None, validator=_optional_connection
    )
    format_type: str | None = attrs.field(
        kw_only=True, default=None, validator=v.of_type(str, optional=True)
    )

    def inputs(self) -> dict[str, Any]:
        return {
            **self._common_inputs(),
            "type": "UploadedFiles",
            "managed": False,
            **_connection_fields("UploadedFiles", self.connection, {}),
            "format_type": self.format_type,
        }


AnyDataset = Dataset | ManagedDataset | S3Dataset | UploadedFilesDataset
