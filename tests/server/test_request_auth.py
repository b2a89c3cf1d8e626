"""Signed requests on the server: who sent it, that it is theirs, and that it is not a replay.

Requests go to `GET /api/v1/sync/mark`, the simplest signed endpoint, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.extensions import db
from server.models import Device, Street, Worker
from sync.client import MemoryCounter, SyncClient
from sync.clock import wall_ms
from sync.request_signing import sign_headers
from sync.signing import DeviceKey

MARK = "/api/v1/sync/mark"
DEVICE = "dev-auth-test"
DAY_MS = 86_400_000


@pytest.fixture
def key() -> DeviceKey:
    return DeviceKey.generate()


@pytest.fixture
def enrolled(app: Flask, key: DeviceKey) -> Iterator[FlaskClient]:
    """A test client for an app with one enrolled device."""
    with app.app_context():
        db.session.add(Street(id="s-qfs", name="千佛山街道"))
        db.session.flush()
        db.session.add(Worker(id="w-wangfang", name="王芳", role="street_staff",
                              street_id="s-qfs"))
        db.session.flush()
        db.session.add(Device(id=DEVICE, worker_id="w-wangfang",
                              public_key=key.public.to_text(), name="王芳的平板",
                              enrolled_at=wall_ms()))
        db.session.commit()
    yield app.test_client()


def device(app: Flask) -> Device:
    with app.app_context():
        found = db.session.get(Device, DEVICE)
        db.session.expunge(found)
        return found


def get_mark(http: FlaskClient, key: DeviceKey, counter: int, *, device_id: str = DEVICE,
             timestamp: int | None = None, signed_query: str = "", sent_query: str = ""):
    headers = sign_headers(key, device_id, counter, timestamp or wall_ms(), "GET", MARK,
                           signed_query, b"")
    return http.get(MARK + (f"?{sent_query}" if sent_query else ""), headers=headers)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


class TestAccepted:
    def test_a_request_signed_by_the_device_is_served(self, enrolled, key):
        response = get_mark(enrolled, key, 1)
        assert response.status_code == 200
        assert response.get_json() == {"acknowledged": {"seq": 0, "head": ""}}

    def test_the_counter_and_the_time_seen_are_recorded(self, app, enrolled, key):
        before = wall_ms()
        get_mark(enrolled, key, 1_795_000_000_000_001)
        stored = device(app)
        assert stored.last_counter == 1_795_000_000_000_001
        assert stored.last_seen_at >= before

    def test_a_clock_days_off_is_recorded_not_refused(self, app, enrolled, key):
        response = get_mark(enrolled, key, 1, timestamp=wall_ms() - 3 * DAY_MS)
        assert response.status_code == 200
        assert device(app).clock_offset_ms == pytest.approx(-3 * DAY_MS, abs=60_000)

    def test_the_query_string_is_covered_as_sent(self, enrolled, key):
        query = "cursor=o%3A1%3A2&limit=5"
        response = get_mark(enrolled, key, 1, signed_query=query, sent_query=query)
        assert response.status_code == 200


class TestRefused:
    def test_a_request_without_signature_headers(self, enrolled):
        response = enrolled.get(MARK)
        assert (response.status_code, error_code(response)) == (401, "auth_required")

    def test_an_unknown_device(self, enrolled, key):
        response = get_mark(enrolled, key, 1, device_id="dev-nobody")
        assert (response.status_code, error_code(response)) == (401, "auth_unknown_device")

    def test_a_request_signed_by_another_key(self, enrolled):
        response = get_mark(enrolled, DeviceKey.generate(), 1)
        assert (response.status_code, error_code(response)) == (401, "auth_bad_signature")

    def test_a_query_other_than_the_signed_one(self, enrolled, key):
        response = get_mark(enrolled, key, 1, signed_query="limit=5", sent_query="limit=5000")
        assert (response.status_code, error_code(response)) == (401, "auth_bad_signature")

    def test_the_same_request_a_second_time(self, enrolled, key):
        headers = sign_headers(key, DEVICE, 7, wall_ms(), "GET", MARK, "", b"")
        assert enrolled.get(MARK, headers=headers).status_code == 200
        replayed = enrolled.get(MARK, headers=headers)
        assert (replayed.status_code, error_code(replayed)) == (401, "request_replayed")
        assert replayed.get_json()["error"]["details"] == {"last_counter": 7}

    def test_a_counter_below_the_last_accepted(self, app, enrolled, key):
        get_mark(enrolled, key, 100)
        response = get_mark(enrolled, key, 99)
        assert error_code(response) == "request_replayed"
        assert device(app).last_counter == 100

    def test_a_revoked_device_from_its_next_request_on(self, app, enrolled, key):
        assert get_mark(enrolled, key, 1).status_code == 200
        with app.app_context():
            db.session.get(Device, DEVICE).revoked_at = wall_ms()
            db.session.commit()
        response = get_mark(enrolled, key, 2)
        assert (response.status_code, error_code(response)) == (403, "device_revoked")
        assert "停用" in response.get_json()["error"]["message"]


class TestWithTheClient:
    def test_a_client_whose_counter_was_lost_catches_up(self, app, enrolled, key,
                                                        live_server):
        ahead = wall_ms() * 1000 + 10**9
        assert get_mark(enrolled, key, ahead).status_code == 200
        with SyncClient(live_server.url, DEVICE, key, MemoryCounter()) as client:
            assert client.mark() == (0, "")
        assert device(app).last_counter == ahead + 1
