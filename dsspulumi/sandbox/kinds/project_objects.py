"""The other objects a project holds: notebooks, web apps, dashboards, models, studios...

dsspulumi models none of these; the sandbox serves them so that a test can make one by hand
with the real client and check that ``dss destroy`` will not delete a project holding it
(ENDPOINTS.md §11). Each kind is one :class:`Spec`: its collection URL under
``/projects/{projectKey}/``, how the client's creation call is answered, and the list item
it is shown as. Every kind gets the same four routes: list (GET collection), create (POST
collection, or POST ``collection/{id}`` where the client names the object in the URL), get
(GET ``collection/{id}``) and delete (DELETE ``collection/{id}``).

Rows: kind = :attr:`Spec.kind`, project = project key, id = the object's id; the document is
the list item as served (``projectKey``, ``id``, ``name``, ``tags`` and the fields the
client's list-item class reads) plus what the creation call sent. URLs and the request
bodies are the client's [code dataikuapi 15.2 project.py]; the answers' shapes beyond the
fields the client reads are UNVERIFIED. Deleting a project deletes them all (they are rows of
the project). Labelling tasks have no creation call in the client: tests add them with
:func:`add_object` (they are listed through the flow graph, :mod:`.flow_graph`).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dsspulumi.sandbox.errors import invalid, not_found, require_object
from dsspulumi.sandbox.lookups import project_object, require_project
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Store, Tx

_ALNUM = string.ascii_letters + string.digits

#: What a creation handler returns: the new object's document and the answer to send.
Created = tuple[dict[str, Any], Any]


@dataclass(frozen=True)
class Spec:
    kind: str  # row kind, e.g. "webapp"
    label: str  # in 404 messages: "<label> does not exist: PK.id"
    path: str  # collection path under /projects/{projectKey}/
    create: Callable[[Tx, Request, str], Created] | None = None
    create_in_path: bool = False  # POST collection/{objectId}: the client names the object
    create_path: str | None = None  # another collection that creates this kind (comparisons)
    wrap_list: str | None = None  # the list is {wrap_list: [...]} (agent tools)


def _new_id(tx: Tx, kind: str, project_key: str, length: int = 7) -> str:
    while True:
        ident = "".join(secrets.choice(_ALNUM) for _ in range(length))
        if not tx.exists(kind, project_key, ident):
            return ident


def _name(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"Invalid {label} name: it cannot be empty")
    return value


def _base(project_key: str, ident: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"projectKey": project_key, "id": ident, "name": name, "tags": [], **fields}


def _generated(
    kind: str,
    label: str,
    *,
    name_from: Callable[[Request], Any] = lambda req: require_object(req.body, "object")["name"],
    extra: Callable[[Request], dict[str, Any]] = lambda req: {},
    answer: Callable[[dict[str, Any]], Any] = lambda doc: {"id": doc["id"], **doc},
) -> Callable[[Tx, Request, str], Created]:
    """A creation whose id DSS generates; the name comes from the body (or the query)."""

    def create(tx: Tx, req: Request, _: str) -> Created:
        try:
            raw_name = name_from(req)
        except (KeyError, TypeError):
            raw_name = None
        name = _name(raw_name, label)
        doc = _base(req.project_key, _new_id(tx, kind, req.project_key), name, **extra(req))
        return doc, answer(doc)

    return create


def _body(req: Request) -> dict[str, Any]:
    return require_object(req.body, "object")


def _jupyter(tx: Tx, req: Request, name: str) -> Created:
    content: dict[str, Any] = req.body if isinstance(req.body, dict) else {}
    meta: dict[str, Any] = content.get("metadata") or {}
    language = (meta.get("language_info") or {}).get("name", "python")
    doc = {
        "projectKey": req.project_key,
        "id": name,
        "name": name,
        "language": language,
        "kernelSpec": meta.get("kernelspec") or {},
        "tags": [],
        "content": content,
    }
    return doc, {"projectKey": req.project_key, "name": name}


def _sql_notebook(tx: Tx, req: Request, _: str) -> Created:
    content = _body(req)
    ident = _new_id(tx, "sqlnotebook", req.project_key)
    doc = _base(
        req.project_key,
        ident,
        str(content.get("name") or ident),
        language=content.get("language", "SQL"),
        connection=content.get("connection"),
        content=content,
    )
    return doc, {"id": ident, **doc}


def _streaming_endpoint(tx: Tx, req: Request, _: str) -> Created:
    body = _body(req)
    ident = _name(body.get("id"), "streaming endpoint")
    if tx.exists("streamingendpoint", req.project_key, ident):
        raise invalid(f"Streaming endpoint {req.project_key}.{ident} already exists")
    doc = _base(
        req.project_key,
        ident,
        ident,
        type=body.get("type"),
        params=body.get("params") or {},
        schema={"columns": []},
    )
    return doc, doc


def _api_service(tx: Tx, req: Request, ident: str) -> Created:
    doc = _base(req.project_key, ident, ident, endpoints=[], authMethod="PUBLIC")
    return doc, {"msg": f"API service {req.project_key}.{ident} created"}


def _analysis(tx: Tx, req: Request, _: str) -> Created:
    dataset = _body(req).get("inputDataset")
    if not isinstance(dataset, str) or not tx.exists("dataset", req.project_key, dataset):
        raise not_found("dataset", f"{req.project_key}.{dataset}")
    ident = _new_id(tx, "analysis", req.project_key, 8)
    doc = _base(
        req.project_key, ident, f"Analyze {dataset}", inputDatasetSmartName=dataset, nbMLTasks=0
    )
    return doc, {"projectKey": req.project_key, "id": ident}


def _comparison(tx: Tx, req: Request, _: str) -> Created:
    body = _body(req)
    ident = _new_id(tx, "comparison", req.project_key, 8)
    name = _name(body.get("displayName"), "comparison")
    task = body.get("predictionType")
    doc = _base(req.project_key, ident, name, displayName=name)
    doc.update(predictionType=task, modelTaskType=task)
    return doc, {"id": ident, **doc}


def _agent_review(tx: Tx, req: Request, _: str) -> Created:
    name = _name(_body(req).get("name"), "agent review")
    doc = _base(req.project_key, _new_id(tx, "agentreview", req.project_key), name)
    return doc, doc


def _with(**fields: Any) -> Callable[[Request], dict[str, Any]]:
    """Fields copied from the creation body (``key -> default``)."""
    return lambda req: {k: _body(req).get(k, v) for k, v in fields.items()}


SPECS: tuple[Spec, ...] = (
    Spec("jupyternotebook", "jupyter notebook", "jupyter-notebooks", _jupyter, True),
    Spec("sqlnotebook", "sql notebook", "sql-notebooks", _sql_notebook),
    Spec(
        "webapp",
        "web app",
        "webapps",
        _generated(
            "webapp",
            "web app",
            extra=_with(type="STANDARD"),
            answer=lambda d: {"webAppId": d["id"], **d},
        ),
    ),
    Spec(
        "dashboard",
        "dashboard",
        "dashboards",
        _generated(
            "dashboard",
            "dashboard",
            extra=lambda req: {
                "listed": False,
                "owner": req.login,
                "numPages": len(_body(req).get("pages") or []),
                "numTiles": 0,
                "pages": _body(req).get("pages") or [],
            },
        ),
    ),
    Spec(
        "insight",
        "insight",
        "insights",
        _generated(
            "insight",
            "insight",
            name_from=lambda req: _body(req)["insightPrototype"]["name"],
            extra=lambda req: {
                "type": (_body(req).get("insightPrototype") or {}).get("type"),
                "listed": False,
                "owner": req.login,
            },
        ),
    ),
    Spec(
        "savedmodel",
        "saved model",
        "savedmodels",
        _generated(
            "savedmodel",
            "saved model",
            extra=_with(savedModelType=None, predictionType=None),
        ),
    ),
    Spec(
        "evaluationstore",
        "evaluation store",
        "evaluationstores",
        _generated(
            "evaluationstore",
            "evaluation store",
            extra=lambda req: {"mesFlavor": req.arg("flavor") or "TABULAR"},
        ),
    ),
    Spec(
        "comparison",
        "comparison",
        "evaluationcomparisons",
        _comparison,
        create_path="modelcomparisons",
    ),
    Spec(
        "knowledgebank",
        "knowledge bank",
        "knowledge-banks",
        _generated(
            "knowledgebank",
            "knowledge bank",
            extra=_with(vectorStoreType=None, embeddingLLMId=None),
        ),
    ),
    Spec(
        "codestudio",
        "code studio",
        "code-studios",
        _generated(
            "codestudio",
            "code studio",
            extra=lambda req: {"templateId": _body(req).get("templateId"), "owner": req.login},
            answer=lambda d: {"codeStudio": d},
        ),
    ),
    Spec("streamingendpoint", "streaming endpoint", "streamingendpoints", _streaming_endpoint),
    Spec("analysis", "analysis", "lab", _analysis),
    Spec("apiservice", "API service", "apiservices", _api_service, True),
    Spec(
        "semanticmodel",
        "semantic model",
        "semantic-models",
        _generated("semanticmodel", "semantic model", name_from=lambda req: req.arg("name")),
    ),
    Spec(
        "agent",
        "agent",
        "agents",
        _generated("agent", "agent", extra=_with(type=None, pluginAgentType=None)),
    ),
    Spec(
        "ragllm",
        "retrieval-augmented LLM",
        "retrieval-augmented-llms",
        _generated(
            "ragllm", "retrieval-augmented LLM", extra=_with(knowledgeBankRef=None, llmId=None)
        ),
    ),
    Spec(
        "agenttool",
        "agent tool",
        "agents/tools",
        _generated("agenttool", "agent tool", extra=_with(type=None)),
        wrap_list="tools",
    ),
    Spec(
        "agentskill",
        "agent skill",
        "agents/skills",
        _generated("agentskill", "agent skill", name_from=lambda req: req.arg("name")),
    ),
    Spec("agentreview", "agent review", "agent-reviews/reviews", _agent_review),
)
#: Kinds without a REST creation call: rows added by tests (:func:`add_object`).
UNLISTED = {"labelingtask": "labeling task"}
BY_KIND = {spec.kind: spec for spec in SPECS}


def add_object(store: Store, project_key: str, kind: str, name: str) -> str:
    """Put an object of ``kind`` into a project as DSS would hold it; its id.

    For kinds the client cannot create (labelling tasks), and for tests that seed data
    without going through the API.
    """
    with store.transaction(write=True) as tx:
        require_project(tx, project_key)
        ident = _new_id(tx, kind, project_key)
        tx.put(kind, project_key, ident, _base(project_key, ident, name))
    return ident


# ---- handlers -------------------------------------------------------------------------------


def _list(spec: Spec) -> Callable[[Tx, Request], Any]:
    def handler(tx: Tx, req: Request) -> Any:
        require_project(tx, req.project_key)
        docs = tx.docs(spec.kind, req.project_key)
        if spec.kind == "evaluationstore" and req.arg("flavor"):
            docs = [d for d in docs if d.get("mesFlavor") == req.arg("flavor")]
        public = [{k: v for k, v in d.items() if k != "content"} for d in docs]
        return {spec.wrap_list: public} if spec.wrap_list else public

    return handler


def _create(spec: Spec) -> Callable[[Tx, Request], Any]:
    def handler(tx: Tx, req: Request) -> Any:
        require_project(tx, req.project_key)
        ident = req.params.get("objectId", "")
        if spec.create_in_path and tx.exists(spec.kind, req.project_key, ident):
            raise invalid(f"{spec.label.capitalize()} {req.project_key}.{ident} already exists")
        assert spec.create is not None
        doc, answer = spec.create(tx, req, ident)
        tx.put(spec.kind, req.project_key, doc["id"], doc)
        return answer

    return handler


def _get(spec: Spec) -> Callable[[Tx, Request], Any]:
    def handler(tx: Tx, req: Request) -> Any:
        key, ident = req.project_key, req.params["objectId"]
        return project_object(tx, spec.kind, spec.label, key, ident)

    return handler


def _delete(spec: Spec) -> Callable[[Tx, Request], Any]:
    def handler(tx: Tx, req: Request) -> Any:
        key, ident = req.project_key, req.params["objectId"]
        project_object(tx, spec.kind, spec.label, key, ident)
        tx.delete(spec.kind, key, ident)
        return {"msg": f"{spec.label} {key}.{ident} deleted"}

    return handler


def _notebook_content(tx: Tx, req: Request) -> Any:
    """``DSSJupyterNotebook.get_content()``: the ``.ipynb`` document itself (its shape beyond
    ``cells``/``metadata``/``nbformat`` UNVERIFIED)."""
    key, name = req.project_key, req.params["objectId"]
    doc = project_object(tx, "jupyternotebook", "jupyter notebook", key, name)
    return doc.get("content") or {"metadata": {}, "cells": [], "nbformat": 4, "nbformat_minor": 4}


def _save_notebook(tx: Tx, req: Request) -> Any:
    """``DSSNotebookContent.save()``: PUT of the whole document (answer UNVERIFIED)."""
    key, name = req.project_key, req.params["objectId"]
    doc = project_object(tx, "jupyternotebook", "jupyter notebook", key, name)
    content = require_object(req.body, "notebook content")
    if not isinstance(content.get("cells", []), list):
        raise invalid("Invalid notebook content: 'cells' must be a list")
    meta: dict[str, Any] = content.get("metadata") or {}
    doc.update(
        content=content,
        language=(meta.get("language_info") or {}).get("name", doc.get("language", "python")),
        kernelSpec=meta.get("kernelspec") or doc.get("kernelSpec") or {},
    )
    tx.put("jupyternotebook", key, name, doc)
    return {"projectKey": key, "name": name}


def _routes() -> list[Route]:
    out = [Route("PUT", "/projects/{projectKey}/jupyter-notebooks/{objectId}", _save_notebook)]
    for spec in SPECS:
        base = f"/projects/{{projectKey}}/{spec.path}/"
        one = base + "{objectId}"
        out += [
            Route("GET", base, _list(spec)),
            Route("POST", one if spec.create_in_path else base, _create(spec)),
            Route("GET", one, _notebook_content if spec.kind == "jupyternotebook" else _get(spec)),
            Route("DELETE", one, _delete(spec)),
        ]
        if spec.create_path:
            path = f"/projects/{{projectKey}}/{spec.create_path}/"
            out.append(Route("POST", path, _create(spec)))
    return out


ROUTES = _routes()
