"""Database settings that differ by engine.

SQLite: WAL (readers never wait for the writer), `synchronous=FULL` (a commit is on disk),
foreign keys on, and every transaction begun with `BEGIN IMMEDIATE`. Without the last, two
gunicorn workers that both read and then write would have one of them fail at once with
"database is locked" (a read transaction cannot be upgraded once another writer committed);
with it, the second waits its turn (busy timeout 30 s). Waiting is done on an exclusive
`flock` of a file beside the database (`<database>-writer`), tried every millisecond at
most: SQLite's own busy handler sleeps between tries, up to 100 ms at a time, which cost a
push waiting behind another about 10 ms. PostgreSQL needs none of this: it locks the rows
it updates (each street's ledger row, each device row). The log is copied into the
database file by a thread beside the writers (`server.wal_checkpoint`).
"""

from __future__ import annotations

import fcntl
import functools
import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from psycopg import sql as psycopg_sql
from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from server.extensions import db
from server.wal_checkpoint import WalCheckpointer

BUSY_TIMEOUT_S = 30
"""How long a writer waits for its turn before it gives up with "database is locked"."""
AUTOCHECKPOINT_PAGES = 20_000
"""WAL pages (80 MB) past which a commit copies the log itself (`server.wal_checkpoint`)."""


INTEGER_MAX = 2**31 - 1
"""The largest value of an `Integer` column (ledger positions, chain positions) on
PostgreSQL, where it is a 4-byte `integer`."""


def as_position(value: int) -> int:
    """A position a client sent (a cursor, a chain position), brought into 0..INTEGER_MAX
    before it is compared with an `Integer` column: PostgreSQL casts the parameter to the
    column's type, so a larger one is "integer out of range", a server error, where the
    client meant "after everything" (a negative one, "from the start"). Every position
    stored is in that range, so the answer is the same."""
    return max(0, min(value, INTEGER_MAX))


def configure_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            turn = WriterTurn.beside(engine.url.database)
            event.listen(engine, "connect", functools.partial(_sqlite_connect, turn=turn))
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine.pool, "checkin", WriterTurn.on_checkin)
            event.listen(engine.pool, "close", WriterTurn.on_close)
            if turn.path is not None:
                checkpointer = WalCheckpointer(str(engine.url.database))
                app.extensions["minqing_wal_checkpointer"] = checkpointer
                event.listen(engine.pool, "checkin", lambda *_: checkpointer.poke())


class WriterTurn:
    """One SQLite connection's place in the queue of writers: an exclusive `flock` on a file
    beside the database, taken before `BEGIN IMMEDIATE` and let go when the connection goes
    back to the pool (after its commit or rollback). The file lock dies with its process, so
    a crashed worker never leaves it held; each connection has its own descriptor, so two
    connections of one process exclude each other too."""

    INFO_KEY = "minqing_writer_turn"

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def beside(cls, database: str | None) -> WriterTurn:
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls(None)  # nothing to share between processes
        return cls(Path(database).with_name(Path(database).name + "-writer"))

    def open_into(self, info: dict[Any, Any]) -> None:
        """Give a new connection (its pool entry's `info`) its own descriptor on the file."""
        if self.path is not None:
            info[self.INFO_KEY] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    @classmethod
    def take(cls, info: dict[Any, Any], timeout: float = BUSY_TIMEOUT_S) -> None:
        """Wait for this connection's turn (`info`: the connection's own; `Connection.info`
        is its pool entry's). Tries every millisecond at most, and after `timeout` seconds
        leaves the wait to SQLite, which then says "database is locked" as it always did."""
        descriptor = info.get(cls.INFO_KEY)
        if descriptor is None:
            return
        deadline, pause = time.monotonic() + timeout, 0.0001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    @classmethod
    def end_of(cls, info: dict[Any, Any]) -> None:
        descriptor = info.get(cls.INFO_KEY)
        if descriptor is not None:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    @classmethod
    def on_checkin(cls, _connection: Any, record: ConnectionPoolEntry) -> None:
        cls.end_of(record.info)

    @classmethod
    def on_close(cls, _connection: Any, record: ConnectionPoolEntry) -> None:
        descriptor = record.info.pop(cls.INFO_KEY, None)
        if descriptor is not None:
            os.close(descriptor)  # lets go of the lock too


def _sqlite_connect(connection, record, *, turn: WriterTurn) -> None:  # type: ignore[no-untyped-def]
    turn.open_into(record.info)
    connection.isolation_level = None  # the driver leaves BEGIN to `_sqlite_begin`
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: a push's index pages stay in memory
    # Checkpoints are `WalCheckpointer`'s; SQLite's own (in a commit) only if it falls behind.
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    WriterTurn.take(connection.info)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == "postgresql"


