"""The sandbox's state and the DSS rules that guard it, with no HTTP in sight.

Every public method of :class:`Store` is one REST operation: it takes already-decoded JSON
(path segments, query values, request body) and returns the JSON to answer, or raises
:class:`DssApiError`, which the server turns into DSS's error body. Each mutating method
validates everything first and only then changes state, so a refused request leaves the store
exactly as it was (the server persists after every successful mutation, never after a refusal).

The store is not thread-safe on its own: the server holds one lock around each call.
Simulator conventions (behaviour chosen here because DSS's is unverified) are listed in the
package docstring, :mod:`dsspulumi.sandbox`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

NOT_FOUND = "com.dataiku.dip.server.controllers.NotFoundException"
CODED = "com.dataiku.dip.exceptions.CodedException"
ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException"
NOT_AUTHENTICATED = "com.dataiku.dip.exceptions.NotAuthenticatedException"

#: Version of the persisted JSON document (``data_dir``); bump on incompatible changes.
STORE_FORMAT_VERSION = 1

#: The identity every valid API key maps to (the sandbox has a single admin user).
ADMIN_LOGIN = "admin"

PROJECT_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
OBJECT_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")

# dataset.py:DSSDataset._FS_TYPES / _SQL_TYPES of dataikuapi 15.2 (copied so the store imports
# no IO library).
FS_TYPES = frozenset(
    [
        "Filesystem",
        "UploadedFiles",
        "FilesInFolder",
        "HDFS",
        "S3",
        "Azure",
        "GCS",
        "FTP",
        "SCP",
        "SFTP",
    ]
)
SQL_TYPES = frozenset(
    [
        "JDBC",
        "PostgreSQL",
        "MySQL",
        "Vertica",
        "Snowflake",
        "Redshift",
        "Greenplum",
        "Teradata",
        "Oracle",
        "SQLServer",
        "SAPHANA",
        "Netezza",
        "BigQuery",
        "Athena",
        "hiveserver2",
        "Synapse",
        "FabricWarehouse",
        "Databricks",
        "DatabricksLakebase",
        "ClickHouse",
    ]
)

#: Recipe types whose payload is a script (creationSettings.script seeds it).
CODE_RECIPE_TYPES = frozenset(
    [
        "python",
        "r",
        "sql_script",
        "sql_query",
        "pyspark",
        "sparkr",
        "spark_scala",
        "shell",
        "spark_sql_query",
        "julia",
        "hive",
        "impala",
        "pig",
    ]
)
#: Code recipe types whose params carry a code env selection (``set_code_env`` needs it).
ENV_RECIPE_TYPES = frozenset(["python", "r", "pyspark", "sparkr"])

_SECRET_PARAM_RE = re.compile(r"password|secret", re.IGNORECASE)
_SECRET_PREFIX = "e:"


class DssApiError(Exception):
    """A refusal in DSS's terms: HTTP status, Java-style ``errorType`` and a human message.

    The real client only ever shows ``"<errorType>: <detailedMessage>"``, so errorType and
    message text are what callers can match on; the status is kept >= 400 and plausible.
    """

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON error body DSS sends (detailedMessage = message: it is what users see)."""
        return {
            "errorType": self.error_type,
            "message": self.message,
            "detailedMessage": self.message,
        }


def not_found(kind: str, ident: str) -> DssApiError:
    """Missing object: the one error type a provider may read as "absent"."""
    return DssApiError(404, NOT_FOUND, f"{kind} does not exist: {ident}")


def invalid(message: str) -> DssApiError:
    """Refused request ("already exists", "invalid name", bad body): simulator convention."""
    return DssApiError(400, CODED, message)


def unknown_connection(name: str, status: int = 400) -> DssApiError:
    """Missing connection, with the exact text Dataiku's own Ansible modules match on."""
    return DssApiError(status, ILLEGAL_ARGUMENT, f"Connection '{name}' does not exist")


# --------------------------------------------------------------------------------------------
# small validators


def _require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"Invalid {what}: expected a JSON object (got {type(value).__name__})")
    return value


def _optional_object(value: Any, what: str) -> dict[str, Any]:
    return {} if value is None else _require_object(value, what)


def _string_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"Invalid {what}: expected a list of strings")
    return list(value)


def _optional_str(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"Invalid {what}: expected a string (got {type(value).__name__})")
    return value


def _check_object_name(kind: str, name: Any) -> str:
    """Dataset / recipe names: letters, digits, underscores (a '.' would break refs)."""
    if not isinstance(name, str) or not OBJECT_NAME_RE.match(name):
        raise invalid(
            f"Invalid {kind} name '{name}': only letters, digits and underscores are allowed"
        )
    return name


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------------
# default documents


