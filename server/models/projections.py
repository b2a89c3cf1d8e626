"""Current-state tables: projections of the ledger, rebuilt exactly by `rebuild-projections`.

`RecordProjection` holds each record's merged state (the `sync` merge rules' own form) and
where it is; the four ledgers (民情台账, 一周一排查, 矛盾纠纷台账, 巡防台账) hold the columns the
office filters on, one row per record of their type. None of these is a source of truth:
the ledger is.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class RecordProjection(db.Model):
    __tablename__ = "record_projections"
    __table_args__ = (
        # Where a record is and whether it is withdrawn, for the office's lists that read a
        # type ledger first and look each row's record up by id: answered from this index
        # alone, without reading the wide row (`server.services.ledger_places`).
        Index("ix_record_projections_place", "id", "retracted", "street_id", "community_id",
              "grid_id"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    street_id: Mapped[str] = mapped_column(String(64), index=True)
    community_id: Mapped[str] = mapped_column(String(64), index=True)
    grid_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    open_conflicts: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_position: Mapped[int] = mapped_column(Integer)


class _Row:
    """Columns every ledger row has. Where the record is, its state and whether it has open
    conflicts are in `record_projections` (join on `id`); a ledger row adds only what its
    ledger is filtered and sorted on, so a push writes each record's place and state once.
    On SQLite the row lives in its primary key's B-tree (WITHOUT ROWID): one B-tree fewer."""

    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(64), index=True)
    """Who the record is filed under: the visiting worker, the case's opener, the patrol team."""


class VisitLedger(_Row, db.Model):
    """民情台账."""

    __tablename__ = "visit_ledger"
    __table_args__ = (
        # By time, with who and where: a month's visits are counted per worker (月度考核)
        # from this index alone; the ledger's date filter and order use it too.
        Index("ix_visit_ledger_visited_at_author_household", "visited_at", "author_id",
              "household_id"),
        _Row.__table_args__,
    )
    household_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    visit_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    visited_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    request_count: Mapped[int] = mapped_column(Integer, default=0)


class ScreeningLedger(_Row, db.Model):
    """一周一排查 ledger."""

    __tablename__ = "screening_ledger"
    iso_week: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    scope: Mapped[str | None] = mapped_column(String(20), nullable=True)
    nothing_found: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    screened_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class DisputeLedger(_Row, db.Model):
    """矛盾纠纷台账."""

    __tablename__ = "dispute_ledger"
    category: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    status: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    risk_colour: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    escalation_level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    opened_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    due_date: Mapped[str | None] = mapped_column(String(20), nullable=True)


class PatrolLedger(_Row, db.Model):
    """巡防台账."""

    __tablename__ = "patrol_ledger"
    team_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    ended_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    checkpoint_count: Mapped[int] = mapped_column(Integer, default=0)


class RequestLedger(db.Model):
    """问题清单: one row per resident request (诉求) raised in a visit, with its 365 step.

    Requests are children of visits; the office lists, filters and counts them on their own
    (what is late, what was closed on time, the residents' ratings), so each gets a row,
    rewritten with its visit's."""

    __tablename__ = "request_ledger"
    __table_args__ = (
        Index("ix_request_ledger_author_raised", "author_id", "raised_at"),
        Index("ix_request_ledger_list_due", "problem_list", "due_date"),
        Index("ix_request_ledger_step_due", "step", "due_date", "problem_list"),
        Index("ix_request_ledger_rated", "rated_at", "author_id", "rating"),
        {"sqlite_with_rowid": False},
    )
    visit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(64))
    """The visiting worker."""
    raised_at: Mapped[str | None] = mapped_column(String(40), index=True, nullable=True)
    """The visit's time (ISO): when the request was raised and analysed."""
    service_class: Mapped[str | None] = mapped_column(String(20), nullable=True)
    problem_list: Mapped[str | None] = mapped_column(String(20), nullable=True)
    due_date: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """The effective due date (`sync.deadlines.request_due_date`); None for 无法整改."""
    step: Mapped[str] = mapped_column(String(20))
    """The furthest 365 step recorded on a tablet or by the office: ``in_ledger`` (synced,
    nothing done yet), ``handled``, ``reported_back`` or ``rated``. ``assessed`` is not
    stored: it follows from the worker's filled monthly assessment."""
    handled_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rated_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
