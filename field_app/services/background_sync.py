"""Syncing in a thread of its own, by hand or every few minutes, so the screen never waits.

One sync at a time: asking again while one runs is answered "already syncing", not queued
twice. The callbacks are called from the sync thread; the Kivy screen hands them to its
main loop (`Clock.schedule_once`) before touching widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from field_app.services.sync_run import SyncOutcome, SyncRun, SyncStep

AUTOMATIC_INTERVAL_S = 300.0
"""How often the tablet tries by itself (5 minutes): a sync with nothing to send is cheap."""


class BackgroundSync:
    """Runs `SyncRun`s off the screen's thread."""

    def __init__(self, run: SyncRun, *,
                 on_step: Callable[[SyncStep], None] | None = None,
                 on_outcome: Callable[[SyncOutcome], None] | None = None,
                 interval_s: float = AUTOMATIC_INTERVAL_S) -> None:
        self.run = run
        self.on_step = on_step
        self.on_outcome = on_outcome
        self.interval_s = interval_s
        self.last_outcome: SyncOutcome | None = None
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self._worker: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._running.locked()

    @property
    def automatic(self) -> bool:
        """Is the tablet still syncing by itself?"""
        return self._timer is not None and self._timer.is_alive()

    def sync_now(self) -> bool:
        """Start a sync in the background; False if one is already running."""
        if not self._running.acquire(blocking=False):
            return False
        self._worker = threading.Thread(target=self._sync_holding_turn, name="minqing-sync",
                                        daemon=True)
        self._worker.start()
        return True

    def wait(self, timeout: float | None = None) -> SyncOutcome | None:
        """Wait for the sync in progress (tests, and the app closing)."""
        if self._worker is not None:
            self._worker.join(timeout)
        return self.last_outcome

    def start_automatic(self) -> None:
        """Sync every `interval_s` until `stop()`; a revoked tablet stops trying."""
        if self._timer is not None:
            return
        self._stop.clear()
        self._timer = threading.Thread(target=self._every_interval, name="minqing-sync-timer",
                                       daemon=True)
        self._timer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
            self._timer = None

    def _every_interval(self) -> None:
        while not self._stop.wait(self.interval_s):
            if self.last_outcome is not None and self.last_outcome.revoked:
                return
            self.sync_now()

    def _sync_holding_turn(self) -> None:
        try:
            outcome = self.run.run(self.on_step)
            self.last_outcome = outcome
        finally:
            self._running.release()
        if self.on_outcome is not None:
            self.on_outcome(outcome)
