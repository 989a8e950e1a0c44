"""``dss.Notebook``: a Jupyter notebook of a project, its content declared as code.

The content is the notebook document (``.ipynb`` JSON: ``cells``, ``metadata``, ``nbformat``),
given as a dict or read from a ``dss.File``. What running the notebook changes is not part
of the declaration: cell outputs and execution counts are dropped on both sides before
comparing and storing, so a notebook run by hand is not drift. DSS's own metadata
(``creator``, ``createdOn``, ``modifiedBy``) and the ownership mark (``metadata.customFields``)
are never compared; only the metadata keys and top-level keys the stack declares are.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.errors import ResourceValidationError
from dsspulumi.kinds.schema import project_arg, prop
from dsspulumi.resource import File, Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import project_ref
from dsspulumi.resources.project import Project

#: What DSS writes into a notebook's metadata itself (and where the mark lives): not compared.
DSS_METADATA = frozenset({"creator", "createdOn", "modifiedBy", "customFields"})
#: What running a cell changes: not part of the declaration.
RUN_FIELDS = frozenset({"outputs", "execution_count", "executionCount"})


def _cell(cell: Any) -> Any:
    if not isinstance(cell, Mapping):
        return copy.deepcopy(cell)
    out = {k: copy.deepcopy(val) for k, val in cell.items() if k not in RUN_FIELDS}
    if isinstance(out.get("source"), list):  # nbformat allows a list of lines or one string
        out["source"] = "".join(str(line) for line in out["source"])
    return out


def normalise_content(content: Mapping[str, Any], declared: Any = None) -> dict[str, Any]:
    """A notebook as compared: no outputs or execution counts, no metadata DSS writes.

    ``declared`` (the declared content, for ``inspect``): only its top-level keys (beside
    cells and metadata) and its metadata keys are kept, so what DSS adds is not drift.
    """
    keys: Any = None
    meta_keys: Any = None
    if isinstance(declared, Mapping):
        keys = set(declared) | {"cells", "metadata"}
        meta_keys = list(declared.get("metadata") or {})
    out: dict[str, Any] = {}
    for key, value in content.items():
        if key not in ("cells", "metadata") and (keys is None or key in keys):
            out[key] = copy.deepcopy(value)
    out["cells"] = [_cell(c) for c in content.get("cells") or []]
    meta = content.get("metadata") or {}
    if meta_keys is None:
        out["metadata"] = {k: copy.deepcopy(x) for k, x in meta.items() if k not in DSS_METADATA}
    else:
        out["metadata"] = {k: copy.deepcopy(meta.get(k)) for k in meta_keys}
    return out


def _load(value: Any) -> Any:
    """``dss.File("x.ipynb")`` -> the notebook document it holds."""
    if not isinstance(value, File):
        return value
    text = value.read()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ResourceValidationError(
            f"dss.File('{value.path}'): not a notebook (.ipynb JSON): {exc}"
        ) from None


def _content(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, dict):
        v.fail(inst, attribute, f"must be a dict or dss.File('x.ipynb') (got {value!r:.60})")
    if not isinstance(value.get("cells", []), list):
        v.fail(inst, attribute, "must hold 'cells' as a list")
    v.json_dict(inst, attribute, value)


def _read_content(raw: Mapping[str, Any], declared: Any) -> dict[str, Any]:
    return normalise_content(raw, declared)


@resource_type("dss:Notebook")
class Notebook(Resource):
    """A Jupyter notebook named ``name`` in ``project``; ``content`` is its ``.ipynb``
    document (a dict, or ``dss.File`` relative to the stack file).

    Outputs and execution counts are ignored: running the notebook by hand is not drift.
    """

    name: str = prop(positional=True, validator=v.object_name)
    project: Project = prop(to_input=lambda p: p.key, to_arg=project_arg, validator=project_ref)
    content: dict[str, Any] = prop(
        read=_read_content,
        writes=False,
        to_input=normalise_content,
        converter=_load,
        validator=_content,
        doc="the .ipynb document; outputs, execution counts and DSS's metadata not compared",
    )
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.name

    @property
    def logical_name(self) -> str:
        return f"{self.project.key}.{self.name}"

    def dependencies(self) -> list[Resource]:
        return [self.project]
