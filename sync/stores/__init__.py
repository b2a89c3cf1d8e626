"""Where a replica keeps its operations and merged states: in memory or in SQLite.

Both stores implement `Store`; the replica's behaviour is identical on either, which the
tests check by running the same specifications against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sync.operation import Operation


@dataclass
class Commit:
    """Everything one `Replica.apply` call changes, written atomically."""

    applied: list[Operation] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    attention: dict[str, bool] = field(default_factory=dict)
    device_heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    pending_added: list[Operation] = field(default_factory=list)
    pending_removed: list[str] = field(default_factory=list)
    quarantined: list[tuple[Operation, str]] = field(default_factory=list)
    relayed: set[str] = field(default_factory=set)
    """Ids (applied or pending) of operations relayed by the server: no place in a chain."""


class Store(Protocol):
    def device_head(self, device_id: str) -> tuple[int, str]:
        """(seq, op id) of the last applied operation of a device; (0, "") if none."""

    def op_id_at(self, device_id: str, seq: int) -> str | None: ...

    def known_ids(self, op_ids: Iterable[str]) -> set[str]:
        """The ids among `op_ids` that are applied."""

    def load_states(self, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def pending(self) -> list[Operation]:
        """Operations received but waiting for a predecessor or a parent."""

    def relayed_pending(self) -> set[str]:
        """Ids among the pending operations that were relayed by the server."""

    def quarantined(self) -> list[tuple[Operation, str]]: ...

    def commit(self, commit: Commit) -> None:
        """Write one apply's changes, all or nothing."""

    def adopt(self, states: dict[str, dict[str, Any]], attention: dict[str, bool],
              known: Iterable[str]) -> None:
        """Take records' merged states from a snapshot, and the ids of the operations they
        already contain (so later operations based on them are causally ready)."""

    def ops_since(self, cursor: int, limit: int) -> tuple[list[Operation], int]:
        """Applied operations after `cursor`, in apply order, and the next cursor."""

    def chain(self, device_id: str, after_seq: int, limit: int) -> list[Operation]:
        """A device's applied operations after `after_seq`, in chain order."""

    def ops_for_record(self, record_id: str) -> list[Operation]: ...

    def record_ids(self, *, needing_attention: bool = False) -> Iterator[str]: ...

    def count_ops(self) -> int: ...
