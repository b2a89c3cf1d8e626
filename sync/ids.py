"""Record and child ids: UUIDv7, made on the device with no network.

UUIDv7 is time-ordered (so ids sort roughly by creation and index well) and carries
74 random bits (so two offline tablets never collide). The `uuid6` package implements
RFC 9562 until the standard library gains `uuid.uuid7` (Python 3.14).
"""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> str:
    """A fresh UUIDv7 as its canonical string."""
    return str(uuid6.uuid7())


def is_uuid7(value: str) -> bool:
    """True when `value` is a well-formed version-7 UUID string."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return parsed.version == 7 and str(parsed) == value
