"""A bad network between a client and the server: a TCP proxy on 127.0.0.1 that can cut a
connection partway through a request, or let the server answer and then lose the answer.

This stands in for the mobile network, not for any part of Minqing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    """What happens to the next connections: `cut_request_after` bytes, or `lose_response`."""

    cut_request_after: int | None = None
    lose_response: bool = False
    times: int = 1


@dataclass
class FlakyProxy:
    target_port: int
    faults: list[Fault] = field(default_factory=list)
    port: int = 0
    faults_applied: int = 0

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def close(self) -> None:
        self._listener.close()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self.faults.pop(0)
            self.faults_applied += 1
            return fault

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        fault = self._next_fault()
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        try:
            if fault is not None and fault.cut_request_after is not None:
                _pipe_bytes(client, upstream, fault.cut_request_after)
                return
            to_server = threading.Thread(target=_pipe, args=(client, upstream), daemon=True)
            to_server.start()
            if fault is not None and fault.lose_response:
                while upstream.recv(65536):  # the server answers; nobody hears it
                    pass
                return
            _pipe(upstream, client)
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _pipe_bytes(source: socket.socket, sink: socket.socket, limit: int) -> None:
    """Forward at most `limit` bytes, then the line goes dead (also if the client stops
    sending first: a short request is cut before its answer)."""
    sent = 0
    source.settimeout(0.5)
    try:
        while sent < limit and (data := source.recv(min(65536, limit - sent))):
            sink.sendall(data)
            sent += len(data)
    except OSError:
        pass
