"""Many tablets pushing at once: gunicorn with 4 workers on PostgreSQL loses nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.local import fresh_postgres, start_server, stop_server
from server.models import LedgerEntry
from server.services.ledger_verify import verify_ledger
from sync.client import PushReport
from tests.server.fleet import FieldTablet, enrol_tablet, import_demo_roster, visit

PUSHERS = 20
VISITS_EACH = 15
GRID_WORKERS = ["w-wangfang", "w-zhaolei"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[Flask, dict[str, str]]]:
    """The app and a server environment on PostgreSQL only: this load is what it is for."""
    env = {**os.environ, "DATABASE_URL": postgres_url, "FLASK_APP": "server:create_app",
           "MINQING_SERVER_KEY": str(tmp_path / "server_key.pem"), "MINQING_LOG_FORMAT": "text"}
    for name in ("DATABASE_URL", "MINQING_SERVER_KEY", "MINQING_LOG_FORMAT"):
        monkeypatch.setenv(name, env[name])
    application = create_app()
    with application.app_context():
        upgrade()
    yield application, env
    with application.app_context():
        db.engine.dispose()


def test_twenty_tablets_pushing_at_once_lose_nothing(pg_app) -> None:
    app, env = pg_app
    reports = push_at_once(app, env, workers=4, pushers=PUSHERS)
    assert all(r.acknowledged_seq == VISITS_EACH and not r.quarantined for r in reports)
    with app.app_context():
        assert db.session.query(LedgerEntry).count() == PUSHERS * VISITS_EACH
        result = verify_ledger()
        assert result.ok, result.first_problem


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_concurrent_pushers_wait_their_turn_instead_of_failing(app, server_env
                                                                         ) -> None:
    """Two workers on one SQLite file: a second writer waits; nobody gets a 500 to retry."""
    reports = push_at_once(app, server_env, workers=2, pushers=6)
    assert all(r.acknowledged_seq == VISITS_EACH and r.retries == 0 for r in reports)
    with app.app_context():
        assert verify_ledger().ok


def push_at_once(app: Flask, env: dict[str, str], *, workers: int, pushers: int
                 ) -> list[PushReport]:
    """`pushers` tablets, each with a morning of visits, all pushing at the same moment."""
    import_demo_roster(env)
    server = start_server(env, workers=workers)
    try:
        tablets: list[FieldTablet] = []
        for index in range(pushers):
            worker = GRID_WORKERS[index % 2]
            tablet = enrol_tablet(app, server.url, worker)
            grid = "g-yzs-03" if worker == "w-wangfang" else "g-yzs-01"
            for number in range(VISITS_EACH):
                tablet.writer.create("visit", {**visit(grid_id=grid, number=number),
                                               "worker_id": worker})
            tablets.append(tablet)
        with ThreadPoolExecutor(max_workers=pushers) as pool:
            return list(pool.map(lambda t: t.push(batch_size=5), tablets))
    finally:
        stop_server(server)


def test_a_tablets_batches_on_the_way_together_land_once_in_chain_order(app, server_env
                                                                        ) -> None:
    """Two workers, one tablet with two batches on the way at a time. The one behind waits
    for the one ahead to be entered; now and then (tiny batches on a busy machine) it gets
    in first, is refused and is sent again. Either way every operation lands once, in chain
    order. (How often batches go twice is a matter of speed: `bench/sync_vs_couch.py`
    prints the requests a push took.)"""
    import_demo_roster(server_env)
    server = start_server(server_env, workers=2)
    try:
        tablet = enrol_tablet(app, server.url, "w-wangfang")
        for number in range(60):
            tablet.writer.create("visit", visit(number=number))
        report = tablet.push(batch_size=5)
    finally:
        stop_server(server)
    assert (report.acknowledged_seq, report.accepted, report.quarantined) == (60, 60, [])
    with app.app_context():
        seqs = db.session.scalars(
            select(LedgerEntry.device_seq).order_by(LedgerEntry.position)).all()
        assert seqs == list(range(1, 61))
        assert verify_ledger().ok
