"""The project wiki: its settings (the taxonomy of articles) and the articles (dss-rest-api.md §8).

Rows: kind ``wiki`` (one per project, id ``wiki``) holds the settings ``{projectKey,
taxonomy, homeArticleId}``; kind ``wikiarticle``, id = the article id, holds ``{article,
payload}`` as GET answers it. A project's wiki starts empty (``taxonomy: []``,
``homeArticleId: null``: UNVERIFIED). Article ids are generated (6 letters and digits:
format UNVERIFIED); GET accepts an id or a name [code wiki.py docstring]. A new article goes
at the end of its parent's children (or of the root); the first article becomes the home
article (UNVERIFIED). A settings PUT must list every article exactly once [code docstring]:
otherwise 400. Deleting an article gives its children to its parent (UNVERIFIED: DSS may
delete them). Attachments and exports are not simulated.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from dsspulumi.sandbox.errors import invalid, not_found, require_object
from dsspulumi.sandbox.lookups import require_project
from dsspulumi.sandbox.routes import Request, Route, get_put
from dsspulumi.sandbox.store import Tx

KIND = "wikiarticle"
SETTINGS_KIND = "wiki"
_ALNUM = string.ascii_letters + string.digits


def _settings(tx: Tx, key: str) -> dict[str, Any]:
    require_project(tx, key)
    found = tx.get(SETTINGS_KIND, key, SETTINGS_KIND)
    return found or {"projectKey": key, "taxonomy": [], "homeArticleId": None}


def _ids(taxonomy: list[dict[str, Any]]) -> list[str]:
    out = []
    for node in taxonomy:
        out.append(node["id"])
        out += _ids(node.get("children", []))
    return out


def _check_taxonomy(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid("Invalid wiki taxonomy: expected a list")
    out = []
    for node in value:
        node = require_object(node, "wiki taxonomy item")
        if not isinstance(node.get("id"), str):
            raise invalid("Invalid wiki taxonomy item: it needs an 'id'")
        out.append({**node, "children": _check_taxonomy(node.get("children", []))})
    return out


def _find(tx: Tx, key: str, id_or_name: str) -> dict[str, Any]:
    require_project(tx, key)
    doc = tx.get(KIND, key, id_or_name)
    if doc is None:
        doc = next((d for d in tx.docs(KIND, key) if d["article"]["name"] == id_or_name), None)
    if doc is None:
        raise not_found("wiki article", f"{key}.{id_or_name}")
    return doc


def _insert(taxonomy: list[dict[str, Any]], parent: str | None, node: dict[str, Any]) -> bool:
    if parent is None:
        taxonomy.append(node)
        return True
    for item in taxonomy:
        if item["id"] == parent:
            item["children"].append(node)
            return True
        if _insert(item["children"], parent, node):
            return True
    return False


def _remove(taxonomy: list[dict[str, Any]], ident: str) -> bool:
    """Drop ``ident`` from the taxonomy; its children take its place."""
    for i, item in enumerate(taxonomy):
        if item["id"] == ident:
            taxonomy[i : i + 1] = item["children"]
            return True
        if _remove(item["children"], ident):
            return True
    return False


# ---- handlers -------------------------------------------------------------------------------


def get_settings(tx: Tx, req: Request) -> dict[str, Any]:
    return _settings(tx, req.project_key)


def set_settings(tx: Tx, req: Request) -> dict[str, Any]:
    key = req.project_key
    settings = _settings(tx, key)
    body = require_object(req.body, "wiki settings")
    taxonomy = _check_taxonomy(body.get("taxonomy", []))
    listed, held = _ids(taxonomy), tx.ids(KIND, key)
    if sorted(listed) != sorted(held):
        raise invalid(
            "Invalid wiki taxonomy: every article must appear exactly once (articles: "
            f"{', '.join(held) or 'none'})"
        )
    home = body.get("homeArticleId")
    if home is not None and home not in held:
        raise not_found("wiki article", f"{key}.{home}")
    settings.update(taxonomy=taxonomy, homeArticleId=home)
    tx.put(SETTINGS_KIND, key, SETTINGS_KIND, settings)
    return settings


def create_article(tx: Tx, req: Request) -> dict[str, Any]:
    key = req.project_key
    settings = _settings(tx, key)
    body = require_object(req.body, "wiki article")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Wiki article name cannot be empty")
    parent = body.get("parent")
    ident = "".join(secrets.choice(_ALNUM) for _ in range(6))
    while tx.exists(KIND, key, ident):
        ident = "".join(secrets.choice(_ALNUM) for _ in range(6))
    if not _insert(settings["taxonomy"], parent, {"id": ident, "children": []}):
        raise not_found("wiki article", f"{key}.{parent}")
    if settings.get("homeArticleId") is None:
        settings["homeArticleId"] = ident
    article: dict[str, Any] = {
        "id": ident,
        "projectKey": key,
        "name": name,
        "parent": parent,
        "tags": [],
    }
    doc = {"article": article, "payload": ""}
    tx.put(KIND, key, ident, doc)
    tx.put(SETTINGS_KIND, key, SETTINGS_KIND, settings)
    return doc


def get_article(tx: Tx, req: Request) -> dict[str, Any]:
    return _find(tx, req.project_key, req.params["articleId"])


def save_article(tx: Tx, req: Request) -> dict[str, Any]:
    key = req.project_key
    doc = _find(tx, key, req.params["articleId"])
    body = require_object(req.body, "wiki article")
    article: dict[str, Any] = require_object(
        body.get("article", doc["article"]), "wiki article.article"
    )
    name = article.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Wiki article name cannot be empty")
    payload = body.get("payload", "")
    if not isinstance(payload, str):
        raise invalid("Invalid wiki article payload: expected a string")
    ident = doc["article"]["id"]
    doc = {"article": {**article, "id": ident, "projectKey": key}, "payload": payload}
    tx.put(KIND, key, ident, doc)
    return doc


def delete_article(tx: Tx, req: Request) -> dict[str, Any]:
    key = req.project_key
    ident = _find(tx, key, req.params["articleId"])["article"]["id"]
    settings = _settings(tx, key)
    _remove(settings["taxonomy"], ident)
    if settings.get("homeArticleId") == ident:
        remaining = _ids(settings["taxonomy"])
        settings["homeArticleId"] = remaining[0] if remaining else None
    tx.delete(KIND, key, ident)
    tx.put(SETTINGS_KIND, key, SETTINGS_KIND, settings)
    return {"msg": f"Wiki article {key}.{ident} deleted"}


_ONE = "/projects/{projectKey}/wiki/{articleId}"
ROUTES = [
    *get_put("/projects/{projectKey}/wiki/", get_settings, set_settings),
    Route("POST", "/projects/{projectKey}/wiki/", create_article),
    *get_put(_ONE, get_article, save_article),
    Route("DELETE", _ONE, delete_article),
]