def default_project_settings() -> dict[str, Any]:
    """A project settings document with every key the client's helpers index into."""
    return {
        "settings": {
            "codeEnvs": {
                "python": {"mode": "USE_BUILTIN_MODE", "useBuiltinEnv": True, "envName": None},
                "r": {"mode": "USE_BUILTIN_MODE", "useBuiltinEnv": True, "envName": None},
            },
            "container": {"containerMode": "INHERIT", "containerConf": ""},
            "k8sCluster": {"clusterMode": "INHERIT", "clusterId": None, "defaultClusterId": None},
            "cluster": {"clusterMode": "INHERIT", "clusterId": None, "defaultClusterId": None},
            "disableAutomaticTriggers": False,
            "flowBuildSettings": {"mergeSparkPipelines": True, "pruneBeforeSparkPipelines": True},
        },
        "exposedObjects": {"objects": []},
        "integrations": {"integrations": []},
    }


def _csv_format_params(style: str = "unix", compress: str = "") -> dict[str, Any]:
    return {
        "style": style,
        "charset": "utf8",
        "separator": "\t",
        "quoteChar": '"',
        "escapeChar": "\\",
        "dateSerializationFormat": "ISO",
        "arrayMapFormat": "json",
        "hiveSeparators": ["\x02", "\x03", "\x04", "\x05", "\x06", "\x07", "\x08"],
        "skipRowsBeforeHeader": 0,
        "parseHeaderRow": False,
        "skipRowsAfterHeader": 0,
        "probableNumberOfRecords": 0,
        "normalizeBooleans": False,
        "normalizeDoubles": True,
        "compress": compress,
    }


def managed_format(format_option_id: str | None) -> tuple[str, dict[str, Any]]:
    """formatType + formatParams for a managed files dataset from a UI format option id."""
    option = (format_option_id or "CSV_ESCAPING_NOGZIP_FORHIVE").upper()
    if option.startswith("CSV"):
        style = "excel" if "EXCEL" in option else "unix"
        compress = "gz" if "GZIP" in option and "NOGZIP" not in option else ""
        return "csv", _csv_format_params(style, compress)
    if option.startswith("PARQUET"):
        return "parquet", {
            "parquetLowerCaseIdentifiers": False,
            "representsNullFields": False,
            "parquetCompressionMethod": "SNAPPY",
            "parquetFlavor": "HIVE",
            "parquetBlockSizeMB": 128,
        }
    if option.startswith("AVRO"):
        return "avro", {"avroCompressionMethod": "snappy"}
    if option.startswith("ORC"):
        return "orc", {"orcCompressionMethod": "ZLIB"}
    if option.startswith("JSON"):
        return "json", {"compress": ""}
    raise invalid(f"Unknown format option: {format_option_id}")


def _empty_partitioning() -> dict[str, Any]:
    return {
        "ignoreNonMatchingFile": False,
        "considerMissingRequestedPartitionsAsEmpty": False,
        "dimensions": [],
    }


# --------------------------------------------------------------------------------------------


