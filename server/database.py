"""Database settings that differ by engine.

SQLite: WAL (readers never wait for the writer), `synchronous=FULL` (a commit is on disk),
foreign keys on, and every transaction begun with `BEGIN IMMEDIATE`. Without the last, two
gunicorn workers that both read and then write would have one of them fail at once with
"database is locked" (a read transaction cannot be upgraded once another writer committed);
with it, the second waits its turn (busy timeout 30 s). PostgreSQL needs none of this: it
locks the rows it updates (each street's ledger row, each device row).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from server.extensions import db


def configure_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(connection, _record) -> None:  # type: ignore[no-untyped-def]
    connection.isolation_level = None  # the driver leaves BEGIN to `_sqlite_begin`
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == "postgresql"
