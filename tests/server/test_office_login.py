"""Signing in to the office's review pages: passwords, lock-out, sessions, and scope.

A real server process on 127.0.0.1 and a real HTTP session (cookies, CSRF tokens), on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import urljoin

import pytest
import requests

from server.extensions import db
from server.local import ROOT
from server.models import OfficeAccount
from server.services.office_login import (
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    PasswordRefused,
    set_password,
    sign_in,
)
from tests.server.fleet import OFFICE_PASSWORD as PASSWORD
from tests.server.fleet import enrol_tablet, visit


class OfficeBrowser:
    """What a person's browser does: keeps cookies and sends each form with its token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path: str, **options) -> requests.Response:
        return self.http.get(urljoin(self.base_url, path), timeout=10, **options)

    def post_form(self, path: str, fields: dict[str, str], *, token: bool = True,
                  **options) -> requests.Response:
        if token:
            page = self.get("/office/login")
            fields = {**fields, "csrf_token": csrf_token(page.text)}
        return self.http.post(urljoin(self.base_url, path), data=fields, timeout=10,
                              **options)

    def sign_in(self, worker_id: str, password: str = PASSWORD) -> requests.Response:
        return self.post_form("/office/login", {"worker_id": worker_id, "password": password})


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def browser(office_server) -> OfficeBrowser:
    return OfficeBrowser(office_server.url)


class TestSignIn:
    def test_a_page_asks_for_sign_in_first(self, browser):
        answer = browser.get("/office/", allow_redirects=False)
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/office/login?next=/office/")

    def test_the_right_password_opens_the_dashboard_in_chinese(self, browser):
        answer = browser.sign_in("w-liuyang")
        assert answer.status_code == 200
        assert "工作台" in answer.text
        assert "刘洋（社区工作人员）" in answer.text

    def test_a_wrong_password_is_refused_in_chinese(self, browser):
        answer = browser.sign_in("w-liuyang", "not-the-password")
        assert answer.status_code == 401
        assert "工号或密码不正确" in answer.text

    def test_an_unknown_worker_gets_the_same_answer_as_a_wrong_password(self, browser):
        answer = browser.sign_in("w-nobody")
        assert (answer.status_code, "工号或密码不正确" in answer.text) == (401, True)

    def test_the_password_is_kept_only_as_a_scrypt_hash(self, app, office_server):
        with app.app_context():
            stored = db.session.get(OfficeAccount, "w-liuyang").password_hash
        assert stored.startswith("scrypt:")
        assert PASSWORD not in stored

    def test_a_grid_worker_gets_no_office_password(self, app, office_server):
        with app.app_context(), pytest.raises(PasswordRefused) as refused:
            set_password("w-wangfang", PASSWORD)
        assert refused.value.code == "not_office_role"

    def test_a_short_password_is_refused(self, app, office_server):
        with app.app_context(), pytest.raises(PasswordRefused) as refused:
            set_password("w-liuyang", "short")
        assert refused.value.code == "password_too_short"

    def test_after_sign_in_the_page_asked_for_opens(self, browser):
        browser.get("/office/login?next=/office/")
        answer = browser.post_form("/office/login?next=/office/",
                                   {"worker_id": "w-liuyang", "password": PASSWORD},
                                   allow_redirects=False)
        assert answer.headers["Location"].endswith("/office/")

    def test_next_never_leads_off_the_site(self, browser):
        answer = browser.post_form("/office/login?next=//evil.example/office/",
                                   {"worker_id": "w-liuyang", "password": PASSWORD},
                                   allow_redirects=False)
        assert answer.headers["Location"] == "/office/"


class TestPasswordCommand:
    def test_the_it_person_sets_a_password_typed_twice(self, app, server_env, office_server):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "set-office-password", "w-liming"], env=server_env,
            cwd=ROOT, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True,
            timeout=60, check=True)
        assert "已为李明设置综治中心登录密码" in done.stdout
        with app.app_context():
            assert sign_in("w-liming", PASSWORD).worker is not None

    def test_a_refusal_is_said_in_chinese_and_fails(self, server_env, office_server):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "set-office-password", "w-liming"], env=server_env,
            cwd=ROOT, input="short\nshort\n", capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert "密码至少需要10个字符" in done.stderr


