"""Hybrid logical clocks: order for display, never trust; far-off clocks are flagged."""

from __future__ import annotations

from sync.clock import MAX_TRUSTED_OFFSET_MS, HybridClock, measure_skew
from sync.replica import Replica
from sync.simulation import DAY_MS
from tests.sync.examples import visit_example


class Wall:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class TestHybridClock:
    def test_timestamps_increase_even_when_the_wall_clock_stands_still(self):
        clock = HybridClock(Wall(1_000))
        assert clock.now() < clock.now() < clock.now()

    def test_timestamps_increase_when_the_wall_clock_goes_back(self):
        wall = Wall(5_000)
        clock = HybridClock(wall)
        before = clock.now()
        wall.now = 1_000
        assert clock.now() > before

    def test_a_timestamp_seen_from_another_device_is_followed(self):
        clock = HybridClock(Wall(1_000))
        assert clock.observe((2_000, 3))
        assert clock.now() > (2_000, 3)

    def test_a_timestamp_far_in_the_future_is_flagged_and_not_followed(self):
        clock = HybridClock(Wall(1_000))
        assert not clock.observe((1_000 + MAX_TRUSTED_OFFSET_MS + 1, 0))
        assert clock.now()[0] == 1_000


class TestSkewedDevices:
    def test_a_device_three_days_behind_is_flagged_but_its_records_are_kept(self, tablet, time):
        late = tablet("late", offset_ms=-3 * DAY_MS)
        late.writer.create("visit", visit_example())
        replica = Replica()
        report = replica.receive(late.writer.batch_since(0), late.key.public,
                                 received_at=time.now_ms)
        assert report.clock_skew is not None and round(report.clock_skew.days) == -3
        assert len(report.applied) == 1

    def test_a_device_on_time_is_not_flagged(self, tablet, time):
        punctual = tablet("punctual", offset_ms=20_000)
        punctual.writer.create("visit", visit_example())
        report = Replica().receive(punctual.writer.batch_since(0), punctual.key.public,
                                   received_at=time.now_ms)
        assert report.clock_skew is None

    def test_skew_is_measured_from_the_signing_time(self):
        assert measure_skew(remote_wall_ms=10_000, local_wall_ms=4_000).offset_ms == 6_000
