"""Each request's 365 state as the office pages show it: the six steps with the current one,
whether it is late, and its progress entries; for a visit's record page, for its row in the
民情台账 and for the 问题清单.

The stored step (`server.services.request_ledger`) goes as far as 群众评议; a request
reaches 动态考核 (``assessed``) when its worker's monthly assessment for the month it was
raised in is filled in (a `MonthlyAssessment` row). A request is late when it was handled
after its due date, or is still not handled and the day has passed (`sync.deadlines`),
judged on Beijing calendar days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, tuple_

from server.extensions import db
from server.models import MonthlyAssessment, RequestLedger, Worker
from server.services.request_ledger import (
    RequestState,
    current_step,
    marked_steps,
    request_states,
)
from sync.deadlines import CHINA, china_date, is_late


def china_today() -> date:
    """Today in Beijing: the day the office judges lateness by."""
    return datetime.now(CHINA).date()


def late(due_date: str | None, handled_at: str | None, today: date) -> bool:
    """Handled after its due date, or not handled and the due date has passed."""
    due = china_date(due_date) if due_date else None
    return is_late(due, china_date(handled_at) if handled_at else None, today)


def raised_month(raised_at: str | None) -> str | None:
    """The Beijing month (YYYY-MM) a request was raised in: the assessment it counts in."""
    day = china_date(raised_at) if raised_at else None
    return day.strftime("%Y-%m") if day else None


def assessed_months(raised: Iterable[tuple[str, str | None]]) -> set[tuple[str, str]]:
    """Of these (worker, raised at) pairs, the (worker, month) whose monthly assessment
    is filled in: their requests have reached 动态考核."""
    wanted = {(worker, month) for worker, raised_at in raised
              if (month := raised_month(raised_at)) is not None}
    if not wanted:
        return set()
    found = db.session.execute(
        select(MonthlyAssessment.worker_id, MonthlyAssessment.month)
        .where(tuple_(MonthlyAssessment.worker_id, MonthlyAssessment.month).in_(wanted)))
    return {(worker, month) for worker, month in found}


@dataclass(frozen=True)
class VisitRequest:
    """A request on its visit's page: its triage, due date, 365 step and progress."""

    state: RequestState
    step: str
    late: bool
    progress: list[Mapping[str, Any]]
    """Its progress entries in time order, each with ``by_name`` (who recorded it)."""

    @property
    def steps(self) -> list[tuple[str, str]]:
        return marked_steps(self.step)


def visit_requests(values: Mapping[str, Any], today: date | None = None
                   ) -> list[VisitRequest]:
    """Each request of a visit (its merged values) with its 365 state."""
    states = request_states(values)
    if not states:
        return []
    today = today or china_today()
    author = str(values.get("worker_id") or "")
    raised_at = values.get("visited_at") if isinstance(values.get("visited_at"), str) \
        else None
    assessed = bool(assessed_months([(author, raised_at)]))
    names = _names({str(entry.get("by")) for state in states for entry in state.progress})
    return [VisitRequest(state, current_step(state.step, assessed),
                         late(state.due_date, state.handled_at, today),
                         [{**entry, "by_name": names.get(str(entry.get("by")),
                                                         entry.get("by"))}
                          for entry in state.progress])
            for state in states]


@dataclass(frozen=True)
class RequestMark:
    """A request in a 民情台账 row: its problem list and where it stands."""

    problem_list: str | None
    step: str
    late: bool


def requests_of_visits(visit_ids: list[str], today: date | None = None
                       ) -> dict[str, list[RequestMark]]:
    """Each listed visit's requests as `request_ledger` holds them, with their steps."""
    if not visit_ids:
        return {}
    today = today or china_today()
    rows = db.session.execute(
        select(RequestLedger.visit_id, RequestLedger.author_id, RequestLedger.raised_at,
               RequestLedger.problem_list, RequestLedger.step, RequestLedger.due_date,
               RequestLedger.handled_at)
        .where(RequestLedger.visit_id.in_(visit_ids))
        .order_by(RequestLedger.visit_id, RequestLedger.request_id)).all()
    assessed = assessed_months((row.author_id, row.raised_at) for row in rows)
    marks: dict[str, list[RequestMark]] = {}
    for row in rows:
        step = current_step(row.step, (row.author_id, raised_month(row.raised_at)) in assessed)
        marks.setdefault(row.visit_id, []).append(
            RequestMark(row.problem_list, step, late(row.due_date, row.handled_at, today)))
    return marks


def _names(worker_ids: set[str]) -> dict[str, str]:
    if not worker_ids:
        return {}
    return {worker_id: name for worker_id, name in db.session.execute(
        select(Worker.id, Worker.name).where(Worker.id.in_(worker_ids)))}
