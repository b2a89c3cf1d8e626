"""The 今日 screen's model, read from a real replica written by a real RecordWriter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from field_app.services.due_visits import VisitRule
from field_app.services.today import Today, today_for
from sync.deadlines import CHINA
from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.writer import RecordWriter
from tests.sync.examples import dispute_example, screening_example, visit_example

GRID = "jinan-lixia-qianfoshan-03"
OTHER_GRID = "jinan-lixia-qianfoshan-04"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=CHINA)  # a Friday, ISO week 2026-W48


@pytest.fixture
def writer() -> RecordWriter:
    return RecordWriter(Replica(), "device-wangli", DeviceKey.generate(),
                        Author("worker-wangli", "grid_worker"))


def household(household_id: str, *, key: bool = False, grid: str = GRID,
              room: str = "402") -> dict[str, Any]:
    """A household as the pull's roster delivers it."""
    return {"id": household_id, "grid_id": grid, "building": "3号楼", "unit": "2单元",
            "room": room, "head_name": "张秀英", "phone": "13805311234", "id_number": "",
            "address": "", "key_household": key}


def roster(*households: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "grids": [{"id": GRID, "name": "三网格", "community_id": "c-1"}],
            "households": list(households), "workers": [], "patrol_teams": []}


def visit(writer: RecordWriter, household_id: str, visited_at: str,
          requests: list[dict[str, Any]] | None = None, grid: str = GRID) -> str:
    data = visit_example()
    data.update(household_id=household_id, visited_at=visited_at, grid_id=grid,
                requests=requests or [])
    return writer.create("visit", data)


def screening(writer: RecordWriter, week: str = "2026-W48", grid: str = GRID,
              scope: str = "weekly") -> str:
    data = screening_example()
    data.update(iso_week=week, grid_id=grid, scope=scope)
    return writer.create("screening", data)


def dispute(writer: RecordWriter, *, status: str = "mediating", grid: str = GRID,
            opened_at: str = "2026-11-20T10:00:00+08:00", due_date: str | None = None,
            deadline_kind: str | None = None) -> str:
    data = dispute_example()
    data.update(status=status, grid_id=grid, opened_at=opened_at)
    data.pop("due_date")
    if due_date is not None:
        data["due_date"] = due_date
    if deadline_kind is not None:
        data["deadline_kind"] = deadline_kind
    return writer.create("dispute", data)


def home(writer: RecordWriter, *households: dict[str, Any], now: datetime = NOW,
         **options: Any) -> Today:
    return today_for(writer.replica, GRID, roster(*households), now, **options)


def due_ids(today: Today) -> list[str]:
    return [v.household_id for v in today.due_visits]


# -- households due for a visit ---------------------------------------------------------


def test_a_household_never_visited_is_due(writer: RecordWriter) -> None:
    today = home(writer, household("hh-1"))

    (due,) = today.due_visits
    assert (due.household_id, due.last_visited, due.days_since) == ("hh-1", None, None)
    assert due.place == "3号楼2单元402"


def test_a_key_household_last_visited_a_week_ago_is_due(writer: RecordWriter) -> None:
    visit(writer, "hh-key", "2026-11-20T10:00:00+08:00")

    today = home(writer, household("hh-key", key=True))

    assert due_ids(today) == ["hh-key"]
    assert today.due_visits[0].days_since == 7


def test_a_key_household_visited_within_the_week_is_not_due(writer: RecordWriter) -> None:
    visit(writer, "hh-key", "2026-11-21T10:00:00+08:00")

    assert due_ids(home(writer, household("hh-key", key=True))) == []


def test_an_ordinary_household_is_due_once_a_month(writer: RecordWriter) -> None:
    visit(writer, "hh-recent", "2026-11-01T10:00:00+08:00")  # 26 days ago
    visit(writer, "hh-month", "2026-10-28T10:00:00+08:00")  # 30 days ago

    today = home(writer, household("hh-recent"), household("hh-month"))

    assert due_ids(today) == ["hh-month"]


