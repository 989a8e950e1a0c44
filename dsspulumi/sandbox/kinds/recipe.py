"""Recipes: creation (with the creators' settings), settings + payload, metadata, delete.

Payload defaults and shapes by recipe type live in :mod:`..recipe_payloads`. An input from
another project must be exposed to this project in the other project's settings
(``exposedObjects``), as DSS requires.

Rows: kind ``recipe``, project = project key, id = recipe name; the document is
``{"recipe": definition, "payload": str}`` (what GET returns). Side table ``recipe_outputs``
indexes which recipe writes which dataset, so the "one producer per dataset" rule is one
indexed lookup per output instead of a walk over every recipe of the project.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox import hooks, recipe_payloads
from dsspulumi.sandbox.documents import keep_immutable, rename_request
from dsspulumi.sandbox.errors import (
    check_object_name,
    invalid,
    not_found,
    optional_object,
    optional_str,
    refused,
    require_object,
    string_list,
)
from dsspulumi.sandbox.lookups import (
    DATASET,
    MANAGED_FOLDER,
    PROJECT,
    is_exposed,
    project_object,
    require_project,
)
from dsspulumi.sandbox.managed_datasets import build_managed, check_new_name
from dsspulumi.sandbox.managed_datasets import save as save_dataset
from dsspulumi.sandbox.objects import apply_metadata, metadata_view, split_ref
from dsspulumi.sandbox.routes import Request, Route, collection, get_put
from dsspulumi.sandbox.store import Tx

KIND = "recipe"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS recipe_outputs (
        project TEXT NOT NULL,
        dataset TEXT NOT NULL,
        recipe TEXT NOT NULL,
        PRIMARY KEY (project, dataset, recipe)
    )""",
    "CREATE INDEX IF NOT EXISTS recipe_outputs_by_recipe ON recipe_outputs (project, recipe)",
)
PROJECT_TABLES = ("recipe_outputs",)

#: Code recipe types whose params carry a code env selection (``set_code_env`` needs it).
ENV_RECIPE_TYPES = frozenset(["python", "r", "pyspark", "sparkr"])


def lookup(tx: Tx, project_key: str, name: str) -> dict[str, Any]:
    return project_object(tx, KIND, "recipe", project_key, name)


def save(tx: Tx, project_key: str, name: str, doc: dict[str, Any]) -> None:
    """Write the recipe row and re-index its outputs."""
    tx.put(KIND, project_key, name, doc)
    tx.conn.execute(
        "DELETE FROM recipe_outputs WHERE project = ? AND recipe = ?", (project_key, name)
    )
    for _, item in _role_items(doc["recipe"].get("outputs"), "outputs"):
        ref = item.get("ref")
        if isinstance(ref, str) and ref:
            key, ds_name = split_ref(project_key, ref)
            tx.conn.execute(
                "INSERT OR IGNORE INTO recipe_outputs(project, dataset, recipe) VALUES (?, ?, ?)",
                (key, ds_name, name),
            )


def _role_items(roles: Any, what: str) -> list[tuple[str, dict[str, Any]]]:
    roles = optional_object(roles, what)
    out = []
    for role, role_obj in roles.items():
        items = require_object(role_obj, f"{what}.{role}").get("items", [])
        if not isinstance(items, list):
            raise invalid(f"Invalid {what}.{role}.items: expected a list")
        for item in items:
            out.append((role, require_object(item, f"{what}.{role} item")))
    return out


