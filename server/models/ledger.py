"""The central ledger (台账): per street, append-only, hash-linked, Merkle-tree heads signed."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class LedgerEntry(db.Model):
    """Append-only: one operation as received, with the server's verdict on it.

    Every operation a device sends is entered, accepted or quarantined (with the reason),
    so nothing is ever dropped. `entry_hash` is the RFC 6962 leaf hash of the entry, which
    includes the previous entry's hash: the entries form a chain and the leaves of the
    street's Merkle tree.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("uq_ledger_street_position", "street_id", "position", unique=True),
        Index("uq_ledger_device_seq", "device_id", "device_seq", unique=True),
        Index("ix_ledger_grid_position", "grid_id", "position"),
        Index("ix_ledger_community_position", "community_id", "position"),
        Index("ix_ledger_record", "record_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"))
    position: Mapped[int] = mapped_column(Integer)
    op_id: Mapped[str] = mapped_column(String(64))
    """Unique by construction (the hash of bytes that name the device and the seq, which are
    unique together), so it has no index of its own: see `ix_ledger_record`."""
    device_id: Mapped[str] = mapped_column(String(64))
    device_seq: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grid_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verdict: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """For a quarantined operation: JSON {code, message, problems}."""
    received_at: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class StreetLedger(db.Model):
    """Where a street's ledger stands: locked for each append, so streets never wait on
    each other. `frontier` is the compact Merkle range (see `sync.merkle`)."""

    __tablename__ = "street_ledgers"
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    frontier: Mapped[str] = mapped_column(Text, default="[]")


class TreeHead(db.Model):
    """Append-only: a signed statement of a street ledger's size and Merkle root."""

    __tablename__ = "tree_heads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street_id: Mapped[str] = mapped_column(ForeignKey("streets.id"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class ServerKey(db.Model):
    """Public halves of every key the server has signed tree heads with (for rotation)."""

    __tablename__ = "server_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    retired_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