def test_the_visit_intervals_can_be_set(writer: RecordWriter) -> None:
    visit(writer, "hh-1", "2026-11-24T10:00:00+08:00")

    today = home(writer, household("hh-1"), rule=VisitRule(household_days=3))

    assert due_ids(today) == ["hh-1"]


def test_visit_days_are_counted_on_the_beijing_calendar(writer: RecordWriter) -> None:
    visit(writer, "hh-key", "2026-11-20T23:30:00+08:00")  # 15:30 UTC on the 20th
    just_after_midnight_in_beijing = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)

    today = home(writer, household("hh-key", key=True), now=just_after_midnight_in_beijing)

    assert today.day.isoformat() == "2026-11-27"
    assert due_ids(today) == ["hh-key"]


def test_the_latest_visit_counts_whoever_made_it(writer: RecordWriter) -> None:
    colleague = RecordWriter(writer.replica, "device-office", DeviceKey.generate(),
                             Author("staff-li", "community_staff"))
    visit(writer, "hh-key", "2026-11-10T10:00:00+08:00")
    visit(colleague, "hh-key", "2026-11-25T10:00:00+08:00")

    assert due_ids(home(writer, household("hh-key", key=True))) == []


def test_a_retracted_visit_does_not_count(writer: RecordWriter) -> None:
    wrong = visit(writer, "hh-key", "2026-11-26T10:00:00+08:00")
    writer.retract(wrong, "录错了住户")

    assert due_ids(home(writer, household("hh-key", key=True))) == ["hh-key"]


def test_households_of_other_grids_are_not_listed(writer: RecordWriter) -> None:
    today = home(writer, household("hh-mine"), household("hh-theirs", grid=OTHER_GRID))

    assert due_ids(today) == ["hh-mine"]


def test_a_request_due_and_not_reported_back_makes_its_household_due(
        writer: RecordWriter) -> None:
    visit(writer, "hh-1", "2026-11-25T10:00:00+08:00", requests=[{
        "id": "req-1", "service_class": "living", "summary": "下水道返味",
        "problem_list": "fix_by_deadline", "due_date": "2026-11-27"}])

    (due,) = home(writer, household("hh-1")).due_visits

    assert due.requests_due == 1


def test_a_request_reported_back_no_longer_calls_for_a_visit(writer: RecordWriter) -> None:
    record = visit(writer, "hh-1", "2026-11-25T10:00:00+08:00", requests=[{
        "id": "req-1", "service_class": "living", "summary": "楼道灯不亮",
        "problem_list": "fix_now"}])
    writer.add(record, "request_progress", {"request_id": "req-1", "step": "reported_back",
                                            "at": "2026-11-26T16:00:00+08:00",
                                            "by": "worker-wangli"})

    assert due_ids(home(writer, household("hh-1"))) == []


def test_requests_due_come_first_then_key_households_then_the_longest_unvisited(
        writer: RecordWriter) -> None:
    visit(writer, "hh-old", "2026-09-01T10:00:00+08:00")
    visit(writer, "hh-older", "2026-08-01T10:00:00+08:00")
    visit(writer, "hh-request", "2026-11-26T10:00:00+08:00", requests=[{
        "id": "req-1", "service_class": "living", "summary": "楼道灯不亮",
        "problem_list": "fix_now"}])
    visit(writer, "hh-key", "2026-11-01T10:00:00+08:00")

    today = home(writer, household("hh-old"), household("hh-new"), household("hh-older"),
                 household("hh-key", key=True), household("hh-request"))

    assert due_ids(today) == ["hh-request", "hh-key", "hh-new", "hh-older", "hh-old"]


def test_without_a_roster_no_household_is_listed(writer: RecordWriter) -> None:
    visit(writer, "hh-1", "2026-10-01T10:00:00+08:00")

    today = today_for(writer.replica, GRID, None, NOW)

    assert (today.has_roster, today.due_visits) == (False, [])


# -- 一周一排查 ---------------------------------------------------------------------------


def test_this_weeks_screening_of_the_grid_marks_it_done(writer: RecordWriter) -> None:
    record = screening(writer)

    status = home(writer).screening

    assert (status.iso_week, status.done, status.record_id) == ("2026-W48", True, record)


