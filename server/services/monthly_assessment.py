"""网格员绩效月考核: each grid worker's month read from the ledgers, and the office's score.

The figures are computed whenever they are read (the ledgers are the record; nothing here
is stored but the office's own judgement, `MonthlyAssessment`). Each figure is one SQL
aggregate grouped by worker over the whole month list, so the page costs a handful of
queries however many workers the area holds; only the cases' ratings, which no ledger
column holds, are read from the month's cases' states (`_case_ratings`).

Months are Beijing calendar months, as the office counts them. Tablets write times as ISO
strings with a zone, normally +08:00 but not always (a tablet set to UTC writes ``Z``). A
string's text order is its time order only within one offset, so each time column is
bounded twice: by text, widened by two days each side (the index on the column narrows the
scan to the month and its edges), and then exactly, by the instant the string names
(SQLite's ``datetime()`` in UTC; PostgreSQL's ``timestamptz``). A time of 23:30 on 31
October UTC is 07:30 on 1 November in Beijing and counts for November.

Retracted records (withdrawn with a reason) count for nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    DateTime,
    Select,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from server.database import is_postgres, rows_where_in
from server.extensions import db
from server.models import (
    DisputeLedger,
    Grid,
    Household,
    MonthlyAssessment,
    RecordProjection,
    RequestLedger,
    ScreeningLedger,
    VisitLedger,
    Worker,
)
from server.services.office_scope import OfficeArea
from sync.deadlines import CHINA
from sync.record_state import RecordState
from sync.vocabulary import Role, ScreeningScope

_MONTH = re.compile(r"(\d{4})-(\d{2})")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
SCORE_RANGE = range(0, 101)
COMMENT_MAX = 2000
FEW = 20
"""Up to this many workers (or grids), a figure finds their rows through their own index;
beyond it (a street, the district), through the month's time range (see `_Among`)."""
_TEXT_MARGIN = timedelta(days=2)
"""How far a time's text may stray from its Beijing time: offsets lie within a day of UTC,
so within a day and a half of Beijing."""


class AssessmentRefused(ValueError):
    """Bad input from the office: `code` names the catalogue message
    (``office.assessment.<code>``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, order=True)
class Month:
    """A Beijing calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Month:
        """``2026-11`` as a month; `AssessmentRefused` (``bad_month``) for anything else."""
        match = _MONTH.fullmatch(value.strip())
        if match is None:
            raise AssessmentRefused("bad_month")
        year, month = int(match[1]), int(match[2])
        if not (EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= month <= 12):
            raise AssessmentRefused("bad_month")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def weeks(self) -> list[Week]:
        """The ISO weeks with at least one day in the month (a week across two months
        belongs to both)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday < self.next.first_day:
            weeks.append(Week(monday))
            monday += timedelta(days=7)
        return weeks


@dataclass(frozen=True)
class Week:
    monday: date

    @property
    def label(self) -> str:
        """As the screening writes it: ``2026-W48``."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    def over_by(self, today: date) -> bool:
        return today > self.monday + timedelta(days=6)


@dataclass(frozen=True)
class Assessment:
    """What the office filled in for a worker's month."""

    score: int
    comment: str
    assessed_by: str
    """The assessor's name."""
    assessed_at: int
    """Unix ms."""


@dataclass(frozen=True)
class WorkerMonth:
    """One grid worker's month: the figures the office assesses, and its assessment."""

    worker_id: str
    worker_name: str
    grid_id: str
    grid_name: str
    month: str
    """YYYY-MM."""
    visits: int = 0
    households: int = 0
    """Distinct households visited."""
    key_households_visited: int = 0
    """Distinct 重点户 of the worker's grid visited (any kind of visit; see
    `_visit_figures`)."""
    key_households: int = 0
    """重点户 on the roster of the worker's grid."""
    weeks_screened: int = 0
    """Weeks of the month whose weekly screening of the grid was done within the week."""
    weeks_due: int = 0
    """Weeks of the month that are over, or already screened (see `_screened_weeks`)."""
    requests_on_time: int = 0
    """Requests raised in the month, handled on or before their due date."""
    requests_due: int = 0
    """Requests raised in the month with a due date whose outcome is known: handled, or
    past due (a request still within its time counts in neither)."""
    rating_total: int = 0
    ratings: int = 0
    """Residents' ratings (1-5): of requests rated in the month and of cases the worker
    opened in the month."""
    assessment: Assessment | None = None

    @property
    def average_rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


