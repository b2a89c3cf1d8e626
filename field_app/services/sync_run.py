"""One sync of the tablet with the server: hand over what is waiting, then take what changed.

Each step's result is saved in the device profile as soon as it is known (the server's
acknowledged mark after the push, the pull cursor after each pull, even a failed one), so a
retry resumes instead of starting over and a tablet that dies mid-sync loses nothing: the
push asks the server's mark before it sends, and the pull starts from the saved cursor.

The sync runs in a thread of its own (`field_app.services.background_sync`) while the
worker goes on saving records, so every touch of the local replica takes its turn with the
screens' saves (`turn`): the network waits happen outside it.

A pull the tablet has no room to store stops with `StorageFull` (``disk_full``, its message
``app.sync.disk_full``): the pages stored before it count, and the next sync resumes there.
A profile (the sync's marks) that cannot be written stops it the same way; the next sync
starts from the marks kept before, and the server answers what it already has as such.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from field_app.services.device_profile import DeviceProfile
from field_app.services.sealed_store import storage_full
from sync.catalogue import text
from sync.chain import Batch
from sync.client import PullReport, PushReport, SyncClient
from sync.client_errors import DeviceRevoked, SyncError
from sync.clock import wall_ms
from sync.operation import Operation
from sync.replica import ApplyReport, Replica
from sync.writer import RecordWriter


class StorageFull(SyncError):
    """The tablet's storage is full: what the pull brought, the sync's marks or the
    request counter could not be stored."""

    def __init__(self) -> None:
        super().__init__("disk_full", text("app.sync.disk_full"))


class ProfileStore(Protocol):
    def load(self) -> DeviceProfile: ...

    def save(self, profile: DeviceProfile) -> None: ...


@dataclass(frozen=True)
class SyncStep:
    """Progress for the sync screen's bar: `phase` is ``push`` or ``pull``; `done` batches
    (or pages) so far and `items` operations acknowledged (or records received)."""

    phase: str
    done: int
    items: int


@dataclass
class SyncOutcome:
    """What one sync did, for the worker to read."""

    sent: int = 0
    """Operations the server acknowledged in this sync."""
    received: int = 0
    """Records and operations the pull brought."""
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    """The server kept these aside, each ``{op, seq, code, message, problems}``."""
    waiting: int = 0
    """Operations still on the tablet only, after this sync."""
    conflicts: int = 0
    """Fields with competing versions that wait for the office's decision."""
    retries: int = 0
    """Push batches sent again after the network or the server failed them."""
    problem: SyncError | None = None
    """Why the sync stopped early, if it did (its `message` is in Chinese)."""
    revoked: bool = False
    """The office stopped this tablet: it sends and receives nothing more."""
    finished_at_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.problem is None


