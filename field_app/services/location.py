"""Where the tablet is, when it knows: the last GPS fix, for patrol checkpoints.

Positions are optional in every record (the schemas say so): a desktop, a tablet indoors or
one whose worker refused the permission writes records without one, and nothing waits for a
fix. On Android the platform's GPS (plyer, when it is installed) delivers fixes to
`observe`; elsewhere `start` finds none and `fix` stays None. A fix older than `max_age_s`
is not used: a checkpoint must not carry the place of the previous one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Locator:
    """Keeps the newest GPS fix; `fix()` gives it as a record's ``position`` or None."""

    def __init__(self, max_age_s: float = 120.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self.clock = clock
        self._fix: dict[str, float] | None = None
        self._at = 0.0

    def start(self) -> bool:
        """Ask the platform for fixes; False when it has no GPS we can read (desktops)."""
        try:
            from plyer import gps  # type: ignore[import-not-found]  # Android builds only

            gps.configure(on_location=self.observe)
            gps.start(minTime=5000, minDistance=5)
        except Exception:  # no plyer, no GPS provider, permission refused: no position
            return False
        return True

    def observe(self, **reading: Any) -> None:
        """A fix from the platform (plyer's keywords: lat, lon, accuracy)."""
        try:
            fix = {"lat": float(reading["lat"]), "lon": float(reading["lon"])}
        except (KeyError, TypeError, ValueError):
            return
        if reading.get("accuracy") is not None:
            fix["accuracy_m"] = float(reading["accuracy"])
        self._fix, self._at = fix, self.clock()

    def fix(self) -> dict[str, float] | None:
        """The newest fix if it is fresh enough, else None."""
        if self._fix is None or self.clock() - self._at > self.max_age_s:
            return None
        return dict(self._fix)
