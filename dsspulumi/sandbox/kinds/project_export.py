"""The project export (``POST /projects/{pk}/export``): one zip of the project's configuration.

DSS answers ``DSSProject.get_export_stream(options)`` with an archive of the project; with
every data option false it holds the configuration only. The sandbox's archive imitates the
layout of a DSS project's configuration folder (UNVERIFIED against a real export, so a
client must not depend on more than this and must fall back when a file is missing):

* ``project.json`` -- ``{"projectKey"}``;
* ``datasets/<name>.json`` -- each dataset's definition;
* ``recipes/<name>.json`` -- each recipe's definition (the ``recipe`` part of its GET) and
  ``recipes/<name>.<ext>`` its payload (``py`` python/pyspark, ``R``, ``sql`` SQL recipes,
  ``sh`` shell, else the recipe's type: ``shaker``, ``join``, ``grouping``...);
* ``managed_folders/<id>.json`` -- each managed folder's definition;
* ``scenarios/<id>.json`` -- each scenario's definition, and ``scenarios/<id>.py`` the script
  of a custom-python scenario.

Data export options (``exportUploads``, ``exportManagedFS``...) are accepted and ignored: the
sandbox holds no data. The archive is built in a read transaction: one consistent view.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from dsspulumi.sandbox.errors import optional_object
from dsspulumi.sandbox.lookups import DATASET, MANAGED_FOLDER, RECIPE, require_project
from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

SCENARIO = "scenario"

#: The payload file's extension by recipe type, where it is not the type itself.
EXTENSIONS = {
    "python": "py",
    "pyspark": "py",
    "r": "R",
    "sparkr": "R",
    "sql_query": "sql",
    "sql_script": "sql",
    "shell": "sh",
}


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True)


def export_project(tx: Tx, req: Request) -> bytes:
    key = req.project_key
    require_project(tx, key)
    optional_object(req.body, "export options")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", _json({"projectKey": key}))
        for dataset in tx.docs(DATASET, key):
            archive.writestr(f"datasets/{dataset['name']}.json", _json(dataset))
        for doc in tx.docs(RECIPE, key):
            recipe = doc["recipe"]
            name, type_ = recipe["name"], str(recipe.get("type"))
            archive.writestr(f"recipes/{name}.json", _json(recipe))
            archive.writestr(f"recipes/{name}.{EXTENSIONS.get(type_, type_)}", doc["payload"] or "")
        for folder in tx.docs(MANAGED_FOLDER, key):
            archive.writestr(f"managed_folders/{folder['id']}.json", _json(folder))
        for doc in tx.docs(SCENARIO, key):
            definition = doc["definition"]
            archive.writestr(f"scenarios/{definition['id']}.json", _json(definition))
            if definition.get("type") == "custom_python":
                archive.writestr(f"scenarios/{definition['id']}.py", doc.get("script") or "")
    return buffer.getvalue()


ROUTES = [Route("POST", "/projects/{projectKey}/export", export_project, write=False)]
