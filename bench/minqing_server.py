"""Our sync server for benches: a fresh database, the demo roster, gunicorn on a free port,
and tablets enrolled the way the office enrols them.

The same steps as the server's specifications (`tests/server/conftest.py`), with the same
process runner (`server.local`): the schema comes from the Alembic migrations
(`flask db upgrade`), the roster from `flask import-roster`, codes from `issue_code`, and the
tablet enrols through the real API.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from server import create_app
from server.local import (
    ROOT,
    LiveServer,
    enrol_local_tablet,
    fresh_postgres,
    local_server_env,
    start_server,
    stop_server,
)
from sync.client import ClientSettings, SyncClient
from sync.writer import RecordWriter

DEMO_ROSTER = ROOT / "server" / "demo" / "roster.yaml"
ROLES = {
    "w-liuyang": "community_staff",  # 燕子山社区: every record type in g-yzs-01..03
    "w-zhaolei": "grid_worker",  # 燕子山小区一区 g-yzs-01
}


@contextlib.contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file in `folder`, or a new PostgreSQL database."""
    if postgres:
        with fresh_postgres("minqing_bench") as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'minqing.sqlite3'}"


def flask_command(env: dict[str, str], *args: str) -> None:
    """`flask <args>` as the office's IT person runs it; raises with its output on failure."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def prepare(env: dict[str, str]) -> Flask:
    """Migrate, import the demo roster, and return an app bound to the same database (for
    issuing enrolment codes and bulk-loading, as the office's own tools would)."""
    flask_command(env, "db", "upgrade")
    flask_command(env, "import-roster", str(DEMO_ROSTER))
    for name in ("DATABASE_URL", "MINQING_SERVER_KEY", "MINQING_LOG_FORMAT"):
        os.environ[name] = env[name]
    app = create_app()
    logging.getLogger("minqing").setLevel(logging.WARNING)  # not "enrolment code issued"
    return app


@contextlib.contextmanager
def served(postgres: bool, folder: Path, workers: int = 2) -> Iterator[tuple[Flask, LiveServer]]:
    """Everything a bench needs of our side: a fresh database with the demo roster, an app
    bound to it, and gunicorn (`workers` of them) serving it; all gone afterwards."""
    with database(postgres, folder) as url:
        env = local_server_env(url, folder)
        app = prepare(env)
        with running_server(env, folder, workers) as server:
            yield app, server


@contextlib.contextmanager
def running_server(env: dict[str, str], folder: Path, workers: int = 2
                   ) -> Iterator[LiveServer]:
    server = start_server(env, workers=workers, log=folder / "gunicorn.log", timeout=300)
    try:
        yield server
    finally:
        stop_server(server)


def load_average() -> str:
    """The machine's load averages (1, 5, 15 minutes) against its cores: the timings are
    wall-clock, so a busy machine shows in them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def gunicorn_pids(server: LiveServer) -> list[int]:
    """gunicorn's master and its workers as they are now (from /proc)."""
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes used so far; those gone count nothing."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def memory_bytes(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) summed over the processes: RSS counts pages the workers share with their
    master once per process, PSS splits them, so PSS is what they take together."""
    rss = pss = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in rollup.splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                kib = int(value.split()[0]) * 1024
                rss, pss = (rss + kib, pss) if name == "Rss" else (rss, pss + kib)
    return rss, pss


@dataclass
class Tablet:
    """An enrolled tablet: its writer (local replica and chain) and its sync client."""

    worker_id: str
    writer: RecordWriter
    client: SyncClient


def enrol(app: Flask, url: str, worker_id: str, *, client_url: str | None = None) -> Tablet:
    """Enrol a new tablet for `worker_id` with a one-time code; `client_url` may point the
    client through a proxy (enrolment itself goes straight to the server)."""
    tablet = enrol_local_tablet(app, url, worker_id, ROLES[worker_id], client_url=client_url,
                                settings=ClientSettings(read_timeout=300.0))
    return Tablet(worker_id, tablet.writer, tablet.client)
