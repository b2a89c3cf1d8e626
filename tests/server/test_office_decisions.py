"""Office decisions written as operations: assign, escalate, move on, rate, reopen, a
request's 365 step. Each is entered in the ledger under the office user's desk device and
reaches the tablets on their next pull; refusals write nothing. Real server, real HTTP
session, SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from server.services.ledger_verify import verify_ledger
from server.services.office_login import set_password
from tests.server.fleet import OFFICE_PASSWORD, dispute, enrol_tablet, visit
from tests.server.test_office_login import OfficeBrowser


@pytest.fixture
def wangfang(app, office_server):
    """王芳's tablet (燕子山, g-yzs-03)."""
    return enrol_tablet(app, office_server.url, "w-wangfang")


@pytest.fixture
def case(wangfang):
    """A case 王芳 opened and synced (her first pull, a snapshot, done: later pulls bring
    operations, whose history the tablet keeps)."""
    case_id = wangfang.writer.create("dispute", dispute())
    assert wangfang.push().accepted == 1
    wangfang.pull()
    return case_id


def office(server, worker_id: str = "w-liuyang") -> OfficeBrowser:
    browser = OfficeBrowser(server.url)
    browser.sign_in(worker_id)
    return browser


def decide(browser: OfficeBrowser, record_id: str, decision: str, **fields: str):
    return browser.post_form(f"/office/records/{record_id}/decisions/{decision}", fields)


def ledger_positions(browser: OfficeBrowser, record_id: str) -> list[str]:
    return re.findall(r'data-position="(\d+)"',
                      browser.get(f"/office/records/{record_id}").text)


def pulled(tablet, record_id: str) -> dict:
    tablet.pull()
    return tablet.replica.record(record_id)["values"]


class TestDecisionsReachTheTablets:
    def test_assigning_a_case_reaches_the_tablet_on_its_next_pull(self, office_server,
                                                                   wangfang, case):
        answer = decide(office(office_server), case, "assign", worker="w-liming")
        assert answer.status_code == 200
        assert "已记入台账" in answer.text
        assert pulled(wangfang, case)["assigned_to"] == "w-liming"

    def test_the_decision_is_signed_by_the_office_users_desk(self, office_server, wangfang,
                                                             case):
        decide(office(office_server), case, "escalate", level="community")
        wangfang.pull()
        (entry,) = [e for e in wangfang.replica.history(case, "escalation_level")
                    if e["changes"]["escalation_level"] == "community"]
        assert entry["author"] == {"id": "w-liuyang", "role": "community_staff"}
        assert entry["device"] == "desk-w-liuyang"

    def test_the_record_page_lists_the_decision_under_its_author(self, office_server, case):
        browser = office(office_server)
        page = decide(browser, case, "status", status="mediating").text
        assert "desk-w-liuyang" in page
        assert "刘洋" in page

    def test_successive_decisions_continue_one_chain_that_verifies(self, app, office_server,
                                                                   wangfang, case):
        browser = office(office_server)
        decide(browser, case, "status", status="mediating")
        decide(browser, case, "status", status="resolved")
        decide(browser, case, "rating", rating="5")
        values = pulled(wangfang, case)
        assert (values["status"], values["rating"]) == ("resolved", 5)
        with app.app_context():
            assert verify_ledger().ok


class TestCaseDecisions:
    def test_escalating_raises_the_handling_level(self, office_server, wangfang, case):
        decide(office(office_server), case, "escalate", level="street")
        assert pulled(wangfang, case)["escalation_level"] == "street"

    def test_a_lower_level_is_refused_in_chinese_and_nothing_is_written(self, office_server,
                                                                         wangfang, case):
        browser = office(office_server)
        decide(browser, case, "escalate", level="street")
        before = ledger_positions(browser, case)
        page = decide(browser, case, "escalate", level="community").text
        assert "上报层级只能升高" in page
        assert ledger_positions(browser, case) == before

    def test_resolving_moves_the_case_forward(self, office_server, wangfang, case):
        decide(office(office_server), case, "status", status="resolved")
        assert pulled(wangfang, case)["status"] == "resolved"

    def test_a_status_cannot_move_back_by_a_plain_decision(self, office_server, case):
        browser = office(office_server)
        decide(browser, case, "status", status="resolved")
        page = decide(browser, case, "status", status="found").text
        assert "重新打开案件" in page

    def test_the_residents_rating_is_recorded(self, office_server, wangfang, case):
        decide(office(office_server), case, "rating", rating="4")
        assert pulled(wangfang, case)["rating"] == 4

    @pytest.mark.parametrize("rating", ["0", "6", "好"])
    def test_a_rating_outside_1_to_5_is_refused(self, office_server, case, rating):
        browser = office(office_server)
        before = ledger_positions(browser, case)
        page = decide(browser, case, "rating", rating=rating).text
        assert "请填写1到5之间的整数评分" in page
        assert ledger_positions(browser, case) == before

    def test_assigning_to_someone_outside_the_area_is_refused(self, office_server, case):
        page = decide(office(office_server), case, "assign", worker="w-zhengwei").text
        assert "不在您负责的范围内" in page


