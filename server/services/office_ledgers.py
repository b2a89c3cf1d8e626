"""The ledgers (台账) as the office reads them: filtered, paginated, always within the
reader's area; and one record's full history from the ledger itself."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Device,
    DisputeLedger,
    Grid,
    Household,
    LedgerEntry,
    RecordProjection,
    VisitLedger,
    Worker,
)
from server.services.ledger_places import with_places
from server.services.office_scope import OfficeArea
from server.services.patrol_sketch import PatrolDetail, patrol_detail
from server.services.personal_data import masked
from server.services.request_steps import (
    RequestMark,
    VisitRequest,
    requests_of_visits,
    visit_requests,
)
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

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> VisitFilters:
        """The filters a page's query string names (grid, worker, from, to)."""
        return cls(grid_id=args.get("grid", ""), author_id=args.get("worker", ""),
                   date_from=args.get("from", ""), date_to=args.get("to", ""))

    @property
    def on_ledger(self) -> bool:
        """Whether it filters on the ledger's own indexed columns (worker, dates), which
        then find the rows rather than the area (`server.services.ledger_places`)."""
        return bool(self.author_id or self.date_from or self.date_to)


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
    requests: list[RequestMark] = field(default_factory=list)
    """Each request's problem list and 365 step."""


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
    rows, total, number = _ledger_page(VisitLedger, _visit_conditions(area, filters),
                                       VisitLedger.visited_at, number,
                                       ledger_first=filters.on_ledger)
    marks = requests_of_visits([visit.id for visit, *_ in rows if visit.request_count])
    return Page([VisitRow(visit.id, visit.visited_at, grid_name, visit.household_id,
                          author_name or visit.author_id, visit.visit_kind,
                          visit.request_count, bool(open_conflicts), marks.get(visit.id, []))
                 for visit, open_conflicts, grid_name, author_name in rows], number, total)


def _visit_conditions(area: OfficeArea, filters: VisitFilters) -> list[Any]:
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    if filters.author_id:
        conditions.append(VisitLedger.author_id == filters.author_id)
    return conditions + within_dates(VisitLedger.visited_at, filters.date_from,
                                      filters.date_to)


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

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> DisputeFilters:
        """The filters a page's query string names (grid, category, status, risk, from,
        to)."""
        return cls(grid_id=args.get("grid", ""), category=args.get("category", ""),
                   status=args.get("status", ""), risk_colour=args.get("risk", ""),
                   date_from=args.get("from", ""), date_to=args.get("to", ""))


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
    rows, total, number = _ledger_page(DisputeLedger, _dispute_conditions(area, filters),
                                       DisputeLedger.opened_at, number, ledger_first=True)
    return Page([DisputeRow(case.id, case.opened_at, grid_name, case.category, case.status,
                            case.risk_colour, case.escalation_level, case.due_date,
                            author_name or case.author_id, bool(open_conflicts))
                 for case, open_conflicts, grid_name, author_name in rows], number, total)


def _dispute_conditions(area: OfficeArea, filters: DisputeFilters) -> list[Any]:
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    for column, wanted in ((DisputeLedger.category, filters.category),
                           (DisputeLedger.status, filters.status),
                           (DisputeLedger.risk_colour, filters.risk_colour)):
        if wanted:
            conditions.append(column == wanted)
    return conditions + within_dates(DisputeLedger.opened_at, filters.date_from,
                                      filters.date_to)


def visit_rows(area: OfficeArea, filters: VisitFilters
               ) -> Iterator[tuple[VisitRow, dict[str, Any], Household | None]]:
    """Every visit the page's filters keep, newest first, unpaginated (for exports): each
    with the record's merged values and its roster household, both unmasked."""
    query = _ledger_query(VisitLedger, _visit_conditions(area, filters),
                          ledger_first=filters.on_ledger).add_columns(
        RecordProjection.state, Household).outerjoin(
        Household, Household.id == VisitLedger.household_id)
    for visit, open_conflicts, grid_name, author_name, state, household in streamed(
            query.order_by(VisitLedger.visited_at.desc(), VisitLedger.id)):
        yield (VisitRow(visit.id, visit.visited_at, grid_name, visit.household_id,
                        author_name or visit.author_id, visit.visit_kind,
                        visit.request_count, bool(open_conflicts)),
               record_values(state), household)


