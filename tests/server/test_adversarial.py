"""A hostile or broken client against the sync server: every attempt is refused with a 4xx
and a stable error code, and the street ledgers are exactly as they were before it.

What `test_sync_api.py` and `test_request_auth.py` already refuse (a revoked tablet using
its own client, replays, oversized bodies, compression bombs, bodies that are not gzip, an
unknown encoding, writes outside the worker's grid) is not repeated here. Real gunicorn
server, real HTTP, SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
from typing import Any

import brotli
import orjson
import pytest
import requests
from flask import Flask
from markupsafe import escape

from server.extensions import db
from server.models import Device, LedgerEntry, RecordProjection, StreetLedger
from server.services.ledger_verify import verify_ledger
from sync import canonical
from sync.chain import Batch, SignedHead
from sync.record_state import RecordState
from sync.signing import DeviceKey
from tests.server.conftest import LiveServer, flask_command
from tests.server.fleet import (
    WIRE,
    FieldTablet,
    dispute,
    enrol_tablet,
    import_demo_roster,
    signed_get,
    signed_post,
    visit,
)
from tests.server.test_office_login import OfficeBrowser
from tests.sync.examples import patrol_example, screening_example

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
ENROL = "/api/v1/enrol"


@pytest.fixture
def street(live_server: LiveServer) -> LiveServer:
    import_demo_roster(live_server.env)
    return live_server


@pytest.fixture
def wangfang(app: Flask, street: LiveServer) -> FieldTablet:
    """Grid worker 王芳, 燕子山路3号院 (g-yzs-03)."""
    return enrol_tablet(app, street.url, "w-wangfang")


def ledger_state(app: Flask) -> tuple[int, list[tuple[str, int, str]], list[tuple[str, int]]]:
    """Everything a refused request must leave alone: the number of ledger entries, each
    street ledger's size and chain head, and each device's acknowledged mark."""
    with app.app_context():
        entries = db.session.query(LedgerEntry).count()
        heads = [(s.street_id, s.size, s.last_hash) for s in
                 db.session.query(StreetLedger).order_by(StreetLedger.street_id)]
        marks = [(d.id, d.acked_seq) for d in db.session.query(Device).order_by(Device.id)]
        return entries, heads, marks


def assert_ledger_unchanged(app: Flask, before: tuple) -> None:
    assert ledger_state(app) == before
    with app.app_context():
        assert verify_ledger().ok


def push_wire(tablet: FieldTablet, url: str, wire: bytes) -> requests.Response:
    """POST a hand-over body (`Batch.to_wire()` form) gzipped, signed by the tablet."""
    return signed_post(tablet, url, PUSH, gzip.compress(wire), WIRE)


def refusal(answer: requests.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def with_line(wire: bytes, position: int, line: bytes) -> bytes:
    """The hand-over body with its line at `position` (0 is the chain head) replaced."""
    lines = wire.split(b"\n")
    lines[position] = line
    return b"\n".join(lines)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def three_visits(tablet: FieldTablet) -> bytes:
    for number in range(1, 4):
        tablet.writer.create("visit", visit(number=number))
    return tablet.writer.batch_since(0).to_wire()


class TestStolenKeyAfterRevocation:
    def test_a_push_signed_with_the_revoked_key_enters_nothing(self, app, street, wangfang):
        wangfang.writer.create("visit", visit())
        wangfang.push()
        flask_command(street.env, "revoke-device", wangfang.client.device_id,
                      "--reason", "平板被盗")
        before = ledger_state(app)
        wangfang.writer.create("visit", visit(number=2))  # what the thief writes
        answer = push_wire(wangfang, street.url, wangfang.writer.batch_since(1).to_wire())
        assert refusal(answer) == (403, "device_revoked")
        assert_ledger_unchanged(app, before)

    def test_a_pull_signed_with_the_revoked_key_gets_no_records(self, app, street, wangfang):
        wangfang.writer.create("dispute", dispute())
        wangfang.push()
        flask_command(street.env, "revoke-device", wangfang.client.device_id,
                      "--reason", "平板被盗")
        answer = signed_get(wangfang, street.url, PULL)
        assert refusal(answer) == (403, "device_revoked")
        assert set(answer.json()) == {"error"}


class TestForgedChainHeads:
    def test_a_head_signed_by_another_key_is_refused(self, app, street, wangfang):
        batch = Batch.from_wire(three_visits(wangfang))
        last = batch.ops[-1]
        forged = SignedHead.sign(DeviceKey.generate(), wangfang.client.device_id, last.seq,
                                 last.id, batch.head.signed_at)
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, Batch(batch.ops, forged).to_wire())
        assert refusal(answer) == (409, "bad_signature")
        assert_ledger_unchanged(app, before)

    def test_a_head_claiming_more_than_the_batch_holds_is_refused(self, app, street,
                                                                  wangfang):
        batch = Batch.from_wire(three_visits(wangfang))
        claimed = wangfang.writer.chain.signed_head_at(4, "f" * 64, batch.head.signed_at)
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, Batch(batch.ops, claimed).to_wire())
        assert refusal(answer) == (409, "head_mismatch")
        assert_ledger_unchanged(app, before)

    def test_a_head_of_another_device_is_refused(self, app, street, wangfang):
        other = enrol_tablet(app, street.url, "w-zhaolei")
        other.writer.create("visit", visit("g-yzs-01"))
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, other.writer.batch_since(0).to_wire())
        assert refusal(answer) == (403, "wrong_device")
        assert_ledger_unchanged(app, before)


class TestTamperedOperations:
    def test_one_altered_op_refuses_the_whole_batch(self, app, street, wangfang):
        wire = three_visits(wangfang)
        tampered = wire.replace("第2户".encode(), "第9户".encode())
        assert tampered != wire
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, tampered)
        assert refusal(answer) == (409, "head_mismatch")
        assert_ledger_unchanged(app, before)

    def test_an_op_that_carries_its_own_link_is_refused(self, app, street, wangfang):
        wire = three_visits(wangfang)
        line = orjson.loads(wire.split(b"\n")[1])
        linked = canonical.encode({**line, "prev": "0" * 64})
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 1, linked))
        assert refusal(answer) == (400, "op_malformed")
        assert_ledger_unchanged(app, before)

    def test_the_genuine_batch_lands_after_a_tampered_one(self, app, street, wangfang):
        wire = three_visits(wangfang)
        push_wire(wangfang, street.url, wire.replace("第2户".encode(), "第9户".encode()))
        report = wangfang.push()
        assert (report.accepted, report.quarantined) == (3, [])
        with app.app_context():
            assert verify_ledger().ok


class TestMalformedBodies:
    @pytest.mark.parametrize("depth", [300, 5000], ids=["encodable-depth", "parse-depth"])
    def test_a_deeply_nested_operation_is_malformed(self, app, street, wangfang, depth):
        wire = three_visits(wangfang)
        line = wire.split(b"\n")[2]
        deep = line.replace(b'"changes":{', b'"changes":{"deep":' + nested(depth) + b",", 1)
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 2, deep))
        assert refusal(answer) == (400, "op_malformed")
        assert_ledger_unchanged(app, before)

    @pytest.mark.parametrize("depth", [300, 5000], ids=["encodable-depth", "parse-depth"])
    def test_a_deeply_nested_chain_head_is_malformed(self, app, street, wangfang, depth):
        wire = three_visits(wangfang)
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 0, nested(depth)))
        assert refusal(answer) == (400, "head_malformed")
        assert_ledger_unchanged(app, before)

    def test_a_chain_head_field_nested_a_thousand_deep_is_malformed(self, app, street,
                                                                     wangfang):
        wire = three_visits(wangfang)
        head = orjson.loads(wire.split(b"\n")[0])
        deep = canonical.encode({**head, "device": None}).replace(
            b'"device":null', b'"device":' + nested(1000))
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 0, deep))
        assert refusal(answer) == (400, "head_malformed")
        assert_ledger_unchanged(app, before)

    def test_an_operation_that_is_not_utf8_is_malformed(self, app, street, wangfang):
        wire = three_visits(wangfang)
        line = wire.split(b"\n")[1].replace("老人".encode(), b"\xff\xfe\xc3\x28")
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 1, line))
        assert refusal(answer) == (400, "op_malformed")
        assert_ledger_unchanged(app, before)

    def test_a_chain_head_that_is_not_utf8_is_malformed(self, app, street, wangfang):
        wire = three_visits(wangfang)
        head = wire.split(b"\n")[0].replace(b'"device":"', b'"device":"\xff\xfe', 1)
        before = ledger_state(app)
        answer = push_wire(wangfang, street.url, with_line(wire, 0, head))
        assert refusal(answer) == (400, "head_malformed")
        assert_ledger_unchanged(app, before)

    def test_a_truncated_gzip_body_is_malformed(self, app, street, wangfang):
        body = gzip.compress(three_visits(wangfang))[:-12]
        before = ledger_state(app)
        answer = signed_post(wangfang, street.url, PUSH, body, WIRE)
        assert refusal(answer) == (400, "malformed_body")
        assert_ledger_unchanged(app, before)

    def test_a_gzip_body_failing_its_checksum_is_malformed(self, app, street, wangfang):
        body = bytearray(gzip.compress(three_visits(wangfang)))
        body[-8] ^= 0xFF  # the CRC-32 of the uncompressed data
        before = ledger_state(app)
        answer = signed_post(wangfang, street.url, PUSH, bytes(body), WIRE)
        assert refusal(answer) == (400, "malformed_body")
        assert_ledger_unchanged(app, before)

    def test_a_truncated_brotli_body_is_malformed(self, app, street, wangfang):
        body = brotli.compress(three_visits(wangfang))[:-5]
        before = ledger_state(app)
        answer = signed_post(wangfang, street.url, PUSH, body,
                             {**WIRE, "Content-Encoding": "br"})
        assert refusal(answer) == (400, "malformed_body")
        assert_ledger_unchanged(app, before)

    def test_a_push_declared_as_plain_text_is_refused(self, app, street, wangfang):
        body = gzip.compress(three_visits(wangfang))
        before = ledger_state(app)
        answer = signed_post(wangfang, street.url, PUSH, body,
                             {**WIRE, "Content-Type": "text/plain; charset=utf-8"})
        assert refusal(answer) == (415, "unsupported_media_type")
        assert_ledger_unchanged(app, before)


BEYOND_ANY_COLUMN = [2**31, 10**20, -(10**20)]
"""Past a 4-byte integer (PostgreSQL's `integer`), past an 8-byte one, and far below."""


class TestPositionsOutOfRange:
    """Once server errors: the number was compared with an `integer` column as it came."""

    def test_quarantined_after_any_whole_number_is_answered(self, app, street, wangfang):
        wangfang.writer.create("visit", visit(grid_id="g-fsy-01"))  # quarantined
        wangfang.push()
        for after in BEYOND_ANY_COLUMN:
            answer = signed_get(wangfang, street.url, "/api/v1/sync/quarantined",
                                f"after={after}")
            assert answer.status_code == 200, after
            assert len(answer.json()["quarantined"]) == (1 if after < 0 else 0)

    def test_a_pull_cursor_at_any_position_is_answered(self, app, street, wangfang):
        wangfang.writer.create("visit", visit())
        wangfang.push()
        mediator = enrol_tablet(app, street.url, "w-liming")
        roster = mediator.pull().cursor.split(":")[2]
        for position in BEYOND_ANY_COLUMN:
            answer = signed_get(mediator, street.url, PULL,
                                f"cursor=o%3A{position}%3A{roster}")
            assert answer.status_code == 200, position
            assert len(answer.json()["ops"]) == (1 if position < 0 else 0)


class TestMalformedEnrolments:
    @pytest.mark.parametrize("body", [b"\xff\xfe{\"code\": 1}", b"code=123456"],
                             ids=["not-utf8", "form-encoded"])
    def test_a_body_that_is_not_json_is_a_bad_request(self, app, street, body):
        before = ledger_state(app)
        answer = requests.post(street.url + ENROL, data=body, timeout=10,
                               headers={"Content-Type": "application/json"})
        assert refusal(answer) == (400, "bad_request")
        assert_ledger_unchanged(app, before)

    def test_a_deeply_nested_body_is_a_bad_request(self, app, street):
        before = ledger_state(app)
        answer = requests.post(street.url + ENROL, data=nested(100_000), timeout=10,
                               headers={"Content-Type": "application/json"})
        assert refusal(answer) == (400, "bad_request")
        assert_ledger_unchanged(app, before)


HOSTILE = ("<script>alert('民情')</script><img src=x onerror=alert(1)>"
           "'; DROP TABLE ledger_entries; --")
"""Markup and SQL in one string: shown as text, stored as sent, run never."""


def hostile(path: str) -> str:
    return f"{HOSTILE} {path}"


def hostile_records() -> dict[str, tuple[str, dict[str, Any]]]:
    """Per record family: the demo worker who writes it and a valid record with every
    free-text field (people's words, not codes, dates or ids) holding `HOSTILE`."""
    a_visit = {
        **visit(),
        "situation": hostile("situation"),
        "people_met": [{"name": hostile("people_met.name"),
                        "relation": hostile("people_met.relation")}],
        "requests": [{"id": "req-01", "service_class": "living",
                      "summary": hostile("requests.summary"), "problem_list": "cannot_fix",
                      "explanation": hostile("requests.explanation")}],
        "attachments": [{"id": "att-01", "kind": "photo", "sha256": "0" * 64,
                         "media_type": "image/jpeg", "size": 1,
                         "name": hostile("attachments.name")}],
    }
    a_dispute = dispute(
        parties=[{"name": hostile("parties.name"), "role": hostile("parties.role")}],
        description=hostile("description"),
        mediation_notes=[{"id": "note-01", "text": hostile("mediation_notes.text"),
                          "at": "2026-11-24T10:00:00+08:00", "by": "w-wangfang"}],
    )
    a_screening = {**screening_example(), "grid_id": "g-yzs-03", "worker_id": "w-wangfang",
                   "screened_areas": [hostile("screened_areas")], "nothing_found": True,
                   "case_ids": []}
    a_patrol = {**patrol_example(), "grid_id": "g-yzs-01", "team_id": "t-yzs-residents",
                "members": [hostile("members")]}
    for checkpoint in a_patrol["checkpoints"]:
        checkpoint.update(place=hostile("checkpoints.place"), note=hostile("checkpoints.note"))
    a_patrol["findings"][0]["text"] = hostile("findings.text")
    return {"visit": ("w-wangfang", a_visit), "dispute": ("w-wangfang", a_dispute),
            "screening": ("w-wangfang", a_screening), "patrol": ("w-huangjun", a_patrol)}


@pytest.fixture
def hostile_text(app, office_server) -> dict[str, tuple[FieldTablet, str]]:
    """Each family's hostile record written on a real tablet and pushed, with a hostile
    mediation note and 365 progress note added after: record type -> (tablet, record id)."""
    tablets: dict[str, FieldTablet] = {}
    written = {}
    for record_type, (worker_id, record) in hostile_records().items():
        if worker_id not in tablets:
            tablets[worker_id] = enrol_tablet(app, office_server.url, worker_id)
        written[record_type] = (tablets[worker_id],
                                tablets[worker_id].writer.create(record_type, record))
    wangfang = tablets["w-wangfang"]
    wangfang.writer.add(written["dispute"][1], "mediation_notes", {
        "id": "note-02", "text": hostile("mediation_notes.added"),
        "at": "2026-11-25T10:00:00+08:00", "by": "w-wangfang"})
    wangfang.writer.add(written["visit"][1], "request_progress", {
        "id": "step-01", "request_id": "req-01", "step": "handled",
        "at": "2026-11-26T10:00:00+08:00", "by": "w-wangfang",
        "note": hostile("request_progress.note")})
    for tablet in tablets.values():
        report = tablet.push()
        assert report.quarantined == [], report.quarantined
    return written


def free_texts(value: Any) -> list[str]:
    """Every hostile string inside a record's JSON."""
    if isinstance(value, str):
        return [value] if value.startswith(HOSTILE) else []
    if isinstance(value, dict):
        return [text for item in value.values() for text in free_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in free_texts(item)]
    return []


class TestHostileFreeText:
    def test_every_free_text_is_stored_exactly_as_written(self, app, hostile_text):
        for tablet, record_id in hostile_text.values():
            on_tablet = tablet.replica.record(record_id)
            with app.app_context():
                row = db.session.get(RecordProjection, record_id)
                on_server = RecordState(orjson.loads(row.state)).view()
            assert on_server == on_tablet
        stored = [text for tablet, record_id in hostile_text.values()
                  for text in free_texts(tablet.replica.record(record_id)["values"])]
        written = sum(len(free_texts(record)) for _, record in hostile_records().values())
        assert len(stored) == written + 2  # and the mediation note and the progress note
        with app.app_context():
            assert verify_ledger().ok

    def test_the_ledger_pages_show_it_as_text(self, office_server, hostile_text):
        browser = OfficeBrowser(office_server.url)
        browser.sign_in("w-gaoping")
        for page in ("/office/", "/office/ledgers/visits", "/office/ledgers/disputes",
                     "/office/ledgers/patrols", "/office/ledgers/requests"):
            answer = browser.get(page)
            assert answer.status_code == 200, page
            assert "<script>alert(" not in answer.text, page
            assert "<img src=x" not in answer.text, page

    def test_each_records_page_shows_every_free_text_escaped(self, office_server,
                                                             hostile_text):
        """Escaped as the templates escape (markupsafe), so nothing was dropped either."""
        browser = OfficeBrowser(office_server.url)
        browser.sign_in("w-gaoping")
        for tablet, record_id in hostile_text.values():
            page = browser.get(f"/office/records/{record_id}").text
            assert "<script>alert(" not in page and "<img src=x" not in page
            assert "&lt;script&gt;alert(" in page
            written = free_texts(tablet.replica.record(record_id)["values"])
            assert [text for text in written if str(escape(text)) not in page] == []
