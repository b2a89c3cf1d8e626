"""When a dispute case or a resident's request is due, and whether it is late.

The "111" promise (DOMAIN.md): matters instructed by leaders answered within a week;
matters assigned from above or opened locally closed within a month. Requests follow their
problem list: 即知即改 by the next day, 限时整改 by the due date written on the tablet,
无法整改 never (it is explained and kept on file). Dates are Beijing calendar days, which is
how the office counts them; China keeps one time zone and no summer time.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

from sync.vocabulary import DeadlineKind, DisputeStatus, ProblemList

CHINA = timezone(timedelta(hours=8))

LEADER_INSTRUCTION_DAYS = 7
FIX_NOW_DAYS = 1

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

CASE_DONE_STATUSES: frozenset[str] = frozenset({DisputeStatus.resolved, DisputeStatus.closed})
"""A case in one of these has kept its promise; 已移交 (referred) still awaits closing."""


def china_date(moment: str) -> date | None:
    """The Beijing calendar day of an ISO date-time (or date); None if unreadable."""
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return parsed.date()
    return parsed.astimezone(CHINA).date()


def unreadable_day(*days: str) -> str | None:
    """The first of `days` (a filter's dates; empty ones are no filter) that is not a
    calendar day written 2026-11-26, if any."""
    for day in days:
        if day and (not _ISO_DAY.fullmatch(day) or china_date(day) is None):
            return day
    return None


def add_month(day: date) -> date:
    """The same day a month later, or the month's last day (31 Jan -> 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def case_due_date(opened_at: str | None, deadline_kind: str | None = None,
                  due_date: str | None = None) -> date | None:
    """A case's due date: the one written on it, else its "111" promise from the day it
    was opened. None when neither can be read."""
    if due_date:
        written = china_date(due_date)
        if written is not None:
            return written
    opened = china_date(opened_at) if opened_at else None
    if opened is None:
        return None
    if deadline_kind == DeadlineKind.leader_instruction:
        return opened + timedelta(days=LEADER_INSTRUCTION_DAYS)
    return add_month(opened)


def request_due_date(raised_at: str | None, problem_list: str | None,
                     due_date: str | None = None) -> date | None:
    """A request's due date by its problem list; None for 无法整改 (or unreadable)."""
    if problem_list == ProblemList.fix_by_deadline:
        return china_date(due_date) if due_date else None
    if problem_list == ProblemList.fix_now and raised_at:
        raised = china_date(raised_at)
        return None if raised is None else raised + timedelta(days=FIX_NOW_DAYS)
    return None


def is_late(due: date | None, done_on: date | None, today: date) -> bool:
    """Past its due date: done after it, or not done and the day has passed."""
    if due is None:
        return False
    return (done_on or today) > due


def is_overdue(due: date | None, done: bool, today: date) -> bool:
    """Still open after its due date (what the office chases today)."""
    return not done and due is not None and today > due
