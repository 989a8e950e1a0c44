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

This module is the protocol: which key holds what and what each refusal means. How one
request reaches S3 (the client, the retry budget, conditional puts and deletes, listings)
is ``S3Objects`` in ``s3_objects.py``, which the backend composes; third-party errors are
translated there, once, into one-line ``BackendError`` messages that name the bucket and
what to check.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Unpack
from urllib.parse import parse_qs, urlsplit

import attrs

from dsspulumi.backends.base import Backend, LockInfo, ObservedLock, Versioned, restore_steps
from dsspulumi.backends.s3_objects import (
    CONDITIONAL_CONFLICT,
    NO_SUCH_KEY,
    PRECONDITION_FAILED,
    REFUSALS,
    Refused,
    S3Objects,
    S3Options,
)
from dsspulumi.errors import ConfigError, LockLostError, StateConflictError, StateError

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


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

    Requests go through ``objects`` (``S3Objects``). ``client`` may be passed in (tests use
    botocore's Stubber on it); otherwise one is created on first use, so building a backend
    never touches the network. ``counters`` counts requests by S3 operation plus bytes
    written, for benchmarks.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        url: str | None = None,
        **options: Unpack[S3Options],
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = url or f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.objects = S3Objects(bucket, self._root(), self.url, **options)
        self.sse = self.objects.sse
        self.kms_key_id = self.objects.kms_key_id
        self.addressing_style = self.objects.addressing_style
        self._written: dict[tuple[str, str], _Written] = {}

    @property
    def client(self) -> Any:
        """The boto3 S3 client, created on first use (credentials are resolved per request)."""
        return self.objects.client

    @property
    def counters(self) -> dict[str, int]:
        return self.objects.counters

    @property
    def retries(self) -> int:
        """How many more rounds the backend tries above botocore's attempts (``s3_retry``)."""
        return self.objects.retries

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
        return self.objects.uri(key)

    def where(self, stack: str, env: str) -> str:
        return self._uri(self._state_key(stack, env))

    def history_hint(self, stack: str, env: str) -> str:
        return (
            f"earlier versions are kept under {self._uri(self._history_prefix(stack, env))} "
            f"(and as object versions of {self.where(stack, env)} when bucket versioning is "
            "on): " + restore_steps(stack, env)
        )

    # --- state ----------------------------------------------------------------------------------
    def read_state(self, stack: str, env: str) -> Versioned | None:
        response = self.objects.get(self._state_key(stack, env))
        if response is None:
            return None
        return Versioned(bytes(response["Data"]), str(response["ETag"]))

    def write_state(self, stack: str, env: str, data: bytes, *, expected: str | None) -> str:
        key = self._state_key(stack, env)
        condition = {"IfNoneMatch": "*"} if expected is None else {"IfMatch": expected}
        try:
            response = self.objects.put_conditional(key, data, **condition)
        except Refused as exc:
            landed = self.objects.landed(key, data) if exc.code == PRECONDITION_FAILED else None
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
            found = self.objects.current_etag(self._state_key(stack, env))
            what = (
                f"another run wrote it since this run read it (expected version {expected}, "
                f"found {found}; 412 PreconditionFailed)"
            )
        return StateConflictError(f"state {where} changed: {what}; {tail}")

    # --- journal --------------------------------------------------------------------------------
    def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
        key = f"{self._journal_prefix(stack, env)}{seq:08d}.json"
        try:
            self.objects.put_conditional(key, data, IfNoneMatch="*")
        except Refused as exc:
            if exc.code == PRECONDITION_FAILED and self.objects.landed(key, data) is not None:
                return
            raise StateConflictError(
                f"journal record {self._uri(key)} already exists or is being written "
                f"({exc.code}): another run is writing stack '{stack}' (env '{env}')"
            ) from None

    def _journal_keys(self, stack: str, env: str) -> list[str]:
        prefix = self._journal_prefix(stack, env)
        keys, _ = self.objects.list_keys(prefix)
        return sorted(k for k in keys if re.fullmatch(r"\d{8}\.json", k[len(prefix) :]))

    def read_journal(self, stack: str, env: str) -> list[bytes]:
        # S3 puts are atomic: there are no torn records to leave out. A record deleted
        # between list and get (a concurrent compaction seen by a lock-free preview) is
        # skipped; the records name the state version they build on.
        return [d for d in self.objects.get_many(self._journal_keys(stack, env)) if d is not None]

    def clear_journal(self, stack: str, env: str) -> None:
        self.objects.delete_keys(self._journal_keys(stack, env))

    # --- history --------------------------------------------------------------------------------
    def append_history(self, stack: str, env: str, data: bytes, meta: dict[str, Any]) -> None:
        """Copy the state server-side when ``data`` is what this backend just wrote (no second
        upload of a large state); upload ``data`` otherwise. Numbers are never reused: each
        entry is created with If-None-Match, and a taken number moves on to the next."""
        prefix = self._history_prefix(stack, env)
        keys, _ = self.objects.list_keys(prefix)
        numbers = [int(m.group(1)) for k in keys if (m := _HISTORY_KEY.fullmatch(k[len(prefix) :]))]
        n = max(numbers, default=0) + 1
        for _ in range(20):
            key = f"{prefix}{n:06d}.json"
            if self._copy_state_to(stack, env, data, key) or self._put_history(key, data):
                self.objects.call(
                    "PutObject",
                    key,
                    Key=f"{prefix}{n:06d}.meta",
                    Body=json.dumps(meta).encode(),
                    ContentType="application/json",
                    **self.objects.sse_params(),
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
            self.objects.call(
                "CopyObject",
                key,
                refusals=REFUSALS,
                Key=key,
                CopySource=source,
                IfNoneMatch="*",
                **condition,
                **self.objects.sse_params(),
            )
        except Refused:
            return False  # source changed or gone, or number taken: the upload path decides
        self.objects.count_copied(len(data))
        return True

    def _put_history(self, key: str, data: bytes) -> bool:
        try:
            self.objects.put_conditional(key, data, IfNoneMatch="*")
        except Refused as exc:
            if exc.code == PRECONDITION_FAILED and self.objects.landed(key, data) is not None:
                return True
            return False
        return True

    def list_history(self, stack: str, env: str) -> list[dict[str, Any]]:
        prefix = self._history_prefix(stack, env)
        keys, _ = self.objects.list_keys(prefix)
        metas = sorted(k for k in keys if re.fullmatch(r"\d{6}\.meta", k[len(prefix) :]))
        entries = []
        for key, raw in zip(metas, self.objects.get_many(metas), strict=True):
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
        response = self.objects.get(f"{self._history_prefix(stack, env)}{version:06d}.json")
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
            return str(self.objects.put(key, self._lock_body(info), IfNoneMatch="*")["ETag"])
        except Refused as exc:
            if exc.code != PRECONDITION_FAILED:
                return None  # 409: someone else's create is in flight; the protocol retries
        # Ours after all? (botocore retried a create whose first attempt landed.)
        current = self.objects.get(key)
        if current is not None and _record_id(current["Data"]) == info.id:
            return str(current["ETag"])
        return None

    def observe_lock(self, stack: str, env: str) -> ObservedLock | None:
        response = self.objects.get(self._lock_key(stack, env))
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
            return str(self.objects.put_conditional(key, body, IfMatch=str(token))["ETag"])
        except Refused as exc:
            if exc.code == PRECONDITION_FAILED and (current := self.objects.get(key)) is not None:
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
        with contextlib.suppress(Refused):
            self.objects.delete_conditional(self._lock_key(stack, env), str(token))

    def break_lock(self, stack: str, env: str, observed: ObservedLock) -> bool:
        if not observed.token:
            return False
        try:
            self.objects.delete_conditional(self._lock_key(stack, env), str(observed.token))
        except Refused:
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
        _, stack_prefixes = self.objects.list_keys(root, "/")
        for stack_prefix in sorted(stack_prefixes):
            stack = stack_prefix[len(root) :].rstrip("/")
            keys, _ = self.objects.list_keys(stack_prefix, "/")
            for key in sorted(keys):
                name = key[len(stack_prefix) :]
                if name.endswith(".json") and not name.endswith(".lock.json"):
                    yield stack, name[: -len(".json")]

    def delete_stack(self, stack: str, env: str) -> None:
        keys = [self._state_key(stack, env), *self._journal_keys(stack, env)]
        keys.append(self._lock_key(stack, env))
        self.objects.delete_keys(keys)
        self._written.pop((stack, env), None)


_HISTORY_KEY = re.compile(r"(\d{6})\.(?:json|meta)")


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
