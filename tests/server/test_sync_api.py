"""The sync API over real HTTP, with the real client, on SQLite and on PostgreSQL.

Tablets are real replicas and writers enrolled on a gunicorn server; the network between
them is real sockets on 127.0.0.1, made bad on purpose where a test says so.
"""

from __future__ import annotations

import gzip
import time

import brotli
import orjson
import pytest
import requests
from flask import Flask

from server.extensions import db
from server.models import Device, LedgerEntry, RecordProjection
from server.services.enrolment import issue_code
from server.services.ledger_verify import verify_ledger
from sync.client import ChainBehind, ClientSettings, DeviceRevoked, SyncClient
from sync.record_state import RecordState
from sync.replica import Replica
from sync.request_signing import sign_headers
from sync.signing import DeviceKey
from sync.writer import RecordWriter
from tests.server.conftest import LiveServer, flask_command
from tests.server.fleet import (
    WIRE,
    FieldTablet,
    dispute,
    enrol_tablet,
    import_demo_roster,
    signed_post,
    visit,
)
from tests.server.network import Fault, FaultProxy


@pytest.fixture
def office(live_server: LiveServer) -> LiveServer:
    import_demo_roster(live_server.env)
    return live_server


@pytest.fixture
def wangfang(app: Flask, office: LiveServer) -> FieldTablet:
    """Grid worker 王芳, 燕子山路3号院."""
    return enrol_tablet(app, office.url, "w-wangfang")


def ledger_count(app: Flask) -> int:
    with app.app_context():
        return db.session.query(LedgerEntry).count()


def server_view(app: Flask, record_id: str) -> dict:
    with app.app_context():
        row = db.session.get(RecordProjection, record_id)
        return RecordState(orjson.loads(row.state)).view()




class TestPush:
    def test_a_days_work_lands_in_the_ledger_once(self, app, wangfang):
        for number in range(1, 6):
            wangfang.writer.create("visit", visit(number=number))
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.writer.update(case_id, {"risk_colour": "red"})
        report = wangfang.push(batch_size=3)
        assert (report.accepted, report.quarantined) == (7, [])
        assert report.acknowledged_seq == 7
        assert ledger_count(app) == 7
        assert server_view(app, case_id) == wangfang.replica.record(case_id)
        with app.app_context():
            assert verify_ledger().ok

    def test_pushing_again_sends_nothing_new(self, app, wangfang):
        wangfang.writer.create("visit", visit())
        wangfang.push()
        again = wangfang.push()
        assert again.accepted == 0 and again.acknowledged_seq == 1
        assert ledger_count(app) == 1

    def test_the_same_batch_posted_twice_is_answered_the_same(self, app, office, wangfang):
        wangfang.writer.create("visit", visit())
        body = gzip.compress(wangfang.writer.batch_since(0).to_wire())
        first = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=10)
        second = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=11)
        assert first.json()["acknowledged"] == second.json()["acknowledged"]
        assert (first.json()["accepted"], second.json()["duplicates"]) == (1, 1)
        assert ledger_count(app) == 1

    def test_a_push_cut_off_midway_resumes_from_the_mark(self, app, office):
        proxy = FaultProxy(office.port)
        tablet = enrol_tablet(app, office.url, "w-wangfang", base_url=proxy.url)
        for number in range(1, 41):
            tablet.writer.create("visit", visit(number=number))
        proxy.inject(Fault(cut_request_after=3000, times=2))
        report = tablet.push(batch_size=10)
        assert proxy.faults_applied >= 2
        assert report.acknowledged_seq == 40
        assert ledger_count(app) == 40
        proxy.close()

    def test_a_lost_answer_is_retried_without_duplicates(self, app, office):
        proxy = FaultProxy(office.port)
        tablet = enrol_tablet(app, office.url, "w-wangfang", base_url=proxy.url)
        tablet.client.mark()  # warm the connection so the fault hits the push itself
        for number in range(1, 6):
            tablet.writer.create("visit", visit(number=number))
        proxy.inject(Fault(lose_response=True))
        report = tablet.push()
        assert report.acknowledged_seq == 5
        assert ledger_count(app) == 5
        with app.app_context():
            assert verify_ledger().ok
        proxy.close()


