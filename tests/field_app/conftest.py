"""The field app's services against a real server process, as a tablet meets it.

The server fixtures are the server's own (tests/server/conftest.py), on SQLite only: what
is specified here is the tablet, and the server's two databases are specified there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from field_app.services.enrolment_card import EnrolmentCard
from field_app.services.tablet import FirstRun, Tablet, TabletFiles
from field_app.services.vault import ScryptParams
from server.local import LiveServer
from server.services.enrolment import issue_code
from sync.client import ClientSettings
from tests.field_app.recording_setup import data_key, drafts, recorder, store  # noqa: F401
from tests.server.conftest import app, live_server, server_env  # noqa: F401  (fixtures)
from tests.server.fleet import import_demo_roster

CHEAP_KDF = ScryptParams(n=2**10)
"""A PIN's scrypt cost cut for tests; the app's default is specified in test_vault.py."""

QUICK_RETRIES = ClientSettings(push_attempts=2, backoff_base=0.01, backoff_cap=0.02,
                               retry_backoff=0.01, connect_timeout=2.0, read_timeout=20.0)

PIN = "482913"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'minqing.sqlite3'}"


@pytest.fixture
def field_server(app: Flask, server_env: dict[str, str], live_server: LiveServer  # noqa: F811
                 ) -> LiveServer:
    """A server with the demo street's roster (王芳 works grid g-yzs-03)."""
    import_demo_roster(server_env)
    return live_server


def enrolment_card(app: Flask, server: LiveServer, worker_id: str = "w-wangfang"  # noqa: F811
                   ) -> EnrolmentCard:
    """The card the office prints for `worker_id`."""
    with app.app_context():
        return EnrolmentCard(server.url, issue_code(worker_id).code)


def set_up_tablet(app: Flask, server: LiveServer, folder: Path,  # noqa: F811
                  worker_id: str = "w-wangfang") -> Tablet:
    """A tablet enrolled for `worker_id` with `PIN`, as the first-run screens make it."""
    first_run = FirstRun(TabletFiles(folder), kdf=CHEAP_KDF, settings=QUICK_RETRIES)
    first_run.enrol(enrolment_card(app, server, worker_id), f"{worker_id}的平板")
    return first_run.set_pin(PIN)


@pytest.fixture
def tablet(app: Flask, field_server: LiveServer, tmp_path: Path) -> Iterator[Tablet]:  # noqa: F811
    opened = set_up_tablet(app, field_server, tmp_path / "tablet")
    yield opened
    opened.close()
