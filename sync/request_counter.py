"""The request counter a device signs into every request, kept across restarts.

The server accepts a request only if its counter is above the last one it accepted, so the
counter must never go backwards on the tablet, even if the app is killed mid-request: the
client saves the next value before the request leaves (a value saved but never used is
harmless, a value used twice is refused as a replay).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from sync.durable_file import replace_durably


class CounterStore(Protocol):
    """Where the last counter used is kept. `save` never lowers the stored value."""

    def load(self) -> int: ...

    def save(self, value: int) -> None: ...


class MemoryCounter:
    """A counter that lives as long as the process: for tests and throw-away clients."""

    def __init__(self, value: int = 0) -> None:
        self._value = value

    def load(self) -> int:
        return self._value

    def save(self, value: int) -> None:
        self._value = max(self._value, value)


class FileCounter:
    """A counter in a small file, replaced atomically so a crash leaves the old or the new
    value, never a torn one."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def load(self) -> int:
        """The saved value; 0 if there is none yet (the server's replay answer then tells the
        client where to continue)."""
        try:
            return int(self.path.read_text(encoding="ascii").strip())
        except (FileNotFoundError, ValueError):
            return 0

    def save(self, value: int) -> None:
        if value <= self.load():
            return
        replace_durably(self.path, f"{value}\n".encode("ascii"))
