"""A DSS sandbox: an HTTP server speaking the DSS public REST API, like moto for AWS.

The real ``dataikuapi.DSSClient`` works against it unchanged::

    from dsspulumi.sandbox import Sandbox

    with Sandbox() as sb:
        client = sb.client()
        client.create_project("DEMO", "Demo", "admin")

It serves ``/dip/publicapi/...`` (the root the Python client uses; ``/public/api/...`` is an
alias), answers in DSS's JSON shapes and error bodies (``errorType``, ``message``,
``detailedMessage``), and enforces DSS's rules (see ``shared/design/dss-rest-api.md`` §12).
Out-of-band observation, outside the API root and without a key: ``GET /__sandbox__/stats``
(``total``, ``counts`` per route template, ``unmatched`` per path, ``injected`` failures per
kind) and ``POST /__sandbox__/reset``.

Layout: one module per DSS object kind under :mod:`dsspulumi.sandbox.kinds` (project,
connection, dataset, recipe, zone, instance variables, group, user, code env, licensing,
instance info...), each with its routes, handlers and refusals; adding a kind is adding a
file there. Kind modules never import each other: what one reads of another's rows is in
:mod:`.lookups`, and what one does when another's object is renamed or deleted (a dataset
rename updating recipes, zones and scenarios; a deleted group leaving its users) goes through
the reference hooks of :mod:`.hooks`. Importing this package loads the kinds, which register
their routes (:mod:`.routes`), side tables and seeders (:mod:`.store`) and hooks; neither the
store nor the routes import a kind. Shared machinery lives once: :mod:`.store` (transactions,
versions and tags, futures, the API key), :mod:`.errors` (DSS's error shape, validators),
:mod:`.objects` (what datasets and recipes share), :mod:`.managed_datasets` (building a
dataset document, for the dataset kind and the recipe creator), :mod:`.flow` (the flow graph,
for the project and its zones), :mod:`.db` (SQLite: one row per object; why WAL and
``synchronous=NORMAL`` is explained there), :mod:`.legacy` (migration of JSON data folders),
:mod:`.routes` (matching) and :mod:`.server` (HTTP, auth, latency, failures, access log).
The probe endpoints (licensing status, instance variables, flow zones) are described in
``ENDPOINTS.md``.

Simulator conventions -- behaviour chosen here because DSS's is not verified; a provider must
not depend on any of it:

* "already exists", "invalid name", "invalid body" and other refusals use errorType
  ``com.dataiku.dip.exceptions.CodedException`` with HTTP 400 and the messages
  ``Project <KEY> already exists``, ``Dataset <PK>.<name> already exists``,
  ``Recipe <PK>.<name> already exists``, ``Invalid project key '<k>': ...``,
  ``Invalid dataset name '<n>': ...``.
* Project keys must match ``^[A-Z][A-Z0-9_]*$``; dataset and recipe names
  ``^[A-Za-z0-9_]+$``; connection names must be non-empty and contain no ``/``.
* A missing project / dataset / recipe is a 404 ``NotFoundException`` with message
  ``project does not exist: KEY``, ``dataset does not exist: PK.name``,
  ``recipe does not exist: PK.name``. A missing recipe input or output uses the dataset form.
* A missing connection is ``java.lang.IllegalArgumentException: Connection '<n>' does not
  exist`` everywhere (404 on the connection's own URLs, 400 at dataset / recipe creation).
* A dataset may be the output of at most one recipe (``Dataset PK.x is already the output of
  recipe R``), checked at recipe creation and PUT unless ``rawCreation``.
* Unknown routes: 404 with ``errorType: "Unknown error"`` and message
  ``Not Found: /dip/publicapi/<path>``: the client shows exactly what it shows for DSS's
  plain-text answer (``Unknown error: Not Found: ...``), and it is deliberately *not* a
  ``NotFoundException``, so an unsupported call is never mistaken for an absent object.
* A bad API key is 401 ``NotAuthenticatedException: Unknown API Key``; the key is accepted as
  Basic user, Basic password, or Bearer token. Two keys are valid: ``api_key`` is the admin
  user ``admin``; ``user_api_key`` is ``sandbox_user`` (group ``data_team``, not admin), refused
  on every ``/admin/...`` route with 403 ``com.dataiku.dip.exceptions.UnauthorizedException:
  Action forbidden, you are not admin`` (status and text UNVERIFIED), nothing changed.
* Body that is not JSON: 400 ``com.google.gson.JsonSyntaxException``.
* PUT of a dataset / recipe / connection refuses (400) a change of ``name``, ``projectKey`` or
  ``type`` (they are immutable); ``versionTag`` / ``creationTag`` are server-managed (client
  values ignored, ``versionTag.versionNumber`` goes up on every save).
* Creation calls and what they keep (UNVERIFIED on real DSS, so both are imitated;
  ``creation_keeps_fields``, ``dss sandbox serve --creation-keeps-fields yes|no``). ``no``
  (the default, what the sandbox always did; dss-rest-api.md §13 says not to rely on more):
  ``POST /projects/{pk}/datasets/`` keeps only name, type, params, formatType and
  formatParams, ``.../datasets/managed`` only what its creationSettings say (schema, tags,
  description, customFields... are ignored: set them with GET -> PUT); a managed folder's POST
  keeps name, type and params; a scenario's POST its name, type and params. ``yes``: both
  dataset calls also keep the rest of their body as a PUT would (a managed dataset's declared
  formatParams over DSS's defaults); a folder's and a scenario's POST keep the definition
  sent. Recipes: a code recipe keeps its script and the prototype's customFields either way
  (as it always did).
* Managed folders (``ENDPOINTS.md`` §7): ids are 8 random letters and digits; names are
  labels, may repeat, and only an empty or blank one is refused (400 ``CodedException``); a
  missing folder is ``managed folder does not exist: PK.id``; a folder id is a valid recipe
  input/output ref and has one producing recipe at most; deleting a folder deletes the
  recipes that use it.
* Managed datasets: type = the connection's type; files connections get params
  ``{connection, path: "${projectKey}/<name>"}`` and formatType from ``formatOptionId``
  (``CSV*`` -> csv (the default), ``PARQUET*`` -> parquet, ``AVRO``, ``ORC``, ``JSON``); SQL
  connections get ``{connection, mode: "table", table: "${projectKey}_<name>"}`` and no format.
  ``typeOptionId`` is ignored; ``partitioningOptionId: copy:dataset:X`` copies X's
  partitioning.
* Flow zones: the default zone (id ``default``, name ``Default``) is computed: every dataset
  and recipe of the project not explicitly in another zone, as ``{objectId, objectType}``
  items. Created zones get a random 7-character id; items are moved in with ``.../items`` /
  ``.../add-items`` (out of any other zone), refs echoed exactly as sent; deleting a zone
  sends its items back to the default zone; the default zone cannot be renamed or deleted;
  sharing is not simulated; ``.../zones/{id}/graph`` is the zone's part of the flow graph,
  linked inside the zone only (ENDPOINTS.md §3). See :mod:`.kinds.zone`.
* Scenarios: ids derived from the name (letters and digits upper-cased, ``_1``... when
  taken); creation keeps the posted definition; triggers get 6-character ids; ``/light`` PUT
  applies only active/checklists/description/shortDesc/tags; ``/payload`` only exists for
  ``custom_python`` scenarios. See :mod:`.kinds.scenario`.
* A project permission granted to a group needs the group to exist (400 ``CodedException``,
  ``Group '<g>' does not exist: create it first``; wording UNVERIFIED).
* Editions: ``enterprise`` (default) or ``free``; ``GET /admin/licensing/status`` reports it.
  The Free Edition refuses project permissions granted to groups (403, ``CodedException``,
  ``... requires a DSS Enterprise license``); per-user grants are allowed.
* Instance variables: ``PUT /admin/variables/`` replaces the whole dict; a non-object body is
  refused (400).
* Recipes created with ``name: null`` are named ``compute_<first output>`` (``_1``, ``_2``...
  if taken). Default payloads: code recipes = ``creationSettings.script`` or ``""``;
  ``sync`` and ``sql_query`` = ``""``; grouping / join / prepare get a minimal JSON payload;
  other visual recipes ``"{}"``. Code recipes (python, r, pyspark, sparkr) get
  ``params.envSelection = {envMode: INHERIT}``.
* ``GET /projects/{pk}/recipes/`` returns only name, projectKey, type and tags.
* Foreign refs (``OTHER.name``) only need the dataset to exist; exposure rules are not
  checked. Recipe outputs must be in the recipe's own project. ``list_datasets`` ignores
  ``foreign=True`` (shared datasets are not listed); ``tags`` filters (any of them).
* Deleting a dataset leaves the recipes that reference it in place (dangling refs; a later PUT
  of such a recipe fails until the refs are fixed). Deleting a project deletes its datasets
  and recipes. Delete flags (``dropData``, ``clearManagedDatasets``...) are accepted; there is
  no data to drop. Project DELETE answers an already-finished future
  ``{"jobId", "hasResult": true, "alive": false, "result": {"messages": [], ...}}``; finished
  futures stay readable at ``GET /futures/{jobId}`` (last 100, memory only).
* Connections: deleting one that datasets use (``params.connection`` or
  ``uploadConnection``) is refused (400 ``CodedException: Connection <n> is still used by
  datasets PK.a, ...``; UNVERIFIED). Password-like params (name contains
  "password" or "secret") are returned as opaque ``e:...`` tokens; sending a token back keeps
  the secret. Default connections: ``filesystem_root``, ``filesystem_managed``,
  ``filesystem_folders`` (type Filesystem) and ``sql_postgres`` (type PostgreSQL). The
  sandbox executes no SQL (nor any recipe): ``sql_postgres`` only lets SQL datasets and SQL
  recipes be declared, with table params and no format for managed datasets.
* ``customFields`` (where tools keep their own data, e.g. dsspulumi's ownership marks) are
  kept exactly as sent and returned everywhere DSS has them: project metadata, dataset
  definition (and its metadata endpoint, a view on the same object), recipe definition --
  including when sent inside ``recipePrototype`` at recipe creation -- and recipe metadata.
* Project create: ``settings`` (if given) is deep-merged into the settings document's
  ``settings`` object; ``projectFolderId`` / ``includeLocation`` are accepted and ignored (no
  project folders); permissions are stored as sent (no flag normalisation).
* Project variables PUT without both ``standard`` and ``local`` is refused (400).
* ``GET /instance-info`` reports node type DESIGN, ``dssVersion`` 14.2.0.
* Groups, users and code envs: see ``ENDPOINTS.md`` §4-§6 (a group's capabilities only by
  PUT after create; passwords write-only; a code env creation answers a running future that
  finishes after ``code_env_seconds``; a package named ``no-such-...`` fails to install).
* The wiki (articles and taxonomy, :mod:`.kinds.wiki`), the flow graph and the project
  objects dsspulumi does not model (notebooks, web apps, dashboards, insights, saved models,
  evaluation stores, knowledge banks, code studios...: :mod:`.kinds.project_objects`) are
  served for listing, creation and deletion (ENDPOINTS.md §11); ``createOutputFolder`` is
  refused.
* Storage: ``data_dir`` keeps everything in ``<data_dir>/dss-sandbox.db`` (SQLite, one row per
  object, one transaction per request, committed before the answer: an acknowledged change
  survives ``kill -9``). It also keeps the active API key; a restart with ``api_key=None``
  reuses it, so ``dss sandbox serve --data DIR`` keeps its key. A folder written by the JSON
  sandbox (``dss-sandbox.json``) is migrated on first start and the JSON renamed
  ``dss-sandbox.json.migrated``; see :mod:`.legacy`. Without ``data_dir`` the database is in
  memory. Futures are never persisted.
* Failure injection (``fail_rate``, ``inject_failure``) only hits public API calls, never
  ``/__sandbox__/``. Kinds: before the handler (500, nothing changed), after it (500, change
  committed) and a dropped connection (closed without an answer; from ``fail_rate``, after the
  change was committed). ``fail_rate`` draws evenly from ``fail_mix``: ``("before",)`` by
  default in process (the historical behaviour), all three for ``dss sandbox serve``.
"""

from __future__ import annotations

# Loading the kind modules registers their routes, side tables, seeders and reference hooks.
from . import kinds  # noqa: F401
from .errors import DssApiError
from .server import Sandbox
from .store import Store

__all__ = ["DssApiError", "Sandbox", "Store"]
