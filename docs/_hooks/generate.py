"""mkdocs hook: the pages that are generated from the code, so they cannot go stale.

* ``resources.md``: every resource type ``import dsspulumi as dss`` exposes (its attrs
  fields, docstring and ``replace_on``), the resource options and the helpers. A kind
  another engineer adds to ``dsspulumi.__all__`` appears with no edit here.
* ``cli.md``: every command of the typer app, with its usage, arguments and options.
* In ``automation.md``, the marker ``<!-- generated: automation-reference -->`` becomes the
  reference of the Automation API (``dsspulumi.automation``), from its docstrings.
* In ``troubleshooting.md``, the marker ``<!-- generated: error-catalogue -->`` becomes the
  list of every error message the code can raise (found in the source, by class).

The functions are plain so that tests import this file and check the same output.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "dsspulumi"
CATALOGUE_MARKER = "<!-- generated: error-catalogue -->"
ROOT_ERROR = "DssPulumiError"


# --- small Markdown helpers -----------------------------------------------------------------


def code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def docstring(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else ""


def first_paragraph(obj: Any) -> str:
    return docstring(obj).split("\n\n")[0].replace("\n", " ")


def signature(fn: Any) -> str:
    """``(key: str, default: Any = None) -> Any``: annotations as written, without quotes."""
    text = re.sub(r"'([^']*)'", r"\1", str(inspect.signature(fn)))
    return re.sub(r"^\(self(, )?", "(", text)  # a method, as it is called


def rst_to_md(text: str) -> str:
    """Docstrings use RST literals (``x``); Markdown wants single backticks."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


# --- resource types -------------------------------------------------------------------------


def resource_classes() -> list[type]:
    """The resource types of the public API, in ``dsspulumi.__all__`` order."""
    import dsspulumi
    from dsspulumi.resource import Resource

    found = []
    for name in dsspulumi.__all__:
        obj = getattr(dsspulumi, name)
        if isinstance(obj, type) and issubclass(obj, Resource) and obj is not Resource:
            found.append(obj)
    return found


def _default(field: Any) -> str:
    import attrs

    if field.default is attrs.NOTHING:
        return "required"
    if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
        return code(repr(field.default.factory()))
    return code(repr(field.default))


def schema_note(field: Any) -> str:
    """What the kind's schema (``dsspulumi.kinds.schema``) says of a field: where DSS keeps it
    and how it is compared, when not exactly."""
    from dsspulumi.kinds.schema import SCHEMA, Compare

    spec = field.metadata.get(SCHEMA)
    if spec is None:
        return ""
    parts = []
    if spec.dss:
        parts.append(f"DSS: {code(spec.dss)}")
    if spec.compare is not Compare.EXACT:
        parts.append(f"compared {spec.compare.value.replace('set', 'as a set')}")
    return ", ".join(parts)


def fields_table(cls: type) -> list[str]:
    import attrs

    from dsspulumi.resource import Resource

    identity = "the DSS name (positional)" if issubclass(cls, Resource) else "positional"
    rows = ["| argument | type | default | notes |", "|---|---|---|---|"]
    for f in attrs.fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        name = f.alias or f.name
        kind = identity if not f.kw_only else ""
        note = f.metadata.get("doc", "")
        notes = "; ".join(x for x in (kind, note, schema_note(f)) if x)
        type_text = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        rows.append(f"| {code(name)} | {code(str(type_text))} | {_default(f)} | {cell(notes)} |")
    return rows


