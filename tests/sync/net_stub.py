"""A misbehaving network on 127.0.0.1, for the sync client's unit tests.

Only the network and the far end are played here; the client, its signing, the writer and
the replica under test are the real ones. A route answers from a script, one answer per
request, the last one repeated: a `Reply`, `DROP` (read the request, then close the
connection without a word, as when a mobile link dies after sending), or a function of the
request that returns one of those.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sync import canonical


@dataclass(frozen=True)
class Seen:
    """A request as it arrived."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any = None
    """JSON to send, or raw bytes."""
    content_type: str = "application/json"


class Drop:
    """Close the connection without answering."""


DROP = Drop()

Answer = Reply | Drop | Callable[[Seen], "Reply | Drop"]


class StubServer:
    """An HTTP server in a thread whose routes follow scripts."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._scripts: dict[tuple[str, str], list[Answer]] = {}
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.stub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *answers: Answer) -> None:
        self._scripts[(method, path)] = list(answers)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    def answer(self, seen: Seen) -> Reply | Drop:
        with self._lock:
            self.seen.append(seen)
            script = self._scripts.get((seen.method, seen.path))
            if not script:
                return Reply(404, {"error": {"code": "not_found", "message": "", "details": {}}})
            answer = script.pop(0) if len(script) > 1 else script[0]
        return answer(seen) if callable(answer) else answer

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._http.shutdown()
        self._http.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, *_: Any) -> None:
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        seen = Seen(self.command, path, query, dict(self.headers.items()), body)
        answer = self.server.stub.answer(seen)  # type: ignore[attr-defined]
        if isinstance(answer, Drop):
            self.close_connection = True
            return
        payload = answer.body if isinstance(answer.body, bytes) else canonical.encode(answer.body)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