class TestQuarantineAfterALostAnswer:
    def test_the_reasons_are_fetched_when_the_push_answer_was_lost(self, app, office):
        proxy = FaultProxy(office.port)
        tablet = enrol_tablet(app, office.url, "w-wangfang", base_url=proxy.url)
        tablet.client.mark()
        tablet.writer.create("visit", visit())
        tablet.writer.create("visit", visit(grid_id="g-fsy-01"))  # outside her grid
        proxy.inject(Fault(lose_response=True))
        report = tablet.push()
        assert proxy.faults_applied == 1
        assert [(q["seq"], q["code"]) for q in report.quarantined] == [(2, "outside_scope")]
        assert "网格" in report.quarantined[0]["message"]
        proxy.close()


class TestEnrolmentOverABadNetwork:
    def test_a_lost_enrolment_answer_is_asked_again_and_gives_the_same_device(self, app,
                                                                              office):
        proxy = FaultProxy(office.port)
        with app.app_context():
            code = issue_code("w-wangfang").code
        key = DeviceKey.generate()
        proxy.inject(Fault(lose_response=True))
        settings = ClientSettings(backoff_base=0.01, backoff_cap=0.05, read_timeout=20.0)
        enrolment = SyncClient.enrol(proxy.url, code, key, "王芳的平板", settings=settings)
        assert proxy.faults_applied == 1
        with app.app_context():
            [device] = db.session.query(Device).all()
        assert enrolment.device_id == device.id
        proxy.close()


class TestRestoredTablets:
    def test_a_tablet_restored_from_an_old_backup_stops_instead_of_forking(self, app, office):
        tablet = enrol_tablet(app, office.url, "w-wangfang")
        backup = RecordWriter(Replica(), tablet.client.device_id, tablet.key,
                              tablet.writer.author)  # the tablet as it was, empty
        for number in range(1, 4):
            tablet.writer.create("visit", visit(number=number))
        tablet.push()
        with pytest.raises(ChainBehind) as behind:
            tablet.client.push(backup)
        assert behind.value.details == {"server_seq": 3, "tablet_seq": 0}
        assert "备份" in behind.value.message
        assert ledger_count(app) == 3


class TestScope:
    def test_a_write_outside_the_workers_grid_is_quarantined_and_the_rest_lands(
            self, app, wangfang):
        wangfang.writer.create("visit", visit())
        elsewhere = wangfang.writer.create("visit", visit(grid_id="g-fsy-01"))
        wangfang.writer.create("visit", visit(number=2))
        report = wangfang.push()
        assert report.accepted == 2
        [held] = report.quarantined
        assert (held["code"], held["seq"]) == ("outside_scope", 2)
        assert "网格" in held["message"]
        with app.app_context():
            entry = db.session.query(LedgerEntry).filter_by(record_id=elsewhere).one()
            assert entry.verdict == "quarantined"
            assert db.session.get(RecordProjection, elsewhere) is None

    def test_an_edit_based_on_a_quarantined_write_is_quarantined_too(self, wangfang):
        elsewhere = wangfang.writer.create("dispute", dispute(grid_id="g-fsy-01"))
        wangfang.writer.update(elsewhere, {"risk_colour": "red"})
        report = wangfang.push()
        assert [q["code"] for q in report.quarantined] == ["outside_scope",
                                                           "depends_on_quarantined"]

    def test_an_edit_pushed_after_its_quarantined_write_is_quarantined_too(self, wangfang):
        elsewhere = wangfang.writer.create("dispute", dispute(grid_id="g-fsy-01"))
        assert wangfang.push().quarantined[0]["code"] == "outside_scope"
        wangfang.writer.update(elsewhere, {"risk_colour": "red"})
        assert [q["code"] for q in wangfang.push().quarantined] == ["depends_on_quarantined"]

    def test_an_edit_pushed_after_its_accepted_write_is_accepted(self, app, wangfang):
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.push()
        wangfang.writer.update(case_id, {"risk_colour": "red"})
        report = wangfang.push()
        assert (report.accepted, report.quarantined) == (1, [])
        with app.app_context():
            assert b'"red"' in db.session.get(RecordProjection, case_id).state

    def test_a_patrol_member_cannot_open_a_dispute_case(self, app, office):
        patrol = enrol_tablet(app, office.url, "w-huangjun")
        patrol.writer.create("dispute", dispute(grid_id="g-yzs-01"))
        assert patrol.push().quarantined[0]["code"] == "outside_scope"


