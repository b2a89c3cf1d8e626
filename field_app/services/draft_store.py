"""Unsaved form values that survive the app being killed, sealed with the data key.

A form writes its current values here on every change (`DraftStore.keep`), so a tablet that
dies in a stairwell, or an app the system kills to free memory, offers the half-filled form
again at the next start (`DraftStore.load`). A save or a discard removes the draft. Values
name residents, so each draft is sealed (AES-GCM, `aead`) bound to its form's name, and
replaced in one durable step (`sync.durable_file.replace_durably`): a crash leaves the old
draft or the new one, never a torn file. A draft that no longer opens (another key, a
damaged file) is treated as absent, since a form must always open.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import orjson

from field_app.services.aead import SealBroken, open_sealed, seal
from field_app.services.sealed_store import storage_full
from sync.durable_file import replace_durably

DRAFT_CONTEXT = b"minqing/draft/v1\0"
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


class DraftStore:
    """One sealed draft per form name (``visit``, ``screening``) in ``<folder>/drafts``."""

    def __init__(self, folder: Path | str, data_key: bytes) -> None:
        self.folder = Path(folder) / "drafts"
        self._key = data_key

    def keep(self, name: str, values: dict[str, Any]) -> bool:
        """Replace the draft `name` with `values` (plain JSON), durably, before returning.

        False when the tablet's storage is full: the draft kept before stays whole, the
        form goes on with its values in memory, and its save says the storage is full
        (``app.disk_full``) rather than every keystroke failing."""
        plain = orjson.dumps(values)
        try:
            replace_durably(self._path(name), seal(self._key, plain, self._context(name)))
        except OSError as error:
            if not storage_full(error):
                raise
            return False
        return True

    def load(self, name: str) -> dict[str, Any] | None:
        """The draft `name`, or None if there is none (or it no longer opens)."""
        path = self._path(name)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            values = orjson.loads(open_sealed(self._key, sealed, self._context(name)))
        except (SealBroken, orjson.JSONDecodeError):
            return None
        return values if isinstance(values, dict) else None

    def has(self, name: str) -> bool:
        return self.load(name) is not None

    def discard(self, name: str) -> None:
        """Forget the draft `name` (after a save, or when the worker throws it away)."""
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a draft name: {name!r}")
        return self.folder / f"{name}.sealed"

    @staticmethod
    def _context(name: str) -> bytes:
        return DRAFT_CONTEXT + name.encode("ascii")
