"""The office's pages in a real browser: Debian's headless Chromium, driven by Playwright
(no browser is downloaded), against a real server process on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.server.fleet import OFFICE_PASSWORD, dispute, enrol_tablet, visit

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("MINQING_SCREENSHOTS", "build/screenshots"))
"""Where every page's screenshot goes; `make screenshots` points it at docs/screenshots."""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # No sandbox: CI runs as root, which Chromium's sandbox refuses.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, office_server) -> Iterator[Page]:
    context = chromium.new_context(base_url=office_server.url, locale="zh-CN",
                                   viewport={"width": 1280, "height": 800},
                                   accept_downloads=True)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as `office-<name>.png` (one per database run: the SQLite one is
    what the docs show)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"office-{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 0
    return path


def sign_in(page: Page, worker_id: str, password: str = OFFICE_PASSWORD) -> None:
    page.goto("/office/")
    page.get_by_label("工号").fill(worker_id)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


class TestSigningIn:
    def test_a_person_signs_in_and_reaches_the_dashboard(self, page):
        sign_in(page, "w-gaoping")
        expect(page.get_by_role("heading", name="工作台")).to_be_visible()
        expect(page.get_by_text("高平（街道工作人员）")).to_be_visible()
        expect(page.get_by_text("负责范围：千佛山街道")).to_be_visible()

    def test_a_wrong_password_is_explained_on_the_page(self, page):
        sign_in(page, "w-gaoping", "not-the-password")
        expect(page.get_by_role("alert")).to_have_text("工号或密码不正确")
        expect(page.get_by_label("工号")).to_have_value("w-gaoping")  # kept for a retry

    def test_signing_out_returns_to_the_sign_in_page(self, page):
        sign_in(page, "w-liuyang")
        page.get_by_role("button", name="退出登录").click()
        expect(page.get_by_text("已退出登录")).to_be_visible()
        page.goto("/office/")
        expect(page.get_by_role("heading", name="登录")).to_be_visible()


class TestDevices:
    def test_a_code_is_issued_from_the_page_with_its_qr(self, page):
        sign_in(page, "w-liuyang")
        page.get_by_role("link", name="设备管理").click()
        page.get_by_label("工作人员").select_option("w-zhaolei")
        page.get_by_role("button", name="发放注册码").click()
        expect(page.get_by_role("heading", name="平板注册码")).to_be_visible()
        expect(page.get_by_alt_text("注册码二维码（平板扫描即可注册）")).to_be_visible()
        code = page.locator("[data-code]").inner_text()
        assert len(code) == 14  # XXXX-XXXX-XXXX


class TestVisitLedger:
    def test_a_visit_is_found_by_date_and_opened_with_its_history(self, page, app,
                                                                   office_server):
        tablet = enrol_tablet(app, office_server.url, "w-wangfang")
        for day in (21, 22):
            tablet.writer.create("visit", {**visit(number=day),
                                           "visited_at": f"2026-11-{day}T09:30:00+08:00"})
        tablet.push()
        sign_in(page, "w-liuyang")
        page.get_by_role("link", name="民情台账").click()
        page.get_by_label("从").fill("2026-11-22")
        page.get_by_label("到").fill("2026-11-22")
        page.get_by_role("button", name="筛选").click()
        expect(page.locator("[data-record]")).to_have_count(1)
        page.get_by_role("link", name="2026-11-22 09:30").click()
        expect(page.get_by_role("heading", name="民情日记 · 记录详情")).to_be_visible()
        expect(page.locator("[data-position]")).to_have_count(1)
        expect(page.get_by_text("已接收")).to_be_visible()


@pytest.fixture
def conflicting_tablets(app, office_server):
    """王芳 and 李明 changed one case's description offline; both synced."""
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    liming = enrol_tablet(app, office_server.url, "w-liming")
    case_id = wangfang.writer.create("dispute", dispute())
    wangfang.push()
    wangfang.pull()
    liming.pull()
    wangfang.writer.update(case_id, {"description": "402已请物业查看，下周修。"})
    liming.writer.update(case_id, {"description": "双方同意先由402出钱修理。"})
    wangfang.push()
    liming.push()
    return wangfang, case_id