def resources_markdown() -> str:
    from dsspulumi.resource import Resource

    out = [
        "# Resource types",
        "",
        "Generated from the resource classes at build time. Every type takes its DSS name as",
        "the only positional argument and everything else by keyword; arguments are checked",
        "when the object is built, so a wrong type or an unknown keyword stops the program at",
        "your line before any DSS call.",
        "",
        "**What replaces.** Changing an object's identity (its DSS name, or the project it",
        "belongs to) declares another object: the plan deletes the old one and creates the new",
        "one. Changing a property listed under *Replaced when* is a `replace` (`+-`): DSS cannot",
        "change it in place, so the object is deleted and created again. Every other change is",
        "an `update` (`~`) of DSS's settings document that keeps the fields the stack does not",
        "manage. Property paths below are the ones `--diff`, `--json` and",
        "`ResourceOptions(ignore_changes=[...])` use.",
        "",
    ]
    for cls in resource_classes():
        out += [f"## dss.{cls.__name__}", ""]
        out += [f"Type token {code(cls.type_token)}.", ""]  # type: ignore[attr-defined]
        out += [rst_to_md(docstring(cls)), ""]
        out += fields_table(cls) + [""]
        replace_on = tuple(getattr(cls, "replace_on", ()))
        if replace_on:
            out += ["**Replaced when** " + ", ".join(code(p) for p in replace_on) + " changes.", ""]
        else:
            out += ["**Replaced when** only its identity changes; everything else is updated.", ""]
        if "get" in vars(cls):  # a read-only lookup of an object the stack does not manage
            get = cls.get  # type: ignore[attr-defined]
            out += [f"### dss.{cls.__name__}.get", "", "```python"]
            out += [f"dss.{cls.__name__}.get{signature(get)}", "```", ""]
            out += [rst_to_md(docstring(get)), ""]
        if cls.validate is not Resource.validate:
            extra = first_paragraph(cls.validate)
            if extra and extra != first_paragraph(Resource.validate):
                out += [f"Checked at construction: {rst_to_md(extra)}", ""]
    out += _helpers()
    return "\n".join(out)


def helper_names() -> list[str]:
    """The rest of the public API: what stack programs use besides resource types."""
    import dsspulumi

    kinds = {cls.__name__ for cls in resource_classes()}
    skip = kinds | {"Resource", "ResourceOptions", "DssPulumiError"}
    return [name for name in dsspulumi.__all__ if name not in skip]


def _helpers() -> list[str]:
    import attrs

    import dsspulumi

    out = ["## Resource options", "", rst_to_md(docstring(dsspulumi.ResourceOptions)), ""]
    out += ["Pass them as `opts=dss.ResourceOptions(...)` to any resource.", ""]
    out += fields_table(dsspulumi.ResourceOptions) + [""]
    out += ["## Helpers", ""]
    for name in helper_names():
        obj = getattr(dsspulumi, name)
        if isinstance(obj, type) and attrs.has(obj):
            out += [f"### dss.{name}", "", rst_to_md(docstring(obj)), ""]
            out += fields_table(obj) + [""]
            continue
        out += [f"### dss.{name}", ""]
        if callable(obj) and not isinstance(obj, type):
            out += ["```python", f"dss.{name}{signature(obj)}", "```", ""]
        out += [rst_to_md(docstring(obj)), ""]
        if isinstance(obj, type):
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_") or not callable(getattr(obj, meth_name, None)):
                    continue
                target = meth.__func__ if isinstance(meth, staticmethod | classmethod) else meth
                if not inspect.isfunction(target):
                    continue
                text = rst_to_md(first_paragraph(target))
                line = f"- {code(meth_name + signature(target))}"
                out.append(f"{line}: {text}" if text else line)
            out.append("")
    return out


# --- CLI reference --------------------------------------------------------------------------


def _commands() -> Iterator[tuple[list[str], Any, Any]]:
    """(path, command, context) for every command of the app, depth first, in app order."""
    import typer

    from dsspulumi.cli import app

    root = typer.main.get_command(app)
    todo = [(["dss"], root, None)]
    while todo:
        path, cmd, parent = todo.pop(0)
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent)
        yield path, cmd, ctx
        subs = getattr(cmd, "commands", None)
        if subs:
            todo[0:0] = [([*path, name], subs[name], ctx) for name in subs]


def _option_row(param: Any, ctx: Any) -> str:
    """One option as ``--help`` shows it: names with the value's form, help with its default."""
    record = param.get_help_record(ctx)
    names, text = record if record else (" / ".join(param.opts), param.help or "")
    return f"| {code(names)} | {cell(text)} |"  # a code span keeps its pipes (a|b)


