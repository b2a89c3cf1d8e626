"""Canonical encoding: the exact bytes that are hashed and signed.

Every replica must hash the same operation to the same digest, so the encoding is fixed:
UTF-8 JSON, object keys sorted, no insignificant white space, integers as written, floats
in their shortest round-trip form, NaN and infinities refused. orjson produces exactly this
form and is about ten times faster than the standard library, which matters on the merge
hot path (see bench/merge.py).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS
LARGE_TEXT = 64 * 1024
"""Bytes from which a parse pauses the garbage collector (a page of a pull, say)."""


class NotCanonical(ValueError):
    """A value that has no canonical encoding (a set, bytes, NaN, a non-string key...)."""


def encode(value: Any) -> bytes:
    """The canonical bytes of a JSON value."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:  # pragma: no branch - message only
        raise NotCanonical(str(exc)) from exc


def decode(data: bytes | str) -> Any:
    """Parse JSON text; the inverse of `encode` for canonical values."""
    if len(data) < LARGE_TEXT:
        return orjson.loads(data)
    with _collector_paused():
        return orjson.loads(data)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing builds tens of thousands of objects and never a reference cycle, yet each
    batch of allocations sets off a collection that rescans the whole heap: on a tablet
    holding thousands of records, most of a pull page's parse time (bench/sync_vs_couch.py).
    So the collector waits until the parse is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decode_object(data: bytes | str) -> dict[str, Any]:
    """Parse JSON text that must be an object; ValueError says what it was instead."""
    value = decode(data)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def digest(value: Any) -> str:
    """SHA-256 of the canonical encoding, as lower-case hex."""
    return hashlib.sha256(encode(value)).hexdigest()
