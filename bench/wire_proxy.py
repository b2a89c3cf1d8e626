"""A counting TCP proxy: the bytes that really cross the wire, both ways, headers included.

Both servers in a comparison sit behind one of these, so their figures are counted the same
way: every byte of the HTTP requests and responses as sent (compressed bodies where they
were compressed, status lines and headers too), nothing estimated. It runs as a separate
process so its copying does not compete with the client for Python's interpreter lock.

    proxy = WireProxy.start(target_port)   # clients use proxy.url
    before = proxy.counts()                # (client -> server, server -> client) bytes
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.up = 0
        self.down = 0

    def add(self, upstream: bool, count: int) -> None:
        with self.lock:
            if upstream:
                self.up += count
            else:
                self.down += count


def pump(source: socket.socket, sink: socket.socket, counter: Counter, upstream: bool) -> None:
    """Copy one direction until it closes, then pass the close on."""
    try:
        while data := source.recv(CHUNK):
            counter.add(upstream, len(data))  # before sending: counted once it arrives
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            with contextlib.suppress(OSError):
                sock.shutdown(how)


def serve(listener: socket.socket, target: tuple[str, int], counter: Counter) -> None:
    while True:
        client, _ = listener.accept()
        server = socket.create_connection(target)
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threads = [threading.Thread(target=pump, args=(client, server, counter, True)),
                   threading.Thread(target=pump, args=(server, client, counter, False))]
        for thread in threads:
            thread.daemon = True
            thread.start()
        threading.Thread(target=close_after, args=(threads, client, server), daemon=True).start()


def close_after(threads: list[threading.Thread], *sockets: socket.socket) -> None:
    for thread in threads:
        thread.join()
    for sock in sockets:
        sock.close()


def main() -> None:
    """Proxy 127.0.0.1:<free port> to 127.0.0.1:argv[1]; print the port, then answer each
    line on stdin with "<bytes up> <bytes down>"."""
    target = ("127.0.0.1", int(sys.argv[1]))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    counter = Counter()
    threading.Thread(target=serve, args=(listener, target, counter), daemon=True).start()
    print(listener.getsockname()[1], flush=True)
    for _ in sys.stdin:
        with counter.lock:
            print(counter.up, counter.down, flush=True)


@dataclass
class WireProxy:
    """The proxy process, seen from the bench."""

    url: str
    process: subprocess.Popen[str]

    @classmethod
    def start(cls, target_port: int) -> WireProxy:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(target_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert process.stdout is not None
        port = int(process.stdout.readline())
        return cls(f"http://127.0.0.1:{port}", process)

    def counts(self) -> tuple[int, int]:
        """Bytes so far: (client to server, server to client)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        up, down = self.process.stdout.readline().split()
        return int(up), int(down)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    main()
