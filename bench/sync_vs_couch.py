"""Sync throughput and wire size: our server against pouchdb-server, same records, one run.

20,000 records a community office writes (visits, dispute cases, patrol logs in Chinese, as
the demo roster's 燕子山社区; a tenth of them edited once afterwards) go through both
systems in batches of the same size:

- ours: one community-staff tablet (刘洋, w-liuyang) pushes its chain with `SyncClient.push`
  (as the app does: two batches on the way at once, `ClientSettings.push_window`) to
  gunicorn on a fresh SQLite file (or PostgreSQL with --postgres); then a second, new
  tablet of the community pulls everything (`SyncClient.pull`: a snapshot of the merged
  records, applied to a replica);
- pouchdb-server 4.2.0 (npm, LevelDB on disk), spoken to in two ways:
  - PouchDB's own replicator (pouchdb 7.3.1 in Node.js, `bench/couch/replicate.js`): the
    records saved in a local in-memory PouchDB (edits as next revisions), replicated to the
    server (`_revs_diff`, `_bulk_docs`, checkpoints), then replicated from it into a new
    local database (`_changes`, `_bulk_get`). This is what a PouchDB tablet app does, so the
    targets are judged against it;
  - a hand-rolled bulk client: `POST /db/_bulk_docs` with the same records as JSON
    documents (`_id` = record id; edits as next revisions), gzipped, then `GET /db/_changes?
    include_docs=true` page by page into a dict. No PouchDB app syncs this way (it skips
    the revision checks and compresses uploads, which PouchDB does not); it is shown beside
    the replicator as the floor of what the server itself costs.

Throughput is records per second with the 20,000 creates counted as the records (edits are
sent by every side but not counted). Wire bytes are counted by a TCP proxy in front of each
server: request and response bytes as sent, compressed where compressed, HTTP headers
included. Targets: push and pull each at least 3x PouchDB's replicator; wire bytes per
record at most a fifth of its.

Then pull cost against ledger size: one grid worker's tablet (赵磊, g-yzs-01) pulls the
same small delta (50 new operations in its grid) when the street's ledger holds 1k entries
and when it holds 200k (1M with --full). The other grids' history is bulk-loaded into
`ledger_entries` (see `bench/ledger_fill.py`), half before and half after the delta, so the
pull's scope query has to skip it by its index; the delta itself is pushed and pulled
through the real API. Target: the large-ledger pull within 1.5x of the small one. The
large figure is always measured at the size it is named after, never extrapolated.

The output ends with one line for CI; the `pull_..._ms` keys name the ledger sizes measured:

    BENCH sync push_ratio=<x> pull_ratio=<x> bytes_ratio=<ours/couch> pull_1k_ms=<n> \
pull_200k_ms=<n> push_ratio_bulk=<x> pull_ratio_bulk=<x> bytes_ratio_bulk=<x>

(`pull_1m_ms=<n>` instead of `pull_200k_ms` with --full); the first three ratios are against
PouchDB's replicator, the `_bulk` ones against the bulk client. Run from the repository root; the
first run also installs pouchdb-server with npm (about a minute):

    .venv/bin/python bench/sync_vs_couch.py [--records 20000] [--batch 500] [--postgres]
                                            [--full] [--seed 1]

Time on the 2-core development machine (shared, so figures move by tens of per cent between
runs; the ratios are measured side by side in the same run): 40-100 s by default, SQLite or
PostgreSQL: entering the workload on our tablet 4-13 s (untimed), our push 2-4 s, PouchDB's
replicator 10-25 s, the bulk client 5-12 s, the 200k-entry bulk load 8-20 s (the lower
figures on a quiet machine). `--records 5000` runs in well under a minute. --full adds the
1M-entry bulk load (a minute or two more).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import couch_server
import records
from couch_server import CouchClient, CouchUnavailable, PouchReplicator
from flask import Flask
from ledger_fill import LedgerFiller
from minqing_server import Tablet, enrol, served
from records import Workload
from wire_proxy import WireProxy

from sync.operation import Operation
from sync.replica import ApplyReport, Replica

TARGET_SPEED = 3.0
TARGET_BYTES = 0.2
TARGET_SCALING = 1.5
DELTA = 50
"""Operations in the small delta the ledger-size bench pulls."""
SMALL_LEDGER = 1_000
LARGE_LEDGER = 200_000
FULL_LEDGER = 1_000_000
PULL_REPEATS = 9


class BenchFailed(RuntimeError):
    """A run that did not do what it should: no figures are printed for it."""


@dataclass
class Traffic:
    """Bytes through the proxy during one phase."""

    up: int = 0
    down: int = 0

    @property
    def total(self) -> int:
        return self.up + self.down


@dataclass
class Measure:
    """How long a phase took and what it put on the wire."""

    seconds: float = 0.0
    traffic: Traffic = field(default_factory=Traffic)


@contextmanager
def measured(proxy: WireProxy) -> Iterator[Measure]:
    """Time a block and count its bytes through `proxy` (the counting itself not timed)."""
    result = Measure()
    up, down = proxy.counts()
    with own_process_heap():
        started = time.perf_counter()
        yield result
        result.seconds = time.perf_counter() - started
    up_after, down_after = proxy.counts()
    result.traffic = Traffic(up_after - up, down_after - down)


@contextmanager
def own_process_heap() -> Iterator[None]:
    """Keep what this process held before a phase out of the garbage collector's sight
    while the phase runs, as if the tablet measured were a process of its own.

    This process holds the whole workload and, when a new tablet pulls, the tablet that
    pushed it: millions of objects no real tablet carries beside another's. Each full
    collection during the phase rescanned them all, which made our pull take 1.0 s or
    1.9 s by chance. Frozen, they are still there but not rescanned; the phase's own
    objects are collected as usual.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class SideResult:
    """One system's figures for the same workload."""

    name: str
    records: int
    push: Measure
    pull: Measure
    push_requests: int
    pull_requests: int
    pull_client_s: float = 0.0
    """Of the pull, the time spent storing what came on the client."""

    @property
    def push_rate(self) -> float:
        return self.records / self.push.seconds

    @property
    def pull_rate(self) -> float:
        return self.records / self.pull.seconds

    @property
    def wire_per_record(self) -> float:
        return (self.push.traffic.total + self.pull.traffic.total) / self.records


