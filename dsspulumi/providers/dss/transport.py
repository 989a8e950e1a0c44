"""The HTTP seam under ``dataikuapi``: retries with backoff for what is safe to retry.

``DSSClient`` has no retry and no timeout of its own, and its only exception,
``DataikuException``, carries no status code. So the decisions that need the
status (retry a 5xx, never a 4xx; tell an HTML 404 page from DSS) are taken
here, on the requests ``Session`` the client talks through, with an adapter
mounted the way requests documents (``Session.mount``).

What is retried:
- GET, HEAD, PUT, DELETE, OPTIONS (idempotent in DSS's API: a PUT sends the
  whole document, a repeated DELETE finds nothing) on HTTP 5xx and on any
  connection failure;
- every method, POST included, when the connection could not be opened (the
  request was never sent).
A POST that got a 5xx or lost its connection after sending is *not* retried:
its outcome is unknown, and only the caller can find out (creates are
verified through the ownership mark). A 4xx is a refusal: never retried.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import attrs
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from dsspulumi.provider import RetryEvent
from dsspulumi.providers.dss.breaker import Breaker, DssDown

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
API_ROOT = "/dip/publicapi"


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits up to base * 2**n, capped."""

    retries: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    # Opening a connection: without a bound, a host that vanished holds each attempt for
    # the OS's SYN retries (about 2 minutes). Reading an answer stays unbounded.
    connect_timeout: float = 5.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


class TransientHTTPError(requests.exceptions.RequestException):
    """A 5xx answer that was not (or no longer) retried; carries the response."""

    def __init__(self, response: requests.Response, attempts: int) -> None:
        super().__init__(f"HTTP {response.status_code}", response=response)
        self.attempts = attempts


class _LastError(threading.local):
    status: int | None = None
    url: str = ""
    is_json: bool = True


last_error = _LastError()
"""The last error answer this thread received (status, URL, whether its body was JSON)."""


class _ServerClock(threading.local):
    now: float | None = None


server_clock = _ServerClock()
"""DSS's own clock (the ``Date`` header) as of the last answer this thread received."""


def _note_date(response: requests.Response) -> None:
    try:
        server_clock.now = parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, TypeError, ValueError, IndexError):
        server_clock.now = None


def api_path(url: str) -> str:
    path = urlsplit(url).path
    return path[len(API_ROOT) :] if path.startswith(API_ROOT) else path


def error_text(response: requests.Response) -> tuple[str, bool]:
    """DSS's message from an error body, and whether the body was a DSS (JSON) error at all."""
    try:
        body = response.json()
    except ValueError:
        return "", False
    if not isinstance(body, dict):
        return "", False
    message = body.get("detailedMessage") or body.get("message") or ""
    kind = body.get("errorType") or ""
    return (f"{kind}: {message}" if kind else str(message)), True


# A Java class name as DSS puts it before its message ("java.lang.IllegalArgumentException:",
# "com.dataiku.dip.exceptions.CodedException:"); dataikuapi's own "Unknown error:" too.
_JAVA_CLASS = re.compile(
    r"(?:\b(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)\b|^Unknown error\b):?\s*"
)


def dss_sentence(text: str) -> str:
    """DSS's message without the Java exception class names around it: what a user reads.

    ``java.lang.IllegalArgumentException: Connection 'x' does not exist`` becomes
    ``Connection 'x' does not exist``; a message that is only a class name keeps its short
    name (``NullPointerException``), rather than saying nothing.
    """
    cleaned = _JAVA_CLASS.sub("", text).strip(" :")
    if cleaned:
        return cleaned
    names = re.findall(r"([A-Z][\w$]*(?:Exception|Error))\b", text)
    return f"an internal error in DSS ({names[-1]})" if names else text.strip()


def never_sent(exc: BaseException) -> bool:
    """True when the connection could not even be opened: the request did not reach DSS."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | DssDown):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class RetryingAdapter(HTTPAdapter):
    def __init__(
        self,
        policy: RetryPolicy,
        on_retry: Callable[[RetryEvent], None] | None = None,
        *,
        urn: Callable[[], str | None] = lambda: None,
        breaker: Breaker | None = None,
    ) -> None:
        super().__init__()
        self.policy = policy
        self.on_retry = on_retry
        self.urn = urn
        self.breaker = breaker

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        method = (request.method or "GET").upper()
        safe = method in IDEMPOTENT
        if not args and kwargs.get("timeout") is None:
            kwargs["timeout"] = (self.policy.connect_timeout, None)
        breaker = self.breaker
        attempt = 0
        while True:
            if breaker is not None:
                breaker.check()  # DSS is down for this run: fail at once, nothing sent
            try:
                response = super().send(request, *args, **kwargs)
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                refused = never_sent(exc)
                if refused and breaker is not None:
                    breaker.refused()
                if not (safe or refused) or attempt >= self.policy.retries:
                    if refused and breaker is not None:
                        breaker.trip()  # every retry refused: DSS is down
                    raise
                reason = "connection failed" if refused else "connection lost"
            else:
                if breaker is not None:
                    breaker.answered()
                _note_date(response)
                if response.status_code < 500:
                    if response.status_code >= 400:
                        last_error.status = response.status_code
                        last_error.url = response.url or ""
                        last_error.is_json = error_text(response)[1]
                    return response
                if not safe or attempt >= self.policy.retries:
                    raise TransientHTTPError(response, attempt + 1)
                reason = f"HTTP {response.status_code}"
                response.close()
            delay = self.policy.delay(attempt)
            if self.on_retry is not None:
                self.on_retry(
                    RetryEvent(
                        method=method,
                        path=api_path(request.url or ""),
                        attempt=attempt + 1,
                        attempts=self.policy.retries + 1,
                        reason=reason,
                        delay=round(delay, 3),
                        urn=self.urn(),
                    )
                )
            time.sleep(delay)
            attempt += 1


def describe_transient(exc: TransientHTTPError) -> str:
    text, is_dss = error_text(exc.response) if exc.response is not None else ("", False)
    status = exc.response.status_code if exc.response is not None else "?"
    tries = f" after {exc.attempts} attempts" if exc.attempts > 1 else ""
    if is_dss and text:
        return f"{dss_sentence(text)} (HTTP {status}{tries})"
    return f"HTTP {status}{tries}, not a DSS answer"


def environment_read_once(session: requests.Session, url: str) -> None:
    """Read what requests takes from the environment (proxies for ``url`` with NO_PROXY
    applied, a CA bundle) once, and stop it reading again on every call.

    requests walks ``os.environ`` for the proxy variables on each request: a fifth of the
    CPU time of an ``up``, where the engine's threads share one interpreter. Every call of
    a session goes to the one DSS URL, so one reading gives the same settings. (``netrc``,
    which ``trust_env`` also gates, is never used: the API key is the session's auth.)"""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies = dict(settings["proxies"] or {})
    session.verify = settings["verify"]
    session.trust_env = False
