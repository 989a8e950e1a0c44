"""State in an S3 bucket, one protocol with the local backend, for teams and CI.

Layout under ``s3://bucket/prefix/`` (the same logical layout as the local backend)::

    <stack>/<env>.json                         current state; its version is the object's ETag
    <stack>/<env>.journal/<seq:08d>.json       step records of the running update (one object each)
    <stack>/<env>.lock.json                    the lock record (JSON of LockInfo); token = ETag
    <stack>/history/<env>/<n:06d>.json         one copy per completed update (+ <n>.meta)

Why it is safe without a database: every write that could clobber another run's
work is a *conditional* write that S3 checks atomically. A new state or journal
record or lock is created with ``If-None-Match: *``; a state or lock is replaced
with ``If-Match: <the ETag we read>``; a lock is deleted with ``If-Match``. A
writer that lost its lock therefore can never overwrite a newer state: its write
is refused (412) and reported as ``StateConflictError``, never retried blindly.
ETags are opaque (not MD5 for KMS objects): they are compared, never computed.
Every body we write differs from every other (the state and lock records carry a
nonce), so a compare-and-swap can never succeed against other bytes that happen
to be equal.

Two refusals are looked at twice, because they are not what they seem:

- 409 ``ConditionalRequestConflict`` (real S3, never moto) means a concurrent
  conditional request won a race on the key: the ETag is read again and the write
  retried once, only if the object is still the one we expected.
- a 412 after botocore transparently retried a request whose first attempt did
  land (timeout, reset connection) is our own write: the object is read and, if it
  holds exactly our bytes, the write counts as done.

Lock age is measured with the server's clock only: the ``Date`` header of the
GetObject response minus the object's ``Last-Modified`` — hosts with skewed clocks
cannot break each other's locks. Both have one-second resolution, so the age is
rounded *down* by a second: a lock is never broken before it is certainly stale.

Cost grows with the change, not with the stack: a step writes one small journal
object; the full state is written once at the end of a run; history copies the
state object server-side (CopyObject) instead of uploading it again.

Third-party errors are translated here, once, into one-line ``BackendError``
messages that name the bucket and what to check.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import boto3
import botocore.config
import botocore.exceptions

from dsspulumi.backends.base import Backend, LockInfo, ObservedLock, Versioned
from dsspulumi.backends.s3_retry import backoff, s3_retries, transient
from dsspulumi.errors import (
    BackendError,
    ConfigError,
    LockLostError,
    StateConflictError,
    StateError,
)

PRECONDITION_FAILED = "PreconditionFailed"  # 412: If-Match / If-None-Match did not hold
NO_SUCH_KEY = "NoSuchKey"  # 404: also what If-Match on a missing key answers
CONDITIONAL_CONFLICT = "ConditionalRequestConflict"  # 409: a concurrent conditional request

REFUSALS = (PRECONDITION_FAILED, NO_SUCH_KEY, CONDITIONAL_CONFLICT)

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
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


class _Refused(Exception):
    """A conditional request S3 declined (412, 404 on If-Match, 409): the caller decides."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@attrs.frozen
class S3Location:
    """A parsed ``s3://bucket/prefix?options`` backend URL."""

    bucket: str
    prefix: str  # "" or "a/b" (no leading or trailing slash)
    sse: str = "AES256"  # or "aws:kms"
    kms_key_id: str | None = None
    addressing_style: str | None = None  # "path", "virtual", "auto"; None: decide by endpoint