class TimedReplica(Replica):
    """A tablet's replica that keeps the time spent applying pulled pages, so the report can
    say how much of our pull is the client's own storing rather than server and network."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def adopt_snapshot(self, states: Iterable[dict[str, Any]]) -> int:
        started = time.perf_counter()
        try:
            return super().adopt_snapshot(states)
        finally:
            self.seconds += time.perf_counter() - started

    def apply(self, ops: Iterable[Operation], *, relayed: bool = False) -> ApplyReport:
        started = time.perf_counter()
        try:
            return super().apply(ops, relayed=relayed)
        finally:
            self.seconds += time.perf_counter() - started


# --- our server ----------------------------------------------------------------------------


def write_workload(tablet: Tablet, workload: Workload) -> int:
    """Enter every record and edit on the tablet, as its user would (not timed)."""
    return records.enter(tablet.writer, workload)


def run_ours(workload: Workload, batch: int, postgres: bool, folder: Path) -> SideResult:
    folder = folder / "ours"
    folder.mkdir()
    with served(postgres, folder) as (app, server):
        proxy = WireProxy.start(server.port)
        try:
            return _our_push_and_pull(app, server.url, proxy, workload, batch)
        finally:
            proxy.stop()


def _our_push_and_pull(app: Flask, url: str, proxy: WireProxy, workload: Workload,
                       batch: int) -> SideResult:
    office = enrol(app, url, "w-liuyang", client_url=proxy.url)
    started = time.perf_counter()
    ops = write_workload(office, workload)
    print(f"  ours: {ops} operations written on the tablet in "
          f"{time.perf_counter() - started:.1f} s (not timed)", flush=True)
    with measured(proxy) as push:
        pushed = office.client.push(office.writer, batch_size=batch)
    if pushed.accepted != ops or pushed.quarantined or pushed.retries:
        raise BenchFailed(f"our push: {pushed.accepted} of {ops} accepted, "
                          f"{len(pushed.quarantined)} quarantined, {pushed.retries} retries: "
                          f"{pushed.quarantined[:2]}")
    newcomer = enrol(app, url, "w-liuyang", client_url=proxy.url)
    replica = TimedReplica()
    with measured(proxy) as pull:
        pulled = newcomer.client.pull(replica, None, limit=batch)
    if pulled.snapshot_records != len(workload.creates):
        raise BenchFailed(f"our pull brought {pulled.snapshot_records} records, "
                          f"expected {len(workload.creates)}")
    return SideResult("ours", len(workload.creates), push, pull, pushed.batches + 1,
                      pulled.pages, replica.seconds)


# --- pouchdb-server ------------------------------------------------------------------------


def run_couch(workload: Workload, batch: int, folder: Path) -> tuple[SideResult, bool, int]:
    """Returns the figures, whether request bodies went gzipped, and LevelDB bytes on disk."""
    server = couch_server.start(folder)
    try:
        gzipped = couch_server.accepts_gzip_bodies(server.url)
        proxy = WireProxy.start(server.port)
        try:
            writer = CouchClient(proxy.url, batch, gzip_requests=gzipped)
            with measured(proxy) as push:
                push_requests = writer.push(workload.creates, workload.edits)
            reader = CouchClient(proxy.url, batch)
            with measured(proxy) as pull:
                docs, pages, stored_s = reader.pull()
        finally:
            proxy.stop()
        if len(docs) != len(workload.creates):
            raise BenchFailed(f"pouchdb-server returned {len(docs)} documents, "
                              f"expected {len(workload.creates)}")
        result = SideResult("bulk client", len(workload.creates), push, pull,
                            push_requests, pages, stored_s)
        return result, gzipped, server.disk_bytes()
    finally:
        couch_server.stop(server)


def run_replicator(workload: Workload, batch: int, folder: Path) -> SideResult:
    """PouchDB's own replicator against a fresh pouchdb-server: what a PouchDB app does."""
    folder = folder / "replicator"
    folder.mkdir()
    server = couch_server.start(folder)
    try:
        proxy = WireProxy.start(server.port)
        replicator = PouchReplicator(f"{proxy.url}/{couch_server.DATABASE}", workload.creates,
                                     workload.edits, batch, folder)
        try:
            with measured(proxy) as push:
                pushed = replicator.push()
            with measured(proxy) as pull:
                pulled = replicator.pull()
        finally:
            replicator.close()
            proxy.stop()
    finally:
        couch_server.stop(server)
    if pushed.written != len(workload.creates):  # each document's latest revision
        raise BenchFailed(f"PouchDB's replicator wrote {pushed.written} documents, "
                          f"expected {len(workload.creates)}")
    if pulled.stored != len(workload.creates):
        raise BenchFailed(f"PouchDB's replicator pulled {pulled.stored} documents, "
                          f"expected {len(workload.creates)}")
    push.seconds, pull.seconds = pushed.seconds, pulled.seconds  # as PouchDB timed them
    return SideResult("PouchDB replicator", len(workload.creates), push, pull, 0, 0)


