"""The S3 object IO seam of the S3 backend: one bucket, requests counted, errors translated.

``S3Backend`` (``backends/s3.py``) holds the protocol: which key holds what, which write is
conditional on what, and what a refusal means for state, journal, history and locks. This
module holds how one request reaches S3 and what comes back: the client, the retry budget
of ``backends/s3_retry.py``, the conditional put and delete (a 409 retried once, a lost
answer settled by reading the key back), listings, parallel reads and batch deletes.

A conditional request S3 declines is raised as ``Refused`` with its code, for the caller
to judge; every other third-party error is translated here, once, into a one-line
``BackendError`` that names the bucket and what to check.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict, Unpack

import boto3
import botocore.config
import botocore.exceptions

from dsspulumi.backends.s3_retry import backoff, s3_retries, transient
from dsspulumi.errors import BackendError

PRECONDITION_FAILED = "PreconditionFailed"  # 412: If-Match / If-None-Match did not hold
NO_SUCH_KEY = "NoSuchKey"  # 404: also what If-Match on a missing key answers
CONDITIONAL_CONFLICT = "ConditionalRequestConflict"  # 409: a concurrent conditional request

REFUSALS = (PRECONDITION_FAILED, NO_SUCH_KEY, CONDITIONAL_CONFLICT)

_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
}
_ACCESS_CODES = {"AccessDenied", "AllAccessDisabled", "Forbidden", "403"}
_UNREACHABLE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ProxyConnectionError,
)
_PARALLEL_READS = 16


class Refused(Exception):
    """A conditional request S3 declined (412, 404 on If-Match, 409): the caller decides."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class S3Options(TypedDict, total=False):
    """How the objects are written and reached, as the backend URL or the caller says:
    ``sse`` (AES256, the default, or aws:kms) and ``kms_key_id``; ``addressing_style`` (path
    or virtual; default: path for a custom endpoint); ``client``, a boto3 client to use;
    ``retries``, rounds above botocore's attempts (default: ``s3_retries()``)."""

    sse: str
    kms_key_id: str | None
    addressing_style: str | None
    client: Any
    retries: int | None


