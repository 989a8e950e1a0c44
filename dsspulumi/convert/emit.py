"""Writing the Python stack of a ``Prototype``: readable, one statement per object.

Datasets become variables named after them (``RAW_CUSTOMERS`` -> ``raw_customers``) so that
recipes read as the flow does. ``{{ env.NAME }}`` placeholders become config reads
(``cfg.require("name")``, set per environment with ``dss config set``) or, if asked,
``os.environ["NAME"]``. Every key with no equivalent is kept as a comment above the object
it belonged to and listed in ``Conversion.unmapped``.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

import attrs

from dsspulumi.convert.prototype import PLACEHOLDER, ConvertError, Item, Prototype

# The prototype's dataset types -> DSS's own type strings.
DATASET_TYPES = {
    "snowflake": "Snowflake",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "s3": "S3",
    "filesystem": "Filesystem",
    "hdfs": "HDFS",
    "azure_blob": "Azure",
}
MANAGED_CONNECTION = "filesystem_managed"  # DSS's usual managed connection; the YAML has none
RECIPES = {
    "python": ("PythonRecipe", "code"),
    "sql": ("SqlQueryRecipe", "sql"),
    "sql_query": ("SqlQueryRecipe", "sql"),
    "sync": ("SyncRecipe", None),
}
# Column types of the prototype that DSS names otherwise (DSS's "date" is a timestamp).
COLUMN_TYPES = {
    "timestamp": "date",
    "datetime": "date",
    "integer": "int",
    "long": "bigint",
    "text": "string",
    "varchar": "string",
    "bool": "boolean",
    "decimal": "double",
    "numeric": "double",
}
_PROJECT_KEYS = {"key", "name", "description"}
_DATASET_KEYS = {"name", "type", "connection", "params", "format_type", "schema", "description"}
_RECIPE_KEYS = {"name", "type", "inputs", "outputs", "code", "description"}
_RESERVED = {"dss", "os", "cfg", "project"}


@attrs.define
class Conversion:
    source: str  # the Python stack
    unmapped: list[str] = attrs.field(factory=list)  # "datasets[0].params: …" lines
    notes: list[str] = attrs.field(factory=list)  # choices the reader should check
    config_keys: dict[str, str] = attrs.field(factory=dict)  # config key -> env variable


def string(text: str, indent: str = "") -> str:
    """A Python literal of ``text``: triple-quoted when it has several lines and allows it."""
    if (
        "\n" in text.rstrip("\n")
        and '"""' not in text
        and "\\" not in text
        and not text.endswith('"')
    ):
        return '"""\\\n' + text + '"""'
    return json.dumps(text, ensure_ascii=False) if _json_safe(text) else repr(text)


def _json_safe(text: str) -> bool:
    # json.dumps gives a valid Python literal unless escapes differ (they do not for \n, \t,
    # \", \\ and \uXXXX); keep repr for anything exotic.
    return all(ch >= " " or ch in "\n\t" for ch in text)


