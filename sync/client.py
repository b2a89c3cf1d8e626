"""The sync client the field app uses: enrol once, then push this device's chain and pull
what changed in its scope, over a mobile network that drops, stalls and cuts off.

Every step is safe to repeat. The server skips operations it already holds, so a push whose
answer was lost is resumed by asking where the chain stands (`mark`) and continuing from
there; a pull is resumed from the last cursor. Requests are signed (`sync.request_signing`)
with a counter that is saved before each request leaves, so a restart can never reuse one.
A push keeps up to `ClientSettings.push_window` batches on the way at once (each on its own
connection), so the server enters one batch while the next is already arriving: on a
mobile network that hides most of each round trip. Answers are still taken in chain order.
Otherwise one client sends one request at a time: it is not meant to be shared between
threads.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sync import canonical, content_coding
from sync.chain import Batch
from sync.client_errors import (
    AuthFailed,
    BatchRefused,
    ChainBehind,
    DeviceRevoked,
    EnrolmentRefused,
    RequestRefused,
    ServerUnavailable,
    SyncError,
    bad_response,
    read_error,
    refusal,
    unreachable,
)
from sync.clock import Timestamp, wall_ms
from sync.operation import Operation, OperationInvalid
from sync.replica import Replica
from sync.request_counter import CounterStore, FileCounter, MemoryCounter
from sync.request_signing import sign_headers
from sync.signing import DeviceKey
from sync.writer import RecordWriter

__all__ = [
    "AuthFailed", "BatchRefused", "ChainBehind", "ClientSettings", "CounterStore", "DeviceRevoked",
    "Enrolment", "EnrolmentRefused", "FileCounter", "MemoryCounter", "PullReport",
    "PushReport", "RequestRefused", "ServerUnavailable", "SyncClient", "SyncError",
]

ENROL_PATH = "/api/v1/enrol"
MARK_PATH = "/api/v1/sync/mark"
PUSH_PATH = "/api/v1/sync/push"
PULL_PATH = "/api/v1/sync/pull"
QUARANTINED_PATH = "/api/v1/sync/quarantined"

_PUSH_HEADERS = {"Content-Type": "application/x-ndjson",
                 "Content-Encoding": content_coding.PREFERRED}

Progress = Callable[[int, int], None]
"""`on_progress(done, count)`: batches pushed and operations acknowledged, or pages pulled
and records received; for the app's progress bar."""


@dataclass(frozen=True)
class ClientSettings:
    """Timeouts and retry limits. The defaults suit a tablet on a weak mobile network."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    """urllib3 retries: connection failures, and on GETs lost answers and 502/503/504."""
    retry_backoff: float = 0.5
    """urllib3's backoff factor between those retries, in seconds."""
    push_attempts: int = 5
    """How many times a push tries after the network or server failed, before giving up."""
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    push_window: int = 2
    """How many push batches may be on the way at once. With 2 the next batch travels while
    the server enters the last one; 1 sends them strictly one after another."""
    push_stagger: float = 0.02
    """Seconds a batch waits after the one before it left (unless that one is answered
    sooner), so that the server gets them in chain order even when both are ready at once."""

    def retry(self) -> Retry:
        """urllib3's policy. POSTs are retried only when the connection failed, that is when
        nothing was sent; the push loop handles a POST whose answer was lost."""
        return Retry(
            total=self.retries, connect=self.retries, read=self.retries,
            status=self.retries, other=0, allowed_methods=frozenset({"GET", "HEAD"}),
            status_forcelist=(502, 503, 504), backoff_factor=self.retry_backoff,
            backoff_max=self.backoff_cap, raise_on_status=False,
            respect_retry_after_header=False,
        )

    def backoff(self, failures: int, jitter: float) -> float:
        """Seconds to wait after the `failures`-th failure in a row: exponential and capped,
        with half of it random (`jitter` in [0, 1)) so tablets that lost the network together
        do not all come back in the same second."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
        return ceiling / 2 + jitter * ceiling / 2

    def timeout(self) -> tuple[float, float]:
        return self.connect_timeout, self.read_timeout


def make_session(settings: ClientSettings) -> requests.Session:
    """A session whose connections retry as `settings.retry()` says."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=settings.retry())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class Enrolment:
    """What the server tells a tablet when it enrols: who it is and whom it serves."""

    device_id: str
    worker: dict[str, Any]
    scope: dict[str, Any]
    server_key: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Enrolment:
        device_id = data.get("device_id")
        parts = [data.get(name) for name in ("worker", "scope", "server_key")]
        if not isinstance(device_id, str) or not all(isinstance(p, dict) for p in parts):
            raise bad_response(201, "enrolment answer")
        return cls(device_id, *parts)


