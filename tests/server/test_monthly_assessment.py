"""网格员绩效月考核 in the office's pages: each figure from the ledgers, the office's score,
who may fill it, scope, bad input and the printable page. Real tablets push the fleet's
work to a real server; the office reads it over HTTP, on SQLite and PostgreSQL.

The fleet works last month (relative to the real date, so every week of it is over) and
the month before; a few things happen this month.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest

from server.models import MonthlyAssessment
from server.services.monthly_assessment import (
    Month,
    WorkerMonth,
    assessment_rows,
    china_today,
    this_month,
)
from server.services.office_login import set_password
from server.services.office_scope import OfficeArea
from tests.server.fleet import OFFICE_PASSWORD, dispute, enrol_tablet, visit
from tests.server.test_office_login import OfficeBrowser, csrf_token

THIS_MONTH = this_month()
LAST_MONTH = THIS_MONTH.previous
WEEKS = LAST_MONTH.weeks()


def day(n: int, month: Month = LAST_MONTH) -> date:
    """The n-th day of `month` (0 is the day before it begins)."""
    return month.first_day + timedelta(days=n - 1)


def last_day(month: Month = LAST_MONTH) -> date:
    return month.next.first_day - timedelta(days=1)


def at(when: date, clock: str = "09:30:00+08:00") -> str:
    return f"{when.isoformat()}T{clock}"


def signed_in(server, worker_id: str) -> OfficeBrowser:
    browser = OfficeBrowser(server.url)
    browser.sign_in(worker_id)
    return browser


def worker_figures(page: str) -> dict[str, str]:
    """The figures a page shows (`data-figure` cells), as text."""
    return {name: html.unescape(re.sub(r"<[^>]+>", "", value)).strip()
            for name, value in re.findall(r'data-figure="([^"]+)">(.*?)</(?:td|th|p)>', page, re.S)}


def row_figures(page: str, worker_id: str) -> dict[str, str]:
    """One worker's figures in the month list."""
    row = re.search(rf'<tr data-worker="{worker_id}">(.*?)</tr>', page, re.S)
    assert row, f"{worker_id} is not listed"
    return worker_figures(row.group(1))


def listed_workers(page: str) -> list[str]:
    return re.findall(r'<tr data-worker="([^"]+)"', page)


def worker_page(server, worker_id: str = "w-wangfang", month: Month = LAST_MONTH,
                as_worker: str = "w-liuyang"):
    return signed_in(server, as_worker).get(f"/office/assessment/{worker_id}?month={month}")


def fill(browser: OfficeBrowser, worker_id: str, month: Month, score: str, comment: str = "",
         *, form_from: str = "w-wangfang"):
    """Send the assessment form (with the token of `form_from`'s page, which the user can
    open) for `worker_id`'s month."""
    page = browser.get(f"/office/assessment/{form_from}?month={LAST_MONTH}")
    return browser.post_form(f"/office/assessment/{worker_id}",
                             {"month": str(month), "score": score, "comment": comment,
                              "csrf_token": csrf_token(page.text)}, token=False)


def household_visit(household: str, visited_at: str, kind: str = "routine", **more):
    return {**visit(), "household_id": household, "visit_kind": kind, "visited_at": visited_at,
            **more}


def screening(iso_week: str, screened_at: str, scope: str = "weekly",
              grid_id: str = "g-yzs-03", worker_id: str = "w-wangfang"):
    return {"schema_version": 1, "grid_id": grid_id, "iso_week": iso_week, "scope": scope,
            "screened_at": screened_at, "worker_id": worker_id, "screened_areas": ["1号楼"],
            "nothing_found": True, "case_ids": []}


@pytest.fixture
def visits(app, office_server):
    """王芳 (g-yzs-03) last month: 5 visits to 4 households, one of them a 重点户 on the
    roster (h-yzs-03-03; h-yzs-03-05 is visited as 重点走访 but is not one), one at 01:30
    on the 1st Beijing time written in UTC; besides, a visit written at 12:00 on the last
    day at UTC-5 (01:00 Beijing the next day), a retracted visit to the other 重点户 and a
    visit the month before, none of which count."""
    tablet = enrol_tablet(app, office_server.url, "w-wangfang")
    create = tablet.writer.create
    create("visit", household_visit("h-yzs-03-01", at(day(3))))
    create("visit", household_visit("h-yzs-03-01", at(day(4))))
    create("visit", household_visit("h-yzs-03-03", at(day(5))))
    create("visit", household_visit("h-yzs-03-05", at(day(6)), kind="key_household"))
    create("visit", household_visit("h-yzs-03-02", at(day(0), "17:30:00Z")))
    create("visit", household_visit("h-yzs-03-04", at(last_day(), "12:00:00-05:00")))
    withdrawn = create("visit", household_visit("h-yzs-03-06", at(day(7))))
    tablet.writer.retract(withdrawn, "记错了住户")
    create("visit", household_visit("h-yzs-03-07", at(day(10, LAST_MONTH.previous))))
    report = tablet.push()
    assert report.accepted == 9, report.quarantined
    return tablet


