"""问题清单 rows (`request_ledger`): one per resident request, with its due date and 365 step.

First the reading of a visit (pure); then the projection on a real server, as tablets push
visits with requests and progress, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import RequestLedger
from server.services.request_ledger import (
    REQUEST_COLUMNS,
    marked_steps,
    request_rows,
    request_states,
)
from tests.server.conftest import flask_command
from tests.server.fleet import enrol_tablet, visit

VISITED_AT = "2026-11-26T09:30:00+08:00"


def request(request_id: str = "r1", problem_list: str = "fix_now", **more: Any
            ) -> dict[str, Any]:
    entry = {"id": request_id, "service_class": "living", "summary": "楼道灯不亮",
             "problem_list": problem_list, **more}
    if problem_list == "fix_by_deadline":
        entry.setdefault("due_date", "2026-12-10")
    if problem_list == "cannot_fix":
        entry.setdefault("explanation", "需业主大会表决，已向居民解释")
    return entry


def progress(step: str, at: str, request_id: str = "r1", **more: Any) -> dict[str, Any]:
    entry = {"id": f"p-{step}-{at}", "request_id": request_id, "step": step, "at": at,
             "by": "w-wangfang", **more}
    if step == "rated":
        entry.setdefault("rating", 5)
    return entry


def values(*requests: dict[str, Any], progress_entries: tuple = ()) -> dict[str, Any]:
    return {"visited_at": VISITED_AT, "worker_id": "w-wangfang", "requests": list(requests),
            "request_progress": list(progress_entries)}


def row(rows: list[tuple], column: str) -> Any:
    [only] = rows
    return only[REQUEST_COLUMNS.index(column)]


class TestReadingAVisit:
    def test_a_visit_without_requests_has_no_rows(self):
        assert request_rows("v1", "w-wangfang", values()) == []

    def test_each_request_gets_a_row_with_the_visits_time_and_worker(self):
        rows = request_rows("v1", "w-wangfang", values(request("r1"), request("r2")))
        assert [r[:4] for r in rows] == [("v1", "r1", "w-wangfang", VISITED_AT),
                                         ("v1", "r2", "w-wangfang", VISITED_AT)]

    def test_fix_now_is_due_the_day_after_the_visit(self):
        assert row(request_rows("v1", "w", values(request())), "due_date") == "2026-11-27"

    def test_fix_by_deadline_is_due_on_the_date_written_on_the_tablet(self):
        rows = request_rows("v1", "w", values(request(problem_list="fix_by_deadline",
                                                      due_date="2026-12-10")))
        assert row(rows, "due_date") == "2026-12-10"

    def test_cannot_fix_has_no_due_date(self):
        rows = request_rows("v1", "w", values(request(problem_list="cannot_fix")))
        assert row(rows, "due_date") is None

    def test_a_request_with_no_progress_is_in_the_ledger(self):
        rows = request_rows("v1", "w", values(request()))
        assert (row(rows, "step"), row(rows, "handled_at")) == ("in_ledger", None)

    def test_the_furthest_step_counts_whatever_order_the_entries_came_in(self):
        rows = request_rows("v1", "w", values(request(), progress_entries=(
            progress("reported_back", "2026-11-27T10:00:00+08:00"),
            progress("handled", "2026-11-26T15:00:00+08:00"))))
        assert row(rows, "step") == "reported_back"

    def test_handled_at_is_the_earliest_handled_entry_in_beijing_time(self):
        rows = request_rows("v1", "w", values(request(), progress_entries=(
            progress("handled", "2026-11-27T10:00:00+08:00"),
            progress("handled", "2026-11-26T22:00:00+00:00"))))  # 06:00 on the 27th
        assert row(rows, "handled_at") == "2026-11-27T06:00:00+08:00"

    def test_without_a_handled_entry_the_earliest_later_step_says_when_it_was_handled(self):
        rows = request_rows("v1", "w", values(request(), progress_entries=(
            progress("rated", "2026-11-29T10:00:00+08:00", rating=4),
            progress("reported_back", "2026-11-28T10:00:00+08:00"))))
        assert row(rows, "handled_at") == "2026-11-28T10:00:00+08:00"
        assert row(rows, "step") == "rated"

    def test_the_latest_rating_stands(self):
        rows = request_rows("v1", "w", values(request(), progress_entries=(
            progress("rated", "2026-11-29T10:00:00+08:00", rating=5),
            progress("rated", "2026-11-28T10:00:00+08:00", rating=2))))
        assert (row(rows, "rating"), row(rows, "rated_at")) == (
            5, "2026-11-29T10:00:00+08:00")

    def test_progress_on_another_request_is_not_counted(self):
        rows = request_rows("v1", "w", values(request("r1"), request("r2"), progress_entries=(
            progress("handled", "2026-11-26T15:00:00+08:00", request_id="r2"),)))
        assert [r[REQUEST_COLUMNS.index("step")] for r in rows] == ["in_ledger", "handled"]

    def test_a_request_id_seen_twice_counts_once(self):
        assert len(request_rows("v1", "w", values(request("r1"), request("r1")))) == 1

    def test_a_withdrawn_visit_keeps_no_rows(self):
        assert request_rows("v1", "w", values(request()), retracted=True) == []

    def test_progress_entries_are_kept_in_time_order(self):
        [state] = request_states(values(request(), progress_entries=(
            progress("reported_back", "2026-11-27T10:00:00+08:00"),
            progress("handled", "2026-11-26T15:00:00+08:00"))))
        assert [entry["step"] for entry in state.progress] == ["handled", "reported_back"]


def test_the_six_steps_are_marked_done_current_and_to_do():
    assert marked_steps("handled") == [
        ("analysed", "done"), ("in_ledger", "done"), ("handled", "current"),
        ("reported_back", "todo"), ("rated", "todo"), ("assessed", "todo")]


# --- on the server -------------------------------------------------------------------------


def ledger_rows(app: Flask) -> dict[tuple[str, str], RequestLedger]:
    with app.app_context():
        found = db.session.scalars(select(RequestLedger)).all()
        db.session.expunge_all()
        return {(found_row.visit_id, found_row.request_id): found_row for found_row in found}


def add_progress(tablet, visit_id: str, step: str, at: str, request_id: str = "r1",
                 **more: Any) -> None:
    entry = {"request_id": request_id, "step": step, "at": at, "by": tablet.worker_id, **more}
    tablet.writer.add(visit_id, "request_progress", entry)


@pytest.fixture
def wangfang(app, office_server):
    return enrol_tablet(app, office_server.url, "w-wangfang")


class TestProjection:
    def test_a_pushed_visit_gets_a_row_per_request(self, app, wangfang):
        visit_id = wangfang.writer.create("visit", {
            **visit(), "requests": [request("r1"), request("r2", "fix_by_deadline")]})
        assert wangfang.push().accepted == 1
        rows = ledger_rows(app)
        assert set(rows) == {(visit_id, "r1"), (visit_id, "r2")}
        first = rows[(visit_id, "r1")]
        assert (first.author_id, first.raised_at, first.service_class, first.problem_list,
                first.due_date, first.step) == (
            "w-wangfang", VISITED_AT, "living", "fix_now", "2026-11-27", "in_ledger")
        assert rows[(visit_id, "r2")].due_date == "2026-12-10"

    def test_visits_without_requests_write_no_rows(self, app, wangfang):
        wangfang.writer.create("visit", visit())
        assert wangfang.push().accepted == 1
        assert ledger_rows(app) == {}

    def test_progress_pushed_later_moves_the_request_on(self, app, wangfang):
        visit_id = wangfang.writer.create("visit", {**visit(), "requests": [request()]})
        wangfang.push()
        add_progress(wangfang, visit_id, "handled", "2026-11-26T16:00:00+08:00")
        wangfang.push()
        assert ledger_rows(app)[(visit_id, "r1")].step == "handled"
        add_progress(wangfang, visit_id, "reported_back", "2026-11-27T09:00:00+08:00")
        add_progress(wangfang, visit_id, "rated", "2026-11-27T09:05:00+08:00", rating=4)
        wangfang.push()
        rated = ledger_rows(app)[(visit_id, "r1")]
        assert (rated.step, rated.handled_at, rated.rated_at, rated.rating) == (
            "rated", "2026-11-26T16:00:00+08:00", "2026-11-27T09:05:00+08:00", 4)

    def test_a_request_added_later_gets_its_own_row(self, app, wangfang):
        visit_id = wangfang.writer.create("visit", {**visit(), "requests": [request("r1")]})
        wangfang.push()
        wangfang.writer.add(visit_id, "requests", request("r2", "cannot_fix"))
        wangfang.push()
        assert set(ledger_rows(app)) == {(visit_id, "r1"), (visit_id, "r2")}

    def test_progress_from_the_community_office_counts_too(self, app, office_server,
                                                           wangfang):
        visit_id = wangfang.writer.create("visit", {**visit(), "requests": [request()]})
        wangfang.push()
        office = enrol_tablet(app, office_server.url, "w-liuyang")
        office.pull()
        add_progress(office, visit_id, "reported_back", "2026-11-27T09:00:00+08:00")
        assert office.push().accepted == 1
        assert ledger_rows(app)[(visit_id, "r1")].step == "reported_back"

    def test_a_withdrawn_visit_leaves_the_list(self, app, wangfang):
        visit_id = wangfang.writer.create("visit", {**visit(), "requests": [request()]})
        wangfang.push()
        wangfang.writer.retract(visit_id, "重复登记")
        wangfang.push()
        assert ledger_rows(app) == {}

    def test_rebuilding_the_projections_rebuilds_the_list(self, app, server_env, wangfang):
        visit_id = wangfang.writer.create("visit", {**visit(), "requests": [request()]})
        wangfang.push()
        add_progress(wangfang, visit_id, "handled", "2026-11-26T16:00:00+08:00")
        wangfang.push()
        before = {key: (found.step, found.handled_at, found.due_date)
                  for key, found in ledger_rows(app).items()}
        with app.app_context():
            db.session.execute(RequestLedger.__table__.delete())
            db.session.commit()
        flask_command(server_env, "rebuild-projections")
        assert {key: (found.step, found.handled_at, found.due_date)
                for key, found in ledger_rows(app).items()} == before
        assert before[(visit_id, "r1")][0] == "handled"
