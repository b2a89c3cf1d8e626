"""问题清单 as the office reads it: the area's requests with their due dates, 365 steps and
what is late, filtered and paginated, always within the reader's area.

Lists read `request_ledger` joined to `record_projections` (where each visit is).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select

from server.database import rows_where_in
from server.extensions import db
from server.models import Grid, RecordProjection, RequestLedger, Worker
from server.services.office_ledgers import (
    EXPORT_BATCH,
    PAGE_SIZE,
    Page,
    streamed,
    within_dates,
)
from server.services.office_scope import OfficeArea
from server.services.request_ledger import current_step, marked_steps, request_states
from server.services.request_steps import assessed_months, china_today, late, raised_month
from sync.record_state import RecordState


@dataclass(frozen=True)
class RequestFilters:
    """What the 问题清单 page filters on; empty means any."""

    grid_id: str = ""
    author_id: str = ""
    service_class: str = ""
    problem_list: str = ""
    date_from: str = ""
    date_to: str = ""
    """Raised on or after `date_from`, on or before `date_to` (ISO dates)."""
    late_only: bool = False

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> RequestFilters:
        """The filters a page's query string names (grid, worker, service, list, from, to,
        late=1)."""
        return cls(grid_id=args.get("grid", ""), author_id=args.get("worker", ""),
                   service_class=args.get("service", ""), problem_list=args.get("list", ""),
                   date_from=args.get("from", ""), date_to=args.get("to", ""),
                   late_only=args.get("late") == "1")


@dataclass(frozen=True)
class RequestRow:
    visit_id: str
    request_id: str
    raised_at: str | None
    grid_name: str
    author_name: str
    summary: str | None
    service_class: str | None
    problem_list: str | None
    due_date: str | None
    step: str
    """The current 365 step, ``assessed`` included."""
    handled_at: str | None
    rating: int | None
    late: bool

    @property
    def steps(self) -> list[tuple[str, str]]:
        return marked_steps(self.step)


def request_page(area: OfficeArea, filters: RequestFilters, number: int = 1,
                 today: date | None = None) -> Page:
    """One page of the area's requests, newest first."""
    today = today or china_today()
    conditions = _conditions(area, filters, today)
    in_area = select(func.count()).select_from(RequestLedger).join(
        RecordProjection, RecordProjection.id == RequestLedger.visit_id).where(*conditions)
    total = db.session.scalar(in_area) or 0
    number = max(1, number)
    rows = db.session.execute(
        _query(conditions).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return Page(_rows(rows, today), number, total)


def request_rows(area: OfficeArea, filters: RequestFilters, today: date | None = None
                 ) -> Iterator[RequestRow]:
    """Every request the page's filters keep, newest first, unpaginated (for exports)."""
    today = today or china_today()
    batch: list[Any] = []
    for row in streamed(_query(_conditions(area, filters, today))):
        batch.append(row)
        if len(batch) == EXPORT_BATCH:
            yield from _rows(batch, today)
            batch = []
    yield from _rows(batch, today)


def _conditions(area: OfficeArea, filters: RequestFilters, today: date) -> list[Any]:
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    for column, wanted in ((RequestLedger.author_id, filters.author_id),
                           (RequestLedger.service_class, filters.service_class),
                           (RequestLedger.problem_list, filters.problem_list)):
        if wanted:
            conditions.append(column == wanted)
    conditions += within_dates(RequestLedger.raised_at, filters.date_from, filters.date_to)
    if filters.late_only:
        conditions.append(_late(today))
    return conditions


def _query(conditions: list[Any]) -> Any:
    """The requests meeting `conditions`, newest first, with their grid's and worker's
    names."""
    return (select(RequestLedger, Grid.name, Worker.name)
            .join(RecordProjection, RecordProjection.id == RequestLedger.visit_id)
            .join(Grid, Grid.id == RecordProjection.grid_id)
            .outerjoin(Worker, Worker.id == RequestLedger.author_id)
            .where(*conditions)
            .order_by(RequestLedger.raised_at.desc(), RequestLedger.visit_id,
                      RequestLedger.request_id))


def _rows(rows: Sequence[Any], today: date) -> list[RequestRow]:
    """(ledger row, grid name, worker name) rows as the page shows them: each request's
    content, 365 step and lateness (read for all of them at once)."""
    ledger_rows = [row for row, _, _ in rows]
    assessed = assessed_months((row.author_id, row.raised_at) for row in ledger_rows)
    summaries = _summaries({row.visit_id for row in ledger_rows})
    return [
        RequestRow(row.visit_id, row.request_id, row.raised_at, grid_name,
                   author_name or row.author_id, summaries.get((row.visit_id, row.request_id)),
                   row.service_class, row.problem_list, row.due_date,
                   current_step(row.step, (row.author_id, raised_month(row.raised_at))
                                in assessed),
                   row.handled_at, row.rating, late(row.due_date, row.handled_at, today))
        for row, grid_name, author_name in rows]


def _late(today: date) -> Any:
    """`late` as SQL: ``handled_at`` is in Beijing time, so its first ten characters are
    the day it was handled (`server.services.request_ledger`)."""
    due, handled = RequestLedger.due_date, RequestLedger.handled_at
    return and_(due.is_not(None), or_(
        and_(handled.is_(None), due < today.isoformat()),
        and_(handled.is_not(None), func.substr(handled, 1, 10) > due)))


def _summaries(visit_ids: set[str]) -> dict[tuple[str, str], str | None]:
    """What each request on a page asked for, read from its visit's merged state."""
    found: dict[tuple[str, str], str | None] = {}
    for visit_id, state in rows_where_in(RecordProjection.__table__, ("id", "state"), "id",
                                         sorted(visit_ids)):
        values = RecordState(orjson.loads(state)).view()["values"]
        for request in request_states(values):
            found[(visit_id, request.request_id)] = request.summary
    return found


