"""工作台: what the office checks first each morning, always within the reader's area.

Yesterday's and today's synced visits per grid, this week's 一周一排查 and the street's
half-month screening, the open dispute cases, what is late against its deadline (the "111"
promise and the problem lists), the tablets that have gone quiet, and two charts' figures.
Every figure is counted in SQL over indexed columns; Python only reads the few rows a
deadline needs (see `overdue_cases`). Days are Beijing calendar days.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, false, func, or_, select

from server.extensions import db
from server.models import (
    Community,
    Device,
    DisputeLedger,
    Grid,
    RecordProjection,
    RequestLedger,
    ScreeningLedger,
    Street,
    Worker,
)
from server.services.ledger_days import china_day, created_per_grid_and_day
from server.services.ledger_places import with_places
from server.services.office_desk import DESK_PREFIX
from server.services.office_scope import OfficeArea, grids_in
from sync.clock import wall_ms
from sync.deadlines import CASE_DONE_STATUSES, case_due_date, china_date
from sync.record_state import RecordState
from sync.vocabulary import (
    DisputeCategory,
    EscalationLevel,
    ProblemList,
    RiskColour,
    ScreeningScope,
)

CHART_DAYS = 30
QUIET_DAYS = 3
"""A tablet that has not synced for this many days is listed."""
LIST_LIMIT = 20
"""Rows listed per section (red cases, overdue items, quiet tablets); the count says how
many there are in all."""
LONGEST_PROMISE_DAYS = 31
"""The longest "111" promise, a month, is at most this many days."""
SHORTEST_PROMISE_DAYS = 7
"""The shortest, a leader's instruction: a week."""


@dataclass(frozen=True)
class GridVisits:
    grid_id: str
    name: str
    yesterday: int
    today: int


@dataclass(frozen=True)
class GridScreening:
    grid_id: str
    name: str
    screened: bool


@dataclass(frozen=True)
class HalfMonth:
    """The street's 半月一排查 for the current half-month (1st-15th or 16th-end)."""

    street_id: str
    name: str
    done: bool


@dataclass(frozen=True)
class CaseLine:
    record_id: str
    grid_name: str
    category: str | None
    status: str | None
    escalation_level: str | None
    opened_at: str | None


@dataclass(frozen=True)
class OpenCases:
    by_colour: dict[str, int]
    """Every risk colour, zero included, green to red."""
    by_level: dict[str, int]
    """Every escalation level, zero included, grid to district."""
    by_category: dict[str, int]
    """Every category, zero included."""
    red: list[CaseLine]
    """The red ones, oldest first (at most `LIST_LIMIT`); `by_colour["red"]` counts all."""

    @property
    def total(self) -> int:
        return sum(self.by_colour.values())


@dataclass(frozen=True)
class OverdueCase:
    record_id: str
    grid_name: str
    category: str | None
    opened_at: str | None
    due: date
    days_late: int


@dataclass(frozen=True)
class OverdueRequest:
    visit_id: str
    request_id: str
    grid_name: str
    worker_name: str
    problem_list: str | None
    due: date
    days_late: int


@dataclass(frozen=True)
class Overdue:
    cases: list[OverdueCase]
    """Most overdue first, at most `LIST_LIMIT`."""
    case_count: int
    requests: list[OverdueRequest]
    request_count: int


@dataclass(frozen=True)
class QuietDevice:
    device_id: str
    name: str
    worker_name: str
    last_seen_at: int | None
    """Unix ms of its last sync; None if it never synced (then it was enrolled
    `QUIET_DAYS` or more ago)."""


@dataclass(frozen=True)
class QuietDevices:
    devices: list[QuietDevice]
    """Longest silent first, at most `LIST_LIMIT`."""
    count: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    iso_week: str
    half_month: tuple[date, date]
    visits: list[GridVisits]
    visits_per_day: list[tuple[date, int]]
    """The last `CHART_DAYS` days, oldest first, today included."""
    screenings: list[GridScreening]
    half_months: list[HalfMonth] | None
    """For street staff and the district; None for a community's staff."""
    cases: OpenCases
    overdue: Overdue
    quiet_devices: QuietDevices
    unscreened: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "unscreened",
                           sum(not grid.screened for grid in self.screenings))


