"""Building a dataset document: the dataset kind's creation calls and the recipe creator's
new output datasets (``createOutputDataset``, ``outputDatasetsCreationSettingsByRole``) both
do it, so it lives here rather than in either kind module (kinds never import each other).

Managed datasets: type = the connection's type; files connections get params
``{connection, path: "${projectKey}/<name>"}`` and a format from ``formatOptionId``; SQL
connections get ``{connection, mode: "table", table: "${projectKey}_<name>"}`` and no format.
"""

from __future__ import annotations

from typing import Any

from .documents import blank_meta
from .errors import check_object_name, invalid, optional_object, require_object
from .lookups import DATASET, connection, project_object
from .objects import split_ref
from .store import Tx

# dataset.py:DSSDataset._FS_TYPES / _SQL_TYPES of dataikuapi 15.2 (copied so the sandbox's
# rules do not depend on the client).
FS_TYPES = frozenset(
    ["Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP", "SCP"]
    + ["SFTP"]
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


def save(tx: Tx, dataset: dict[str, Any]) -> None:
    tx.put(DATASET, dataset["projectKey"], dataset["name"], dataset)


def check_new_name(tx: Tx, project_key: str, name: Any) -> str:
    name = check_object_name("dataset", name)
    if tx.exists(DATASET, project_key, name):
        raise invalid(f"Dataset {project_key}.{name} already exists")
    return name


def new_dataset(
    tx: Tx,
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
            **blank_meta(tx),
        }
    )
    return dataset


def build_managed(tx: Tx, project_key: str, name: str, settings: Any) -> dict[str, Any]:
    """Build (without storing) a managed dataset from UI-style creation settings."""
    settings = require_object(settings, "creationSettings")
    conn_name = settings.get("connectionId")
    if not isinstance(conn_name, str) or not conn_name:
        raise invalid("creationSettings.connectionId is required for a managed dataset")
    conn = connection(tx, conn_name)
    if not conn.get("allowManagedDatasets", True):
        raise invalid(f"Connection '{conn_name}' does not allow managed datasets")
    type_ = conn["type"]
    specific = optional_object(settings.get("specificSettings"), "specificSettings")
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
    dataset = new_dataset(
        tx, project_key, name, type_, params, format_type, format_params, managed=True
    )
    option = settings.get("partitioningOptionId")
    if isinstance(option, str) and option.startswith("copy:"):
        kind, _, ref = option[len("copy:") :].partition(":")
        if kind.lower() != "dataset":
            raise invalid(f"Unsupported partitioning option in the sandbox: {option}")
        src_key, src_name = split_ref(project_key, ref)
        source = project_object(tx, DATASET, "dataset", src_key, src_name)
        dataset["partitioning"] = source["partitioning"]
    return dataset
