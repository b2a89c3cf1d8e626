"""A replica: receives operations in any order and keeps the merged records.

Operations arrive duplicated, out of order and with gaps. An operation is applied only when
it is causally ready: the previous operation of its device chain and every parent it was
based on are applied. Until then it waits in the store's pending set (durably: a restart
loses nothing) and is applied the moment its last missing dependency arrives. A chain that
forks (two different operations at one position) is quarantined with a reason, never
dropped. Because the merge rules depend only on the set of applied operations, every
replica holding the same operations shows byte-identical records.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sync import canonical
from sync.chain import Batch, verify_batch
from sync.clock import Timestamp
from sync.operation import Operation, OpKind
from sync.record_state import RecordState
from sync.signing import PublicKey
from sync.stores import Commit, Store
from sync.stores.memory import MemoryStore


@dataclass
class ApplyReport:
    """What one apply did with what it was given."""

    applied: list[str] = field(default_factory=list)
    duplicates: int = 0
    waiting: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    latest: Timestamp = (0, 0)


class Replica:
    """Merged records over a `Store` (in memory unless one is given)."""

    def __init__(self, store: Store | None = None) -> None:
        self.store: Store = store if store is not None else MemoryStore()

    # -- receiving -----------------------------------------------------------------------

    def receive(self, batch: Batch, key: PublicKey) -> ApplyReport:
        """Verify a device's signed batch, then apply it. Raises `ChainBroken` if it fails."""
        known_prev = None
        if batch.ops and batch.ops[0].seq > 1:
            known_prev = self.store.op_id_at(batch.head.device_id, batch.ops[0].seq - 1)
        verify_batch(batch, key, known_prev)
        return self.apply(batch.ops)

    def apply(self, ops: Iterable[Operation]) -> ApplyReport:
        """Apply whatever is causally ready, hold back the rest, all in one transaction."""
        return _Application(self.store).run(ops)

    # -- reading -------------------------------------------------------------------------

    def state(self, record_id: str) -> RecordState | None:
        data = self.store.load_states([record_id]).get(record_id)
        return RecordState(data) if data is not None else None

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The record as people see it (values, children, conflicts, reviews), or None."""
        state = self.state(record_id)
        return state.view() if state is not None else None

    def records(self, record_type: str | None = None) -> Iterator[dict[str, Any]]:
        ids = list(self.store.record_ids())
        for _, data in sorted(self.store.load_states(ids).items()):
            if record_type is None or data["type"] == record_type:
                yield RecordState(data).view()

    def heads(self, record_id: str, fields: Iterable[str]) -> list[str]:
        """The versions an edit of `fields` is based on (the record's origin if none yet)."""
        state = self.state(record_id)
        if state is None:
            return []
        parents = {head for f in fields for head in state.heads(f)}
        return sorted(parents) or list(state.origin)

    def history(self, record_id: str, field_name: str | None = None) -> list[dict[str, Any]]:
        """Every write to a record (or one field), oldest first: who, when, where, what."""
        entries = []
        for op in self.store.ops_for_record(record_id):
            if field_name is not None and field_name not in op.changes:
                continue
            entries.append({
                "op": op.id,
                "kind": str(op.kind),
                "changes": op.changes,
                "reason": op.reason,
                "author": op.author.to_json(),
                "device": op.device_id,
                "seq": op.seq,
                "hlc": list(op.hlc),
                "parents": list(op.parents),
            })
        entries.sort(key=lambda e: (e["hlc"], e["op"]))
        return entries

    def conflicts(self) -> list[dict[str, Any]]:
        """Every open conflict and every version kept for review, across all records."""
        found = []
        ids = list(self.store.record_ids(needing_attention=True))
        for rid, data in sorted(self.store.load_states(ids).items()):
            view = RecordState(data).view()
            found.extend({"record": rid, **c} for c in view["conflicts"])
            found.extend({"record": rid, **r} for r in view["reviews"])
        return found

    def ops_since(self, cursor: int = 0, limit: int = 1000) -> tuple[list[Operation], int]:
        return self.store.ops_since(cursor, limit)

    def pending(self) -> list[Operation]:
        return self.store.pending()

    def quarantined(self) -> list[tuple[Operation, str]]:
        return self.store.quarantined()

    def digest(self) -> str:
        """One hash over every record's view: equal digests mean identical replicas."""
        ids = list(self.store.record_ids())
        states = self.store.load_states(ids)
        return canonical.digest([[rid, RecordState(states[rid]).view()] for rid in sorted(states)])


class _Application:
    """One run of `Replica.apply`: the causal scheduling of a set of operations."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.commit = Commit()
        self.report = ApplyReport()
        self.heads: dict[str, tuple[int, str]] = {}
        self.states: dict[str, RecordState] = {}
        self.waiting: dict[str, list[Operation]] = defaultdict(list)

    def run(self, incoming: Iterable[Operation]) -> ApplyReport:
        pending = {op.id: op for op in self.store.pending()}
        fresh: dict[str, Operation] = {}
        for op in incoming:
            if op.id in pending or op.id in fresh:
                self.report.duplicates += 1
            else:
                fresh[op.id] = op
        applied_before = self.store.known_ids(fresh)
        self.report.duplicates += len(applied_before)
        pool = {**pending, **{i: op for i, op in fresh.items() if i not in applied_before}}
        self.known = self.store.known_ids(
            dep for op in pool.values() for dep in (op.prev, *op.parents) if dep
        )
        self._load_states(pool.values())
        queue = deque(sorted(pool.values(), key=lambda op: (op.device_id, op.seq)))
        while queue:
            op = queue.popleft()
            blocker = self._blocker(op)
            if blocker is None:
                self._apply(op)
                queue.extend(self.waiting.pop(op.id, ()))
            elif blocker.startswith("wait:"):
                self.waiting[blocker[5:]].append(op)
            else:
                self.commit.quarantined.append((op, blocker))
                self.report.quarantined.append((op.id, blocker))
        self._settle_pending(pending, fresh)
        self.store.commit(self.commit)
        return self.report

    def _load_states(self, ops: Iterable[Operation]) -> None:
        for rid, data in self.store.load_states({op.record_id for op in ops}).items():
            self.states[rid] = RecordState(data)

    def _head(self, device_id: str) -> tuple[int, str]:
        if device_id not in self.heads:
            self.heads[device_id] = self.store.device_head(device_id)
        return self.heads[device_id]

    def _blocker(self, op: Operation) -> str | None:
        """None when `op` can be applied now; "wait:<id>" or a quarantine code otherwise."""
        seq, head = self._head(op.device_id)
        if op.seq <= seq:
            return "chain_forked"
        if op.seq > seq + 1:
            return f"wait:{op.prev}"
        if op.prev != head:
            return "chain_forked"
        for parent in op.parents:
            if parent not in self.known:
                return f"wait:{parent}"
        state = self.states.get(op.record_id)
        if state is not None and state.record_type != op.record_type:
            return "record_type_mismatch"
        if op.kind is not OpKind.CREATE and state is None and op.parents:
            return "unknown_parent_record"
        return None

    def _apply(self, op: Operation) -> None:
        state = self.states.get(op.record_id)
        if state is None:
            state = self.states[op.record_id] = RecordState.empty(op.record_id, op.record_type)
        state.apply(op)
        self.known.add(op.id)
        self.heads[op.device_id] = (op.seq, op.id)
        self.commit.applied.append(op)
        self.commit.device_heads[op.device_id] = (op.seq, op.id)
        self.commit.states[op.record_id] = state.data
        self.report.applied.append(op.id)
        self.report.latest = max(self.report.latest, op.hlc)

    def _settle_pending(self, pending: dict[str, Operation], fresh: dict[str, Operation]) -> None:
        done = set(self.report.applied) | {op_id for op_id, _ in self.report.quarantined}
        self.commit.pending_removed = [op_id for op_id in pending if op_id in done]
        still = [op for ops in self.waiting.values() for op in ops]
        self.commit.pending_added = [op for op in still if op.id in fresh]
        self.report.waiting = sorted(op.id for op in still)
        for rid, state in self.states.items():
            if rid in self.commit.states:
                self.commit.attention[rid] = _needs_attention(state)


def _needs_attention(state: RecordState) -> bool:
    """Cheap over-approximation of "has an open conflict or review" (the view decides)."""
    return any(
        len(frontier) > 1 or any("flag" in v for v in frontier.values())
        for frontier in state.data["fields"].values()
    )
