"""问题清单 (/office/ledgers/requests) and each request's 365 state on the 民情台账 and on its
visit's record page: filters, lateness, steps, pages and scope. Real server, real HTTP
session, SQLite and PostgreSQL; dates relative to today, as lateness is judged by it."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from server.extensions import db
from server.models import MonthlyAssessment
from server.services.office_ledgers import PAGE_SIZE
from sync.deadlines import CHINA
from tests.server.fleet import enrol_tablet, visit
from tests.server.test_office_ledgers import signed_in

NOW = datetime.now(CHINA).replace(microsecond=0)


def days_ago(days: int, hour: int = 9) -> str:
    return (NOW - timedelta(days=days)).replace(hour=hour, minute=30, second=0).isoformat()


def request(request_id: str, problem_list: str = "fix_now", service_class: str = "living",
            summary: str = "楼道灯不亮", **more: Any) -> dict[str, Any]:
    entry = {"id": request_id, "service_class": service_class, "summary": summary,
             "problem_list": problem_list, **more}
    if problem_list == "cannot_fix":
        entry.setdefault("explanation", "需业主大会表决，已向居民解释")
    return entry


def handled(tablet, visit_id: str, request_id: str, at: str, step: str = "handled",
            **more: Any) -> None:
    tablet.writer.add(visit_id, "request_progress", {
        "request_id": request_id, "step": step, "at": at, "by": tablet.worker_id, **more})


def requests_listed(page: str) -> list[str]:
    return re.findall(r'<tr data-request="([^"]+)"', page)


def late_listed(page: str) -> list[str]:
    return re.findall(r'<tr data-request="([^"]+)"[^>]*data-late="yes"', page)


@pytest.fixture
def raised(app, office_server) -> dict[str, Any]:
    """王芳 (燕子山, g-yzs-03) raised four requests; 郑伟 (佛山苑) one.

    - ``late``: 即知即改 five days ago, never handled;
    - ``handled_late``: 即知即改 five days ago, handled two days ago;
    - ``on_time``: 即知即改 five days ago, handled that day, reported back and rated;
    - ``deadline``: 限时整改 today (法律服务), due in ten days;
    - ``fsy``: 郑伟's, in 佛山苑."""
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    earlier = wangfang.writer.create("visit", {
        **visit(number=1), "visited_at": days_ago(5),
        "requests": [request("late", summary="路灯坏了"),
                     request("handled_late", summary="井盖松动"),
                     request("on_time", summary="楼道堆物")]})
    today = wangfang.writer.create("visit", {
        **visit(number=2), "visited_at": days_ago(0, hour=0),
        "requests": [request("deadline", "fix_by_deadline", "legal", summary="咨询继承纠纷",
                             due_date=(NOW + timedelta(days=10)).date().isoformat())]})
    assert wangfang.push().accepted == 2
    handled(wangfang, earlier, "handled_late", days_ago(2))
    handled(wangfang, earlier, "on_time", days_ago(5, hour=15))
    handled(wangfang, earlier, "on_time", days_ago(4), step="reported_back")
    handled(wangfang, earlier, "on_time", days_ago(4, hour=10), step="rated", rating=5)
    assert wangfang.push().accepted == 4
    zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
    fsy = zhengwei.writer.create("visit", {
        **visit("g-fsy-03"), "worker_id": "w-zhengwei", "visited_at": days_ago(1),
        "requests": [request("fsy", summary="小区门禁故障")]})
    assert zhengwei.push().accepted == 1
    return {"earlier": earlier, "today": today, "fsy": fsy, "wangfang": wangfang}


