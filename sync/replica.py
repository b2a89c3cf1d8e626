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

from collections import OrderedDict, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sync import canonical
from sync.chain import Batch, verify_batch
from sync.clock import ClockSkew, Timestamp, measure_skew
from sync.operation import Operation, OpKind
from sync.record_state import RecordState
from sync.signing import PublicKey
from sync.stores import Commit, Store
from sync.stores.memory import MemoryStore

QUARANTINE_CODES = frozenset({"chain_forked", "record_type_mismatch", "unknown_parent_record"})
"""Why an operation was quarantined; the catalogue's ``sync.<code>`` says it in Chinese."""


@dataclass
class ApplyReport:
    """What one apply did with what it was given."""

    applied: list[str] = field(default_factory=list)
    duplicates: int = 0
    waiting: list[str] = field(default_factory=list)
    """Ids of operations given to this apply that now wait for a dependency."""
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    latest: Timestamp = (0, 0)
    clock_skew: ClockSkew | None = None
    """Set by `receive` when the sending device's clock is far off: flagged, never refused."""


class Replica:
    """Merged records over a `Store` (in memory unless one is given)."""

    def __init__(self, store: Store | None = None) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self._waiting: Waiting | None = None
        self._recent = RecentStates()

    # -- receiving -----------------------------------------------------------------------

    def receive(self, batch: Batch, key: PublicKey, *, received_at: int | None = None
                ) -> ApplyReport:
        """Verify a device's signed batch, then apply it. Raises `ChainBroken` if it fails.

        With `received_at` (this side's wall clock), the report says how far the device's
        clock was off when it signed, if that is far enough to flag.
        """
        known_prev = None
        if batch.ops and batch.ops[0].seq > 1:
            known_prev = self.store.op_id_at(batch.head.device_id, batch.ops[0].seq - 1)
        verify_batch(batch, key, known_prev)
        report = self.apply(batch.ops)
        if received_at is not None:
            skew = measure_skew(batch.head.signed_at, received_at)
            report.clock_skew = skew if skew.flagged else None
        return report

    def apply(self, ops: Iterable[Operation], *, relayed: bool = False) -> ApplyReport:
        """Apply whatever is causally ready, hold back the rest, all in one transaction.

        `relayed` operations come from the server, filtered to this tablet's scope: the
        server has verified their device chains, and the tablet sees only parts of them, so
        only their parents must be here before they apply.
        """
        ops = list(ops)
        relayed_ids = {op.id for op in ops} if relayed else set()
        if self._waiting is None:
            # First apply since opening: what was waiting in the store is re-examined once.
            stored = self.store.pending()
            self._waiting = Waiting(op.id for op in stored)
            relayed_ids |= self.store.relayed_pending()
            ops = [*stored, *ops]
        try:
            return _Application(self.store, self._waiting, self._recent, relayed_ids).run(ops)
        except BaseException:
            # The store rolled back: forget what memory holds and rebuild it from the store.
            self._waiting = None
            self._recent = RecentStates()
            raise

    def adopt_snapshot(self, states: Iterable[dict[str, Any]]) -> int:
        """Take records' merged states from the server's snapshot of this tablet's scope.

        A new tablet starts from the merged records instead of replaying their history. A
        record this tablet already holds is replaced only when the server's state contains
        every operation the local one does. Returns how many records were taken.
        """
        items = {state["id"]: state for state in states}
        local = self.store.load_states(items)
        taken: dict[str, dict[str, Any]] = {}
        for rid, state in items.items():
            mine = local.get(rid)
            if mine is None or set(state["ops"]) >= set(mine["ops"]):
                taken[rid] = state
        attention = {rid: RecordState(state).needs_attention() for rid, state in taken.items()}
        known = {op_id for state in taken.values() for op_id in state["ops"]}
        self.store.adopt(taken, attention, known)
        self._recent = RecentStates()
        return len(taken)

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
        return state.parents_for(fields) if state is not None else []

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


