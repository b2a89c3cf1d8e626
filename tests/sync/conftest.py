"""Fixtures that build real tablets (replica + writer + key) on a simulated clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync.simulation import SimulatedTime, Tablet, make_tablet
from sync.stores.sqlite import SQLiteStore


@pytest.fixture
def time() -> SimulatedTime:
    return SimulatedTime()


@pytest.fixture
def tablet(time: SimulatedTime) -> Callable[..., Tablet]:
    """Make a tablet: `tablet("worker")`, `tablet("office", role="community_staff")`."""

    def make(name: str, **options: object) -> Tablet:
        return make_tablet(name, time, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture(params=["memory", "sqlite"])
def store_factory(request: pytest.FixtureRequest, tmp_path) -> Callable[[], object]:
    """Each replica specification runs against both stores."""
    if request.param == "memory":
        return lambda: None
    counter = iter(range(1000))
    return lambda: SQLiteStore(tmp_path / f"replica-{next(counter)}.sqlite3")
