"""How the office's pages write times (Beijing time, to the minute) and values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

CHINA = timezone(timedelta(hours=8))


def china_time(ms: int | None) -> str:
    """A time in ms as the office reads it (2026-11-29 09:30); — for none."""
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, CHINA).strftime("%Y-%m-%d %H:%M")


def as_json(value: Any) -> str:
    """A value as JSON with its Chinese as Chinese (Jinja escapes it for the page; Flask's
    own `tojson` would write \\uXXXX)."""
    return value if isinstance(value, str) else orjson.dumps(value).decode("utf-8")
