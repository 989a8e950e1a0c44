"""What ``dss about`` reports: versions, the state backend, the DSS target and its answer.

For bug reports and for "why does CI not reach DSS": every value says where it came from,
and the DSS check is one ``GET /auth/info`` through the same client ``dss up`` uses, so
"reachable" means what ``up`` would find. The API key is never shown.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from typing import Any

# Distribution name -> what to call it in the report.
PACKAGES = {
    "dataiku-api-client": "dataikuapi",
    "typer": "typer",
    "rich": "rich",
    "attrs": "attrs",
    "cattrs": "cattrs",
    "boto3": "boto3",
    "cryptography": "cryptography",
    "tomlkit": "tomlkit",
    "PyYAML": "pyyaml",
}


def versions() -> dict[str, str | None]:
    from dsspulumi import __version__

    out: dict[str, str | None] = {
        "dsspulumi": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "executable": sys.executable,
    }
    for dist, label in PACKAGES.items():
        try:
            out[label] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[label] = None
    return out


def check_target(url: str, api_key: str | None, verify_tls: bool = True) -> dict[str, Any]:
    """Whether DSS at ``url`` answers with that key: ``{"reachable", "detail", …}``."""
    if url == "sandbox":
        return {
            "reachable": True,
            "detail": "the embedded sandbox (runs inside dss, data under .dss/sandbox/)",
        }
    from dsspulumi.errors import DssPulumiError
    from dsspulumi.providers.dss import DssProviders

    providers = DssProviders(url, api_key or "", verify_tls=verify_tls, retries=0)
    try:
        info = providers.check_connection()
    except DssPulumiError as exc:
        return {"reachable": False, "detail": str(exc)}
    who = info.get("authIdentifier") if isinstance(info, dict) else None
    return {"reachable": True, "detail": f"answered as {who}" if who else "answered"}
