"""A server process on this machine, for development: tests and benches start it this way.

gunicorn on a free port of 127.0.0.1, against a database given by the environment, and a
fresh PostgreSQL database for a run that must not touch anything else. Not used in
production (see docs/deploy.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from flask import Flask

from server.services.enrolment import issue_code
from sync.client import ClientSettings, SyncClient
from sync.operation import Author
from sync.replica import Replica
from sync.request_counter import MemoryCounter
from sync.signing import DeviceKey
from sync.writer import RecordWriter

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("MINQING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def fresh_postgres(prefix: str = "minqing_test") -> Iterator[str]:
    """A new, empty PostgreSQL database on 127.0.0.1, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def local_server_env(database_url: str, folder: Path) -> dict[str, str]:
    """Environment for a server process or a `flask` command on `database_url`, with the
    server key kept in `folder` and plain-text logs."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MINQING_SERVER_KEY": str(folder / "server_key.pem"),
        "MINQING_LOG_FORMAT": "text",
        "FLASK_APP": "server:create_app",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path | None = None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def start_server(env: dict[str, str], workers: int = 1, log: Path | None = None,
                 timeout: int = 120) -> LiveServer:
    """gunicorn on a free port; returns once /api/v1/health answers. Its output goes to
    `log` when given, else it is dropped (errors at start-up are raised either way).

    gunicorn leads a process group of its own, so `kill_server` can take the master and
    its workers down at once, as a power cut would."""
    port = free_port()
    sink = log.open("wb") if log is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:server.gunicorn_conf",
             "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", str(timeout), "server:create_app()"],
            env=env, cwd=ROOT, stdout=sink,
            stderr=subprocess.STDOUT if log is not None else subprocess.PIPE,
            start_new_session=True,
        )
    finally:
        if log is not None:
            sink.close()  # type: ignore[union-attr]
    server = LiveServer(f"http://127.0.0.1:{port}", env, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(_output(server))
        try:
            if requests.get(f"{server.url}/api/v1/health", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /api/v1/health within 30 s")


def stop_server(server: LiveServer) -> None:
    stop_process(server.process)


def kill_server(server: LiveServer) -> None:
    """SIGKILL to gunicorn's master and every worker: no request finishes, no handler
    runs, whatever was not committed is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a server process to stop; kill it if it has not within ten seconds."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _output(server: LiveServer) -> str:
    if server.log is not None:
        return server.log.read_text(errors="replace")[-2000:]
    stderr = server.process.stderr
    return stderr.read().decode(errors="replace") if stderr else "gunicorn exited"


@dataclass
class LocalTablet:
    """A tablet enrolled on a local server: its writer (replica and chain), key and client."""

    worker_id: str
    writer: RecordWriter
    key: DeviceKey
    client: SyncClient


def enrol_local_tablet(app: Flask, url: str, worker_id: str, role: str, *,
                       client_url: str | None = None,
                       settings: ClientSettings | None = None,
                       sleep: Callable[[float], None] = time.sleep) -> LocalTablet:
    """Enrol a new tablet as the office would (a one-time code) and the tablet does (its own
    key, through the API); `client_url` may send its syncs through a proxy."""
    with app.app_context():
        code = issue_code(worker_id).code
    key = DeviceKey.generate()
    enrolment = SyncClient.enrol(url, code, key, f"{worker_id}的平板")
    writer = RecordWriter(Replica(), enrolment.device_id, key, Author(worker_id, role))
    client = SyncClient(client_url or url, enrolment.device_id, key, MemoryCounter(),
                        settings=settings, sleep=sleep)
    return LocalTablet(worker_id, writer, key, client)