def _normalise_roles(roles: Any, what: str, defaults: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role, item in _role_items(roles, what):
        full = dict(defaults)
        full.update(item)
        out.setdefault(role, {"items": []})["items"].append(full)
    for role in optional_object(roles, what):
        out.setdefault(role, {"items": []})
    return out


def _producer(tx: Tx, project_key: str, name: str, other_than: str) -> str | None:
    row = tx.conn.execute(
        "SELECT recipe FROM recipe_outputs WHERE project = ? AND dataset = ? AND recipe != ? "
        "ORDER BY rowid LIMIT 1",
        (project_key, name, other_than),
    ).fetchone()
    return None if row is None else str(row[0])


def _exists(tx: Tx, project_key: str, name: str) -> bool:
    """A flow item of that ref: a dataset (by name) or a managed folder (by its id)."""
    return tx.exists(DATASET, project_key, name) or tx.exists(MANAGED_FOLDER, project_key, name)


def _check_refs(
    tx: Tx,
    project_key: str,
    recipe_name: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any],
    new_outputs: set[str],
) -> None:
    """Inputs and outputs exist (or are about to be created); one producer per dataset."""
    for _, item in _role_items(inputs, "inputs"):
        key, name = split_ref(project_key, item.get("ref"))
        if not _exists(tx, key, name):
            raise not_found("dataset", f"{key}.{name}")
        # A foreign input is exposed under its own object type (a folder by its id).
        is_dataset = tx.exists(DATASET, key, name)
        kind, what = ("DATASET", "Dataset") if is_dataset else ("MANAGED_FOLDER", "Managed folder")
        if key != project_key and not is_exposed(tx, key, kind, name, project_key):
            raise refused(
                f"{what} {key}.{name} is not exposed to project {project_key}: expose it in "
                f"the settings of project {key} (exposed objects) before using it here"
            )
    for _, item in _role_items(outputs, "outputs"):
        ref = item.get("ref")
        key, name = split_ref(project_key, ref)
        if key != project_key:
            raise invalid(f"Recipe output {ref} must be in project {project_key}")
        if name not in new_outputs and not _exists(tx, key, name):
            raise not_found("dataset", f"{key}.{name}")
        producer = _producer(tx, key, name, recipe_name)
        if producer is not None:
            raise invalid(
                f"Dataset {project_key}.{name} is already the output of recipe {producer}"
            )


def _default_params(type_: str) -> dict[str, Any]:
    if type_ in ENV_RECIPE_TYPES:
        return {
            "envSelection": {"envMode": "INHERIT"},
            "containerSelection": {"containerMode": "INHERIT"},
        }
    return {}


def _unique_name(tx: Tx, project_key: str, base: str) -> str:
    if not tx.exists(KIND, project_key, base):
        return base
    i = 1
    while tx.exists(KIND, project_key, f"{base}_{i}"):
        i += 1
    return f"{base}_{i}"


# ---- handlers -------------------------------------------------------------------------------


def list_recipes(tx: Tx, req: Request) -> list[dict[str, Any]]:
    require_project(tx, req.project_key)
    return [
        {
            "name": r["recipe"]["name"],
            "projectKey": req.project_key,
            "type": r["recipe"]["type"],
            "tags": list(r["recipe"].get("tags", [])),
        }
        for r in tx.docs(KIND, req.project_key)
    ]


