"""Wrong PINs back off, and survive a restart; an idle tablet locks itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.services.pin_guard import IdleLock, PinGuard, PinLocked, wait_after
from field_app.services.vault import ScryptParams, Vault, VaultError

CHEAP = ScryptParams(n=2**10, r=8, p=1)
PIN, WRONG = "204816", "1111"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    path = tmp_path / "vault.json"
    Vault(path, kdf=CHEAP).set_up(PIN)
    return path


@pytest.fixture
def guard(vault_path: Path, clock: Clock) -> PinGuard:
    return PinGuard(Vault(vault_path), clock=clock)


def fail(guard: PinGuard, times: int) -> None:
    for _ in range(times):
        with pytest.raises(VaultError):
            guard.unlock(WRONG)


def test_four_wrong_pins_do_not_make_the_worker_wait(guard):
    fail(guard, 4)
    assert guard.seconds_to_wait() == 0
    assert guard.tries_before_wait() == 1


def test_the_fifth_wrong_pin_starts_a_30_second_wait(guard):
    fail(guard, 5)
    assert guard.seconds_to_wait() == 30


def test_while_waiting_even_the_right_pin_is_not_tried(guard, clock):
    fail(guard, 5)
    clock.advance(29)
    with pytest.raises(PinLocked) as refused:
        guard.unlock(PIN)
    assert (refused.value.code, refused.value.retry_after) == ("pin_locked", 1)


def test_after_the_wait_the_right_pin_opens_and_the_count_starts_again(guard, clock):
    fail(guard, 5)
    clock.advance(30)
    assert guard.unlock(PIN)
    assert guard.tries_before_wait() == 5


def test_each_further_wrong_pin_doubles_the_wait_up_to_an_hour():
    assert [wait_after(n) for n in range(4, 13)] == [0, 30, 60, 120, 240, 480, 960, 1920, 3600]
    assert wait_after(1000) == 3600


def test_the_wait_survives_closing_the_app(vault_path, guard, clock):
    fail(guard, 5)
    clock.advance(30)
    fail(guard, 1)
    clock.advance(10)
    restarted = PinGuard(Vault(vault_path), clock=clock)
    assert restarted.seconds_to_wait() == 50
    with pytest.raises(PinLocked):
        restarted.unlock(PIN)


def test_a_wrong_old_pin_when_changing_the_pin_counts_as_a_wrong_pin(guard):
    fail(guard, 4)
    with pytest.raises(VaultError):
        guard.change_pin(WRONG, "5555")
    assert guard.seconds_to_wait() == 30


def test_a_malformed_pin_is_not_counted(guard):
    with pytest.raises(VaultError) as refused:
        guard.unlock("12")
    assert refused.value.code == "pin_format"
    assert guard.tries_before_wait() == 5


def test_a_clock_set_back_does_not_lock_for_longer_than_the_wait(guard, clock):
    fail(guard, 5)
    clock.advance(-86_400)
    assert guard.seconds_to_wait() == 30


def test_the_app_locks_after_five_idle_minutes(clock):
    idle = IdleLock(clock=clock)
    clock.advance(299)
    assert not idle.must_lock()
    clock.advance(1)
    assert idle.must_lock()


def test_activity_pushes_the_lock_back(clock):
    idle = IdleLock(idle_s=60, clock=clock)
    clock.advance(50)
    idle.touch()
    clock.advance(50)
    assert not idle.must_lock()
    assert idle.seconds_left() == 10


def test_activity_after_the_idle_time_does_not_unlock(clock):
    idle = IdleLock(idle_s=60, clock=clock)
    clock.advance(61)
    idle.touch()
    assert idle.must_lock()


def test_the_right_pin_starts_a_new_idle_period(clock):
    idle = IdleLock(idle_s=60, clock=clock)
    clock.advance(61)
    idle.unlocked()
    assert not idle.must_lock()
