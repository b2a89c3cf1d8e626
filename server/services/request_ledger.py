"""问题清单 rows from a visit's merged values: each resident request (诉求) and its 365 step.

Pure (no database, no Flask), so the projection and the office pages share one reading of
a visit, and it is specified without a server.

A request's 365 state is the furthest step recorded for it in the visit's
``request_progress`` children (handled < reported back < rated); with none it is
``in_ledger``: it reached the ledger, nothing done yet. ``analysed`` (分析民情) is the step
the worker takes on the tablet before the request is synced; ``assessed`` (动态考核) follows
from the worker's monthly assessment and is not stored.

``handled_at`` and ``rated_at`` are written in Beijing time, so their first ten characters
are the office's calendar day: lateness is judged against the due date in SQL by them.
A withdrawn (retracted) visit keeps no rows: its requests are no longer anyone's to handle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.deadlines import CHINA, request_due_date

STEPS = ("analysed", "in_ledger", "handled", "reported_back", "rated", "assessed")
"""The 365 method's six steps, in order: 分析民情 → 建立台账 → 及时办理 → 反馈结果 → 群众评议
→ 动态考核."""

PROGRESS_STEPS = ("handled", "reported_back", "rated")
"""The steps a ``request_progress`` entry records, in order."""

REQUEST_COLUMNS = ("visit_id", "request_id", "author_id", "raised_at", "service_class",
                   "problem_list", "due_date", "step", "handled_at", "rated_at", "rating")
"""`request_ledger`'s columns, in the order `RequestState.row` gives them."""


@dataclass(frozen=True)
class RequestState:
    """One request as the office reads it: its triage, due date and 365 progress."""

    request_id: str
    summary: str | None
    service_class: str | None
    problem_list: str | None
    due_date: str | None
    """ISO date (`sync.deadlines.request_due_date`); None for 无法整改."""
    step: str
    """The furthest stored step: ``in_ledger``, ``handled``, ``reported_back`` or ``rated``."""
    handled_at: str | None
    rated_at: str | None
    rating: int | None
    progress: tuple[Mapping[str, Any], ...]
    """Its ``request_progress`` entries, in time order."""

    def row(self, visit_id: str, author_id: str, raised_at: str | None) -> tuple[Any, ...]:
        """Its `request_ledger` row, in `REQUEST_COLUMNS` order."""
        return (visit_id, self.request_id, author_id, raised_at, self.service_class,
                self.problem_list, self.due_date, self.step, self.handled_at, self.rated_at,
                self.rating)


def request_states(values: Mapping[str, Any]) -> list[RequestState]:
    """Each request of a visit (its merged values), in the order the visit shows them; a
    request id seen twice counts once (the first)."""
    requests = values.get("requests")
    if not requests:
        return []
    raised_at = _text(values.get("visited_at"))
    progress_of: dict[str, list[tuple[datetime, Mapping[str, Any]]]] = {}
    for entry in values.get("request_progress") or ():
        if not isinstance(entry, Mapping) or entry.get("step") not in PROGRESS_STEPS:
            continue
        at = _moment(entry.get("at"))
        if at is not None:
            progress_of.setdefault(str(entry.get("request_id")), []).append((at, entry))
    states: dict[str, RequestState] = {}
    for request in requests:
        request_id = request.get("id") if isinstance(request, Mapping) else None
        if not isinstance(request_id, str) or request_id in states:
            continue
        states[request_id] = _state(request, raised_at,
                                    sorted(progress_of.get(request_id, ()),
                                           key=lambda item: item[0]))
    return list(states.values())


def request_rows(visit_id: str, author_id: str, values: Mapping[str, Any],
                 retracted: bool = False) -> list[tuple[Any, ...]]:
    """The visit's `request_ledger` rows (none for a withdrawn visit)."""
    if retracted:
        return []
    raised_at = _text(values.get("visited_at"))
    return [state.row(visit_id, author_id, raised_at) for state in request_states(values)]


def current_step(stored: str, assessed: bool) -> str:
    """The step to show: ``assessed`` once the worker's month is assessed, else the stored
    one."""
    return "assessed" if assessed else stored


def marked_steps(current: str) -> list[tuple[str, str]]:
    """The six steps, each marked ``done``, ``current`` or ``todo`` against `current`."""
    reached = STEPS.index(current) if current in STEPS else 0
    return [(step, "done" if n < reached else "current" if n == reached else "todo")
            for n, step in enumerate(STEPS)]


def _state(request: Mapping[str, Any], raised_at: str | None,
           progress: list[tuple[datetime, Mapping[str, Any]]]) -> RequestState:
    problem_list = _text(request.get("problem_list"))
    due = request_due_date(raised_at, problem_list, _text(request.get("due_date")))
    step, handled, rated = "in_ledger", None, None
    for at, entry in progress:
        if PROGRESS_STEPS.index(entry["step"]) > _rank(step):
            step = entry["step"]
        if handled is None and entry["step"] == "handled":
            handled = at
        if entry["step"] == "rated":
            rated = (at, entry)  # the latest rating stands
    if handled is None and progress:
        handled = progress[0][0]  # reported back or rated: handled by then at the latest
    rating = rated[1].get("rating") if rated else None
    return RequestState(
        request_id=str(request["id"]), summary=_text(request.get("summary")),
        service_class=_text(request.get("service_class")), problem_list=problem_list,
        due_date=due.isoformat() if due else None, step=step,
        handled_at=_china_text(handled), rated_at=_china_text(rated[0] if rated else None),
        rating=rating if isinstance(rating, int) and not isinstance(rating, bool) else None,
        progress=tuple(entry for _, entry in progress))


def _rank(step: str) -> int:
    return PROGRESS_STEPS.index(step) if step in PROGRESS_STEPS else -1


def _moment(value: Any) -> datetime | None:
    """An aware time from an ISO string (the schema asks for a zone); None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)


def _china_text(moment: datetime | None) -> str | None:
    return moment.astimezone(CHINA).isoformat() if moment else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
