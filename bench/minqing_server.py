"""Our sync server for benches: a fresh database, the demo roster, gunicorn on a free port,
and tablets enrolled the way the office enrols them.

The same steps as the server's specifications (`tests/server/conftest.py`), kept here so a
bench does not import test fixtures: the schema comes from the Alembic migrations
(`flask db upgrade`), the roster from `flask import-roster`, codes from `issue_code`, and the
tablet enrols through the real API.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from flask import Flask

from server import create_app
from server.services.enrolment import issue_code
from sync.client import ClientSettings, SyncClient
from sync.operation import Author
from sync.replica import Replica
from sync.request_counter import MemoryCounter
from sync.signing import DeviceKey
from sync.writer import RecordWriter

ROOT = Path(__file__).resolve().parents[1]
DEMO_ROSTER = ROOT / "server" / "demo" / "roster.yaml"
PG_ADMIN = os.environ.get("MINQING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROLES = {
    "w-liuyang": "community_staff",  # 燕子山社区: every record type in g-yzs-01..03
    "w-zhaolei": "grid_worker",  # 燕子山小区一区 g-yzs-01
}


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database on 127.0.0.1, dropped afterwards."""
    name = f"minqing_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file in `folder`, or a new PostgreSQL database."""
    if postgres:
        with fresh_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'minqing.sqlite3'}"


def server_env(database_url: str, folder: Path) -> dict[str, str]:
    """Environment for gunicorn and `flask` commands on that database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MINQING_SERVER_KEY": str(folder / "server_key.pem"),
        "MINQING_LOG_FORMAT": "text",
        "FLASK_APP": "server:create_app",
    }


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def start_server(env: dict[str, str], folder: Path, workers: int = 2) -> LiveServer:
    """gunicorn on a free port of 127.0.0.1; returns once /api/v1/health answers."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", "300", "server:create_app()"],
            env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(f"{server.url}/api/v1/health", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /api/v1/health within 30 s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextlib.contextmanager
def running_server(env: dict[str, str], folder: Path) -> Iterator[LiveServer]:
    server = start_server(env, folder)
    try:
        yield server
    finally:
        stop_server(server)


@dataclass
class Tablet:
    """An enrolled tablet: its writer (local replica and chain) and its sync client."""

    worker_id: str
    writer: RecordWriter
    client: SyncClient


def enrol(app: Flask, url: str, worker_id: str, *, client_url: str | None = None) -> Tablet:
    """Enrol a new tablet for `worker_id` with a one-time code; `client_url` may point the
    client through a proxy (enrolment itself goes straight to the server)."""
    with app.app_context():
        code = issue_code(worker_id).code
    key = DeviceKey.generate()
    enrolment = SyncClient.enrol(url, code, key, f"{worker_id}的平板")
    writer = RecordWriter(Replica(), enrolment.device_id, key,
                          Author(worker_id, ROLES[worker_id]))
    client = SyncClient(client_url or url, enrolment.device_id, key, MemoryCounter(),
                        settings=ClientSettings(read_timeout=300.0))
    return Tablet(worker_id, writer, client)
