"""The central ledger: append-only, and any change made behind its back is found and named.

Each test pushes real work through the live server, then goes to the database directly, as
someone with database access would, and checks what `verify-ledger` says.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.database import is_postgres
from server.extensions import db
from server.services.ledger_verify import verify_ledger
from tests.server.conftest import LiveServer, flask_command
from tests.server.fleet import dispute, enrol_tablet, import_demo_roster, visit

PROJECTION_TABLES = ("record_projections", "visit_ledger", "screening_ledger",
                     "dispute_ledger", "patrol_ledger")


@pytest.fixture
def worked(app: Flask, live_server: LiveServer) -> LiveServer:
    """A day's work in the ledger: visits, a case edited by two people, one quarantined op."""
    import_demo_roster(live_server.env)
    worker = enrol_tablet(app, live_server.url, "w-wangfang")
    mediator = enrol_tablet(app, live_server.url, "w-liming")
    for number in range(1, 4):
        worker.writer.create("visit", visit(number=number))
    case_id = worker.writer.create("dispute", dispute())
    worker.writer.create("visit", visit(grid_id="g-fsy-01"))  # outside the grid
    worker.sync()
    mediator.sync()
    mediator.writer.update(case_id, {"status": "mediating"})
    worker.writer.update(case_id, {"risk_colour": "red"})
    mediator.sync()
    worker.sync()
    return live_server


def run_sql(app: Flask, *statements: str) -> None:
    with app.app_context():
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def bypass_append_only(app: Flask) -> None:
    """What an insider with database rights could do: switch the protection off."""
    with app.app_context():
        if is_postgres():
            run_sql(app, "ALTER TABLE ledger_entries DISABLE TRIGGER USER",
                    "ALTER TABLE tree_heads DISABLE TRIGGER USER")
        else:
            run_sql(app, *(f"DROP TRIGGER {table}_no_{action}"
                           for table in ("ledger_entries", "tree_heads")
                           for action in ("update", "delete")))


def first_problem(app: Flask):
    with app.app_context():
        result = verify_ledger()
    assert not result.ok
    return result.first_problem


class TestAppendOnly:
    def test_an_untouched_ledger_verifies(self, app, worked):
        with app.app_context():
            result = verify_ledger()
        assert result.ok
        assert (result.entries, result.tree_heads, result.device_heads) == (7, 3, 3)

    def test_updating_an_entry_is_refused_by_the_database(self, app, worked):
        with pytest.raises(DBAPIError):
            run_sql(app, "UPDATE ledger_entries SET verdict = 'accepted'")

    def test_deleting_an_entry_is_refused_by_the_database(self, app, worked):
        with pytest.raises(DBAPIError):
            run_sql(app, "DELETE FROM ledger_entries WHERE position = 2")


class TestTamperingIsFound:
    def test_a_verdict_changed_behind_the_ledgers_back(self, app, worked):
        bypass_append_only(app)
        run_sql(app, "UPDATE ledger_entries SET verdict = 'accepted' "
                     "WHERE verdict = 'quarantined'")
        problem = first_problem(app)
        assert (problem.code, problem.position) == ("entry_altered", 5)

    def test_an_operation_rewritten_in_place(self, app, worked):
        bypass_append_only(app)
        with app.app_context():
            body = db.session.execute(
                text("SELECT body FROM ledger_entries WHERE position = 2")).scalar_one()
            forged = bytes(body).replace("第2户".encode(), "第9户".encode())
            db.session.execute(text("UPDATE ledger_entries SET body = :b WHERE position = 2"),
                               {"b": forged})
            db.session.commit()
        problem = first_problem(app)
        assert (problem.code, problem.position) == ("operation_altered", 2)

    def test_a_deleted_entry(self, app, worked):
        bypass_append_only(app)
        run_sql(app, "DELETE FROM ledger_entries WHERE position = 3")
        problem = first_problem(app)
        assert (problem.code, problem.position) == ("entry_missing", 4)

    def test_two_entries_swapped(self, app, worked):
        bypass_append_only(app)
        run_sql(app,
                "UPDATE ledger_entries SET position = -1 WHERE position = 2",
                "UPDATE ledger_entries SET position = 2 WHERE position = 3",
                "UPDATE ledger_entries SET position = 3 WHERE position = -1")
        problem = first_problem(app)
        assert (problem.code, problem.position) == ("chain_broken", 2)

    def test_the_last_entries_cut_off(self, app, worked):
        bypass_append_only(app)
        run_sql(app, "DELETE FROM ledger_entries WHERE position >= 6")
        assert first_problem(app).code == "entry_missing"

    def test_a_signed_root_replaced(self, app, worked):
        bypass_append_only(app)
        run_sql(app, "UPDATE tree_heads SET root = '" + "0" * 64 + "' WHERE size = 5")
        problem = first_problem(app)
        assert (problem.code, problem.position) == ("root_mismatch", 5)

    def test_the_command_names_the_first_broken_entry_and_fails(self, app, worked):
        bypass_append_only(app)
        run_sql(app, "DELETE FROM ledger_entries WHERE position = 3")
        done = flask_command(worked.env, "verify-ledger", check=False)
        assert done.returncode == 1
        assert "第4条" in done.stdout and "entry_missing" in done.stdout


class TestProjections:
    def test_rebuilding_gives_the_very_same_tables(self, app, worked):
        before = projection_rows(app)
        done = flask_command(worked.env, "rebuild-projections")
        assert "重建" in done.stdout
        assert projection_rows(app) == before
        assert sum(len(rows) for rows in before.values()) > 0


def projection_rows(app: Flask) -> dict[str, list[tuple]]:
    with app.app_context():
        return {
            table: [tuple(row) for row in db.session.execute(
                text(f"SELECT * FROM {table} ORDER BY id")).all()]
            for table in PROJECTION_TABLES
        }
