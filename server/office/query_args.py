"""What the office's list pages read from their query string besides their filters."""

from __future__ import annotations

from flask import abort, request


def page_number() -> int:
    """The ``page`` argument; a page that is not a number is a bad request (in Chinese)."""
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
