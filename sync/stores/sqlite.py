"""A replica store in one SQLite file: the tablet's local database, and the merge benchmark's.

Each `commit` is one transaction, so an apply is durable before it returns and a tablet that
dies mid-apply loses nothing it had already saved. WAL mode lets the sync thread read while
a screen saves. Operations are stored as their canonical bytes, so what was hashed and signed
is exactly what is kept.

Every BLOB that carries people's data (operation bodies, record states, pending and
quarantined operations) passes through a `BlobCodec` on its way in and out. The default keeps
bytes as they are; the field app's `SealedStore` encrypts them. Ids, sequence numbers and
record types stay in the clear so the indexes work.

A transaction that fails (a full disk: SQLite's SQLITE_FULL, which may already have rolled
the transaction back itself) leaves nothing of itself behind, and the caller sees SQLite's
own error, not a failed ROLLBACK's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import orjson

from sync.operation import Operation
from sync.stores import Commit

SCHEMA = """
CREATE TABLE IF NOT EXISTS ops (
    pos INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_chain ON ops (device, seq);
CREATE INDEX IF NOT EXISTS ops_record ON ops (record);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    attention INTEGER NOT NULL DEFAULT 0,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    device TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    head TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    relayed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS known_ops (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS quarantine (
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (id, code)
);
"""

_CHUNK = 500


class BlobCodec(Protocol):
    """Turns a stored value into the bytes written to disk and back. `table` and `key` (the
    row's id) name where the value lives, so a codec can bind a value to its row."""

    def encode(self, table: str, key: str, value: bytes) -> bytes: ...

    def decode(self, table: str, key: str, stored: bytes) -> bytes: ...


class PlainCodec:
    """Stores values as they are: the server's merge benchmark and the sync tests."""

    def encode(self, table: str, key: str, value: bytes) -> bytes:
        return value

    def decode(self, table: str, key: str, stored: bytes) -> bytes:
        return stored


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed whole, or rolled back whole.

    On an error SQLite may have ended the transaction already (SQLITE_FULL does); a
    ROLLBACK then would fail and hide the error that matters, so it is sent only while a
    transaction is open. A COMMIT that fails is rolled back the same way."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


class SQLiteStore:
    def __init__(self, path: str | Path, *, codec: BlobCodec | None = None) -> None:
        self._codec: BlobCodec = codec if codec is not None else PlainCodec()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _seal(self, table: str, key: str, value: bytes) -> bytes:
        return self._codec.encode(table, key, value)

    def _op(self, table: str, key: str, stored: bytes) -> Operation:
        return Operation.from_body(self._codec.decode(table, key, stored))

    def _state(self, key: str, stored: bytes) -> dict[str, Any]:
        return orjson.loads(self._codec.decode("records", key, stored))

    def device_head(self, device_id: str) -> tuple[int, str]:
        row = self._db.execute(
            "SELECT seq, head FROM devices WHERE device = ?", (device_id,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, "")

    def op_id_at(self, device_id: str, seq: int) -> str | None:
        row = self._db.execute(
            "SELECT id FROM ops WHERE device = ? AND seq = ?", (device_id, seq)
        ).fetchone()
        return row[0] if row else None

    def known_ids(self, op_ids: Iterable[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(set(op_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id FROM ops WHERE id IN ({marks}) "
                f"UNION SELECT id FROM known_ops WHERE id IN ({marks})", chunk + chunk
            )
            known.update(row[0] for row in rows)
        return known

    def load_states(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        states: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(set(record_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT id, state FROM records WHERE id IN ({marks})", chunk)
            states.update((rid, self._state(rid, state)) for rid, state in rows)
        return states

    def pending(self) -> list[Operation]:
        rows = self._db.execute("SELECT id, body FROM pending")
        return [self._op("pending", op_id, body) for op_id, body in rows]

    def relayed_pending(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM pending WHERE relayed = 1")}

    def quarantined(self) -> list[tuple[Operation, str]]:
        rows = self._db.execute("SELECT id, code, body FROM quarantine ORDER BY rowid")
        return [(self._op("quarantine", f"{op_id}/{code}", body), code)
                for op_id, code, body in rows]

    def commit(self, commit: Commit) -> None:
        with write_transaction(self._db) as db:
            db.executemany(
                "INSERT INTO ops (id, device, seq, record, body) VALUES (?, ?, ?, ?, ?)",
                [(op.id, op.device_id, op.seq, op.record_id, self._seal("ops", op.id, op.body))
                 for op in commit.applied],
            )
            db.executemany(
                "INSERT OR REPLACE INTO records (id, type, attention, state) VALUES (?, ?, ?, ?)",
                [
                    (rid, state["type"], int(commit.attention.get(rid, False)),
                     self._seal("records", rid, orjson.dumps(state)))
                    for rid, state in commit.states.items()
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO devices (device, seq, head) VALUES (?, ?, ?)",
                [(device, seq, head) for device, (seq, head) in commit.device_heads.items()],
            )
            db.executemany(
                "DELETE FROM pending WHERE id = ?", [(i,) for i in commit.pending_removed]
            )
            db.executemany(
                "INSERT OR IGNORE INTO pending (id, body, relayed) VALUES (?, ?, ?)",
                [(op.id, self._seal("pending", op.id, op.body), int(op.id in commit.relayed))
                 for op in commit.pending_added],
            )
            db.executemany(
                "INSERT OR IGNORE INTO quarantine (id, code, body) VALUES (?, ?, ?)",
                [(op.id, code, self._seal("quarantine", f"{op.id}/{code}", op.body))
                 for op, code in commit.quarantined],
            )

    def adopt(self, states: dict[str, dict[str, Any]], attention: dict[str, bool],
              known: Iterable[str]) -> None:
        with write_transaction(self._db) as db:
            db.executemany(
                "INSERT OR REPLACE INTO records (id, type, attention, state) VALUES (?, ?, ?, ?)",
                [(rid, state["type"], int(attention.get(rid, False)),
                  self._seal("records", rid, orjson.dumps(state)))
                 for rid, state in states.items()],
            )
            db.executemany("INSERT OR IGNORE INTO known_ops (id) VALUES (?)",
                           [(op_id,) for op_id in known])

    def ops_since(self, cursor: int, limit: int) -> tuple[list[Operation], int]:
        rows = self._db.execute(
            "SELECT pos, id, body FROM ops WHERE pos > ? ORDER BY pos LIMIT ?", (cursor, limit)
        ).fetchall()
        if not rows:
            return [], cursor
        return [self._op("ops", op_id, body) for _, op_id, body in rows], rows[-1][0]

    def records_touched_since(self, cursor: int) -> tuple[set[str], int]:
        """Ids of the records operations after log position `cursor` touched, and the
        last position: what changed, without reading (or opening) any operation."""
        rows = self._db.execute("SELECT pos, record FROM ops WHERE pos > ?",
                                (cursor,)).fetchall()
        return {record for _, record in rows}, max((pos for pos, _ in rows), default=cursor)

    def chain(self, device_id: str, after_seq: int, limit: int) -> list[Operation]:
        rows = self._db.execute(
            "SELECT id, body FROM ops WHERE device = ? AND seq > ? ORDER BY seq LIMIT ?",
            (device_id, after_seq, limit),
        )
        return [self._op("ops", op_id, body) for op_id, body in rows]

    def ops_for_record(self, record_id: str) -> list[Operation]:
        rows = self._db.execute(
            "SELECT id, body FROM ops WHERE record = ? ORDER BY pos", (record_id,)
        )
        return [self._op("ops", op_id, body) for op_id, body in rows]

    def record_ids(self, *, needing_attention: bool = False) -> Iterator[str]:
        sql = "SELECT id FROM records"
        if needing_attention:
            sql += " WHERE attention = 1"
        rows = self._db.execute(sql + " ORDER BY id").fetchall()
        return (row[0] for row in rows)

    def count_ops(self) -> int:
        return self._db.execute("SELECT count(*) FROM ops").fetchone()[0]
