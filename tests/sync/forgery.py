"""Operations a misbehaving or outdated app could send: sealed and chained, but unchecked."""

from __future__ import annotations

from sync.operation import Operation, OpKind
from sync.simulation import Tablet


def forge_update(tablet: Tablet, record_id: str, changes: dict, *,
                 kind: OpKind = OpKind.UPDATE, reason: str | None = None) -> Operation:
    """Seal an edit on `tablet` without the writer's checks, apply it locally, return it."""
    writer = tablet.writer
    seq, prev = writer.chain.next_position()
    op = Operation.seal(
        record_id=record_id, record_type="dispute", device_id=writer.device_id, seq=seq,
        prev=prev, kind=kind, changes=changes,
        parents=tuple(tablet.replica.heads(record_id, changes)), hlc=writer.clock.now(),
        author=writer.author, schema_version=1, reason=reason,
    )
    tablet.replica.apply([op])
    writer.chain.advance(op)
    return op
