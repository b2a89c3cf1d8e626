"""The tablet's replica database keeps residents' data encrypted, and still works as a replica."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from field_app.services.aead import new_key
from field_app.services.sealed_store import SealedStore, SealedStoreError
from sync.chain import verify_batch
from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.stores.sqlite import SQLiteStore
from sync.writer import RecordWriter
from tests.sync.examples import visit_example

NAME, PHONE, ID_NUMBER = "刘志强", "13905319876", "37010219850715231X"
ADDRESS = "燕子山小区7号楼3单元502室"
NOTE = "独居老人，左腿行动不便，女儿每周六来探望"
MET_NAME, MET_PHONE = "张秀英", "13805311234"
PERSONAL = [NAME, PHONE, ID_NUMBER, ADDRESS, NOTE, MET_NAME, MET_PHONE]


def personal_visit() -> dict:
    """A visit that registers a new household, with everything a raw file must not show."""
    visit = visit_example()
    del visit["household_id"]
    visit["new_household"] = {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER,
                              "address": ADDRESS}
    visit["people_met"] = [{"name": MET_NAME, "relation": "邻居", "phone": MET_PHONE}]
    visit["situation"] = NOTE
    return visit


def writer_on(store: SealedStore | SQLiteStore, key: DeviceKey | None = None) -> RecordWriter:
    return RecordWriter(Replica(store), "device-wangli", key or DeviceKey.generate(),
                        Author("worker-wangli", "grid_worker"))


def forms(text: str) -> list[bytes]:
    """The ways a value could sit in a file: UTF-8 and JSON with non-ASCII escaped."""
    return [text.encode("utf-8"), json.dumps(text).strip('"').encode("ascii")]


def leaks(raw: bytes) -> list[str]:
    return [value for value in PERSONAL for form in forms(value) if form in raw]


def database_files(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.fixture
def data_key() -> bytes:
    return new_key()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "replica.sqlite3"


def test_the_raw_database_shows_no_personal_data(path, data_key):
    writer = writer_on(SealedStore(path, data_key))
    record_id = writer.create("visit", personal_visit())
    writer.update(record_id, {"situation": NOTE + "，已联系社区医生"})
    assert Path(f"{path}-wal").exists()
    assert leaks(database_files(path)) == []
    writer.replica.store.close()  # closing moves the WAL into the main file
    assert leaks(database_files(path)) == []


def test_the_same_visit_in_a_plain_store_would_show_it(path):
    """The check above can see a leak: without sealing, every value is in the file."""
    writer_on(SQLiteStore(path)).create("visit", personal_visit())
    assert set(leaks(database_files(path))) == set(PERSONAL)


def test_reopened_with_the_data_key_the_record_reads_as_written(path, data_key):
    writer = writer_on(SealedStore(path, data_key))
    record_id = writer.create("visit", personal_visit())
    writer.replica.store.close()
    record = Replica(SealedStore(path, data_key)).record(record_id)
    assert record["values"]["new_household"]["id_number"] == ID_NUMBER
    assert record["values"]["situation"] == NOTE


def test_a_save_is_in_the_file_when_the_writer_returns(path, data_key):
    writer = writer_on(SealedStore(path, data_key))
    record_id = writer.create("visit", personal_visit())
    other_connection = Replica(SealedStore(path, data_key))
    assert other_connection.record(record_id)["values"]["new_household"]["name"] == NAME


def test_a_wrong_key_is_refused_when_the_store_opens(path, data_key):
    writer_on(SealedStore(path, data_key)).create("visit", personal_visit())
    with pytest.raises(SealedStoreError) as refused:
        SealedStore(path, new_key())
    assert refused.value.code == "store_key_wrong"


def test_a_value_moved_to_another_row_does_not_open(path, data_key):
    writer = writer_on(SealedStore(path, data_key))
    first = writer.create("visit", personal_visit())
    second = writer.create("visit", personal_visit())
    with sqlite3.connect(path) as raw:
        (sealed,) = raw.execute("SELECT state FROM records WHERE id = ?", (first,)).fetchone()
        raw.execute("UPDATE records SET state = ? WHERE id = ?", (sealed, second))
    with pytest.raises(SealedStoreError) as refused:
        writer.replica.record(second)
    assert refused.value.code == "store_value_broken"


def test_operations_open_to_the_bytes_that_were_hashed_and_signed(path, data_key):
    key = DeviceKey.generate()
    writer = writer_on(SealedStore(path, data_key), key)
    record_id = writer.create("visit", personal_visit())
    writer.update(record_id, {"situation": "复访：情况稳定"})
    writer.replica.store.close()
    reopened = writer_on(SealedStore(path, data_key), key)
    batch = reopened.batch_since(0)
    assert [hashlib.sha256(op.body).hexdigest() for op in batch.ops] == [op.id for op in batch.ops]
    verify_batch(batch, key.public)


def test_operations_waiting_for_a_predecessor_are_sealed_and_survive_a_restart(path, data_key):
    source = writer_on(SealedStore(path.with_name("source.sqlite3"), new_key()))
    record_id = source.create("visit", personal_visit())
    source.update(record_id, {"situation": NOTE + "（复访）"})
    first, second = source.replica.ops_since(0, limit=10)[0]
    Replica(SealedStore(path, data_key)).apply([second])
    assert leaks(database_files(path)) == []
    reopened = Replica(SealedStore(path, data_key))
    assert [op.id for op in reopened.pending()] == [second.id]
    reopened.apply([first])
    assert reopened.record(record_id)["values"]["situation"] == NOTE + "（复访）"


def test_a_plain_replica_is_not_taken_for_a_sealed_one(path, data_key):
    writer_on(SQLiteStore(path)).create("visit", personal_visit())
    with pytest.raises(SealedStoreError) as refused:
        SealedStore(path, data_key)
    assert refused.value.code == "store_not_sealed"
