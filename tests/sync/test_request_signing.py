"""Signed requests: the signature covers exactly the request that was sent."""

from __future__ import annotations

import hashlib

import pytest

from sync import canonical
from sync.request_signing import (
    RequestUnsigned,
    SignatureInvalid,
    parse_headers,
    sign_headers,
    statement,
)
from sync.signing import DeviceKey

BODY = b"\x1f\x8b compressed batch bytes"
REQUEST = {
    "method": "POST",
    "path": "/api/v1/sync/push",
    "query": "",
    "body": BODY,
}
DEVICE = "dev-01JTEST"
COUNTER = 1_764_151_200_123_001
TIMESTAMP = 1_764_151_200_123


@pytest.fixture
def key() -> DeviceKey:
    return DeviceKey.generate()


def signed(key: DeviceKey, **changes: object) -> dict[str, str]:
    request = {**REQUEST, **changes}
    return sign_headers(key, DEVICE, COUNTER, TIMESTAMP, request["method"], request["path"],
                        request["query"], request["body"])


def verify(key: DeviceKey, headers: dict[str, str], **changes: object) -> None:
    request = {**REQUEST, **changes}
    parse_headers(headers).verify(key.public, request["method"], request["path"],
                                  request["query"], request["body"])


class TestStatement:
    def test_is_the_canonical_json_of_the_documented_fields(self):
        signed_bytes = statement("POST", "/api/v1/sync/push", "", DEVICE, COUNTER, TIMESTAMP,
                                 BODY)
        assert signed_bytes == canonical.encode({
            "method": "POST", "path": "/api/v1/sync/push", "query": "", "device": DEVICE,
            "counter": COUNTER, "timestamp": TIMESTAMP,
            "body_sha256": hashlib.sha256(BODY).hexdigest(),
        })

    @pytest.mark.parametrize("change", [
        {"method": "GET"}, {"path": "/api/v1/sync/pull"}, {"query": "limit=10"},
        {"device_id": "dev-other"}, {"counter": COUNTER + 1}, {"timestamp_ms": TIMESTAMP + 1},
        {"body": BODY + b"\x00"},
    ])
    def test_covers_every_part_of_the_request(self, change):
        base = {"method": "POST", "path": "/api/v1/sync/push", "query": "",
                "device_id": DEVICE, "counter": COUNTER, "timestamp_ms": TIMESTAMP,
                "body": BODY}
        assert statement(**{**base, **change}) != statement(**base)


class TestVerification:
    def test_the_request_as_signed_verifies(self, key):
        verify(key, signed(key))

    @pytest.mark.parametrize("position", [0, 5, len(BODY) - 1])
    def test_a_changed_byte_of_the_body_fails(self, key, position):
        body = bytearray(BODY)
        body[position] ^= 0x01
        with pytest.raises(SignatureInvalid) as refused:
            verify(key, signed(key), body=bytes(body))
        assert refused.value.code == "auth_bad_signature"

    def test_another_path_fails(self, key):
        with pytest.raises(SignatureInvalid):
            verify(key, signed(key), path="/api/v1/sync/pull")

    def test_another_query_fails(self, key):
        headers = signed(key, method="GET", body=b"", query="cursor=o%3A1830%3A7&limit=500")
        with pytest.raises(SignatureInvalid):
            verify(key, headers, method="GET", body=b"", query="cursor=o%3A1830%3A8&limit=500")

    def test_a_changed_counter_fails(self, key):
        headers = signed(key)
        headers["X-Minqing-Counter"] = str(COUNTER + 1)
        with pytest.raises(SignatureInvalid):
            verify(key, headers)

    def test_another_devices_key_fails(self, key):
        with pytest.raises(SignatureInvalid):
            verify(DeviceKey.generate(), signed(key))


class TestHeaders:
    def test_round_trip(self, key):
        parsed = parse_headers(signed(key))
        assert (parsed.device_id, parsed.counter, parsed.timestamp_ms) == (
            DEVICE, COUNTER, TIMESTAMP)
        assert len(parsed.signature) == 64

    def test_the_signature_is_url_safe_base64_without_padding(self, key):
        signature = signed(key)["X-Minqing-Signature"]
        assert set(signature) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    def test_header_names_are_read_in_any_case(self, key):
        lower = {name.lower(): value for name, value in signed(key).items()}
        assert parse_headers(lower).counter == COUNTER

    @pytest.mark.parametrize("missing", [
        "X-Minqing-Device", "X-Minqing-Counter", "X-Minqing-Timestamp", "X-Minqing-Signature",
    ])
    def test_a_missing_header_means_unsigned(self, key, missing):
        headers = signed(key)
        del headers[missing]
        with pytest.raises(RequestUnsigned) as refused:
            parse_headers(headers)
        assert refused.value.code == "auth_required"

    @pytest.mark.parametrize(("name", "value"), [
        ("X-Minqing-Counter", "12a"), ("X-Minqing-Counter", "-5"),
        ("X-Minqing-Counter", str(2**63)), ("X-Minqing-Timestamp", "1.5e12"),
        ("X-Minqing-Signature", "not base64!"), ("X-Minqing-Signature", "c2hvcnQ"),
    ])
    def test_an_unreadable_header_is_a_bad_signature(self, key, name, value):
        headers = {**signed(key), name: value}
        with pytest.raises(SignatureInvalid) as refused:
            parse_headers(headers)
        assert refused.value.code == "auth_bad_signature"
