"""The ledgers (台账) as the office reads them: filtered, paginated, always within the
reader's area; and one record's full history from the ledger itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Device,
    DisputeLedger,
    Grid,
    LedgerEntry,
    RecordProjection,
    VisitLedger,
    Worker,
)
from server.services.office_scope import OfficeArea
from server.services.personal_data import masked
from sync.operation import Operation
from sync.record_state import RecordState

PAGE_SIZE = 50


@dataclass(frozen=True)
class VisitFilters:
    """What the 民情台账 page filters on; empty means any."""

    grid_id: str = ""
    author_id: str = ""
    date_from: str = ""
    """An ISO date (2026-11-01): visits on or after it."""
    date_to: str = ""
    """An ISO date: visits on or before it."""


@dataclass(frozen=True)
class VisitRow:
    record_id: str
    visited_at: str | None
    grid_name: str
    household_id: str | None
    author_name: str
    visit_kind: str | None
    request_count: int
    open_conflicts: bool


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def visit_page(area: OfficeArea, filters: VisitFilters, number: int = 1) -> Page:
    """One page of the area's visits, newest first."""
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    if filters.author_id:
        conditions.append(VisitLedger.author_id == filters.author_id)
    conditions += _within_dates(VisitLedger.visited_at, filters.date_from, filters.date_to)
    rows, total, number = _ledger_page(VisitLedger, conditions, VisitLedger.visited_at, number)
    return Page([VisitRow(visit.id, visit.visited_at, grid_name, visit.household_id,
                          author_name or visit.author_id, visit.visit_kind,
                          visit.request_count, bool(open_conflicts))
                 for visit, open_conflicts, grid_name, author_name in rows], number, total)


@dataclass(frozen=True)
class DisputeFilters:
    """What the 矛盾纠纷台账 page filters on; empty means any."""

    grid_id: str = ""
    category: str = ""
    status: str = ""
    risk_colour: str = ""
    date_from: str = ""
    date_to: str = ""
    """Opened on or after `date_from`, on or before `date_to` (ISO dates)."""


@dataclass(frozen=True)
class DisputeRow:
    record_id: str
    opened_at: str | None
    grid_name: str
    category: str | None
    status: str | None
    risk_colour: str | None
    escalation_level: str | None
    due_date: str | None
    opened_by: str
    open_conflicts: bool


def dispute_page(area: OfficeArea, filters: DisputeFilters, number: int = 1) -> Page:
    """One page of the area's dispute cases, newest first."""
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    for column, wanted in ((DisputeLedger.category, filters.category),
                           (DisputeLedger.status, filters.status),
                           (DisputeLedger.risk_colour, filters.risk_colour)):
        if wanted:
            conditions.append(column == wanted)
    conditions += _within_dates(DisputeLedger.opened_at, filters.date_from, filters.date_to)
    rows, total, number = _ledger_page(DisputeLedger, conditions, DisputeLedger.opened_at,
                                       number)
    return Page([DisputeRow(case.id, case.opened_at, grid_name, case.category, case.status,
                            case.risk_colour, case.escalation_level, case.due_date,
                            author_name or case.author_id, bool(open_conflicts))
                 for case, open_conflicts, grid_name, author_name in rows], number, total)


def _within_dates(column: Any, date_from: str, date_to: str) -> list[Any]:
    """Conditions for an ISO timestamp column between two ISO dates, both days whole."""
    conditions = []
    if date_from:
        conditions.append(column >= date_from)
    if date_to:
        conditions.append(column < date_to + "~")  # "~" sorts after any time of that day
    return conditions


def _ledger_page(ledger: Any, conditions: list[Any], newest: Any, number: int
                 ) -> tuple[list[Any], int, int]:
    """Page `number` of a type ledger's rows meeting `conditions`, newest first by the
    `newest` column: (rows of (ledger row, open conflicts, grid name, author name), rows in
    all, the page number used). Place and conflicts come from `record_projections`."""
    query = (select(ledger, RecordProjection.open_conflicts, Grid.name, Worker.name)
             .join(RecordProjection, RecordProjection.id == ledger.id)
             .join(Grid, Grid.id == RecordProjection.grid_id)
             .outerjoin(Worker, Worker.id == ledger.author_id)
             .where(*conditions))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = max(1, number)
    rows = db.session.execute(query.order_by(newest.desc(), ledger.id).limit(PAGE_SIZE)
                              .offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), total, number


@dataclass(frozen=True)
class HistoryStep:
    """One ledger entry of a record: who sent what, from which device, and the verdict."""

    position: int
    received_at: int
    device_id: str
    author_name: str
    kind: str
    changes: dict[str, Any]
    verdict: str
    reason: str | None


@dataclass(frozen=True)
class RecordHistory:
    record_id: str
    record_type: str
    view: dict[str, Any]
    """The merged record as every tablet shows it (values, open conflicts, reviews), with
    phone and ID numbers masked, as in every change."""
    steps: list[HistoryStep]


def record_history(area: OfficeArea, record_id: str) -> RecordHistory | None:
    """The record and every ledger entry about it, oldest first; None if it is not in the
    area (or not at all: the reader is not told which)."""
    projection = db.session.scalars(
        select(RecordProjection).where(RecordProjection.id == record_id,
                                       area.filter(RecordProjection))).first()
    if projection is None:
        return None
    entries = db.session.execute(
        select(LedgerEntry, Worker.name)
        .join(Device, Device.id == LedgerEntry.device_id)
        .join(Worker, Worker.id == Device.worker_id)
        .where(LedgerEntry.record_id == record_id).order_by(LedgerEntry.position)
    ).all()
    steps = []
    for entry, author_name in entries:
        op = Operation.from_body(bytes(entry.body))
        steps.append(HistoryStep(entry.position, entry.received_at, entry.device_id,
                                 author_name, str(op.kind), masked(op.changes),
                                 entry.verdict, entry.reason))
    view = masked(RecordState(orjson.loads(projection.state)).view())
    return RecordHistory(record_id, projection.type, view, steps)
