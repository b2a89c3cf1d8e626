"""The bad network the chaos run and the sync tests use (tests/server/network.py).

The proxy stands between a client and a small counting HTTP server, so that what reached
the server and what came back can both be seen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from server.local import free_port
from tests.server.network import Fault, FaultProxy, Line


class CountingServer(ThreadingHTTPServer):
    """Answers GET /bytes/<n> with n bytes and POST with the length it read; counts
    every request it has read whole."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[str] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def do_GET(self) -> None:
        self._seen()
        size = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/bytes/") else 2
        self._answer(b"x" * size)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:  # the line dropped: no whole request was read
            self.close_connection = True
            return
        self._seen()
        self._answer(str(len(body)).encode())

    def _seen(self) -> None:
        with self.server.lock:
            self.server.seen.append(f"{self.command} {self.path}")

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[CountingServer]:
    server = CountingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: CountingServer) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.server_address[1]) as proxied:
        yield proxied


class TestAQuietLine:
    def test_requests_on_one_connection_pass_unchanged(self, proxy, upstream):
        with requests.Session() as session:
            answers = [session.get(f"{proxy.url}/bytes/{size}", timeout=5).content
                       for size in (10, 100_000)]
            posted = session.post(f"{proxy.url}/push", data=b"y" * 5000, timeout=5).text
        assert [len(answer) for answer in answers] == [10, 100_000]
        assert posted == "5000"
        assert upstream.seen == ["GET /bytes/10", "GET /bytes/100000", "POST /push"]


class TestFaults:
    def test_a_held_request_is_overtaken_by_a_later_one(self, proxy):
        proxy.inject(Fault(delay_s=0.8))
        finished: list[str] = []

        def fetch(name: str) -> None:
            requests.get(f"{proxy.url}/bytes/1", timeout=5)
            finished.append(name)

        first = threading.Thread(target=fetch, args=("first",))
        first.start()
        time.sleep(0.2)
        fetch("second")
        first.join()
        assert finished == ["second", "first"]

    def test_a_request_cut_on_the_way_never_reaches_the_server(self, proxy, upstream):
        proxy.inject(Fault(cut_request_after=1000))  # the headers and part of the body
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/push", data=b"y" * 5000, timeout=5)
        assert upstream.seen == []
        assert proxy.counts.cut == 1

    def test_an_answer_cut_on_the_way_back_leaves_the_client_short(self, proxy, upstream):
        proxy.inject(Fault(cut_response_after=500))
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{proxy.url}/bytes/50000", timeout=5)
        assert upstream.seen == ["GET /bytes/50000"]

    def test_a_lost_answer_was_handled_by_the_server(self, proxy, upstream):
        proxy.inject(Fault(lose_response=True))
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/push", data=b"y" * 10, timeout=5)
        assert upstream.seen == ["POST /push"]
        assert proxy.counts.answers_lost == 1

    def test_a_duplicated_request_reaches_the_server_twice_and_is_answered_once(
            self, proxy, upstream):
        proxy.inject(Fault(duplicate=True))
        answer = requests.post(f"{proxy.url}/push", data=b"y" * 10, timeout=5)
        deadline = time.monotonic() + 5
        while len(upstream.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert answer.text == "10"
        assert upstream.seen == ["POST /push", "POST /push"]

    def test_the_kill_cue_comes_with_the_request_in_the_servers_hands(self, upstream):
        seen_at_kill: list[list[str]] = []
        with FaultProxy(upstream.server_address[1],
                        on_kill=lambda: seen_at_kill.append(list(upstream.seen))) as proxy:
            proxy.inject(Fault(kill_server=True))
            requests.post(f"{proxy.url}/push", data=b"y" * 10, timeout=5)
        assert proxy.counts.kills == 1
        assert len(seen_at_kill) == 1

    def test_a_server_that_is_down_drops_the_clients_line(self, upstream):
        with FaultProxy(upstream.server_address[1]) as proxy:
            proxy.retarget(free_port())
            with pytest.raises(requests.ConnectionError):
                requests.get(f"{proxy.url}/bytes/1", timeout=5)
            assert proxy.counts.server_unreachable == 1

    def test_requests_follow_a_server_to_its_new_port(self, upstream):
        with FaultProxy(free_port()) as proxy:
            proxy.retarget(upstream.server_address[1])
            assert requests.get(f"{proxy.url}/bytes/3", timeout=5).content == b"xxx"


class TestASlowLine:
    def test_a_throttled_answer_takes_at_least_its_size_over_the_rate(self, upstream):
        with FaultProxy(upstream.server_address[1], line=Line(bytes_per_s=40_000)) as proxy:
            started = time.monotonic()
            body = requests.get(f"{proxy.url}/bytes/40000", timeout=10).content
            took = time.monotonic() - started
        assert len(body) == 40_000
        assert took >= 0.9

    def test_latency_is_paid_on_the_way_there_and_back(self, upstream):
        with FaultProxy(upstream.server_address[1], line=Line(latency_s=0.3)) as proxy:
            started = time.monotonic()
            requests.get(f"{proxy.url}/bytes/1", timeout=5)
            took = time.monotonic() - started
        assert took >= 0.6