def this_month(now: datetime | None = None) -> Month:
    """The month it is in Beijing."""
    return Month.of((now or datetime.now(CHINA)).astimezone(CHINA).date())


def china_today() -> date:
    return datetime.now(CHINA).date()


def _grid_workers(area: OfficeArea) -> Select[Any]:
    return (select(Worker.id, Worker.name, Worker.grid_id, Grid.name)
            .outerjoin(Grid, Grid.id == Worker.grid_id)
            .where(area.filter(Worker), Worker.role == Role.grid_worker))


def assessment_rows(area: OfficeArea, month: Month, today: date | None = None
                    ) -> list[WorkerMonth]:
    """Every grid worker of the area (by id, those who left too) with their figures for
    `month` and its assessment, if filled. `today` (Beijing) decides what is late; the
    export reuses this."""
    workers = db.session.execute(_grid_workers(area).order_by(Worker.id)).all()
    return _months(workers, month, today or china_today())


def worker_month(area: OfficeArea, worker_id: str, month: Month, today: date | None = None
                 ) -> WorkerMonth | None:
    """One grid worker's month; None if they are not a grid worker of the area."""
    workers = db.session.execute(_grid_workers(area).where(Worker.id == worker_id)).all()
    if not workers:
        return None
    return _months(workers, month, today or china_today())[0]


def _months(workers: list[Any], month: Month, today: date) -> list[WorkerMonth]:
    if not workers:
        return []
    ids = [worker_id for worker_id, *_ in workers]
    authors = _Among(ids)
    grids = _Among(sorted({grid_id for _, _, grid_id, _ in workers if grid_id}))
    figures: dict[str, dict[str, Any]] = {worker_id: {} for worker_id in ids}
    for worker_id, values in _visit_figures(authors, grids, month).items():
        figures[worker_id].update(values)
    key_households = _key_households(grids)
    screened = _screened_weeks(grids, month, today)
    for worker_id, values in _request_figures(authors, month, today).items():
        figures[worker_id].update(values)
    ratings = _case_ratings(authors, month)
    assessments = _assessments(ids, month)
    rows = []
    for worker_id, name, grid_id, grid_name in workers:
        values = figures[worker_id]
        case_total, case_count = ratings.get(worker_id, (0, 0))
        weeks_screened, weeks_due = screened.get(grid_id, (0, _weeks_due(month, today, set())))
        rows.append(WorkerMonth(
            worker_id, name, grid_id or "", grid_name or "", str(month),
            visits=values.get("visits", 0), households=values.get("households", 0),
            key_households_visited=values.get("key_households_visited", 0),
            key_households=key_households.get(grid_id, 0),
            weeks_screened=weeks_screened, weeks_due=weeks_due,
            requests_on_time=values.get("requests_on_time", 0),
            requests_due=values.get("requests_due", 0),
            rating_total=values.get("rating_total", 0) + case_total,
            ratings=values.get("ratings", 0) + case_count,
            assessment=assessments.get(worker_id)))
    return rows


# -- time bounds --------------------------------------------------------------------------

