"""The due date a new request (诉求) is offered, by its problem list.

The worker can change it; the default only saves typing. 即知即改 is due the next day (the
rule `sync.deadlines.request_due_date` applies to it anyway), 限时整改 a week out (a date
the worker agrees with the resident; a week is the common case), 无法整改 has none (it
needs the explanation given to the resident instead).
"""

from __future__ import annotations

from datetime import date, timedelta

from sync.deadlines import FIX_NOW_DAYS
from sync.vocabulary import ProblemList

FIX_BY_DEADLINE_DAYS = 7


def default_due_date(problem_list: str | None, today: date) -> str:
    """``YYYY-MM-DD`` to put in the due-date field, or "" when the list has no date."""
    if problem_list == ProblemList.fix_now:
        return (today + timedelta(days=FIX_NOW_DAYS)).isoformat()
    if problem_list == ProblemList.fix_by_deadline:
        return (today + timedelta(days=FIX_BY_DEADLINE_DAYS)).isoformat()
    return ""