class TestRefusals:
    def test_a_revoked_device_gets_nothing(self, app, office, wangfang):
        wangfang.writer.create("visit", visit())
        flask_command(office.env, "revoke-device", wangfang.client.device_id,
                      "--reason", "平板遗失")
        with pytest.raises(DeviceRevoked):
            wangfang.push()
        with pytest.raises(DeviceRevoked):
            wangfang.pull()
        assert ledger_count(app) == 0

    def test_a_replayed_request_is_refused(self, app, office, wangfang):
        wangfang.writer.create("visit", visit())
        body = gzip.compress(wangfang.writer.batch_since(0).to_wire())
        signed = sign_headers(wangfang.key, wangfang.client.device_id, 77, 0, "POST",
                              "/api/v1/sync/push", "", body)
        url = office.url + "/api/v1/sync/push"
        assert requests.post(url, data=body, headers={**signed, **WIRE}, timeout=10).ok
        again = requests.post(url, data=body, headers={**signed, **WIRE}, timeout=10)
        assert again.status_code == 401
        assert again.json()["error"]["code"] == "request_replayed"
        assert ledger_count(app) == 1

    def test_a_refused_body_still_spends_its_counter(self, office, wangfang):
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", b"not gzip", WIRE,
                             counter=40)
        assert answer.status_code == 400
        again = signed_post(wangfang, office.url, "/api/v1/sync/push", b"not gzip", WIRE,
                             counter=40)
        assert again.json()["error"]["code"] == "request_replayed"

    def test_a_refused_batch_still_spends_its_counter(self, app, office, wangfang):
        for number in range(1, 4):
            wangfang.writer.create("visit", visit(number=number))
        body = gzip.compress(wangfang.writer.batch_since(2).to_wire())
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=41)
        assert answer.json()["error"]["code"] == "op_missing"
        again = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=41)
        assert again.json()["error"]["code"] == "request_replayed"
        assert ledger_count(app) == 0

    def test_a_bad_body_from_a_stranger_is_refused_as_unauthenticated(self, office,
                                                                      wangfang):
        stranger = DeviceKey.generate()
        signed = sign_headers(stranger, wangfang.client.device_id, 42,
                              int(time.time() * 1000), "POST", "/api/v1/sync/push", "",
                              b"not gzip")
        answer = requests.post(office.url + "/api/v1/sync/push", data=b"not gzip",
                               timeout=10, headers={**signed, **WIRE})
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "auth_bad_signature"

    def test_an_oversized_body_is_refused_with_413(self, office, wangfang):
        body = b"x" * (5 * 1024 * 1024)
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=5)
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "body_too_large"

    def test_a_gzip_bomb_is_refused_with_413(self, office, wangfang):
        body = gzip.compress(b"{" * (40 * 1024 * 1024))
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=5)
        assert answer.status_code == 413

    def test_a_brotli_bomb_is_refused_with_413(self, office, wangfang):
        body = brotli.compress(b"{" * (40 * 1024 * 1024))
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body,
                             {**WIRE, "Content-Encoding": "br"}, counter=5)
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "body_too_large"

    def test_a_body_in_an_unknown_encoding_is_refused_with_415(self, office, wangfang):
        body = wangfang.writer.batch_since(0).to_wire()
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body,
                             {**WIRE, "Content-Encoding": "compress"}, counter=5)
        assert answer.status_code == 415
        assert answer.json()["error"]["code"] == "unsupported_encoding"

    def test_a_gzip_push_from_an_older_client_is_accepted(self, app, office, wangfang):
        wangfang.writer.create("visit", visit())
        body = gzip.compress(wangfang.writer.batch_since(0).to_wire())
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=5)
        assert answer.ok and answer.json()["accepted"] == 1
        assert ledger_count(app) == 1

    def test_a_body_that_is_not_gzip_is_refused(self, office, wangfang):
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", b"not gzip", WIRE,
                             counter=5)
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "malformed_body"

    def test_a_push_with_the_wrong_content_type_is_refused(self, app, office, wangfang):
        wangfang.writer.create("visit", visit())
        body = gzip.compress(wangfang.writer.batch_since(0).to_wire())
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body,
                             {**WIRE, "Content-Type": "application/json"}, counter=5)
        assert answer.status_code == 415
        assert answer.json()["error"]["code"] == "unsupported_media_type"
        assert ledger_count(app) == 0

    def test_a_batch_that_skips_ahead_is_told_where_to_resume(self, office, wangfang):
        for number in range(1, 4):
            wangfang.writer.create("visit", visit(number=number))
        body = gzip.compress(wangfang.writer.batch_since(2).to_wire())
        answer = signed_post(wangfang, office.url, "/api/v1/sync/push", body, WIRE, counter=5)
        assert answer.status_code == 409
        error = answer.json()["error"]
        assert error["code"] == "op_missing"
        assert error["details"]["acknowledged"]["seq"] == 0


