"""The office pages over a district's year: 工作台, a filtered 民情台账 page and a month's
assessment, timed over real HTTP against gunicorn.

The database holds a year of a district's field work up to today (`bench/office_fill.py`
over the roster of `bench/office_district.py`): 100,000 ledger entries by default (66
grids), 1,000,000 with --full (656 grids in 14 streets: a district's year). Two
office users sign in through the login form, as a person does: 高平 (w-gaoping), street
staff of 千佛山街道 (its 41 grids), and 林东 (w-lindong), the district admin, who reads
the whole district. For each, after two untimed reads to warm the server's two workers,
each page is fetched `--repeats` times:

- dashboard: GET /office/
- ledger: GET /office/ledgers/visits filtered by grid (g-yzs-01), its worker (赵磊) and last
  month's dates, page 1 and page 2
- assessment: GET /office/assessment?month=<last month>, every grid worker of the area

Target: each page's median under 500 ms at 1,000,000 entries, as the street staff reads
it; the district admin's figures are judged against the same target and shown beside them
(their assessment lists all 656 grid workers on one page). Also shown, not judged: the
民情台账 with no filter (the whole area, first page). Beside each median: the CPU time
gunicorn's workers spent on the read, which a busy machine does not inflate (with
PostgreSQL, the database's own work is in its server process and not counted there).

The filled database is kept between runs, keyed by size and `FILL_VERSION` (bump it when
the fill changes): a SQLite file under bench/.cache/, or with --postgres a PostgreSQL
database named bench_office_<size>_v<version> on 127.0.0.1, marked complete by its comment
once filled. A run on it first applies any new migrations (`flask db upgrade`), as a
server being upgraded would; --refill fills it again (the year then ends today). The fill
takes about 2 minutes for 100,000 entries and 15 for 1,000,000 on the shared 2-core
development machine (more when it is busy); a run on a kept fill well under a minute.

    .venv/bin/python bench/office.py [--full | --entries N] [--postgres] [--repeats 10]
                                     [--refill] [--seed 7]

The output ends with the line for CI: the street staff's medians (for the ledger, the
slower of its two pages):

    BENCH office dashboard_ms=<n> ledger_ms=<n> assessment_ms=<n>
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import office_district
import office_fill
import psycopg
import requests
from flask import Flask
from minqing_server import (
    cpu_seconds,
    flask_command,
    gunicorn_pids,
    load_average,
    prepare,
    running_server,
)

from server import create_app
from server.extensions import db
from server.local import PG_ADMIN, LiveServer, local_server_env
from server.services.office_login import set_password
from sync.deadlines import CHINA

CACHE = Path(__file__).resolve().parent / ".cache"
FILL_VERSION = 2
DEFAULT_ENTRIES = 100_000
FULL_ENTRIES = 1_000_000
TARGET_MS = 500.0
PASSWORD = "bench-office-password"
READERS = (("w-gaoping", "街道工作人员 高平（千佛山街道）"),
           ("w-lindong", "区级管理员 林东（全区）"))
LEDGER_GRID, LEDGER_WORKER = "g-yzs-01", "w-zhaolei"
MARKER = "minqing office bench fill"


class BenchFailed(RuntimeError):
    """A run that did not do what it should: no figures are printed for it."""


# --- the filled database ------------------------------------------------------------------


@dataclass
class Filled:
    """A filled database and what is known of its fill."""

    url: str
    folder: Path
    info: dict
    fill_s: float | None = None
    """Seconds the fill took in this run; None when a kept fill was used."""


def filled_database(entries: int, postgres: bool, refill: bool, seed: int) -> Filled:
    """The database for `entries`, filled now if it is not kept from an earlier run."""
    name = f"office-{entries}-v{FILL_VERSION}"
    folder = CACHE / (name + ("-postgres" if postgres else ""))
    folder.mkdir(parents=True, exist_ok=True)
    if postgres:
        database = f"bench_office_{entries}_v{FILL_VERSION}"
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"
        info = None if refill else _postgres_marker(database)
        if info is None:
            _recreate_postgres(database)
    else:
        url = f"sqlite:///{folder / 'minqing.sqlite3'}"
        marker = folder / "fill.json"
        info = json.loads(marker.read_text()) if marker.exists() and not refill else None
        if info is None:
            for path in folder.iterdir():
                if path.name.startswith("minqing.sqlite3") or path.name == "fill.json":
                    path.unlink()
    if info is not None:
        return Filled(url, folder, info)
    info = _fill(url, folder, entries, seed)
    if postgres:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'COMMENT ON DATABASE "{database}" IS '
                          + _quoted(f"{MARKER} {json.dumps(info, ensure_ascii=False)}"))
    else:
        (folder / "fill.json").write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return Filled(url, folder, info, info["fill_s"])


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _postgres_marker(database: str) -> dict | None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (database,)).fetchone()
    if row is None or not row[0] or not row[0].startswith(MARKER):
        return None
    return json.loads(row[0][len(MARKER):])


def _recreate_postgres(database: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')


def _fill(url: str, folder: Path, entries: int, seed: int) -> dict:
    """Migrate, import the demo roster and the district's, and write the year."""
    started = time.perf_counter()
    grids = office_district.grids_for(entries)
    district = office_district.district(grids, seed)
    print(f"filling a district's year: {len(district.streets)} streets, "
          f"{len(district.communities)} communities, {len(district.grids)} grids, "
          f"{len(district.household_rows):,} households (about {entries:,} entries; kept in "
          f"{url.rsplit('/', 1)[-1] if url.startswith('postgresql') else folder})", flush=True)
    env = local_server_env(url, folder)
    app = prepare(env)
    roster = folder / "district.yaml"
    district.write_roster(roster)
    flask_command(env, "import-roster", str(roster))
    counts, _seconds = office_fill.fill(app, district, seed,
                                        lambda line: print(f"  {line}", flush=True))
    fill_s = time.perf_counter() - started
    written = sum(counts.values())
    print(f"  filled {written:,} entries in {fill_s:.0f} s", flush=True)
    return {"entries": written, "filled_on": datetime.now(CHINA).date().isoformat(),
            "fill_s": round(fill_s),
            "streets": len(district.streets), "communities": len(district.communities),
            "grids": len(district.grids), "households": len(district.household_rows),
            "by_kind": dict(sorted(counts.items()))}


