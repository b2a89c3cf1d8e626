"""The sync client against a misbehaving network: counters, retries, backoff, resumption.

The far end is `tests/sync/net_stub.py`, a real HTTP server on 127.0.0.1 that answers from a
script (503s, dropped connections, 413s). Everything on the tablet side is real: the client,
its signatures, the device's writer and replica. The client against the real sync server is
specified in the server's end-to-end tests.

`TestPush` specifies a push one batch at a time (`push_window=1`), where the order of
requests is fixed; `TestPushWindow` what changes when the next batch travels while the
server is still answering the last.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import brotli
import pytest

from sync.chain import Batch
from sync.client import (
    AuthFailed,
    BatchRefused,
    ClientSettings,
    DeviceRevoked,
    FileCounter,
    MemoryCounter,
    PushReport,
    ServerUnavailable,
    SyncClient,
)
from sync.replica import Replica
from sync.request_signing import parse_headers
from sync.simulation import Tablet
from tests.sync.examples import visit_example
from tests.sync.net_stub import DROP, Reply, Seen, StubServer

MARK = "/api/v1/sync/mark"
PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
QUARANTINED = "/api/v1/sync/quarantined"
CLOCK_US = 1_795_000_000_000_000

SETTINGS = ClientSettings(connect_timeout=2, read_timeout=5, retries=2, retry_backoff=0,
                          push_attempts=4, backoff_base=1.0, backoff_cap=6.0, push_window=1)
WINDOW = ClientSettings(connect_timeout=2, read_timeout=5, retries=2, retry_backoff=0,
                        push_attempts=4, backoff_base=1.0, backoff_cap=6.0, push_window=2)


def error(status: int, code: str, message: str = "", **details: Any) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message, "details": details}})


class Receiver:
    """The server's side of a push, reduced to what the protocol promises: it acknowledges
    what it received and skips what it already holds."""

    def __init__(self, acked: int = 0) -> None:
        self.acked = acked
        self.batches: list[list[int]] = []
        self._lock = threading.Lock()

    def mark(self, _: Seen) -> Reply:
        return Reply(200, {"acknowledged": {"seq": self.acked, "head": f"head-{self.acked}"}})

    def push(self, seen: Seen) -> Reply:
        with self._lock:
            return self._take(seen)

    def _take(self, seen: Seen) -> Reply:
        batch = Batch.from_wire(brotli.decompress(seen.body))
        seqs = [op.seq for op in batch.ops]
        if seqs[0] > self.acked + 1:
            return error(409, "op_missing", acknowledged={"seq": self.acked, "head": "h"})
        self.batches.append(seqs)
        new = [seq for seq in seqs if seq > self.acked]
        self.acked = max(self.acked, seqs[-1])
        return Reply(200, {
            "acknowledged": {"seq": self.acked, "head": batch.head.head},
            "accepted": len(new), "duplicates": len(seqs) - len(new), "quarantined": [],
            "tree_head": {"street_id": "s-qianfoshan", "size": self.acked, "root": "r"},
        })

    def lost(self, seen: Seen) -> Any:
        """Take the push, then lose the answer on the way back."""
        self.push(seen)
        return DROP


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture
def worker(tablet) -> Tablet:
    """A tablet with seven visits recorded offline."""
    worker = tablet("worker")
    for _ in range(7):
        worker.writer.create("visit", visit_example())
    return worker


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(stub, worker, sleeps) -> Callable[..., SyncClient]:
    """`client()` for the worker's tablet, talking to the stub; options override."""
    clients: list[SyncClient] = []

    def make(url: str | None = None, **options: Any) -> SyncClient:
        arguments = {
            "counter": MemoryCounter(), "settings": SETTINGS, "sleep": sleeps.append,
            "jitter": random.Random(7).random, "now_us": lambda: CLOCK_US, **options,
        }
        made = SyncClient(url or stub.url, worker.device_id, worker.key, **arguments)
        clients.append(made)
        return made

    yield make
    for made in clients:
        made.close()


def counters(seen: list[Seen]) -> list[int]:
    return [int(request.headers["X-Minqing-Counter"]) for request in seen]


