"""Simulated tablets: real replicas and writers on a simulated clock, for demos, tests, benches.

Nothing here is a stand-in for the core: a `Tablet` is a real `Replica` with a real
`RecordWriter` and Ed25519 key. Only time and the network are simulated: each tablet's wall
clock may be off by a fixed offset, and `hand_over` moves signed batches between replicas
in whatever order and with whatever losses the caller chooses.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from sync.clock import HybridClock
from sync.operation import Author, Operation
from sync.replica import ApplyReport, Replica
from sync.signing import DeviceKey
from sync.stores import Store
from sync.writer import RecordWriter

DAY_MS = 86_400_000


class SimulatedTime:
    """Shared "true" time that the test moves forward by hand."""

    def __init__(self, start_ms: int = 1_795_000_000_000) -> None:
        self.now_ms = start_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


@dataclass
class Tablet:
    """One device: its replica, its writer and the offset of its wall clock."""

    name: str
    writer: RecordWriter
    key: DeviceKey
    offset_ms: int = 0

    @property
    def replica(self) -> Replica:
        return self.writer.replica

    @property
    def device_id(self) -> str:
        return self.writer.device_id

    def all_ops(self) -> list[Operation]:
        ops, _ = self.replica.ops_since(0, limit=10**9)
        return ops


def make_tablet(
    name: str,
    time: SimulatedTime,
    *,
    role: str = "grid_worker",
    author_id: str | None = None,
    offset_ms: int = 0,
    store: Store | None = None,
) -> Tablet:
    """A tablet whose clock reads simulated time plus `offset_ms`."""
    key = DeviceKey.generate()

    def physical() -> int:
        return time.now_ms + offset_ms

    writer = RecordWriter(
        Replica(store),
        device_id=f"device-{name}",
        key=key,
        author=Author(author_id or name, role),
        clock=HybridClock(physical),
        physical=physical,
    )
    return Tablet(name, writer, key, offset_ms)


def hand_over(
    ops: Sequence[Operation],
    target: Tablet | Replica,
    rng: random.Random | None = None,
    *,
    drop: float = 0.0,
    duplicate: float = 0.0,
) -> ApplyReport:
    """Deliver operations as a bad network would: shuffled, some lost, some twice."""
    rng = rng or random.Random(0)
    delivered = [op for op in ops if rng.random() >= drop]
    delivered += [op for op in delivered if rng.random() < duplicate]
    rng.shuffle(delivered)
    if isinstance(target, Tablet):
        return target.writer.receive(delivered)
    return target.apply(delivered)
