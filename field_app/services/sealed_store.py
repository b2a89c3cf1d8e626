"""The tablet's replica database, with every personal value encrypted under the data key.

A `SQLiteStore` whose codec seals each operation body, record state, pending and quarantined
operation with AES-GCM (`aead`), bound to its table and row id: a value copied into another
row does not open. Ids, sequence numbers, record ids and types stay readable for the indexes;
they are random ids and type names, not anyone's data. Operations are sealed as their
canonical bytes and open to exactly those bytes, so their hashes and signatures still hold.

A check value sealed at creation makes a wrong key fail when the store is opened, not at the
first read of a record.

`storage_full` tells a full disk (SQLite's SQLITE_FULL, or ENOSPC from a file write) from
other failures: the forms turn it into `NotSaved` (``app.disk_full``), the sync into a
`SyncError` (``app.sync.disk_full``). The store writes whole transactions, so a save the disk
had no room for leaves nothing of itself and everything saved before stays.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from field_app.services.aead import KEY_BYTES, SealBroken, open_sealed, seal
from sync.coded_error import CodedError
from sync.stores.sqlite import SQLiteStore, write_transaction

_STORE_AD = b"minqing-store/1"
_CHECK = b"minqing-store/1 key check"

SEALED_STORE_CODES = frozenset({"store_key_wrong", "store_not_sealed", "store_value_broken"})
"""Stable codes of `SealedStoreError`; the catalogue will say them in Chinese."""


def storage_full(error: BaseException) -> bool:
    """Did this fail because the tablet's storage is full?"""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF == sqlite3.SQLITE_FULL
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


class SealedStoreError(CodedError):
    """The replica does not open with this key, or one of its values was altered."""

    CODES = SEALED_STORE_CODES


def _associated(table: str, key: str) -> bytes:
    return b"\0".join((_STORE_AD, table.encode(), key.encode()))


class SealedCodec:
    """AES-GCM for each stored value, a fresh 96-bit nonce each time."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise ValueError("the data key is 32 bytes")
        self._key = data_key

    def encode(self, table: str, key: str, value: bytes) -> bytes:
        return seal(self._key, value, _associated(table, key))

    def decode(self, table: str, key: str, stored: bytes) -> bytes:
        try:
            return open_sealed(self._key, stored, _associated(table, key))
        except SealBroken:
            raise SealedStoreError(
                "store_value_broken", f"{table} {key} was altered or moved") from None


class SealedStore(SQLiteStore):
    """The replica store the field app uses; open it with `Unlocked.data_key`."""

    def __init__(self, path: str | Path, data_key: bytes) -> None:
        codec = SealedCodec(data_key)
        super().__init__(path, codec=codec)
        try:
            self._check_key(codec, path)
        except BaseException:
            self.close()
            raise

    def _check_key(self, codec: SealedCodec, path: str | Path) -> None:
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS sealed_check (id INTEGER PRIMARY KEY CHECK "
                   "(id = 1), value BLOB NOT NULL)")
        row = db.execute("SELECT value FROM sealed_check").fetchone()
        if row is not None:
            try:
                codec.decode("sealed_check", "1", row[0])
            except SealedStoreError:
                raise SealedStoreError(
                    "store_key_wrong", "this key did not seal this replica") from None
            return
        with write_transaction(db):
            for table in ("ops", "records", "pending", "quarantine"):
                if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    raise SealedStoreError(
                        "store_not_sealed", f"{path} holds unencrypted data")
            db.execute("INSERT INTO sealed_check (id, value) VALUES (1, ?)",
                       (codec.encode("sealed_check", "1", _CHECK),))

