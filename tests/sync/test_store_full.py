"""A SQLite replica whose disk is full: SQLite's own error, nothing half-written, and writing
works again once there is room.

The full disk is made without privileges: the connection may not grow the file by a page
more (``PRAGMA max_page_count``), which SQLite reports as SQLITE_FULL, as it does a disk
with no space left.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.stores.sqlite import SQLiteStore
from sync.writer import RecordWriter
from tests.sync.examples import dispute_example


def writer_over(store: SQLiteStore) -> RecordWriter:
    return RecordWriter(Replica(store), "device-full", DeviceKey.generate(),
                        Author("w-full", "grid_worker"))


def fill(store: SQLiteStore) -> None:
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")


def big_case() -> dict[str, object]:
    return {**dispute_example(), "description": "楼上漏水渗到楼下，多次协商未果。" * 250}


def test_a_write_the_disk_has_no_room_for_raises_sqlites_full_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "replica.sqlite3")
    writer = writer_over(store)
    writer.create("dispute", dispute_example())
    fill(store)
    with pytest.raises(sqlite3.OperationalError) as raised:
        writer.create("dispute", big_case())
    assert raised.value.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL
    store.close()


def test_a_refused_write_leaves_nothing_and_the_next_one_works_with_room(tmp_path: Path
                                                                        ) -> None:
    store = SQLiteStore(tmp_path / "replica.sqlite3")
    writer = writer_over(store)
    kept = writer.create("dispute", dispute_example())
    fill(store)
    with pytest.raises(sqlite3.OperationalError):
        writer.create("dispute", big_case())
    assert not store._db.in_transaction
    assert store.count_ops() == 1 and writer.chain.seq == 1

    store._db.execute("PRAGMA max_page_count = 1073741823")
    added = writer.create("dispute", big_case())
    assert sorted(r["id"] for r in writer.replica.records()) == sorted([kept, added])
    store.close()
    reopened = Replica(SQLiteStore(tmp_path / "replica.sqlite3"))
    assert sorted(r["id"] for r in reopened.records()) == sorted([kept, added])
