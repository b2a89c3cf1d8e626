"""民情台账 and a record's history in the office's pages: filters, pages, scope, masking.
Real server, real HTTP session, SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from server.services.office_ledgers import PAGE_SIZE
from tests.server.fleet import dispute, enrol_tablet, visit
from tests.server.test_office_login import OfficeBrowser


@pytest.fixture
def visits(app, office_server):
    """王芳 (燕子山, g-yzs-03) visited on two days; 郑伟 (佛山苑, g-fsy-03) once."""
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    for number in range(1, 4):
        wangfang.writer.create("visit", {**visit(number=number),
                                         "visited_at": f"2026-11-2{number}T09:30:00+08:00"})
    assert wangfang.push().accepted == 3
    zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
    zhengwei.writer.create("visit", {**visit("g-fsy-03"), "worker_id": "w-zhengwei"})
    assert zhengwei.push().accepted == 1
    return {"wangfang": wangfang, "zhengwei": zhengwei}


def records_listed(page: str) -> list[str]:
    return re.findall(r'data-record="([^"]+)"', page)


def signed_in(server, worker_id: str) -> OfficeBrowser:
    browser = OfficeBrowser(server.url)
    browser.sign_in(worker_id)
    return browser


class TestVisitLedger:
    def test_community_staff_see_their_communitys_visits_newest_first(self, office_server,
                                                                      visits):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/visits").text
        assert len(records_listed(page)) == 3
        assert page.index("2026-11-23 09:30") < page.index("2026-11-21 09:30")
        assert "日常走访" in page

    def test_street_staff_see_the_whole_street(self, office_server, visits):
        page = signed_in(office_server, "w-gaoping").get("/office/ledgers/visits").text
        assert len(records_listed(page)) == 4

    def test_filtering_by_date_keeps_those_days(self, office_server, visits):
        page = signed_in(office_server, "w-liuyang").get(
            "/office/ledgers/visits?from=2026-11-22&to=2026-11-22").text
        assert len(records_listed(page)) == 1
        assert "2026-11-22 09:30" in page

    def test_filtering_by_grid_and_worker(self, office_server, visits):
        browser = signed_in(office_server, "w-gaoping")
        assert len(records_listed(browser.get(
            "/office/ledgers/visits?grid=g-fsy-03").text)) == 1
        assert len(records_listed(browser.get(
            "/office/ledgers/visits?worker=w-wangfang").text)) == 3

    def test_a_grid_outside_the_area_shows_nothing(self, office_server, visits):
        page = signed_in(office_server, "w-liuyang").get(
            "/office/ledgers/visits?grid=g-fsy-03").text
        assert records_listed(page) == []
        assert "没有符合条件的走访记录" in page

    def test_pages_hold_a_fixed_number_of_visits(self, app, office_server):
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        for number in range(PAGE_SIZE + 5):
            tablet.writer.create("visit", visit(number=number))
        tablet.push()
        browser = signed_in(office_server, "w-liuyang")
        first = browser.get("/office/ledgers/visits").text
        second = browser.get("/office/ledgers/visits?page=2").text
        assert (len(records_listed(first)), len(records_listed(second))) == (PAGE_SIZE, 5)
        assert f"第1页，共2页（{PAGE_SIZE + 5}条）" in first
        assert set(records_listed(first)).isdisjoint(records_listed(second))


class TestRecordPage:
    def test_a_record_shows_its_values_and_every_ledger_entry(self, office_server, visits):
        [record_id, *_] = records_listed(
            signed_in(office_server, "w-liuyang").get("/office/ledgers/visits").text)
        page = signed_in(office_server, "w-liuyang").get(f"/office/records/{record_id}").text
        assert "住户编号" in page  # fields by their Chinese labels
        assert "张秀英" in page  # Chinese shown as Chinese, not \\u escapes
        assert re.search(r'data-position="\d+"', page)
        assert "王芳" in page and "登记" in page and "已接收" in page

    def test_a_record_outside_the_area_is_not_found(self, office_server, visits):
        browser = signed_in(office_server, "w-gaoping")
        fsy_record = records_listed(browser.get("/office/ledgers/visits?grid=g-fsy-03").text)[0]
        answer = signed_in(office_server, "w-liuyang").get(f"/office/records/{fsy_record}")
        assert answer.status_code == 404
        assert "不在您负责的范围内" in answer.text

    def test_phone_and_id_numbers_are_masked(self, app, office_server):
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        case_id = tablet.writer.create("dispute", dispute(parties=[
            {"name": "刘志强", "role": "楼上住户", "phone": "13812345678",
             "id_number": "370102199001011231"}]))
        report = tablet.push()
        assert report.accepted == 1, report.quarantined
        page = signed_in(office_server, "w-liuyang").get(f"/office/records/{case_id}").text
        assert "13812345678" not in page and "370102199001011231" not in page
        assert "138****5678" in page and "370102********1231" in page


@pytest.fixture
def cases(app, office_server):
    """Two cases in 燕子山 (one red, opened on the 24th; one yellow, on the 25th) and one
    in 佛山苑."""
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    wangfang.writer.create("dispute", dispute(risk_colour="red"))
    wangfang.writer.create("dispute", dispute(opened_at="2026-11-25T10:00:00+08:00"))
    assert wangfang.push().accepted == 2
    zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
    zhengwei.writer.create("dispute", dispute("g-fsy-03", opened_by="w-zhengwei"))
    assert zhengwei.push().accepted == 1


class TestDisputeLedger:
    def test_community_staff_see_their_communitys_cases_with_chinese_labels(
            self, office_server, cases):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/disputes").text
        assert len(records_listed(page)) == 2
        assert "人民调解范围内" in page and "已发现" in page and "红" in page

    def test_filtering_by_risk_colour(self, office_server, cases):
        page = signed_in(office_server, "w-gaoping").get(
            "/office/ledgers/disputes?risk=red").text
        assert re.findall(r'data-risk="([^"]*)"', page) == ["red"]

    def test_filtering_by_the_day_a_case_was_opened(self, office_server, cases):
        page = signed_in(office_server, "w-gaoping").get(
            "/office/ledgers/disputes?from=2026-11-25").text
        assert len(records_listed(page)) == 1
        assert "2026-11-25 10:00" in page

    def test_street_staff_see_every_community(self, office_server, cases):
        page = signed_in(office_server, "w-gaoping").get("/office/ledgers/disputes").text
        assert len(records_listed(page)) == 3
