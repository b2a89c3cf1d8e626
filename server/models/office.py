"""The office's own sign-in: a password per worker who reviews in the browser."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class OfficeAccount(db.Model):
    """A worker's password for the review pages (tablets sign with device keys instead)."""

    __tablename__ = "office_accounts"
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    """Werkzeug's scrypt hash (salted, memory-hard)."""
    sessions_since: Mapped[int] = mapped_column(BigInteger)
    """Sessions opened before this are no longer valid: moved when the password is set and
    when the user signs out (a copied cookie then opens nothing)."""
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    """Wrong passwords in a row since the last sign-in or lock."""
    locked_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MonthlyAssessment(db.Model):
    """网格员绩效月考核: what the office filled in for a worker's month.

    The figures (visits, households, screenings, requests, ratings) are computed from the
    ledger whenever they are read; this row keeps only the office's judgement, who made it
    and when. Its existence makes the month's requests 365 "assessed" (动态考核)."""

    __tablename__ = "monthly_assessments"
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    """YYYY-MM."""
    score: Mapped[int] = mapped_column(Integer)
    """0-100."""
    comment: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[str] = mapped_column(ForeignKey("workers.id"))
    assessed_at: Mapped[int] = mapped_column(BigInteger)
    """Unix ms."""


class PersonalDataAccess(db.Model):
    """One view or export of unmasked personal data: who, when, what, from where.

    Append-only; the district admin reads it."""

    __tablename__ = "personal_data_access_log"
    __table_args__ = (Index("ix_personal_data_access_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(BigInteger)
    """Unix ms."""
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    """``view`` or ``export``."""
    target: Mapped[str] = mapped_column(String(200))
    """What was shown: a record id, or the export's name and filters."""
    address: Mapped[str] = mapped_column(String(64), default="")
    """The client's IP address."""