# --- signing in and timing ----------------------------------------------------------------


class OfficeSession:
    """A person's browser on the office pages: cookies kept, forms sent with their token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def sign_in(self, worker_id: str) -> None:
        page = self.http.get(f"{self.base_url}/office/login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise BenchFailed("the login page has no CSRF token")
        answer = self.http.post(f"{self.base_url}/office/login", timeout=30, data={
            "worker_id": worker_id, "password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False)
        if answer.status_code not in (302, 303):
            raise BenchFailed(f"{worker_id} could not sign in: {answer.status_code}")

    def get(self, path: str) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        answer = self.http.get(self.base_url + path, timeout=120)
        return (time.perf_counter() - started) * 1000, answer


@dataclass
class Page:
    """One page to time: its name, path, and a check that it showed what it should."""

    key: str
    name: str
    path: str
    must_show: str
    """A piece of the page that shows it did its work (rows listed, figures computed)."""


@dataclass
class Timing:
    page: Page
    reader: str
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    """CPU time the server's workers spent on each read (user and system)."""

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1)]


def pages(month: date) -> list[Page]:
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    ledger = {"grid": LEDGER_GRID, "worker": LEDGER_WORKER, "from": month.isoformat(),
              "to": last.isoformat()}
    return [
        Page("dashboard", "工作台", "/office/", "/office/records/"),
        Page("ledger", "民情台账 (网格+网格员+上月) 第1页",
             "/office/ledgers/visits?" + urlencode(ledger), "/office/records/"),
        Page("ledger", "民情台账 (网格+网格员+上月) 第2页",
             "/office/ledgers/visits?" + urlencode({**ledger, "page": 2}), "/office/records/"),
        Page("assessment", f"月度考核 {month:%Y-%m}",
             f"/office/assessment?month={month:%Y-%m}", "/office/assessment/w-"),
        Page("", "民情台账 (不筛选) 第1页 (仅供参考)", "/office/ledgers/visits",
             "/office/records/"),
    ]


def time_pages(server: LiveServer, month: date, repeats: int) -> list[Timing]:
    """Each page as each reader: its wall-clock time over HTTP, and the CPU time the
    server spent on it (which a busy machine does not inflate)."""
    timings = []
    print(f"  load average before: {load_average()}", flush=True)
    for worker_id, reader in READERS:
        session = OfficeSession(server.url)
        session.sign_in(worker_id)
        for page in pages(month):
            for _ in range(2):  # warm: the page's first reads, by either worker
                _ms, answer = session.get(page.path)
                if answer.status_code != 200 or page.must_show not in answer.text:
                    raise BenchFailed(f"{page.path} as {worker_id}: {answer.status_code}, "
                                      f"{page.must_show!r} not shown")
            timing = Timing(page, reader)
            for _ in range(repeats):
                cpu_before = server_cpu_ms(server)
                ms, answer = session.get(page.path)
                if answer.status_code != 200:
                    raise BenchFailed(f"{page.path} as {worker_id}: {answer.status_code}")
                timing.ms.append(ms)
                timing.cpu_ms.append(server_cpu_ms(server) - cpu_before)
            timings.append(timing)
            print(f"  {reader:<22} {page.name:<30} median {timing.median:6.0f} ms, "
                  f"p95 {timing.p95:6.0f} ms, server CPU {timing.cpu_median:5.0f} ms",
                  flush=True)
    print(f"  load average after: {load_average()}", flush=True)
    return timings


