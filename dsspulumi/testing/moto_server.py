"""A moto S3 server for tests: one request at a time, observable, and hostile on demand.

Why not moto's own ``ThreadedMotoServer``: moto checks ``If-None-Match`` /
``If-Match`` and then writes with nothing in between, while its server answers
requests on parallel threads — under 20 racing processes it grants the same lock
twice a few times per thousand rounds. Real S3 is atomic. Serving moto's WSGI
app behind ONE global lock makes every request atomic, so in our race tests a
double grant can only be our bug (measured: none in 1,500 rounds).

On top of moto, two control endpoints usable from any process (plain HTTP, JSON):

- ``POST {url}/__fault__`` with ``{"fail": "put"|"write"|"get"|"all"|null,
  "status": 503, "code": "...", "after": 0, "count": null, "when": "before"}`` makes
  matching S3 requests fail with an S3-style error (``after`` lets that many through first,
  ``count`` fails only that many; ``when: "after"`` lets moto carry the request out first,
  so its answer is lost); ``null`` heals. "put" is PUT only, "write" is
  PUT/POST/DELETE, "get" is GET/HEAD.
- ``POST {url}/__chaos__`` with ``{"rate": 0.2, "modes": ["before", "after"], "seed": 1}``
  makes that share of S3 requests fail at random, each drawn evenly from ``modes``:
  ``before`` = 503 ``SlowDown``, the request not applied; ``after`` = the request applied
  by moto, then 500 ``InternalError`` instead of its answer (a lost answer: a conditional
  write retried after it is answered 412). ``seed`` makes the draws reproducible; a rate of
  0 heals. ``GET`` reads the counts of injected failures per mode.
- ``GET {url}/__stats__`` returns ``{"requests": {"GET": n, ...}, "total": n,
  "bytes_received": n, "bytes_by_method": {...}}``; ``DELETE`` resets it.

Run it in-process (``with MotoServer() as s: ...``) or as its own process::

    python -m dsspulumi.testing.moto_server --port 0 [--bucket NAME]... [--fail-rate 0.2]

which prints its URL on the first line of stdout and serves until SIGTERM/SIGINT.
Clients need ``AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=<url>`` (see ``MotoServer.env``).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, TypedDict, Unpack

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from dsspulumi.background import BackgroundServer

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

_METHODS = {
    "put": {"PUT"},
    "write": {"PUT", "POST", "DELETE"},
    "get": {"GET", "HEAD"},
    "all": None,  # every method
}
_CODES = {
    400: "BadRequest",
    403: "AccessDenied",
    404: "NoSuchBucket",
    409: "ConditionalRequestConflict",
    412: "PreconditionFailed",
    500: "InternalError",
    503: "ServiceUnavailable",
}

StartResponse = Callable[..., Any]


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without one log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        if type == "error":
            super().log(type, message, *args)


class _Fault:
    def __init__(self, spec: dict[str, Any]) -> None:
        fail = spec.get("fail")
        if fail not in _METHODS:
            raise ValueError(f"fail must be one of {sorted(_METHODS)} or null, got {fail!r}")
        self.methods = _METHODS[fail]
        self.status = int(spec.get("status") or 503)
        self.code = str(spec.get("code") or _CODES.get(self.status, "InjectedFault"))
        self.after = int(spec.get("after") or 0)
        count = spec.get("count")
        self.remaining: int | None = None if count is None else int(count)
        when = spec.get("when") or "before"
        if when not in CHAOS_MODES:
            raise ValueError(f"when must be one of {CHAOS_MODES}, got {when!r}")
        self.applied = when == "after"  # moto carries the request out, the answer is lost

    def matches(self, method: str) -> bool:
        """Whether this request fails (consumes ``after`` and ``count``)."""
        if self.methods is not None and method not in self.methods:
            return False
        if self.after > 0:
            self.after -= 1
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
        return True


CHAOS_MODES = ("before", "after")


class _Chaos:
    """Random failures: ``rate`` of the requests, each ``before`` or ``after`` moto ran."""

    def __init__(self, rate: float, modes: Iterable[str], seed: int | None) -> None:
        modes = tuple(modes)
        if not 0.0 <= rate <= 1.0 or not modes or set(modes) - set(CHAOS_MODES):
            raise ValueError(f"rate must be in [0, 1] and modes some of {CHAOS_MODES}")
        self.rate = rate
        self.modes = modes
        self.random = random.Random(seed)
        self.injected: dict[str, int] = dict.fromkeys(CHAOS_MODES, 0)

    def draw(self) -> str | None:
        if self.rate <= 0 or self.random.random() >= self.rate:
            return None
        mode = self.random.choice(self.modes)
        self.injected[mode] += 1
        return mode


def _s3_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response(
        status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


class LockedS3App:
    """moto's WSGI app behind one global lock, plus the fault switch and request statistics."""

    def __init__(self) -> None:
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )
        except ImportError as exc:  # moto is a test dependency, not a runtime one
            raise ImportError(
                "MotoServer needs moto with its server extra: pip install 'moto[server,s3]'"
            ) from exc

        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.Lock()  # ONE lock: every moto request runs alone
        self._meta = threading.Lock()  # faults and stats (never held while moto runs)
        self.fault: _Fault | None = None
        self.chaos = _Chaos(0.0, CHAOS_MODES, None)
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._meta:
            self.requests: dict[str, int] = {}
            self.bytes_by_method: dict[str, int] = {}

    def stats(self) -> dict[str, Any]:
        with self._meta:
            return {
                "requests": dict(self.requests),
                "total": sum(self.requests.values()),
                "bytes_received": sum(self.bytes_by_method.values()),
                "bytes_by_method": dict(self.bytes_by_method),
            }

    def set_fault(self, spec: dict[str, Any] | None) -> None:
        fault = None if spec is None or spec.get("fail") is None else _Fault(spec)
        with self._meta:
            self.fault = fault

    def set_chaos(
        self, rate: float, modes: Iterable[str] = CHAOS_MODES, seed: int | None = None
    ) -> None:
        chaos = _Chaos(rate, modes, seed)
        with self._meta:
            self.chaos = chaos

    def chaos_stats(self) -> dict[str, Any]:
        with self._meta:
            return {"rate": self.chaos.rate, "injected": dict(self.chaos.injected)}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/__fault__":
            return self._control_fault(environ, start_response)
        if path == "/__chaos__":
            return self._control_chaos(environ, start_response)
        if path == "/__stats__":
            if method == "DELETE":
                self.reset_stats()
            return _json(start_response, "200 OK", self.stats())
        size = int(environ.get("CONTENT_LENGTH") or 0)
        with self._meta:
            self.requests[method] = self.requests.get(method, 0) + 1
            self.bytes_by_method[method] = self.bytes_by_method.get(method, 0) + size
            failing = self.fault is not None and self.fault.matches(method)
            fault = self.fault
            chaos = None if failing else self.chaos.draw()
        if failing and fault is not None and not fault.applied:
            environ["wsgi.input"].read(size)  # drain the body so the client sees our answer
            return _s3_error(start_response, f"{fault.status} Injected", fault.code, "injected")
        if chaos == "before":
            environ["wsgi.input"].read(size)
            return _s3_error(start_response, "503 Slow Down", "SlowDown", "Reduce your rate")
        answer: list[Any] = []

        def capture(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda _data: None

        with self.lock:
            result = self.moto(environ, capture)
            try:
                data = b"".join(result)  # produced entirely inside the lock
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        if chaos == "after":  # applied, and the answer is lost
            return _s3_error(start_response, "500 Internal Server Error", "InternalError", "Lost")
        if failing and fault is not None:  # applied, then the injected error instead
            return _s3_error(start_response, f"{fault.status} Injected", fault.code, "injected")
        start_response(*answer)
        return [data]

    def _control_chaos(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            try:
                spec = json.loads(raw or b"{}")
                self.set_chaos(
                    float(spec.get("rate") or 0.0),
                    spec.get("modes") or CHAOS_MODES,
                    spec.get("seed"),
                )
            except (ValueError, TypeError, AttributeError) as exc:
                return _json(start_response, "400 Bad Request", {"error": str(exc)})
        return _json(start_response, "200 OK", self.chaos_stats())

    def _control_fault(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(start_response, "200 OK", {"fault": self.fault is not None})
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            self.set_fault(json.loads(raw or b"null"))
        except (ValueError, TypeError, AttributeError) as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        return _json(start_response, "200 OK", {"fault": self.fault is not None})


def _json(start_response: StartResponse, status: str, data: Any) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


class MotoServer(BackgroundServer):
    """An S3 endpoint on 127.0.0.1 served from a thread; ``with MotoServer() as s: s.url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.app: LockedS3App | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment variables that point boto3 (in any process) at this server."""
        return {**TEST_ENV, "AWS_ENDPOINT_URL": self.url}

    def start(self) -> MotoServer:
        self.app = LockedS3App()
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moto-s3", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def client(self) -> Any:
        """A boto3 S3 client for this server with the test credentials (ignores the env)."""
        return s3_client(self.url)

    def create_bucket(self, name: str, versioning: bool = True) -> str:
        return create_bucket(self.url, name, versioning=versioning)

    def set_fault(
        self, fail: str | None, status: int = 503, **options: Unpack[FaultOptions]
    ) -> None:
        assert self.app is not None, "start() the server first"
        self.app.set_fault(fault_spec(fail, status, options))

    def set_chaos(
        self, rate: float, modes: Iterable[str] = CHAOS_MODES, seed: int | None = None
    ) -> None:
        """Fail ``rate`` of all requests at random (see ``/__chaos__``); 0 heals."""
        assert self.app is not None, "start() the server first"
        self.app.set_chaos(rate, modes, seed)

    def chaos_stats(self) -> dict[str, Any]:
        assert self.app is not None, "start() the server first"
        return self.app.chaos_stats()

    def stats(self) -> dict[str, Any]:
        assert self.app is not None, "start() the server first"
        return self.app.stats()

    def reset_stats(self) -> None:
        assert self.app is not None, "start() the server first"
        self.app.reset_stats()


# --- helpers for tests in other processes -------------------------------------------------------
def s3_client(url: str) -> Any:
    import boto3
    import botocore.config

    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=TEST_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=TEST_ENV["AWS_DEFAULT_REGION"],
        config=botocore.config.Config(s3={"addressing_style": "path"}),
    )


def create_bucket(url: str, name: str, *, versioning: bool = True) -> str:
    client = s3_client(url)
    client.create_bucket(Bucket=name)
    if versioning:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


class FaultOptions(TypedDict, total=False):
    """How a fault fails, besides what and with which status (see ``/__fault__``): ``code``,
    the S3 error code; ``after``, requests let through first; ``count``, failures before it
    heals (None: never); ``when``, ``before`` the request is applied or ``after``."""

    code: str | None
    after: int
    count: int | None
    when: str


def fault_spec(fail: str | None, status: int, options: FaultOptions) -> dict[str, Any]:
    """The one body of ``POST /__fault__``, whether it goes over HTTP or straight to the app."""
    return {
        "fail": fail,
        "status": status,
        "code": None,
        "after": 0,
        "count": None,
        "when": "before",
        **options,
    }


def set_fault(
    url: str, fail: str | None, status: int = 503, **options: Unpack[FaultOptions]
) -> None:
    """Switch the fault of a server (possibly in another process); ``fail=None`` heals it."""
    _request(url, "/__fault__", "POST", fault_spec(fail, status, options))


def set_chaos(
    url: str, rate: float, modes: Iterable[str] = CHAOS_MODES, seed: int | None = None
) -> dict[str, Any]:
    """Random failures on a server (possibly in another process); returns its counts."""
    return dict(
        _request(url, "/__chaos__", "POST", {"rate": rate, "modes": list(modes), "seed": seed})
    )


def get_stats(url: str) -> dict[str, Any]:
    return dict(_request(url, "/__stats__", "GET"))


def reset_stats(url: str) -> None:
    _request(url, "/__stats__", "DELETE")


def _request(url: str, path: str, method: str, data: Any = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url + path, data=body, method=method)  # noqa: S310 - test server
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dsspulumi.testing.moto_server",
        description="moto S3 behind one global lock, with /__fault__ and /__stats__",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--bucket", action="append", default=[], help="create this bucket (versioned) at start"
    )
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests failed")
    parser.add_argument(
        "--fail-mix",
        default=",".join(CHAOS_MODES),
        help="before (503 SlowDown, not applied), after (applied, then 500)",
    )
    parser.add_argument("--seed", type=int, default=None, help="reproducible failure draws")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with MotoServer(args.host, args.port) as server:
        for name in args.bucket:
            server.create_bucket(name)
        server.set_chaos(args.fail_rate, args.fail_mix.split(","), args.seed)
        print(server.url, flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