class TestVisitFigures:
    def test_visits_count_by_the_beijing_month_whatever_offset_they_were_written_in(
            self, office_server, visits):
        assert worker_figures(worker_page(office_server).text)["visits"] == "5"

    def test_households_covered_count_each_household_once(self, office_server, visits):
        assert worker_figures(worker_page(office_server).text)["households"] == "4"

    def test_key_households_are_the_rosters_key_households_visited(self, office_server,
                                                                   visits):
        # h-yzs-03-03 visited on a routine call; the roster's other 重点户 only in a
        # retracted visit; h-yzs-03-05's 重点走访 is not to a 重点户
        assert worker_figures(worker_page(office_server).text)["key_households"] == "1/2户"

    def test_the_month_before_has_its_own_visit(self, office_server, visits):
        figures = worker_figures(worker_page(office_server, month=LAST_MONTH.previous).text)
        assert (figures["visits"], figures["households"]) == ("1", "1")

    def test_the_diary_summary_lists_the_months_visits_with_links_to_their_records(
            self, office_server, visits):
        page = worker_page(office_server).text
        records = re.findall(r'<tr data-record="([^"]+)"', page)
        assert len(records) == 5
        for record_id in records:
            assert f'href="/office/records/{record_id}"' in page
        assert f"{day(1).isoformat()} 01:30" in page  # the UTC visit, in Beijing time
        assert "重点走访 1" in page and "日常走访 4" in page
        assert "h-yzs-03-03（重点户）" in page

    def test_the_month_list_shows_every_grid_worker_of_the_community(self, office_server,
                                                                     visits):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/assessment?month={LAST_MONTH}").text
        assert listed_workers(page) == ["w-sunli", "w-wangfang", "w-zhaolei"]
        assert row_figures(page, "w-wangfang")["visits"] == "5"
        assert row_figures(page, "w-zhaolei")["visits"] == "0"

    def test_street_staff_see_the_grid_workers_of_every_community(self, office_server,
                                                                 visits):
        page = signed_in(office_server, "w-gaoping").get(
            f"/office/assessment?month={LAST_MONTH}").text
        assert len(listed_workers(page)) == 6

    def test_the_export_reads_the_same_rows(self, app, office_server, visits):
        with app.app_context():
            rows = assessment_rows(OfficeArea("community", "c-yanzishan"), LAST_MONTH)
        wangfang = next(row for row in rows if row.worker_id == "w-wangfang")
        assert isinstance(wangfang, WorkerMonth)
        assert (wangfang.visits, wangfang.households, wangfang.key_households_visited,
                wangfang.key_households, wangfang.grid_name) == (5, 4, 1, 2, "燕子山路3号院")


class TestScreenings:
    def test_a_week_counts_when_its_weekly_screening_was_done_within_it(self, app,
                                                                      office_server):
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        create = tablet.writer.create
        create("screening", screening(WEEKS[1].label, at(WEEKS[1].monday + timedelta(2))))
        # done, but only the week after
        create("screening", screening(WEEKS[2].label, at(WEEKS[3].monday + timedelta(1))))
        # an ad hoc screening is not the weekly one
        create("screening", screening(WEEKS[3].label, at(WEEKS[3].monday + timedelta(2)),
                                      scope="ad_hoc"))
        assert tablet.push().accepted == 3
        weeks_over = sum(1 for week in WEEKS if week.over_by(china_today()))
        assert worker_figures(worker_page(office_server).text)["screenings"] == \
            f"1/{weeks_over}周"

    def test_another_grids_screening_does_not_count(self, app, office_server):
        tablet = enrol_tablet(app, office_server.url, "w-zhaolei")
        tablet.writer.create("screening", screening(
            WEEKS[1].label, at(WEEKS[1].monday), grid_id="g-yzs-01", worker_id="w-zhaolei"))
        assert tablet.push().accepted == 1
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/assessment?month={LAST_MONTH}").text
        assert row_figures(page, "w-zhaolei")["screenings"].startswith("1/")
        assert row_figures(page, "w-wangfang")["screenings"].startswith("0/")

    def test_the_week_under_way_counts_once_it_is_screened(self, app, office_server):
        today = china_today()
        this_week = today - timedelta(days=today.weekday())
        weeks = THIS_MONTH.weeks()
        over = sum(1 for week in weeks if week.over_by(today))
        before = worker_figures(worker_page(office_server, month=THIS_MONTH).text)
        assert before["screenings"] == (f"0/{over}周" if over else "—")
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        label = next(week.label for week in weeks if week.monday == this_week)
        tablet.writer.create("screening", screening(label, datetime.now().astimezone()
                                                    .isoformat(timespec="seconds")))
        assert tablet.push().accepted == 1
        after = worker_figures(worker_page(office_server, month=THIS_MONTH).text)
        assert after["screenings"] == f"1/{over + 1}周"


