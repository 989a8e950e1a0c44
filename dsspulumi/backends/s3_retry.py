"""When the S3 backend tries a request again, above botocore's own attempts.

botocore (standard mode) retries throttling, 5xx and lost connections, then gives up after
``AWS_MAX_ATTEMPTS`` (3 by default). At a 20% fault rate three failures in a row happen
to almost one request in a hundred, and one `dss up` makes a hundred requests (a journal
record per step): without a budget of its own, most runs would fail. So the backend tries
again, ``DSS_S3_RETRIES`` rounds with backoff; a write whose outcome is unknown is settled
by reading the key back before it is sent again (``S3Objects.call`` in ``s3_objects.py``).
"""

from __future__ import annotations

import os
import random

import botocore.exceptions

DEFAULT_S3_RETRIES = 5
# What S3 documents as "try again": throttling and server-side errors (botocore's standard
# mode retries the same ones, then gives up after AWS_MAX_ATTEMPTS, 3 by default).
_TRANSIENT_CODES = {
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


def s3_retries() -> int:
    """Rounds of the backend's own above botocore's attempts (``DSS_S3_RETRIES``, 0-20)."""
    try:
        return max(0, min(20, int(os.environ.get("DSS_S3_RETRIES", DEFAULT_S3_RETRIES))))
    except ValueError:
        return DEFAULT_S3_RETRIES


def transient(exc: Exception) -> bool:
    """Whether S3 (or the way to it) failed in a way worth another attempt."""
    if isinstance(exc, botocore.exceptions.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in _TRANSIENT_CODES or int(status) >= 500
    return isinstance(
        exc,
        botocore.exceptions.ConnectionError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectionClosedError,
    )


def backoff(attempt: int) -> float:
    """Full jitter, 0.2 s doubling per attempt, capped at 5 s."""
    return random.uniform(0, min(5.0, 0.2 * 2**attempt))
