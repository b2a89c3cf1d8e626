"""Hybrid logical clocks, and flagging devices whose wall clock is far off.

Timestamps order operations for display and pick a provisional winner among concurrent
values; they never decide what is concurrent (parents do that), so a wrong clock can make a
value look newer but can never hide a write. Tablets' clocks are often days off, so a clock
that is far ahead is *flagged*, never refused, and is not allowed to drag this clock forward.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Timestamp = tuple[int, int]
"""(wall milliseconds since the Unix epoch, logical counter)."""

MAX_TRUSTED_OFFSET_MS = 5 * 60 * 1000
"""A remote clock further ahead than this is flagged and not followed."""


def wall_ms() -> int:
    """The physical clock in milliseconds."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class ClockSkew:
    """How far a device's clock was from ours when it handed operations over."""

    offset_ms: int

    @property
    def flagged(self) -> bool:
        return abs(self.offset_ms) > MAX_TRUSTED_OFFSET_MS

    @property
    def days(self) -> float:
        return self.offset_ms / 86_400_000


def measure_skew(remote_wall_ms: int, local_wall_ms: int) -> ClockSkew:
    """Offset of a remote device's clock, read from the time it signed its chain head."""
    return ClockSkew(remote_wall_ms - local_wall_ms)


class HybridClock:
    """A hybrid logical clock (Kulkarni et al., 2014) that refuses to be dragged forward."""

    def __init__(self, physical: Callable[[], int] = wall_ms, last: Timestamp = (0, 0)) -> None:
        self._physical = physical
        self._last = last

    @property
    def last(self) -> Timestamp:
        return self._last

    def now(self) -> Timestamp:
        """A timestamp greater than every one this clock has issued or followed."""
        physical = self._physical()
        wall, counter = self._last
        self._last = (physical, 0) if physical > wall else (wall, counter + 1)
        return self._last

    def observe(self, remote: Timestamp) -> bool:
        """Follow a timestamp seen on a received operation; False when it was too far ahead."""
        if remote[0] > self._physical() + MAX_TRUSTED_OFFSET_MS:
            return False
        if remote > self._last:
            self._last = remote
        return True
