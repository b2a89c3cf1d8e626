"""Real databases and a real server process for the server's specifications.

Every database test runs twice: on a fresh SQLite file and on a fresh PostgreSQL database
(created on 127.0.0.1:5432 for the test and dropped after). The schema is made by the
Alembic migrations, as in production. `live_server` starts gunicorn on a free port of
127.0.0.1 against that database.
"""

from __future__ import annotations

import contextlib
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
import pytest
import requests
from flask import Flask
from flask_migrate import upgrade

from server import create_app

PG_ADMIN = os.environ.get("MINQING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database on 127.0.0.1, dropped afterwards."""
    name = f"minqing_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'minqing.sqlite3'}"
        return
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for a server process or a `flask` command on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MINQING_SERVER_KEY": str(tmp_path / "server_key.pem"),
        "MINQING_LOG_FORMAT": "text",
        "FLASK_APP": "server:create_app",
    }


@pytest.fixture
def app(server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app bound to the test database, its schema made by the migrations."""
    for name in ("DATABASE_URL", "MINQING_SERVER_KEY", "MINQING_LOG_FORMAT"):
        monkeypatch.setenv(name, server_env[name])
    application = create_app()
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        from server.extensions import db

        db.engine.dispose()


def flask_command(env: dict[str, str], *args: str, check: bool = True
                  ) -> subprocess.CompletedProcess[str]:
    """Run `flask <args>` as the office's IT person would, against the test database."""
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, check=check, timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]


def start_server(env: dict[str, str], workers: int = 1) -> LiveServer:
    """gunicorn on a free port; returns once /api/v1/health answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--timeout", "120", "server:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "died")
        try:
            if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                return LiveServer(url, env, process)
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def live_server(app: Flask, server_env: dict[str, str]) -> Iterator[LiveServer]:
    """A real server process on 127.0.0.1 over the migrated test database."""
    server = start_server(server_env)
    yield server
    stop_server(server)