def dispute_rows(area: OfficeArea, filters: DisputeFilters
                 ) -> Iterator[tuple[DisputeRow, dict[str, Any]]]:
    """Every case the page's filters keep, newest first, unpaginated (for exports): each
    with the record's merged values, unmasked."""
    query = _ledger_query(DisputeLedger, _dispute_conditions(area, filters),
                          ledger_first=True).add_columns(RecordProjection.state)
    for case, open_conflicts, grid_name, author_name, state in streamed(
            query.order_by(DisputeLedger.opened_at.desc(), DisputeLedger.id)):
        yield (DisputeRow(case.id, case.opened_at, grid_name, case.category, case.status,
                          case.risk_colour, case.escalation_level, case.due_date,
                          author_name or case.author_id, bool(open_conflicts)),
               record_values(state))


EXPORT_BATCH = 500
"""Rows fetched at a time by the unpaginated iterators: memory stays bounded."""


def streamed(query: Any) -> Iterator[Any]:
    yield from db.session.execute(query.execution_options(yield_per=EXPORT_BATCH))


def record_values(state: bytes) -> dict[str, Any]:
    return RecordState(orjson.loads(state)).view()["values"]


def within_dates(column: Any, date_from: str, date_to: str) -> list[Any]:
    """Conditions for an ISO timestamp column between two ISO dates, both days whole."""
    conditions = []
    if date_from:
        conditions.append(column >= date_from)
    if date_to:
        conditions.append(column < date_to + "~")  # "~" sorts after any time of that day
    return conditions


def _ledger_page(ledger: Any, conditions: list[Any], newest: Any, number: int, *,
                 ledger_first: bool = False) -> tuple[list[Any], int, int]:
    """Page `number` of a type ledger's rows meeting `conditions`, newest first by the
    `newest` column: (rows of (ledger row, open conflicts, grid name, author name), rows in
    all, the page number used). Place and conflicts come from `record_projections`."""
    query = _ledger_query(ledger, conditions, ledger_first=ledger_first)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = max(1, number)
    rows = db.session.execute(query.order_by(newest.desc(), ledger.id).limit(PAGE_SIZE)
                              .offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), total, number


def _ledger_query(ledger: Any, conditions: list[Any], *, ledger_first: bool = False) -> Any:
    """A type ledger's rows meeting `conditions`, as (ledger row, open conflicts, grid name,
    author name). `ledger_first` when the conditions on the ledger's own columns are the
    narrow ones (`server.services.ledger_places`); else the area's may find the rows."""
    query = select(ledger, RecordProjection.open_conflicts, Grid.name, Worker.name)
    query = query.select_from(with_places(ledger)) if ledger_first else query.join(
        RecordProjection, RecordProjection.id == ledger.id)
    return (query.join(Grid, Grid.id == RecordProjection.grid_id)
            .outerjoin(Worker, Worker.id == ledger.author_id)
            .where(*conditions))


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
    requests: list[VisitRequest] = field(default_factory=list)
    """A visit's requests with their 365 steps and progress."""
    patrol: PatrolDetail | None = None
    """A patrol's checkpoints in time order, findings and route sketch."""


def record_history(area: OfficeArea, record_id: str, *, unmasked: bool = False
                   ) -> RecordHistory | None:
    """The record and every ledger entry about it, oldest first; None if it is not in the
    area (or not at all: the reader is not told which). Phone and ID numbers are masked
    unless `unmasked` (for a role that may see them, once the view is logged)."""
    hide = (lambda value: value) if unmasked else masked
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
                                 author_name, str(op.kind), hide(op.changes),
                                 entry.verdict, entry.reason))
    view = hide(RecordState(orjson.loads(projection.state)).view())
    values = view["values"]
    return RecordHistory(
        record_id, projection.type, view, steps,
        requests=visit_requests(values) if projection.type == "visit" else [],
        patrol=patrol_detail(values) if projection.type == "patrol" else None)