class TestFileCounter:
    def test_a_saved_counter_survives_a_restart(self, tmp_path):
        FileCounter(tmp_path / "counter").save(1_795_000_000_000_123)
        assert FileCounter(tmp_path / "counter").load() == 1_795_000_000_000_123

    def test_it_never_goes_backwards(self, tmp_path):
        counter = FileCounter(tmp_path / "counter")
        counter.save(500)
        counter.save(499)
        assert FileCounter(tmp_path / "counter").load() == 500

    def test_a_new_tablet_starts_at_zero(self, tmp_path):
        assert FileCounter(tmp_path / "state" / "counter").load() == 0

    def test_saving_leaves_only_the_counter_file(self, tmp_path):
        counter = FileCounter(tmp_path / "counter")
        for value in (1, 2, 3):
            counter.save(value)
        assert [path.name for path in tmp_path.iterdir()] == ["counter"]


class TestRequestCounter:
    def test_it_is_saved_before_the_request_leaves(self, stub, client):
        store = MemoryCounter()
        saved_on_arrival = []

        def answer(seen: Seen) -> Reply:
            saved_on_arrival.append(store.load())
            return Reply(200, {"acknowledged": {"seq": 0, "head": ""}})

        stub.route("GET", MARK, answer)
        client(counter=store).mark()
        assert saved_on_arrival == counters(stub.seen)

    def test_it_starts_from_the_clock_in_microseconds(self, stub, client):
        stub.route("GET", MARK, Receiver().mark)
        client().mark()
        assert counters(stub.seen) == [CLOCK_US]

    def test_it_continues_from_the_saved_one_when_the_clock_is_behind(self, stub, client):
        stub.route("GET", MARK, Receiver().mark)
        sync = client(counter=MemoryCounter(CLOCK_US + 10))
        sync.mark()
        sync.mark()
        assert counters(stub.seen) == [CLOCK_US + 11, CLOCK_US + 12]

    def test_after_a_replay_answer_it_moves_past_the_servers_and_sends_again(self, stub,
                                                                            client):
        last = CLOCK_US + 5_000_000
        store = MemoryCounter()
        stub.route("GET", MARK, error(401, "request_replayed", last_counter=last),
                   Receiver().mark)
        assert client(counter=store).mark() == (0, "head-0")
        assert counters(stub.seen) == [CLOCK_US, last + 1]
        assert store.load() == last + 1

    def test_a_second_replay_answer_is_an_auth_failure(self, stub, client):
        stub.route("GET", MARK, error(401, "request_replayed", last_counter=CLOCK_US + 9))
        with pytest.raises(AuthFailed) as failed:
            client().mark()
        assert failed.value.code == "request_replayed"
        assert len(stub.seen) == 2


class TestSigning:
    def test_a_pull_is_signed_over_the_path_and_query_as_sent(self, stub, client, worker):
        stub.route("GET", PULL, Reply(200, {"cursor": "o:1830:7", "more": False}))
        client().pull(Replica(), "o:1830:6", limit=50)
        seen = stub.seen[0]
        assert seen.query == "cursor=o%3A1830%3A6&limit=50"
        parse_headers(seen.headers).verify(worker.key.public, "GET", seen.path, seen.query, b"")

    def test_a_push_is_signed_over_the_compressed_body(self, stub, client, worker):
        receiver = Receiver()
        stub.route("GET", MARK, receiver.mark)
        stub.route("POST", PUSH, receiver.push)
        client().push(worker.writer)
        seen = stub.requests_to(PUSH)[0]
        assert (seen.headers["Content-Type"], seen.headers["Content-Encoding"]) == (
            "application/x-ndjson", "br")
        parse_headers(seen.headers).verify(worker.key.public, "POST", PUSH, "", seen.body)


class TestIdempotentRequests:
    def test_two_503s_then_an_answer_is_an_answer(self, stub, client):
        stub.route("GET", MARK, Reply(503, b"busy", "text/plain"), Reply(503, b"busy",
                   "text/plain"), Receiver(3).mark)
        assert client().mark() == (3, "head-3")
        assert len(stub.seen) == 3

    def test_a_connection_closed_without_an_answer_is_tried_again(self, stub, client):
        stub.route("GET", MARK, DROP, Receiver(3).mark)
        assert client().mark() == (3, "head-3")

    def test_a_server_that_stays_down_is_unavailable(self, stub, client):
        stub.route("GET", MARK, Reply(503, b"busy", "text/plain"))
        with pytest.raises(ServerUnavailable) as down:
            client().mark()
        assert (down.value.code, down.value.status) == ("server_error", 503)
        assert len(stub.seen) == 1 + SETTINGS.retries

    def test_no_server_at_all_is_unreachable(self, client):
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        with pytest.raises(ServerUnavailable) as down:
            client(url=f"http://127.0.0.1:{port}").mark()
        assert down.value.code == "server_unreachable"

    def test_a_captive_portal_page_is_not_taken_for_an_answer(self, stub, client):
        stub.route("GET", MARK, Reply(200, b"<html>login</html>", "text/html"))
        with pytest.raises(ServerUnavailable) as down:
            client().mark()
        assert down.value.code == "bad_response"

    def test_a_revoked_device_is_told_so(self, stub, client):
        stub.route("GET", MARK, error(403, "device_revoked", "该设备已被停用"))
        with pytest.raises(DeviceRevoked) as revoked:
            client().mark()
        assert revoked.value.message == "该设备已被停用"