@dataclass
class PushReport:
    """What a push did. Quarantined operations are kept by the server, not lost: each entry
    is ``{op, seq, code, message, problems}`` for the app to show."""

    acknowledged_seq: int = 0
    acknowledged_head: str = ""
    accepted: int = 0
    duplicates: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    tree_head: dict[str, Any] | None = None
    batches: int = 0
    sent_ops: int = 0
    """Operations the server acknowledged during this push."""
    retries: int = 0


@dataclass
class PullReport:
    """What a pull brought. The app stores `cursor` (and `roster`, when one came)."""

    cursor: str | None = None
    pages: int = 0
    snapshot_records: int = 0
    applied: int = 0
    duplicates: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    roster: dict[str, Any] | None = None
    latest: Timestamp = (0, 0)
    """The latest clock among applied operations: the writer's clock should observe it."""

    @property
    def received(self) -> int:
        return self.snapshot_records + self.applied + self.duplicates + len(self.quarantined)


def _clock_us() -> int:
    return time.time_ns() // 1000


class SyncClient:
    """One enrolled device talking to the sync server."""

    def __init__(
        self,
        base_url: str,
        device_id: str,
        key: DeviceKey,
        counter: CounterStore,
        *,
        session: requests.Session | None = None,
        settings: ClientSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        now_us: Callable[[], int] = _clock_us,
        now_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.settings = settings or ClientSettings()
        self.session = session if session is not None else make_session(self.settings)
        self._key = key
        self._counter = counter
        self._sleep = sleep
        self._jitter = jitter
        self._now_us = now_us
        self._now_ms = now_ms
        self._counter_lock = threading.Lock()
        self._thread_sessions = threading.local()
        self._helper_sessions: list[requests.Session] = []

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- enrolment -------------------------------------------------------------------------

    @staticmethod
    def enrol(base_url: str, code: str, key: DeviceKey, device_name: str,
              session: requests.Session | None = None,
              settings: ClientSettings | None = None) -> Enrolment:
        """Trade a one-time code and this tablet's public key for a device identity.

        Sent again if the answer is lost: the server gives the same device back for the
        same code and key. Raises `EnrolmentRefused` for a bad code or a key enrolled by
        another code, `ServerUnavailable` when the server cannot be reached.
        """
        settings = settings or ClientSettings()
        http = session if session is not None else make_session(settings)
        payload = {"code": code, "public_key": key.public.to_text(), "device_name": device_name}
        try:
            for attempt in range(1, settings.push_attempts + 1):
                try:
                    response = http.post(base_url.rstrip("/") + ENROL_PATH, json=payload,
                                         timeout=settings.timeout())
                    break
                except requests.RequestException as exc:
                    if attempt == settings.push_attempts:
                        raise unreachable(exc) from exc
                    time.sleep(settings.backoff(attempt, random.random()))
        finally:
            if session is None:
                http.close()
        if not response.ok:
            raise refusal(response.status_code, response.content, EnrolmentRefused)
        return Enrolment.from_json(_json(response))

    # -- the acknowledged mark ---------------------------------------------------------------

    def mark(self) -> tuple[int, str]:
        """(seq, head) of this device's chain as the server holds it."""
        data = _json(self._signed("GET", MARK_PATH))
        acknowledged = data.get("acknowledged")
        if not isinstance(acknowledged, dict):
            raise bad_response(200, "mark answer")
        seq, head = acknowledged.get("seq"), acknowledged.get("head")
        if not _is_count(seq) or not isinstance(head, str):
            raise bad_response(200, "mark answer")
        return seq, head

    # -- push ------------------------------------------------------------------------------

    def push(self, writer: RecordWriter, batch_size: int = 500,
             on_progress: Progress | None = None) -> PushReport:
        """Hand every operation the server has not acknowledged over, in signed batches.

        After a lost answer or a server failure it waits (growing, jittered delays), asks the
        mark again and continues from there, so nothing is sent twice as new. A body too
        large for the server is split in halves. Raises `ServerUnavailable` after
        `settings.push_attempts` failures in a row; the exception's `report` says what got
        through.
        """
        report = PushReport()
        try:
            self._push(writer, max(1, batch_size), report, on_progress)
        except SyncError as exc:
            exc.report = report
            raise
        return report

    def _push(self, writer: RecordWriter, size: int, report: PushReport,
              on_progress: Progress | None) -> None:
        window = max(1, self.settings.push_window)
        if window == 1:
            self._push_from_marks(writer, size, report, on_progress, None)
            return
        try:
            with ThreadPoolExecutor(window, thread_name_prefix="minqing-push",
                                    initializer=self._give_thread_a_session) as pool:
                self._push_from_marks(writer, size, report, on_progress, pool)
        finally:
            while self._helper_sessions:
                self._helper_sessions.pop().close()

    def _push_from_marks(self, writer: RecordWriter, size: int, report: PushReport,
                         on_progress: Progress | None, pool: ThreadPoolExecutor | None
                         ) -> None:
        """Batches from the server's mark on, answers taken in chain order.

        With a `pool`, batches are sent from its threads, each compressed here first, so a
        batch leaves only after the one before it is on its way. When a batch fails, the
        ones sent after it are waited for (their answers still count) and the push goes on
        from where the server stands.
        """
        mark: int | None = None
        start: int | None = None
        failures = 0
        answers_lost = False
        in_flight: deque[_InFlight] = deque()
        staged: _InFlight | None = None
        while True:
            current: _InFlight | None = None
            try:
                if mark is None:
                    mark, report.acknowledged_head = self.mark()
                    report.acknowledged_seq = mark
                    start = mark if start is None else start
                    if mark > writer.chain.seq:
                        raise ChainBehind("chain_behind", details={
                            "server_seq": mark, "tablet_seq": writer.chain.seq})
                # The first batch goes alone: the server's workers are still cold, and a
                # push that fails at once fails with one batch. The window opens with its
                # answer.
                staged = self._fill(in_flight, writer, mark, size,
                                    pool if report.batches else None, staged)
                if not in_flight:
                    if answers_lost and start is not None:
                        report.quarantined = self.quarantined(after=start)
                    return
                current = in_flight.popleft()
                result = current.answer(self)
            except ServerUnavailable as unavailable:
                failures += 1
                self._settle(in_flight, report)
                if failures >= self.settings.push_attempts:
                    raise
                # No HTTP answer at all after sending: the server may have taken the batch.
                answers_lost = answers_lost or (current is not None
                                                and unavailable.status is None)
                report.retries += 1
                self._sleep(self.settings.backoff(failures, self._jitter()))
                mark = None
                continue
            except BatchRefused as refused:
                self._settle(in_flight, report)
                assert current is not None  # nothing else raises it
                if refused.code == "op_missing" and pool is not None:
                    # It may have overtaken the batch before it, so the mark it names may be
                    # older than an answer already taken: ask where the chain stands now.
                    mark = None
                    continue
                mark, size = _recover(refused, current.since, size, current.batch)
                continue
            failures = 0
            mark = self._count(report, result, start, on_progress)

    def _fill(self, in_flight: deque[_InFlight], writer: RecordWriter, mark: int, size: int,
              pool: ThreadPoolExecutor | None, staged: _InFlight | None) -> _InFlight | None:
        """Send batches until the window is full or the chain is all on its way.

        With a window, the batch after those is built and compressed too (and returned), so
        it leaves the moment an answer makes room: building it then would keep the server
        waiting for it. `staged` is the one built last time, sent if it still follows on."""
        window = 1 if pool is None else self.settings.push_window
        since = in_flight[-1].batch.ops[-1].seq if in_flight else mark
        while True:
            if staged is not None and staged.since == since and len(staged.batch.ops) <= size:
                sending, staged = staged, None
            else:
                batch = writer.batch_since(since, size)
                if not batch.ops:
                    return None
                sending = _InFlight(since, batch, content_coding.compress(batch.to_wire()))
            if pool is None:
                in_flight.append(sending)
                if len(in_flight) >= window:
                    return None
            elif len(in_flight) >= window:
                return sending
            else:
                if in_flight:
                    in_flight[-1].wait_for_head_start(self.settings.push_stagger)
                sending.future = pool.submit(self._push_batch, sending.body, since)
                sending.sent_at = time.monotonic()
                in_flight.append(sending)
            since = sending.batch.ops[-1].seq

    def _settle(self, in_flight: deque[_InFlight], report: PushReport) -> None:
        """After a failed batch: wait for the ones sent after it and count those the server
        took. The push then resumes from the mark, wherever they left it."""
        while in_flight:
            later = in_flight.popleft()
            if later.future is None:
                continue
            # A failure here is a consequence of the one before it.
            with contextlib.suppress(SyncError):
                _record(report, later.future.result())

    def _count(self, report: PushReport, result: dict[str, Any], start: int | None,
               on_progress: Progress | None) -> int:
        mark = _record(report, result)
        report.batches += 1
        report.sent_ops = max(0, mark - (start or 0))
        if on_progress is not None:
            on_progress(report.batches, report.sent_ops)
        return mark

    def quarantined(self, after: int = 0) -> list[dict[str, Any]]:
        """The server's quarantined operations of this device after chain position `after`:
        the reasons to show when a push's answer was lost on the way."""
        data = _json(self._signed("GET", QUARANTINED_PATH, query=[("after", str(after))]))
        items = data.get("quarantined")
        if not isinstance(items, list):
            raise bad_response(200, "quarantined answer")
        return items

    def _push_batch(self, body: bytes, mark: int) -> dict[str, Any]:
        answer = _json(self._signed("POST", PUSH_PATH, body=body, headers=_PUSH_HEADERS,
                                    refused=BatchRefused))
        acknowledged = answer.get("acknowledged")
        seq = acknowledged.get("seq") if isinstance(acknowledged, dict) else None
        if not _is_count(seq) or not isinstance(acknowledged.get("head"), str):
            raise bad_response(200, "push answer")
        if seq <= mark:
            # The server took the batch but did not move: retrying later is all we can do.
            raise bad_response(200, "acknowledged mark did not advance")
        return answer

    # -- pull ------------------------------------------------------------------------------

    def pull(self, replica: Replica, cursor: str | None, limit: int = 500,
             on_progress: Progress | None = None) -> PullReport:
        """Bring what changed in this device's scope since `cursor` (None: from a snapshot).

        Pages are applied as they come; the returned cursor is where the next pull starts.
        If a page fails, the exception's `report.cursor` is the last page applied.
        """
        report = PullReport(cursor=cursor)
        try:
            while True:
                query = [("limit", str(limit))]
                if report.cursor is not None:
                    query.insert(0, ("cursor", report.cursor))
                page = _json(self._signed("GET", PULL_PATH, query=query))
                more = self._apply_page(replica, page, report)
                if on_progress is not None:
                    on_progress(report.pages, report.received)
                if not more:
                    return report
        except SyncError as exc:
            exc.report = report
            raise

    def _apply_page(self, replica: Replica, page: dict[str, Any], report: PullReport) -> bool:
        """Apply one page to the replica; True if the server has more."""
        cursor, more = page.get("cursor"), page.get("more")
        snapshot, raw_ops = page.get("snapshot", []), page.get("ops", [])
        roster = page.get("roster")
        if (not isinstance(cursor, str) or not isinstance(more, bool)
                or not isinstance(snapshot, list) or not isinstance(raw_ops, list)
                or not (roster is None or isinstance(roster, dict))):
            raise bad_response(200, "pull page")
        if more and cursor == report.cursor:
            raise bad_response(200, "pull cursor did not advance")
        if not all(isinstance(state, dict) and isinstance(state.get("id"), str)
                   and isinstance(state.get("ops"), list) for state in snapshot):
            raise bad_response(200, "pulled record state")
        try:
            ops = [Operation.from_json(raw) for raw in raw_ops]
        except (OperationInvalid, AttributeError, TypeError) as exc:
            raise bad_response(200, f"pulled operation: {exc}") from exc
        if snapshot:
            replica.adopt_snapshot(snapshot)
            report.snapshot_records += len(snapshot)
        if ops:
            applied = replica.apply(ops, relayed=True)
            report.applied += len(applied.applied)
            report.duplicates += applied.duplicates
            report.quarantined.extend(applied.quarantined)
            report.latest = max(report.latest, applied.latest)
        if roster is not None:
            report.roster = roster
        report.cursor = cursor
        report.pages += 1
        return more

    # -- signed requests -------------------------------------------------------------------

    def _signed(self, method: str, path: str, *, query: Sequence[tuple[str, str]] = (),
                body: bytes = b"", headers: dict[str, str] | None = None,
                refused: type[RequestRefused] = RequestRefused) -> requests.Response:
        """Send a signed request and return its 2xx answer; raise a `SyncError` otherwise.

        If the server says the counter was used already (a restored tablet, a lost counter
        file), the counter moves past the server's and the request is sent once more.
        """
        query_string = urlencode(query)
        response = self._send(method, path, query_string, body, headers or {})
        if response.status_code == 401:
            code, _, details = read_error(401, response.content)
            last = details.get("last_counter")
            if code == "request_replayed" and _is_count(last):
                self._counter.save(last)
                response = self._send(method, path, query_string, body, headers or {})
        if not response.ok:
            raise refusal(response.status_code, response.content, refused)
        return response

    def _send(self, method: str, path: str, query: str, body: bytes,
              headers: dict[str, str]) -> requests.Response:
        counter = self._next_counter()
        signed = sign_headers(self._key, self.device_id, counter, self._now_ms(), method, path,
                              query, body)
        url = self.base_url + path + (f"?{query}" if query else "")
        try:
            return self._session().request(
                method, url, data=body or None, timeout=self.settings.timeout(),
                headers={"Accept": "application/json",
                         "Accept-Encoding": content_coding.ACCEPTED,
                         **headers, **signed},
            )
        except requests.RequestException as exc:
            raise unreachable(exc) from exc

    def _next_counter(self) -> int:
        """Above every counter used before, from the clock when that is higher (so a lost
        counter file recovers by itself), and saved before the request leaves."""
        with self._counter_lock:
            counter = max(self._counter.load() + 1, self._now_us())
            self._counter.save(counter)
        return counter

    def _session(self) -> requests.Session:
        """`self.session`, except on a push's helper threads, which have their own (a
        requests session is not made to be shared between threads)."""
        return getattr(self._thread_sessions, "session", self.session)

    def _give_thread_a_session(self) -> None:
        """A helper thread's session: the caller's settings (TLS, proxies, headers, hooks)
        on connections of its own."""
        session = make_session(self.settings)
        for name in ("headers", "auth", "proxies", "hooks", "verify", "cert", "trust_env"):
            setattr(session, name, getattr(self.session, name))
        self._thread_sessions.session = session
        self._helper_sessions.append(session)


@dataclass
class _InFlight:
    """A push batch on its way: sent from `since` (the mark before it) as `body`; `future`
    holds the answer when a helper thread sent it."""

    since: int
    batch: Batch
    body: bytes
    future: Future[dict[str, Any]] | None = None
    sent_at: float = 0.0

    def wait_for_head_start(self, stagger: float) -> None:
        """Until `stagger` seconds after this batch left, or its answer, whichever is first:
        the next batch then reaches the server after this one."""
        remaining = self.sent_at + stagger - time.monotonic()
        if self.future is not None and remaining > 0:
            wait([self.future], timeout=remaining)

    def answer(self, client: SyncClient) -> dict[str, Any]:
        if self.future is None:
            return client._push_batch(self.body, self.since)
        return self.future.result()


def _recover(refused: BatchRefused, mark: int | None, size: int, batch: Batch | None
             ) -> tuple[int | None, int]:
    """(mark, batch size) to continue with after a refused push; re-raise if there is none."""
    if refused.code == "body_too_large" and batch is not None and len(batch.ops) > 1:
        return mark, max(1, len(batch.ops) // 2)
    if refused.code == "op_missing" and mark is not None:
        acknowledged = refused.details.get("acknowledged")
        seq = acknowledged.get("seq") if isinstance(acknowledged, dict) else None
        if _is_count(seq) and seq < mark:
            return seq, size
    raise refused


def _record(report: PushReport, answer: dict[str, Any]) -> int:
    """Add one push answer to the report; returns the new acknowledged seq."""
    acknowledged = answer["acknowledged"]
    report.acknowledged_seq, report.acknowledged_head = acknowledged["seq"], acknowledged["head"]
    report.accepted += _count_or_zero(answer.get("accepted"))
    report.duplicates += _count_or_zero(answer.get("duplicates"))
    for entry in answer.get("quarantined") or []:
        if isinstance(entry, dict):
            report.quarantined.append({
                "op": entry.get("op"), "seq": entry.get("seq"), "code": entry.get("code"),
                "message": entry.get("message"), "problems": entry.get("problems") or [],
            })
    if isinstance(answer.get("tree_head"), dict):
        report.tree_head = answer["tree_head"]
    return report.acknowledged_seq


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        return canonical.decode_object(response.content)
    except ValueError as exc:
        raise bad_response(response.status_code, "not a JSON object") from exc


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count_or_zero(value: Any) -> int:
    return value if _is_count(value) else 0