def create_recipe(tx: Tx, req: Request) -> dict[str, Any]:
    project_key = req.project_key
    require_project(tx, project_key)
    body = require_object(req.body, "recipe creation")
    proto = require_object(body.get("recipePrototype"), "recipePrototype")
    settings = optional_object(body.get("creationSettings"), "creationSettings")
    type_ = proto.get("type")
    if not isinstance(type_, str) or not type_:
        raise invalid("Recipe type is required")
    raw = bool(settings.get("rawCreation"))
    inputs = proto.get("inputs") or {}
    virtual = settings.get("virtualInputs")
    if not raw and virtual:
        refs = string_list(virtual, "virtualInputs")
        inputs = {"main": {"items": [{"ref": r} for r in dict.fromkeys(refs)]}}
    inputs = _normalise_roles(inputs, "inputs", {"deps": []})
    outputs = _normalise_roles(proto.get("outputs") or {}, "outputs", {"appendMode": False})
    output_refs = [item["ref"] for _, item in _role_items(outputs, "outputs")]

    name = proto.get("name")
    if name is None:
        first = output_refs[0] if output_refs and isinstance(output_refs[0], str) else type_
        name = _unique_name(tx, project_key, "compute_" + first.replace(".", "_"))
    name = check_object_name("recipe", name)
    if tx.exists(KIND, project_key, name):
        raise invalid(f"Recipe {project_key}.{name} already exists")

    new_datasets: dict[str, dict[str, Any]] = {}
    if not raw:
        if settings.get("createOutputFolder"):
            raise invalid("Managed folders are not supported by the DSS sandbox")
        if settings.get("createOutputDataset"):
            for ref in output_refs:
                ds_name = check_new_name(tx, project_key, ref)
                new_datasets[ds_name] = build_managed(
                    tx, project_key, ds_name, settings.get("outputDatasetSettings")
                )
        by_role = optional_object(
            settings.get("outputDatasetsCreationSettingsByRole"),
            "outputDatasetsCreationSettingsByRole",
        )
        for role_settings in by_role.values():
            for ds_name, ds_settings in optional_object(role_settings, "role").items():
                check_new_name(tx, project_key, ds_name)
                new_datasets[ds_name] = build_managed(tx, project_key, ds_name, ds_settings)
        _check_refs(tx, project_key, name, inputs, outputs, set(new_datasets))

    payload = settings.get("rawPayload") if raw else None
    input_refs = [item["ref"] for _, item in _role_items(inputs, "inputs")]
    if not raw:
        recipe_payloads.check_roles(type_, len(input_refs), len(output_refs))
    if not isinstance(payload, str):

        def columns(ref: str) -> list[str]:
            key, ds_name = split_ref(project_key, ref)
            if ds_name in new_datasets or not tx.exists(DATASET, key, ds_name):
                return []
            source = project_object(tx, DATASET, "dataset", key, ds_name)
            return [c["name"] for c in source["schema"]["columns"]]

        payload = recipe_payloads.default(type_, settings, input_refs, columns)
    recipe: dict[str, Any] = {
        "projectKey": project_key,
        "name": name,
        "type": type_,
        "params": proto.get("params") or _default_params(type_),
        "inputs": inputs,
        "outputs": outputs,
        "tags": string_list(proto.get("tags"), "tags"),
        "description": optional_str(proto.get("description"), "description"),
        "shortDesc": optional_str(proto.get("shortDesc"), "shortDesc"),
        "checklists": {"checklists": []},
        "customMeta": {"kv": {}},
        # Kept as sent: tools (dsspulumi's ownership marks) put their own data here at
        # creation, in one call.
        "customFields": optional_object(proto.get("customFields"), "customFields"),
        "creationTag": tx.tag(),
        "versionTag": tx.tag(),
    }
    for ds in new_datasets.values():
        save_dataset(tx, ds)
    save(tx, project_key, name, {"recipe": recipe, "payload": payload})
    return {"name": name}


def get_recipe(tx: Tx, req: Request) -> dict[str, Any]:
    return lookup(tx, req.project_key, req.params["recipeName"])


