"""A district's end-of-day burst: many tablets each push a day's work and pull their area's
changes at once, against gunicorn on PostgreSQL and on SQLite.

Each tablet is the real thing: its own key, enrolled with a one-time code through the API,
its own replica and device chain (`RecordWriter`), and a `SyncClient` signing every request.
A day's work is 30 records with their edits, as `bench/records.py` writes them: a grid
worker or community staff writes 26 visits (a few later get a resident's request) and 4
dispute cases (each moved to mediation, then a mediation note); a community's mediator 10
dispute cases with the same two edits. About 40 operations a tablet.

The roster is a district's (`bench/office_district.py`): communities of seven grids, each
grid with its grid worker, each community with its staff and mediator, all of whom carry a
tablet (nine tablets a community). It is imported with `flask import-roster`; households are
left out (the server does not look them up on a push).

Not timed (setup): the database and roster, enrolling every tablet, its first pull (the
roster, as the tablet got it the day before), and writing the day's work on it. Timed: the
burst. The tablets are shared among `--clients` processes (the client side signs, compresses
and verifies, so in one process Python's lock would make it the bottleneck); together they
keep `--concurrency` tablets syncing at once, each starting as soon as another finished.
One tablet's sync is its push (mark, then its batch) and its pull (what others wrote in its
area since yesterday's pull: its grid, or its community for staff and mediators), applied to
its replica; its latency is from the push's start to the pull's end.

Afterwards every operation the tablets made is looked up in the server's ledger: `lost`
counts those not found exactly once (quarantined ones are counted apart; there should be
none), and `flask verify-ledger` re-checks every hash, chain and signature.

Printed: total time (first sync's start to last sync's end), p50/p95/p99 of the syncs'
latencies, operations per second, gunicorn's CPU time (master and workers, from /proc) and
its peak memory (RSS and PSS summed), PostgreSQL's backends' CPU time for the run's
database, the client processes' CPU time (the same two cores), and the load average. Target:
1,000 tablets in under 60 s with p95 under 5 s, on PostgreSQL; SQLite is shown beside it.

gunicorn runs 4 sync workers (`--workers`): on 2 cores a worker waits for the database (a
commit, a lock on the street's ledger, a round trip per query) much of its time, so two per
core keep the cores busy; 8 were no faster here (a 300-tablet run: 16.8 s against 11.7 s
with 4, at load 5-7) and take twice the memory; docs/deploy.md: more than 4 does not help
on SQLite, whose writes queue anyway. The tablets come as a closed loop of
`--concurrency` (64): a sync's latency is about 64 divided by the tablets served a second,
so p95 under 5 s asks for some 15 tablets a second.

Measured on the shared 2-core development machine with other tests running (load average
5-7), `--full`: PostgreSQL 1,000 tablets in 32.4 s, p95 2.96 s (gunicorn 23.9 s of CPU,
PostgreSQL's backends 7.0 s, the clients 15.6 s: some 47 CPU-seconds, so about 25 s on two
idle cores); SQLite 45.9 s, p95 3.94 s; nothing lost. Figures move by tens of per cent with
the machine's load: an earlier run at load 5-8 gave 47.0 s (p95 4.17 s) on PostgreSQL and
52.5 s (p95 5.05 s) on SQLite. Setup takes 25-45 s a database (untimed), so the whole
`--full` run took under 3 minutes. To stay within a minute by default it runs 200 tablets
on each database (38 s in all, each burst about 5 s); `--full` runs the 1,000 the target
is about. The first line says what was run, and the output ends with one line per
database:

    BENCH fleet devices=<n> total_s=<x> p95_s=<x> lost=<n>

    .venv/bin/python bench/fleet.py [--full | --devices N] [--database sqlite|postgresql|both]
                                    [--workers 4] [--clients 4] [--concurrency 64] [--seed 3]
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import office_district
import psycopg
import records
from flask import Flask
from minqing_server import (
    cpu_seconds,
    flask_command,
    gunicorn_pids,
    load_average,
    memory_bytes,
    served,
)
from sqlalchemy import func, select

from server.extensions import db
from server.local import LiveServer, enrol_local_tablet
from server.models import LedgerEntry
from sync.client import ClientSettings, SyncClient
from sync.ids import new_id
from sync.writer import RecordWriter

DEFAULT_DEVICES = 200
FULL_DEVICES = 1_000
TARGET_TOTAL_S = 60.0
TARGET_P95_S = 5.0
RECORDS_A_DAY = 30
DISPUTES_A_DAY = 4
MEDIATOR_DISPUTES = 10
VISIT_EDIT_SHARE = 0.12
"""Share of a day's visits that later get a resident's request added."""
TABLETS_PER_COMMUNITY = office_district.GRIDS_PER_COMMUNITY + 2
"""Its grid workers, its staff and its mediator."""
SETUP_TIMEOUT_S = 900
CLIENT_SETTINGS = ClientSettings(read_timeout=300.0)
"""The server may queue a request behind the whole burst: a tablet should wait for it, not
time out and push again (retries are counted and printed all the same)."""


class BenchFailed(RuntimeError):
    """A run that did not do what it should: no figures are printed for it."""


# --- the fleet's plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class TabletPlan:
    """Who carries a tablet, and the grids they write in."""

    number: int
    worker_id: str
    role: str
    grids: tuple[str, ...]


def district_for(devices: int, seed: int) -> tuple[office_district.District, list[TabletPlan]]:
    """A district with a tablet for each of `devices` workers: whole communities, in order."""
    communities = math.ceil(devices / TABLETS_PER_COMMUNITY) + 1
    district = office_district.district(communities * office_district.GRIDS_PER_COMMUNITY,
                                        seed, households_per_grid=0)
    plans: list[TabletPlan] = []
    for community in district.communities:
        grids = tuple(grid.id for grid in community.grids)
        holders = [(grid.worker_id, "grid_worker", (grid.id,)) for grid in community.grids]
        holders += [(community.staff_id, "community_staff", grids),
                    (community.mediator_id, "mediator", grids)]
        plans += [TabletPlan(len(plans) + n, *holder) for n, holder in enumerate(holders)]
    if len(plans) < devices:
        raise BenchFailed(f"the district has {len(plans)} tablets, {devices} asked for")
    return district, plans[:devices]


def day_of_work(plan: TabletPlan, seed: int) -> records.Workload:
    """The records a tablet's holder writes in a day, and the edits that follow them."""
    rng = random.Random(seed * 100_003 + plan.number)
    day = 27
    if plan.role == "mediator":
        kinds = ["dispute"] * MEDIATOR_DISPUTES
    else:
        kinds = ["visit"] * (RECORDS_A_DAY - DISPUTES_A_DAY) + ["dispute"] * DISPUTES_A_DAY
    creates, edits = [], []
    for kind in kinds:
        data = records.MAKERS[kind](rng, rng.choice(plan.grids), day)
        data["worker_id" if kind == "visit" else "opened_by"] = plan.worker_id
        create = records.Create(new_id(), kind, data)
        creates.append(create)
        if kind == "dispute":
            edits += dispute_edits(rng, create, plan.worker_id, day)
        elif rng.random() < VISIT_EDIT_SHARE:
            edits.append(records.edit_for(rng, create, day))
    return records.Workload(creates, edits)