class TestConflictQueue:
    def test_a_reviewer_settles_a_conflict_and_the_tablet_gets_the_decision(
            self, page, conflicting_tablets):
        wangfang, case_id = conflicting_tablets
        sign_in(page, "w-liuyang")
        page.get_by_role("link", name="冲突待裁定").click()
        question = page.locator(f'[data-record="{case_id}"][data-field="description"]')
        expect(question.locator("[data-version]")).to_have_count(2)
        screenshot(page, "conflicts")
        question.locator("[data-version]", has_text="双方同意先由402出钱修理。").get_by_role(
            "radio").check()
        question.get_by_role("button", name="提交裁定").click()
        expect(page.get_by_text("已裁定“纠纷情况”")).to_be_visible()
        expect(page.get_by_text("没有待裁定的冲突")).to_be_visible()
        wangfang.pull()
        record = wangfang.replica.record(case_id)
        assert record["conflicts"] == []
        assert record["values"]["description"] == "双方同意先由402出钱修理。"


class TestDecisions:
    def test_a_case_is_escalated_from_its_page(self, page, app, office_server):
        wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.push()
        wangfang.pull()
        sign_in(page, "w-liuyang")
        page.goto(f"/office/records/{case_id}")
        page.get_by_label("上报到").select_option("street")
        page.get_by_role("button", name="上报").click()
        expect(page.get_by_text("已记入台账，平板下次同步即可看到")).to_be_visible()
        screenshot(page, "record-dispute")
        wangfang.pull()
        assert wangfang.replica.record(case_id)["values"]["escalation_level"] == "street"


class TestScope:
    def test_another_communitys_record_is_refused_by_url(self, page, app, office_server):
        zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
        case_id = zhengwei.writer.create("dispute", dispute("g-fsy-03", opened_by="w-zhengwei"))
        zhengwei.push()
        sign_in(page, "w-liuyang")
        answer = page.goto(f"/office/records/{case_id}")
        assert answer.status == 404
        expect(page.get_by_text("没有这一页，或不在您负责的范围内")).to_be_visible()
        screenshot(page, "not-found")


@pytest.fixture
def working_week(app, office_server):
    """A week of a community's work, synced: visits with requests, a screening, a case, a
    patrol with a walked route; dated this week so the dashboard and assessment show it."""
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    wangfang = enrol_tablet(app, office_server.url, "w-wangfang")
    for number in range(1, 4):
        day = monday + timedelta(days=min(number - 1, today.weekday()))
        wangfang.writer.create("visit", {
            **visit(number=number), "visited_at": f"{day}T09:30:00+08:00",
            "requests": [{"id": f"req-{number}", "service_class": "living",
                          "summary": "楼道灯不亮", "problem_list": "fix_by_deadline",
                          "due_date": str(day + timedelta(days=3))}]})
    case_id = wangfang.writer.create("dispute", dispute(
        opened_at=f"{monday}T10:00:00+08:00", risk_colour="red"))
    year, week, _ = today.isocalendar()
    wangfang.writer.create("screening", {
        "schema_version": 1, "grid_id": "g-yzs-03", "iso_week": f"{year}-W{week:02d}",
        "scope": "weekly", "screened_at": f"{monday}T15:00:00+08:00",
        "worker_id": "w-wangfang", "screened_areas": ["3号楼", "5号楼"],
        "nothing_found": False, "case_ids": [case_id]})
    wangfang.push()
    huangjun = enrol_tablet(app, office_server.url, "w-huangjun")
    route = [(36.6509, 117.0195, "东门"), (36.6515, 117.0201, "3号楼"),
             (36.6521, 117.0190, "北门")]
    huangjun.writer.create("patrol", {
        "schema_version": 1, "grid_id": "g-yzs-03", "team_kind": "residents",
        "team_id": "t-yzs-residents", "members": ["w-huangjun"],
        "started_at": f"{monday}T19:00:00+08:00", "ended_at": f"{monday}T20:00:00+08:00",
        "checkpoints": [{"id": f"cp-{n}", "at": f"{monday}T19:{10 * n:02d}:00+08:00",
                         "place": place, "note": "正常", "colour": "green",
                         "position": {"lat": lat, "lon": lon}}
                        for n, (lat, lon, place) in enumerate(route, 1)],
        "findings": []})
    huangjun.push()
    return {"case": case_id, "month": today.strftime("%Y-%m")}