def dashboard(area: OfficeArea, now_ms: int | None = None) -> Dashboard:
    """Everything the 工作台 shows for `area` at `now_ms` (now by default)."""
    now_ms = wall_ms() if now_ms is None else now_ms
    today = china_day(now_ms)
    grids = grids_in(area)
    visits, per_day = synced_visits(area, grids, now_ms)
    return Dashboard(
        today=today, iso_week=iso_week(today), half_month=half_month(today),
        visits=visits, visits_per_day=per_day,
        screenings=weekly_screenings(area, grids, today),
        half_months=None if area.level == "community" else half_month_screenings(area, today),
        cases=open_cases(area), overdue=overdue(area, today),
        quiet_devices=quiet_devices(area, now_ms))


def iso_week(day: date) -> str:
    """The ISO week `day` falls in, as screenings name it (2026-W48)."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def half_month(day: date) -> tuple[date, date]:
    """The first and last day of the half-month `day` falls in: 1st-15th or 16th-end."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def synced_visits(area: OfficeArea, grids: list[tuple[str, str]], now_ms: int
                  ) -> tuple[list[GridVisits], list[tuple[date, int]]]:
    """Visits synced yesterday and today per grid (every grid of the area listed), and
    visits synced per day over the last `CHART_DAYS` days: one read of those days' ledger
    entries, of today's only once the past days are known (`ledger_days`)."""
    today = china_day(now_ms)
    first_day = today - timedelta(days=CHART_DAYS - 1)
    streets = db.session.scalars(
        select(Community.street_id).where(area.communities()).distinct())
    in_area = {grid_id for grid_id, _name in grids}
    counts = {(grid_id, day): count for (grid_id, day), count in created_per_grid_and_day(
        streets, "visit", first_day, now_ms).items() if grid_id in in_area}
    per_day: dict[date, int] = defaultdict(int)
    for (_grid, day), count in counts.items():
        per_day[day] += count
    yesterday = today - timedelta(days=1)
    visits = [GridVisits(grid_id, name, counts.get((grid_id, yesterday), 0),
                         counts.get((grid_id, today), 0)) for grid_id, name in grids]
    days = [first_day + timedelta(days=n) for n in range(CHART_DAYS)]
    return visits, [(day, per_day.get(day, 0)) for day in days]


def _kept(query: Any) -> Any:
    """Joined to the record's place, kept to the area's records that are not withdrawn."""
    return query.where(RecordProjection.retracted == false())


def weekly_screenings(area: OfficeArea, grids: list[tuple[str, str]], today: date
                      ) -> list[GridScreening]:
    """Each grid of the area, screened this ISO week or not (a weekly screening synced)."""
    screened = set(db.session.scalars(_kept(
        select(RecordProjection.grid_id).distinct()
        .select_from(with_places(ScreeningLedger))
        .where(ScreeningLedger.iso_week == iso_week(today),
               ScreeningLedger.scope == ScreeningScope.weekly,
               area.filter(RecordProjection)))))
    return [GridScreening(grid_id, name, grid_id in screened) for grid_id, name in grids]