class S3Objects:
    """Requests on the objects of one bucket, for the backend at ``url``.

    ``client`` may be passed in (tests use botocore's Stubber on it); otherwise one
    is created on first use, so building a backend never touches the network.
    ``counters`` counts requests by S3 operation plus bytes written, for benchmarks.
    """

    def __init__(
        self,
        bucket: str,
        root: str,
        url: str,
        **options: Unpack[S3Options],
    ) -> None:
        self.bucket = bucket
        self.root = root  # "" or "prefix/": named in the access-denied message
        self.url = url
        self.sse = options.get("sse", "AES256")
        self.kms_key_id = options.get("kms_key_id")
        self.addressing_style = options.get("addressing_style")
        self._client = options.get("client")
        self._client_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        retries = options.get("retries")
        self.retries = s3_retries() if retries is None else retries
        self.counters: dict[str, int] = {"requests": 0, "bytes_written": 0, "bytes_copied": 0}

    # --- client and the error boundary ----------------------------------------------------------
    @property
    def client(self) -> Any:
        """The boto3 S3 client, created on first use (credentials are resolved per request)."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        # boto3 >= 1.28 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 itself. A custom endpoint
        # (MinIO, moto, Ceph) usually has no wildcard DNS for virtual-hosted buckets, so it
        # gets path-style addressing unless the URL asks otherwise.
        custom_endpoint = bool(
            os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        )
        style = self.addressing_style or ("path" if custom_endpoint else "auto")
        config = botocore.config.Config(
            connect_timeout=10,
            read_timeout=60,
            # Standard mode retries throttling, 5xx and connection errors with backoff;
            # AWS_MAX_ATTEMPTS still applies. 412/409 are never retried by botocore.
            retries={"mode": os.environ.get("AWS_RETRY_MODE") or "standard"},
            s3={"addressing_style": style},
            user_agent_extra="dsspulumi",
        )
        try:
            return boto3.session.Session().client("s3", config=config)
        except botocore.exceptions.ProfileNotFound as exc:
            raise BackendError(
                f"AWS profile {exc.kwargs.get('profile')!r} (AWS_PROFILE) does not exist, needed "
                f"for the S3 backend {self.url}; check ~/.aws/config or unset AWS_PROFILE"
            ) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise BackendError(
                f"cannot set up the S3 client for backend {self.url}: {exc}"
            ) from exc

    def _endpoint(self) -> str:
        try:
            return str(self.client.meta.endpoint_url)
        except Exception:  # noqa: BLE001 - only for a message
            return os.environ.get("AWS_ENDPOINT_URL", "the S3 endpoint")

    def _count(self, op: str, written: int = 0) -> None:
        with self._counter_lock:
            self.counters["requests"] += 1
            self.counters[op] = self.counters.get(op, 0) + 1
            self.counters["bytes_written"] += written

    def count_copied(self, size: int) -> None:
        """Bytes S3 copied server-side (CopyObject): counted apart from bytes uploaded."""
        with self._counter_lock:
            self.counters["bytes_copied"] += size

    def call(
        self,
        op: str,
        key: str | None,
        *,
        refusals: tuple[str, ...] = (),
        settle: Callable[[], dict[str, Any] | None] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """One S3 request, counted; errors in ``refusals`` raise Refused, others BackendError.

        A transient failure (5xx, throttling, a lost connection) that outlasted botocore's
        own attempts is tried again here, ``retries`` times with backoff (``transient``). A
        write whose outcome is then unknown is first settled by ``settle``: it reads the key
        back and returns the response to use if the write landed (None: not applied, retry).
        """
        body = params.get("Body")
        written = len(body) if isinstance(body, bytes | bytearray) else 0
        method = getattr(self.client, _snake(op))
        attempt = 0
        while True:
            self._count(op, written=written)
            try:
                return method(Bucket=self.bucket, **params)
            except botocore.exceptions.ClientError as exc:
                code = _refusal_code(exc)
                if code is not None and code in refusals:
                    raise Refused(code) from exc
                if attempt >= self.retries or not transient(exc):
                    raise self.translate(op, key, exc) from exc
            except botocore.exceptions.BotoCoreError as exc:
                if attempt >= self.retries or not transient(exc):
                    raise self.translate(op, key, exc) from exc
            time.sleep(backoff(attempt))
            attempt += 1
            if settle is not None:
                landed = settle()
                if landed is not None:
                    return landed

    def translate(self, op: str, key: str | None, exc: Exception) -> BackendError:
        """Turn a botocore error into one line that names the bucket and what to check."""
        b = self.bucket
        if isinstance(
            exc,
            botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError,
        ):
            return BackendError(
                f"no AWS credentials found for the S3 backend {self.url}: set AWS_PROFILE, or "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an instance/task role"
            )
        if isinstance(exc, _UNREACHABLE):
            return BackendError(
                f"cannot reach the S3 endpoint {self._endpoint()} (bucket '{b}', backend "
                f"{self.url}): check AWS_ENDPOINT_URL, the network and any proxy settings"
            )
        if isinstance(exc, botocore.exceptions.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                return BackendError(
                    f"S3 bucket '{b}' does not exist (backend {self.url}); create it (see "
                    "backends/README.md) or fix --backend/DSS_BACKEND"
                )
            if code in _CREDENTIAL_CODES:
                return BackendError(
                    f"S3 rejected the AWS credentials for bucket '{b}' ({code}): check "
                    "AWS_PROFILE / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN"
                )
            if code in _ACCESS_CODES or status == 403:
                kms = " plus kms:Encrypt, kms:Decrypt, kms:GenerateDataKey on the key"
                return BackendError(
                    f"access denied to S3 bucket '{b}' ({op} {key or ''}, backend {self.url}): "
                    f"the credentials in use need s3:GetObject, s3:PutObject, s3:DeleteObject "
                    f"on arn:aws:s3:::{b}/{self.root}* and s3:ListBucket on "
                    f"arn:aws:s3:::{b}{kms if self.sse == 'aws:kms' else ''} "
                    "(see backends/iam-policy.json)"
                )
            message = " ".join(str(error.get("Message", "")).split())
            where = f"s3://{b}/{key}" if key else f"bucket '{b}'"
            return BackendError(
                f"S3 {op} of {where} failed: {code or status} {message} (backend {self.url})"
            )
        text = " ".join(str(exc).split())
        return BackendError(f"S3 {op} on backend {self.url} failed: {text}")

    # --- request helpers ------------------------------------------------------------------------
    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def sse_params(self) -> dict[str, Any]:
        params = {"ServerSideEncryption": self.sse}
        if self.sse == "aws:kms" and self.kms_key_id:
            params["SSEKMSKeyId"] = self.kms_key_id
        return params

    def put(self, key: str, data: bytes, **condition: str) -> dict[str, Any]:
        """A put; a conditional one whose outcome is unknown counts as done if the key now
        holds exactly ``data`` (every body carries a nonce: equal bytes mean our write)."""
        return self.call(
            "PutObject",
            key,
            refusals=REFUSALS,
            settle=(lambda: self.landed(key, data)) if condition else None,
            Key=key,
            Body=data,
            ContentType="application/json",
            **self.sse_params(),
            **condition,
        )

    def get(self, key: str) -> dict[str, Any] | None:
        """GetObject with the body read; None if the key does not exist."""
        try:
            response = self.call("GetObject", key, refusals=(NO_SUCH_KEY,), Key=key)
        except Refused:
            return None
        try:
            response["Data"] = response["Body"].read()
        except botocore.exceptions.BotoCoreError as exc:
            raise self.translate("GetObject", key, exc) from exc
        return response

    def current_etag(self, key: str) -> str | None:
        try:
            return str(self.call("HeadObject", key, refusals=(NO_SUCH_KEY,), Key=key)["ETag"])
        except Refused:
            return None

    def put_conditional(self, key: str, data: bytes, **condition: str) -> dict[str, Any]:
        """A conditional put; a 409 is retried once, only if the key is still as expected."""
        try:
            return self.put(key, data, **condition)
        except Refused as exc:
            if exc.code != CONDITIONAL_CONFLICT:
                raise
            if self.current_etag(key) != condition.get("IfMatch"):
                raise
            return self.put(key, data, **condition)

    def delete_conditional(self, key: str, etag: str) -> None:
        """Delete ``key`` only while its ETag is ``etag``; a 409 is retried once the same way.

        A delete whose outcome is unknown is settled by a HEAD: gone is done; another ETag
        means the record is no longer the one we meant (refused); the same one, try again."""

        def settle() -> dict[str, Any] | None:
            current = self.current_etag(key)
            if current is None:
                return {}
            if current != etag:
                raise Refused(PRECONDITION_FAILED)
            return None

        def delete() -> None:
            self.call("DeleteObject", key, refusals=REFUSALS, settle=settle, Key=key, IfMatch=etag)

        try:
            delete()
        except Refused as exc:
            if exc.code != CONDITIONAL_CONFLICT or self.current_etag(key) != etag:
                raise
            delete()

    def landed(self, key: str, data: bytes) -> dict[str, Any] | None:
        """After a 412: the object, if it holds exactly our bytes (botocore retried a request
        whose first attempt had landed); otherwise None. Bodies carry nonces, so equal bytes
        mean our write."""
        current = self.get(key)
        if current is not None and current["Data"] == data:
            return current
        return None

    def list_keys(self, prefix: str, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        """All keys and common prefixes under ``prefix`` (every page)."""
        keys: list[str] = []
        prefixes: list[str] = []
        params: dict[str, Any] = {"Prefix": prefix}
        if delimiter:
            params["Delimiter"] = delimiter
        while True:
            page = self.call("ListObjectsV2", prefix, **params)
            keys += [o["Key"] for o in page.get("Contents", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            if not page.get("IsTruncated"):
                return keys, prefixes
            params["ContinuationToken"] = page["NextContinuationToken"]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        """Bodies of ``keys`` in order (None for a key deleted meanwhile), read in parallel."""

        def one(key: str) -> bytes | None:
            response = self.get(key)
            return None if response is None else bytes(response["Data"])

        if len(keys) <= 2:
            return [one(k) for k in keys]
        with ThreadPoolExecutor(max_workers=min(_PARALLEL_READS, len(keys))) as pool:
            return list(pool.map(one, keys))

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            response = self.call(
                "DeleteObjects",
                batch[0],
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise BackendError(
                    f"S3 could not delete {len(errors)} object(s) of backend {self.url}, e.g. "
                    f"{self.uri(first.get('Key', '?'))}: {first.get('Code')} "
                    f"{first.get('Message', '')}".rstrip()
                )


def _snake(op: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


def _refusal_code(exc: botocore.exceptions.ClientError) -> str | None:
    """The refusal an S3 error stands for, by status first (HEAD answers carry no code)."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == PRECONDITION_FAILED or status == 412:
        return PRECONDITION_FAILED
    if code == CONDITIONAL_CONFLICT:
        return CONDITIONAL_CONFLICT
    if code in (NO_SUCH_KEY, "404", "NotFound"):
        return NO_SUCH_KEY
    return None
