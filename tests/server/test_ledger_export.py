"""Exporting the ledgers as .xlsx and CSV: Chinese headers, real column types, widths, the
page's filters, the reader's area, masked numbers, and unmasked exports that are logged.
Real server, real HTTP session, SQLite and PostgreSQL; each file read back with openpyxl
or the csv module."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.local import enrol_local_tablet
from server.models import PersonalDataAccess
from server.services.ledger_export import (
    Column,
    Format,
    LedgerTable,
    ValueType,
    as_datetime,
    content_disposition,
    write,
)
from server.services.office_login import set_password
from sync.deadlines import CHINA
from tests.server.fleet import OFFICE_PASSWORD, dispute, enrol_tablet, visit
from tests.server.test_office_login import OfficeBrowser

PHONE, ID_NUMBER = "13812345678", "370102199001011231"
ROSTER_PHONE = "18798099742"  # 龙建国, h-yzs-03-01 on the demo roster
VISIT_HEADERS = ["走访时间", "网格", "网格员", "走访类型", "住户编号", "户主", "联系电话",
                 "身份证号", "住址", "见到的人", "民情", "诉求数", "有待裁定的冲突", "记录编号"]


@pytest.fixture
def ledgers(app, office_server):
    """王芳 (燕子山) visited 龙建国 from the roster on the 21st and a new household on the
    22nd, and opened a red case on the 24th and a yellow one on the 25th; 郑伟 (佛山苑)
    visited 孙秀珍 and opened a case. 李明 (燕子山's mediator) gets a password."""
    with app.app_context():
        set_password("w-liming", OFFICE_PASSWORD)
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    wangfang.writer.create("visit", {**visit(), "household_id": "h-yzs-03-01",
                                     "visited_at": "2026-11-21T09:30:00+08:00"})
    new_household = {**visit(), "visited_at": "2026-11-22T01:30:00Z",  # 09:30 in Beijing
                     "people_met": [{"name": "张秀英", "relation": "户主", "phone": PHONE}],
                     "situation": "=HYPERLINK(\"http://example.invalid\")"}
    del new_household["household_id"]
    new_household["new_household"] = {"name": "张秀英", "phone": PHONE, "id_number": ID_NUMBER,
                                      "address": "燕子山路3号院2号楼302室"}
    wangfang.writer.create("visit", new_household)
    wangfang.writer.create("dispute", dispute(
        risk_colour="red", due_date="2026-12-24", rating=4,
        parties=[{"name": "刘志强", "role": "楼上住户", "phone": PHONE, "id_number": ID_NUMBER},
                 {"name": "陈桂兰", "role": "楼下住户"}]))
    wangfang.writer.create("dispute", dispute(opened_at="2026-11-25T10:00:00+08:00"))
    report = wangfang.push()
    assert report.accepted == 4, report.quarantined
    zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
    zhengwei.writer.create("visit", {**visit("g-fsy-03"), "household_id": "h-fsy-03-01",
                                     "worker_id": "w-zhengwei"})
    zhengwei.writer.create("dispute", dispute("g-fsy-03", opened_by="w-zhengwei",
                                              parties=[{"name": "孙秀珍"}]))
    assert zhengwei.push().accepted == 2


def signed_in(server, worker_id: str) -> OfficeBrowser:
    browser = OfficeBrowser(server.url)
    browser.sign_in(worker_id)
    return browser


def workbook(answer):
    assert answer.status_code == 200, answer.text[:300]
    return load_workbook(io.BytesIO(answer.content)).active


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def csv_rows(answer) -> list[list[str]]:
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def every_value(sheet) -> str:
    return " ".join(str(value) for row in sheet.iter_rows(values_only=True)
                    for value in row if value is not None)


class TestWorkbook:
    def test_the_visit_ledger_is_a_sheet_titled_in_chinese_with_a_bold_frozen_header(
            self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        assert sheet.title == "民情台账"
        assert [cell.value for cell in sheet[1]] == VISIT_HEADERS
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.freeze_panes == "A2"

    def test_rows_are_newest_first_with_real_types(self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        newest, oldest = sheet_rows(sheet)
        assert newest[0] == datetime(2026, 11, 22, 9, 30)  # an Excel date, Beijing time
        assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
        assert oldest[0] == datetime(2026, 11, 21, 9, 30)
        assert newest[1:4] == ["燕子山路3号院", "王芳", "日常走访"]
        assert isinstance(newest[11], int) and newest[11] == 0  # 诉求数, a number
        assert newest[12] == "否"  # no open conflicts

    def test_columns_have_widths(self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        widths = {letter: sheet.column_dimensions[letter].width for letter in "ABKN"}
        assert widths == {"A": 17, "B": 16, "K": 40, "N": 38}

    def test_the_household_comes_from_the_roster_or_the_visit(self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        newest, oldest = sheet_rows(sheet)
        assert (newest[5], newest[8]) == ("张秀英", "燕子山路3号院2号楼302室")
        assert (oldest[4], oldest[5]) == ("h-yzs-03-01", "龙建国")
        assert oldest[8] == "济南市历下区燕子山路3号院1号楼1单元101室"

    def test_phone_and_id_numbers_are_masked(self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        newest, oldest = sheet_rows(sheet)
        assert (newest[6], newest[7]) == ("138****5678", "370102********1231")
        assert newest[9] == "张秀英（户主，138****5678）"
        assert oldest[6] == "187****9742"
        everything = every_value(sheet)
        assert PHONE not in everything and ID_NUMBER not in everything
        assert ROSTER_PHONE not in everything

    def test_text_that_looks_like_a_formula_stays_text(self, office_server, ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.xlsx"))
        situation = sheet["K2"]
        assert situation.data_type == "s"
        assert situation.value.startswith("=HYPERLINK")

    def test_the_dispute_ledger_has_dates_numbers_and_chinese_labels(self, office_server,
                                                                     ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/disputes.xlsx"))
        assert sheet.title == "矛盾纠纷台账"
        headers = [cell.value for cell in sheet[1]]
        assert headers[:8] == ["排查时间", "网格", "类别", "状态", "风险等级", "处置层级",
                               "办结期限", "登记人"]
        red = next(row for row in sheet_rows(sheet) if row[4] == "红")
        assert red[2:6] == ["人民调解范围内", "已发现", "红", "网格"]
        assert red[6] == datetime(2026, 12, 24)  # a date cell (openpyxl reads it back so)
        assert sheet.cell(row=3, column=7).number_format == "yyyy-mm-dd"
        assert red[8] == "刘志强（楼上住户）；陈桂兰（楼下住户）"
        assert (red[9], red[10]) == ("刘志强：138****5678", "刘志强：370102********1231")
        assert red[headers.index("群众评议")] == 4

    def test_the_file_name_is_chinese_with_an_ascii_fallback(self, office_server, ledgers):
        answer = signed_in(office_server, "w-liuyang").get("/office/exports/visits.xlsx")
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert re.search(r'filename="minqing-visits-\d{4}-\d\d-\d\d\.xlsx"', disposition)
        assert f"filename*=UTF-8''{quote('民情台账-')}" in disposition
        assert answer.headers["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert answer.headers["Cache-Control"] == "no-store"


class TestCsv:
    def test_csv_is_utf8_with_a_bom_and_the_same_columns(self, office_server, ledgers):
        answer = signed_in(office_server, "w-liuyang").get("/office/exports/visits.csv")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert answer.content.startswith(b"\xef\xbb\xbf")
        header, newest, oldest = csv_rows(answer)
        assert header == VISIT_HEADERS
        assert newest[:4] == ["2026-11-22 09:30", "燕子山路3号院", "王芳", "日常走访"]
        assert (newest[6], newest[11], newest[12]) == ("138****5678", "0", "否")
        assert oldest[5] == "龙建国"

    def test_a_cell_that_excel_would_run_as_a_formula_is_quoted(self, office_server,
                                                                ledgers):
        _, newest, _ = csv_rows(signed_in(office_server, "w-liuyang").get(
            "/office/exports/visits.csv"))
        assert newest[10].startswith("'=HYPERLINK")

    def test_dates_are_written_as_days(self, office_server, ledgers):
        rows = csv_rows(signed_in(office_server, "w-liuyang").get(
            "/office/exports/disputes.csv"))
        red = next(row for row in rows if row[4] == "红")
        assert (red[0], red[6]) == ("2026-11-24 09:10", "2026-12-24")


class TestFiltersAndScope:
    def test_the_export_keeps_the_pages_filters(self, office_server, ledgers):
        browser = signed_in(office_server, "w-liuyang")
        rows = sheet_rows(workbook(browser.get(
            "/office/exports/visits.xlsx?from=2026-11-22&to=2026-11-22")))
        assert [row[0] for row in rows] == [datetime(2026, 11, 22, 9, 30)]
        red = csv_rows(browser.get("/office/exports/disputes.csv?risk=red"))[1:]
        assert [row[4] for row in red] == ["红"]

    def test_another_communitys_rows_are_absent(self, office_server, ledgers):
        community = signed_in(office_server, "w-liuyang")
        visits = every_value(workbook(community.get("/office/exports/visits.xlsx")))
        assert "孙秀珍" not in visits and "佛山苑" not in visits
        cases = csv_rows(community.get("/office/exports/disputes.csv?grid=g-fsy-03"))
        assert cases[1:] == []

    def test_the_street_exports_every_community(self, office_server, ledgers):
        rows = sheet_rows(workbook(signed_in(office_server, "w-gaoping").get(
            "/office/exports/visits.xlsx")))
        assert len(rows) == 3
        assert "孙秀珍" in {row[5] for row in rows}

    def test_the_ledger_pages_link_to_their_exports_with_their_filters(self, office_server,
                                                                       ledgers):
        browser = signed_in(office_server, "w-gaoping")
        page = browser.get("/office/ledgers/visits?grid=g-yzs-03&page=1").text
        assert 'href="/office/exports/visits.xlsx?grid=g-yzs-03"' in page
        assert 'href="/office/exports/visits.csv?grid=g-yzs-03"' in page
        page = browser.get("/office/ledgers/disputes?risk=red").text
        assert 'href="/office/exports/disputes.xlsx?risk=red"' in page

    def test_an_unknown_ledger_is_not_found(self, office_server, ledgers):
        answer = signed_in(office_server, "w-liuyang").get("/office/exports/households.xlsx")
        assert answer.status_code == 404

    def test_an_export_needs_sign_in(self, office_server):
        answer = OfficeBrowser(office_server.url).get("/office/exports/visits.xlsx",
                                                      allow_redirects=False)
        assert answer.status_code == 302


def unmasked_export(browser: OfficeBrowser, path: str, **options):
    return browser.post_form(path, {}, **options)


def logged(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(entry.worker_id, entry.action, entry.target) for entry in db.session.scalars(
            select(PersonalDataAccess).order_by(PersonalDataAccess.id))]


class TestUnmaskedExport:
    def test_a_mediator_exports_whole_numbers_and_it_is_logged(self, app, office_server,
                                                               ledgers):
        answer = unmasked_export(signed_in(office_server, "w-liming"),
                                 "/office/exports/visits.xlsx?from=2026-11-22")
        newest = sheet_rows(workbook(answer))[0]
        assert (newest[6], newest[7]) == (PHONE, ID_NUMBER)
        assert f"filename*=UTF-8''{quote('民情台账（完整信息）-')}" in \
            answer.headers["Content-Disposition"]
        assert logged(app) == [("w-liming", "export", "民情台账.xlsx?from=2026-11-22")]

    def test_community_staff_export_whole_csv(self, app, office_server, ledgers):
        answer = unmasked_export(signed_in(office_server, "w-liuyang"),
                                 "/office/exports/disputes.csv?risk=red")
        [_, red] = csv_rows(answer)
        assert (red[9], red[10]) == (f"刘志强：{PHONE}", f"刘志强：{ID_NUMBER}")
        assert logged(app) == [("w-liuyang", "export", "矛盾纠纷台账.csv?risk=red")]

    def test_street_staff_are_refused_and_nothing_is_logged(self, app, office_server,
                                                            ledgers):
        answer = unmasked_export(signed_in(office_server, "w-gaoping"),
                                 "/office/exports/visits.xlsx")
        assert answer.status_code == 403
        assert "您无权查看这一页" in answer.text
        assert logged(app) == []

    def test_the_district_admin_is_refused_too(self, app, office_server, ledgers):
        answer = unmasked_export(signed_in(office_server, "w-lindong"),
                                 "/office/exports/disputes.csv")
        assert answer.status_code == 403
        assert logged(app) == []

    def test_without_the_forms_token_nothing_is_exported(self, app, office_server, ledgers):
        answer = unmasked_export(signed_in(office_server, "w-liming"),
                                 "/office/exports/visits.xlsx", token=False)
        assert answer.status_code == 400
        assert logged(app) == []

    def test_only_the_roles_that_may_see_the_unmasked_option(self, office_server, ledgers):
        mediator = signed_in(office_server, "w-liming").get("/office/ledgers/visits").text
        street = signed_in(office_server, "w-gaoping").get("/office/ledgers/visits").text
        assert "导出完整信息" in mediator
        assert "导出完整信息" not in street and "导出Excel" in street


def test_file_names_carry_the_day_in_beijing(office_server, ledgers):
    answer = signed_in(office_server, "w-liuyang").get("/office/exports/visits.csv")
    day = re.search(r"minqing-visits-(\d{4}-\d\d-\d\d)\.csv", answer.headers[
        "Content-Disposition"]).group(1)
    assert abs((date.fromisoformat(day) - date.today()).days) <= 1


# --- 巡防台账, 问题清单 and the monthly assessment -----------------------------------------

NOW = datetime.now(CHINA).replace(microsecond=0)


def days_ago(days: int) -> str:
    return (NOW - timedelta(days=days)).replace(hour=0, minute=30, second=0).isoformat()


@pytest.fixture
def more_ledgers(app, office_server):
    """黄军's patrol in 燕子山 and 徐刚's in 佛山苑; 王芳's visits today (a 限时整改 request due
    in ten days) and five days ago (a 即知即改 request never handled: late)."""
    with app.app_context():
        set_password("w-liming", OFFICE_PASSWORD)
    huangjun = enrol_tablet(app, office_server.url, "w-huangjun")
    huangjun.writer.create("patrol", {
        "schema_version": 1, "grid_id": "g-yzs-03", "team_kind": "residents",
        "team_id": "t-yzs-residents", "members": ["w-huangjun", "w-zhoumin"],
        "started_at": "2026-11-26T19:00:00+08:00", "ended_at": "2026-11-26T20:30:00+08:00",
        "checkpoints": [{"id": "cp-1", "at": "2026-11-26T19:10:00+08:00", "place": "小区东门",
                         "note": "正常", "colour": "green"}],
        "findings": [{"id": "f-1", "at": "2026-11-26T20:12:00+08:00",
                      "text": "车棚有电动车私拉电线充电", "colour": "red"}]})
    assert huangjun.push().accepted == 1
    xugang = enrol_local_tablet(app, office_server.url, "w-xugang", "patrol_member")
    xugang.writer.create("patrol", {
        "schema_version": 1, "grid_id": "g-fsy-03", "team_kind": "property_security",
        "team_id": "t-fsy-property", "members": ["w-xugang"],
        "started_at": "2026-11-25T19:00:00+08:00", "checkpoints": [], "findings": []})
    assert xugang.client.push(xugang.writer).accepted == 1
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    wangfang.writer.create("visit", {**visit(number=1), "visited_at": days_ago(0), "requests": [
        {"id": "deadline", "service_class": "legal", "summary": "咨询继承纠纷",
         "problem_list": "fix_by_deadline",
         "due_date": (NOW + timedelta(days=10)).date().isoformat()}]})
    wangfang.writer.create("visit", {**visit(number=2), "visited_at": days_ago(5), "requests": [
        {"id": "late", "service_class": "living", "summary": "路灯坏了",
         "problem_list": "fix_now"}]})
    assert wangfang.push().accepted == 2


class TestTheOtherLedgers:
    def test_the_patrol_ledger_names_the_team_members_and_findings(self, office_server,
                                                                   more_ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/patrols.xlsx"))
        assert sheet.title == "巡防台账"
        [row] = sheet_rows(sheet)  # 佛山苑's patrol is not 燕子山's
        assert row[:2] == [datetime(2026, 11, 26, 19, 0), datetime(2026, 11, 26, 20, 30)]
        assert row[3:9] == ["群众巡防队", "燕子山社区群众巡防队", "黄军；周敏", 1, 1,
                            "车棚有电动车私拉电线充电（红）"]

    def test_the_street_exports_both_communities_patrols(self, office_server, more_ledgers):
        rows = csv_rows(signed_in(office_server, "w-gaoping").get(
            "/office/exports/patrols.csv"))
        assert len(rows) == 3 and rows[2][1] == ""  # still on patrol: no end

    def test_the_request_list_has_due_days_steps_and_lateness(self, office_server,
                                                              more_ledgers):
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            "/office/exports/requests.xlsx"))
        assert sheet.title == "问题清单"
        deadline, late = sheet_rows(sheet)
        assert deadline[3:8] == ["咨询继承纠纷", "法律服务", "限时整改",
                                 datetime.combine((NOW + timedelta(days=10)).date(),
                                                  datetime.min.time()), "建立台账"]
        assert (deadline[10], late[10]) == ("否", "是")
        assert late[3] == "路灯坏了"

    def test_the_request_list_keeps_its_late_filter(self, office_server, more_ledgers):
        rows = csv_rows(signed_in(office_server, "w-liuyang").get(
            "/office/exports/requests.csv?late=1"))
        assert [row[3] for row in rows[1:]] == ["路灯坏了"]

    def test_the_monthly_assessment_has_a_row_per_grid_worker(self, office_server,
                                                              more_ledgers):
        month = f"{NOW.year:04d}-{NOW.month:02d}"
        sheet = workbook(signed_in(office_server, "w-liuyang").get(
            f"/office/exports/assessment.xlsx?month={month}"))
        assert sheet.title == "网格员绩效月考核"
        rows = {row[2]: row for row in sheet_rows(sheet)}
        assert "w-zhengwei" not in rows  # 佛山苑's
        wangfang = rows["w-wangfang"]
        five_days_ago = (NOW - timedelta(days=5)).month == NOW.month
        assert wangfang[:2] == [month, "王芳"]
        assert wangfang[4] == 1 + five_days_ago and isinstance(wangfang[4], int)
        assert wangfang[14] is None  # not assessed yet

    def test_a_bad_month_is_said_in_chinese(self, office_server, more_ledgers):
        answer = signed_in(office_server, "w-liuyang").get(
            "/office/exports/assessment.csv?month=2026-13")
        assert answer.status_code == 400
        assert "月份格式不正确" in answer.text

    def test_ledgers_without_residents_numbers_have_no_unmasked_export(self, app,
                                                                       office_server,
                                                                       more_ledgers):
        mediator = signed_in(office_server, "w-liming")
        assert "导出完整信息" not in mediator.get("/office/ledgers/patrols").text
        assert 'href="/office/exports/patrols.xlsx"' in mediator.get(
            "/office/ledgers/patrols").text
        assert unmasked_export(mediator, "/office/exports/requests.xlsx").status_code == 404
        assert logged(app) == []


def test_a_bad_date_in_the_filters_is_said_in_chinese(office_server, ledgers):
    answer = signed_in(office_server, "w-liuyang").get("/office/exports/visits.csv?from=11/22")
    assert answer.status_code == 400
    assert "“11/22”不是有效日期" in answer.text


# --- the writer itself (no server) ---------------------------------------------------------


class TestWriter:
    TABLE = LedgerTable("民情台账[测试]", "test", (
        Column("时间", ValueType.datetime, 17), Column("日期", ValueType.date, 11),
        Column("数", ValueType.number, 6), Column("是否", ValueType.boolean, 6),
        Column("文字", ValueType.text, 20)))

    def written(self, rows, file_format: Format) -> bytes:
        out = io.BytesIO()
        write(self.TABLE, rows, out, file_format)
        return out.getvalue()

    def test_times_are_written_in_beijing_whatever_their_offset(self):
        assert as_datetime("2026-11-22T01:30:00Z") == datetime(2026, 11, 22, 9, 30)
        assert as_datetime(ms_of(datetime(2026, 11, 22, 9, 30, tzinfo=CHINA))) == \
            datetime(2026, 11, 22, 9, 30)
        assert as_datetime("not a time") is None

    def test_control_characters_are_dropped_and_empty_cells_stay_empty(self):
        sheet = load_workbook(io.BytesIO(self.written(
            [(None, None, None, None, "楼道\x07灯不亮")], Format.xlsx))).active
        assert [cell.value for cell in sheet[2]] == [None, None, None, None, "楼道灯不亮"]

    def test_an_unreadable_date_is_kept_as_text(self):
        sheet = load_workbook(io.BytesIO(self.written(
            [("昨天", "下周", "三", True, "")], Format.xlsx))).active
        assert [cell.value for cell in sheet[2]][:4] == ["昨天", "下周", "三", "是"]

    def test_the_sheet_title_keeps_to_what_excel_allows(self):
        sheet = load_workbook(io.BytesIO(self.written([], Format.xlsx))).active
        assert sheet.title == "民情台账 测试 "

    def test_csv_quotes_every_formula_start(self):
        text_cells = [row[4] for row in csv.reader(io.StringIO(self.written(
            [(None, None, None, None, start + "1") for start in "=+-@"],
            Format.csv).decode("utf-8-sig")))][1:]
        assert text_cells == ["'=1", "'+1", "'-1", "'@1"]

    def test_the_ascii_fallback_name_cannot_break_the_header(self):
        header = content_disposition("民情台账.xlsx", 'a"b;c\\d.xlsx')
        assert header == ("attachment; filename=\"abcd.xlsx\"; "
                          "filename*=UTF-8''%E6%B0%91%E6%83%85%E5%8F%B0%E8%B4%A6.xlsx")


def ms_of(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