def signed_pull(tablet: FieldTablet, url: str, accept_encoding: str) -> requests.Response:
    path = "/api/v1/sync/pull"
    signed = sign_headers(tablet.key, tablet.client.device_id, 9, int(time.time() * 1000),
                          "GET", path, "", b"")
    return requests.get(url + path, timeout=10, stream=True,
                        headers={**signed, "Accept-Encoding": accept_encoding})


class TestPull:
    @pytest.mark.parametrize(("accepted", "answered"), [
        ("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)])
    def test_a_page_comes_in_the_best_encoding_the_tablet_accepts(self, office, wangfang,
                                                                   accepted, answered):
        answer = signed_pull(wangfang, office.url, accepted)
        assert answer.ok
        assert answer.headers.get("Content-Encoding") == answered
        page = orjson.loads(answer.raw.read(decode_content=True))
        assert page["roster"]["grids"]

    def test_a_new_tablet_starts_from_a_snapshot(self, app, office, wangfang):
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.writer.update(case_id, {"status": "mediating"})
        wangfang.push()
        mediator = enrol_tablet(app, office.url, "w-liming")
        report = mediator.pull()
        assert report.snapshot_records == 1 and report.applied == 0
        assert mediator.replica.record(case_id) == wangfang.replica.record(case_id)
        assert report.roster is not None and report.roster["households"]

    def test_pull_brings_only_changes_in_scope(self, app, office, wangfang):
        other_grid = enrol_tablet(app, office.url, "w-zhaolei")
        other_grid.pull()
        wangfang.writer.create("visit", visit())
        wangfang.push()
        assert other_grid.pull().applied == 0
        mediator = enrol_tablet(app, office.url, "w-liming")
        mediator.pull()
        wangfang.writer.create("visit", visit(number=2))
        wangfang.push()
        assert mediator.pull().applied == 1

    def test_three_tablets_and_the_office_converge_on_one_case(self, app, office, wangfang):
        mediator = enrol_tablet(app, office.url, "w-liming")
        staff = enrol_tablet(app, office.url, "w-liuyang")
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.sync()
        for tablet in (mediator, staff):
            tablet.sync()
        wangfang.writer.update(case_id, {"description": "402防水层老化，双方同意先请物业查看。"})
        wangfang.writer.update(case_id, {"status": "mediating"})
        mediator.writer.update(case_id, {"description": "402装修破坏防水层所致。"})
        mediator.writer.update(case_id, {"status": "resolved", "risk_colour": "red"})
        mediator.writer.add(case_id, "mediation_notes", {
            "text": "诚心劝说，双方同意赔偿", "at": "2026-11-26T15:00:00+08:00", "by": "w-liming"})
        staff.writer.update(case_id, {"escalation_level": "community"})
        for _ in range(2):
            for tablet in (wangfang, mediator, staff):
                tablet.sync()
        views = [t.replica.record(case_id) for t in (wangfang, mediator, staff)]
        assert views[0] == views[1] == views[2] == server_view(app, case_id)
        record = views[0]
        assert record["values"]["status"] == "resolved"
        assert record["values"]["escalation_level"] == "community"
        assert [c["field"] for c in record["conflicts"]] == ["description"]
        staff.writer.resolve(case_id, "description", "402装修破坏防水层漏水；已协商赔偿。")
        for tablet in (staff, wangfang, mediator):
            tablet.sync()
        assert wangfang.replica.record(case_id)["conflicts"] == []
        assert server_view(app, case_id) == wangfang.replica.record(case_id)
        with app.app_context():
            assert verify_ledger().ok
