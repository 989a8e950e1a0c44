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
and ``POST /__sandbox__/reset``.

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
  Basic user, Basic password, or Bearer token. Every valid key is the admin user ``admin``.
* Body that is not JSON: 400 ``com.google.gson.JsonSyntaxException``.
* PUT of a dataset / recipe / connection refuses (400) a change of ``name``, ``projectKey`` or
  ``type`` (they are immutable); ``versionTag`` / ``creationTag`` are server-managed (client
  values ignored, ``versionTag.versionNumber`` goes up on every save).
* ``POST /projects/{pk}/datasets/`` keeps only name, type, params, formatType and formatParams
  (schema, tags, description... are ignored: set them with GET -> PUT, as on real DSS).
* Managed datasets: type = the connection's type; files connections get params
  ``{connection, path: "${projectKey}/<name>"}`` and formatType from ``formatOptionId``
  (``CSV*`` -> csv (the default), ``PARQUET*`` -> parquet, ``AVRO``, ``ORC``, ``JSON``); SQL
  connections get ``{connection, mode: "table", table: "${projectKey}_<name>"}`` and no format.
  ``typeOptionId`` is ignored; ``partitioningOptionId: copy:dataset:X`` copies X's
  partitioning.
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
* Connections: deleting one that datasets use is allowed. Password-like params (name contains
  "password" or "secret") are returned as opaque ``e:...`` tokens; sending a token back keeps
  the secret. Default connections: ``filesystem_root``, ``filesystem_managed``,
  ``filesystem_folders`` (type Filesystem).
* Project create: ``settings`` (if given) is deep-merged into the settings document's
  ``settings`` object; ``projectFolderId`` / ``includeLocation`` are accepted and ignored (no
  project folders); permissions are stored as sent (no flag normalisation).
* Project variables PUT without both ``standard`` and ``local`` is refused (400).
* ``GET /instance-info`` reports node type DESIGN, ``dssVersion`` 14.2.0.
* Managed folders, scenarios, zones, wiki, users, groups and code envs are not simulated
  (their URLs answer the unknown-route 404); ``createOutputFolder`` is refused.
* The persisted store (``<data_dir>/dss-sandbox.json``) also keeps the active API key; a
  restart with ``api_key=None`` reuses it, so ``dss sandbox serve --data DIR`` keeps its key.
"""

from __future__ import annotations

from .errors import DssApiError
from .server import Sandbox
from .store import Store

__all__ = ["DssApiError", "Sandbox", "Store"]