def cli_markdown() -> str:
    out = [
        "# CLI reference",
        "",
        "Generated from the `dss` command line (typer) at build time: every command, argument",
        "and option below is the one the installed version accepts. `STACK` is a path to a stack",
        "file, or a name resolved as `stacks/STACK.py`.",
        "",
        "**Exit codes**: `0` success; `1` error (one message on stderr, see",
        "[Troubleshooting](troubleshooting.md)); `2` usage error; `3` changes pending under",
        "`--expect-no-changes`; `130` interrupted (Ctrl-C; every completed step is recorded).",
        "",
        "**Environment variables**: `DKU_DSS_URL` and `DKU_API_KEY` (the DSS target, over the",
        "stack config), `DSS_BACKEND` (the state backend), `DSS_CONFIG_PASSPHRASE` (the",
        "passphrase secrets provider), `DSS_LOCK_TTL` (seconds before a silent lock holder is",
        "presumed dead, default 90), and the AWS variables boto3 reads for S3 and KMS.",
        "",
    ]
    for path, cmd, ctx in _commands():
        if len(path) == 1:
            continue
        depth = "#" * min(len(path), 3)
        out += [f"{depth} {' '.join(path)}", ""]
        help_text = (cmd.help or "").strip()
        if help_text:
            out += [help_text, ""]
        if getattr(cmd, "commands", None):
            continue
        usage = cmd.get_usage(ctx).strip()
        out += ["```text", usage, "```", ""]
        params = [p for p in cmd.get_params(ctx) if p.name != "help"]
        arguments = [p for p in params if p.param_type_name == "argument"]
        options = [p for p in params if p.param_type_name == "option"]
        if arguments:
            out += ["| argument | required | |", "|---|---|---|"]
            for p in arguments:
                required = "yes" if p.required else "no"
                out.append(f"| {code(p.name.upper())} | {required} | {cell(p.help or '')} |")
            out.append("")
        if options:
            out += ["| option | |", "|---|---|"]
            out += [_option_row(p, ctx) for p in options]
            out.append("")
    return "\n".join(out)


# --- error catalogue ------------------------------------------------------------------------


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def error_classes() -> dict[str, str]:
    """Every user-facing error class (``DssPulumiError`` and below) -> its docstring."""
    bases: dict[str, list[str]] = {}
    docs: dict[str, str] = {}
    for _path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
                docs[node.name] = ast.get_docstring(node) or ""
    found = {ROOT_ERROR}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and found.intersection(parents):
                found.add(name)
                changed = True
    return {name: docs.get(name, "") for name in sorted(found)}


def _text(node: ast.expr) -> str | None:
    """A message as the user reads it; ``{expr}`` where a value is filled in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def error_messages() -> list[tuple[str, str, str]]:
    """(class, message, module:line) for every error built with a literal message."""
    classes = error_classes()
    found = []
    for path, tree in _modules():
        where = path.relative_to(REPO).as_posix()
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in classes or not node.args:
                continue
            text = _text(node.args[0])
            if text is not None:
                found.append((node.func.id, " ".join(text.split()), f"{where}:{node.lineno}"))
    return sorted(found)


def catalogue_markdown() -> str:
    by_class: dict[str, dict[str, list[str]]] = {}
    for cls, message, where in error_messages():
        by_class.setdefault(cls, {}).setdefault(message, []).append(where)
    out = [
        "Generated from the source at build time: every message an error is built with,",
        "by error class (`{…}` is a value filled in when it happens). The fixes are in the",
        "sections above.",
        "",
    ]
    for cls in sorted(by_class):
        out += [f"### {cls} messages", ""]
        for msg, where in by_class[cls].items():
            out.append(f"- {code(msg)} ({', '.join(code(w) for w in where)})")
        out.append("")
    return "\n".join(out)


# --- the recommended policy pack -----------------------------------------------------------

POLICY_MARKER = "<!-- generated: recommended-pack -->"


def recommended_markdown() -> str:
    """The reference of ``dsspulumi.policy.recommended``: its rules (from their docstrings)
    and its settings (from ``CONFIG`` and the comment above each key)."""
    from pathlib import Path

    from dsspulumi.policy import load_pack
    from dsspulumi.policy import recommended as module

    pack = load_pack("dsspulumi.policy.recommended", Path.cwd())
    out = [
        "| Rule | Severity | Applies to | What it checks |",
        "|---|---|---|---|",
    ]
    for rule in pack.rules:
        kinds = "the stack" if rule.stack else ", ".join(f"`dss.{k.__name__}`" for k in rule.kinds)
        text = rst_to_md(" ".join(rule.doc.split()))
        out.append(f"| `{rule.name}` | {rule.severity} | {kinds} | {cell(text)} |")
    out += ["", "Settings (`[tool.dsspulumi.policy.recommended]`), with their defaults:", ""]
    out += ["| Setting | Default | Meaning |", "|---|---|---|"]
    notes = _config_comments(Path(inspect.getfile(module)))
    for key, default in module.CONFIG.items():
        value = code(repr(default))
        if "|" in value:  # a table cell keeps "\\|" literally inside a code span
            import html

            value = f"<code>{html.escape(repr(default)).replace('|', '&#124;')}</code>"
        out.append(f"| `{key}` | {value} | {cell(rst_to_md(notes.get(key, '')))} |")
    return "\n".join(out) + "\n"


def _config_comments(path: Path) -> dict[str, str]:
    """The ``# ...`` lines above each key of the pack's ``CONFIG`` dict."""
    notes: dict[str, str] = {}
    pending: list[str] = []
    inside = False
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("CONFIG"):
            inside = True
            continue
        if not inside:
            continue
        if stripped == "}":
            break
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("# "))
            continue
        found = re.match(r'"(\w+)":', stripped)
        if found:
            notes[found.group(1)] = " ".join(pending)
            pending = []
    return notes


