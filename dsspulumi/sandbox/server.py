"""HTTP plumbing around the store: auth, latency, counting, failure injection, access log.

:meth:`Sandbox.handle` is the whole request pipeline as one function of (method, path, headers,
body); the ``http.server`` handler only moves bytes. Order of a public API call:

1. resolve the route template (for counting) and count the call (an unknown route is counted
   as ``"METHOD (unmatched)"`` and, by its path, in the stats' ``unmatched``);
2. sleep ``latency_ms`` *outside* every lock, so concurrent calls overlap as they do on DSS;
3. check the API key (401 ``NotAuthenticatedException`` otherwise);
4. unknown route -> 404 ``Not Found: /dip/publicapi/...``;
5. injected failure *before* the handler, if one is due: a 500 or a dropped connection, and
   nothing changed;
6. run the handler in one database transaction (a write transaction for mutating routes),
   committed -- durably, with ``data_dir`` -- before anything is answered;
7. injected failure *after* the handler, if one is due: the change is done but the client
   gets a 500 or no answer at all (a lost answer, what retries must cope with).

``/__sandbox__/...`` (stats, reset) needs no key, is not counted and never fails on purpose.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import random
import secrets
import socket
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from dsspulumi.background import BackgroundServer

from . import routes
from .errors import ADMIN_LOGIN, NOT_AUTHENTICATED, USER_LOGIN, DssApiError, admin_required
from .legacy import open_store
from .store import Store

if TYPE_CHECKING:
    import dataikuapi

API_ROOTS = ("/dip/publicapi", "/public/api")
CONTROL_ROOT = "/__sandbox__"
DB_FILE = "dss-sandbox.db"
UNMATCHED = "(unmatched)"

#: When an injected failure happens relative to the handler, and what the client gets.
WHENS = ("before", "after")
MODES = ("status", "drop")
#: ``fail_rate`` failures, drawn evenly: (when, mode). A dropped connection comes after the
#: handler ran: the nastiest network fault, a change made whose answer never arrives.
FAIL_MIX: dict[str, tuple[str, str]] = {
    "before": ("before", "status"),
    "after": ("after", "status"),
    "drop": ("after", "drop"),
}
#: ``Sandbox(fail_rate=...)`` keeps its historical behaviour (500s before the handler) unless
#: told otherwise; ``dss sandbox serve --fail-rate`` mixes all three kinds by default.
DEFAULT_FAIL_MIX = ("before",)
ALL_FAIL_KINDS = ("before", "after", "drop")

Response = tuple[int, bytes]
#: Pseudo-response: close the connection without answering.
DROP: Response = (0, b"")


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _error(err: DssApiError) -> Response:
    return err.status, _json_bytes(err.body())


def _not_found_route(path: str) -> Response:
    # Real DSS answers a plain-text "Not Found: <path>", which the client shows as
    # "Unknown error: Not Found: <path>"; this JSON body makes the client show the same text.
    message = f"Not Found: {path}"
    return 404, _json_bytes(
        {"errorType": "Unknown error", "message": message, "detailedMessage": message}
    )


def generate_api_key() -> str:
    """A random key shaped like a DSS personal API key (``dkuaps-`` + 32 alphanumerics)."""
    alphabet = string.ascii_letters + string.digits
    return "dkuaps-" + "".join(secrets.choice(alphabet) for _ in range(32))


class _Failure:
    """One failure to inflict: when (before/after the handler) and how (status/drop)."""

    def __init__(self, when: str, mode: str, error: DssApiError) -> None:
        self.when = when
        self.mode = mode
        self.error = error

    def response(self) -> Response:
        return DROP if self.mode == "drop" else _error(self.error)


@dataclasses.dataclass(eq=False)  # each injection is its own, even when two look alike
class _Injection:
    """A failure armed by the control API: ``remaining`` more times, after ``skip`` more
    matching requests go through."""

    method: str
    route: str
    remaining: int
    status: int
    message: str
    error_type: str
    skip: int
    when: str
    mode: str

    def __post_init__(self) -> None:
        self.method = self.method.upper()

    def matches(self, method: str, template: str) -> bool:
        if self.method not in ("*", method):
            return False
        wanted = routes.normalise_template(self.route)
        return self.route == "*" or wanted == routes.normalise_template(template)


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that remembers open connections so stop() can cut keep-alive ones."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under parallel clients (1 s retries)

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self) -> None:
        with self.sockets_lock:
            open_sockets = list(self.open_sockets)
            self.open_sockets.clear()
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffer the response and send it in one write with Nagle off: headers and body as two
    # small segments would cost ~40 ms per keep-alive call (Nagle + delayed ACK).
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _HTTPServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        status, payload = self.server.sandbox.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        if status == DROP[0]:
            # No status line, no headers: the client sees the connection close unanswered.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the sandbox's own access log (``access_log=``) says what happened."""