class TestRequestList:
    def test_community_staff_see_their_communitys_requests_newest_first(self, office_server,
                                                                        raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        assert requests_listed(page)[0] == "deadline"
        assert sorted(requests_listed(page)) == ["deadline", "handled_late", "late", "on_time"]

    def test_a_request_shows_its_content_lists_and_due_date_in_chinese(self, office_server,
                                                                        raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        assert "咨询继承纠纷" in page and "法律服务" in page and "限时整改" in page
        assert "即知即改" in page and "生活服务" in page and "王芳" in page
        due = (NOW - timedelta(days=4)).date().isoformat()  # 即知即改: the day after
        assert due in page

    def test_late_requests_are_marked(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        assert sorted(late_listed(page)) == ["handled_late", "late"]
        assert "逾期" in page

    def test_late_only_keeps_the_late_ones_handled_or_not(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get(
            "/office/ledgers/requests?late=1").text
        assert sorted(requests_listed(page)) == ["handled_late", "late"]

    def test_each_request_shows_its_365_step_in_chinese(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        steps = dict(re.findall(r'<tr data-request="([^"]+)"[^>]*data-step="([^"]+)"', page))
        assert steps == {"late": "in_ledger", "handled_late": "handled", "on_time": "rated",
                         "deadline": "in_ledger"}
        assert "建立台账" in page and "群众评议" in page and "5分" in page
        assert "分析民情" in page and "动态考核" in page  # the six steps, all named

    def test_an_assessed_month_takes_its_requests_to_the_last_step(self, app, office_server,
                                                                   raised):
        month = datetime.fromisoformat(days_ago(5)).strftime("%Y-%m")
        with app.app_context():
            db.session.add(MonthlyAssessment(worker_id="w-wangfang", month=month, score=90,
                                             comment="", assessed_by="w-liuyang",
                                             assessed_at=int(time.time() * 1000)))
            db.session.commit()
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        steps = dict(re.findall(r'<tr data-request="([^"]+)"[^>]*data-step="([^"]+)"', page))
        assert steps["on_time"] == "assessed" and steps["late"] == "assessed"

    def test_filtering_by_problem_list_and_service_class(self, office_server, raised):
        browser = signed_in(office_server, "w-liuyang")
        assert requests_listed(browser.get(
            "/office/ledgers/requests?list=fix_by_deadline").text) == ["deadline"]
        assert requests_listed(browser.get(
            "/office/ledgers/requests?service=legal").text) == ["deadline"]

    def test_filtering_by_the_day_raised(self, office_server, raised):
        day = (NOW - timedelta(days=5)).date().isoformat()
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/ledgers/requests?from={day}&to={day}").text
        assert sorted(requests_listed(page)) == ["handled_late", "late", "on_time"]

    def test_filtering_by_grid_and_worker(self, office_server, raised):
        browser = signed_in(office_server, "w-gaoping")
        assert requests_listed(browser.get(
            "/office/ledgers/requests?grid=g-fsy-03").text) == ["fsy"]
        assert len(requests_listed(browser.get(
            "/office/ledgers/requests?worker=w-wangfang").text)) == 4

    def test_each_request_links_to_its_visits_record_page(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests").text
        assert f'href="/office/records/{raised["today"]}"' in page

    def test_street_staff_see_every_community(self, office_server, raised):
        page = signed_in(office_server, "w-gaoping").get("/office/ledgers/requests").text
        assert len(requests_listed(page)) == 5

    def test_another_communitys_request_is_not_listed(self, office_server, raised):
        browser = signed_in(office_server, "w-liuyang")
        assert "fsy" not in requests_listed(browser.get("/office/ledgers/requests").text)
        page = browser.get("/office/ledgers/requests?grid=g-fsy-03").text
        assert requests_listed(page) == []
        assert "没有符合条件的诉求" in page

    def test_another_communitys_request_is_not_found_by_its_url(self, office_server, raised):
        answer = signed_in(office_server, "w-liuyang").get(f"/office/records/{raised['fsy']}")
        assert answer.status_code == 404
        assert "不在您负责的范围内" in answer.text

    def test_a_bad_date_is_answered_in_chinese(self, office_server, raised):
        answer = signed_in(office_server, "w-liuyang").get(
            "/office/ledgers/requests?from=2026-13-45")
        assert answer.status_code == 400
        assert "“2026-13-45”不是有效日期" in answer.text

    def test_a_bad_page_number_is_answered_in_chinese(self, office_server, raised):
        answer = signed_in(office_server, "w-liuyang").get("/office/ledgers/requests?page=x")
        assert answer.status_code == 400
        assert "请求无效" in answer.text

    def test_pages_hold_a_fixed_number_of_requests(self, app, office_server):
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        tablet.writer.create("visit", {**visit(), "requests": [
            request(f"r{number:03d}") for number in range(PAGE_SIZE + 5)]})
        assert tablet.push().accepted == 1
        browser = signed_in(office_server, "w-liuyang")
        first = browser.get("/office/ledgers/requests").text
        second = browser.get("/office/ledgers/requests?page=2").text
        assert (len(requests_listed(first)), len(requests_listed(second))) == (PAGE_SIZE, 5)
        assert f"第1页，共2页（{PAGE_SIZE + 5}条）" in first
        assert set(requests_listed(first)).isdisjoint(requests_listed(second))


class TestRequestsOnTheirVisit:
    def test_the_record_page_shows_each_requests_six_steps_with_the_current_one(
            self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{raised['earlier']}").text
        section = page[page.index('data-request="handled_late"'):]
        section = section[:section.index("</section>")]
        assert re.findall(r'data-step="(\w+)" aria-current="step"', section) == ["handled"]
        assert [name for name in ("分析民情", "建立台账", "及时办理", "反馈结果", "群众评议",
                                  "动态考核") if name in section] == [
            "分析民情", "建立台账", "及时办理", "反馈结果", "群众评议", "动态考核"]
        assert "逾期" in section

    def test_the_record_page_lists_a_requests_progress_entries_in_time_order(
            self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{raised['earlier']}").text
        section = page[page.index('data-request="on_time"'):]
        section = section[:section.index("</section>")]
        assert re.findall(r'data-progress="(\w+)"', section) == [
            "handled", "reported_back", "rated"]
        assert "王芳" in section and "5分" in section
        assert days_ago(5, hour=15)[:16].replace("T", " ") in section

    def test_a_request_with_no_progress_says_so(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{raised['today']}").text
        assert "尚未记录办理进展" in page
        assert re.findall(r'data-step="(\w+)" aria-current="step"', page) == ["in_ledger"]

    def test_the_visit_ledger_shows_each_requests_step(self, office_server, raised):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/visits").text
        row = page[page.index(f'data-record="{raised["earlier"]}"'):]
        row = row[:row.index("</tr>")]
        assert sorted(re.findall(r'class="request-mark" data-step="(\w+)"', row)) == [
            "handled", "in_ledger", "rated"]
        assert "即知即改：群众评议" in row and "逾期" in row
