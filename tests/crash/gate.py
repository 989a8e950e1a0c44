"""A gate in front of a DSS sandbox: holds one kind of request until the test opens it.

Concurrency tests use it as a barrier: the run that took the stack lock is held inside
its first write while the other processes meet the lock, so they cannot miss each other
however slowly the machine starts them.
"""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from typing import Any


class GateProxy:
    def __init__(self, target: str, method: str, path: str) -> None:
        self.target = target.rstrip("/")
        self.method, self.path = method, path
        self.reached = threading.Event()  # a held request arrived
        self._open = threading.Event()
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                if self.command == gate.method and self.path.split("?")[0] == gate.path:
                    gate.reached.set()
                    gate._open.wait(timeout=120)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(
                    gate.target + self.path, data=body, headers=headers, method=self.command
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as resp:
                        status, data, ctype = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as exc:
                    status, data, ctype = exc.code, exc.read(), exc.headers
                self.send_response(status)
                self.send_header("Content-Type", ctype.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - stdlib names

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def open(self) -> None:
        self._open.set()

    def __enter__(self) -> GateProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.open()
        self._server.shutdown()
        self._server.server_close()
