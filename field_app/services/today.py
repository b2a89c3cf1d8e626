"""The 今日 (home) screen's model: what a grid worker has to do today, from the tablet alone.

Everything is read from the device's replica (merged records, so what others synced to this
tablet counts), the roster of the last pull and the Beijing day of `now`; nothing needs the
network. The screen shows, in this order:

- households due for a visit (`due_visits`, where the rule is explained);
- whether this ISO week's 一周一排查 of the worker's grid is done: a weekly-scope
  screening record of the grid for the week, not retracted (the street's half-month and
  ad-hoc screenings do not replace it);
- the grid's open dispute cases: not 已化解 or 已办结 (`sync.deadlines.CASE_DONE_STATUSES`;
  a 已移交 case still awaits closing), not retracted, with the due date of their "111"
  promise; overdue first, then by due date, cases without one last;
- how many of this tablet's records wait to be synced, and when it last synced, as given
  by the sync service.

Plain dataclasses: no Kivy here, so it is tested without a window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from field_app.services.due_visits import DueVisit, VisitRule, due_visits
from sync.deadlines import CASE_DONE_STATUSES, CHINA, case_due_date, is_overdue
from sync.vocabulary import ScreeningScope


@dataclass(frozen=True)
class ScreeningStatus:
    """This week's 一周一排查 of the worker's grid."""

    iso_week: str
    """The ISO week of today in Beijing, as screenings write it: ``2026-W48``."""
    done: bool
    record_id: str | None = None
    """The screening that did it (the earliest, if several did)."""


@dataclass(frozen=True)
class OpenCase:
    """A dispute case of the grid that is not done yet."""

    record_id: str
    category: str
    status: str
    risk_colour: str
    escalation_level: str
    description: str
    due: date | None
    overdue: bool
    days_left: int | None
    """Days until the due date: 0 on the day, negative once overdue; None without one."""
    needs_decision: bool
    """Some field has an open conflict (two people wrote different values)."""


@dataclass(frozen=True)
class Today:
    """Everything the 今日 screen shows."""

    day: date
    grid_id: str
    has_roster: bool
    """False until the first pull brings the roster: the screen asks for a sync."""
    due_visits: list[DueVisit]
    screening: ScreeningStatus
    open_cases: list[OpenCase]
    unsynced: int
    last_synced_at: datetime | None


def china_day(now: datetime) -> date:
    """The Beijing calendar day of `now`; a naive `now` is taken as Beijing time."""
    return now.date() if now.tzinfo is None else now.astimezone(CHINA).date()


def iso_week_of(day: date) -> str:
    """The ISO week of a day as screenings record it (``2026-W48``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class RecordSource(Protocol):
    """Where the records' views come from: a `Replica`, or the open tablet's
    `RecordCache`, which opens each record once rather than at every look."""

    def records(self, record_type: str | None = None) -> Iterable[dict[str, Any]]: ...


def today_for(source: RecordSource, grid_id: str, roster: Mapping[str, Any] | None,
              now: datetime, *, unsynced: int = 0, last_synced_at: datetime | None = None,
              rule: VisitRule | None = None) -> Today:
    """The home screen of the worker of `grid_id` at `now`.

    `roster` is what the last pull delivered (`PullReport.roster`), None before the first;
    `unsynced` and `last_synced_at` come from the sync service.
    """
    day = china_day(now)
    households = (roster.get("households") or []) if roster else []
    return Today(
        day=day,
        grid_id=grid_id,
        has_roster=roster is not None,
        due_visits=due_visits(source.records("visit"), households, grid_id, day, rule),
        screening=screening_status(source.records("screening"), grid_id, day),
        open_cases=open_cases(source.records("dispute"), grid_id, day),
        unsynced=unsynced,
        last_synced_at=last_synced_at,
    )


def screening_status(screenings: Iterable[Mapping[str, Any]], grid_id: str,
                     day: date) -> ScreeningStatus:
    """Whether the grid's weekly screening for the week of `day` is on the tablet."""
    week = iso_week_of(day)
    done = sorted(
        (view["values"].get("screened_at") or "", view["id"])
        for view in screenings
        if not view.get("retracted")
        and view["values"].get("grid_id") == grid_id
        and view["values"].get("scope") == ScreeningScope.weekly
        and view["values"].get("iso_week") == week
    )
    return ScreeningStatus(week, bool(done), done[0][1] if done else None)


def open_cases(disputes: Iterable[Mapping[str, Any]], grid_id: str, day: date
               ) -> list[OpenCase]:
    """The grid's cases not yet done on `day`: overdue first, then by due date."""
    cases = []
    for view in disputes:
        values = view["values"]
        if (view.get("retracted") or values.get("grid_id") != grid_id
                or values.get("status") in CASE_DONE_STATUSES):
            continue
        due = case_due_date(values.get("opened_at"), values.get("deadline_kind"),
                            values.get("due_date"))
        cases.append(OpenCase(
            record_id=view["id"],
            category=str(values.get("category") or ""),
            status=str(values.get("status") or ""),
            risk_colour=str(values.get("risk_colour") or ""),
            escalation_level=str(values.get("escalation_level") or ""),
            description=str(values.get("description") or ""),
            due=due,
            overdue=is_overdue(due, False, day),
            days_left=None if due is None else (due - day).days,
            needs_decision=bool(view.get("conflicts")),
        ))
    cases.sort(key=lambda c: (not c.overdue, c.due is None, c.due or date.max, c.record_id))
    return cases
