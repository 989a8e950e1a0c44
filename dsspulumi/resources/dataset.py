"""Datasets: external (``dss.Dataset``) and managed (``dss.ManagedDataset``).

Both share the type token ``dss:Dataset`` so that turning an external dataset
into a managed one (or back) is a *replace* of the same object, not a delete
of one URN racing a create of another with the same DSS name.
"""

from __future__ import annotations

from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
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
    names = [c.name for c in value]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        v.fail(inst, attribute, f"has duplicate columns: {', '.join(dupes)}")


def _optional_connection(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if value is not None:
        connection_ref(inst, attribute, value)


def _folder_ref(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    from dsspulumi.resources.folder import ManagedFolder

    if value is not None and not isinstance(value, ManagedFolder):
        v.fail(inst, attribute, f"must be a dss.ManagedFolder (got {type(value).__name__})")


@attrs.define(slots=False, eq=False, repr=False)
class _DatasetBase(ProjectObject):
    format_params: dict[str, Any] = attrs.field(kw_only=True, factory=dict, validator=v.json_dict)
    schema: list[Column] | None = attrs.field(
        kw_only=True, default=None, converter=v.to_list, validator=_schema
    )

    def dependencies(self) -> list[Resource]:
        conn = getattr(self, "connection", None)
        return [*super().dependencies(), *([conn] if isinstance(conn, Connection) else [])]

    def _common_inputs(self) -> dict[str, Any]:
        return {
            "project": self.project.key,
            "name": self.name,
            "format_params": dict(self.format_params),
            "schema": [c.to_json() for c in self.schema] if self.schema is not None else None,
            **self.described(),
        }


@resource_type("dss:Dataset", replace_on=("type", "managed"))
class Dataset(_DatasetBase):
    """An external dataset (Filesystem, S3, PostgreSQL, Snowflake, …).

    ``type`` is DSS's own type string; ``connection`` is stored in
    ``params.connection``.
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
                    f"Dataset.get({ref!r}): name the project, as 'PROJECT.{ref}' or with "
                    "project="
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
        if self.folder is None and self.connection is None:
            raise ResourceValidationError(
                f"Dataset '{self.name}': connection= is required for a {self.type} dataset"
            )
        if "folderSmartId" in self.params and self.folder is not None:
            raise ResourceValidationError(
                f"Dataset '{self.name}': give the folder as folder=, not params['folderSmartId']"
            )
        conn = connection_name(self.connection)
        if "connection" in self.params and self.params["connection"] != conn:
            raise ResourceValidationError(
                f"Dataset '{self.name}': params['connection'] ({self.params['connection']!r}) "
                f"contradicts connection={conn!r}; set the connection once"
            )

    def inputs(self) -> dict[str, Any]:
        return {
            **self._common_inputs(),
            "type": self.type,
            "managed": False,
            "connection": connection_name(self.connection),
            "params": {
                **{k: val for k, val in self.params.items() if k != "connection"},
                **(
                    {"folderSmartId": self.folder.smart_id(self.project.key)}
                    if self.folder is not None
                    else {}
                ),
            },
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

    def inputs(self) -> dict[str, Any]:
        return {
            **self._common_inputs(),
            "type": None,
            "managed": True,
            "connection": connection_name(self.connection),
            "params": {},
            "format_type": self.format_type,
        }


AnyDataset = Dataset | ManagedDataset
