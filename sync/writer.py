"""The device side of the sync core: turns a person's edits into sealed, chained operations.

Every edit is validated, sealed into an operation based on the versions this device can see,
linked into the device's chain and applied to the local replica in one durable step, before
the caller is told it is saved. Hand-over to the server is `batch_since`: the operations the
server has not acknowledged and one signature over the chain head.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sync import workflow
from sync.chain import Batch, DeviceChain
from sync.clock import HybridClock, wall_ms
from sync.coded_error import CodedError
from sync.ids import new_id
from sync.operation import Author, Operation, OpKind
from sync.record_state import RecordState
from sync.replica import ApplyReport, Replica
from sync.schemas import SCHEMA_VERSION, validate_changes, validate_child, validate_record
from sync.signing import DeviceKey

EDIT_CODES = frozenset({
    "record_unknown", "status_backward", "escalation_lowering", "override_not_allowed",
    "reason_required", "not_applied",
})
"""Stable codes of `EditRefused`; the catalogue's ``edit.<code>`` says them in Chinese."""


class EditRefused(CodedError):
    """An edit this device must not make."""

    CODES = EDIT_CODES


class RecordWriter:
    """Makes operations for one device and one signed-in author."""

    def __init__(
        self,
        replica: Replica,
        device_id: str,
        key: DeviceKey,
        author: Author,
        *,
        clock: HybridClock | None = None,
        physical: Callable[[], int] = wall_ms,
        schema_version: int = SCHEMA_VERSION,
    ) -> None:
        self.replica = replica
        self.author = author
        self.clock = clock if clock is not None else HybridClock(physical)
        self._physical = physical
        self.schema_version = schema_version
        seq, head = replica.store.device_head(device_id)
        self.chain = DeviceChain(device_id, key, seq, head)

    @property
    def device_id(self) -> str:
        return self.chain.device_id

    # -- edits ---------------------------------------------------------------------------

    def create(self, record_type: str, data: Mapping[str, Any], record_id: str | None = None
               ) -> str:
        """Record a new visit, screening, case or patrol; returns its new id."""
        validate_record(record_type, {**data, "schema_version": self.schema_version})
        fields = {name: value for name, value in data.items() if name != "schema_version"}
        record_id = record_id or new_id()
        self._commit(record_id, record_type, OpKind.CREATE, fields, parents=[])
        return record_id

    def update(self, record_id: str, changes: Mapping[str, Any]) -> Operation:
        """New values for some fields. A status may only move forward from what is shown."""
        state = self._state(record_id)
        validate_changes(state.record_type, dict(changes))
        self._refuse_backward_moves(state, changes)
        return self._edit(state, OpKind.UPDATE, dict(changes))

    def add(self, record_id: str, collection: str, entry: Mapping[str, Any]) -> Operation:
        """Append a child entry (mediation note, checkpoint, request...); never conflicts."""
        state = self._state(record_id)
        child = {"id": new_id(), **entry}
        validate_child(state.record_type, collection, child)
        return self._commit(record_id, state.record_type, OpKind.ADD, {collection: child},
                            state.parents_for(()))

    def resolve(self, record_id: str, field: str, value: Any) -> Operation:
        """Settle an open conflict: the new version is based on every competing one."""
        state = self._state(record_id)
        validate_changes(state.record_type, {field: value})
        return self._edit(state, OpKind.RESOLVE, {field: value})

    def override(self, record_id: str, field: str, value: Any, reason: str) -> Operation:
        """Reopen a case or lower its escalation level: only for roles that may."""
        state = self._state(record_id)
        if not workflow.may_override(self.author.role):
            raise EditRefused("override_not_allowed", f"role {self.author.role} may not override")
        if not reason.strip():
            raise EditRefused("reason_required", "an override needs a reason")
        validate_changes(state.record_type, {field: value})
        return self._edit(state, OpKind.OVERRIDE, {field: value}, reason)

    def retract(self, record_id: str, reason: str) -> Operation:
        """Withdraw a record with a reason; its history stays."""
        state = self._state(record_id)
        if not reason.strip():
            raise EditRefused("reason_required", "a retraction needs a reason")
        return self._commit(record_id, state.record_type, OpKind.RETRACT, {},
                            state.parents_for(()), reason)

    # -- hand-over -----------------------------------------------------------------------

    def batch_since(self, acknowledged_seq: int, limit: int = 500) -> Batch:
        """This device's operations after `acknowledged_seq` and a signed head ending them."""
        ops = tuple(self.replica.store.chain(self.device_id, acknowledged_seq, limit))
        if ops:
            last = ops[-1]
            head = self.chain.signed_head_at(last.seq, last.id, self._physical())
        else:
            head = self.chain.signed_head(self._physical())
        return Batch(ops, head)

    def receive(self, ops: list[Operation]) -> ApplyReport:
        """Apply others' operations (from a pull) and let this clock follow them."""
        report = self.replica.apply(ops)
        if report.applied:
            self.clock.observe(report.latest)
        return report

    # -- internals -----------------------------------------------------------------------

    def _state(self, record_id: str) -> RecordState:
        """The record as this device holds it, read once per edit."""
        state = self.replica.state(record_id)
        if state is None or not state.origin:
            raise EditRefused("record_unknown", f"record {record_id} is not on this device")
        return state

    def _refuse_backward_moves(self, state: RecordState, changes: Mapping[str, Any]) -> None:
        """Moving a case back is the office's call (`override`), never a plain edit."""
        if state.record_type != "dispute":
            return
        shown = state.view()["values"]
        status, was = changes.get(workflow.STATUS_FIELD), shown.get(workflow.STATUS_FIELD)
        if status is not None and was is not None and not workflow.is_forward(was, status):
            raise EditRefused("status_backward", f"{was} -> {status}")
        level, was = changes.get(workflow.ESCALATION_FIELD), shown.get(workflow.ESCALATION_FIELD)
        rank = workflow.escalation_rank
        if level is not None and was is not None and rank(level) < rank(was):
            raise EditRefused("escalation_lowering", f"{was} -> {level}")

    def _edit(self, state: RecordState, kind: OpKind, changes: dict[str, Any],
              reason: str | None = None) -> Operation:
        return self._commit(state.record_id, state.record_type, kind, changes,
                            state.parents_for(changes), reason)

    def _commit(self, record_id: str, record_type: str, kind: OpKind, changes: dict[str, Any],
                parents: list[str], reason: str | None = None) -> Operation:
        seq, prev = self.chain.next_position()
        op = Operation.seal(
            record_id=record_id,
            record_type=record_type,
            device_id=self.device_id,
            seq=seq,
            prev=prev,
            kind=kind,
            changes=changes,
            parents=tuple(parents),
            hlc=self.clock.now(),
            author=self.author,
            schema_version=self.schema_version,
            reason=reason,
        )
        report = self.replica.apply([op])
        if report.applied != [op.id]:
            raise EditRefused("not_applied", f"local replica did not apply {op.id}")
        self.chain.advance(op)
        return op
