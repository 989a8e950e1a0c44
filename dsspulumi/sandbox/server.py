"""HTTP plumbing around the store: auth, latency, counting, failure injection, persistence.

:meth:`Sandbox.handle` is the whole request pipeline as one function of (method, path, headers,
body); the ``http.server`` handler only moves bytes. Order of a public API call:

1. resolve the route template (for counting) and count the call;
2. sleep ``latency_ms`` *outside* every lock, so concurrent calls overlap as they do on DSS;
3. check the API key (401 ``NotAuthenticatedException`` otherwise);
4. unknown route -> 404 ``Not Found: /dip/publicapi/...``;
5. injected failure, if one matches (before the handler: a failed call changes nothing);
6. run the handler under the store lock, persist if it mutated, serialise the answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import random
import secrets
import socket
import string
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import routes
from .store import NOT_AUTHENTICATED, DssApiError, Store

if TYPE_CHECKING:
    import dataikuapi

API_ROOTS = ("/dip/publicapi", "/public/api")
CONTROL_ROOT = "/__sandbox__"
STORE_FILE = "dss-sandbox.json"
UNMATCHED = "(unmatched)"

Response = tuple[int, bytes]


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode("utf-8")


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


class _Injection:
    def __init__(
        self,
        method: str,
        route: str,
        times: int,
        status: int,
        message: str,
        error_type: str,
        after: int,
    ) -> None:
        self.method = method.upper()
        self.route = route
        self.remaining = times
        self.status = status
        self.message = message
        self.error_type = error_type
        self.skip = after

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
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests and `dss sandbox serve` must not drown in access logs."""


class Sandbox:
    """An in-process DSS lookalike that the real ``dataikuapi.DSSClient`` can talk to.

    ``api_key=None`` generates a random key (or reuses the one saved in ``data_dir``).
    ``data_dir`` persists the whole store to ``<data_dir>/dss-sandbox.json`` after every
    successful mutating call, before answering; without it, state lives in memory only.
    ``port=0`` picks a free port. ``latency_ms`` (settable at run time) delays every API call.
    ``fail_rate`` makes that fraction of API calls fail with a 500 (``seed`` makes it
    reproducible); :meth:`inject_failure` targets specific calls.
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
    ) -> None:
        self.host = host
        self.port = port
        self.latency_ms = float(latency_ms)
        self.fail_rate = float(fail_rate)
        self._random = random.Random(seed)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._store_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._total = 0
        self._injections: list[_Injection] = []
        self._store = self._load_store()
        key = api_key if api_key is not None else (self._store.api_key or generate_api_key())
        self._store.api_key = key
        self.api_key: str = key
        if self.data_dir is not None:
            self._persist()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a background daemon thread; returns self."""
        if self._httpd is not None:
            return self
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
        """Stop serving and cut open keep-alive connections. Safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_open_sockets()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
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

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to give ``DSSClient`` (no API root: the client appends it)."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not started; call start() or use 'with Sandbox()'")
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host}:{port}"

    def client(self) -> dataikuapi.DSSClient:
        """A real ``dataikuapi.DSSClient`` pointed at this sandbox."""
        import dataikuapi

        return dataikuapi.DSSClient(self.url, self.api_key)

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
    def total_requests(self) -> int:
        with self._stats_lock:
            return self._total

    def reset_counts(self) -> None:
        with self._stats_lock:
            self._counts.clear()
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
    ) -> None:
        """Make the next ``times`` calls matching method + route template fail.

        ``"*"`` matches any method / route; ``after`` lets that many matching calls succeed
        first (``after=2`` fails the 3rd call). A failed call never reaches the store.
        """
        with self._stats_lock:
            self._injections.append(
                _Injection(method, route, times, status, message, error_type, after)
            )

    def _take_injection(self, method: str, template: str) -> DssApiError | None:
        with self._stats_lock:
            for inj in self._injections:
                if inj.remaining > 0 and inj.matches(method, template):
                    if inj.skip > 0:
                        inj.skip -= 1
                        continue
                    inj.remaining -= 1
                    return DssApiError(inj.status, inj.error_type, inj.message)
            if self.fail_rate > 0 and self._random.random() < self.fail_rate:
                return DssApiError(
                    500,
                    "java.lang.RuntimeException",
                    f"Injected random failure (fail rate {self.fail_rate})",
                )
        return None

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._total += 1

    # ---- persistence ------------------------------------------------------------------------

    @property
    def _store_path(self) -> Path | None:
        return self.data_dir / STORE_FILE if self.data_dir is not None else None

    def _load_store(self) -> Store:
        path = self._store_path
        if path is None or not path.exists():
            return Store()
        try:
            return Store.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"cannot read the sandbox store {path}: {exc}") from exc

    def _persist(self) -> None:
        """Write the store atomically: temp file in the same directory, fsync, rename."""
        path = self._store_path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self._store.to_json(), indent=1).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".dss-sandbox-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
                dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    # ---- the request pipeline ---------------------------------------------------------------

    def _authenticated(self, headers: dict[str, str]) -> bool:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, value = auth.strip().partition(" ")
        candidates: list[str] = []
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            candidates = [user, password]
        elif scheme.lower() == "bearer":
            candidates = [value.strip()]
        key = self.api_key.encode()
        return any(c and secrets.compare_digest(c.encode(), key) for c in candidates)

    def _control(self, method: str, path: str) -> Response:
        if method == "GET" and path.rstrip("/") == CONTROL_ROOT + "/stats":
            with self._stats_lock:
                return 200, _json_bytes({"total": self._total, "counts": dict(self._counts)})
        if method == "POST" and path.rstrip("/") == CONTROL_ROOT + "/reset":
            self.reset_counts()
            return 200, _json_bytes({"total": 0, "counts": {}})
        return _not_found_route(path)

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one HTTP request: returns (status, JSON body bytes)."""
        method = method.upper()
        split = urlsplit(raw_path)
        path = split.path
        if path.startswith(CONTROL_ROOT + "/"):
            return self._control(method, path)
        root = next((r for r in API_ROOTS if path == r or path.startswith(r + "/")), None)
        if root is None:
            return _not_found_route(path)
        sub = path[len(root) :].strip("/")
        segments = [unquote(s) for s in sub.split("/")] if sub else []
        found = routes.match(method, segments)
        template = found[0].template if found else UNMATCHED
        self._count(f"{method} {template}")

        latency = self.latency_ms
        if latency > 0:
            time.sleep(latency / 1000.0)

        if not self._authenticated(headers):
            return _error(DssApiError(401, NOT_AUTHENTICATED, "Unknown API Key"))
        if found is None:
            return _not_found_route(API_ROOTS[0] + "/" + sub)
        injected = self._take_injection(method, template)
        if injected is not None:
            return _error(injected)

        route, params = found
        try:
            parsed = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(
                DssApiError(
                    400, "com.google.gson.JsonSyntaxException", f"Invalid JSON request body: {exc}"
                )
            )
        query = parse_qs(split.query, keep_blank_values=True)
        request = routes.Request(params, query, parsed)
        try:
            with self._store_lock:
                result = route.handler(self._store, request)
                if method != "GET":
                    self._persist()
                return 200, _json_bytes(result)
        except DssApiError as err:
            return _error(err)
        except Exception as exc:  # a sandbox bug: still answer in DSS's shape, never hang
            return _error(
                DssApiError(
                    500,
                    "java.lang.IllegalStateException",
                    f"DSS sandbox internal error: {type(exc).__name__}: {exc}",
                )
            )
