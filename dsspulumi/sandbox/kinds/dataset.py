"""Datasets: generic and managed creation, definition, schema, metadata, delete.

Rows: kind ``dataset``, project = project key, id = dataset name; the document is the full
definition (what GET returns and list items carry).
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox import hooks
from dsspulumi.sandbox.documents import deleted, keep_immutable, rename_request
from dsspulumi.sandbox.errors import (
    invalid,
    not_found,
    optional_object,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import connection, folder_exists, project_object, require_project
from dsspulumi.sandbox.managed_datasets import build_managed, check_new_name, new_dataset, save
from dsspulumi.sandbox.objects import apply_metadata, metadata_view, split_ref
from dsspulumi.sandbox.routes import Request, Route, collection, get_put
from dsspulumi.sandbox.store import Tx

KIND = "dataset"


def lookup(tx: Tx, project_key: str, name: str) -> dict[str, Any]:
    return project_object(tx, KIND, "dataset", project_key, name)


def exists(tx: Tx, project_key: str, name: str) -> bool:
    return tx.exists(KIND, project_key, name)


#: Dataset types that must live on a connection of the same type (an S3 dataset reads its
#: bucket through an S3 connection).
SAME_TYPE_CONNECTION = frozenset(["S3", "GCS", "Azure", "HDFS"])


def _check_folder(tx: Tx, project_key: str, type_: str, params: dict[str, Any]) -> None:
    """A FilesInFolder dataset reads an existing managed folder (``params.folderSmartId``)."""
    if type_ != "FilesInFolder":
        return
    ref = params.get("folderSmartId")
    if not isinstance(ref, str) or not ref:
        raise invalid("A FilesInFolder dataset needs params.folderSmartId (a managed folder id)")
    if not folder_exists(tx, project_key, ref):
        key, ident = split_ref(project_key, ref)
        require_project(tx, key)
        raise not_found("managed folder", f"{key}.{ident}")


def _check_connection_params(tx: Tx, params: dict[str, Any], type_: str) -> None:
    for key in ("connection", "uploadConnection"):
        conn = params.get(key)
        if conn is not None:
            if not isinstance(conn, str):
                raise invalid(f"Invalid params.{key}: expected a connection name")
            found = connection(tx, conn)
            if key == "connection" and type_ in SAME_TYPE_CONNECTION and found["type"] != type_:
                raise invalid(
                    f"Connection '{conn}' is of type {found['type']}, not {type_}: a {type_} "
                    f"dataset needs a {type_} connection"
                )
    if type_ in SAME_TYPE_CONNECTION and not params.get("connection"):
        raise invalid(f"A {type_} dataset needs params.connection (a {type_} connection)")


def check_schema(schema: Any) -> dict[str, Any]:
    schema = dict(require_object(schema, "schema"))
    columns = schema.get("columns", [])
    if not isinstance(columns, list):
        raise invalid("Invalid schema: 'columns' must be a list")
    for i, col in enumerate(columns):
        if not (
            isinstance(col, dict)
            and isinstance(col.get("name"), str)
            and col["name"]
            and isinstance(col.get("type"), str)
            and col["type"]
        ):
            raise invalid(f"Invalid schema column #{i}: every column needs a name and a type")
    schema["columns"] = columns
    schema.setdefault("userModified", False)
    return schema


# ---- handlers -------------------------------------------------------------------------------


def list_datasets(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    tags = req.args("tags")
    return [
        d
        for d in tx.docs(KIND, req.project_key)
        if not tags or any(t in d.get("tags", []) for t in tags)
    ]


def create_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    body = require_object(req.body, "dataset")
    name = check_new_name(tx, project_key, body.get("name"))
    if body.get("projectKey", project_key) != project_key:
        raise invalid(
            f"Dataset projectKey {body.get('projectKey')} does not match project {project_key}"
        )
    type_ = body.get("type")
    if not isinstance(type_, str) or not type_:
        raise invalid("Dataset type is required")
    params = optional_object(body.get("params"), "dataset params")
    _check_connection_params(tx, params, type_)
    _check_folder(tx, project_key, type_, params)
    format_type = body.get("formatType")
    if format_type is not None and not isinstance(format_type, str):
        raise invalid("Invalid formatType: expected a string")
    format_params = optional_object(body.get("formatParams"), "formatParams")
    dataset = new_dataset(
        tx, project_key, name, type_, params, format_type, format_params, managed=False
    )
    save(tx, _with_extras(tx, dataset, body))
    return {"msg": f"Dataset {project_key}.{name} created"}


#: What a creation call is made of; the rest of its body is kept only by a DSS that keeps
#: the fields of a creation call (``creation_keeps_fields``).
_CREATION_BASICS = frozenset(
    ["name", "projectKey", "type", "params", "formatType", "formatParams", "managed"]
    + ["creationTag", "versionTag", "creationSettings"]
)


def _with_extras(tx: Tx, dataset: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The new dataset with the rest of its creation body, as a PUT would keep it."""
    if not tx.store.creation_keeps_fields:
        return dataset
    extra = {k: val for k, val in body.items() if k not in _CREATION_BASICS}
    dataset.update(extra, schema=check_schema(body.get("schema", dataset["schema"])))
    dataset["tags"] = string_list(dataset.get("tags"), "tags")
    if dataset["managed"]:  # declared format params, over DSS's defaults
        declared = optional_object(body.get("formatParams"), "formatParams")
        dataset["formatParams"] = {**dataset.get("formatParams", {}), **declared}
    return dataset