def half_month_screenings(area: OfficeArea, today: date) -> list[HalfMonth]:
    """Each street of the area: has it had its half-month screening this half-month?

    The screenings are found through the ISO weeks the half-month touches (indexed); the
    day of each is then read from its time, which may carry any zone."""
    first, last = half_month(today)
    weeks = {iso_week(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    rows = db.session.execute(_kept(
        select(RecordProjection.street_id, ScreeningLedger.screened_at)
        .select_from(with_places(ScreeningLedger))
        .where(ScreeningLedger.iso_week.in_(sorted(weeks)),
               ScreeningLedger.scope == ScreeningScope.half_month,
               area.filter(RecordProjection)))).all()
    done = {street for street, screened_at in rows
            if (day := china_date(screened_at or "")) is not None and first <= day <= last}
    streets = db.session.execute(
        select(Street.id, Street.name).where(Street.id.in_(
            select(Community.street_id).where(area.communities())))
        .order_by(Street.id)).all()
    return [HalfMonth(street_id, name, street_id in done) for street_id, name in streets]


def _open_case() -> ColumnElement[bool]:
    return or_(DisputeLedger.status.is_(None),
               DisputeLedger.status.not_in(sorted(CASE_DONE_STATUSES)))


def _cases(area: OfficeArea, *columns: Any) -> Any:
    """The area's open, not withdrawn cases, with their grid's name available."""
    return _kept(select(*columns).select_from(with_places(DisputeLedger))
                 .join(Grid, Grid.id == RecordProjection.grid_id)
                 .where(area.filter(RecordProjection), _open_case()))


def open_cases(area: OfficeArea) -> OpenCases:
    """Open cases counted by risk colour, escalation level and category (one grouped
    query), and the red ones listed."""
    rows = db.session.execute(
        _cases(area, DisputeLedger.risk_colour, DisputeLedger.escalation_level,
               DisputeLedger.category, func.count())
        .group_by(DisputeLedger.risk_colour, DisputeLedger.escalation_level,
                  DisputeLedger.category)).all()
    by_colour = dict.fromkeys(RiskColour, 0)
    by_level = dict.fromkeys(EscalationLevel, 0)
    by_category = dict.fromkeys(DisputeCategory, 0)
    for colour, level, category, count in rows:
        for tally, key in ((by_colour, colour), (by_level, level), (by_category, category)):
            if key in tally:
                tally[key] += count
    red = db.session.execute(
        _cases(area, DisputeLedger.id, Grid.name, DisputeLedger.category,
               DisputeLedger.status, DisputeLedger.escalation_level, DisputeLedger.opened_at)
        .where(DisputeLedger.risk_colour == RiskColour.red)
        .order_by(DisputeLedger.opened_at, DisputeLedger.id).limit(LIST_LIMIT)).all()
    return OpenCases({str(k): v for k, v in by_colour.items()},
                     {str(k): v for k, v in by_level.items()},
                     {str(k): v for k, v in by_category.items()},
                     [CaseLine(*row) for row in red])


def overdue(area: OfficeArea, today: date) -> Overdue:
    cases, case_count = overdue_cases(area, today)
    requests, request_count = overdue_requests(area, today)
    return Overdue(cases, case_count, requests, request_count)


def overdue_cases(area: OfficeArea, today: date) -> tuple[list[OverdueCase], int]:
    """Open cases past their due date (`sync.deadlines.case_due_date`), most overdue first
    (at most `LIST_LIMIT`), and how many there are.

    A due date written on the case is a column: compared in SQL. Without one, the "111"
    promise runs from the day the case was opened, a week or a month by its deadline kind,
    which is not a column (it is in the record's state). A case opened more than a month
    ago is late whichever promise it has: counted in SQL too. Only the cases opened between
    a week and a month ago need their kind, and only theirs is read: a bounded set (and the
    `LIST_LIMIT` oldest of the others, to show their due dates). `opened_at` is compared as
    text a day wider on each side, as its zone may move its Beijing day by one."""
    columns = (DisputeLedger.id, Grid.name, DisputeLedger.category, DisputeLedger.opened_at,
               DisputeLedger.due_date, RecordProjection.state)
    unwritten = or_(DisputeLedger.due_date.is_(None), DisputeLedger.due_date == "")
    written_late = and_(DisputeLedger.due_date > "",
                        DisputeLedger.due_date < today.isoformat())
    month_ago = (today - timedelta(days=LONGEST_PROMISE_DAYS + 1)).isoformat()
    week_ago = (today - timedelta(days=SHORTEST_PROMISE_DAYS - 1)).isoformat()
    month_late = and_(unwritten, DisputeLedger.opened_at < month_ago)
    maybe_late = and_(unwritten, DisputeLedger.opened_at >= month_ago,
                      DisputeLedger.opened_at < week_ago)
    surely_late = db.session.scalar(
        _cases(area, func.count()).where(or_(written_late, month_late))) or 0
    shown = [*db.session.execute(_cases(area, *columns).where(written_late)
                                 .order_by(DisputeLedger.due_date).limit(LIST_LIMIT)),
             *db.session.execute(_cases(area, *columns).where(month_late)
                                 .order_by(DisputeLedger.opened_at).limit(LIST_LIMIT))]
    maybe = db.session.execute(_cases(area, *columns).where(maybe_late)).all()
    late_of_maybe = [case for case in map(_late_case(today), maybe) if case is not None]
    late = [case for case in map(_late_case(today), shown) if case is not None]
    late = sorted([*late, *late_of_maybe], key=lambda case: (case.due, case.record_id))
    return late[:LIST_LIMIT], surely_late + len(late_of_maybe)


def _late_case(today: date) -> Callable[[Any], OverdueCase | None]:
    """A case row (id, grid name, category, opened_at, due_date, state) as an overdue
    case, or None if it is not late today."""
    def late(row: Any) -> OverdueCase | None:
        kind = None if row.due_date else _deadline_kind(row.state)
        due = case_due_date(row.opened_at, kind, row.due_date)
        if due is None or today <= due:
            return None
        return OverdueCase(row.id, row.name, row.category, row.opened_at, due,
                           (today - due).days)
    return late


def _deadline_kind(state: bytes) -> str | None:
    kind = RecordState(orjson.loads(state)).view()["values"].get("deadline_kind")
    return kind if isinstance(kind, str) else None


def overdue_requests(area: OfficeArea, today: date) -> tuple[list[OverdueRequest], int]:
    """Residents' requests on the 即知即改 or 限时整改 list that nobody has handled yet
    (step ``in_ledger``) and whose due date has passed: most overdue first (at most
    `LIST_LIMIT`), and how many there are."""
    requests_in_area = with_places(RequestLedger, RequestLedger.visit_id)
    late = (area.filter(RecordProjection), RequestLedger.step == "in_ledger",
            RequestLedger.due_date < today.isoformat(),
            RequestLedger.problem_list.in_([ProblemList.fix_now, ProblemList.fix_by_deadline]))
    count = db.session.scalar(_kept(
        select(func.count()).select_from(requests_in_area).where(*late))) or 0
    rows = db.session.execute(_kept(
        select(RequestLedger.visit_id, RequestLedger.request_id, Grid.name, Worker.name,
               RequestLedger.author_id, RequestLedger.problem_list, RequestLedger.due_date)
        .select_from(requests_in_area)
        .join(Grid, Grid.id == RecordProjection.grid_id)
        .outerjoin(Worker, Worker.id == RequestLedger.author_id)
        .where(*late))
        .order_by(RequestLedger.due_date, RequestLedger.visit_id, RequestLedger.request_id)
        .limit(LIST_LIMIT))
    requests = []
    for visit_id, request_id, grid_name, worker_name, author_id, problem_list, due in rows:
        due_day = china_date(due)
        if due_day is not None:
            requests.append(OverdueRequest(visit_id, request_id, grid_name,
                                           worker_name or author_id, problem_list, due_day,
                                           (today - due_day).days))
    return requests, count


def quiet_devices(area: OfficeArea, now_ms: int) -> QuietDevices:
    """The area's tablets (not revoked, not office desks) that have not synced for
    `QUIET_DAYS` days or more, longest silent first; one never synced counts from its
    enrolment."""
    last_heard = func.coalesce(Device.last_seen_at, Device.enrolled_at)
    query = (select(Device.id, Device.name, Worker.name, Device.last_seen_at)
             .join(Worker, Worker.id == Device.worker_id)
             .where(area.filter(Worker), Device.revoked_at.is_(None),
                    ~Device.id.startswith(DESK_PREFIX),  # office desks never sync
                    last_heard <= now_ms - QUIET_DAYS * 86_400_000))
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(query.order_by(last_heard, Device.id).limit(LIST_LIMIT))
    return QuietDevices([QuietDevice(*row) for row in rows], count)
