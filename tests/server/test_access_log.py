"""Seeing residents' numbers whole on a record page, and the access log that records it:
only mediators and community staff may ask, each view is logged before anything is shown,
and only the district admin reads the log. Real server, real HTTP session, SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from server.extensions import db
from server.models import PersonalDataAccess
from server.services.access_log import AccessAction, log_access
from server.services.office_ledgers import PAGE_SIZE
from server.services.office_login import set_password
from sync.deadlines import CHINA
from tests.server.fleet import OFFICE_PASSWORD, dispute, enrol_tablet
from tests.server.test_office_login import OfficeBrowser

PHONE, ID_NUMBER = "13812345678", "370102199001011231"


@pytest.fixture
def cases(app, office_server) -> dict[str, str]:
    """A case in 燕子山 whose party has a phone and an ID number, and one in 佛山苑; 李明
    (燕子山's mediator) gets a password."""
    with app.app_context():
        set_password("w-liming", OFFICE_PASSWORD)
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    yzs = wangfang.writer.create("dispute", dispute(parties=[
        {"name": "刘志强", "role": "楼上住户", "phone": PHONE, "id_number": ID_NUMBER}]))
    assert wangfang.push().accepted == 1
    zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
    fsy = zhengwei.writer.create("dispute", dispute("g-fsy-03", opened_by="w-zhengwei"))
    assert zhengwei.push().accepted == 1
    return {"yzs": yzs, "fsy": fsy}


def signed_in(server, worker_id: str) -> OfficeBrowser:
    browser = OfficeBrowser(server.url)
    browser.sign_in(worker_id)
    return browser


def show_whole(browser: OfficeBrowser, record_id: str, **options):
    return browser.post_form(f"/office/records/{record_id}/unmasked", {}, **options)


def logged(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(entry.worker_id, entry.action, entry.target) for entry in db.session.scalars(
            select(PersonalDataAccess).order_by(PersonalDataAccess.id))]


class TestUnmaskedView:
    def test_a_mediator_sees_the_numbers_whole_and_the_view_is_logged(self, app,
                                                                       office_server, cases):
        answer = show_whole(signed_in(office_server, "w-liming"), cases["yzs"])
        assert answer.status_code == 200
        assert PHONE in answer.text and ID_NUMBER in answer.text
        assert "本次查看已记入个人信息访问日志" in answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        assert logged(app) == [("w-liming", "view", cases["yzs"])]

    def test_the_record_page_stays_masked_until_asked(self, app, office_server, cases):
        page = signed_in(office_server, "w-liming").get(f"/office/records/{cases['yzs']}").text
        assert PHONE not in page and "138****5678" in page
        assert "显示完整信息" in page
        assert logged(app) == []

    def test_community_staff_may_ask_too(self, app, office_server, cases):
        answer = show_whole(signed_in(office_server, "w-liuyang"), cases["yzs"])
        assert ID_NUMBER in answer.text
        assert logged(app) == [("w-liuyang", "view", cases["yzs"])]

    def test_street_staff_are_refused_and_nothing_is_logged(self, app, office_server, cases):
        browser = signed_in(office_server, "w-gaoping")
        assert "显示完整信息" not in browser.get(f"/office/records/{cases['yzs']}").text
        answer = show_whole(browser, cases["yzs"])
        assert answer.status_code == 403
        assert PHONE not in answer.text
        assert logged(app) == []

    def test_a_record_outside_the_area_is_not_found_and_nothing_is_logged(
            self, app, office_server, cases):
        answer = show_whole(signed_in(office_server, "w-liming"), cases["fsy"])
        assert answer.status_code == 404
        assert logged(app) == []

    def test_asking_by_a_link_shows_nothing(self, app, office_server, cases):
        answer = signed_in(office_server, "w-liming").get(
            f"/office/records/{cases['yzs']}/unmasked")
        assert answer.status_code == 405
        assert PHONE not in answer.text
        assert logged(app) == []

    def test_without_the_forms_token_nothing_is_shown(self, app, office_server, cases):
        answer = show_whole(signed_in(office_server, "w-liming"), cases["yzs"], token=False)
        assert answer.status_code == 400
        assert PHONE not in answer.text
        assert logged(app) == []

    def test_when_the_log_cannot_be_written_nothing_is_shown(self, app, office_server,
                                                             cases):
        refuse_access_log_entries(app)
        answer = show_whole(signed_in(office_server, "w-liming"), cases["yzs"])
        assert answer.status_code == 500
        assert PHONE not in answer.text and ID_NUMBER not in answer.text
        assert logged(app) == []


def refuse_access_log_entries(app) -> None:
    """Make the database itself refuse new log entries (as a full disk or a lost connection
    would), by a trigger."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sql(
                "CREATE FUNCTION refuse_access() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"))
            db.session.execute(sql(
                "CREATE TRIGGER refuse_access BEFORE INSERT ON personal_data_access_log "
                "FOR EACH ROW EXECUTE FUNCTION refuse_access()"))
        else:
            db.session.execute(sql(
                "CREATE TRIGGER refuse_access BEFORE INSERT ON personal_data_access_log "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
        db.session.commit()


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture
def entries(app, office_server) -> None:
    """李明 viewed a record on the 20th (Beijing) and exported on the 21st; 刘洋 viewed one
    on the 21st, late in the evening."""
    with app.app_context():
        set_password("w-liming", OFFICE_PASSWORD)
        for worker_id, action, target, moment in (
                ("w-liming", AccessAction.view, "rec-1", datetime(2026, 11, 20, 9, 0)),
                ("w-liming", AccessAction.export, "民情台账.xlsx?grid=g-yzs-03",
                 datetime(2026, 11, 21, 10, 0)),
                ("w-liuyang", AccessAction.view, "rec-2", datetime(2026, 11, 21, 23, 30))):
            log_access(worker_id, action, target, "127.0.0.1",
                       now_ms=ms(moment.replace(tzinfo=CHINA)))


def access_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-access="(\w+)" data-worker="([\w-]+)"', page)


class TestAccessLogPage:
    def test_the_district_admin_reads_the_log_newest_first(self, office_server, entries):
        page = signed_in(office_server, "w-lindong").get("/office/access-log").text
        assert access_rows(page) == [("view", "w-liuyang"), ("export", "w-liming"),
                                     ("view", "w-liming")]
        assert "2026-11-21 23:30" in page and "刘洋（w-liuyang）" in page
        assert "民情台账.xlsx?grid=g-yzs-03" in page and "导出" in page

    def test_the_nav_shows_the_log_to_the_district_admin_only(self, office_server, entries):
        assert "个人信息访问日志" in signed_in(office_server, "w-lindong").get("/office/").text
        assert "个人信息访问日志" not in signed_in(office_server, "w-gaoping").get(
            "/office/").text

    @pytest.mark.parametrize("worker_id", ["w-liuyang", "w-liming", "w-gaoping"])
    def test_others_are_refused(self, office_server, entries, worker_id):
        browser = signed_in(office_server, worker_id)
        for path in ("/office/access-log", "/office/access-log.csv"):
            answer = browser.get(path)
            assert answer.status_code == 403
            assert "rec-1" not in answer.text

    def test_filtering_by_worker(self, office_server, entries):
        page = signed_in(office_server, "w-lindong").get(
            "/office/access-log?worker=w-liming").text
        assert access_rows(page) == [("export", "w-liming"), ("view", "w-liming")]

    def test_filtering_by_beijing_days(self, office_server, entries):
        page = signed_in(office_server, "w-lindong").get(
            "/office/access-log?from=2026-11-21&to=2026-11-21").text
        assert access_rows(page) == [("view", "w-liuyang"), ("export", "w-liming")]

    def test_a_bad_date_is_said_in_chinese(self, office_server, entries):
        answer = signed_in(office_server, "w-lindong").get("/office/access-log?from=11/21")
        assert answer.status_code == 400
        assert "日期格式不正确" in answer.text

    def test_a_bad_page_number_is_refused_in_chinese(self, office_server, entries):
        answer = signed_in(office_server, "w-lindong").get("/office/access-log?page=two")
        assert answer.status_code == 400
        assert "请求无效" in answer.text

    def test_the_log_is_paginated(self, app, office_server):
        with app.app_context():
            start = ms(datetime(2026, 11, 1, tzinfo=CHINA))
            for number in range(PAGE_SIZE + 3):
                log_access("w-liuyang", AccessAction.view, f"rec-{number}", "10.0.0.1",
                           now_ms=start + number * 60_000)
        browser = signed_in(office_server, "w-lindong")
        first = browser.get("/office/access-log").text
        second = browser.get("/office/access-log?page=2").text
        assert (len(access_rows(first)), len(access_rows(second))) == (PAGE_SIZE, 3)
        assert f"第1页，共2页（{PAGE_SIZE + 3}条）" in first
        assert f"rec-{PAGE_SIZE + 2}<" in first and "rec-0<" in second

    def test_the_log_exports_as_csv_with_its_filters(self, office_server, entries):
        browser = signed_in(office_server, "w-lindong")
        page = browser.get("/office/access-log?worker=w-liming").text
        assert 'href="/office/access-log.csv?worker=w-liming' in page
        answer = browser.get("/office/access-log.csv?worker=w-liming")
        assert answer.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert rows[0] == ["时间", "工号", "工作人员", "身份", "操作", "内容", "IP地址"]
        assert rows[1:] == [
            ["2026-11-21 10:00", "w-liming", "李明", "人民调解员", "导出",
             "民情台账.xlsx?grid=g-yzs-03", "127.0.0.1"],
            ["2026-11-20 09:00", "w-liming", "李明", "人民调解员", "查看", "rec-1",
             "127.0.0.1"]]
        assert "filename*=UTF-8''" in answer.headers["Content-Disposition"]


def test_a_view_through_the_server_is_logged_with_its_time_and_address(app, office_server,
                                                                       cases):
    before = datetime.now(CHINA) - timedelta(seconds=5)
    show_whole(signed_in(office_server, "w-liming"), cases["yzs"])
    with app.app_context():
        entry = db.session.scalars(select(PersonalDataAccess)).one()
    assert entry.address == "127.0.0.1"
    assert ms(before) <= entry.at <= ms(datetime.now(CHINA))