def create_managed_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    body = require_object(req.body, "managed dataset")
    name = check_new_name(tx, project_key, body.get("name"))
    dataset = build_managed(tx, project_key, name, body.get("creationSettings"))
    save(tx, _with_extras(tx, dataset, body))
    return {"msg": f"Dataset {project_key}.{name} created"}


def get_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    return lookup(tx, req.project_key, req.params["datasetName"])


def set_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    """Whole-definition PUT: fields sent are kept as sent (``customFields`` included), except
    the immutable name / projectKey / type and the server-managed tags."""
    project_key, name = req.project_key, req.params["datasetName"]
    current = lookup(tx, project_key, name)
    body = require_object(req.body, "dataset")
    keep_immutable(current, body, ("name", "projectKey", "type"), f"dataset {project_key}.{name}")
    params = optional_object(body.get("params", current["params"]), "dataset params")
    _check_connection_params(tx, params, current["type"])
    _check_folder(tx, project_key, current["type"], params)
    schema = check_schema(body.get("schema", current["schema"]))
    tags = string_list(body.get("tags"), "tags")
    updated = dict(body)
    updated.update(
        name=name,
        projectKey=project_key,
        type=current["type"],
        params=params,
        schema=schema,
        tags=tags,
        creationTag=current["creationTag"],
        versionTag=current["versionTag"],
    )
    updated.setdefault("managed", current["managed"])
    tx.bump(updated)
    save(tx, updated)
    return {"msg": f"Dataset {project_key}.{name} saved"}


def get_schema(tx: Tx, req: Request) -> dict[str, Any]:
    return dict(lookup(tx, req.project_key, req.params["datasetName"])["schema"])


def set_schema(tx: Tx, req: Request) -> dict[str, Any]:
    dataset = lookup(tx, req.project_key, req.params["datasetName"])
    dataset["schema"] = check_schema(req.body)
    tx.bump(dataset)
    save(tx, dataset)
    return dict(dataset["schema"])


def get_metadata(tx: Tx, req: Request) -> dict[str, Any]:
    return metadata_view(lookup(tx, req.project_key, req.params["datasetName"]))


def set_metadata(tx: Tx, req: Request) -> dict[str, Any]:
    dataset = lookup(tx, req.project_key, req.params["datasetName"])
    apply_metadata(dataset, req.body)
    tx.bump(dataset)
    save(tx, dataset)
    return metadata_view(dataset)


def delete_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, name = req.project_key, req.params["datasetName"]
    lookup(tx, project_key, name)
    return deleted(tx, KIND, "Dataset", project_key, name)


def rename_dataset(tx: Tx, req: Request) -> dict[str, Any]:
    """``{oldName, newName}``: the same dataset (definition, data, creationTag) under a new
    name; what references it follows, by the kinds' rename hooks: recipes, scenarios, zones
    and project exposures (ENDPOINTS.md says what, and what is UNVERIFIED)."""
    project_key = req.project_key
    old, new, dataset = rename_request(
        req, "dataset", lambda n: lookup(tx, project_key, n), lambda n: exists(tx, project_key, n)
    )
    dataset["name"] = new
    tx.bump(dataset)
    tx.delete(KIND, project_key, old)
    save(tx, dataset)
    hooks.renamed(tx, KIND, project_key, old, new)
    return {"msg": f"Dataset {project_key}.{old} renamed to {new}"}


_ONE = "/projects/{projectKey}/datasets/{datasetName}"
ROUTES = [
    *collection(_ONE, (list_datasets, create_dataset, get_dataset, set_dataset, delete_dataset)),
    Route("POST", "/projects/{projectKey}/datasets/managed", create_managed_dataset),
    *get_put(_ONE + "/schema", get_schema, set_schema),
    *get_put(_ONE + "/metadata", get_metadata, set_metadata),
    Route("POST", "/projects/{projectKey}/actions/renameDataset", rename_dataset),
]