class TestPush:
    @pytest.fixture
    def receiver(self, stub) -> Receiver:
        receiver = Receiver()
        stub.route("GET", MARK, receiver.mark)
        stub.route("POST", PUSH, receiver.push)
        return receiver

    def test_every_operation_goes_in_batches_of_the_given_size(self, client, receiver,
                                                               worker):
        progress = []
        report = client().push(worker.writer, batch_size=3,
                               on_progress=lambda *step: progress.append(step))
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert (report.accepted, report.acknowledged_seq, report.batches) == (7, 7, 3)
        assert progress == [(1, 3), (2, 6), (3, 7)]

    def test_it_starts_after_the_servers_mark(self, client, receiver, worker):
        receiver.acked = 4
        client().push(worker.writer)
        assert receiver.batches == [[5, 6, 7]]

    def test_with_nothing_new_only_the_mark_is_asked(self, stub, client, receiver, worker):
        receiver.acked = 7
        report = client().push(worker.writer)
        assert [seen.path for seen in stub.seen] == [MARK]
        assert report.batches == 0

    def test_the_last_tree_head_is_reported(self, client, receiver, worker):
        report = client().push(worker.writer, batch_size=3)
        assert report.tree_head == {"street_id": "s-qianfoshan", "size": 7, "root": "r"}

    def test_quarantined_operations_are_reported(self, stub, client, receiver, worker):
        def quarantining(seen: Seen) -> Reply:
            answer = receiver.push(seen)
            answer.body["accepted"] -= 1
            answer.body["quarantined"] = [{
                "op": "9f2c", "seq": 2, "code": "outside_scope",
                "message": "只能在本人负责的网格内登记", "problems": [],
            }]
            return answer

        stub.route("POST", PUSH, quarantining)
        report = client().push(worker.writer)
        assert report.quarantined == [{"op": "9f2c", "seq": 2, "code": "outside_scope",
                                       "message": "只能在本人负责的网格内登记", "problems": []}]
        assert report.accepted == 6

    def test_server_failures_are_waited_out_with_growing_delays(self, stub, client, receiver,
                                                                worker, sleeps):
        busy = Reply(503, b"busy", "text/plain")
        stub.route("POST", PUSH, busy, busy, busy, receiver.push)
        report = client().push(worker.writer)
        assert report.acknowledged_seq == 7
        assert len(sleeps) == 3
        assert sleeps == sorted(set(sleeps))
        assert all(0 < delay <= SETTINGS.backoff_cap for delay in sleeps)

    def test_after_a_failure_the_mark_is_asked_again(self, stub, client, receiver, worker):
        stub.route("POST", PUSH, Reply(500, b"oops", "text/plain"), receiver.push)
        client().push(worker.writer)
        assert [seen.path for seen in stub.seen] == [MARK, PUSH, MARK, PUSH]

    def test_a_lost_answer_resumes_from_the_servers_mark_without_resending(
            self, stub, client, receiver, worker):
        stub.route("POST", PUSH, receiver.push, receiver.lost, receiver.push)
        stub.route("GET", QUARANTINED, Reply(200, {"quarantined": []}))
        report = client().push(worker.writer, batch_size=3)
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert [seen.path for seen in stub.seen] == [MARK, PUSH, PUSH, MARK, PUSH, QUARANTINED]
        assert (report.acknowledged_seq, report.sent_ops, report.retries) == (7, 7, 1)

    def test_after_a_lost_answer_the_quarantine_comes_from_the_server(
            self, stub, client, receiver, worker):
        held = {"op": "x", "seq": 5, "code": "outside_scope", "message": "只能在本人网格",
                "problems": []}
        stub.route("POST", PUSH, receiver.push, receiver.lost, receiver.push)
        stub.route("GET", QUARANTINED, Reply(200, {"quarantined": [held]}))
        report = client().push(worker.writer, batch_size=3)
        assert report.quarantined == [held]

    def test_it_gives_up_after_the_configured_attempts(self, stub, client, receiver, worker,
                                                       sleeps):
        stub.route("POST", PUSH, DROP)
        with pytest.raises(ServerUnavailable) as down:
            client().push(worker.writer)
        assert len(stub.requests_to(PUSH)) == SETTINGS.push_attempts
        assert len(sleeps) == SETTINGS.push_attempts - 1
        assert isinstance(down.value.report, PushReport)

    def test_what_got_through_before_giving_up_is_reported(self, stub, client, receiver,
                                                           worker):
        stub.route("POST", PUSH, receiver.push, Reply(502, b"", "text/plain"))
        with pytest.raises(ServerUnavailable) as down:
            client().push(worker.writer, batch_size=3)
        assert down.value.report.acknowledged_seq == 3

    def test_a_body_too_large_halves_the_batch(self, stub, client, receiver, worker):
        refused = []

        def small_bodies_only(seen: Seen) -> Reply:
            size = len(Batch.from_wire(brotli.decompress(seen.body)).ops)
            if size > 3:
                refused.append(size)
                return error(413, "body_too_large")
            return receiver.push(seen)

        stub.route("POST", PUSH, small_bodies_only)
        client().push(worker.writer, batch_size=500)
        assert refused == [7]
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]

    def test_a_proxys_413_without_our_error_body_also_halves(self, stub, client, receiver,
                                                             worker):
        stub.route("POST", PUSH, Reply(413, b"<html>Too Large</html>", "text/html"),
                   receiver.push)
        client().push(worker.writer, batch_size=8)
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]

    def test_a_single_operation_too_large_is_refused(self, stub, client, receiver, worker):
        stub.route("POST", PUSH, error(413, "body_too_large"))
        with pytest.raises(BatchRefused) as refused:
            client().push(worker.writer, batch_size=2)
        assert refused.value.code == "body_too_large"
        assert len(stub.requests_to(PUSH)) == 2

    def test_op_missing_resumes_from_the_acknowledged_mark(self, stub, client, receiver,
                                                           worker):
        receiver.acked = 2
        stub.route("GET", MARK, Reply(200, {"acknowledged": {"seq": 5, "head": "h5"}}))
        stub.route("POST", PUSH, error(409, "op_missing", acknowledged={"seq": 2, "head": "h"}),
                   receiver.push)
        client().push(worker.writer)
        assert receiver.batches == [[3, 4, 5, 6, 7]]

    def test_a_chain_error_is_refused_with_the_servers_code_and_message(self, stub, client,
                                                                        receiver, worker):
        stub.route("POST", PUSH, error(409, "chain_forked", "设备记录链出现分叉"))
        with pytest.raises(BatchRefused) as refused:
            client().push(worker.writer)
        assert (refused.value.code, refused.value.message, refused.value.status) == (
            "chain_forked", "设备记录链出现分叉", 409)
        assert len(stub.requests_to(PUSH)) == 1


