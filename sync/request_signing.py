"""Signed requests: every request after enrolment carries the device's Ed25519 signature.

The signature covers the method, the API path, the query string exactly as sent, the device,
a per-device counter, the device's clock and the SHA-256 of the body bytes exactly as sent
(still compressed), in the manner of RFC 9421 with a fixed set of covered components. The
counter makes a captured request useless a second time (the server keeps the last one it
accepted); the clock is only logged, because tablets' clocks are routinely days off.
Both sides use this module, so the statement cannot drift between client and server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sync import canonical
from sync.coded_error import CodedError
from sync.signing import DeviceKey, PublicKey

DEVICE_HEADER = "X-Minqing-Device"
COUNTER_HEADER = "X-Minqing-Counter"
TIMESTAMP_HEADER = "X-Minqing-Timestamp"
SIGNATURE_HEADER = "X-Minqing-Signature"

REQUEST_AUTH_CODES = frozenset({"auth_required", "auth_bad_signature"})
"""Stable codes of `RequestAuthError`; the catalogue's ``api.<code>`` says them in Chinese."""

MAX_INTEGER = 2**63 - 1
"""Counters and timestamps are stored in 64-bit signed columns."""

_DECIMAL = re.compile(r"[0-9]{1,19}")
_SIGNATURE_BYTES = 64


class RequestAuthError(CodedError):
    """A request whose signature headers are missing or do not verify."""

    CODES = REQUEST_AUTH_CODES


class RequestUnsigned(RequestAuthError):
    """One of the four signature headers is missing or empty."""

    CODES = frozenset({"auth_required"})


class SignatureInvalid(RequestAuthError):
    """The headers are there but unreadable, or the signature does not verify."""

    CODES = frozenset({"auth_bad_signature"})


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def statement(method: str, path: str, query: str, device_id: str, counter: int,
              timestamp_ms: int, body: bytes) -> bytes:
    """The exact bytes a request signature covers (docs/api.md, "Signed requests").

    `path` is the API path (``/api/v1/...``), `query` the query string as sent, without
    the ``?``; `body` the body bytes as sent.
    """
    return canonical.encode({
        "method": method.upper(),
        "path": path,
        "query": query,
        "device": device_id,
        "counter": counter,
        "timestamp": timestamp_ms,
        "body_sha256": body_sha256(body),
    })


def sign_headers(key: DeviceKey, device_id: str, counter: int, timestamp_ms: int, method: str,
                 path: str, query: str, body: bytes) -> dict[str, str]:
    """The four ``X-Minqing-*`` headers that sign one request."""
    signature = key.sign(statement(method, path, query, device_id, counter, timestamp_ms, body))
    return {
        DEVICE_HEADER: device_id,
        COUNTER_HEADER: str(counter),
        TIMESTAMP_HEADER: str(timestamp_ms),
        SIGNATURE_HEADER: _b64(signature),
    }


@dataclass(frozen=True)
class SignedRequest:
    """What a request's signature headers claim; `verify` checks the claim."""

    device_id: str
    counter: int
    timestamp_ms: int
    signature: bytes

    def verify(self, public_key: PublicKey, method: str, path: str, query: str,
               body: bytes) -> None:
        """Raise `SignatureInvalid` unless the device key signed exactly this request."""
        signed = statement(method, path, query, self.device_id, self.counter,
                           self.timestamp_ms, body)
        if not public_key.verifies(self.signature, signed):
            raise SignatureInvalid("auth_bad_signature", "request signature does not verify")


def parse_headers(headers: Mapping[str, str]) -> SignedRequest:
    """Read the signature headers (names in any case).

    A missing header means the request is not signed at all (`RequestUnsigned`); a header
    that is there but unreadable means the signature cannot be right (`SignatureInvalid`).
    """
    found = {name.lower(): value for name, value in headers.items()}
    values = {}
    for name in (DEVICE_HEADER, COUNTER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
        value = found.get(name.lower(), "").strip()
        if not value:
            raise RequestUnsigned("auth_required", f"header {name} is missing")
        values[name] = value
    return SignedRequest(
        device_id=values[DEVICE_HEADER],
        counter=_integer(COUNTER_HEADER, values[COUNTER_HEADER]),
        timestamp_ms=_integer(TIMESTAMP_HEADER, values[TIMESTAMP_HEADER]),
        signature=_signature(values[SIGNATURE_HEADER]),
    )


def _integer(name: str, value: str) -> int:
    if not _DECIMAL.fullmatch(value) or int(value) > MAX_INTEGER:
        raise SignatureInvalid("auth_bad_signature", f"header {name} is not a decimal integer")
    return int(value)


def _signature(value: str) -> bytes:
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("auth_bad_signature", "signature is not base64") from exc
    if len(raw) != _SIGNATURE_BYTES:
        raise SignatureInvalid("auth_bad_signature", "signature has the wrong length")
    return raw


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