class _Writer:
    def __init__(self, proto: Prototype, stack: str, placeholders: str) -> None:
        self.proto = proto
        self.stack = stack
        self.placeholders = placeholders  # "config" or "environ"
        self.result = Conversion(source="")
        self.lines: list[str] = []
        self.vars: dict[str, str] = {}
        self.defaulted: list[str] = []  # managed datasets put on MANAGED_CONNECTION
        self.mapped_types: dict[str, list[str]] = {}  # "timestamp -> date": columns

    # --- values -----------------------------------------------------------------------------
    def value(self, value: Any, indent: str) -> str:
        if isinstance(value, str):
            return self.text(value, indent)
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = indent + "    "
            items = [
                f"{inner}{json.dumps(str(k))}: {self.value(v, inner)}," for k, v in value.items()
            ]
            return "{\n" + "\n".join(items) + f"\n{indent}}}"
        if isinstance(value, list):
            parts = [self.value(v, indent + "    ") for v in value]
            one_line = "[" + ", ".join(parts) + "]"
            if len(one_line) + len(indent) < 90 and "\n" not in one_line:
                return one_line
            return "[\n" + "".join(f"{indent}    {p},\n" for p in parts) + f"{indent}]"
        return repr(value)

    def text(self, value: str, indent: str = "") -> str:
        parts: list[str] = []
        pos = 0
        for match in PLACEHOLDER.finditer(value):
            if match.start() > pos:
                parts.append(string(value[pos : match.start()]))
            parts.append(self.env_read(match.group(1)))
            pos = match.end()
        if not parts:
            return string(value, indent)
        if pos < len(value):
            parts.append(string(value[pos:]))
        return " + ".join(parts)

    def env_read(self, name: str) -> str:
        if self.placeholders == "environ":
            self.result.config_keys[name] = name
            return f'os.environ["{name}"]'
        key = name.lower()
        self.result.config_keys[key] = name
        return f'cfg.require("{key}")'

    # --- objects ----------------------------------------------------------------------------
    def unmapped(self, item: Item, known: set[str], what: str) -> None:
        for key, val in item.data.items():
            if key in known:
                continue
            shown = json.dumps(val, ensure_ascii=False, default=str)
            self.result.unmapped.append(f"{item.where}.{key}: {shown} ({what})")
            self.lines.append(f"# dss convert: not converted ({what}): {key} = {shown}")

    def var_for(self, name: str) -> str:
        var = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name.lower())
        if not var or var[0].isdigit():
            var = "ds_" + var
        if keyword.iskeyword(var) or var in _RESERVED:
            var += "_ds"
        while var in self.vars.values():
            var += "_"
        self.vars[name] = var
        return var

    def call(
        self, target: str | None, func: str, first: str, kwargs: list[tuple[str, str]]
    ) -> None:
        head = f"{target} = " if target else ""
        self.lines.append(f"{head}dss.{func}(")
        self.lines.append(f"    {first},")
        for key, val in kwargs:
            self.lines.append(f"    {key}={val},")
        self.lines.append(")")
        self.lines.append("")

    def project(self) -> None:
        item = self.proto.project
        data = item.data
        self.unmapped(item, _PROJECT_KEYS, "no project setting of that name in dsspulumi")
        kwargs = [("name", self.text(str(data["name"])))]
        if data.get("description") is not None:
            kwargs.append(("description", self.text(str(data["description"]))))
        self.call("project", "Project", self.text(str(data["key"])), kwargs)

    def dataset(self, item: Item) -> None:
        data = item.data
        ds_type = str(data["type"])
        managed = ds_type.lower() == "managed"
        kwargs: list[tuple[str, str]] = [("project", "project")]
        if managed:
            known = _DATASET_KEYS - {"params"}
            conn = data.get("connection")
            if conn is None:
                conn = MANAGED_CONNECTION
                self.defaulted.append(str(data["name"]))
            kwargs.append(("connection", self.text(str(conn))))
        else:
            known = _DATASET_KEYS
            dss_type = DATASET_TYPES.get(ds_type.lower())
            if dss_type is None:
                dss_type = ds_type
                self.result.notes.append(
                    f"{item.where}.type: '{ds_type}' kept as written; check it is DSS's type "
                    "string for this dataset"
                )
            kwargs.append(("type", string(dss_type)))
            if data.get("connection") is None:
                self.result.notes.append(f"{item.where}: no connection given")
            kwargs.append(("connection", self.text(str(data.get("connection") or ""))))
            params = data.get("params") or {}
            if params:
                kwargs.append(("params", self.value(params, "    ")))
        if data.get("format_type") is not None:
            kwargs.append(("format_type", self.text(str(data["format_type"]))))
        schema = self.schema(item)
        if schema is not None:
            kwargs.append(("schema", schema))
        if data.get("description") is not None:
            kwargs.append(("description", self.text(str(data["description"]))))
        self.unmapped(item, known, "params of a managed dataset" if managed else "no dataset field")
        func = "ManagedDataset" if managed else "Dataset"
        self.call(self.var_for(str(data["name"])), func, self.text(str(data["name"])), kwargs)

    def schema(self, item: Item) -> str | None:
        schema = item.data.get("schema")
        if schema is None:
            return None
        columns = schema.get("columns") if isinstance(schema, dict) else schema
        if isinstance(schema, dict):
            for key in schema:
                if key != "columns":
                    shown = json.dumps(schema[key], default=str)
                    self.result.unmapped.append(f"{item.where}.schema.{key}: {shown}")
                    self.lines.append(f"# dss convert: not converted: schema.{key} = {shown}")
        out = ["["]
        for col in columns or []:
            name, dss_type = string(str(col["name"])), string(self.column_type(item, col))
            out.append(f"        dss.Column({name}, {dss_type}),")
        out.append("    ]")
        return "\n".join(out)

    def column_type(self, item: Item, col: dict[str, Any]) -> str:
        from dsspulumi.resources.validators import COLUMN_TYPES as DSS_TYPES

        written = str(col.get("type", "string"))
        dss_type = COLUMN_TYPES.get(written.lower(), written)
        if dss_type != written:
            self.mapped_types.setdefault(f"{written} -> {dss_type}", []).append(
                f"{item.data['name']}.{col['name']}"
            )
        if dss_type not in DSS_TYPES:
            raise ConvertError(
                f"{item.where}: column {col['name']!r} has type {written!r}, which DSS does not "
                f"know (DSS column types: {', '.join(sorted(DSS_TYPES))}); fix it in the YAML"
            )
        return dss_type

    def recipe(self, item: Item) -> None:
        data = item.data
        rtype = str(data["type"]).lower()
        if rtype not in RECIPES:
            shown = json.dumps(data, ensure_ascii=False, default=str)
            self.result.unmapped.append(
                f"{item.where}: recipe '{data['name']}' of type '{data['type']}' (dsspulumi "
                "has python, sql and sync recipes; declare it by hand or keep it outside "
                "the stack)"
            )
            self.lines.append(
                f"# dss convert: not converted: recipe of type "
                f"'{data['type']}' (no such recipe type in dsspulumi yet):"
            )
            self.lines.append(f"# {shown}")
            self.lines.append("")
            return
        func, code_key = RECIPES[rtype]
        known = set(_RECIPE_KEYS)
        if code_key is None:
            known.discard("code")
        self.unmapped(item, known, "no recipe field" if code_key else "a sync recipe has no code")
        ins = [self.vars[str(r)] for r in _as_list(data.get("inputs"))]
        outs = [self.vars[str(r)] for r in _as_list(data.get("outputs"))]
        kwargs = [
            ("project", "project"),
            ("inputs", f"[{', '.join(ins)}]"),
            ("outputs", f"[{', '.join(outs)}]"),
        ]
        if code_key is not None:
            kwargs.append((code_key, self.text(str(data.get("code") or ""))))
        if data.get("description") is not None:
            kwargs.append(("description", self.text(str(data["description"]))))
        self.call(None, func, self.text(str(data["name"])), kwargs)

    # --- the file ---------------------------------------------------------------------------
    def docstring(self) -> list[str]:
        meta = self.proto.metadata
        title = str(meta.get("description") or f"Stack converted from {self.proto.source.name}")
        lines = [title.strip(), ""]
        lines.append(
            f"Converted by `dss convert` from {self.proto.source.name} (Dataiku IaC "
            f"prototype, version {self.proto.version})."
        )
        for key, val in meta.items():
            if key == "description":
                continue
            shown = ", ".join(map(str, val)) if isinstance(val, list) else str(val)
            lines.append(f"{key.replace('_', ' ').capitalize()}: {shown}")
        body = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        return ['"""' + body, '"""', ""]

    def write(self) -> Conversion:
        for key, val in self.proto.top_level_extra.items():
            shown = json.dumps(val, ensure_ascii=False, default=str)
            self.result.unmapped.append(f"{key}: {shown} (not part of the prototype format)")
            self.lines.append(
                f"# dss convert: not converted (unknown top-level key): {key} = {shown}"
            )
        if self.proto.top_level_extra:
            self.lines.append("")
        self.project()
        for item in self.proto.datasets:
            self.dataset(item)
        for item in self.proto.recipes:
            self.recipe(item)
        self.lines.append('dss.export("project_key", project.key)')
        for change, columns in self.mapped_types.items():
            self.result.notes.append(f"column type {change} (DSS's name): {', '.join(columns)}")
        if self.defaulted:
            self.result.notes.append(
                f"{len(self.defaulted)} managed dataset(s) put on connection "
                f"'{MANAGED_CONNECTION}' (the YAML names none; change it if yours differs): "
                + ", ".join(self.defaulted)
            )
        header = self.docstring()
        if self.result.config_keys and self.placeholders == "environ":
            header.append("import os")
            header.append("")
        header.append("import dsspulumi as dss")
        header.append("")
        if self.result.config_keys and self.placeholders == "config":
            header.append(
                f"cfg = dss.Config()  # values per environment: stacks/{self.stack}.<env>.toml"
            )
            header.append("")
        if self.result.unmapped:
            header.append(
                f"# dss convert: {len(self.result.unmapped)} key(s) of the YAML have "
                "no equivalent; each is kept as a comment below, marked "
                "'not converted'."
            )
            header.append("")
        self.result.source = "\n".join(header + self.lines) + "\n"
        return self.result


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def stack_source(proto: Prototype, *, stack: str, placeholders: str = "config") -> Conversion:
    """The Python stack of ``proto``, with what could not be converted."""
    return _Writer(proto, stack, placeholders).write()
