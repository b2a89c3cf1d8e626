"""A type ledger joined to where its records are: SQLite reads the ledger first.

SQLite plans without statistics, and with a plain join it reads every record of the area
(wide rows) before it looks at the ledger's own, narrow, filter; `with_places` keeps the
ledger outside. PostgreSQL plans from its statistics and gets a plain join."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.dialects import postgresql

import server.models  # noqa: F401  (every table in the metadata)
from server.extensions import db
from server.models import DisputeLedger, RecordProjection, RequestLedger, ScreeningLedger
from server.services.ledger_places import with_places

OPEN_CASES_IN_A_STREET = (RecordProjection.street_id == "s-qianfoshan",
                          DisputeLedger.status.not_in(["resolved", "closed"]))


@pytest.fixture
def sqlite() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


def first_table_read(engine: Engine, query) -> str:
    sql = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
    return plan[0][-1].split()[1]


def test_sqlite_reads_the_ledger_before_the_records(sqlite):
    query = (select(DisputeLedger.id).select_from(with_places(DisputeLedger))
             .where(*OPEN_CASES_IN_A_STREET))
    assert first_table_read(sqlite, query) == "dispute_ledger"


def test_a_plain_join_would_read_the_records_first(sqlite):
    query = (select(DisputeLedger.id)
             .join(RecordProjection, RecordProjection.id == DisputeLedger.id)
             .where(*OPEN_CASES_IN_A_STREET))
    assert first_table_read(sqlite, query) == "record_projections"


def test_the_key_may_be_another_column_than_id(sqlite):
    query = (select(RequestLedger.request_id)
             .select_from(with_places(RequestLedger, RequestLedger.visit_id))
             .where(RecordProjection.street_id == "s-qianfoshan",
                    RequestLedger.step == "in_ledger"))
    assert first_table_read(sqlite, query) == "request_ledger"


def test_postgresql_gets_a_plain_join_to_plan_itself():
    query = select(ScreeningLedger.id).select_from(with_places(ScreeningLedger))
    sql = str(query.compile(dialect=postgresql.dialect()))
    assert "screening_ledger JOIN record_projections ON" in sql
    assert "CROSS" not in sql