class TestReopening:
    def test_reopening_takes_a_resolved_case_back_to_mediation(self, office_server, wangfang,
                                                               case):
        browser = office(office_server)
        decide(browser, case, "status", status="resolved")
        decide(browser, case, "reopen", reason="当事人反映漏水复发")
        wangfang.pull()
        assert wangfang.replica.record(case)["values"]["status"] == "mediating"
        (reopened,) = [e for e in wangfang.replica.history(case, "status")
                       if e["kind"] == "override"]
        assert reopened["reason"] == "当事人反映漏水复发"

    def test_reopening_needs_a_reason(self, office_server, case):
        browser = office(office_server)
        decide(browser, case, "status", status="resolved")
        assert "请填写原因" in decide(browser, case, "reopen", reason="  ").text

    def test_a_mediator_may_not_reopen(self, app, office_server, case):
        with app.app_context():
            set_password("w-liming", OFFICE_PASSWORD)
        staff, mediator = office(office_server), office(office_server, "w-liming")
        decide(staff, case, "status", status="resolved")
        page = decide(mediator, case, "reopen", reason="当事人反映漏水复发").text
        assert "无权重新打开案件" in page


class TestRequestSteps:
    def test_the_office_records_a_residents_rating_of_a_request(self, office_server, wangfang):
        record = {**visit(), "requests": [{"id": "req-1", "service_class": "living",
                                           "summary": "楼道灯不亮", "problem_list": "fix_now"}]}
        visit_id = wangfang.writer.create("visit", record)
        wangfang.push()
        decide(office(office_server), visit_id, "request_step", request="req-1", step="rated",
               rating="5", note="群众满意")
        (step,) = pulled(wangfang, visit_id)["request_progress"]
        assert (step["request_id"], step["step"], step["rating"], step["by"]) == (
            "req-1", "rated", 5, "w-liuyang")

    def test_a_rating_step_without_a_rating_is_refused(self, office_server, wangfang):
        record = {**visit(), "requests": [{"id": "req-1", "service_class": "living",
                                           "summary": "楼道灯不亮", "problem_list": "fix_now"}]}
        visit_id = wangfang.writer.create("visit", record)
        wangfang.push()
        page = decide(office(office_server), visit_id, "request_step", request="req-1",
                      step="rated").text
        assert "群众评议必须记录群众的评分" in page

    def test_a_step_on_a_request_the_visit_does_not_have_is_refused(self, office_server,
                                                                    wangfang):
        visit_id = wangfang.writer.create("visit", visit())
        wangfang.push()
        page = decide(office(office_server), visit_id, "request_step", request="req-9",
                      step="handled").text
        assert "没有这条记录（或这项诉求）" in page


class TestScope:
    def test_a_case_of_another_community_is_not_found_by_url(self, app, office_server):
        zhengwei = enrol_tablet(app, office_server.url, "w-zhengwei")
        case_id = zhengwei.writer.create("dispute", dispute("g-fsy-03", opened_by="w-zhengwei"))
        zhengwei.push()
        answer = decide(office(office_server), case_id, "status", status="resolved")
        assert answer.status_code == 404
        assert pulled(zhengwei, case_id)["status"] == "found"

    def test_a_decision_without_the_forms_token_is_refused(self, office_server, case):
        browser = office(office_server)
        answer = browser.post_form(f"/office/records/{case}/decisions/status",
                                   {"status": "resolved"}, token=False)
        assert answer.status_code == 400
        assert "页面已过期" in answer.text

    def test_an_unknown_decision_is_not_found(self, office_server, case):
        assert decide(office(office_server), case, "delete").status_code == 404