def dispute_edits(rng: random.Random, case: records.Create, worker_id: str, day: int
                  ) -> list[records.Edit]:
    """A case found today moves to mediation and gets its first note."""
    note = {"id": new_id(), "text": rng.choice(records.NOTES), "at": records.moment(rng, day),
            "by": worker_id, "step": "listen"}
    return [records.Edit(case.record_id, "update",
                         {"status": "mediating", "risk_colour": rng.choice(("yellow", "red"))}),
            records.Edit(case.record_id, "add", collection="mediation_notes", entry=note)]


def write_day(writer: RecordWriter, workload: records.Workload) -> list[str]:
    """Enter the day's work on the tablet as its holder would; the operations' ids."""
    count = records.enter(writer, workload)
    return [op.id for op in writer.batch_since(0, limit=count).ops]


# --- one client process -------------------------------------------------------------------


@dataclass
class FleetTablet:
    """An enrolled tablet ready for the evening: its writer and client, yesterday's cursor."""

    plan: TabletPlan
    writer: RecordWriter
    client: SyncClient
    cursor: str | None
    op_ids: list[str]


@dataclass
class Synced:
    """One tablet's evening sync."""

    started: float
    finished: float
    accepted: int
    quarantined: int
    pulled: int
    retries: int = 0
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.finished - self.started