def server_cpu_ms(server: LiveServer) -> float:
    """CPU time (user and system) used so far by gunicorn's workers, from /proc."""
    return cpu_seconds(gunicorn_pids(server)[1:]) * 1000


# --- the run ------------------------------------------------------------------------------


def open_app(env: dict[str, str]) -> Flask:
    for name in ("DATABASE_URL", "MINQING_SERVER_KEY", "MINQING_LOG_FORMAT"):
        os.environ[name] = env[name]
    return create_app()


@contextmanager
def served(filled: Filled) -> Iterator[LiveServer]:
    """The kept database migrated to this tree's schema, passwords set, gunicorn on it."""
    env = local_server_env(filled.url, filled.folder)
    started = time.perf_counter()
    flask_command(env, "db", "upgrade")
    upgrade_s = time.perf_counter() - started
    if upgrade_s > 5:
        print(f"  migrations applied to the kept database in {upgrade_s:.0f} s", flush=True)
    app = open_app(env)
    with app.app_context():
        for worker_id, _reader in READERS:
            set_password(worker_id, PASSWORD)
        db.engine.dispose()
    with running_server(env, filled.folder) as server:
        yield server


def last_month(filled_on: str) -> date:
    """The last whole month before the fill's day: a month with data throughout."""
    return (date.fromisoformat(filled_on).replace(day=1) - timedelta(days=1)).replace(day=1)


def report(filled: Filled, timings: list[Timing], postgres: bool) -> str:
    info = filled.info
    print()
    print(f"database: {'PostgreSQL' if postgres else 'SQLite'}; {info['entries']:,} ledger "
          f"entries, a year up to {info['filled_on']}: {info['streets']} streets, "
          f"{info['communities']} communities, {info['grids']} grids, "
          f"{info['households']:,} households "
          + (f"(filled in this run, {filled.fill_s:.0f} s)" if filled.fill_s is not None
             else f"(kept fill; it took {info['fill_s']} s)"))
    print("entries by record type and kind: " + ", ".join(
        f"{kind} {count:,}" for kind, count in info["by_kind"].items()))
    print(f"{'page':<32} {'reader':<24} {'median':>8} {'p95':>8} {'server CPU':>10}")
    for timing in timings:
        print(f"{timing.page.name:<32} {timing.reader:<24} {timing.median:6.0f}ms "
              f"{timing.p95:6.0f}ms {timing.cpu_median:8.0f}ms")
    figures = {}
    for reader in (reader for _worker, reader in READERS):
        figures[reader] = {key: max(t.median for t in timings
                                    if t.page.key == key and t.reader == reader)
                           for key in ("dashboard", "ledger", "assessment")}
        verdicts = ", ".join(f"{key} {ms:.0f} ms "
                             + ("meets target" if ms < TARGET_MS else "BELOW TARGET")
                             for key, ms in figures[reader].items())
        print(f"{reader}, median per page (target < {TARGET_MS:.0f} ms): {verdicts}")
    street_staff = figures[READERS[0][1]]
    return "BENCH office " + " ".join(f"{key}_ms={ms:.0f}" for key, ms in street_staff.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true",
                      help=f"{FULL_ENTRIES:,} ledger entries (default {DEFAULT_ENTRIES:,})")
    size.add_argument("--entries", type=int, default=DEFAULT_ENTRIES)
    parser.add_argument("--postgres", action="store_true",
                        help="PostgreSQL on 127.0.0.1 instead of a SQLite file")
    parser.add_argument("--repeats", type=int, default=10, help="timed reads of each page")
    parser.add_argument("--refill", action="store_true", help="fill the kept database again")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    entries = FULL_ENTRIES if args.full else args.entries
    started = time.perf_counter()
    try:
        filled = filled_database(entries, args.postgres, args.refill, args.seed)
        month = last_month(filled.info["filled_on"])
        print(f"timing as each reader, {args.repeats} reads of each page after two warm ones",
              flush=True)
        with served(filled) as server:
            timings = time_pages(server, month, args.repeats)
    except BenchFailed as exc:
        print(f"bench run failed: {exc}", file=sys.stderr)
        return 1
    line = report(filled, timings, args.postgres)
    print(f"whole run: {time.perf_counter() - started:.0f} s")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
