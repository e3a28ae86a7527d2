"""A small real HTTP server on 127.0.0.1 for calendar and webhook tests.

Routes are set per test; every request is recorded. Bound to loopback only, with a
bounded request size and a server-side timeout, and shut down by the fixture.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MAX_BODY = 64 * 1024


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None  # answer 304 when If-None-Match matches


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.seen.append(
                        Seen(self.command, self.path, dict(self.headers.items()), body)
                    )
                route = owner.routes.get(self.path, Route(status=404, body=b"not found"))
                if route.delay:
                    time.sleep(route.delay)
                if route.etag is not None and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag is not None:
                    self.send_header("ETag", route.etag)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]


@pytest.fixture(name="loopback")
def loopback_server() -> Iterator[Loopback]:
    """Import `loopback_server` into a test module to get the `loopback` fixture."""
    # Server threads allocate: keep the cycle collector off them (QObjects from earlier
    # tests must die on the GUI thread), as the app's GuiThreadGarbageCollector does.
    gc.collect()
    gc.disable()
    server = Loopback()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(5)
        gc.enable()