def insert_many(table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]], *,
                replace_on: str | None = None, fixed: tuple[str, ...] = ()) -> None:
    """Insert many rows, each a tuple of values in `columns` order; with `replace_on`, a
    row whose key is there already replaces it (INSERT ... ON CONFLICT DO UPDATE), but for
    the `fixed` columns, which never change once written: an index on them is then left as
    it is (both databases rewrite every index on a column an UPDATE sets, changed or not).

    A push writes hundreds of rows to three tables, and SQLAlchemy's per-row parameter
    processing cost as much as the database's own work, so rows go to the driver as they
    are: on SQLite one `executemany` of a statement made once per shape, on PostgreSQL
    COPY. Values must be plain driver values (str, int, bool, bytes, None).
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        _copy_into(connection, table, columns, rows, replace_on, fixed)
        return
    sql = _sqlite_insert(table.name, columns, replace_on, fixed)
    connection.exec_driver_sql(sql, rows)  # type: ignore[arg-type]


def insert_or_ignore(model: Any, key: list[str], **values: Any) -> None:
    """INSERT ... ON CONFLICT (key) DO NOTHING, on either database: a row made once."""
    dialect_insert = postgresql.insert if is_postgres() else sqlite.insert
    db.session.execute(dialect_insert(model).values(**values)
                       .on_conflict_do_nothing(index_elements=key))


def rows_where_in(table: Table, columns: tuple[str, ...], key: str, values: list[Any]
                  ) -> list[tuple[Any, ...]]:
    """`columns` of the rows whose `key` is one of `values`, as plain tuples: the read twin
    of `insert_many`. A push looks up hundreds of records at once, and SQLAlchemy's
    rendering of an expanding IN list and its result processing cost several times what
    the database did; here the list is one parameter on PostgreSQL (`= ANY`) and one
    placeholder per value on SQLite, and rows come back as the driver made them."""
    if not values:
        return []
    names = ", ".join(f'"{name}"' for name in columns)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        sql = f'SELECT {names} FROM "{table.name}" WHERE "{key}" = ANY(%s)'
        return list(connection.exec_driver_sql(sql, (list(values),)))
    sql = (f'SELECT {names} FROM "{table.name}" WHERE "{key}" IN '
           f'({", ".join("?" * len(values))})')
    return list(connection.exec_driver_sql(sql, tuple(values)))


def _copy_into(connection: Connection, table: Table, columns: tuple[str, ...],
               rows: list[tuple[Any, ...]], replace_on: str | None, fixed: tuple[str, ...]
               ) -> None:
    """PostgreSQL's COPY, in the connection's transaction: two to three times as fast as a
    pipelined `executemany`. Rows that may replace others are copied into a temporary
    table first and moved with one INSERT ... SELECT ... ON CONFLICT."""
    names = psycopg_sql.SQL(", ").join(psycopg_sql.Identifier(name) for name in columns)
    target = psycopg_sql.Identifier(table.name)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        if replace_on is None:
            _copy_rows(cursor, psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(target, names),
                       rows)
            return
        staging = psycopg_sql.Identifier(f"minqing_staging_{table.name}")
        cursor.execute(psycopg_sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS"
        ).format(staging, target))
        _copy_rows(cursor, psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(staging, names),
                   rows)
        replaced = psycopg_sql.SQL(", ").join(
            psycopg_sql.SQL("{0} = excluded.{0}").format(psycopg_sql.Identifier(name))
            for name in _updated(columns, replace_on, fixed))
        cursor.execute(psycopg_sql.SQL(
            "INSERT INTO {target} ({names}) SELECT {names} FROM {staging} "
            "ON CONFLICT ({key}) DO UPDATE SET {replaced}"
        ).format(target=target, names=names, staging=staging,
                 key=psycopg_sql.Identifier(replace_on), replaced=replaced))
        cursor.execute(psycopg_sql.SQL("TRUNCATE {}").format(staging))


def _copy_rows(cursor: Any, statement: psycopg_sql.Composed, rows: list[tuple[Any, ...]]
               ) -> None:
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@functools.lru_cache(maxsize=64)
def _sqlite_insert(table: str, columns: tuple[str, ...], replace_on: str | None,
                   fixed: tuple[str, ...] = ()) -> str:
    """The statement for rows in `columns` order (our own table and column names)."""
    quoted = [f'"{name}"' for name in (table, *columns)]
    sql = (f"INSERT INTO {quoted[0]} ({', '.join(quoted[1:])}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    if replace_on is not None:
        replaced = ", ".join(f'"{name}" = excluded."{name}"'
                             for name in _updated(columns, replace_on, fixed))
        sql += f' ON CONFLICT ("{replace_on}") DO UPDATE SET {replaced}'
    return sql


def _updated(columns: tuple[str, ...], key: str, fixed: tuple[str, ...]) -> list[str]:
    """The columns an upsert sets on a row that is there already."""
    return [name for name in columns if name != key and name not in fixed]