def first_seq(seen: Seen) -> int:
    return Batch.from_wire(brotli.decompress(seen.body)).ops[0].seq


def in_chain_order(receiver: Receiver) -> Callable[[Seen], Reply]:
    """The receiver, taking each batch only once the one before it is in (a server takes
    whichever arrives first; this fixes the order the window's specifications expect)."""
    def take(seen: Seen) -> Reply:
        start = first_seq(seen)
        for _ in range(100):  # a second at most: then it is refused as out of order
            if receiver.acked >= start - 1:
                break
            time.sleep(0.01)
        return receiver.push(seen)
    return take


class TestPushWindow:
    @pytest.fixture
    def receiver(self, stub) -> Receiver:
        receiver = Receiver()
        stub.route("GET", MARK, receiver.mark)
        stub.route("POST", PUSH, in_chain_order(receiver))
        return receiver

    def test_the_next_batch_travels_while_the_last_is_answered(self, stub, client, receiver,
                                                               worker):
        third_arrived, overlapped = threading.Event(), []
        take = in_chain_order(receiver)

        def second_waits_for_the_third(seen: Seen) -> Reply:
            if first_seq(seen) == 3:
                overlapped.append(third_arrived.wait(timeout=3))
            elif first_seq(seen) == 5:
                third_arrived.set()
            return take(seen)

        stub.route("POST", PUSH, second_waits_for_the_third)
        client(settings=WINDOW).push(worker.writer, batch_size=2)
        assert overlapped == [True]

    def test_the_first_batch_goes_alone(self, stub, client, receiver, worker):
        answered, alone = threading.Event(), []
        take = in_chain_order(receiver)

        def note_when_the_second_comes(seen: Seen) -> Reply:
            if first_seq(seen) == 1:
                time.sleep(0.3)  # time enough for a second batch to come, if it were sent
                reply = take(seen)
                answered.set()
                return reply
            if first_seq(seen) == 4:
                alone.append(answered.is_set())
            return take(seen)

        stub.route("POST", PUSH, note_when_the_second_comes)
        client(settings=WINDOW).push(worker.writer, batch_size=3)
        assert alone == [True]

    def test_a_batch_leaves_with_a_head_start_on_the_next(self, stub, client, receiver,
                                                            worker):
        arrived: dict[int, float] = {}
        take = in_chain_order(receiver)

        def note_arrival(seen: Seen) -> Reply:
            arrived[first_seq(seen)] = time.monotonic()
            if first_seq(seen) == 3:
                time.sleep(0.6)  # answered well after the head start
            return take(seen)

        stub.route("POST", PUSH, note_arrival)
        staggered = ClientSettings(**{**WINDOW.__dict__, "push_stagger": 0.3})
        client(settings=staggered).push(worker.writer, batch_size=2)
        # Both were ready when the first answer came; the second left 0.3 s later, still
        # before the first of them was answered.
        assert 0.25 <= arrived[5] - arrived[3] < 0.55

    def test_answers_are_counted_in_chain_order(self, client, receiver, worker):
        progress = []
        report = client(settings=WINDOW).push(worker.writer, batch_size=3,
                                              on_progress=lambda *step: progress.append(step))
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert (report.accepted, report.acknowledged_seq, report.batches) == (7, 7, 3)
        assert progress == [(1, 3), (2, 6), (3, 7)]

    def test_a_failed_batch_is_sent_again_after_the_one_behind_it_is_answered(
            self, stub, client, receiver, worker, sleeps):
        busy = Reply(503, b"busy", "text/plain")
        take = in_chain_order(receiver)
        failed = []

        def first_fails_once(seen: Seen) -> Reply:
            if first_seq(seen) == 1 and not failed:
                failed.append(True)
                return busy
            return take(seen)

        stub.route("POST", PUSH, first_fails_once)
        report = client(settings=WINDOW).push(worker.writer, batch_size=3)
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert (report.acknowledged_seq, report.accepted, report.retries) == (7, 7, 1)
        assert len(sleeps) == 1

    def test_a_batch_built_ahead_is_not_sent_when_the_push_resumes_before_it(
            self, stub, client, receiver, worker, sleeps):
        for _ in range(3):
            worker.writer.create("visit", visit_example())
        busy = Reply(503, b"busy", "text/plain")
        take = in_chain_order(receiver)
        arrivals: list[int] = []

        def second_fails_once(seen: Seen) -> Reply:
            arrivals.append(first_seq(seen))
            if arrivals == [1, 4]:  # by now [7, 8, 9] is on its way and [10] built
                return busy
            return take(seen)

        stub.route("POST", PUSH, second_fails_once)
        report = client(settings=WINDOW).push(worker.writer, batch_size=3)
        # [7, 8, 9] overtook the failed batch and was refused; after the mark the push went
        # on from 4, not with the batch it had built to follow [7, 8, 9].
        assert arrivals == [1, 4, 7, 4, 7, 10]
        assert (report.acknowledged_seq, report.accepted) == (10, 10)

    def test_a_lost_answer_with_the_next_batch_on_its_way_sends_nothing_twice(
            self, stub, client, receiver, worker):
        take = in_chain_order(receiver)

        def first_answer_lost(seen: Seen) -> Any:
            return receiver.lost(seen) if first_seq(seen) == 1 else take(seen)

        stub.route("POST", PUSH, first_answer_lost)
        stub.route("GET", QUARANTINED, Reply(200, {"quarantined": []}))
        report = client(settings=WINDOW).push(worker.writer, batch_size=3)
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert (report.acknowledged_seq, report.retries) == (7, 1)
        assert report.accepted == 4  # the lost answer's three are the server's to tell

    def test_a_batch_that_overtook_the_one_before_it_is_sent_again(self, stub, client,
                                                                   receiver, worker):
        third_answered = threading.Event()

        def third_arrives_first(seen: Seen) -> Reply:
            if first_seq(seen) == 4:
                third_answered.wait(timeout=3)
            reply = receiver.push(seen)
            if first_seq(seen) == 7:
                third_answered.set()
            return reply

        stub.route("POST", PUSH, third_arrives_first)
        report = client(settings=WINDOW).push(worker.writer, batch_size=3)
        assert receiver.batches == [[1, 2, 3], [4, 5, 6], [7]]
        assert [seen.path for seen in stub.seen].count(MARK) == 2
        assert (report.acknowledged_seq, report.accepted) == (7, 7)

    def test_a_body_too_large_halves_the_batch_with_another_on_its_way(
            self, stub, client, receiver, worker):
        take = in_chain_order(receiver)

        def small_bodies_only(seen: Seen) -> Reply:
            size = len(Batch.from_wire(brotli.decompress(seen.body)).ops)
            return error(413, "body_too_large") if size > 2 else take(seen)

        stub.route("POST", PUSH, small_bodies_only)
        client(settings=WINDOW).push(worker.writer, batch_size=4)
        assert receiver.batches == [[1, 2], [3, 4], [5, 6], [7]]