# --- Automation API reference ---------------------------------------------------------------

AUTOMATION_MARKER = "<!-- generated: automation-reference -->"


def api_signature(fn: Any, *, returns: bool = True) -> str:
    """``(name: str, *, env: str = 'dev') -> Stack``: annotations as written, defaults as
    Python writes them (a string keeps its quotes), ``self`` left out."""
    sig = inspect.signature(fn)
    parts: list[str] = []
    for name, p in sig.parameters.items():
        if name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and "*" not in parts:
            parts.append("*")
        text = name
        if p.annotation is not p.empty:
            text += f": {p.annotation}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        parts.append(text)
    tail = sig.return_annotation
    arrow = f" -> {tail}" if returns and tail is not sig.empty else ""
    return f"({', '.join(parts)}){arrow}"


def _members(cls: type) -> list[str]:
    """Public methods and properties ``cls`` itself defines, with signature and docstring."""
    out = []
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            text = rst_to_md(docstring(member)).replace("\n", " ")
            out.append(f"- `.{name}`" + (f": {text}" if text else ""))
        elif inspect.isfunction(member):
            text = rst_to_md(docstring(member)).replace("\n", "\n  ")
            out.append(
                f"- {code(name + api_signature(member))}" + (f"\n\n  {text}\n" if text else "")
            )
    return out


def automation_markdown() -> str:
    """The reference of ``dsspulumi.automation``: every public name, from its docstrings."""
    import attrs

    from dsspulumi import automation as auto

    out = ["## API reference", "", "Generated from the docstrings of `dsspulumi.automation`.", ""]
    for name in auto.__all__:
        obj = getattr(auto, name)
        out += [f"### auto.{name}", ""]
        if isinstance(obj, type) and issubclass(obj, BaseException):
            bases = [b.__name__ for b in obj.__mro__[1:] if b.__module__ != "builtins"]
            also = ", ".join(code(b) for b in bases)
            out += [rst_to_md(docstring(obj)), "", f"Is also: {also}.", ""]
        elif isinstance(obj, type):
            if not attrs.has(obj):
                out += ["```python", f"auto.{name}{api_signature(obj, returns=False)}", "```", ""]
            out += [rst_to_md(docstring(obj)), ""]
            if attrs.has(obj):
                shown = [f.name for f in attrs.fields(obj) if f.repr]
                out += [f"Fields: {', '.join(code(f) for f in shown)}.", ""]
            out += _members(obj) + [""]
        else:
            out += ["```python", f"auto.{name}{api_signature(obj)}", "```", ""]
            out += [rst_to_md(docstring(obj)), ""]
    return "\n".join(out)


# --- mkdocs events --------------------------------------------------------------------------

GENERATED = {"resources.md": resources_markdown, "cli.md": cli_markdown}


def on_files(files: Any, config: Any, **_: Any) -> Any:
    from mkdocs.structure.files import File

    for name, make in GENERATED.items():
        existing = files.get_file_from_path(name)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, name, content=make()))
    return files


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if page.file.src_uri == "automation.md":
        if AUTOMATION_MARKER not in markdown:
            raise ValueError(f"automation.md lost its marker {AUTOMATION_MARKER}")
        return markdown.replace(AUTOMATION_MARKER, automation_markdown())
    if page.file.src_uri == "troubleshooting.md":
        if CATALOGUE_MARKER not in markdown:
            raise ValueError(f"troubleshooting.md lost its marker {CATALOGUE_MARKER}")
        return markdown.replace(CATALOGUE_MARKER, catalogue_markdown())
    if page.file.src_uri == "policy.md":
        if POLICY_MARKER not in markdown:
            raise ValueError(f"policy.md lost its marker {POLICY_MARKER}")
        return markdown.replace(POLICY_MARKER, recommended_markdown())
    return markdown
