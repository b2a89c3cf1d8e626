"""Tablets: one-time enrolment codes, enrolled devices, and the chain heads they signed."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class EnrolmentCode(db.Model):
    """A one-time code the office gives a worker; only its SHA-256 is stored."""

    __tablename__ = "enrolment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Device(db.Model):
    """An enrolled tablet: its public key, its worker, and where its chain stands here."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    enrolled_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_counter: Mapped[int] = mapped_column(BigInteger, default=0)
    """The highest request counter accepted: a request must carry a higher one (replay)."""
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_head: Mapped[str] = mapped_column(String(64), default="")
    last_seen_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class DevicePush(db.Model):
    """Append-only: every chain head a device signed, so the ledger check can re-verify it."""

    __tablename__ = "device_pushes"
    __table_args__ = (UniqueConstraint("device_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[int] = mapped_column(BigInteger)
