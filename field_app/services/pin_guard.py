"""When the app asks for the PIN again: after wrong PINs (with a growing wait) and after idle.

`PinGuard` stands in front of the vault. A PIN of 4 digits has only 10,000 values, so after a
few wrong tries each further try must cost time; the count and the wait are kept in the vault
file, so closing and reopening the app does not reset them. `IdleLock` is the rule that a
tablet left alone locks itself; it decides, the screens obey.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TypeVar

from field_app.services.vault import GuardState, Unlocked, Vault, VaultError
from sync.coded_error import CodedError

FREE_TRIES = 5
"""Wrong PINs allowed in a row before the first wait."""
FIRST_WAIT_S = 30
MAX_WAIT_S = 3600

_T = TypeVar("_T")

GUARD_CODES = frozenset({"pin_locked"})
"""Stable codes of `PinLocked`; the catalogue will say them in Chinese."""


class PinLocked(CodedError):
    """Too many wrong PINs: no PIN is tried until `retry_after` seconds have passed."""

    CODES = GUARD_CODES

    def __init__(self, retry_after: int) -> None:
        super().__init__("pin_locked", f"try again in {retry_after} s")
        self.retry_after = retry_after


def wait_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong PINs in a row: none for the first few, then
    30 s, doubling with each further wrong PIN, at most an hour."""
    if failures < FREE_TRIES:
        return 0.0
    return float(min(FIRST_WAIT_S * 2 ** min(failures - FREE_TRIES, 16), MAX_WAIT_S))


class PinGuard:
    """Unlocks the vault, counting wrong PINs and refusing to try while a wait runs.

    `clock` is the wall clock in seconds: the wait must survive a restart, which a monotonic
    clock does not."""

    def __init__(self, vault: Vault, *, clock: Callable[[], float] = time.time) -> None:
        self.vault = vault
        self._clock = clock

    def seconds_to_wait(self) -> int:
        """0 if a PIN may be tried now; otherwise whole seconds until it may."""
        state = self.vault.guard_state()
        now = self._clock()
        remaining = state.locked_until - now
        if remaining > wait_after(state.failures):
            # The clock was set back: restart the wait from now rather than lock for days.
            state = GuardState(state.failures, now + wait_after(state.failures))
            self.vault.save_guard_state(state)
            remaining = state.locked_until - now
        return max(0, math.ceil(remaining))

    def tries_before_wait(self) -> int:
        """Wrong PINs that may still be entered before the first wait (for the PIN screen)."""
        return max(0, FREE_TRIES - self.vault.guard_state().failures)

    def unlock(self, pin: str) -> Unlocked:
        """`Vault.unlock`, refused with `PinLocked` while a wait runs; a wrong PIN is
        counted before the error reaches the screen."""
        return self._guarded(lambda: self.vault.unlock(pin))

    def change_pin(self, old: str, new: str) -> None:
        """`Vault.change_pin`; a wrong old PIN counts like any wrong PIN."""
        self._guarded(lambda: self.vault.change_pin(old, new))

    def _guarded(self, attempt: Callable[[], _T]) -> _T:
        wait = self.seconds_to_wait()
        if wait:
            raise PinLocked(wait)
        try:
            result = attempt()
        except VaultError as error:
            if error.code == "pin_wrong":
                self._count_failure()
            raise
        if self.vault.guard_state() != GuardState():
            self.vault.save_guard_state(GuardState())
        return result

    def _count_failure(self) -> None:
        failures = self.vault.guard_state().failures + 1
        self.vault.save_guard_state(GuardState(failures, self._clock() + wait_after(failures)))


def boot_seconds() -> float:
    """Seconds since boot, counting time asleep (Linux/Android), so a tablet that slept in a
    bag past the idle time is locked when it wakes; a monotonic clock elsewhere."""
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):
        return time.monotonic()


class IdleLock:
    """Says when the app must lock: `idle_s` seconds (default 5 minutes) without activity.

    Activity after the idle time has run out does not count: once `must_lock` is true it stays
    true until `unlocked` is called after a right PIN."""

    def __init__(self, idle_s: float = 300.0, *, clock: Callable[[], float] = boot_seconds
                 ) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._last = clock()

    def touch(self) -> None:
        """The user did something: push the lock back, unless it is already due."""
        if not self.must_lock():
            self._last = self._clock()

    def must_lock(self) -> bool:
        return self._clock() - self._last >= self.idle_s

    def seconds_left(self) -> float:
        return max(0.0, self.idle_s - (self._clock() - self._last))

    def unlocked(self) -> None:
        """The right PIN was entered: start a new idle period."""
        self._last = self._clock()