def _month_bounds(month: Month) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in Beijing time."""
    return (datetime.combine(month.first_day, datetime.min.time(), CHINA),
            datetime.combine(month.next.first_day, datetime.min.time(), CHINA))


def _within(column: Any, start: datetime, end: datetime) -> Any:
    """`column` (an ISO time string with its zone) names an instant in [start, end).

    The text bound lets the column's index find the rows; the exact bound reads each
    string's own offset (see the module's docstring), and is needed only for the days
    near the ends: a string dated two days or more inside them is inside, whatever its
    offset."""
    by_text = and_(column >= (start - _TEXT_MARGIN).date().isoformat(),
                   column < (end + _TEXT_MARGIN).date().isoformat())
    surely_inside = and_(column >= (start + _TEXT_MARGIN).date().isoformat(),
                         column < (end - _TEXT_MARGIN).date().isoformat())
    exactly = and_(_instant(column) >= _instant_value(start),
                   _instant(column) < _instant_value(end))
    return and_(by_text, or_(surely_inside, exactly))


def _instant(column: Any) -> Any:
    """The instant an ISO time string names, comparable with `_instant_value`."""
    if is_postgres():
        return cast(column, DateTime(timezone=True))
    return func.datetime(column)  # UTC, "YYYY-MM-DD HH:MM:SS"; NULL if unreadable


def _instant_value(moment: datetime) -> Any:
    if is_postgres():
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _china_day(column: Any) -> Any:
    """The Beijing calendar day (``YYYY-MM-DD``) of an ISO time string."""
    if is_postgres():
        return func.to_char(func.timezone(literal_column("INTERVAL '+08:00'"),
                                          cast(column, DateTime(timezone=True))),
                            "YYYY-MM-DD")
    return func.date(column, "+8 hours")


@dataclass(frozen=True)
class _Among:
    """The workers (or grids) a figure is for: a WHERE clause and the GROUP BY key.

    For a few, their own index (`author_id`, `grid_id`) finds their rows. For many,
    SQLite would walk that same index to save itself a sort, looking up every row of each
    one's whole history, a year of it at random places; the key is then made unindexable
    (``|| ''``), so the month's time range (or one pass over a small table) finds the rows
    in order instead. PostgreSQL plans by its statistics and gets the column as it is."""

    ids: Collection[str]

    def key(self, column: Any) -> Any:
        return column if len(self.ids) <= FEW else _unindexed(column)

    def holds(self, key: Any) -> Any:
        return key.in_(list(self.ids))

    def __bool__(self) -> bool:
        return bool(self.ids)


def _unindexed(column: Any) -> Any:
    """`column` as an expression SQLite finds no index for (see `_Among`)."""
    return column if is_postgres() else column.concat("")


def _live(ledger: Any) -> Any:
    """Join a type ledger to its records, leaving out retracted ones."""
    return and_(RecordProjection.id == ledger.id, RecordProjection.retracted == false())


# -- the figures ---------------------------------------------------------------------------

def _visit_figures(workers: _Among, grids: _Among, month: Month
                   ) -> dict[str, dict[str, int]]:
    """Visits, distinct households and distinct key households, by worker, in one pass.

    A key household is one the roster of the worker's grid marks 重点户
    (`Household.key_household`), whatever the kind of visit: the roster is the office's
    own list of who needs 重点走访, where the visit kind is the worker's label for one
    visit (a routine call on a 重点户 still visits them; a visit labelled 重点走访 to a
    household not on that list is not one). So the figure is n of the grid's N: a worker
    files visits in their own grid, so the 重点户 they visit are that grid's.
    The 重点户 of the workers' grids are read once into a set the database holds (IN a
    subquery: a hash on PostgreSQL), not looked up visit by visit."""
    key_households = select(Household.id).where(Household.grid_id.in_(list(grids.ids)),
                                                Household.key_household)
    key_household = case((VisitLedger.household_id.in_(key_households),
                          VisitLedger.household_id))
    author = workers.key(VisitLedger.author_id)
    rows = db.session.execute(
        select(author, func.count(), func.count(distinct(VisitLedger.household_id)),
               func.count(distinct(key_household)))
        .join(RecordProjection, _live(VisitLedger))
        .where(workers.holds(author), _within(VisitLedger.visited_at, *_month_bounds(month)))
        .group_by(author))
    return {author: {"visits": visits, "households": households,
                     "key_households_visited": key_visited}
            for author, visits, households, key_visited in rows}


def _key_households(grids: _Among) -> dict[str, int]:
    """重点户 on each grid's roster (a grid's roster is short: always through its index)."""
    if not grids:
        return {}
    rows = db.session.execute(
        select(Household.grid_id, func.count())
        .where(grids.holds(Household.grid_id), Household.key_household)
        .group_by(Household.grid_id))
    return {grid_id: count for grid_id, count in rows}


def _screened_weeks(grids: _Among, month: Month, today: date
                    ) -> dict[str, tuple[int, int]]:
    """(weeks screened on time, weeks due) by grid.

    一周一排查: a week is screened on time when a weekly screening of the grid names that
    ISO week and was done within it (Beijing days, Monday to Sunday), by whoever did it.
    A week is due once it is over; the week under way counts only once it is screened,
    so the month in progress is not marked down for a week that still has days left."""
    if not grids:
        return {}
    weeks = month.weeks()
    on_time = or_(*(and_(ScreeningLedger.iso_week == week.label,
                         _within(ScreeningLedger.screened_at, *_week_bounds(week)))
                    for week in weeks))
    grid = _unindexed(RecordProjection.grid_id)  # the weeks' screenings find fewer rows
    rows = db.session.execute(
        select(grid, ScreeningLedger.iso_week).distinct()
        .join(RecordProjection, _live(ScreeningLedger))
        .where(grids.holds(grid),
               ScreeningLedger.scope == ScreeningScope.weekly,
               ScreeningLedger.iso_week.in_([week.label for week in weeks]), on_time))
    screened: dict[str, set[str]] = {}
    for grid_id, iso_week in rows:
        screened.setdefault(grid_id, set()).add(iso_week)
    return {grid_id: (len(labels), _weeks_due(month, today, labels))
            for grid_id, labels in screened.items()}


def _weeks_due(month: Month, today: date, screened: set[str]) -> int:
    return sum(1 for week in month.weeks() if week.over_by(today) or week.label in screened)


def _week_bounds(week: Week) -> tuple[datetime, datetime]:
    start = datetime.combine(week.monday, datetime.min.time(), CHINA)
    return start, start + timedelta(days=7)


def _request_figures(workers: _Among, month: Month, today: date
                     ) -> dict[str, dict[str, int]]:
    """Requests closed on time (of those raised in the month) and ratings given in the
    month, by worker: two aggregates over 问题清单 (`request_ledger`).

    On time is `sync.deadlines.is_late` in SQL: handled on a Beijing day on or before the
    due date. A request not yet handled is late once its due date has passed, and not yet
    judged before then. 无法整改 has no due date and is not counted."""
    figures: dict[str, dict[str, int]] = {}
    handled_day = _china_day(RequestLedger.handled_at)
    on_time = case((and_(RequestLedger.handled_at.is_not(None),
                         handled_day <= RequestLedger.due_date), 1), else_=0)
    decided = case((or_(RequestLedger.handled_at.is_not(None),
                        RequestLedger.due_date < today.isoformat()), 1), else_=0)
    raised_by = RequestLedger.author_id  # (author_id, raised_at) is an index: always use it
    for author_id, closed, due in db.session.execute(
            select(raised_by, func.sum(on_time), func.sum(decided))
            .where(workers.holds(raised_by), RequestLedger.due_date.is_not(None),
                   _within(RequestLedger.raised_at, *_month_bounds(month)))
            .group_by(raised_by)):
        figures[author_id] = {"requests_on_time": int(closed or 0),
                              "requests_due": int(due or 0)}
    author = workers.key(RequestLedger.author_id)
    for author_id, total, count in db.session.execute(
            select(author, func.sum(RequestLedger.rating), func.count(RequestLedger.rating))
            .where(workers.holds(author), RequestLedger.rating.is_not(None),
                   _within(RequestLedger.rated_at, *_month_bounds(month)))
            .group_by(author)):
        figures.setdefault(author_id, {}).update(rating_total=int(total or 0), ratings=count)
    return figures


def _case_ratings(workers: _Among, month: Month) -> dict[str, tuple[int, int]]:
    """(sum, count) of 群众评议 ratings of the dispute cases each worker opened in the month.

    A case's rating lives only in its merged state (no ledger column, no time of its own),
    so it is read from the state of those cases: the workers' own cases of one month,
    which bounds the reading. A case counts in the month it was opened. The cases are
    found in `dispute_ledger` first and their states then read by id (in one join, the
    database may rather walk every record's state)."""
    author = workers.key(DisputeLedger.author_id)
    opened_by = {case_id: author_id for case_id, author_id in db.session.execute(
        select(DisputeLedger.id, DisputeLedger.author_id)
        .where(workers.holds(author), _within(DisputeLedger.opened_at, *_month_bounds(month))))}
    states = rows_where_in(RecordProjection.__table__, ("id", "state", "retracted"), "id",
                           list(opened_by))
    ratings: dict[str, tuple[int, int]] = {}
    for case_id, state, retracted in states:
        if retracted:
            continue
        author_id = opened_by[case_id]
        rating = _shown_value(orjson.loads(state), "rating")
        if isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5:
            total, count = ratings.get(author_id, (0, 0))
            ratings[author_id] = (total + rating, count + 1)
    return ratings


def _shown_value(state: dict[str, Any], field: str) -> Any:
    """What a record shows for `field`: read straight from a single plain version, through
    the merge rules (`RecordState.view`) only when there are several."""
    frontier = state.get("fields", {}).get(field)
    if not frontier:
        return None
    if len(frontier) == 1:
        (row,) = frontier.values()
        if len(row) == 1:
            return row[0]
    return RecordState(state).view()["values"].get(field)


def _assessments(worker_ids: Collection[str], month: Month) -> dict[str, Assessment]:
    rows = db.session.execute(
        select(MonthlyAssessment, Worker.name)
        .outerjoin(Worker, Worker.id == MonthlyAssessment.assessed_by)
        .where(MonthlyAssessment.worker_id.in_(list(worker_ids)),
               MonthlyAssessment.month == str(month)))
    return {row.worker_id: Assessment(row.score, row.comment, name or row.assessed_by,
                                      row.assessed_at)
            for row, name in rows}


# -- the diary summary ---------------------------------------------------------------------

@dataclass(frozen=True)
class DiaryVisit:
    """One visit in the worker's 民情日记月汇总."""

    record_id: str
    visited_at: datetime | None
    """In Beijing time."""
    household_id: str | None
    key_household: bool
    visit_kind: str | None
    request_count: int


@dataclass(frozen=True)
class Diary:
    visits: list[DiaryVisit]
    kinds: dict[str, int]
    """Visits by kind, most first."""


def month_diary(worker_id: str, month: Month) -> Diary:
    """The worker's visits of the month, oldest first (one worker's month: tens to a few
    hundred rows)."""
    rows = db.session.execute(
        select(VisitLedger.id, VisitLedger.visited_at, VisitLedger.household_id,
               Household.key_household, VisitLedger.visit_kind, VisitLedger.request_count)
        .join(RecordProjection, _live(VisitLedger))
        .outerjoin(Household, Household.id == VisitLedger.household_id)
        .where(VisitLedger.author_id == worker_id,
               _within(VisitLedger.visited_at, *_month_bounds(month))))
    visits = [DiaryVisit(record_id, _china_time(visited_at), household_id, bool(key),
                         kind, count or 0)
              for record_id, visited_at, household_id, key, kind, count in rows]
    visits.sort(key=lambda visit: (visit.visited_at is None, visit.visited_at or datetime.min,
                                   visit.record_id))
    kinds = Counter(visit.visit_kind for visit in visits if visit.visit_kind)
    return Diary(visits, dict(kinds.most_common()))


def _china_time(moment: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(moment).astimezone(CHINA) if moment else None
    except ValueError:
        return None


# -- the office's assessment ---------------------------------------------------------------

def save_assessment(area: OfficeArea, worker_id: str, month: Month, score: str,
                    comment: str, assessor_id: str, *, now: datetime | None = None
                    ) -> WorkerMonth | None:
    """Fill (or refill) a worker's month: one row per worker and month, recording who
    saved it last and when. None if the worker is not a grid worker of the area;
    `AssessmentRefused` for a score outside 0-100, an overlong comment, or a month not
    yet begun."""
    moment = now or datetime.now(CHINA)
    if month > this_month(moment):
        raise AssessmentRefused("future_month")
    try:
        points = int(score.strip())
    except ValueError:
        raise AssessmentRefused("bad_score") from None
    if points not in SCORE_RANGE:
        raise AssessmentRefused("bad_score")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise AssessmentRefused("comment_too_long")
    if db.session.execute(_grid_workers(area).where(Worker.id == worker_id)).first() is None:
        return None
    values = {"worker_id": worker_id, "month": str(month), "score": points,
              "comment": comment, "assessed_by": assessor_id,
              "assessed_at": int(moment.timestamp() * 1000)}
    dialect_insert = postgresql.insert if is_postgres() else sqlite.insert
    statement = dialect_insert(MonthlyAssessment).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["worker_id", "month"],
        set_={name: statement.excluded[name]
              for name in ("score", "comment", "assessed_by", "assessed_at")}))
    db.session.commit()
    return worker_month(area, worker_id, month)