class SyncRun:
    """Push, then pull, for one enrolled tablet."""

    def __init__(self, client: SyncClient, writer: RecordWriter, profiles: ProfileStore, *,
                 turn: threading.RLock | None = None, batch_size: int = 500,
                 now_ms: Callable[[], int] = wall_ms) -> None:
        self.client = client
        self.writer = writer
        self.profiles = profiles
        self.turn = turn if turn is not None else threading.RLock()
        self.batch_size = batch_size
        self._now_ms = now_ms

    def run(self, on_step: Callable[[SyncStep], None] | None = None) -> SyncOutcome:
        """One sync; never raises a `SyncError`: the outcome says what went wrong."""
        outcome = SyncOutcome()
        profile = self.profiles.load()
        try:
            with _full_storage_stops_the_sync():  # the request counter too: kept before use
                profile = self._push(profile, outcome, on_step)
                profile = self._pull(profile, outcome, on_step)
        except SyncError as problem:
            outcome.problem = problem
            outcome.revoked = isinstance(problem, DeviceRevoked)
            profile = self._keep_progress(profile, problem.report, outcome)
        outcome.finished_at_ms = self._now_ms()
        if outcome.succeeded:
            profile = profile.updated(last_sync_ms=outcome.finished_at_ms)
        try:
            self._keep(profile)
        except StorageFull as problem:  # the marks kept before stay: nothing goes twice
            outcome.problem = outcome.problem or problem
        with self.turn:
            outcome.waiting = max(0, self.writer.chain.seq - profile.acknowledged_seq)
            outcome.conflicts = len(self.writer.replica.conflicts())
        return outcome

    def _push(self, profile: DeviceProfile, outcome: SyncOutcome,
              on_step: Callable[[SyncStep], None] | None) -> DeviceProfile:
        report = self.client.push(_WriterTakingTurns(self.writer, self.turn),
                                  self.batch_size, _stepper("push", on_step))
        profile = self._pushed(profile, report, outcome)
        self._keep(profile)
        return profile

    def _keep(self, profile: DeviceProfile) -> None:
        with _full_storage_stops_the_sync():
            self.profiles.save(profile)

    def _pull(self, profile: DeviceProfile, outcome: SyncOutcome,
              on_step: Callable[[SyncStep], None] | None) -> DeviceProfile:
        report = self.client.pull(_ReplicaTakingTurns(self.writer.replica, self.turn),
                                  profile.pull_cursor, self.batch_size,
                                  _stepper("pull", on_step))
        return self._pulled(profile, report, outcome)

    def _pushed(self, profile: DeviceProfile, report: PushReport, outcome: SyncOutcome
                ) -> DeviceProfile:
        outcome.sent += report.sent_ops
        outcome.retries += report.retries
        outcome.quarantined.extend(report.quarantined)
        if report.acknowledged_seq > profile.acknowledged_seq:
            profile = profile.updated(acknowledged_seq=report.acknowledged_seq)
        return profile

    def _pulled(self, profile: DeviceProfile, report: PullReport, outcome: SyncOutcome
                ) -> DeviceProfile:
        outcome.received += report.received
        with self.turn:
            self.writer.clock.observe(report.latest)
        changes: dict[str, Any] = {"pull_cursor": report.cursor}
        if report.roster is not None:
            changes["roster"] = report.roster
        return profile.updated(**changes)

    def _keep_progress(self, profile: DeviceProfile, report: PushReport | PullReport | None,
                       outcome: SyncOutcome) -> DeviceProfile:
        """What a failed step had done still counts: a retry resumes after it."""
        if isinstance(report, PushReport):
            return self._pushed(profile, report, outcome)
        if isinstance(report, PullReport) and report.pages:
            return self._pulled(profile, report, outcome)
        return profile


def _stepper(phase: str, on_step: Callable[[SyncStep], None] | None
             ) -> Callable[[int, int], None] | None:
    if on_step is None:
        return None
    return lambda done, items: on_step(SyncStep(phase, done, items))


class _WriterTakingTurns:
    """The writer as the push sees it: reading the chain takes its turn with saves."""

    def __init__(self, writer: RecordWriter, turn: threading.RLock) -> None:
        self._writer = writer
        self._turn = turn

    @property
    def chain(self) -> Any:
        return self._writer.chain

    def batch_since(self, acknowledged_seq: int, limit: int = 500) -> Batch:
        with self._turn:
            return self._writer.batch_since(acknowledged_seq, limit)


class _ReplicaTakingTurns:
    """The replica as the pull sees it: each page is applied in its own turn, and a page
    the storage has no room for stops the pull with `StorageFull`."""

    def __init__(self, replica: Replica, turn: threading.RLock) -> None:
        self._replica = replica
        self._turn = turn

    def adopt_snapshot(self, states: Iterable[dict[str, Any]]) -> int:
        with self._turn, _full_storage_stops_the_sync():
            return self._replica.adopt_snapshot(states)

    def apply(self, ops: Iterable[Operation], *, relayed: bool = False) -> ApplyReport:
        with self._turn, _full_storage_stops_the_sync():
            return self._replica.apply(ops, relayed=relayed)


@contextmanager
def _full_storage_stops_the_sync() -> Iterator[None]:
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        if storage_full(error):
            raise StorageFull() from error
        raise
