"""The office's own sign-in: a password per worker who reviews in the browser."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
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