class TestAssessing:
    def test_community_staff_fill_the_assessment_and_see_who_filled_it(self, office_server):
        browser = signed_in(office_server, "w-liuyang")
        answer = fill(browser, "w-wangfang", LAST_MONTH, "88", "走访扎实，重点户全覆盖")
        assert answer.status_code == 200
        assert f"已保存王芳{LAST_MONTH}的考核" in answer.text
        figures = worker_figures(answer.text)
        assert figures["score"] == "88"
        assert figures["comment"] == "走访扎实，重点户全覆盖"
        assert figures["assessed"].startswith("刘洋，")

    def test_filling_again_updates_the_one_assessment_of_the_month(self, app, office_server):
        fill(signed_in(office_server, "w-liuyang"), "w-wangfang", LAST_MONTH, "70", "一般")
        answer = fill(signed_in(office_server, "w-gaoping"), "w-wangfang", LAST_MONTH, "92")
        figures = worker_figures(answer.text)
        assert (figures["score"], figures["comment"]) == ("92", "—")
        assert figures["assessed"].startswith("高平，")
        with app.app_context():
            from server.extensions import db
            assert db.session.query(MonthlyAssessment).count() == 1
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/assessment?month={LAST_MONTH}").text
        assert row_figures(page, "w-wangfang")["score"] == "92"
        assert row_figures(page, "w-zhaolei")["score"] == "未考核"

    def test_a_mediator_reads_the_figures_but_cannot_fill_them(self, app, office_server):
        with app.app_context():
            set_password("w-liming", OFFICE_PASSWORD)
        browser = signed_in(office_server, "w-liming")
        page = browser.get(f"/office/assessment/w-wangfang?month={LAST_MONTH}")
        assert page.status_code == 200
        assert 'name="score"' not in page.text
        answer = fill(browser, "w-wangfang", LAST_MONTH, "100")
        assert answer.status_code == 403
        assert "您无权查看这一页" in answer.text

    def test_a_score_outside_0_to_100_is_refused_in_chinese(self, office_server):
        answer = fill(signed_in(office_server, "w-liuyang"), "w-wangfang", LAST_MONTH, "101")
        assert answer.status_code == 400
        assert "考核得分须为0到100之间的整数" in answer.text
        assert worker_figures(answer.text)["score"] == "未考核"

    def test_a_month_not_yet_begun_cannot_be_assessed(self, office_server):
        answer = fill(signed_in(office_server, "w-liuyang"), "w-wangfang", THIS_MONTH.next,
                      "90")
        assert answer.status_code == 400
        assert "这个月还没有开始" in answer.text


class TestScope:
    def test_a_worker_of_another_community_is_not_found_by_url(self, office_server):
        answer = worker_page(office_server, "w-zhengwei")
        assert answer.status_code == 404
        assert "不在您负责的范围内" in answer.text

    def test_a_worker_of_another_community_cannot_be_assessed_by_url(self, app,
                                                                     office_server):
        answer = fill(signed_in(office_server, "w-liuyang"), "w-zhengwei", LAST_MONTH, "80")
        assert answer.status_code == 404
        with app.app_context():
            from server.extensions import db
            assert db.session.query(MonthlyAssessment).count() == 0

    def test_someone_who_is_not_a_grid_worker_has_no_assessment(self, office_server):
        assert worker_page(office_server, "w-liming").status_code == 404