def set_recipe(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, name = req.project_key, req.params["recipeName"]
    current = lookup(tx, project_key, name)
    body = require_object(req.body, "recipe settings")
    recipe = require_object(body.get("recipe"), "recipe")
    keep_immutable(
        current["recipe"], recipe, ("name", "projectKey", "type"), f"recipe {project_key}.{name}"
    )
    payload = body.get("payload", current["payload"])
    if payload is None:
        payload = current["payload"]
    if not isinstance(payload, str):
        raise invalid("Invalid recipe payload: expected a string")
    inputs = _normalise_roles(recipe.get("inputs"), "inputs", {"deps": []})
    outputs = _normalise_roles(recipe.get("outputs"), "outputs", {"appendMode": False})
    _check_refs(tx, project_key, name, inputs, outputs, set())
    type_ = current["recipe"]["type"]
    input_count = len(_role_items(inputs, "inputs"))
    recipe_payloads.check_roles(type_, input_count, len(_role_items(outputs, "outputs")))
    recipe_payloads.check(type_, payload, input_count)
    tags = string_list(recipe.get("tags"), "tags")
    updated = dict(recipe)
    updated.update(
        name=name,
        projectKey=project_key,
        type=current["recipe"]["type"],
        tags=tags,
        inputs=inputs,
        outputs=outputs,
        creationTag=current["recipe"]["creationTag"],
        versionTag=current["recipe"]["versionTag"],
    )
    updated.setdefault("params", {})
    tx.bump(updated)
    doc = {"recipe": updated, "payload": payload}
    save(tx, project_key, name, doc)
    return doc


def get_metadata(tx: Tx, req: Request) -> dict[str, Any]:
    return metadata_view(lookup(tx, req.project_key, req.params["recipeName"])["recipe"])


def set_metadata(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, name = req.project_key, req.params["recipeName"]
    doc = lookup(tx, project_key, name)
    apply_metadata(doc["recipe"], req.body)
    tx.bump(doc["recipe"])
    tx.put(KIND, project_key, name, doc)
    return metadata_view(doc["recipe"])


def remove(tx: Tx, project_key: str, name: str) -> None:
    """Delete the recipe row and its outputs index."""
    tx.delete(KIND, project_key, name)
    tx.conn.execute(
        "DELETE FROM recipe_outputs WHERE project = ? AND recipe = ?", (project_key, name)
    )


def delete_recipe(tx: Tx, req: Request) -> dict[str, Any]:
    project_key, name = req.project_key, req.params["recipeName"]
    lookup(tx, project_key, name)
    remove(tx, project_key, name)
    return {"msg": f"Recipe {project_key}.{name} deleted"}


def rename_dataset(tx: Tx, project_key: str, old: str, new: str) -> None:
    """Every recipe reading or writing a renamed dataset names it anew (``name`` in its own
    project, ``PROJECT.name`` in another): the flow stays connected."""
    for key in tx.ids(PROJECT):
        for recipe_name in tx.ids(KIND, key):
            doc = tx.get(KIND, key, recipe_name)
            assert doc is not None
            changed = False
            for roles in (doc["recipe"].get("inputs"), doc["recipe"].get("outputs")):
                for role in (roles or {}).values():
                    for item in role.get("items") or []:
                        ref = item.get("ref")
                        if (
                            isinstance(ref, str)
                            and ref
                            and split_ref(key, ref)
                            == (
                                project_key,
                                old,
                            )
                        ):
                            item["ref"] = new if key == project_key else f"{project_key}.{new}"
                            changed = True
            if changed:
                save(tx, key, recipe_name, doc)


def remove_users_of_folder(tx: Tx, project_key: str, folder_id: str) -> None:
    """A deleted managed folder takes the recipes reading or writing it along ([code]
    managedfolder.py delete docstring), in its project (ref ``id``) or another
    (``PROJECT.id``)."""
    refs = {folder_id, f"{project_key}.{folder_id}"}
    for doc in tx.docs(KIND):
        recipe = doc["recipe"]
        used = [
            item.get("ref")
            for part in ("inputs", "outputs")
            for role in (recipe.get(part) or {}).values()
            for item in (role or {}).get("items", [])
        ]
        local = recipe["projectKey"] == project_key
        if any(ref in refs if local else ref == f"{project_key}.{folder_id}" for ref in used):
            remove(tx, recipe["projectKey"], recipe["name"])


hooks.on_rename(DATASET, rename_dataset)
hooks.on_delete(MANAGED_FOLDER, remove_users_of_folder)


def rename_recipe(tx: Tx, req: Request) -> dict[str, Any]:
    """``{oldName, newName}``: the same recipe (payload, tags, creationTag) under a new name;
    it stays in its flow zone."""
    project_key = req.project_key
    old, new, doc = rename_request(
        req,
        "recipe",
        lambda n: lookup(tx, project_key, n),
        lambda n: tx.exists(KIND, project_key, n),
    )
    doc["recipe"]["name"] = new
    tx.bump(doc["recipe"])
    remove(tx, project_key, old)
    save(tx, project_key, new, doc)
    hooks.renamed(tx, KIND, project_key, old, new)
    return {"msg": f"Recipe {project_key}.{old} renamed to {new}"}


_ONE = "/projects/{projectKey}/recipes/{recipeName}"
ROUTES = [
    *collection(_ONE, (list_recipes, create_recipe, get_recipe, set_recipe, delete_recipe)),
    *get_put(_ONE + "/metadata", get_metadata, set_metadata),
    Route("POST", "/projects/{projectKey}/actions/renameRecipe", rename_recipe),
]
