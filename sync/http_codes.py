"""The stable code that stands for a bare HTTP status, on both sides of the API.

The server answers its own errors with a code; an error that comes without one (raised by
werkzeug, or by a proxy on the way) is given the code of its status here, by the server and
by the client alike.
"""

from __future__ import annotations

CODE_OF_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    500: "server_error",
}


def code_of_status(status: int) -> str:
    """Any 5xx is a server error; anything else unknown is a bad request."""
    return "server_error" if status >= 500 else CODE_OF_STATUS.get(status, "bad_request")