def parse_s3_url(url: str) -> S3Location:
    """Parse a backend URL; a malformed one is a ConfigError that shows the accepted forms."""
    forms = "use s3://BUCKET or s3://BUCKET/PREFIX (options: ?sse=aws:kms&kms_key_id=KEY)"
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"backend URL {url!r} names no bucket: {forms}")
    bucket = parts.netloc
    if not _BUCKET_NAME.match(bucket) or ".." in bucket:
        raise ConfigError(
            f"backend URL {url!r}: {bucket!r} is not a valid S3 bucket name (3-63 lowercase "
            f"letters, digits, dots and hyphens): {forms}"
        )
    segments = [s for s in parts.path.split("/") if s]
    if any(s in (".", "..") for s in segments) or "//" in parts.path.strip("/"):
        raise ConfigError(f"backend URL {url!r}: the prefix {parts.path!r} is not a plain path")
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(options) - {"sse", "kms_key_id", "addressing_style"}
    if unknown:
        raise ConfigError(f"backend URL {url!r}: unknown option(s) {sorted(unknown)}: {forms}")
    sse = options.get("sse", "AES256") or "AES256"
    if sse.lower() in ("aes256", "s3", "sse-s3"):
        sse = "AES256"
    elif sse.lower() in ("aws:kms", "kms", "sse-kms"):
        sse = "aws:kms"
    else:
        raise ConfigError(f"backend URL {url!r}: sse must be AES256 or aws:kms (got {sse!r})")
    kms_key_id = options.get("kms_key_id") or None
    if kms_key_id and sse != "aws:kms":
        raise ConfigError(f"backend URL {url!r}: kms_key_id needs sse=aws:kms")
    style = options.get("addressing_style") or None
    if style not in (None, "path", "virtual", "auto"):
        raise ConfigError(
            f"backend URL {url!r}: addressing_style must be path, virtual or auto (got {style!r})"
        )
    return S3Location(bucket, "/".join(segments), sse, kms_key_id, style)