@dataclass
class SliceResult:
    """What a client process brings back: each sync, the operations made, its CPU time."""

    synced: list[Synced] = field(default_factory=list)
    op_ids: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    error: str = ""


def ready_tablet(app: Flask, url: str, plan: TabletPlan, seed: int) -> FleetTablet:
    """Enrol, take yesterday's pull (the roster, a cursor), and write today's work."""
    enrolled = enrol_local_tablet(app, url, plan.worker_id, plan.role, settings=CLIENT_SETTINGS)
    cursor = enrolled.client.pull(enrolled.writer.replica, None).cursor
    op_ids = write_day(enrolled.writer, day_of_work(plan, seed))
    return FleetTablet(plan, enrolled.writer, enrolled.client, cursor, op_ids)


def evening_sync(tablet: FleetTablet) -> Synced:
    """Push the day's chain, then pull what others in the area sent, as the app does."""
    started = time.time()
    try:
        pushed = tablet.client.push(tablet.writer)
        pulled = tablet.client.pull(tablet.writer.replica, tablet.cursor)
    except Exception as exc:  # reported as a failed sync, not a crash
        return Synced(started, time.time(), 0, 0, 0, f"{type(exc).__name__}: {exc}")
    finished = time.time()
    tablet.writer.clock.observe(pulled.latest)
    return Synced(started, finished, pushed.accepted, len(pushed.quarantined), pulled.received,
                  pushed.retries)


def client_process(app: Flask, url: str, plans: list[TabletPlan], seed: int, threads: int,
                   start: Any, results: Any) -> None:
    """A client process: ready its tablets, wait for the burst, sync them `threads` at a
    time; the result (or what failed) goes on `results`. Forked with `app` (whose pool the
    parent emptied first), it issues enrolment codes on connections of its own."""
    result = SliceResult()
    try:
        with ThreadPoolExecutor(4) as pool:  # enrolment and first pulls wait on the server
            tablets = list(pool.map(lambda plan: ready_tablet(app, url, plan, seed), plans))
        with app.app_context():
            db.engine.dispose()
        result.op_ids = [op_id for tablet in tablets for op_id in tablet.op_ids]
        start.wait(timeout=SETUP_TIMEOUT_S)
        cpu_before = own_cpu_seconds()
        with ThreadPoolExecutor(threads) as pool:
            result.synced = list(pool.map(evening_sync, tablets))
        result.cpu_s = own_cpu_seconds() - cpu_before
    except Exception as exc:  # the main process reports it
        start.abort()
        result.error = f"{type(exc).__name__}: {exc}"
    results.put(result)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the server's side --------------------------------------------------------------------


class ServerWatch:
    """gunicorn's CPU time over the burst and its peak memory, sampled from /proc."""

    INTERVAL_S = 0.2

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.peak_rss = self.peak_pss = 0
        self.cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ServerWatch:
        self._cpu_before = cpu_seconds(gunicorn_pids(self.server))
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_s = cpu_seconds(gunicorn_pids(self.server)) - self._cpu_before

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            rss, pss = memory_bytes(gunicorn_pids(self.server))
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)


def postgres_backends(url: str) -> list[int]:
    """The server processes of PostgreSQL serving the run's database (gunicorn's pools)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid()").fetchall()
    return [pid for (pid,) in rows]


@contextmanager
def database_cpu(url: str) -> Iterator[list[float]]:
    """PostgreSQL's CPU time for the run's database over the block (its backends persist in
    gunicorn's connection pools); a one-item list filled at the end, empty for SQLite."""
    spent: list[float] = []
    if not url.startswith("postgresql"):
        yield spent
        return
    before = {pid: cpu_seconds([pid]) for pid in postgres_backends(url)}
    yield spent
    after = {pid: cpu_seconds([pid]) for pid in postgres_backends(url)}
    spent.append(sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()))


