"""The office's pages in a real browser: Debian's headless Chromium, driven by Playwright
(no browser is downloaded), against a real server process on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.server.fleet import OFFICE_PASSWORD, enrol_tablet, visit

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # No sandbox: CI runs as root, which Chromium's sandbox refuses.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, office_server) -> Iterator[Page]:
    context = chromium.new_context(base_url=office_server.url, locale="zh-CN")
    yield context.new_page()
    context.close()


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
