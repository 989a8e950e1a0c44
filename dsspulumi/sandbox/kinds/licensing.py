"""``GET /admin/licensing/status``: the edition the sandbox imitates, and its refusals.

The edition (``enterprise`` by default, or ``free``) is chosen when the sandbox starts
(``Sandbox(edition=...)``, ``dss sandbox serve --edition``); it is not stored. The status
shape follows what third-party DSS admin tools read (``base.licenseContent.licenseKind``,
``base.expiresOn`` in ms, ``base.profileLimits``, ``communityEdition``) -- UNVERIFIED against a
real DSS, see ``ENDPOINTS.md``.

Among what the sandbox simulates, the feature refused outside Enterprise is granting project
permissions to groups (Free Edition is a single-team instance). The refusal shape (HTTP 403,
``com.dataiku.dip.exceptions.CodedException``, ``... requires a DSS Enterprise license``) is a
simulator convention: no public source shows how DSS words it. The refusal itself is
:func:`dsspulumi.sandbox.lookups.require_enterprise`, which the kinds that refuse call.
"""

from __future__ import annotations

from typing import Any

from dsspulumi.sandbox.routes import Request, Route
from dsspulumi.sandbox.store import Tx

#: 2100-01-01T00:00:00Z: a license that never expires in any test's lifetime.
_EXPIRES_ON_MS = 4102444800000


def licensing_status(tx: Tx, req: Request) -> dict[str, Any]:
    enterprise = tx.store.edition == "enterprise"
    kind = "ENTERPRISE" if enterprise else "COMMUNITY"
    limits = (
        {"DESIGNER": {"licensed": {"profile": "DESIGNER", "licensedLimit": -1}}}
        if enterprise
        else {"DESIGNER": {"licensed": {"profile": "DESIGNER", "licensedLimit": 3}}}
    )
    return {
        "base": {
            "licenseContent": {
                "licensee": {"company": "DSS sandbox", "name": "dsspulumi"},
                "licenseKind": kind,
                "instanceId": "dss-sandbox",
                "properties": {},
            },
            "expiresOn": _EXPIRES_ON_MS,
            "expired": False,
            "valid": True,
            "profileLimits": limits,
        },
        "communityEdition": not enterprise,
        "ceEntrepriseTrial": False,
        "valid": True,
        "expired": False,
    }


ROUTES = [Route("GET", "/admin/licensing/status", licensing_status)]