class Store:
    """Connections and projects (each holding its datasets and recipes) as plain JSON.

    ``clock`` returns seconds since the epoch; tests may pin it.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.api_key: str | None = None
        self.connections: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        # Finished long tasks by jobId, for GET /futures/{jobId}; not persisted (a restarted
        # DSS forgets its futures too).
        self.futures: dict[str, dict[str, Any]] = {}
        for name, root in (
            ("filesystem_root", "/"),
            ("filesystem_managed", "${dip.home}/managed_datasets"),
            ("filesystem_folders", "${dip.home}/managed_folders"),
        ):
            self.connections[name] = self._new_connection(name, "Filesystem", {"root": root}, "")

    # ---- persistence ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The whole state as one JSON document (what ``data_dir`` persists)."""
        return {
            "version": STORE_FORMAT_VERSION,
            "apiKey": self.api_key,
            "connections": self.connections,
            "projects": self.projects,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], *, clock: Callable[[], float] = time.time) -> Store:
        """Rebuild a store saved by :meth:`to_json`; refuses documents from a newer sandbox."""
        version = doc.get("version")
        if version != STORE_FORMAT_VERSION:
            raise ValueError(
                f"sandbox store format {version!r} is not supported (expected "
                f"{STORE_FORMAT_VERSION}); upgrade dsspulumi or use another data directory"
            )
        store = cls(clock=clock)
        store.api_key = doc.get("apiKey")
        store.connections = doc["connections"]
        store.projects = doc["projects"]
        return store

    # ---- helpers ----------------------------------------------------------------------------

    def _tag(self, version: int = 0) -> dict[str, Any]:
        return {
            "versionNumber": version,
            "lastModifiedBy": {"login": ADMIN_LOGIN},
            "lastModifiedOn": int(self.clock() * 1000),
        }

    def _bump(self, obj: dict[str, Any]) -> None:
        previous = obj.get("versionTag", {}).get("versionNumber", 0)
        obj["versionTag"] = self._tag(previous + 1)

    def _project(self, key: str) -> dict[str, Any]:
        project = self.projects.get(key)
        if project is None:
            raise not_found("project", key)
        return project

    def _dataset(self, project_key: str, name: str) -> dict[str, Any]:
        dataset = self._project(project_key)["datasets"].get(name)
        if dataset is None:
            raise not_found("dataset", f"{project_key}.{name}")
        return dataset

    def _recipe(self, project_key: str, name: str) -> dict[str, Any]:
        recipe = self._project(project_key)["recipes"].get(name)
        if recipe is None:
            raise not_found("recipe", f"{project_key}.{name}")
        return recipe

    def _connection(self, name: str, status: int = 400) -> dict[str, Any]:
        connection = self.connections.get(name)
        if connection is None:
            raise unknown_connection(name, status)
        return connection

    # ---- instance ---------------------------------------------------------------------------

    def instance_info(self) -> dict[str, Any]:
        return {
            "nodeId": "dss-sandbox",
            "nodeName": "DSS sandbox",
            "nodeType": "DESIGN",
            "dssVersion": "14.2.0",
        }

    def auth_info(self) -> dict[str, Any]:
        return {
            "authIdentifier": ADMIN_LOGIN,
            "associatedDSSUser": ADMIN_LOGIN,
            "groups": ["administrators"],
            "userProfile": "DESIGNER",
        }

    def _finished_future(self, result: Any) -> dict[str, Any]:
        """Long tasks run synchronously: answer an already-finished future (never polled
        forever), and remember it so ``future.get_result()`` can fetch it again."""
        job_id = secrets.token_hex(4)
        state = {"jobId": job_id, "hasResult": True, "alive": False, "result": result}
        self.futures[job_id] = state
        while len(self.futures) > 100:
            del self.futures[next(iter(self.futures))]
        return copy.deepcopy(state)

    def get_future(self, job_id: str) -> dict[str, Any]:
        state = self.futures.get(job_id)
        if state is None:
            raise not_found("future", job_id)
        return copy.deepcopy(state)

    def abort_future(self, job_id: str) -> dict[str, Any]:
        self.get_future(job_id)
        return {"msg": f"Future {job_id} already finished"}

    # ---- connections ------------------------------------------------------------------------

    def _new_connection(
        self, name: str, type_: str, params: dict[str, Any], description: str
    ) -> dict[str, Any]:
        return {
            "name": name,
            "type": type_,
            "description": description,
            "params": self._seal_secrets(params, {}),
            "usableBy": "ALL",
            "allowedGroups": [],
            "allowWrite": True,
            "allowManagedDatasets": True,
            "allowManagedFolders": True,
            "allowKnowledgeBanks": True,
            "detailsReadability": {"readableBy": "NONE", "allowedGroups": []},
            "credentialsMode": "GLOBAL",
            "maxActivities": 0,
            "useGlobalProxy": False,
            "creationTag": self._tag(),
        }

    @staticmethod
    def _seal_secrets(params: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
        """Store password-like params as opaque tokens, like DSS returns them encrypted.

        A token sent back unchanged is kept; a new clear value is sealed again (with a fresh
        nonce, so the stored value changes, as it does in DSS).
        """
        sealed = copy.deepcopy(params)
        for key, value in params.items():
            if not (_SECRET_PARAM_RE.search(key) and isinstance(value, str) and value):
                continue
            if value.startswith(_SECRET_PREFIX) and value == previous.get(key, value):
                continue
            raw = secrets.token_bytes(4) + value.encode()
            sealed[key] = _SECRET_PREFIX + base64.b64encode(raw).decode()
        return sealed

    def list_connections(self) -> dict[str, Any]:
        return copy.deepcopy(self.connections)

    def connection_names(self, type_: str | None) -> list[str]:
        return [
            n
            for n, c in self.connections.items()
            if type_ in (None, "", "all") or c["type"] == type_
        ]

    def get_connection(self, name: str) -> dict[str, Any]:
        return copy.deepcopy(self._connection(name, 404))

    def connection_info(self, name: str) -> dict[str, Any]:
        conn = self._connection(name, 404)
        return {
            "name": name,
            "type": conn["type"],
            "params": copy.deepcopy(conn["params"]),
            "resolvedParams": copy.deepcopy(conn["params"]),
            "credentialsMode": conn["credentialsMode"],
        }

    def create_connection(self, body: Any) -> dict[str, Any]:
        body = _require_object(body, "connection")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise invalid(f"Invalid connection name '{name}'")
        if name in self.connections:
            raise invalid(f"Connection {name} already exists")
        type_ = body.get("type")
        if not isinstance(type_, str) or not type_:
            raise invalid("Connection type is required")
        params = _optional_object(body.get("params"), "connection params")
        conn = self._new_connection(
            name, type_, params, _optional_str(body.get("description"), "description")
        )
        if body.get("usableBy") is not None:
            conn["usableBy"] = body["usableBy"]
        conn["allowedGroups"] = _string_list(body.get("allowedGroups"), "allowedGroups")
        self.connections[name] = conn
        return {"msg": f"Connection {name} created"}

    def update_connection(self, name: str, body: Any) -> dict[str, Any]:
        current = self._connection(name, 404)
        body = _require_object(body, "connection")
        for key in ("name", "type"):
            if key in body and body[key] != current[key]:
                raise invalid(f"Cannot change the {key} of connection {name}")
        params = _optional_object(body.get("params"), "connection params")
        updated = copy.deepcopy(body)
        updated.update(
            name=name,
            type=current["type"],
            params=self._seal_secrets(params, current["params"]),
            creationTag=current["creationTag"],
        )
        self.connections[name] = updated
        return copy.deepcopy(updated)

    def delete_connection(self, name: str) -> dict[str, Any]:
        self._connection(name, 404)
        del self.connections[name]
        return {"msg": f"Connection {name} deleted"}

    # ---- projects ---------------------------------------------------------------------------

    def _summary(self, key: str, project: dict[str, Any]) -> dict[str, Any]:
        meta = project["metadata"]
        return {
            "projectKey": key,
            "name": meta["label"],
            "description": meta["description"],
            "shortDesc": meta["shortDesc"],
            "tags": list(meta["tags"]),
            "ownerLogin": project["permissions"]["owner"],
            "versionTag": copy.deepcopy(project["versionTag"]),
            "creationTag": copy.deepcopy(project["creationTag"]),
        }

    def list_projects(self) -> list[dict[str, Any]]:
        return [self._summary(k, p) for k, p in self.projects.items()]

    def project_summary(self, key: str) -> dict[str, Any]:
        return self._summary(key, self._project(key))

    def create_project(self, body: Any) -> dict[str, Any]:
        body = _require_object(body, "project")
        key = body.get("projectKey")
        if not isinstance(key, str) or not PROJECT_KEY_RE.match(key):
            raise invalid(
                f"Invalid project key '{key}': it must start with an uppercase letter and contain "
                "only uppercase letters, digits and underscores"
            )
        if key in self.projects:
            raise invalid(f"Project {key} already exists")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise invalid("Project name cannot be empty")
        owner = _optional_str(body.get("owner"), "owner") or ADMIN_LOGIN
        description = _optional_str(body.get("description"), "description")
        tags = _string_list(body.get("tags"), "tags")
        permissions = body.get("permissions") or []
        if not isinstance(permissions, list) or not all(isinstance(p, dict) for p in permissions):
            raise invalid("Invalid permissions: expected a list of objects")
        settings = default_project_settings()
        extra = _optional_object(body.get("settings"), "settings")
        if extra:
            settings["settings"] = _deep_merge(settings["settings"], extra)
        self.projects[key] = {
            "metadata": {
                "label": name,
                "description": description,
                "shortDesc": "",
                "tags": tags,
                "checklists": {"checklists": []},
                "custom": {"kv": {}},
                "customFields": {},
            },
            "settings": settings,
            "permissions": {"owner": owner, "permissions": copy.deepcopy(permissions)},
            "variables": {"standard": {}, "local": {}},
            "creationTag": self._tag(),
            "versionTag": self._tag(),
            "datasets": {},
            "recipes": {},
        }
        return {"msg": f"Project {key} created"}

    def delete_project(self, key: str) -> dict[str, Any]:
        """Drop the project and everything in it; answered as an already-finished future."""
        self._project(key)
        del self.projects[key]
        result = {
            "messages": [],
            "anyMessage": False,
            "success": True,
            "warning": False,
            "error": False,
            "fatal": False,
        }
        return self._finished_future(result)

    def get_project_metadata(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(self._project(key)["metadata"])

    def set_project_metadata(self, key: str, body: Any) -> dict[str, Any]:
        project = self._project(key)
        body = _require_object(body, "project metadata")
        label = body.get("label", project["metadata"]["label"])
        if not isinstance(label, str) or not label.strip():
            raise invalid("Project name (label) cannot be empty")
        meta = copy.deepcopy(body)
        meta["label"] = label
        meta["tags"] = _string_list(body.get("tags"), "tags")
        meta["description"] = _optional_str(body.get("description"), "description")
        meta["shortDesc"] = _optional_str(body.get("shortDesc"), "shortDesc")
        meta.setdefault("checklists", {"checklists": []})
        meta.setdefault("custom", {"kv": {}})
        meta.setdefault("customFields", {})
        project["metadata"] = meta
        self._bump(project)
        return copy.deepcopy(meta)

    def get_project_settings(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(self._project(key)["settings"])

    def set_project_settings(self, key: str, body: Any) -> dict[str, Any]:
        project = self._project(key)
        body = _require_object(body, "project settings")
        _require_object(body.get("settings", {}), "project settings.settings")
        exposed = _require_object(body.get("exposedObjects", {"objects": []}), "exposedObjects")
        if not isinstance(exposed.get("objects", []), list):
            raise invalid("Invalid exposedObjects.objects: expected a list")
        project["settings"] = copy.deepcopy(body)
        self._bump(project)
        return {"msg": "Project settings saved"}

    def get_project_permissions(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(self._project(key)["permissions"])

    def set_project_permissions(self, key: str, body: Any) -> dict[str, Any]:
        project = self._project(key)
        body = _require_object(body, "project permissions")
        items = body.get("permissions", [])
        if not isinstance(items, list) or not all(isinstance(p, dict) for p in items):
            raise invalid("Invalid permissions: expected a list of objects")
        for item in items:
            if not isinstance(item.get("group") or item.get("user"), str):
                raise invalid("Invalid permission item: it needs a 'group' or a 'user'")
        owner = body.get("owner", project["permissions"]["owner"])
        if not isinstance(owner, str) or not owner:
            raise invalid("Invalid owner: expected a user login")
        perms = copy.deepcopy(body)
        perms["owner"] = owner
        perms["permissions"] = copy.deepcopy(items)
        project["permissions"] = perms
        self._bump(project)
        return {"msg": "Project permissions saved"}

    def get_project_variables(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(self._project(key)["variables"])

    def set_project_variables(self, key: str, body: Any) -> dict[str, Any]:
        project = self._project(key)
        body = _require_object(body, "project variables")
        for part in ("standard", "local"):
            if part not in body:
                raise invalid(f"Missing '{part}' key in project variables")
            _require_object(body[part], f"project variables.{part}")
        project["variables"] = {
            "standard": copy.deepcopy(body["standard"]),
            "local": copy.deepcopy(body["local"]),
        }
        self._bump(project)
        return {"msg": "Project variables saved"}

    # ---- datasets ---------------------------------------------------------------------------

    def _check_new_dataset(self, project_key: str, name: Any) -> str:
        name = _check_object_name("dataset", name)
        if name in self._project(project_key)["datasets"]:
            raise invalid(f"Dataset {project_key}.{name} already exists")
        return name

    def _check_connection_params(self, params: dict[str, Any]) -> None:
        for key in ("connection", "uploadConnection"):
            conn = params.get(key)
            if conn is not None:
                if not isinstance(conn, str):
                    raise invalid(f"Invalid params.{key}: expected a connection name")
                self._connection(conn)

    def _new_dataset(
        self,
        project_key: str,
        name: str,
        type_: str,
        params: dict[str, Any],
        format_type: str | None,
        format_params: dict[str, Any],
        managed: bool,
    ) -> dict[str, Any]:
        dataset: dict[str, Any] = {
            "projectKey": project_key,
            "name": name,
            "type": type_,
            "managed": managed,
            "featureGroup": False,
            "params": params,
        }
        if format_type is not None or type_ not in SQL_TYPES:
            dataset["formatType"] = format_type
            dataset["formatParams"] = format_params
        dataset.update(
            {
                "partitioning": _empty_partitioning(),
                "schema": {"columns": [], "userModified": False},
                "flowOptions": {
                    "virtualizable": False,
                    "rebuildBehavior": "NORMAL",
                    "crossProjectBuildBehavior": "DEFAULT",
                },
                "tags": [],
                "description": "",
                "shortDesc": "",
                "checklists": {"checklists": []},
                "customMeta": {"kv": {}},
                "customFields": {},
                "creationTag": self._tag(),
                "versionTag": self._tag(),
            }
        )
        return dataset

    def list_datasets(self, project_key: str, tags: list[str]) -> list[dict[str, Any]]:
        datasets = self._project(project_key)["datasets"].values()
        return [
            copy.deepcopy(d)
            for d in datasets
            if not tags or any(t in d.get("tags", []) for t in tags)
        ]

    def create_dataset(self, project_key: str, body: Any) -> dict[str, Any]:
        self._project(project_key)
        body = _require_object(body, "dataset")
        name = self._check_new_dataset(project_key, body.get("name"))
        if body.get("projectKey", project_key) != project_key:
            raise invalid(
                f"Dataset projectKey {body.get('projectKey')} does not match project {project_key}"
            )
        type_ = body.get("type")
        if not isinstance(type_, str) or not type_:
            raise invalid("Dataset type is required")
        params = _optional_object(body.get("params"), "dataset params")
        self._check_connection_params(params)
        format_type = body.get("formatType")
        if format_type is not None and not isinstance(format_type, str):
            raise invalid("Invalid formatType: expected a string")
        format_params = _optional_object(body.get("formatParams"), "formatParams")
        dataset = self._new_dataset(
            project_key,
            name,
            type_,
            copy.deepcopy(params),
            format_type,
            copy.deepcopy(format_params),
            managed=False,
        )
        self.projects[project_key]["datasets"][name] = dataset
        return {"msg": f"Dataset {project_key}.{name} created"}

    def _managed_dataset(self, project_key: str, name: str, settings: Any) -> dict[str, Any]:
        """Build (without storing) a managed dataset from UI-style creation settings."""
        settings = _require_object(settings, "creationSettings")
        conn_name = settings.get("connectionId")
        if not isinstance(conn_name, str) or not conn_name:
            raise invalid("creationSettings.connectionId is required for a managed dataset")
        conn = self._connection(conn_name)
        if not conn.get("allowManagedDatasets", True):
            raise invalid(f"Connection '{conn_name}' does not allow managed datasets")
        type_ = conn["type"]
        specific = _optional_object(settings.get("specificSettings"), "specificSettings")
        format_type: str | None = None
        format_params: dict[str, Any] = {}
        if type_ in SQL_TYPES:
            params: dict[str, Any] = {
                "connection": conn_name,
                "mode": "table",
                "table": "${projectKey}_" + name,
            }
            schema = specific.get("overrideSQLSchema")
            if schema:
                params["schema"] = schema
        else:
            params = {"connection": conn_name, "path": "${projectKey}/" + name}
            format_type, format_params = managed_format(specific.get("formatOptionId"))
        dataset = self._new_dataset(
            project_key, name, type_, params, format_type, format_params, managed=True
        )
        option = settings.get("partitioningOptionId")
        if isinstance(option, str) and option.startswith("copy:"):
            kind, _, ref = option[len("copy:") :].partition(":")
            if kind.lower() != "dataset":
                raise invalid(f"Unsupported partitioning option in the sandbox: {option}")
            src_key, src_name = self._split_ref(project_key, ref)
            source = self._dataset(src_key, src_name)
            dataset["partitioning"] = copy.deepcopy(source["partitioning"])
        return dataset

    def create_managed_dataset(self, project_key: str, body: Any) -> dict[str, Any]:
        self._project(project_key)
        body = _require_object(body, "managed dataset")
        name = self._check_new_dataset(project_key, body.get("name"))
        dataset = self._managed_dataset(project_key, name, body.get("creationSettings"))
        self.projects[project_key]["datasets"][name] = dataset
        return {"msg": f"Dataset {project_key}.{name} created"}

    def get_dataset(self, project_key: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self._dataset(project_key, name))

    def set_dataset(self, project_key: str, name: str, body: Any) -> dict[str, Any]:
        current = self._dataset(project_key, name)
        body = _require_object(body, "dataset")
        for key in ("name", "projectKey", "type"):
            if key in body and body[key] != current[key]:
                raise invalid(
                    f"Cannot change the {key} of dataset {project_key}.{name} "
                    f"(from {current[key]!r} to {body[key]!r})"
                )
        params = _optional_object(body.get("params", current["params"]), "dataset params")
        self._check_connection_params(params)
        schema = self._check_schema(body.get("schema", current["schema"]))
        tags = _string_list(body.get("tags"), "tags")
        updated = copy.deepcopy(body)
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
        self._bump(updated)
        self.projects[project_key]["datasets"][name] = updated
        return {"msg": f"Dataset {project_key}.{name} saved"}

    @staticmethod
    def _check_schema(schema: Any) -> dict[str, Any]:
        schema = copy.deepcopy(_require_object(schema, "schema"))
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

    def get_dataset_schema(self, project_key: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self._dataset(project_key, name)["schema"])

    def set_dataset_schema(self, project_key: str, name: str, body: Any) -> dict[str, Any]:
        dataset = self._dataset(project_key, name)
        dataset["schema"] = self._check_schema(body)
        self._bump(dataset)
        return copy.deepcopy(dataset["schema"])

    @staticmethod
    def _object_metadata(obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "label": obj["name"],
            "description": obj.get("description", ""),
            "shortDesc": obj.get("shortDesc", ""),
            "tags": list(obj.get("tags", [])),
            "checklists": copy.deepcopy(obj.get("checklists", {"checklists": []})),
            "custom": copy.deepcopy(obj.get("customMeta", {"kv": {}})),
            "customFields": copy.deepcopy(obj.get("customFields", {})),
        }

    def _set_object_metadata(self, obj: dict[str, Any], body: Any) -> dict[str, Any]:
        body = _require_object(body, "metadata")
        new = {
            "tags": _string_list(body.get("tags"), "tags"),
            "description": _optional_str(body.get("description"), "description"),
            "shortDesc": _optional_str(body.get("shortDesc"), "shortDesc"),
            "checklists": copy.deepcopy(
                _optional_object(body.get("checklists"), "checklists") or {"checklists": []}
            ),
            "customMeta": copy.deepcopy(
                _optional_object(body.get("custom"), "custom") or {"kv": {}}
            ),
            "customFields": copy.deepcopy(
                _optional_object(body.get("customFields"), "customFields")
            ),
        }
        obj.update(new)
        self._bump(obj)
        return self._object_metadata(obj)

    def get_dataset_metadata(self, project_key: str, name: str) -> dict[str, Any]:
        return self._object_metadata(self._dataset(project_key, name))

    def set_dataset_metadata(self, project_key: str, name: str, body: Any) -> dict[str, Any]:
        return self._set_object_metadata(self._dataset(project_key, name), body)

    def delete_dataset(self, project_key: str, name: str) -> dict[str, Any]:
        self._dataset(project_key, name)
        del self.projects[project_key]["datasets"][name]
        return {"msg": f"Dataset {project_key}.{name} deleted"}

    # ---- recipes ----------------------------------------------------------------------------

    @staticmethod
    def _split_ref(project_key: str, ref: Any) -> tuple[str, str]:
        """A recipe ref is ``name`` (same project) or ``OTHERPROJECT.name``."""
        if not isinstance(ref, str) or not ref:
            raise invalid(f"Invalid recipe input/output ref: {ref!r}")
        if "." in ref:
            other, _, name = ref.partition(".")
            return other, name
        return project_key, ref

    def _ref_exists(self, project_key: str, ref: Any) -> bool:
        key, name = self._split_ref(project_key, ref)
        return name in self.projects.get(key, {}).get("datasets", {})

    @staticmethod
    def _role_items(roles: Any, what: str) -> list[tuple[str, dict[str, Any]]]:
        roles = _optional_object(roles, what)
        out = []
        for role, role_obj in roles.items():
            items = _require_object(role_obj, f"{what}.{role}").get("items", [])
            if not isinstance(items, list):
                raise invalid(f"Invalid {what}.{role}.items: expected a list")
            for item in items:
                out.append((role, _require_object(item, f"{what}.{role} item")))
        return out

    @classmethod
    def _normalise_roles(cls, roles: Any, what: str, defaults: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for role, item in cls._role_items(roles, what):
            full = copy.deepcopy(defaults)
            full.update(copy.deepcopy(item))
            out.setdefault(role, {"items": []})["items"].append(full)
        for role in _optional_object(roles, what):
            out.setdefault(role, {"items": []})
        return out

    def _check_recipe_refs(
        self,
        project_key: str,
        recipe_name: str,
        inputs: dict[str, Any],
        outputs: dict[str, Any],
        new_outputs: set[str],
    ) -> None:
        """Inputs and outputs exist (or are about to be created); one producer per dataset."""
        for _, item in self._role_items(inputs, "inputs"):
            ref = item.get("ref")
            if not self._ref_exists(project_key, ref):
                key, name = self._split_ref(project_key, ref)
                raise not_found("dataset", f"{key}.{name}")
        producers = {
            self._split_ref(project_key, out.get("ref")): name
            for name, recipe in self.projects[project_key]["recipes"].items()
            if name != recipe_name
            for _, out in self._role_items(recipe["recipe"].get("outputs"), "outputs")
            if isinstance(out.get("ref"), str) and out.get("ref")
        }
        for _, item in self._role_items(outputs, "outputs"):
            ref = item.get("ref")
            key, name = self._split_ref(project_key, ref)
            if key != project_key:
                raise invalid(f"Recipe output {ref} must be in project {project_key}")
            if name not in new_outputs and not self._ref_exists(project_key, ref):
                raise not_found("dataset", f"{key}.{name}")
            if (key, name) in producers:
                raise invalid(
                    f"Dataset {project_key}.{name} is already the output of recipe "
                    f"{producers[(key, name)]}"
                )

    def _default_params(self, type_: str) -> dict[str, Any]:
        if type_ in ENV_RECIPE_TYPES:
            return {
                "envSelection": {"envMode": "INHERIT"},
                "containerSelection": {"containerMode": "INHERIT"},
            }
        return {}

    @staticmethod
    def _default_payload(type_: str, settings: dict[str, Any], inputs: dict[str, Any]) -> str:
        if type_ in CODE_RECIPE_TYPES:
            script = settings.get("script")
            return script if isinstance(script, str) else ""
        if type_ == "grouping":
            key = settings.get("groupKey")
            return json.dumps(
                {"keys": [{"column": key}] if key else [], "values": [], "globalCount": False}
            )
        if type_ in ("join", "vstack", "fuzzyjoin", "geojoin"):
            count = len(inputs.get("main", {}).get("items", []))
            return json.dumps(
                {
                    "virtualInputs": [{"index": i} for i in range(count)],
                    "joins": [],
                    "computedColumns": [],
                }
            )
        if type_ in ("shaker", "prepare"):
            return json.dumps({"steps": [], "columnsSelection": {"mode": "ALL"}})
        if type_ == "sync":
            return ""
        return "{}"

    def _unique_recipe_name(self, project_key: str, base: str) -> str:
        recipes = self.projects[project_key]["recipes"]
        if base not in recipes:
            return base
        i = 1
        while f"{base}_{i}" in recipes:
            i += 1
        return f"{base}_{i}"

    def list_recipes(self, project_key: str) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "projectKey": project_key,
                "type": r["recipe"]["type"],
                "tags": list(r["recipe"].get("tags", [])),
            }
            for name, r in self._project(project_key)["recipes"].items()
        ]

    def create_recipe(self, project_key: str, body: Any) -> dict[str, Any]:
        project = self._project(project_key)
        body = _require_object(body, "recipe creation")
        proto = _require_object(body.get("recipePrototype"), "recipePrototype")
        settings = _optional_object(body.get("creationSettings"), "creationSettings")
        type_ = proto.get("type")
        if not isinstance(type_, str) or not type_:
            raise invalid("Recipe type is required")
        raw = bool(settings.get("rawCreation"))
        inputs = proto.get("inputs") or {}
        virtual = settings.get("virtualInputs")
        if not raw and virtual:
            refs = _string_list(virtual, "virtualInputs")
            inputs = {"main": {"items": [{"ref": r} for r in dict.fromkeys(refs)]}}
        inputs = self._normalise_roles(inputs, "inputs", {"deps": []})
        outputs = self._normalise_roles(
            proto.get("outputs") or {}, "outputs", {"appendMode": False}
        )
        output_refs = [item["ref"] for _, item in self._role_items(outputs, "outputs")]

        name = proto.get("name")
        if name is None:
            first = output_refs[0] if output_refs and isinstance(output_refs[0], str) else type_
            name = self._unique_recipe_name(project_key, "compute_" + first.replace(".", "_"))
        name = _check_object_name("recipe", name)
        if name in project["recipes"]:
            raise invalid(f"Recipe {project_key}.{name} already exists")

        new_datasets: dict[str, dict[str, Any]] = {}
        if not raw:
            if settings.get("createOutputFolder"):
                raise invalid("Managed folders are not supported by the DSS sandbox")
            if settings.get("createOutputDataset"):
                for ref in output_refs:
                    ds_name = self._check_new_dataset(project_key, ref)
                    new_datasets[ds_name] = self._managed_dataset(
                        project_key, ds_name, settings.get("outputDatasetSettings")
                    )
            by_role = _optional_object(
                settings.get("outputDatasetsCreationSettingsByRole"),
                "outputDatasetsCreationSettingsByRole",
            )
            for role_settings in by_role.values():
                for ds_name, ds_settings in _optional_object(role_settings, "role").items():
                    self._check_new_dataset(project_key, ds_name)
                    new_datasets[ds_name] = self._managed_dataset(project_key, ds_name, ds_settings)
            self._check_recipe_refs(project_key, name, inputs, outputs, set(new_datasets))

        payload = settings.get("rawPayload") if raw else None
        if not isinstance(payload, str):
            payload = self._default_payload(type_, settings, inputs)
        recipe: dict[str, Any] = {
            "projectKey": project_key,
            "name": name,
            "type": type_,
            "params": copy.deepcopy(proto.get("params") or self._default_params(type_)),
            "inputs": inputs,
            "outputs": outputs,
            "tags": _string_list(proto.get("tags"), "tags"),
            "description": _optional_str(proto.get("description"), "description"),
            "shortDesc": _optional_str(proto.get("shortDesc"), "shortDesc"),
            "checklists": {"checklists": []},
            "customMeta": {"kv": {}},
            "customFields": {},
            "creationTag": self._tag(),
            "versionTag": self._tag(),
        }
        project["datasets"].update(new_datasets)
        project["recipes"][name] = {"recipe": recipe, "payload": payload}
        return {"name": name}

    def get_recipe(self, project_key: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self._recipe(project_key, name))

    def set_recipe(self, project_key: str, name: str, body: Any) -> dict[str, Any]:
        current = self._recipe(project_key, name)
        body = _require_object(body, "recipe settings")
        recipe = _require_object(body.get("recipe"), "recipe")
        for key in ("name", "projectKey", "type"):
            if key in recipe and recipe[key] != current["recipe"][key]:
                raise invalid(
                    f"Cannot change the {key} of recipe {project_key}.{name} "
                    f"(from {current['recipe'][key]!r} to {recipe[key]!r})"
                )
        payload = body.get("payload", current["payload"])
        if payload is None:
            payload = current["payload"]
        if not isinstance(payload, str):
            raise invalid("Invalid recipe payload: expected a string")
        inputs = self._normalise_roles(recipe.get("inputs"), "inputs", {"deps": []})
        outputs = self._normalise_roles(recipe.get("outputs"), "outputs", {"appendMode": False})
        self._check_recipe_refs(project_key, name, inputs, outputs, set())
        tags = _string_list(recipe.get("tags"), "tags")
        updated = copy.deepcopy(recipe)
        updated.update(
            name=name,
            projectKey=project_key,
            type=current["recipe"]["type"],
            tags=tags,
            inputs=inputs,
            outputs=outputs,
            creationTag=current["recipe"]["creationTag"],
            versionTag=current["recipe"]["versionTag"],
        )
        updated.setdefault("params", {})
        self._bump(updated)
        current.update(recipe=updated, payload=payload)
        return copy.deepcopy(current)

    def get_recipe_metadata(self, project_key: str, name: str) -> dict[str, Any]:
        return self._object_metadata(self._recipe(project_key, name)["recipe"])

    def set_recipe_metadata(self, project_key: str, name: str, body: Any) -> dict[str, Any]:
        return self._set_object_metadata(self._recipe(project_key, name)["recipe"], body)

    def delete_recipe(self, project_key: str, name: str) -> dict[str, Any]:
        self._recipe(project_key, name)
        del self.projects[project_key]["recipes"][name]
        return {"msg": f"Recipe {project_key}.{name} deleted"}
