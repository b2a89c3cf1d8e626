"""Real databases and a real server process for the server's specifications.

Every database test runs twice: on a fresh SQLite file and on a fresh PostgreSQL database
(created on 127.0.0.1:5432 for the test and dropped after). The schema is made by the
Alembic migrations, as in production. `live_server` starts gunicorn on a free port of
127.0.0.1 against that database.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from server import create_app
from server.local import (
    ROOT,
    LiveServer,
    fresh_postgres,
    local_server_env,
    start_server,
    stop_server,
)


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
    return local_server_env(database_url, tmp_path)


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


@pytest.fixture
def live_server(app: Flask, server_env: dict[str, str]) -> Iterator[LiveServer]:
    """A real server process on 127.0.0.1 over the migrated test database."""
    server = start_server(server_env)
    yield server
    stop_server(server)


@pytest.fixture
def office_server(app: Flask, server_env: dict[str, str], live_server: LiveServer
                  ) -> LiveServer:
    """The demo roster, with office passwords for a community's, the street's and the
    district's staff (`fleet.OFFICE_PASSWORD`)."""
    from server.services.office_login import set_password
    from tests.server.fleet import OFFICE_PASSWORD, import_demo_roster

    import_demo_roster(server_env)
    with app.app_context():
        for worker_id in ("w-liuyang", "w-gaoping", "w-lindong"):
            set_password(worker_id, OFFICE_PASSWORD)
    return live_server
