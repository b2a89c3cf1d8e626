"""Merge throughput: the SQLite replica against bare SQLite inserts of the same rows.

50 devices' signed batches (100,000 operations by default, about a tenth of them concurrent
edits that open conflicts) are parsed from their wire bytes, chain-verified and merged into a
fresh SQLite replica; in the same run the same rows are inserted into a bare SQLite table with
the same transaction per batch. The ratio is the headline: the merge engine's overhead over
storage alone. Target: the replica reaches at least 25% of the bare rate.

    python bench/merge.py [--ops 100000] [--devices 50] [--rounds 4] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sync.chain import Batch, SignedHead
from sync.operation import Author, Operation, OpKind
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.stores.sqlite import SQLiteStore

START_MS = 1_795_000_000_000
FIELDS = ("description", "risk_colour", "assigned_to")
COLOURS = ("green", "yellow", "red")
HOT_RECORDS = 800
"""Records from earlier rounds that everyone edits: the smaller, the more conflicts."""
SHARED_EDITS = 0.3
"""Share of edits that go to those shared records rather than the device's own."""


@dataclass
class Device:
    """A generator-side device: its key, chain position and clock."""

    id: str
    key: DeviceKey
    seq: int = 0
    head: str = ""
    wall: int = START_MS
    ops: list[Operation] = field(default_factory=list)

    def seal(self, record_id: str, kind: OpKind, changes: dict, parents: list[str]) -> Operation:
        self.wall += 1000
        op = Operation.seal(
            record_id=record_id, record_type="dispute", device_id=self.id, seq=self.seq + 1,
            prev=self.head, kind=kind, changes=changes, parents=tuple(parents),
            hlc=(self.wall, 0), author=Author(f"worker-{self.id}", "grid_worker"),
            schema_version=1,
        )
        self.seq, self.head = op.seq, op.id
        self.ops.append(op)
        return op


def generate(total: int, devices: int, rounds: int, seed: int
             ) -> tuple[list[Device], list[list[Operation]], int]:
    """A fleet's days of work, round by round (a round ends with everyone syncing).

    A device sees its own operations at once and others' from earlier rounds only, so an
    edit is based on exactly what its device could have seen; two devices editing one field
    in the same round make concurrent versions (a conflict), as on real tablets.
    Returns the devices, each round's batches (one per device) and the concurrent count.
    """
    rng = random.Random(seed)
    fleet = [Device(f"device-{n:03d}", DeviceKey.generate()) for n in range(devices)]
    records: list[tuple[str, str, Device, int]] = []  # (record id, create op, owner, round)
    shared: list[tuple[str, str, Device, int]] = []  # records every device has seen
    heads: dict[tuple[str, str], dict[str, tuple[Device, int]]] = {}
    concurrent = 0
    per_round = total // (devices * rounds)
    batches: list[list[Operation]] = []
    for round_ in range(rounds):
        shared = records[-HOT_RECORDS:] if records else []
        for device in fleet:
            start = len(device.ops)
            for n in range(per_round):
                op_count = len(device.ops)
                own = [r for r in records[-20:] if r[2] is device]
                visible = shared if shared and rng.random() < SHARED_EDITS else own
                if not visible or rng.random() < 0.15:
                    record_id = f"case-{device.id}-{op_count:06d}"
                    op = device.seal(record_id, OpKind.CREATE, {
                        "category": "civil", "description": "邻里纠纷", "risk_colour": "green",
                        "status": "found", "escalation_level": "grid", "grid_id": "g-01",
                    }, [])
                    records.append((record_id, op.id, device, round_))
                    for name in FIELDS:
                        heads[record_id, name] = {op.id: (device, round_)}
                    continue
                record_id, origin, _, _ = rng.choice(visible)
                if rng.random() < 0.1:
                    op = device.seal(record_id, OpKind.ADD, {"mediation_notes": {
                        "id": f"note-{device.id}-{n}", "text": "耐心听",
                        "at": "2026-11-20T10:00:00+08:00", "by": device.id}}, [origin])
                    continue
                name = rng.choice(FIELDS)
                value = rng.choice(COLOURS) if name == "risk_colour" else f"第{n}次编辑"
                frontier = heads[record_id, name]
                seen = sorted(h for h, (by, r) in frontier.items() if r < round_ or by is device)
                op = device.seal(record_id, OpKind.UPDATE, {name: value}, seen)
                if len(seen) < len(frontier):
                    concurrent += 1
                for h in seen:
                    del frontier[h]
                frontier[op.id] = (device, round_)
            batches.append(device.ops[start:])
    return fleet, batches, concurrent


def wire_batches(fleet: list[Device], batches: list[list[Operation]]) -> list[bytes]:
    """Each device's end-of-round hand-over in wire form, with its signed head."""
    keys = {device.id: device.key for device in fleet}
    wire = []
    for ops in batches:
        last = ops[-1]
        head = SignedHead.sign(keys[last.device_id], last.device_id, last.seq, last.id, START_MS)
        wire.append(Batch(tuple(ops), head).to_wire())
    return wire


def run_replica(path: Path, batches: list[bytes], keys: dict) -> tuple[float, Replica]:
    replica = Replica(SQLiteStore(path))
    started = time.perf_counter()
    for raw in batches:
        batch = Batch.from_wire(raw)
        replica.receive(batch, keys[batch.head.device_id])
    return time.perf_counter() - started, replica


def run_bare(path: Path, batches: list[bytes]) -> float:
    """The same rows, straight into a table: what storage alone costs."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE ops (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, device TEXT, "
               "seq INTEGER, record TEXT, body BLOB)")
    rows_per_batch = []
    for raw in batches:
        rows_per_batch.append([
            (op.id, op.device_id, op.seq, op.record_id, op.body)
            for op in Batch.from_wire(raw).ops
        ])
    started = time.perf_counter()
    for rows in rows_per_batch:
        db.execute("BEGIN")
        db.executemany("INSERT INTO ops (id, device, seq, record, body) VALUES (?,?,?,?,?)", rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="sync rounds (days)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    fleet, rounds, concurrent = generate(args.ops, args.devices, args.rounds, args.seed)
    batches = wire_batches(fleet, rounds)
    keys = {device.id: device.key.public for device in fleet}
    print(f"operations: {args.ops} from {args.devices} devices in {len(batches)} signed batches;"
          f" {concurrent} concurrent edits")
    with tempfile.TemporaryDirectory() as folder:
        bare_s = run_bare(Path(folder) / "bare.sqlite3", batches)
        replica_s, replica = run_replica(Path(folder) / "replica.sqlite3", batches, keys)
        applied = replica.store.count_ops()
        conflicts = replica.conflicts()
        pending = len(replica.pending())
    ops_per_s = args.ops / replica_s
    bare_per_s = args.ops / bare_s
    ratio = ops_per_s / bare_per_s
    print(f"replica: {replica_s:.2f} s, {ops_per_s:,.0f} ops/s (parse + verify + merge + store)")
    print(f"bare:    {bare_s:.2f} s, {bare_per_s:,.0f} rows/s (insert only)")
    print(f"applied: {applied}, waiting: {pending}, conflicts and reviews open: {len(conflicts)}")
    print(f"ratio:   {ratio:.2f} (target >= 0.25)")
    print(f"BENCH merge ops_per_s={ops_per_s:.0f} bare_per_s={bare_per_s:.0f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