def page(cursor: str, more: bool, **parts: Any) -> Reply:
    return Reply(200, {"cursor": cursor, "more": more, "snapshot": [], "ops": [], **parts})


ROSTER = {"version": 7, "households": [], "workers": [], "grids": [], "patrol_teams": []}


class TestPull:
    def test_pages_are_followed_while_the_server_has_more(self, stub, client):
        stub.route("GET", PULL, page("o:1:1", True), page("o:2:1", True), page("o:3:1", False))
        report = client().pull(Replica(), None, limit=2)
        assert [seen.query for seen in stub.seen] == [
            "limit=2", "cursor=o%3A1%3A1&limit=2", "cursor=o%3A2%3A1&limit=2"]
        assert (report.cursor, report.pages) == ("o:3:1", 3)

    def test_the_roster_of_the_last_page_that_had_one_is_kept(self, stub, client):
        stub.route("GET", PULL, page("o:1:7", True, roster=ROSTER), page("o:2:7", False))
        assert client().pull(Replica(), None).roster == ROSTER

    def test_a_cursor_that_does_not_move_is_not_followed_forever(self, stub, client):
        stub.route("GET", PULL, page("o:1:1", True))
        with pytest.raises(ServerUnavailable) as down:
            client().pull(Replica(), "o:1:1")
        assert down.value.code == "bad_response"

    def test_a_failed_page_keeps_the_cursor_of_the_last_applied_one(self, stub, client):
        stub.route("GET", PULL, page("o:1:1", True), Reply(500, b"", "text/plain"))
        with pytest.raises(ServerUnavailable) as down:
            client().pull(Replica(), None)
        assert down.value.report.cursor == "o:1:1"

    def test_a_snapshot_record_without_its_id_is_not_adopted(self, stub, client, tablet):
        other = tablet("other")
        state = other.replica.state(other.writer.create("visit", visit_example())).data
        stub.route("GET", PULL, page("s:1", False, snapshot=[{**state, "id": None}]))
        replica = Replica()
        with pytest.raises(ServerUnavailable) as down:
            client().pull(replica, None)
        assert down.value.code == "bad_response"
        assert list(replica.records()) == []

    def test_an_altered_operation_is_not_applied(self, stub, client, tablet):
        other = tablet("other")
        other.writer.create("visit", visit_example())
        altered = other.all_ops()[0].to_json()
        altered["changes"]["situation"] = "改过的记录"
        stub.route("GET", PULL, page("o:1:1", False, ops=[altered]))
        replica = Replica()
        with pytest.raises(ServerUnavailable) as down:
            client().pull(replica, None)
        assert down.value.code == "bad_response"
        assert replica.store.count_ops() == 0

    def test_pulled_operations_are_applied(self, stub, client, tablet):
        other = tablet("other")
        for _ in range(3):
            other.writer.create("visit", visit_example())
        ops = [op.to_json() for op in other.all_ops()]
        stub.route("GET", PULL, page("o:1:1", True, ops=ops[:2]),
                   page("o:2:1", False, ops=ops[2:]))
        replica = Replica()
        report = client().pull(replica, None)
        assert report.applied == 3
        assert replica.digest() == other.replica.digest()

    def test_a_snapshot_is_adopted(self, stub, client, tablet):
        other = tablet("other")
        record_id = other.writer.create("visit", visit_example())
        state = other.replica.state(record_id).data
        stub.route("GET", PULL, page("s:1", False, snapshot=[state]))
        replica = Replica()
        report = client().pull(replica, None)
        assert report.snapshot_records == 1
        assert replica.record(record_id) == other.replica.record(record_id)