def lost_operations(app: Flask, op_ids: list[str]) -> tuple[int, int]:
    """Operations not in the ledger exactly once, and those entered but quarantined."""
    with app.app_context():
        found = Counter(op_id for (op_id,) in db.session.execute(select(LedgerEntry.op_id)))
        quarantined = db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                        .where(LedgerEntry.verdict != "accepted"))
        db.session.remove()
    return sum(1 for op_id in op_ids if found[op_id] != 1), quarantined or 0


# --- one run ------------------------------------------------------------------------------


@dataclass
class FleetRun:
    database: str
    devices: int
    synced: list[Synced]
    operations: int
    setup_s: float
    server: ServerWatch
    database_cpu_s: float | None
    client_cpu_s: float
    lost: int
    quarantined: int
    verified: str
    load: str

    @property
    def total_s(self) -> float:
        return max(s.finished for s in self.synced) - min(s.started for s in self.synced)

    @property
    def sound(self) -> bool:
        """Nothing lost or held back, and the ledger verifies."""
        return self.lost == 0 and self.quarantined == 0 and self.verified == "ok"

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the syncs' latencies."""
        ordered = sorted(s.seconds for s in self.synced)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Options:
    devices: int
    workers: int
    clients: int
    concurrency: int
    seed: int


def run_fleet(postgres: bool, options: Options, folder: Path) -> FleetRun:
    """Set the district up on a fresh database, burst, then count and verify the ledger."""
    started = time.perf_counter()
    district, plans = district_for(options.devices, options.seed)
    with served(postgres, folder, options.workers) as (app, server):
        roster = folder / "district.yaml"
        district.write_roster(roster)
        flask_command(server.env, "import-roster", str(roster))
        logging.getLogger("minqing").setLevel(logging.WARNING)  # not "enrolment code issued"
        with app.app_context():
            db.engine.dispose()  # no connection of ours shared with the forked clients
        # Forked, not spawned: a spawned client would import the server's code again
        # (seconds on a busy machine, four at once).
        context = multiprocessing.get_context("fork")
        start, results = context.Barrier(options.clients + 1), context.Queue()
        threads = max(1, options.concurrency // options.clients)
        processes = [context.Process(target=client_process, args=(
            app, server.url, plans[n::options.clients], options.seed, threads, start,
            results)) for n in range(options.clients)]
        for process in processes:
            process.start()
        try:
            slices, watch, db_cpu, setup_s = burst(server, start, results, processes, started)
        finally:
            for process in processes:
                process.join(timeout=30)
        lost, quarantined = lost_operations(app, [op for s in slices for op in s.op_ids])
        verified = verify_ledger(server.env)
    synced = [sync for s in slices for sync in s.synced]
    failed = [sync.error for sync in synced if sync.error]
    if failed:
        raise BenchFailed(f"{len(failed)} syncs failed, the first: {failed[0]}")
    return FleetRun("PostgreSQL" if postgres else "SQLite", len(plans), synced,
                    sum(len(s.op_ids) for s in slices), setup_s, watch,
                    db_cpu[0] if db_cpu else None, sum(s.cpu_s for s in slices), lost,
                    quarantined, verified, load_average())


def burst(server: LiveServer, start: Any, results: Any, processes: list[Any],
          setup_started: float) -> tuple[list[SliceResult], ServerWatch, list[float], float]:
    """Wait for every client process to be ready, release them at once, gather results."""
    try:
        start.wait(timeout=SETUP_TIMEOUT_S)
    except threading.BrokenBarrierError:
        errors = [r.error for r in gather(results, len(processes), 30) if r.error]
        raise BenchFailed(f"a client process failed to set up: {errors[:1]}") from None
    setup_s = time.perf_counter() - setup_started
    with database_cpu(server.env["DATABASE_URL"]) as db_cpu, ServerWatch(server) as watch:
        slices = gather(results, len(processes), SETUP_TIMEOUT_S)
    errors = [s.error for s in slices if s.error]
    if errors:
        raise BenchFailed(f"a client process failed: {errors[0]}")
    return slices, watch, db_cpu, setup_s


def gather(results: Any, count: int, timeout: float) -> list[SliceResult]:
    return [results.get(timeout=timeout) for _ in range(count)]


def verify_ledger(env: dict[str, str]) -> str:
    """`flask verify-ledger` over the whole ledger: "ok", or what it said was broken."""
    try:
        flask_command(env, "verify-ledger")
    except RuntimeError as broken:
        return f"FAILED: {broken}"
    return "ok"


# --- report -------------------------------------------------------------------------------


def report(run: FleetRun) -> str:
    """Print the run's figures with their meaning; returns its BENCH line."""
    watch, mib = run.server, 1024 * 1024
    total = run.total_s
    print(f"{run.database}: {run.devices} tablets, {run.operations:,} operations "
          f"(setup {run.setup_s:.0f} s, not timed)")
    print(f"  total {total:.1f} s (target < {TARGET_TOTAL_S:.0f} s: "
          f"{verdict(total < TARGET_TOTAL_S)}), {run.operations / total:,.0f} operations/s, "
          f"{run.devices / total:.1f} tablets/s")
    print(f"  sync latency (push + pull): p50 {run.percentile(0.5):.2f} s, "
          f"p95 {run.percentile(0.95):.2f} s (target < {TARGET_P95_S:.0f} s: "
          f"{verdict(run.percentile(0.95) < TARGET_P95_S)}), p99 {run.percentile(0.99):.2f} s, "
          f"max {run.percentile(1.0):.2f} s")
    pulled = [s.pulled for s in run.synced]
    print(f"  pulled per tablet: median {statistics.median(pulled):.0f}, max {max(pulled)} "
          "operations of others in its area; pushes retried: "
          f"{sum(s.retries for s in run.synced)}")
    db_cpu = (f"; PostgreSQL's backends {run.database_cpu_s:.1f} s"
              if run.database_cpu_s is not None else "")
    print(f"  server CPU: gunicorn {watch.cpu_s:.1f} s ({watch.cpu_s / total:.2f} cores "
          f"over the burst){db_cpu}; gunicorn's peak memory RSS {watch.peak_rss / mib:.0f} MiB, "
          f"PSS {watch.peak_pss / mib:.0f} MiB (master and workers)")
    print(f"  client CPU (the tablets' side, on the same cores): {run.client_cpu_s:.1f} s")
    print(f"  ledger: {run.lost} operations not found exactly once, {run.quarantined} "
          f"quarantined; verify-ledger {run.verified}; load average after: {run.load}")
    return (f"BENCH fleet devices={run.devices} total_s={total:.1f} "
            f"p95_s={run.percentile(0.95):.2f} lost={run.lost}")


def print_server_log(log: Path) -> None:
    """The end of gunicorn's log, to see why a run failed."""
    if log.exists():
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)


