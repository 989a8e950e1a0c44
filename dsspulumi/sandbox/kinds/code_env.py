"""Code environments (instance-level, ``/admin/code-envs/``): creation is a long task.

Rows: kind ``code_env``, project ``""``, id = env name (unique on the instance whatever the
language); the document is the design-node definition plus ``envLang``.

``POST /admin/code-envs/{LANG}/{name}`` writes the env at once (with ``installed: false``)
and answers a *running* future (``Store.running_future``) that finishes after
``Store.code_env_seconds`` with DSS's creation messages. A package spec whose name starts
with ``no-such-`` cannot be installed: the future then finishes with
``messages.error: true`` (a simulator convention) and the env stays, uninstalled, as a
failed creation leaves it on DSS. With ``wait=true`` the call answers the finished result
at once. The language segment is case-insensitive (``PYTHON`` / ``python``).
"""

from __future__ import annotations

import re
from typing import Any

from dsspulumi.sandbox.errors import (
    DssApiError,
    invalid,
    optional_object,
    require_object,
)
from dsspulumi.sandbox.routes import Request, Route, get_put
from dsspulumi.sandbox.store import Tx

KIND = "code_env"
LANGS = ("PYTHON", "R")
NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")
FAILING_PACKAGE = "no-such-"
DEPLOYMENT_MODES = (
    "DESIGN_MANAGED",
    "DESIGN_NON_MANAGED",
    "PLUGIN_MANAGED",
    "EXTERNAL_CONDA_NAMED",
)


def _lang(req: Request) -> str:
    lang = req.params["lang"].upper()
    if lang not in LANGS:
        raise invalid(f"Unknown code env language '{req.params['lang']}'")
    return lang


def _missing(lang: str, name: str) -> DssApiError:
    # dss-rest-api.md §1.4: what DSS answers for a code env that does not exist.
    return DssApiError(
        500, "com.dataiku.dip.exceptions.CodedIOException", f"{lang} env {name} doesn't exist"
    )


def lookup(tx: Tx, lang: str, name: str) -> dict[str, Any]:
    env = tx.get(KIND, "", name)
    if env is None or env["envLang"] != lang:
        raise _missing(lang, name)
    return env


def _messages(env: dict[str, Any]) -> dict[str, Any]:
    packages = [p for p in env["specPackageList"].splitlines() if p.strip()]
    bad = [p for p in packages if p.strip().lower().startswith(FAILING_PACKAGE)]
    if bad:
        items = [
            {
                "severity": "ERROR",
                "isFatal": False,
                "message": f"Could not find a version that satisfies the requirement {p.strip()}",
            }
            for p in bad
        ]
        return {"error": True, "warning": False, "messages": items}
    return {"error": False, "warning": False, "messages": []}


def list_code_envs(tx: Tx, req: Request) -> list[dict[str, Any]]:
    return [
        {"envLang": e["envLang"], "envName": e["envName"], "deploymentMode": e["deploymentMode"]}
        for e in tx.docs(KIND, "")
    ]


def create_code_env(tx: Tx, req: Request) -> dict[str, Any]:
    lang = _lang(req)
    name = req.params["name"]
    if not NAME_RE.match(name):
        raise invalid(
            f"Invalid code env name '{name}': only letters, digits and hyphens are allowed"
        )
    if tx.exists(KIND, "", name):
        raise invalid(f"Code env {name} already exists")
    body = optional_object(req.body, "code env params")
    mode = body.get("deploymentMode") or "DESIGN_MANAGED"
    if mode not in DEPLOYMENT_MODES:
        raise invalid(f"Invalid deploymentMode '{mode}'")
    interpreter = body.get("pythonInterpreter") if lang == "PYTHON" else None
    if interpreter is not None and not isinstance(interpreter, str):
        raise invalid("Invalid pythonInterpreter: expected a string")
    env: dict[str, Any] = {
        "envLang": lang,
        "envName": name,
        "deploymentMode": mode,
        "desc": {
            "owner": req.login,
            "pythonInterpreter": interpreter or ("PYTHON39" if lang == "PYTHON" else None),
            "installCorePackages": bool(body.get("installCorePackages", True)),
            "installJupyterSupport": bool(body.get("installJupyterSupport", False)),
            "corePackagesSet": body.get("corePackagesSet") or "AUTO",
            "conda": bool(body.get("conda", False)),
        },
        "specPackageList": body.get("specPackageList") or "",
        "specCondaEnvironment": "",
        "externalCondaEnvName": "",
        "permissions": [],
        "usableByAll": True,
        "allContainerConfs": False,
        "containerConfs": [],
        "installed": False,
        "creationTag": tx.tag(),
    }
    return _install(tx, req, env)


def _install(tx: Tx, req: Request, env: dict[str, Any]) -> dict[str, Any]:
    """Install the env's packages (at creation, or on demand): a long task."""
    messages = _messages(env)
    env["installed"] = not messages["error"]
    tx.put(KIND, "", env["envName"], env)
    result = {"messages": messages, "envName": env["envName"], "envLang": env["envLang"]}
    if req.flag("wait", True):
        return result
    return tx.running_future(result, tx.store.code_env_seconds)


def get_code_env(tx: Tx, req: Request) -> dict[str, Any]:
    return lookup(tx, _lang(req), req.params["name"])


def set_code_env(tx: Tx, req: Request) -> dict[str, Any]:
    lang, name = _lang(req), req.params["name"]
    current = lookup(tx, lang, name)
    body = require_object(req.body, "code env definition")
    for key in ("envLang", "envName"):
        if key in body and body[key] != current[key]:
            raise invalid(f"Cannot change the {key} of code env {name}")
    spec = body.get("specPackageList", current["specPackageList"])
    if not isinstance(spec, str):
        raise invalid("Invalid specPackageList: expected a string (one requirement per line)")
    updated = dict(body)
    updated.update(
        envLang=lang,
        envName=name,
        creationTag=current["creationTag"],
        installed=current["installed"],
    )
    tx.put(KIND, "", name, updated)
    return updated


def update_packages(tx: Tx, req: Request) -> dict[str, Any]:
    return _install(tx, req, lookup(tx, _lang(req), req.params["name"]))


def delete_code_env(tx: Tx, req: Request) -> dict[str, Any]:
    lang, name = _lang(req), req.params["name"]
    lookup(tx, lang, name)
    tx.delete(KIND, "", name)
    result = {"messages": {"error": False, "warning": False, "messages": []}}
    if req.flag("wait", True):
        return result
    return tx.finished_future(result)


_ONE = "/admin/code-envs/{lang}/{name}"
ROUTES = [
    Route("GET", "/admin/code-envs/", list_code_envs),
    Route("POST", _ONE, create_code_env),
    *get_put(_ONE, get_code_env, set_code_env),
    Route("DELETE", _ONE, delete_code_env),
    Route("POST", _ONE + "/packages", update_packages),
]
