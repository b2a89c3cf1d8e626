"""Schema migrations carry the data over, both ways, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from server import create_app
from server.extensions import db

BEFORE_SLIM_LEDGERS = "d4e1f0a2b3c5"
RECORD = "01a21b24-9943-7e48-b8c2-09ec2e86e953"


@pytest.fixture
def bare_app(server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app on the test database, its schema left to each test."""
    for name in ("DATABASE_URL", "MINQING_SERVER_KEY", "MINQING_LOG_FORMAT"):
        monkeypatch.setenv(name, server_env[name])
    application = create_app()
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def one_row(sql: str) -> dict:
    return dict(db.session.execute(text(sql)).mappings().one())


@pytest.fixture
def wide_visit(bare_app: Flask) -> None:
    """A visit in the type ledger as it was before it was slimmed."""
    upgrade(revision=BEFORE_SLIM_LEDGERS)
    db.session.execute(text(
        "INSERT INTO record_projections (id, type, street_id, community_id, grid_id, state,"
        " open_conflicts, retracted, updated_position) VALUES (:id, 'visit', 's-qfs',"
        " 'c-yzs', 'g-yzs-01', :state, true, false, 7)"), {"id": RECORD, "state": b"{}"})
    db.session.execute(text(
        "INSERT INTO visit_ledger (id, grid_id, community_id, street_id, author_id,"
        " open_conflicts, retracted, \"values\", household_id, visit_kind, visited_at,"
        " request_count) VALUES (:id, 'g-yzs-01', 'c-yzs', 's-qfs', 'w-wangfang', true,"
        " false, '{\"visit_kind\": \"routine\"}', 'h-1', 'routine', '2026-11-01', 2)"),
        {"id": RECORD})
    db.session.commit()


class TestSlimTypeLedgers:
    def test_upgrading_keeps_each_row_with_its_own_columns(self, wide_visit):
        upgrade()
        assert one_row("SELECT * FROM visit_ledger") == {
            "id": RECORD, "author_id": "w-wangfang", "household_id": "h-1",
            "visit_kind": "routine", "visited_at": "2026-11-01", "request_count": 2,
        }

    def test_upgrading_keeps_the_indexes_the_office_filters_on(self, wide_visit):
        upgrade()
        indexed = {tuple(index["column_names"])
                   for index in inspect(db.engine).get_indexes("visit_ledger")}
        assert indexed == {("author_id",), ("household_id",),
                           ("visited_at", "author_id", "household_id")}

    def test_downgrading_takes_the_place_back_from_the_record(self, wide_visit):
        upgrade()
        downgrade(revision=BEFORE_SLIM_LEDGERS)
        row = one_row("SELECT grid_id, community_id, street_id, open_conflicts, author_id,"
                      " household_id, \"values\" FROM visit_ledger")
        assert row == {"grid_id": "g-yzs-01", "community_id": "c-yzs", "street_id": "s-qfs",
                       "open_conflicts": True, "author_id": "w-wangfang",
                       "household_id": "h-1", "values": "{}"}
