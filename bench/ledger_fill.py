"""Growing a street's ledger to a million entries without a million pushes.

Pushing 1M operations through the API would take most of an hour, so the pull-cost bench
writes the other grids' history straight into `ledger_entries` in bulk. The rows are what
the server itself would have written: real sealed operations (visits by the other grids'
grid workers, from per-device chains), consecutive positions, each entry's hash the
RFC 6962 leaf hash of its canonical leaf chained to the previous one, and the street's
ledger row (size, last hash, Merkle frontier) moved on, so real pushes afterwards append
where they should. Only the side tables are skipped (projections, device rows, signed
chain heads), which pull never reads for other grids; `flask verify-ledger` is not meant
to pass on these rows. On PostgreSQL the table is analysed after each load, as autovacuum
would soon do after that many new rows; SQLite is left without statistics, as the server
leaves it.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import records
from flask import Flask
from sqlalchemy import insert, select, text

from server.database import is_postgres
from server.extensions import db
from server.models import LedgerEntry, StreetLedger
from server.services.ledger import entry_leaf
from sync.ids import new_id
from sync.merkle import CompactRange, leaf_hash
from sync.operation import Author, Operation, OpKind

STREET = "s-qianfoshan"
OTHER_GRIDS = (  # (community, grid, its grid worker in server/demo/roster.yaml)
    ("c-yanzishan", "g-yzs-02", "w-sunli"),
    ("c-yanzishan", "g-yzs-03", "w-wangfang"),
    ("c-foshanyuan", "g-fsy-01", "w-zhouqiang"),
    ("c-foshanyuan", "g-fsy-02", "w-wuxia"),
    ("c-foshanyuan", "g-fsy-03", "w-zhengwei"),
)
"""Every grid of the street except g-yzs-01, whose tablet does the timed pull."""
DEVICES_PER_GRID = 4
PAYLOADS = 500
"""Distinct visit texts cycled through: enough variety for realistic row sizes."""
CHUNK = 20_000
COLUMNS = ("street_id", "position", "op_id", "device_id", "device_seq", "record_id",
           "record_type", "community_id", "grid_id", "verdict", "reason", "received_at",
           "body", "prev_hash", "entry_hash")


@dataclass
class Chain:
    """A synthetic tablet's chain: where its next operation goes."""

    device_id: str
    community_id: str
    grid_id: str
    author: Author
    seq: int = 0
    prev: str = ""
    payloads: list[dict[str, Any]] = field(default_factory=list)


def make_chains(seed: int) -> list[Chain]:
    rng = random.Random(seed)
    chains = []
    for community_id, grid_id, worker_id in OTHER_GRIDS:
        payloads = []
        for n in range(PAYLOADS // len(OTHER_GRIDS)):
            visit = records.visit(rng, grid_id, 1 + n % 28)
            payloads.append({**visit, "worker_id": worker_id})
        for n in range(DEVICES_PER_GRID):
            chains.append(Chain(f"dev-bench-{grid_id}-{n}", community_id, grid_id,
                                Author(worker_id, "grid_worker"), payloads=payloads))
    return chains


def next_row(chain: Chain, position: int, prev_hash: str, received_at: int) -> dict[str, Any]:
    """The ledger row the server writes when it accepts `chain`'s next visit."""
    data = chain.payloads[(chain.seq + position) % len(chain.payloads)]
    changes = {k: v for k, v in data.items() if k != "schema_version"}
    op = Operation.seal(
        record_id=new_id(), record_type="visit", device_id=chain.device_id, seq=chain.seq + 1,
        prev=chain.prev, kind=OpKind.CREATE, changes=changes, parents=(),
        hlc=(received_at - 60_000, 0), author=chain.author, schema_version=1,
    )
    chain.seq, chain.prev = op.seq, op.id
    return accepted_row(op, STREET, chain.community_id, chain.grid_id, position, prev_hash,
                        received_at)


def accepted_row(op: Operation, street_id: str, community_id: str, grid_id: str,
                 position: int, prev_hash: str, received_at: int) -> dict[str, Any]:
    """The `ledger_entries` row of an accepted operation at `position`, its hash chained
    to `prev_hash`, as `server.services.ledger.StreetAppender` writes it."""
    row = {
        "street_id": street_id, "position": position, "op_id": op.id,
        "device_id": op.device_id, "device_seq": op.seq, "record_id": op.record_id,
        "record_type": op.record_type, "community_id": community_id,
        "grid_id": grid_id, "verdict": "accepted", "reason": None,
        "received_at": received_at, "body": op.body, "prev_hash": prev_hash,
    }
    row["entry_hash"] = leaf_hash(entry_leaf(SimpleNamespace(**row)))  # type: ignore[arg-type]
    return row


class LedgerFiller:
    """Appends synthetic entries to the street's ledger, continuing the chains each time."""

    def __init__(self, app: Flask, seed: int = 7) -> None:
        self.app = app
        self.chains = make_chains(seed)
        self.rng = random.Random(seed)

    def size(self) -> int:
        with self.app.app_context():
            row = db.session.get(StreetLedger, STREET)
            return row.size if row is not None else 0

    def append(self, count: int) -> float:
        """Append `count` entries in bulk; returns the seconds it took."""
        started = time.perf_counter()
        with self.app.app_context():
            ledger = db.session.scalars(
                select(StreetLedger).where(StreetLedger.street_id == STREET).with_for_update()
            ).first()
            if ledger is None:
                ledger = StreetLedger(street_id=STREET, size=0, last_hash="", frontier="[]")
                db.session.add(ledger)
            compact = CompactRange(json.loads(ledger.frontier))
            position, last_hash = ledger.size, ledger.last_hash
            received_at = int(time.time() * 1000)
            for start in range(0, count, CHUNK):
                rows = []
                for _ in range(min(CHUNK, count - start)):
                    position += 1
                    row = next_row(self.rng.choice(self.chains), position, last_hash,
                                   received_at + position // 100)
                    last_hash = row["entry_hash"]
                    compact.append(last_hash)
                    rows.append(row)
                insert_entries(rows)
            ledger.size, ledger.last_hash = position, last_hash
            ledger.frontier = json.dumps(compact.to_json())
            db.session.commit()
            if is_postgres():
                # What autovacuum's auto-analyze does after a change this size, only without
                # waiting for it. SQLite has no such thing and the server never runs ANALYZE,
                # so its planner is left as production would leave it.
                db.session.execute(text("ANALYZE ledger_entries"))
                db.session.commit()
        return time.perf_counter() - started


def insert_entries(rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (what a bulk load uses there), executemany on SQLite."""
    if not is_postgres():
        db.session.execute(insert(LedgerEntry.__table__), rows)
        return
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY ledger_entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in COLUMNS])
