"""Database settings that differ by engine.

SQLite: WAL (readers never wait for the writer), `synchronous=FULL` (a commit is on disk),
foreign keys on, and every transaction begun with `BEGIN IMMEDIATE`. Without the last, two
gunicorn workers that both read and then write would have one of them fail at once with
"database is locked" (a read transaction cannot be upgraded once another writer committed);
with it, the second waits its turn (busy timeout 30 s). PostgreSQL needs none of this: it
locks the rows it updates (each street's ledger row, each device row).
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask
from sqlalchemy import Table, bindparam, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine

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


def insert_many(table: Table, rows: list[dict[str, Any]], *,
                replace_on: str | None = None) -> None:
    """Insert many rows with one driver-level `executemany`; with `replace_on`, a row whose
    key is there already replaces it (INSERT ... ON CONFLICT DO UPDATE, on either engine).

    A push writes hundreds of rows to three tables, and SQLAlchemy's per-row parameter
    processing cost as much as the database's own work, so the statement is compiled once
    per shape and each row goes to the driver as it is. The rows must hold plain driver
    values (str, int, bool, bytes, None), all with the same keys.
    """
    if not rows:
        return
    connection = db.session.connection()
    sql, order = _compiled_insert(table, tuple(rows[0]), replace_on, connection.dialect)
    params = rows if order is None else [tuple(row[name] for name in order) for row in rows]
    connection.exec_driver_sql(sql, params)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=64)
def _compiled_insert(table: Table, columns: tuple[str, ...], replace_on: str | None,
                     dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The statement's SQL, and the order of its parameters (None: named parameters)."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values({name: bindparam(name) for name in columns})
    if replace_on is not None:
        statement = statement.on_conflict_do_update(
            index_elements=[replace_on],
            set_={name: statement.excluded[name] for name in columns if name != replace_on},
        )
    compiled = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional else None  # type: ignore[arg-type]
    return str(compiled), order