def test_last_weeks_screening_leaves_this_week_to_do(writer: RecordWriter) -> None:
    screening(writer, week="2026-W47")

    assert home(writer).screening.done is False


def test_another_grids_screening_leaves_this_grid_to_do(writer: RecordWriter) -> None:
    screening(writer, grid=OTHER_GRID)

    assert home(writer).screening.done is False


def test_an_ad_hoc_screening_does_not_replace_the_weekly_one(writer: RecordWriter) -> None:
    screening(writer, scope="ad_hoc")

    assert home(writer).screening.done is False


def test_a_retracted_screening_leaves_the_week_to_do(writer: RecordWriter) -> None:
    writer.retract(screening(writer), "重复录入")

    assert home(writer).screening.done is False


def test_the_week_starts_on_monday_in_beijing(writer: RecordWriter) -> None:
    screening(writer, week="2026-W49")
    sunday_night_utc = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)  # Monday 00:30 in Beijing

    assert home(writer, now=sunday_night_utc).screening.done is True


# -- open dispute cases -------------------------------------------------------------------


def test_resolved_and_closed_cases_are_not_open(writer: RecordWriter) -> None:
    dispute(writer, status="resolved")
    dispute(writer, status="closed")
    open_case = dispute(writer, status="found")

    assert [c.record_id for c in home(writer).open_cases] == [open_case]


def test_a_referred_case_stays_open_until_closed(writer: RecordWriter) -> None:
    referred = dispute(writer, status="referred")

    assert [c.record_id for c in home(writer).open_cases] == [referred]


def test_cases_of_other_grids_are_not_listed(writer: RecordWriter) -> None:
    dispute(writer, grid=OTHER_GRID)

    assert home(writer).open_cases == []


def test_a_case_without_a_written_date_is_due_a_month_after_it_was_opened(
        writer: RecordWriter) -> None:
    dispute(writer, opened_at="2026-11-20T10:00:00+08:00")

    (case,) = home(writer).open_cases

    assert (case.due.isoformat(), case.days_left, case.overdue) == ("2026-12-20", 23, False)


def test_a_leaders_instruction_is_overdue_after_a_week(writer: RecordWriter) -> None:
    dispute(writer, opened_at="2026-11-19T10:00:00+08:00", deadline_kind="leader_instruction")

    (case,) = home(writer).open_cases

    assert (case.due.isoformat(), case.days_left, case.overdue) == ("2026-11-26", -1, True)


def test_a_case_due_today_is_not_yet_overdue(writer: RecordWriter) -> None:
    dispute(writer, due_date="2026-11-27")

    (case,) = home(writer).open_cases

    assert (case.days_left, case.overdue) == (0, False)


def test_overdue_cases_come_first_then_by_due_date(writer: RecordWriter) -> None:
    later = dispute(writer, due_date="2026-12-20")
    sooner = dispute(writer, due_date="2026-12-01")
    late = dispute(writer, due_date="2026-11-25")
    latest = dispute(writer, due_date="2026-11-10")

    order = [c.record_id for c in home(writer).open_cases]

    assert order == [latest, late, sooner, later]


def test_a_case_with_an_open_conflict_needs_a_decision(writer: RecordWriter) -> None:
    mediator = RecordWriter(Replica(), "device-mediator", DeviceKey.generate(),
                            Author("mediator-zhaomin", "mediator"))
    case = dispute(writer)
    mediator.receive(list(writer.replica.ops_since(0)[0]))
    writer.update(case, {"risk_colour": "red"})
    mediator.update(case, {"risk_colour": "green"})
    writer.receive(list(mediator.replica.ops_since(0)[0]))

    (shown,) = home(writer).open_cases

    assert shown.needs_decision is True


# -- sync status ------------------------------------------------------------------------


def test_unsynced_count_and_last_sync_are_shown_as_given(writer: RecordWriter) -> None:
    synced = datetime(2026, 11, 27, 7, 45, tzinfo=CHINA)

    today = home(writer, unsynced=3, last_synced_at=synced)

    assert (today.unsynced, today.last_synced_at) == (3, synced)
