"""``dss.LibraryFile``: a text file of a project's library (``python/helpers.py``).

The path is the file's identity in DSS: a new path is another file (a replacement). DSS keeps
no custom fields for a library file, so the kind holds no mark (``holds_mark = False``): its
state record proves it the stack's, and a file already at that path that the stack did not
create is a conflict, never adopted (the same generic fallback as flow zones).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from dsspulumi.importer import CodeText
from dsspulumi.kinds.schema import project_arg, prop
from dsspulumi.resource import File, Resource, ResourceOptions, resource_type
from dsspulumi.resources import validators as v
from dsspulumi.resources.base import project_ref
from dsspulumi.resources.project import Project


def _path(inst: Any, attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        v.fail(inst, attribute, f"must be a path such as 'python/helpers.py' (got {value!r})")
    parts = value.split("/")
    if value.startswith("/") or value.endswith("/") or any(p in ("", ".", "..") for p in parts):
        v.fail(
            inst,
            attribute,
            f"must be a relative path of the library, such as 'python/helpers.py' (got {value!r})",
        )


def _read_text(value: Any) -> Any:
    return value.read() if isinstance(value, File) else value


def _content_arg(value: Any, inputs: Mapping[str, Any]) -> Any:
    """Import: the text is written to a file next to the stack, named like the library's."""
    return CodeText(value, posixpath.splitext(inputs["path"])[1] or ".txt") if value else value


@resource_type("dss:LibraryFile")
class LibraryFile(Resource):
    """The file ``path`` of ``project``'s library (``"python/helpers.py"``); ``content`` is its
    text, a string or ``dss.File`` relative to the stack file."""

    holds_mark: ClassVar[bool] = False  # DSS keeps nothing but the text of a library file

    path: str = prop(positional=True, validator=_path)
    project: Project = prop(to_input=lambda p: p.key, to_arg=project_arg, validator=project_ref)
    content: str = prop(
        dss="data",
        converter=_read_text,
        to_arg=_content_arg,
        validator=v.of_type(str),
        doc="the file's text",
    )
    opts: ResourceOptions | None = attrs.field(kw_only=True, default=None)

    @property
    def dss_name(self) -> str:
        return self.path

    @property
    def logical_name(self) -> str:
        return f"{self.project.key}.{self.path}"

    def dependencies(self) -> list[Resource]:
        return [self.project]
