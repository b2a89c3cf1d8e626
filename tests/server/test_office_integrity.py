"""台账校验 in the office's pages: the signed tree heads, a verification rerun on demand that
names the first broken entry, and a report inspectors download. Real server, real HTTP."""

from __future__ import annotations

import re

import pytest

from server.extensions import db
from server.models import LedgerEntry
from sync.merkle import root_of
from tests.server.fleet import enrol_tablet, visit
from tests.server.test_ledger import bypass_append_only, run_sql
from tests.server.test_office_login import OfficeBrowser, csrf_token


@pytest.fixture
def synced(app, office_server):
    """Three visits synced into 千佛山街道's ledger."""
    tablet = enrol_tablet(app, office_server.url, "w-wangfang")
    for number in range(1, 4):
        tablet.writer.create("visit", visit(number=number))
    assert tablet.push().accepted == 3
    return office_server


def street_office(server) -> tuple[OfficeBrowser, str]:
    browser = OfficeBrowser(server.url)
    return browser, csrf_token(browser.sign_in("w-gaoping").text)


def verify_on_the_page(browser: OfficeBrowser, token: str) -> str:
    return browser.http.post(f"{browser.base_url}/office/integrity",
                             data={"csrf_token": token}, timeout=30).text


class TestTreeHeads:
    def test_the_page_shows_the_streets_latest_signed_head(self, app, synced):
        browser, _ = street_office(synced)
        page = browser.get("/office/integrity").text
        row = re.search(r'data-street="s-qianfoshan">(.*?)</tr>', page, re.S).group(1)
        assert "<td>3</td>" in row
        with app.app_context():
            hashes = list(db.session.scalars(
                db.select(LedgerEntry.entry_hash).order_by(LedgerEntry.position)))
        assert root_of(hashes) in row  # the root is the ledger's own

    def test_community_staff_are_sent_to_the_street_office(self, synced):
        browser = OfficeBrowser(synced.url)
        browser.sign_in("w-liuyang")
        answer = browser.get("/office/integrity")
        assert answer.status_code == 403


class TestVerification:
    def test_an_untouched_ledger_verifies_on_the_page(self, synced):
        browser, token = street_office(synced)
        page = verify_on_the_page(browser, token)
        assert 'data-ok="true"' in page
        assert "台账校验通过：3条记录" in page

    def test_a_changed_entry_is_named_on_the_page(self, app, synced):
        bypass_append_only(app)
        run_sql(app, "UPDATE ledger_entries SET verdict = 'quarantined' WHERE position = 2")
        browser, token = street_office(synced)
        page = verify_on_the_page(browser, token)
        assert 'data-ok="false"' in page
        assert "台账校验失败：街道s-qianfoshan第2条" in page

    def test_inspectors_download_the_report_with_heads_and_keys(self, synced):
        browser, _ = street_office(synced)
        answer = browser.get("/office/integrity/report.json")
        assert "attachment" in answer.headers["Content-Disposition"]
        report = answer.json()
        assert (report["ok"], report["entries"], report["generated_by"]) == (
            True, 3, "w-gaoping")
        [head] = report["tree_heads"]
        assert (head["street_name"], head["size"]) == ("千佛山街道", 3)
        assert head["key_id"] in {key["key_id"] for key in report["server_keys"]}