COMMUNITY_PAGES = (  # (screenshot name, path, a heading the page shows)
    ("dashboard", "/office/", "工作台"),
    ("visits", "/office/ledgers/visits", "民情台账"),
    ("disputes", "/office/ledgers/disputes", "矛盾纠纷台账"),
    ("patrols", "/office/ledgers/patrols", "巡防台账"),
    ("requests", "/office/ledgers/requests", "问题清单"),
    ("conflicts-empty", "/office/conflicts", "冲突待裁定"),
    ("assessment", "/office/assessment?month={month}", "网格员绩效月考核"),
    ("devices", "/office/devices", "设备管理"),
)


class TestEveryPage:
    """Each page opens in the browser, in Chinese, and its screenshot is saved."""


    @pytest.mark.parametrize(("name", "path", "heading"), COMMUNITY_PAGES,
                             ids=[name for name, _, _ in COMMUNITY_PAGES])
    def test_a_community_page_opens_in_chinese(self, page, working_week, name, path, heading):
        sign_in(page, "w-liuyang")
        answer = page.goto(path.format(**working_week))
        assert answer.status == 200
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        screenshot(page, name)

    def test_the_sign_in_page(self, page):
        page.goto("/office/login")
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
        screenshot(page, "login")

    def test_a_patrols_page_sketches_its_route(self, page, working_week):
        sign_in(page, "w-liuyang")
        page.goto("/office/ledgers/patrols")
        page.locator("[data-record] a").first.click()
        expect(page.locator("svg polyline")).to_have_count(1)
        screenshot(page, "record-patrol")

    def test_a_visits_page_shows_its_requests_365_steps(self, page, working_week):
        sign_in(page, "w-liuyang")
        page.goto("/office/ledgers/visits")
        page.locator("[data-record] a").first.click()
        expect(page.get_by_text("建立台账").first).to_be_visible()
        screenshot(page, "record-visit")

    def test_a_workers_month_is_printable(self, page, working_week):
        sign_in(page, "w-liuyang")
        page.goto(f"/office/assessment/w-wangfang?month={working_week['month']}")
        expect(page.get_by_text("王芳").first).to_be_visible()
        screenshot(page, "assessment-worker")

    def test_the_integrity_page_verifies_the_ledger(self, page, working_week):
        sign_in(page, "w-gaoping")
        page.goto("/office/integrity")
        page.get_by_role("button", name="立即校验").click()
        expect(page.locator("main")).to_contain_text("校验")
        screenshot(page, "integrity")

    def test_the_district_reads_the_access_log(self, page, working_week):
        sign_in(page, "w-lindong")
        answer = page.goto("/office/access-log")
        assert answer.status == 200
        screenshot(page, "access-log")


class TestExport:
    def test_the_visit_ledger_downloads_as_xlsx_and_reads_back(self, page, working_week,
                                                                tmp_path):
        sign_in(page, "w-liuyang")
        page.goto("/office/ledgers/visits")
        with page.expect_download() as download_info:
            page.locator("a[href*='xlsx']").first.click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        sheet = openpyxl.load_workbook(path).active
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 1 + 3  # the header and three visits
        assert any("走访" in str(cell) for cell in rows[0])
