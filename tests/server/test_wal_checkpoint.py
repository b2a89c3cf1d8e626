"""The SQLite log is copied into the database file beside the writers
(`server.wal_checkpoint.WalCheckpointer`), not inside a push's commit."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import text

from server import create_app
from server.database import AUTOCHECKPOINT_PAGES
from server.extensions import db
from server.wal_checkpoint import WalCheckpointer
from tests.waiting import wait_for


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    database = tmp_path / "minqing.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("MINQING_SERVER_KEY", str(tmp_path / "server_key.pem"))
    app = create_app()
    with app.app_context():
        db.session.execute(text("CREATE TABLE notes (body TEXT)"))
        db.session.commit()
    yield app, database
    with app.app_context():
        db.engine.dispose()


def write_pages(app, count: int) -> None:
    """Commit about `count` pages of new rows through the app's own connections."""
    with app.app_context():
        for _ in range(count):
            db.session.execute(text("INSERT INTO notes VALUES (:body)"),
                               {"body": os.urandom(2000).hex()})
        db.session.commit()
        db.session.remove()  # back to the pool: the writer's turn ends here


class TestWalCheckpointer:
    def test_what_a_writer_committed_is_copied_into_the_database_file(self, sqlite_app):
        app, database = sqlite_app
        size_before = database.stat().st_size
        write_pages(app, 200)
        # Far below the threshold of SQLite's own checkpoint: only the thread copies it.
        assert AUTOCHECKPOINT_PAGES > 200
        assert wait_for(lambda: database.stat().st_size > size_before + 200 * 4096)

    def test_what_a_reader_kept_from_it_is_copied_once_the_reader_is_gone(self, sqlite_app):
        app, database = sqlite_app
        checkpointer: WalCheckpointer = app.extensions["minqing_wal_checkpointer"]
        write_pages(app, 1)
        assert wait_for(lambda: checkpointer.runs > 0)
        reader = sqlite3.connect(database, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM notes").fetchall()  # holds its snapshot
        size_before, runs_before = database.stat().st_size, checkpointer.runs
        write_pages(app, 200)
        assert wait_for(lambda: checkpointer.runs > runs_before)
        assert database.stat().st_size < size_before + 200 * 4096  # the reader held it back
        reader.execute("COMMIT")  # no commit of the app's follows to wake the thread
        reader.close()
        assert wait_for(lambda: database.stat().st_size > size_before + 200 * 4096)

    def test_each_process_starts_its_own_thread(self, sqlite_app):
        app, _ = sqlite_app
        checkpointer: WalCheckpointer = app.extensions["minqing_wal_checkpointer"]
        write_pages(app, 1)
        pid = os.fork()
        if pid == 0:  # a gunicorn worker, forked after the app was made
            try:
                write_pages(app, 1)
                ok = wait_for(lambda: checkpointer.runs > 0 and checkpointer._pid == os.getpid())
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0

    def test_a_database_in_memory_has_none(self, monkeypatch, tmp_path):
        monkeypatch.setenv("DATABASE_URL", "sqlite://")
        monkeypatch.setenv("MINQING_SERVER_KEY", str(tmp_path / "server_key.pem"))
        assert "minqing_wal_checkpointer" not in create_app().extensions
