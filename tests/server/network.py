"""A bad network between tablets and the server: an HTTP-aware TCP proxy on 127.0.0.1.

It stands in for the mobile network, not for any part of Minqing. Each request that
passes may be held back (which reorders requests in flight), throttled to a 2G-like rate,
cut partway through the request or the answer, answered by the server and then lost,
sent to the server twice, or used as the moment to kill the server. Faults come from a
queue (`inject`, for tests that want one exact fault) or from a `plan` (a function of the
request, for the chaos run's seeded dice).

The proxy runs its own asyncio loop on a thread, so synchronous tests and clients use it
as they would any host. It reads HTTP/1.1 framing (Content-Length and chunked bodies) so
that a fault hits one request, not whole keep-alive connections; each request it passes
goes to the server on a fresh connection, so the proxy can follow a restarted server to a
new port (`retarget`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

CHUNK = 1024
"""How many bytes a throttled line sends at a time."""


@dataclass
class Fault:
    """What happens to one request (`times` requests, from the queue)."""

    cut_request_after: int | None = None
    """Only this many bytes of the request reach the server; then the line drops."""
    cut_response_after: int | None = None
    """Only this many bytes of the answer reach the tablet; then the line drops."""
    lose_response: bool = False
    """The server answers (and has committed); the answer never arrives."""
    duplicate: bool = False
    """The request reaches the server twice; the tablet hears the first answer."""
    delay_s: float = 0.0
    """Held this long before it goes on: later requests overtake it."""
    kill_server: bool = False
    """Once the request has reached the server, the proxy's `on_kill` runs (the chaos run
    kills the server there, with the request in the middle of being handled)."""
    times: int = 1


@dataclass(frozen=True)
class Line:
    """The quality of the line: a delay for each request and answer, and a rate."""

    latency_s: float = 0.0
    bytes_per_s: float | None = None


TWO_G = Line(latency_s=0.3, bytes_per_s=6_000)
"""EDGE on a bad day: about 50 kbit/s, with 300 ms before anything moves."""


@dataclass(frozen=True)
class Message:
    """One HTTP message as it came: its bytes, and what the proxy needs to pass it on."""

    raw: bytes
    method: str
    path: str
    closes: bool


@dataclass
class NetworkCounts:
    requests: int = 0
    faults: int = 0
    duplicated: int = 0
    answers_lost: int = 0
    cut: int = 0
    server_unreachable: int = 0
    kills: int = 0


Plan = Callable[[Message], "Fault | None"]


@dataclass
class FaultProxy:
    target_port: int
    line: Line = field(default_factory=Line)
    plan: Plan | None = None
    on_kill: Callable[[], None] | None = None
    counts: NetworkCounts = field(default_factory=NetworkCounts)

    def __post_init__(self) -> None:
        self._queue: list[Fault] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        started.wait(10)
        self.port: int = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def faults_applied(self) -> int:
        return self.counts.faults

    def inject(self, fault: Fault) -> None:
        """The next `fault.times` requests meet `fault` (before any `plan` is asked)."""
        with self._lock:
            self._queue.append(fault)

    def retarget(self, port: int) -> None:
        """Send what comes next to a server that came back on another port."""
        self.target_port = port

    def close(self) -> None:
        async def shut() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the loop's side --------------------------------------------------------------

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve_tablet, "127.0.0.1", 0))
        started.set()
        self._loop.run_forever()
        self._loop.close()

    def _fault_for(self, request: Message) -> Fault | None:
        with self._lock:
            self.counts.requests += 1
            if self._queue:
                fault = self._queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    self._queue.pop(0)
            else:
                fault = self.plan(request) if self.plan is not None else None
            if fault is not None:
                self.counts.faults += 1
            return fault

    async def _serve_tablet(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await read_message(reader)) is not None:
                fault = self._fault_for(request) or Fault()
                if not await self._exchange(request, fault, writer):
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    async def _exchange(self, request: Message, fault: Fault,
                        tablet: asyncio.StreamWriter) -> bool:
        """Pass one request on and its answer back; False when the tablet's line drops."""
        await asyncio.sleep(self.line.latency_s + fault.delay_s)
        try:
            reader, server = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            self.counts.server_unreachable += 1
            return False
        try:
            if fault.cut_request_after is not None:
                await self._send(server, request.raw[:fault.cut_request_after])
                self.counts.cut += 1
                return False
            await self._send(server, request.raw)
            if fault.duplicate:
                self.counts.duplicated += 1
                asyncio.get_running_loop().create_task(self._send_copy(request.raw))
            if fault.kill_server and self.on_kill is not None:
                self.counts.kills += 1
                await asyncio.get_running_loop().run_in_executor(None, self.on_kill)
            answer = await read_message(reader, method=request.method)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return False  # the server died with the request in hand
        finally:
            server.close()
        if answer is None:
            return False
        if fault.lose_response:
            self.counts.answers_lost += 1
            return False
        if fault.cut_response_after is not None:
            await self._send(tablet, answer.raw[:fault.cut_response_after])
            self.counts.cut += 1
            return False
        await asyncio.sleep(self.line.latency_s)
        await self._send(tablet, answer.raw)
        return not (answer.closes or request.closes)

    async def _send_copy(self, raw: bytes) -> None:
        """The same bytes again, on their own connection; whatever comes back is dropped."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
            reader, server = await asyncio.open_connection("127.0.0.1", self.target_port)
            try:
                server.write(raw)
                await server.drain()
                await read_message(reader)
            finally:
                server.close()

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if self.line.bytes_per_s is None:
            writer.write(data)
            await writer.drain()
            return
        for start in range(0, len(data), CHUNK):
            piece = data[start:start + CHUNK]
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(len(piece) / self.line.bytes_per_s)


async def read_message(reader: asyncio.StreamReader, *, method: str | None = None
                       ) -> Message | None:
    """One HTTP/1.1 request (`method` None) or the answer to a `method` request; None when
    the connection ended before one began."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as ended:
        if not ended.partial:
            return None
        raise
    start, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    words = start.split(" ")
    closes = headers.get("connection", "").lower() == "close"
    if method is None:
        body = await _read_body(reader, headers, to_end=False)
        return Message(head + body, words[0], words[1] if len(words) > 1 else "", closes)
    status = int(words[1])
    bodiless = method == "HEAD" or status in (204, 304) or 100 <= status < 200
    body = b"" if bodiless else await _read_body(reader, headers, to_end=True)
    closes = closes or ("content-length" not in headers
                        and "chunked" not in headers.get("transfer-encoding", ""))
    return Message(head + body, method, "", closes and not bodiless)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str], *,
                     to_end: bool) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunks(reader)
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read() if to_end else b""


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    pieces = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        pieces.append(size_line)
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            trailer = await reader.readuntil(b"\r\n")
            pieces.append(trailer)
            while trailer != b"\r\n":
                trailer = await reader.readuntil(b"\r\n")
                pieces.append(trailer)
            return b"".join(pieces)
        pieces.append(await reader.readexactly(size + 2))