class RecentStates:
    """The merged states of recently touched records, so a sync does not re-read them.

    Only this replica writes its store, so what it last committed is what the store holds.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self._states: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._capacity = capacity

    def load(self, store: Store, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = set(record_ids)
        found = {rid: self._states[rid] for rid in wanted if rid in self._states}
        missing = wanted - found.keys()
        if missing:
            found.update(store.load_states(missing))
        return found

    def remember(self, states: dict[str, dict[str, Any]]) -> None:
        for rid, data in states.items():
            self._states[rid] = data
            self._states.move_to_end(rid)
        while len(self._states) > self._capacity:
            self._states.popitem(last=False)


class Waiting:
    """Operations held back, indexed by the one dependency each is waiting for.

    Kept in memory between applies so an apply only looks again at operations whose missing
    dependency has just arrived: the cost of an apply follows what it brings, not how much
    is waiting. The store's pending table holds the same operations durably (`stored`).
    """

    def __init__(self, stored: Iterable[str] = ()) -> None:
        self.by_dependency: dict[str, list[Operation]] = defaultdict(list)
        self.ids: set[str] = set()
        self.stored: set[str] = set(stored)
        self.relayed: set[str] = set()

    def hold(self, op: Operation, dependency: str, *, relayed: bool) -> None:
        self.by_dependency[dependency].append(op)
        self.ids.add(op.id)
        if relayed:
            self.relayed.add(op.id)

    def release(self, dependency: str) -> list[Operation]:
        released = self.by_dependency.pop(dependency, [])
        self.ids.difference_update(op.id for op in released)
        return released


class _Application:
    """One run of `Replica.apply`: the causal scheduling of a set of operations."""

    def __init__(self, store: Store, waiting: Waiting, recent: RecentStates,
                 relayed_ids: set[str]) -> None:
        self.store = store
        self.relayed_ids = relayed_ids | waiting.relayed
        self.waiting = waiting
        self.recent = recent
        self.commit = Commit()
        self.report = ApplyReport()
        self.heads: dict[str, tuple[int, str]] = {}
        self.states: dict[str, RecordState | None] = {}
        self.known: set[str] = set()
        self.checked: set[str] = set()

    def run(self, incoming: Iterable[Operation]) -> ApplyReport:
        fresh: dict[str, Operation] = {}
        for op in incoming:
            if op.id in fresh or op.id in self.waiting.ids:
                self.report.duplicates += 1
            else:
                fresh[op.id] = op
        applied_before = self.store.known_ids(fresh)
        self.report.duplicates += len(applied_before)
        for op_id in applied_before:
            del fresh[op_id]
        self._prefetch(fresh.values())
        queue = deque(sorted(fresh.values(), key=lambda op: (op.device_id, op.seq)))
        held: list[Operation] = []
        while queue:
            op = queue.popleft()
            blocker = self._blocker(op)
            if blocker is None:
                self._apply(op)
                queue.extend(self.waiting.release(op.id))
            elif blocker.startswith("wait:"):
                self.waiting.hold(op, blocker[5:], relayed=op.id in self.relayed_ids)
                held.append(op)
            else:
                self.commit.quarantined.append((op, blocker))
                self.report.quarantined.append((op.id, blocker))
        self._settle_pending(held)
        self.store.commit(self.commit)
        self.recent.remember(self.commit.states)
        return self.report

    def _prefetch(self, ops: Iterable[Operation]) -> None:
        """Read in one go what deciding about these operations needs from the store."""
        ops = list(ops)
        deps = {dep for op in ops for dep in (op.prev, *op.parents) if dep}
        self.known = self.store.known_ids(deps)
        self.checked = set(deps)
        record_ids = {op.record_id for op in ops}
        loaded = self.recent.load(self.store, record_ids)
        for rid in record_ids:
            self.states[rid] = RecordState(loaded[rid]) if rid in loaded else None

    def _is_applied(self, op_id: str) -> bool:
        if op_id not in self.checked:
            self.checked.add(op_id)
            self.known |= self.store.known_ids([op_id])
        return op_id in self.known

    def _state(self, record_id: str) -> RecordState | None:
        if record_id not in self.states:
            data = self.recent.load(self.store, [record_id]).get(record_id)
            self.states[record_id] = RecordState(data) if data is not None else None
        return self.states[record_id]

    def _head(self, device_id: str) -> tuple[int, str]:
        if device_id not in self.heads:
            self.heads[device_id] = self.store.device_head(device_id)
        return self.heads[device_id]

    def _blocker(self, op: Operation) -> str | None:
        """None when `op` can be applied now; "wait:<id>" or a quarantine code otherwise."""
        if op.id not in self.relayed_ids:
            seq, head = self._head(op.device_id)
            if op.seq <= seq:
                return "chain_forked"
            if op.seq > seq + 1:
                return f"wait:{op.prev}"
            if op.prev != head:
                return "chain_forked"
        for parent in op.parents:
            if not self._is_applied(parent):
                return f"wait:{parent}"
        state = self._state(op.record_id)
        if state is not None and state.record_type != op.record_type:
            return "record_type_mismatch"
        if op.kind is not OpKind.CREATE and state is None and op.parents:
            return "unknown_parent_record"
        return None

    def _apply(self, op: Operation) -> None:
        state = self._state(op.record_id)
        if state is None:
            state = self.states[op.record_id] = RecordState.empty(op.record_id, op.record_type)
        state.apply(op)
        self.known.add(op.id)
        self.commit.applied.append(op)
        if op.id in self.relayed_ids:
            self.commit.relayed.add(op.id)
            self.waiting.relayed.discard(op.id)
        else:
            self.heads[op.device_id] = (op.seq, op.id)
            self.commit.device_heads[op.device_id] = (op.seq, op.id)
        self.commit.states[op.record_id] = state.data
        self.report.applied.append(op.id)
        self.report.latest = max(self.report.latest, op.hlc)

    def _settle_pending(self, held: list[Operation]) -> None:
        """Make the store's pending table match what is now waiting."""
        stored = self.waiting.stored
        done = [*self.report.applied, *(op_id for op_id, _ in self.report.quarantined)]
        self.commit.pending_removed = [op_id for op_id in done if op_id in stored]
        stored.difference_update(self.commit.pending_removed)
        still = list({op.id: op for op in held if op.id in self.waiting.ids}.values())
        self.commit.pending_added = [op for op in still if op.id not in stored]
        self.commit.relayed.update(op.id for op in still if op.id in self.waiting.relayed)
        stored.update(op.id for op in self.commit.pending_added)
        self.report.waiting = [op.id for op in still]
        for rid in self.commit.states:
            state = self.states[rid]
            self.commit.attention[rid] = state is not None and state.needs_attention()