class TestLockOut:
    def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(self, browser):
        for _ in range(MAX_FAILED_LOGINS):
            browser.sign_in("w-liuyang", "not-the-password")
        answer = browser.sign_in("w-liuyang")
        assert answer.status_code == 401
        assert "账号已锁定" in answer.text

    def test_the_lock_ends_after_its_time(self, app, office_server):
        with app.app_context():
            for _ in range(MAX_FAILED_LOGINS):
                sign_in("w-liuyang", "not-the-password", now_ms=1_000_000)
            assert sign_in("w-liuyang", PASSWORD, now_ms=1_000_000).refusal == "locked"
            later = 1_000_000 + LOCK_MINUTES * 60_000 + 1
            assert sign_in("w-liuyang", PASSWORD, now_ms=later).worker is not None

    def test_a_right_password_clears_the_count(self, app, office_server):
        with app.app_context():
            for _ in range(MAX_FAILED_LOGINS - 1):
                sign_in("w-liuyang", "not-the-password")
            sign_in("w-liuyang", PASSWORD)
            for _ in range(MAX_FAILED_LOGINS - 1):
                sign_in("w-liuyang", "not-the-password")
            assert sign_in("w-liuyang", PASSWORD).worker is not None


class TestSession:
    def test_a_form_without_its_token_is_refused_in_chinese(self, browser):
        answer = browser.post_form("/office/login",
                                   {"worker_id": "w-liuyang", "password": PASSWORD},
                                   token=False)
        assert answer.status_code == 400
        assert "页面已过期" in answer.text

    def test_signing_out_ends_the_session(self, browser):
        page = browser.sign_in("w-liuyang")
        browser.http.post(urljoin(browser.base_url, "/office/logout"),
                          data={"csrf_token": csrf_token(page.text)}, timeout=10)
        assert browser.get("/office/", allow_redirects=False).status_code == 302

    def test_a_copied_cookie_opens_nothing_after_signing_out(self, browser, office_server):
        page = browser.sign_in("w-liuyang")
        thief = OfficeBrowser(office_server.url)
        thief.http.cookies.update(browser.http.cookies)
        assert "工作台" in thief.get("/office/").text  # the copy works while signed in
        browser.http.post(urljoin(browser.base_url, "/office/logout"),
                          data={"csrf_token": csrf_token(page.text)}, timeout=10)
        assert thief.get("/office/", allow_redirects=False).status_code == 302

    def test_a_new_password_ends_open_sessions(self, app, browser):
        browser.sign_in("w-liuyang")
        with app.app_context():
            set_password("w-liuyang", PASSWORD + "-new")
        answer = browser.get("/office/")
        assert "密码已更改或账号已停用" in answer.text

    def test_the_session_cookie_is_hidden_from_scripts_and_other_sites(self, browser):
        browser.get("/office/login")
        answer = browser.post_form("/office/login",
                                   {"worker_id": "w-liuyang", "password": PASSWORD},
                                   allow_redirects=False)
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie

    def test_the_device_api_needs_no_form_token(self, browser):
        answer = browser.http.post(urljoin(browser.base_url, "/api/v1/sync/push"),
                                   data=b"{}", timeout=10)
        assert answer.json()["error"]["code"] == "auth_required"


class TestScope:
    @pytest.fixture
    def two_communities(self, app, office_server):
        """A visit synced in 燕子山社区 and one in 佛山苑社区."""
        for worker_id, grid_id in (("w-wangfang", "g-yzs-03"), ("w-zhengwei", "g-fsy-03")):
            tablet = enrol_tablet(app, office_server.url, worker_id)
            tablet.writer.create("visit", {**visit(grid_id), "worker_id": worker_id})
            assert tablet.push().accepted == 1

    def grids_shown(self, page: str) -> set[str]:
        """The grids whose visits synced today the 工作台 counts (it lists every grid of
        the area, zero included)."""
        return set(re.findall(r'data-grid="([^"]+)" data-yesterday="\d+" data-today="[1-9]',
                              page))

    def test_community_staff_see_only_their_community(self, browser, two_communities):
        assert self.grids_shown(browser.sign_in("w-liuyang").text) == {"g-yzs-03"}

    def test_street_staff_see_their_whole_street(self, browser, two_communities):
        page = browser.sign_in("w-gaoping").text
        assert self.grids_shown(page) == {"g-yzs-03", "g-fsy-03"}
        assert "负责范围：千佛山街道" in page

    def test_the_district_admin_sees_everything(self, browser, two_communities):
        page = browser.sign_in("w-lindong").text
        assert self.grids_shown(page) == {"g-yzs-03", "g-fsy-03"}
        assert "负责范围：全区" in page