# --- pull cost against ledger size ---------------------------------------------------------


@dataclass
class ScalingPoint:
    """The delta's pull timings at one ledger size."""

    ledger_size: int
    pulls_ms: list[float]
    fill_s: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.pulls_ms)


def run_scaling(sizes: tuple[int, ...], postgres: bool, folder: Path, seed: int
                ) -> list[ScalingPoint]:
    folder = folder / "ledger"
    folder.mkdir()
    with served(postgres, folder) as (app, server):
        office = enrol(app, server.url, "w-liuyang")
        grid_worker = enrol(app, server.url, "w-zhaolei")
        cursor = grid_worker.client.pull(Replica(), None).cursor
        filler = LedgerFiller(app, seed)
        points = []
        for size in sizes:
            point, cursor = _pull_at(size, filler, office, grid_worker, cursor, seed)
            points.append(point)
            print(f"  ledger at {point.ledger_size:,} entries: pulls of the delta took "
                  + ", ".join(f"{ms:.1f}" for ms in point.pulls_ms) + " ms "
                  f"(bulk load {point.fill_s:.1f} s)", flush=True)
        return points


def _pull_at(size: int, filler: LedgerFiller, office: Tablet, grid_worker: Tablet,
             cursor: str | None, seed: int) -> tuple[ScalingPoint, str | None]:
    """Grow the ledger to `size` around a fresh delta in g-yzs-01, then time its pull."""
    others = max(0, size - filler.size() - DELTA)
    fill_s = filler.append(others // 2)
    delta = records.generate(DELTA, seed=seed, grids=("g-yzs-01",), edit_share=0)
    write_workload(office, delta)
    pushed = office.client.push(office.writer)
    if pushed.accepted != DELTA:
        raise BenchFailed(f"delta push: {pushed.accepted} of {DELTA} accepted")
    fill_s += filler.append(others - others // 2)
    timings = []
    next_cursor = cursor
    for _ in range(PULL_REPEATS):
        started = time.perf_counter()
        pulled = grid_worker.client.pull(Replica(), cursor)
        timings.append((time.perf_counter() - started) * 1000)
        if pulled.applied + len(pulled.quarantined) + pulled.duplicates != DELTA:
            raise BenchFailed(f"delta pull at {size}: {pulled.received} of {DELTA} operations")
        next_cursor = pulled.cursor
    return ScalingPoint(filler.size(), timings, fill_s), next_cursor


# --- report --------------------------------------------------------------------------------


def size_label(size: int) -> str:
    """1_000 -> "1k", 200_000 -> "200k", 1_000_000 -> "1m" (for the BENCH keys)."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def verdict(ok: bool) -> str:
    return "meets target" if ok else "BELOW TARGET"


@dataclass
class Ratios:
    """Ours against one pouchdb-server client: speed up (higher is better), bytes (lower)."""

    push: float
    pull: float
    bytes: float


def ratios(ours: SideResult, couch: SideResult) -> Ratios:
    return Ratios(ours.push_rate / couch.push_rate, ours.pull_rate / couch.pull_rate,
                  ours.wire_per_record / couch.wire_per_record)


def report_speed(ours: SideResult, replicator: SideResult, bulk: SideResult,
                 batch: int) -> None:
    print(f"records: {ours.records:,} creates (edits are sent by every side but not counted), "
          f"batches of {batch} on every side")
    print("push: one client sends every record, then every edit, until all are acknowledged;"
          " pull: a new client reads it all (ours: the snapshot of merged records a new tablet"
          " gets, applied to its in-memory replica; PouchDB replicator: a new in-memory"
          " PouchDB replicating from the server; bulk client: _changes with the docs, kept in"
          " a dict)")
    for side in (ours, replicator, bulk):
        requests = f" ({side.push_requests} requests)" if side.push_requests else ""
        print(f"{side.name:>18} push: {side.push.seconds:6.2f} s {side.push_rate:8,.0f} "
              f"records/s{requests}")
        detail = (f"{side.pull_requests} requests; {side.pull_client_s:.2f} s of it storing on"
                  " the client" if side.pull_requests else "timed inside PouchDB")
        print(f"{side.name:>18} pull: {side.pull.seconds:6.2f} s {side.pull_rate:8,.0f} "
              f"records/s ({detail})")


def report_ratios(ours: SideResult, replicator: SideResult, bulk: SideResult
                  ) -> tuple[Ratios, Ratios]:
    """The targets are judged against PouchDB's replicator, what a PouchDB tablet runs; the
    hand-rolled bulk client is shown beside it as the floor no PouchDB app reaches."""
    judged, floor = ratios(ours, replicator), ratios(ours, bulk)
    print(f"{'ours /':>18} {'push':>7} {'pull':>7} {'bytes':>7}")
    for name, r in (("PouchDB replicator", judged), ("bulk client", floor)):
        print(f"{name:>18} {r.push:6.2f}x {r.pull:6.2f}x {r.bytes:7.3f}")
    print(f"against PouchDB's replicator (the targets): push {verdict(judged.push >= TARGET_SPEED)}"
          f" (>= {TARGET_SPEED:g}x), pull {verdict(judged.pull >= TARGET_SPEED)}"
          f" (>= {TARGET_SPEED:g}x), bytes {verdict(judged.bytes <= TARGET_BYTES)}"
          f" (<= {TARGET_BYTES:g})")
    return judged, floor


def report_wire(sides: tuple[SideResult, ...], gzipped: bool, leveldb_bytes: int) -> None:
    print("wire bytes per record, counted by a TCP proxy in front of each server (requests and"
          " responses as sent, compressed where compressed, HTTP headers included):")
    for side in sides:
        n, push, pull = side.records, side.push.traffic, side.pull.traffic
        print(f"{side.name:>18}: push {push.total / n:6.1f} (requests {push.up / n:.1f}, "
              f"answers {push.down / n:.1f}), pull {pull.total / n:6.1f} (requests "
              f"{pull.up / n:.1f}, answers {pull.down / n:.1f}), total "
              f"{side.wire_per_record:6.1f}")
    print("PouchDB's replicator sends request bodies uncompressed (as PouchDB does) and asks"
          " for gzip answers; the bulk client's request bodies: " + (
              "gzip (Content-Encoding: gzip, checked to be read correctly)" if gzipped else
              "UNCOMPRESSED (the server did not read Content-Encoding: gzip bodies)")
          + ", answers gzip when asked, as ours do.")
    print(f"pouchdb-server LevelDB on disk after the bulk run: {leveldb_bytes / 1e6:.1f} MB "
          "(leveldown writes without fsync; ours commits durably: SQLite synchronous=FULL, "
          "PostgreSQL fsync)")


def report_scaling(points: list[ScalingPoint], postgres: bool) -> float:
    small, large = points[0], points[-1]
    scaling = large.median_ms / small.median_ms
    print(f"pull of the same {DELTA}-operation delta by a grid worker's tablet (one request, "
          f"median of {PULL_REPEATS}); the other grids' entries bulk-loaded around it"
          + ("; PostgreSQL: ledger_entries analysed after each load, as autovacuum would"
             if postgres else "; SQLite: no ANALYZE, as the server runs it"))
    for point in points:
        print(f"  ledger of {point.ledger_size:>9,} entries: {point.median_ms:6.1f} ms")
    print(f"  ratio {size_label(large.ledger_size)}/{size_label(small.ledger_size)}: "
          f"{scaling:.2f}x (target <= {TARGET_SCALING:g}x: "
          f"{verdict(scaling <= TARGET_SCALING)}); measured at {large.ledger_size:,} "
          "entries, nothing extrapolated")
    return scaling


def report(ours: SideResult, replicator: SideResult, bulk: SideResult, gzipped: bool,
           leveldb_bytes: int, points: list[ScalingPoint], batch: int, postgres: bool) -> str:
    """Print every figure with its meaning; returns the BENCH line."""
    print()
    report_speed(ours, replicator, bulk, batch)
    print()
    report_wire((ours, replicator, bulk), gzipped, leveldb_bytes)
    print()
    judged, floor = report_ratios(ours, replicator, bulk)
    print()
    report_scaling(points, postgres)
    print()
    pulls = " ".join(f"pull_{size_label(point.ledger_size)}_ms={point.median_ms:.1f}"
                     for point in points)
    return (f"BENCH sync push_ratio={judged.push:.2f} pull_ratio={judged.pull:.2f} "
            f"bytes_ratio={judged.bytes:.3f} {pulls} push_ratio_bulk={floor.push:.2f} "
            f"pull_ratio_bulk={floor.pull:.2f} bytes_ratio_bulk={floor.bytes:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="records per request, both")
    parser.add_argument("--postgres", action="store_true",
                        help="our server on a fresh PostgreSQL database instead of SQLite")
    parser.add_argument("--full", action="store_true",
                        help=f"pull-cost bench at {FULL_LEDGER:,} ledger entries "
                             f"(default {LARGE_LEDGER:,})")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    try:
        couch_server.ensure_installed()
        workload = records.generate(args.records, seed=args.seed)
        print(f"workload: {len(workload.creates):,} records, {len(workload.edits):,} edits; "
              f"our database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
        with tempfile.TemporaryDirectory(prefix="minqing-bench-") as scratch:
            folder = Path(scratch)
            ours = run_ours(workload, args.batch, args.postgres, folder)
            print("  ours: done; now pouchdb-server", flush=True)
            replicator = run_replicator(workload, args.batch, folder)
            print("  PouchDB replicator: done; now pouchdb-server's bulk client", flush=True)
            bulk, gzipped, leveldb_bytes = run_couch(workload, args.batch, folder)
            print("  bulk client: done; now pull cost against ledger size", flush=True)
            large = FULL_LEDGER if args.full else LARGE_LEDGER
            points = run_scaling((SMALL_LEDGER, large), args.postgres, folder, args.seed)
    except CouchUnavailable as exc:
        print(f"pouchdb-server failed, so there is nothing to compare it with: {exc}",
              file=sys.stderr)
        return 2
    except BenchFailed as exc:
        print(f"bench run failed: {exc}", file=sys.stderr)
        return 1
    line = report(ours, replicator, bulk, gzipped, leveldb_bytes, points, args.batch,
                  args.postgres)
    print(f"whole run: {time.perf_counter() - started:.0f} s")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