@attrs.define
class _Written:
    """The last state document this backend wrote, so history can copy it server-side."""

    etag: str
    version_id: str | None
    digest: str


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class S3Backend(Backend):
    """The backend for ``s3://bucket/prefix``: boto3's credential chain, AWS_ENDPOINT_URL aware.

    ``client`` may be passed in (tests use botocore's Stubber on it); otherwise one
    is created on first use, so building a backend never touches the network.
    ``counters`` counts requests by S3 operation plus bytes written, for benchmarks.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        url: str | None = None,
        *,
        sse: str = "AES256",
        kms_key_id: str | None = None,
        addressing_style: str | None = None,
        client: Any = None,
        retries: int | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = url or f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.sse = sse
        self.kms_key_id = kms_key_id
        self.addressing_style = addressing_style
        self._client = client
        self._client_lock = threading.Lock()
        self._counter_lock = threading.Lock()
        self._written: dict[tuple[str, str], _Written] = {}
        self.retries = s3_retries() if retries is None else retries
        self.counters: dict[str, int] = {"requests": 0, "bytes_written": 0, "bytes_copied": 0}

    @classmethod
    def from_url(cls, url: str) -> S3Backend:
        loc = parse_s3_url(url)
        return cls(
            loc.bucket,
            loc.prefix,
            url,
            sse=loc.sse,
            kms_key_id=loc.kms_key_id,
            addressing_style=loc.addressing_style,
        )

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

    def _count(self, op: str, written: int = 0, copied: int = 0) -> None:
        with self._counter_lock:
            self.counters["requests"] += 1
            self.counters[op] = self.counters.get(op, 0) + 1
            self.counters["bytes_written"] += written
            self.counters["bytes_copied"] += copied

    def _call(
        self,
        op: str,
        key: str | None,
        *,
        refusals: tuple[str, ...] = (),
        settle: Callable[[], dict[str, Any] | None] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """One S3 request, counted; errors in ``refusals`` raise _Refused, others BackendError.

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
                    raise _Refused(code) from exc
                if attempt >= self.retries or not transient(exc):
                    raise self._translate(op, key, exc) from exc
            except botocore.exceptions.BotoCoreError as exc:
                if attempt >= self.retries or not transient(exc):
                    raise self._translate(op, key, exc) from exc
            time.sleep(backoff(attempt))
            attempt += 1
            if settle is not None:
                landed = settle()
                if landed is not None:
                    return landed

    def _translate(self, op: str, key: str | None, exc: Exception) -> BackendError:
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
                    f"on arn:aws:s3:::{b}/{self._root()}* and s3:ListBucket on "
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

    # --- keys -----------------------------------------------------------------------------------
    def _root(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def _state_key(self, stack: str, env: str) -> str:
        return f"{self._root()}{stack}/{env}.json"

    def _journal_prefix(self, stack: str, env: str) -> str:
        return f"{self._root()}{stack}/{env}.journal/"

    def _lock_key(self, stack: str, env: str) -> str:
        return f"{self._root()}{stack}/{env}.lock.json"

    def _history_prefix(self, stack: str, env: str) -> str:
        return f"{self._root()}{stack}/history/{env}/"

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def where(self, stack: str, env: str) -> str:
        return self._uri(self._state_key(stack, env))

    def history_hint(self, stack: str, env: str) -> str:
        return (
            f"earlier versions are kept under {self._uri(self._history_prefix(stack, env))} "
            f"(and as object versions of {self.where(stack, env)} when bucket versioning is "
            f"on): `dss stack history {stack} -e {env}` lists them; restore one with "
            f"`dss stack history {stack} -e {env} --show N > good.json` and "
            f"`dss stack import {stack} -e {env} good.json --force`"
        )

    # --- request helpers ------------------------------------------------------------------------
    def _sse(self) -> dict[str, Any]:
        params = {"ServerSideEncryption": self.sse}
        if self.sse == "aws:kms" and self.kms_key_id:
            params["SSEKMSKeyId"] = self.kms_key_id
        return params

    def _put(self, key: str, data: bytes, **condition: str) -> dict[str, Any]:
        """A put; a conditional one whose outcome is unknown counts as done if the key now
        holds exactly ``data`` (every body carries a nonce: equal bytes mean our write)."""
        return self._call(
            "PutObject",
            key,
            refusals=REFUSALS,
            settle=(lambda: self._landed(key, data)) if condition else None,
            Key=key,
            Body=data,
            ContentType="application/json",
            **self._sse(),
            **condition,
        )

    def _get(self, key: str) -> dict[str, Any] | None:
        """GetObject with the body read; None if the key does not exist."""
        try:
            response = self._call("GetObject", key, refusals=(NO_SUCH_KEY,), Key=key)
        except _Refused:
            return None
        try:
            response["Data"] = response["Body"].read()
        except botocore.exceptions.BotoCoreError as exc:
            raise self._translate("GetObject", key, exc) from exc
        return response

    def _current_etag(self, key: str) -> str | None:
        try:
            return str(self._call("HeadObject", key, refusals=(NO_SUCH_KEY,), Key=key)["ETag"])
        except _Refused:
            return None

    def _put_conditional(self, key: str, data: bytes, **condition: str) -> dict[str, Any]:
        """A conditional put; a 409 is retried once, only if the key is still as expected."""
        try:
            return self._put(key, data, **condition)
        except _Refused as exc:
            if exc.code != CONDITIONAL_CONFLICT:
                raise
            if self._current_etag(key) != condition.get("IfMatch"):
                raise
            return self._put(key, data, **condition)

    def _delete_conditional(self, key: str, etag: str) -> None:
        """Delete ``key`` only while its ETag is ``etag``; a 409 is retried once the same way.

        A delete whose outcome is unknown is settled by a HEAD: gone is done; another ETag
        means the record is no longer the one we meant (refused); the same one, try again."""

        def settle() -> dict[str, Any] | None:
            current = self._current_etag(key)
            if current is None:
                return {}
            if current != etag:
                raise _Refused(PRECONDITION_FAILED)
            return None

        def delete() -> None:
            self._call("DeleteObject", key, refusals=REFUSALS, settle=settle, Key=key, IfMatch=etag)

        try:
            delete()
        except _Refused as exc:
            if exc.code != CONDITIONAL_CONFLICT or self._current_etag(key) != etag:
                raise
            delete()

    def _landed(self, key: str, data: bytes) -> dict[str, Any] | None:
        """After a 412: the object, if it holds exactly our bytes (botocore retried a request
        whose first attempt had landed); otherwise None. Bodies carry nonces, so equal bytes
        mean our write."""
        current = self._get(key)
        if current is not None and current["Data"] == data:
            return current
        return None

    def _list(self, prefix: str, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        """All keys and common prefixes under ``prefix`` (every page)."""
        keys: list[str] = []
        prefixes: list[str] = []
        params: dict[str, Any] = {"Prefix": prefix}
        if delimiter:
            params["Delimiter"] = delimiter
        while True:
            page = self._call("ListObjectsV2", prefix, **params)
            keys += [o["Key"] for o in page.get("Contents", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            if not page.get("IsTruncated"):
                return keys, prefixes
            params["ContinuationToken"] = page["NextContinuationToken"]

    def _get_many(self, keys: list[str]) -> list[bytes | None]:
        """Bodies of ``keys`` in order (None for a key deleted meanwhile), read in parallel."""

        def one(key: str) -> bytes | None:
            response = self._get(key)
            return None if response is None else bytes(response["Data"])

        if len(keys) <= 2:
            return [one(k) for k in keys]
        with ThreadPoolExecutor(max_workers=min(_PARALLEL_READS, len(keys))) as pool:
            return list(pool.map(one, keys))

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            response = self._call(
                "DeleteObjects",
                batch[0],
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise BackendError(
                    f"S3 could not delete {len(errors)} object(s) of backend {self.url}, e.g. "
                    f"{self._uri(first.get('Key', '?'))}: {first.get('Code')} "
                    f"{first.get('Message', '')}".rstrip()
                )

    # --- state ----------------------------------------------------------------------------------
    def read_state(self, stack: str, env: str) -> Versioned | None:
        response = self._get(self._state_key(stack, env))
        if response is None:
            return None
        return Versioned(bytes(response["Data"]), str(response["ETag"]))

    def write_state(self, stack: str, env: str, data: bytes, *, expected: str | None) -> str:
        key = self._state_key(stack, env)
        condition = {"IfNoneMatch": "*"} if expected is None else {"IfMatch": expected}
        try:
            response = self._put_conditional(key, data, **condition)
        except _Refused as exc:
            landed = self._landed(key, data) if exc.code == PRECONDITION_FAILED else None
            if landed is None:
                raise self._state_conflict(stack, env, expected, exc.code) from None
            response = landed
        etag = str(response["ETag"])
        self._written[(stack, env)] = _Written(etag, response.get("VersionId"), _digest(data))
        return etag

    def _state_conflict(
        self, stack: str, env: str, expected: str | None, code: str
    ) -> StateConflictError:
        where = self.where(stack, env)
        tail = "nothing was overwritten; run the command again"
        if code == CONDITIONAL_CONFLICT:
            what = "another run was writing it at the same moment (409 ConditionalRequestConflict)"
        elif expected is None:
            what = "another run created it since this run found none (412 PreconditionFailed)"
        elif code == NO_SUCH_KEY:
            what = f"it was deleted since this run read version {expected} (404 NoSuchKey)"
        else:
            found = self._current_etag(self._state_key(stack, env))
            what = (
                f"another run wrote it since this run read it (expected version {expected}, "
                f"found {found}; 412 PreconditionFailed)"
            )
        return StateConflictError(f"state {where} changed: {what}; {tail}")

    # --- journal --------------------------------------------------------------------------------
    def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
        key = f"{self._journal_prefix(stack, env)}{seq:08d}.json"
        try:
            self._put_conditional(key, data, IfNoneMatch="*")
        except _Refused as exc:
            if exc.code == PRECONDITION_FAILED and self._landed(key, data) is not None:
                return
            raise StateConflictError(
                f"journal record {self._uri(key)} already exists or is being written "
                f"({exc.code}): another run is writing stack '{stack}' (env '{env}')"
            ) from None

    def _journal_keys(self, stack: str, env: str) -> list[str]:
        prefix = self._journal_prefix(stack, env)
        keys, _ = self._list(prefix)
        return sorted(k for k in keys if re.fullmatch(r"\d{8}\.json", k[len(prefix) :]))

    def read_journal(self, stack: str, env: str) -> list[bytes]:
        # S3 puts are atomic: there are no torn records to leave out. A record deleted
        # between list and get (a concurrent compaction seen by a lock-free preview) is
        # skipped; the records name the state version they build on.
        return [d for d in self._get_many(self._journal_keys(stack, env)) if d is not None]

    def clear_journal(self, stack: str, env: str) -> None:
        self._delete_keys(self._journal_keys(stack, env))

    # --- history --------------------------------------------------------------------------------
    def append_history(self, stack: str, env: str, data: bytes, meta: dict[str, Any]) -> None:
        """Copy the state server-side when ``data`` is what this backend just wrote (no second
        upload of a large state); upload ``data`` otherwise. Numbers are never reused: each
        entry is created with If-None-Match, and a taken number moves on to the next."""
        prefix = self._history_prefix(stack, env)
        keys, _ = self._list(prefix)
        numbers = [int(m.group(1)) for k in keys if (m := _HISTORY_KEY.fullmatch(k[len(prefix) :]))]
        n = max(numbers, default=0) + 1
        for _ in range(20):
            key = f"{prefix}{n:06d}.json"
            if self._copy_state_to(stack, env, data, key) or self._put_history(key, data):
                self._call(
                    "PutObject",
                    key,
                    Key=f"{prefix}{n:06d}.meta",
                    Body=json.dumps(meta).encode(),
                    ContentType="application/json",
                    **self._sse(),
                )
                return
            n += 1
        raise StateConflictError(
            f"could not find a free history number under {self._uri(prefix)}: another run is "
            "writing history for this stack"
        )

    def _copy_state_to(self, stack: str, env: str, data: bytes, key: str) -> bool:
        written = self._written.get((stack, env))
        if written is None or written.digest != _digest(data):
            return False
        source: dict[str, str] = {"Bucket": self.bucket, "Key": self._state_key(stack, env)}
        condition: dict[str, Any] = {}
        if written.version_id and written.version_id != "null":
            source["VersionId"] = written.version_id  # exactly the version we wrote
        else:
            condition["CopySourceIfMatch"] = written.etag  # unversioned: still the same object
        try:
            self._call(
                "CopyObject",
                key,
                refusals=REFUSALS,
                Key=key,
                CopySource=source,
                IfNoneMatch="*",
                **condition,
                **self._sse(),
            )
        except _Refused:
            return False  # source changed or gone, or number taken: the upload path decides
        with self._counter_lock:
            self.counters["bytes_copied"] += len(data)
        return True

    def _put_history(self, key: str, data: bytes) -> bool:
        try:
            self._put_conditional(key, data, IfNoneMatch="*")
        except _Refused as exc:
            if exc.code == PRECONDITION_FAILED and self._landed(key, data) is not None:
                return True
            return False
        return True

    def list_history(self, stack: str, env: str) -> list[dict[str, Any]]:
        prefix = self._history_prefix(stack, env)
        keys, _ = self._list(prefix)
        metas = sorted(k for k in keys if re.fullmatch(r"\d{6}\.meta", k[len(prefix) :]))
        entries = []
        for key, raw in zip(metas, self._get_many(metas), strict=True):
            if raw is None:
                continue
            try:
                info = json.loads(raw)
            except ValueError:
                info = {"error": "unreadable metadata"}
            info["version"] = int(key[len(prefix) :].split(".")[0])
            entries.append(info)
        return entries

    def read_history(self, stack: str, env: str, version: int) -> bytes:
        response = self._get(f"{self._history_prefix(stack, env)}{version:06d}.json")
        if response is None:
            raise StateError(f"no history entry {version} for stack '{stack}' (env '{env}')")
        return bytes(response["Data"])

    # --- locks ----------------------------------------------------------------------------------
    @staticmethod
    def _lock_body(info: LockInfo) -> bytes:
        return json.dumps({**info.to_dict(), "nonce": uuid.uuid4().hex}).encode()

    def try_lock(self, stack: str, env: str, info: LockInfo) -> Any | None:
        key = self._lock_key(stack, env)
        try:
            return str(self._put(key, self._lock_body(info), IfNoneMatch="*")["ETag"])
        except _Refused as exc:
            if exc.code != PRECONDITION_FAILED:
                return None  # 409: someone else's create is in flight; the protocol retries
        # Ours after all? (botocore retried a create whose first attempt landed.)
        current = self._get(key)
        if current is not None and _record_id(current["Data"]) == info.id:
            return str(current["ETag"])
        return None

    def observe_lock(self, stack: str, env: str) -> ObservedLock | None:
        response = self._get(self._lock_key(stack, env))
        if response is None:
            return None
        try:
            info: LockInfo | None = LockInfo.from_dict(json.loads(response["Data"]))
        except (ValueError, TypeError, AttributeError):
            info = None
        return ObservedLock(info=info, token=str(response["ETag"]), age=_server_age(response))

    def renew_lock(self, stack: str, env: str, info: LockInfo, token: Any) -> Any:
        key = self._lock_key(stack, env)
        body = self._lock_body(info)
        try:
            return str(self._put_conditional(key, body, IfMatch=str(token))["ETag"])
        except _Refused as exc:
            if exc.code == PRECONDITION_FAILED and (current := self._get(key)) is not None:
                # Still our run's record (its id), written by a renewal whose answer was lost
                # and could not be read back then: the lock is ours, under that ETag.
                if _record_id(current["Data"]) == info.id:
                    return str(current["ETag"])
            what = "removed" if exc.code == NO_SUCH_KEY else "replaced"
            raise LockLostError(
                f"lock record {self._uri(key)} was {what} by another run ({exc.code})"
            ) from None

    def release_lock(self, stack: str, env: str, token: Any) -> None:
        # Not ours any more (broken and maybe retaken): leave the new holder's record alone.
        with contextlib.suppress(_Refused):
            self._delete_conditional(self._lock_key(stack, env), str(token))

    def break_lock(self, stack: str, env: str, observed: ObservedLock) -> bool:
        if not observed.token:
            return False
        try:
            self._delete_conditional(self._lock_key(stack, env), str(observed.token))
        except _Refused:
            return False  # renewed, released or retaken since it was observed
        return True

    def remove_lock_record(self, stack: str, env: str) -> bool:
        """For `dss stack unlock --force`: delete exactly the record seen now (if any)."""
        observed = self.observe_lock(stack, env)
        return observed is None or self.break_lock(stack, env, observed)

    # --- stacks ---------------------------------------------------------------------------------
    def list_stacks(self) -> Iterator[tuple[str, str]]:
        # One listing of the top level, then one per stack of its direct children: history
        # and journals stay in common prefixes and are never enumerated.
        root = self._root()
        _, stack_prefixes = self._list(root, "/")
        for stack_prefix in sorted(stack_prefixes):
            stack = stack_prefix[len(root) :].rstrip("/")
            keys, _ = self._list(stack_prefix, "/")
            for key in sorted(keys):
                name = key[len(stack_prefix) :]
                if name.endswith(".json") and not name.endswith(".lock.json"):
                    yield stack, name[: -len(".json")]

    def delete_stack(self, stack: str, env: str) -> None:
        keys = [self._state_key(stack, env), *self._journal_keys(stack, env)]
        keys.append(self._lock_key(stack, env))
        self._delete_keys(keys)
        self._written.pop((stack, env), None)


_HISTORY_KEY = re.compile(r"(\d{6})\.(?:json|meta)")


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


def _record_id(data: bytes) -> str | None:
    try:
        return str(json.loads(data).get("id"))
    except (ValueError, AttributeError):
        return None


def _server_age(response: dict[str, Any], now: Callable[[], float] = time.time) -> float | None:
    """Seconds since the object was last written, by the server's clock (``Date`` header).

    Both timestamps have one-second resolution, so the true age can be up to a second
    less than their difference: the result is rounded down by that second, so a lock
    is never judged stale early. Without a ``Date`` header, the local clock is used.
    """
    modified = response.get("LastModified")
    if not isinstance(modified, datetime):
        return None
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    server_now: float | None = None
    if headers.get("date"):
        with contextlib.suppress(TypeError, ValueError):
            server_now = email.utils.parsedate_to_datetime(headers["date"]).timestamp()
    if server_now is None:
        server_now = now()
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)
    return max(0.0, server_now - modified.timestamp() - 1.0)
