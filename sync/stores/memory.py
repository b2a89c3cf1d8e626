"""A replica store held in memory: for tests, simulations and the office's scratch merges."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from sync.operation import Operation
from sync.stores import Commit


class MemoryStore:
    def __init__(self) -> None:
        self._log: list[Operation] = []
        self._by_id: dict[str, Operation] = {}
        self._chains: dict[str, list[str]] = {}
        self._by_record: dict[str, list[Operation]] = {}
        self._states: dict[str, dict[str, Any]] = {}
        self._attention: dict[str, bool] = {}
        self._pending: dict[str, Operation] = {}
        self._quarantine: list[tuple[Operation, str]] = []
        self._known: set[str] = set()
        self._relayed_pending: set[str] = set()
        self._chain_bases: dict[str, tuple[int, str]] = {}

    def resume_chain(self, device_id: str, seq: int, head: str) -> None:
        """Hold `device_id`'s chain from after (`seq`, `head`) on: its earlier operations
        are kept elsewhere. The server's office desks write this way, one edit at a time,
        continuing chains whose history is in the ledger."""
        if self._chains.get(device_id):
            raise ValueError(f"the chain of {device_id} has already started here")
        self._chain_bases[device_id] = (seq, head)

    def device_head(self, device_id: str) -> tuple[int, str]:
        base, base_head = self._chain_bases.get(device_id, (0, ""))
        chain = self._chains.get(device_id)
        return (base + len(chain), chain[-1]) if chain else (base, base_head)

    def op_id_at(self, device_id: str, seq: int) -> str | None:
        base, base_head = self._chain_bases.get(device_id, (0, ""))
        if base and seq == base:
            return base_head
        chain = self._chains.get(device_id, [])
        return chain[seq - base - 1] if base < seq <= base + len(chain) else None

    def known_ids(self, op_ids: Iterable[str]) -> set[str]:
        return {op_id for op_id in op_ids if op_id in self._by_id or op_id in self._known}

    def load_states(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {
            rid: copy.deepcopy(self._states[rid]) for rid in record_ids if rid in self._states
        }

    def pending(self) -> list[Operation]:
        return list(self._pending.values())

    def relayed_pending(self) -> set[str]:
        return set(self._relayed_pending)

    def quarantined(self) -> list[tuple[Operation, str]]:
        return list(self._quarantine)

    def commit(self, commit: Commit) -> None:
        for op in commit.applied:
            self._log.append(op)
            self._by_id[op.id] = op
            if op.id not in commit.relayed:
                self._chains.setdefault(op.device_id, []).append(op.id)
            self._by_record.setdefault(op.record_id, []).append(op)
        self._states.update(copy.deepcopy(commit.states))
        self._attention.update(commit.attention)
        for op_id in commit.pending_removed:
            self._pending.pop(op_id, None)
            self._relayed_pending.discard(op_id)
        self._pending.update((op.id, op) for op in commit.pending_added)
        self._relayed_pending.update(
            op.id for op in commit.pending_added if op.id in commit.relayed
        )
        self._quarantine.extend(commit.quarantined)

    def adopt(self, states: dict[str, dict[str, Any]], attention: dict[str, bool],
              known: Iterable[str]) -> None:
        self._states.update(states)  # the snapshot's states are handed over, not shared
        self._attention.update(attention)
        self._known.update(known)

    def ops_since(self, cursor: int, limit: int) -> tuple[list[Operation], int]:
        ops = self._log[cursor : cursor + limit]
        return ops, cursor + len(ops)

    def chain(self, device_id: str, after_seq: int, limit: int) -> list[Operation]:
        start = max(0, after_seq - self._chain_bases.get(device_id, (0, ""))[0])
        ids = self._chains.get(device_id, [])[start : start + limit]
        return [self._by_id[op_id] for op_id in ids]

    def ops_for_record(self, record_id: str) -> list[Operation]:
        return list(self._by_record.get(record_id, []))

    def record_ids(self, *, needing_attention: bool = False) -> Iterator[str]:
        for rid in sorted(self._states):
            if not needing_attention or self._attention.get(rid):
                yield rid

    def count_ops(self) -> int:
        return len(self._log)
