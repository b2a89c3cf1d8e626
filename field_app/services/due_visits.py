"""Which households of a grid the worker should visit today, and why.

DOMAIN.md asks for visits every day and for 重点户 (key households: elderly people living
alone, special care...) to be visited more often, but the seeds name no interval. The rule
here, read from the 民情日记 on the tablet:

- a household of the worker's grid on the roster is due when it has **never been visited**,
  or its last visit was at least `VisitRule.key_household_days` (7: weekly) Beijing
  calendar days ago for a 重点户, `VisitRule.household_days` (30: once a month, as the
  monthly assessment counts households covered) for the others;
- it is also due when a resident's request raised on a visit to it is **due today or
  overdue** (`sync.deadlines.request_due_date`: 即知即改 the next day, 限时整改 by its
  date) and has not been reported back (反馈结果) yet: the 365 method needs the worker to go
  back and tell the resident.

Any visit counts, whoever made it and whatever its kind (as in the monthly assessment:
the roster, not the visit kind, says who is a key household); a retracted visit does not.
Visits that register a new household carry no roster id and cannot be matched yet.

Order: households with requests due first (a promise with a date), then key households,
then the longest unvisited (never visited before all), then by place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sync.deadlines import china_date, request_due_date
from sync.vocabulary import RequestStep

REPORTED_BACK_STEPS = frozenset({RequestStep.reported_back, RequestStep.rated})
"""A request with one of these steps has been answered to the resident."""


@dataclass(frozen=True)
class VisitRule:
    """How many Beijing calendar days may pass between visits to a household."""

    key_household_days: int = 7
    household_days: int = 30


@dataclass(frozen=True)
class DueVisit:
    """A household to visit today (from the roster) and why."""

    household_id: str
    building: str
    unit: str
    room: str
    head_name: str
    key_household: bool
    last_visited: date | None
    """The Beijing day of the latest visit; None if never visited."""
    days_since: int | None
    requests_due: int
    """Requests raised on visits here, due today or overdue, not yet reported back."""

    @property
    def place(self) -> str:
        """Where to knock: 3号楼2单元402 (the roster writes 号楼 and 单元 itself)."""
        return f"{self.building}{self.unit}{self.room}"


@dataclass
class _Seen:
    last: date | None = None
    requests_due: int = 0


def due_visits(visits: Iterable[Mapping[str, Any]], households: Iterable[Mapping[str, Any]],
               grid_id: str, today: date, rule: VisitRule | None = None) -> list[DueVisit]:
    """The households of `grid_id` due for a visit on `today`, most pressing first.

    `visits` are visit record views (`Replica.records("visit")`); `households` are the
    roster's households (`PullReport.roster["households"]`).
    """
    rule = rule or VisitRule()
    seen = _read_visits(visits, today)
    due = []
    for household in households:
        if household.get("grid_id") != grid_id:
            continue
        found = seen.get(str(household.get("id")), _Seen())
        key = bool(household.get("key_household"))
        days = None if found.last is None else max((today - found.last).days, 0)
        interval = rule.key_household_days if key else rule.household_days
        if days is not None and days < interval and not found.requests_due:
            continue
        due.append(DueVisit(
            household_id=str(household["id"]),
            building=str(household.get("building") or ""),
            unit=str(household.get("unit") or ""),
            room=str(household.get("room") or ""),
            head_name=str(household.get("head_name") or ""),
            key_household=key,
            last_visited=found.last,
            days_since=days,
            requests_due=found.requests_due,
        ))
    due.sort(key=_urgency)
    return due


def _urgency(visit: DueVisit) -> tuple[Any, ...]:
    never = visit.days_since is None
    return (not visit.requests_due, not visit.key_household, not never,
            -(visit.days_since or 0), visit.place, visit.household_id)


def _read_visits(visits: Iterable[Mapping[str, Any]], today: date) -> dict[str, _Seen]:
    """Per household: the day of its latest visit and its requests now due."""
    seen: dict[str, _Seen] = {}
    for view in visits:
        values = view["values"]
        household_id = values.get("household_id")
        if view.get("retracted") or not household_id:
            continue
        entry = seen.setdefault(str(household_id), _Seen())
        visited_at = values.get("visited_at")
        day = china_date(visited_at) if isinstance(visited_at, str) else None
        if day is not None and (entry.last is None or day > entry.last):
            entry.last = day
        entry.requests_due += _requests_due(values, visited_at, today)
    return seen


def _requests_due(values: Mapping[str, Any], raised_at: Any, today: date) -> int:
    answered = {p.get("request_id") for p in values.get("request_progress") or ()
                if p.get("step") in REPORTED_BACK_STEPS}
    count = 0
    for request in values.get("requests") or ():
        due = request_due_date(raised_at if isinstance(raised_at, str) else None,
                               request.get("problem_list"), request.get("due_date"))
        if due is not None and due <= today and request.get("id") not in answered:
            count += 1
    return count
