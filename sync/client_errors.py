"""What the sync client raises: the server's stable code and Chinese message, by kind.

The field app branches on the class (ask the worker to re-enrol, tell them the tablet was
stopped, try again later) and shows `message`. Codes come from the server (docs/api.md) or,
for failures that never reached it, from `CLIENT_CODES`. A newer server may send codes this
app does not know, so these are plain exceptions, not `CodedError`s.
"""

from __future__ import annotations

from typing import Any

from sync import canonical
from sync.catalogue import text
from sync.http_codes import code_of_status

CLIENT_CODES = frozenset({"server_unreachable", "server_error", "bad_response",
                          "chain_behind"})
"""Codes the client makes itself; the catalogue's ``client.<code>`` says them in Chinese."""


class SyncError(Exception):
    """A sync step that did not succeed. `report` holds what a push or pull had done."""

    def __init__(self, code: str, message: str = "", status: int | None = None,
                 details: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message = message or message_for(code)
        self.status = status
        self.details = details or {}
        self.report: Any = None
        super().__init__(f"{code}: {self.message}")


class AuthFailed(SyncError):
    """401: the server does not know this device or its signature; re-enrolment may help."""


class DeviceRevoked(SyncError):
    """403 ``device_revoked``: the office stopped this tablet; it gets nothing more."""


class RequestRefused(SyncError):
    """Another 4xx: the server understood the request and will not do it."""


class BatchRefused(RequestRefused):
    """A push the server refused: a chain error, a body too large, a wrong media type."""


class EnrolmentRefused(RequestRefused):
    """An enrolment code that is unknown, used or expired, or a key already enrolled."""


class ServerUnavailable(SyncError):
    """The server could not be reached or did not answer usefully, after the retries."""


class ChainBehind(SyncError):
    """The server holds more of this device's chain than the tablet does: the tablet was
    restored from an old backup. Writing on would fork the chain, so the tablet must stop
    and be enrolled again as a new device."""


def message_for(code: str) -> str:
    """The catalogue's Chinese text for a code, whichever part of the catalogue holds it."""
    for prefix in ("api", "sync", "client"):
        message = text(f"{prefix}.{code}")
        if message != f"{prefix}.{code}":
            return message
    return text("client.unknown_error", code=code)


def unreachable(exc: Exception) -> ServerUnavailable:
    """A request that got no answer: no network, refused, timed out, cut off."""
    return ServerUnavailable("server_unreachable", details={"error": type(exc).__name__})


def bad_response(status: int | None, why: str) -> ServerUnavailable:
    """An answer that is not what the protocol says (a captive portal's page, say)."""
    return ServerUnavailable("bad_response", status=status, details={"why": why})


def refusal(status: int, body: bytes, refused: type[RequestRefused] = RequestRefused
            ) -> SyncError:
    """The exception for a non-2xx answer, read from its `{"error": ...}` body if it has one."""
    code, message, details = read_error(status, body)
    if status >= 500:
        return ServerUnavailable(code, message, status, details)
    if status == 401:
        return AuthFailed(code, message, status, details)
    if status == 403 and code == "device_revoked":
        return DeviceRevoked(code, message, status, details)
    return refused(code, message, status, details)


def read_error(status: int, body: bytes) -> tuple[str, str, dict[str, Any]]:
    """(code, message, details) of an error answer; from the status if the body is not ours."""
    try:
        error = canonical.decode_object(body)["error"]
        code, message, details = error["code"], error.get("message", ""), error.get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message, details = None, "", None
    if not isinstance(code, str) or not code:
        code = code_of_status(status)
    if not isinstance(message, str):
        message = ""
    return code, message, details if isinstance(details, dict) else {}
