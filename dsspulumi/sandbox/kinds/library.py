"""The project library: its tree of folders and text files (``DSSLibrary``).

URLs and bodies are the client's [code dataikuapi 15.2 projectlibrary.py]; dss-rest-api.md is
silent on them, so every answer's shape beyond what the client reads is UNVERIFIED:

* GET ``/projects/{pk}/libraries/contents`` -> the root's children, each ``{name, path,
  children}`` for a folder and ``{name, path}`` for a file (the client tells a file by its
  missing ``children``);
* GET ``.../libraries/contents/{path}`` -> ``{path, name, data}`` (``dataEncoding=base64``:
  ``data`` base64-encoded); a folder answers ``{path, name, children}``; 404 if absent;
* POST ``.../libraries/contents/{path}`` with the raw text as body -> writes the file,
  creating it and its parent folders (that DSS creates the parents is UNVERIFIED);
* POST ``.../libraries/folders/{path}`` -> creates a folder (and its parents);
* DELETE ``.../libraries/contents/{path}`` -> deletes a file, or a folder with all it holds.

The client quotes a path with ``/`` kept, so a path is several URL segments: routes are
declared for paths up to :data:`MAX_DEPTH` segments deep.

Rows: kind ``libraryfile`` (id = the path, ``{path, data}``) and ``libraryfolder`` (id = the
path, ``{path}``). Rename and move actions are not simulated.
"""

from __future__ import annotations

import base64
from typing import Any

from dsspulumi.sandbox.errors import invalid, not_found
from dsspulumi.sandbox.lookups import require_project
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

FILE = "libraryfile"
FOLDER = "libraryfolder"
MAX_DEPTH = 8


def _path(req: Request) -> str:
    parts = [req.params[f"p{i}"] for i in range(MAX_DEPTH) if f"p{i}" in req.params]
    if any(p in ("", ".", "..") for p in parts):
        raise invalid(f"Invalid library path: {'/'.join(parts)}")
    return "/".join(parts)


def _folders(tx: Tx, key: str) -> set[str]:
    """Every folder (each write keeps its parents' rows)."""
    return set(tx.ids(FOLDER, key))


def _children(tx: Tx, key: str, folder: str) -> list[dict[str, Any]]:
    prefix = f"{folder}/" if folder else ""
    folders, files = _folders(tx, key), tx.ids(FILE, key)
    out: list[dict[str, Any]] = []
    for path in sorted(folders):
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            name = path[len(prefix) :]
            out.append({"name": name, "path": path, "children": _children(tx, key, path)})
    for path in sorted(files):
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            out.append({"name": path[len(prefix) :], "path": path})
    return out


def list_contents(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    return _children(tx, req.project_key, "")


def get_item(tx: Tx, req: Request) -> dict[str, Any]:
    key, path = req.project_key, _path(req)
    require_project(tx, key)
    name = path.rsplit("/", 1)[-1]
    doc = tx.get(FILE, key, path)
    if doc is not None:
        data = doc["data"]
        if req.arg("dataEncoding") == "base64":
            data = base64.b64encode(data.encode("utf-8")).decode("ascii")
        return {"path": path, "name": name, "data": data}
    if path in _folders(tx, key):
        return {"path": path, "name": name, "children": _children(tx, key, path)}
    raise not_found("library file", f"{key}:{path}")


def write_file(tx: Tx, req: Request) -> dict[str, Any]:
    key, path = req.project_key, _path(req)
    require_project(tx, key)
    if path in _folders(tx, key):
        raise invalid(f"Library path {path} is a folder")
    parents = path.split("/")[:-1]
    for i in range(1, len(parents) + 1):
        if tx.exists(FILE, key, "/".join(parents[:i])):
            raise invalid(f"Library path {'/'.join(parents[:i])} is a file")
    for i in range(1, len(parents) + 1):  # real directories: they outlive their files
        tx.put(FOLDER, key, "/".join(parents[:i]), {"path": "/".join(parents[:i])})
    data = req.body if isinstance(req.body, str) else ""
    tx.put(FILE, key, path, {"path": path, "data": data})
    return {"path": path}


def add_folder(tx: Tx, req: Request) -> dict[str, Any]:
    key, path = req.project_key, _path(req)
    require_project(tx, key)
    if tx.exists(FILE, key, path):
        raise invalid(f"Library path {path} is a file")
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        tx.put(FOLDER, key, "/".join(parts[:i]), {"path": "/".join(parts[:i])})
    return {"path": path}


def delete_item(tx: Tx, req: Request) -> dict[str, Any]:
    key, path = req.project_key, _path(req)
    require_project(tx, key)
    if tx.exists(FILE, key, path):
        tx.delete(FILE, key, path)
        return {"msg": f"Library file {path} deleted"}
    if path not in _folders(tx, key):
        raise not_found("library file", f"{key}:{path}")
    for kind in (FILE, FOLDER):
        for ident in tx.ids(kind, key):
            if ident == path or ident.startswith(path + "/"):
                tx.delete(kind, key, ident)
    return {"msg": f"Library folder {path} deleted"}


def _routes() -> list[Route]:
    out = [Route("GET", "/projects/{projectKey}/libraries/contents", list_contents)]
    for depth in range(1, MAX_DEPTH + 1):
        tail = "/".join(f"{{p{i}}}" for i in range(depth))
        contents = f"/projects/{{projectKey}}/libraries/contents/{tail}"
        out += [
            Route("GET", contents, get_item),
            Route("POST", contents, write_file, raw_body=True),
            Route("DELETE", contents, delete_item),
            Route("POST", f"/projects/{{projectKey}}/libraries/folders/{tail}", add_folder),
        ]
    return out


ROUTES = _routes()