class Sandbox(BackgroundServer):
    """An in-process DSS lookalike that the real ``dataikuapi.DSSClient`` can talk to.

    ``api_key=None`` generates a random key (or reuses the one saved in ``data_dir``).
    ``data_dir`` keeps the content in ``<data_dir>/dss-sandbox.db`` (SQLite, WAL; a change is
    committed durably before it is answered); a folder written by the old JSON sandbox is
    migrated on first start. Without it, the content lives in memory only. ``port=0`` picks
    a free port. ``latency_ms`` (settable at run time) delays every API call. ``edition``
    (``enterprise`` or ``free``) is the DSS edition imitated.

    Two API keys: ``api_key`` belongs to the admin user ``admin``; ``user_api_key`` (generated
    unless given, kept in ``data_dir`` like the admin key) to ``sandbox_user``, a non-admin
    user of group ``data_team``, refused on every ``/admin/`` endpoint (403
    ``UnauthorizedException``). ``code_env_seconds`` is how long a code env creation (a long
    task, answered as a running future) takes. ``creation_keeps_fields`` (default False: they
    drop what they carry beyond the basics, the conservative reading of DSS) see ``Store``.

    Failures: ``fail_rate`` makes that fraction of API calls fail (``seed`` makes the draw
    reproducible), each drawn evenly from ``fail_mix``: ``"before"`` (a 500 before the
    handler: nothing changed; the default, as before), ``"after"`` (a 500 after the handler:
    the change is done, the answer lost) and ``"drop"`` (the change is done and the
    connection closed unanswered). ``dss sandbox serve --fail-rate`` uses all three.
    :meth:`inject_failure` targets specific calls. ``access_log`` (a text stream) gets one
    line per request.
    """

    def __init__(
        self,
        api_key: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        *,
        fail_rate: float = 0.0,
        seed: int | None = None,
        fail_mix: tuple[str, ...] | list[str] = DEFAULT_FAIL_MIX,
        edition: str = "enterprise",
        access_log: TextIO | None = None,
        user_api_key: str | None = None,
        code_env_seconds: float = 1.0,
        creation_keeps_fields: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.latency_ms = float(latency_ms)
        self.fail_rate = float(fail_rate)
        unknown = [m for m in fail_mix if m not in FAIL_MIX]
        if unknown or not fail_mix:
            raise ValueError(
                f"unknown failure kind(s) {unknown}: expected some of {', '.join(FAIL_MIX)}"
            )
        self.fail_mix = tuple(fail_mix)
        self.edition = edition
        self.access_log = access_log
        self._log_lock = threading.Lock()
        self._random = random.Random(seed)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._stats_lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._unmatched: dict[str, int] = {}
        self._injected: dict[str, int] = {}
        self._total = 0
        self._injections: list[_Injection] = []
        self.code_env_seconds = float(code_env_seconds)
        self.creation_keeps_fields = bool(creation_keeps_fields)
        self._store: Store = self._open_store()
        key = api_key if api_key is not None else (self._store.api_key or generate_api_key())
        if key != self._store.api_key:
            self._store.api_key = key
        self.api_key: str = key
        user_key = user_api_key or self._store.user_api_key or generate_api_key()
        if user_key == key:
            raise ValueError("the non-admin API key must differ from the admin API key")
        if user_key != self._store.user_api_key:
            self._store.user_api_key = user_key
        self.user_api_key: str = user_key
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def _open_store(self) -> Store:
        if self.data_dir is None:
            store = Store(edition=self.edition)
        else:
            store = open_store(self.data_dir, DB_FILE, self.edition)
        store.code_env_seconds = self.code_env_seconds
        store.creation_keeps_fields = self.creation_keeps_fields
        return store

    @property
    def store(self) -> Store:
        """The content (for tests and benches that look behind the API)."""
        return self._store

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a background daemon thread; returns self."""
        if self._httpd is not None:
            return self
        if self._store.db.closed:
            self._store = self._open_store()
        self._httpd = _HTTPServer((self.host, self.port), self)
        self._stopped.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"dss-sandbox-{self._httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open keep-alive connections and close the database files (a
        memory-only store stays as it is). Safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_open_sockets()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.data_dir is not None:
            self._store.close()
        self._stopped.set()

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` is called or the user presses Ctrl-C."""
        self.start()
        try:
            while not self._stopped.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    @property
    def url(self) -> str:
        """Base URL to give ``DSSClient`` (no API root: the client appends it)."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not started; call start() or use 'with Sandbox()'")
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host}:{port}"

    def client(self, *, admin: bool = True) -> dataikuapi.DSSClient:
        """A real ``dataikuapi.DSSClient`` pointed at this sandbox: with the admin key, or
        (``admin=False``) with the key of the non-admin user ``sandbox_user``."""
        import dataikuapi

        return dataikuapi.DSSClient(self.url, self.api_key if admin else self.user_api_key)

    # ---- observation and hostility ----------------------------------------------------------

    @property
    def request_counts(self) -> dict[str, int]:
        """Calls so far per ``"METHOD /route/template"`` (a copy).

        Only public API calls count (not ``/__sandbox__/...``); calls to an unknown route are
        counted as ``"METHOD (unmatched)"``.
        """
        with self._stats_lock:
            return dict(self._counts)

    @property
    def unmatched_requests(self) -> dict[str, int]:
        """Calls to routes the sandbox does not know, per ``"METHOD /path"`` (a copy)."""
        with self._stats_lock:
            return dict(self._unmatched)

    @property
    def total_requests(self) -> int:
        with self._stats_lock:
            return self._total

    def stats(self) -> dict[str, Any]:
        """What ``GET /__sandbox__/stats`` answers."""
        with self._stats_lock:
            return {
                "total": self._total,
                "counts": dict(self._counts),
                "unmatched": dict(self._unmatched),
                "injected": dict(self._injected),
            }

    def reset_counts(self) -> None:
        with self._stats_lock:
            self._counts.clear()
            self._unmatched.clear()
            self._injected.clear()
            self._total = 0

    def inject_failure(
        self,
        method: str = "*",
        route: str = "*",
        times: int = 1,
        status: int = 500,
        message: str = "Injected failure",
        *,
        error_type: str = "java.lang.RuntimeException",
        after: int = 0,
        when: str = "before",
        mode: str = "status",
    ) -> None:
        """Make the next ``times`` calls matching method + route template fail.

        ``"*"`` matches any method / route; ``after`` lets that many matching calls succeed
        first (``after=2`` fails the 3rd call). ``when="before"`` fails the call before the
        handler (nothing changes); ``when="after"`` runs the handler first (the change is
        done and committed) and then fails. ``mode="status"`` answers ``status`` in DSS's
        error shape; ``mode="drop"`` closes the connection without answering.
        """
        if when not in WHENS:
            raise ValueError(f"when must be one of {WHENS} (got {when!r})")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
        with self._stats_lock:
            self._injections.append(
                _Injection(method, route, times, status, message, error_type, after, when, mode)
            )

    def _take_failure(self, method: str, template: str) -> _Failure | None:
        with self._stats_lock:
            for inj in self._injections:
                if inj.remaining > 0 and inj.matches(method, template):
                    if inj.skip > 0:
                        inj.skip -= 1
                        continue
                    inj.remaining -= 1
                    failure = _Failure(
                        inj.when, inj.mode, DssApiError(inj.status, inj.error_type, inj.message)
                    )
                    break
            else:
                if not (self.fail_rate > 0 and self._random.random() < self.fail_rate):
                    return None
                kind = self._random.choice(self.fail_mix)
                when, mode = FAIL_MIX[kind]
                failure = _Failure(
                    when,
                    mode,
                    DssApiError(
                        500,
                        "java.lang.RuntimeException",
                        f"Injected random failure ({kind}, fail rate {self.fail_rate})",
                    ),
                )
            label = f"{failure.when}-{failure.mode}"
            self._injected[label] = self._injected.get(label, 0) + 1
            return failure

    def _count(self, key: str | None, unmatched_path: str | None) -> None:
        with self._stats_lock:
            if key is not None:  # outside the API root: only listed as unmatched
                self._counts[key] = self._counts.get(key, 0) + 1
                self._total += 1
            if unmatched_path is not None:
                self._unmatched[unmatched_path] = self._unmatched.get(unmatched_path, 0) + 1

    # ---- the request pipeline ---------------------------------------------------------------

    def _identify(self, headers: dict[str, str]) -> str | None:
        """The login the request's API key belongs to, or None for no valid key."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, value = auth.strip().partition(" ")
        candidates: list[str] = []
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            candidates = [user, password]
        elif scheme.lower() == "bearer":
            candidates = [value.strip()]
        for login, key in ((ADMIN_LOGIN, self.api_key), (USER_LOGIN, self.user_api_key)):
            if any(c and secrets.compare_digest(c.encode(), key.encode()) for c in candidates):
                return login
        return None

    def _control(self, method: str, path: str) -> Response:
        if method == "GET" and path.rstrip("/") == CONTROL_ROOT + "/stats":
            return 200, _json_bytes(self.stats())
        if method == "POST" and path.rstrip("/") == CONTROL_ROOT + "/reset":
            self.reset_counts()
            return 200, _json_bytes(self.stats())
        return _not_found_route(path)

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request: (status, JSON body bytes), or :data:`DROP`."""
        start = time.perf_counter()
        method = method.upper()
        response, unmatched = self._handle(method, raw_path, headers, body)
        if self.access_log is not None:
            self._log(method, raw_path, response[0], time.perf_counter() - start, unmatched)
        return response

    def _log(
        self, method: str, raw_path: str, status: int, seconds: float, unmatched: bool
    ) -> None:
        shown = "dropped" if status == DROP[0] else str(status)
        line = f"{method} {urlsplit(raw_path).path} {shown} {seconds * 1000:.1f}ms"
        if unmatched:
            line += " (unmatched route)"
        stream = self.access_log
        if stream is None:
            return
        with self._log_lock:
            try:
                stream.write(line + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed log stream must not take the sandbox down

    def _handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[Response, bool]:
        split = urlsplit(raw_path)
        path = split.path
        if path.startswith(CONTROL_ROOT + "/"):
            return self._control(method, path), False
        root = next((r for r in API_ROOTS if path == r or path.startswith(r + "/")), None)
        if root is None:
            self._count(None, f"{method} {path}")
            return _not_found_route(path), True
        sub = path[len(root) :].strip("/")
        # Empty segments skipped (the library client sends ``contents//x.py``): UNVERIFIED.
        segments = [unquote(s) for s in sub.split("/") if s] if sub else []
        found = routes.match(method, segments)
        template = found[0].template if found else UNMATCHED
        self._count(f"{method} {template}", None if found else f"{method} {path}")

        latency = self.latency_ms
        if latency > 0:
            time.sleep(latency / 1000.0)

        login = self._identify(headers)
        if login is None:
            return _error(DssApiError(401, NOT_AUTHENTICATED, "Unknown API Key")), found is None
        if found is None:
            return _not_found_route(API_ROOTS[0] + "/" + sub), True
        if segments[0] == "admin" and login != ADMIN_LOGIN:
            return _error(admin_required()), False
        failure = self._take_failure(method, template)
        if failure is not None and failure.when == "before":
            return failure.response(), False

        route, params = found
        try:
            text = body.decode("utf-8")
            parsed = text if route.raw_body else json.loads(text) if body.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(
                DssApiError(
                    400, "com.google.gson.JsonSyntaxException", f"Invalid JSON request body: {exc}"
                )
            ), False
        query = parse_qs(split.query, keep_blank_values=True)
        request = routes.Request(params, query, parsed, login)
        try:
            with self._store.transaction(write=route.write) as tx:
                result = route.handler(tx, request)
            response = 200, result if isinstance(result, bytes) else _json_bytes(result)
        except DssApiError as err:
            response = _error(err)
        except Exception as exc:  # a sandbox bug: still answer in DSS's shape, never hang
            response = _error(
                DssApiError(
                    500,
                    "java.lang.IllegalStateException",
                    f"DSS sandbox internal error: {type(exc).__name__}: {exc}",
                )
            )
        if failure is not None:
            return failure.response(), False
        return response, False


def stderr_access_log() -> TextIO:
    """Where ``dss sandbox serve --access-log`` writes (stdout carries the URL and key)."""
    return sys.stderr