def verdict(ok: bool) -> str:
    return "meets target" if ok else "BELOW TARGET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true",
                      help=f"{FULL_DEVICES:,} tablets (default {DEFAULT_DEVICES})")
    size.add_argument("--devices", type=int, default=DEFAULT_DEVICES)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--concurrency", type=int, default=64, help="tablets syncing at once")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    options = Options(FULL_DEVICES if args.full else args.devices, args.workers, args.clients,
                      args.concurrency, args.seed)
    databases = {"both": (True, False), "postgresql": (True,), "sqlite": (False,)}[args.database]
    names = " and ".join("PostgreSQL" if postgres else "SQLite" for postgres in databases)
    print(f"fleet: {options.devices} tablets on {names}, {options.concurrency} syncing at "
          f"once from {options.clients} client processes; gunicorn with {options.workers} "
          f"sync workers; load average before: {load_average()}", flush=True)
    started = time.perf_counter()
    runs, lines = [], []
    try:
        for postgres in databases:
            with tempfile.TemporaryDirectory(prefix="minqing-fleet-") as scratch:
                try:
                    run = run_fleet(postgres, options, Path(scratch))
                except BenchFailed:
                    print_server_log(Path(scratch) / "gunicorn.log")
                    raise
            runs.append(run)
            lines.append(report(run))
    except BenchFailed as exc:
        print(f"bench run failed: {exc}", file=sys.stderr)
        return 1
    print(f"whole run: {time.perf_counter() - started:.0f} s")
    for run, line in zip(runs[1:], lines[1:], strict=True):  # SQLite, beside the headline
        print(f"{run.database} beside it: {line.removeprefix('BENCH fleet ')}")
    print(lines[0])  # the headline: PostgreSQL's, whose target it is, when it ran
    return 0 if all(run.sound for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