class TestMonths:
    def test_the_list_opens_on_this_month(self, office_server):
        page = signed_in(office_server, "w-liuyang").get("/office/assessment").text
        assert f"{THIS_MONTH.year}年{THIS_MONTH.month}月" in page
        assert f'value="{THIS_MONTH}"' in page

    @pytest.mark.parametrize("month", ["2026-13", "2026-1", "last", "1999-12"])
    def test_a_bad_month_is_a_clear_400(self, office_server, month):
        answer = signed_in(office_server, "w-liuyang").get(f"/office/assessment?month={month}")
        assert answer.status_code == 400
        assert "月份格式不正确" in answer.text

    def test_a_bad_month_on_a_workers_page_is_a_clear_400(self, office_server):
        answer = worker_page(office_server, month="2026-00")  # type: ignore[arg-type]
        assert answer.status_code == 400
        assert "月份格式不正确" in answer.text


class TestPrintablePage:
    def test_the_workers_page_prints_without_menus_or_forms(self, office_server):
        page = worker_page(office_server).text
        style = re.search(r"@media print\s*{(.*?)}\s*</style>", page, re.S)
        assert style and "header, nav, form" in style.group(1)
        assert "display: none" in style.group(1)
        assert "网格员：王芳　网格：燕子山路3号院" in page


@pytest.fixture
def requests_made(app, office_server):
    """王芳's requests raised last month: one 限时整改 handled the day before its due date,
    one handled two days late, one 即知即改 (due the next day) never handled, one 无法整改
    (no due date); and one raised this month, due next month, not yet handled. One request
    rated 4 last month, and a case opened last month rated 5."""
    tablet = enrol_tablet(app, office_server.url, "w-wangfang")
    due = day(10).isoformat()
    requests = [
        {"id": "r-on-time", "service_class": "living", "summary": "楼道灯不亮",
         "problem_list": "fix_by_deadline", "due_date": due},
        {"id": "r-late", "service_class": "living", "summary": "下水道堵塞",
         "problem_list": "fix_by_deadline", "due_date": due},
        {"id": "r-forgotten", "service_class": "government", "summary": "咨询低保政策",
         "problem_list": "fix_now"},
        {"id": "r-cannot", "service_class": "living", "summary": "要求加装电梯",
         "problem_list": "cannot_fix", "explanation": "楼体结构不允许，已向住户解释"},
    ]
    visit_id = tablet.writer.create("visit", household_visit(
        "h-yzs-03-01", at(day(2)), requests=requests))
    for request_id, when in (("r-on-time", day(9)), ("r-late", day(12))):
        tablet.writer.add(visit_id, "request_progress", {
            "request_id": request_id, "step": "handled", "at": at(when, "16:00:00+08:00"),
            "by": "w-wangfang"})
    tablet.writer.add(visit_id, "request_progress", {
        "request_id": "r-on-time", "step": "rated", "at": at(day(11)), "by": "w-wangfang",
        "rating": 4})
    upcoming = THIS_MONTH.next.first_day + timedelta(days=5)
    tablet.writer.create("visit", household_visit("h-yzs-03-02", at(day(1, THIS_MONTH)),
                                                  requests=[{
        "id": "r-upcoming", "service_class": "living", "summary": "修补路面",
        "problem_list": "fix_by_deadline", "due_date": upcoming.isoformat()}]))
    case_id = tablet.writer.create("dispute", dispute(opened_at=at(day(8))))
    tablet.writer.update(case_id, {"rating": 5})
    old_case = tablet.writer.create("dispute", dispute(opened_at=at(day(8, LAST_MONTH.previous))))
    tablet.writer.update(old_case, {"rating": 1})
    report = tablet.push()
    assert not report.quarantined, report.quarantined
    return tablet


class TestRequestsAndRatings:
    def test_requests_closed_on_time_of_those_due(self, office_server, requests_made):
        # on time 1; late 2 (handled after the due date, and never handled); 无法整改 not due
        assert worker_figures(worker_page(office_server).text)["requests"] == "1/3件"

    def test_a_request_still_within_its_time_is_not_judged_yet(self, office_server,
                                                              requests_made):
        page = worker_page(office_server, month=THIS_MONTH).text
        assert worker_figures(page)["requests"] == "—"

    def test_the_average_rating_joins_requests_rated_and_cases_opened_in_the_month(
            self, office_server, requests_made):
        figures = worker_figures(worker_page(office_server).text)
        assert figures["rating"] == "4.5 （2次评价）"

    def test_a_month_with_no_rating_shows_a_dash(self, office_server, requests_made):
        page = worker_page(office_server, month=THIS_MONTH).text
        assert worker_figures(page)["rating"] == "—"

    def test_the_month_list_shows_the_same_request_and_rating_figures(self, office_server,
                                                                     requests_made):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/assessment?month={LAST_MONTH}").text
        figures = row_figures(page, "w-wangfang")
        assert (figures["requests"], figures["rating"]) == ("1/3件", "4.5")
