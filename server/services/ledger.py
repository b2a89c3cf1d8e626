"""Appending to a street's ledger: hash-linked entries, a Merkle tree, signed tree heads.

Each street's ledger is locked on its own row (`SELECT ... FOR UPDATE` on PostgreSQL), so
pushes in different streets never wait on each other. An entry's hash is the RFC 6962 leaf
hash of its canonical leaf, which includes the previous entry's hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Protocol

from sqlalchemy import insert, select, update

from server.database import insert_many, insert_or_ignore
from server.extensions import db
from server.models import LedgerEntry, StreetLedger, TreeHead
from server.services.server_key import current_server_key
from sync import canonical
from sync.clock import wall_ms
from sync.merkle import CompactRange, leaf_hash
from sync.operation import Operation


class EntryFields(Protocol):
    """What an entry's hash covers: a stored `LedgerEntry` or a `NewEntry` alike."""

    street_id: str
    position: int
    op_id: str
    device_id: str
    device_seq: int
    verdict: str
    reason: str | None
    received_at: int
    prev_hash: str


@dataclass(slots=True)
class NewEntry:
    """A ledger entry being appended: the columns of `LedgerEntry`, inserted with many
    others in one statement (building ORM objects cost more than judging the operation)."""

    street_id: str
    position: int
    op_id: str
    device_id: str
    device_seq: int
    record_id: str
    record_type: str
    community_id: str | None
    grid_id: str | None
    verdict: str
    reason: str | None
    received_at: int
    body: bytes
    prev_hash: str
    entry_hash: str


_NEW_ENTRY_COLUMNS = tuple(column.name for column in fields(NewEntry))
_new_entry_values = attrgetter(*_NEW_ENTRY_COLUMNS)


def entry_leaf(entry: EntryFields) -> bytes:
    """The bytes an entry's hash covers: everything that says what was received and judged."""
    return canonical.encode({
        "street": entry.street_id,
        "position": entry.position,
        "op": entry.op_id,
        "device": entry.device_id,
        "seq": entry.device_seq,
        "verdict": entry.verdict,
        "reason": entry.reason,
        "received_at": entry.received_at,
        "prev": entry.prev_hash,
    })


def tree_head_statement(street_id: str, size: int, root: str, signed_at: int) -> bytes:
    return canonical.encode({"street": street_id, "size": size, "root": root, "at": signed_at})


class StreetAppender:
    """Holds one street's ledger locked for the length of a push and appends to it."""

    def __init__(self, street_id: str) -> None:
        self.street_id = street_id
        # Plain values (a push appends hundreds of entries); `flush` writes them back.
        self.size, self.last_hash, frontier = _lock(street_id)
        self.compact = CompactRange(json.loads(frontier))
        self.entries: list[NewEntry] = []

    def append(self, op: Operation, *, verdict: str, reason: dict[str, Any] | None,
               community_id: str | None, grid_id: str | None, received_at: int) -> NewEntry:
        entry = NewEntry(
            street_id=self.street_id,
            position=self.size + 1,
            op_id=op.id,
            device_id=op.device_id,
            device_seq=op.seq,
            record_id=op.record_id,
            record_type=op.record_type,
            community_id=community_id,
            grid_id=grid_id,
            verdict=verdict,
            reason=canonical.encode(reason).decode("utf-8") if reason is not None else None,
            received_at=received_at,
            body=op.body,
            prev_hash=self.last_hash,
            entry_hash="",
        )
        entry.entry_hash = leaf_hash(entry_leaf(entry))
        self.compact.append(entry.entry_hash)
        self.size, self.last_hash = entry.position, entry.entry_hash
        self.entries.append(entry)
        return entry

    def flush(self) -> None:
        """Insert the appended entries in one statement and record where the ledger stands."""
        if self.entries:
            insert_many(LedgerEntry.__table__, _NEW_ENTRY_COLUMNS,
                        [_new_entry_values(entry) for entry in self.entries])
            self.entries.clear()
        db.session.execute(
            update(StreetLedger).where(StreetLedger.street_id == self.street_id)
            .values(size=self.size, last_hash=self.last_hash,
                    frontier=json.dumps(self.compact.to_json()))
        )

    def sign_head(self) -> dict[str, Any]:
        """A signed statement of the ledger's size and root, issued at the end of a push;
        returned as the push answers it (`tree_head_json`)."""
        self.flush()
        key = current_server_key()
        signed_at = wall_ms()
        root = self.compact.root()
        statement = tree_head_statement(self.street_id, self.size, root, signed_at)
        head = TreeHead(street_id=self.street_id, size=self.size, root=root,
                        signed_at=signed_at, key_id=key.key_id,
                        signature=key.key.sign(statement))
        db.session.execute(insert(TreeHead).values(**tree_head_columns(head)))
        return tree_head_json(head)


def latest_tree_head(street_id: str) -> TreeHead | None:
    return db.session.scalars(
        select(TreeHead).where(TreeHead.street_id == street_id).order_by(TreeHead.id.desc())
        .limit(1)
    ).first()


def tree_head_columns(head: TreeHead) -> dict[str, Any]:
    return {"street_id": head.street_id, "size": head.size, "root": head.root,
            "signed_at": head.signed_at, "key_id": head.key_id, "signature": head.signature}


def tree_head_json(head: TreeHead) -> dict[str, Any]:
    """A tree head as the push answers it and the integrity report lists it."""
    return {**tree_head_columns(head), "signature": head.signature.hex()}


def _lock(street_id: str) -> tuple[int, str, str]:
    """Where the street's ledger stands (size, last hash, Merkle frontier), its row locked;
    made on the street's first push (race-free)."""
    query = (select(StreetLedger.size, StreetLedger.last_hash, StreetLedger.frontier)
             .where(StreetLedger.street_id == street_id).with_for_update())
    row = db.session.execute(query).one_or_none()
    if row is None:
        insert_or_ignore(StreetLedger, ["street_id"], street_id=street_id, size=0,
                         last_hash="", frontier="[]")
        row = db.session.execute(query).one()
    return row.size, row.last_hash, row.frontier
