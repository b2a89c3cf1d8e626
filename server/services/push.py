"""Receiving a device's push: verify its chain, judge each operation, enter it in the ledger.

Every operation the device sends is entered in its street's ledger exactly once, in chain
order: accepted (and merged into the projections) or quarantined with the reason the
tablet shows. Nothing is dropped, and an invalid operation never blocks the valid ones
around it; operations based on a quarantined one are quarantined with it. The device's
acknowledged mark moves to the end of the batch, so a retry answers the same and a cut-off
push resumes from the mark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select

from server.api.errors import ApiError
from server.database import insert_or_ignore
from server.extensions import db
from server.models import Community, Device, DevicePush, Grid, LedgerEntry, Worker
from server.services.ledger import StreetAppender
from server.services.projections import ProjectedRecord, Projector
from sync import content_coding, workflow
from sync.catalogue import text
from sync.chain import Batch, ChainBroken, verify_batch
from sync.clock import wall_ms
from sync.operation import Operation, OpKind
from sync.schemas import RecordInvalid, validate_changes, validate_child, validate_record
from sync.scope import Place, area_of, refusal
from sync.signing import PublicKey

WIRE_TYPE = "application/x-ndjson"
QUARANTINE_REASONS = frozenset({
    "author_mismatch", "unknown_parent", "depends_on_quarantined", "record_exists",
    "grid_unknown", "record_unknown", "record_type_mismatch", "grid_immutable",
    "invalid_record", "outside_scope", "override_not_allowed",
})
"""Why an operation is quarantined; the catalogue's ``quarantine.<code>`` says it."""
PARSE_CODES = frozenset({"op_malformed", "op_altered", "op_format", "head_malformed"})


@dataclass
class PushResult:
    acknowledged: tuple[int, str]
    accepted: int = 0
    duplicates: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    tree_head: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        seq, head = self.acknowledged
        return {
            "acknowledged": {"seq": seq, "head": head},
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "tree_head": self.tree_head,
        }


def inflate(body: bytes, encoding: str, limit: int) -> bytes:
    """The request body as the client wrote it (Brotli, gzip or none), refused when it
    grows past `limit`."""
    try:
        return content_coding.decompress(body, encoding, limit)
    except content_coding.BodyRefused as refused:
        status = {"body_too_large": 413, "unsupported_encoding": 415}.get(refused.code, 400)
        details = {"limit": limit} if refused.code == "body_too_large" else {
            "detail": refused.detail}
        raise ApiError(status, refused.code, details) from refused


def parse_batch(data: bytes, max_ops: int) -> Batch:
    try:
        batch = Batch.from_wire(data)
    except ChainBroken as exc:
        raise ApiError(400, exc.code, {"detail": exc.detail}) from exc
    except UnicodeDecodeError as exc:
        raise ApiError(400, "malformed_body", {"detail": str(exc)}) from exc
    if len(batch.ops) > max_ops:
        raise ApiError(413, "body_too_large", {"max_ops": max_ops})
    return batch


@dataclass(frozen=True)
class PreparedPush:
    """A parsed batch, each operation's schema problems, and the records its creates make:
    everything about a push that depends on its body alone, worked out before the ledger
    is locked, so one device's next batch is parsed while the one before it is entered."""

    batch: Batch
    problems: dict[str, list[dict[str, str]]]
    """Schema problems by operation id; an operation with none is absent."""
    new_records: dict[str, ProjectedRecord]
    """By the id of each valid create: the record it makes, ready for the projections."""


def prepare_push(data: bytes, max_ops: int) -> PreparedPush:
    batch = parse_batch(data, max_ops)
    problems: dict[str, list[dict[str, str]]] = {}
    new_records: dict[str, ProjectedRecord] = {}
    for op in batch.ops:
        found = _schema_problems(op)
        if found:
            problems[op.id] = found
        elif op.kind is OpKind.CREATE:
            new_records[op.id] = ProjectedRecord.new(op)
    return PreparedPush(batch, problems, new_records)


def receive_push(device: Device, prepared: PreparedPush) -> PushResult:
    """Enter a verified batch in the ledger; the caller's transaction is committed here."""
    batch = prepared.batch
    device = db.session.scalars(
        # populate_existing: `authenticate` loaded this device before its counter UPDATE
        # waited for the device's previous push to commit; what is locked is read afresh.
        select(Device).where(Device.id == device.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    worker = db.session.get(Worker, device.worker_id)
    if batch.head.device_id != device.id:
        raise ApiError(403, "wrong_device")
    _verify(device, batch)
    fresh = [op for op in batch.ops if op.seq > device.acked_seq]
    result = PushResult(acknowledged=(device.acked_seq, device.acked_head),
                        duplicates=len(batch.ops) - len(fresh))
    if not fresh:
        db.session.commit()
        return result
    _remember_head(device, batch)
    appender = StreetAppender(worker.street_id)
    judge = _Judge(worker, prepared)
    judge.prefetch(fresh)
    received_at = wall_ms()
    with db.session.no_autoflush:
        _judge_and_enter(fresh, judge, appender, worker, received_at, result)
    judge.projector.write()
    last = fresh[-1]
    device.acked_seq, device.acked_head = last.seq, last.id
    device.last_seen_at = received_at
    result.acknowledged = (last.seq, last.id)
    result.tree_head = appender.sign_head()
    db.session.commit()
    return result


def _judge_and_enter(fresh: list[Operation], judge: _Judge, appender: StreetAppender,
                     worker: Worker, received_at: int, result: PushResult) -> None:
    """Each new operation, in chain order: a verdict, then its ledger entry."""
    for op in fresh:
        place, reason = judge.verdict(op)
        entry = appender.append(
            op, verdict="quarantined" if reason else "accepted", reason=reason,
            community_id=place.community_id if place else worker.community_id,
            grid_id=place.grid_id if place else worker.grid_id, received_at=received_at,
        )
        if reason is None:
            judge.accept(op, place, entry.position)
            result.accepted += 1
        else:
            judge.quarantined.add(op.id)
            result.quarantined.append({"op": op.id, "seq": op.seq, **reason})


def quarantined_after(device: Device, after: int) -> list[dict[str, Any]]:
    """What the ledger holds back of this device's chain after `after`, with the reasons
    the push answered at the time (for a tablet whose answer was lost)."""
    rows = db.session.execute(
        select(LedgerEntry.op_id, LedgerEntry.device_seq, LedgerEntry.reason)
        .where(LedgerEntry.device_id == device.id, LedgerEntry.device_seq > after,
               LedgerEntry.verdict == "quarantined")
        .order_by(LedgerEntry.device_seq)
    ).all()
    return [{"op": op_id, "seq": seq, **json.loads(reason or "{}")}
            for op_id, seq, reason in rows]


def _verify(device: Device, batch: Batch) -> None:
    """The batch's signature and links, and that it continues what this server holds."""
    first = batch.ops[0] if batch.ops else None
    known_prev = device.acked_head if first is not None and first.seq == device.acked_seq + 1 \
        else None
    try:
        verify_batch(batch, PublicKey.from_text(device.public_key), known_prev)
    except ChainBroken as exc:
        status = 400 if exc.code in PARSE_CODES else 403 if exc.code == "wrong_device" else 409
        raise ApiError(status, exc.code, {"seq": exc.seq, **_mark(device)}) from exc
    if first is None or first.seq == device.acked_seq + 1:
        return
    if first.seq > device.acked_seq + 1:
        raise ApiError(409, "op_missing", _mark(device))
    held = next((op for op in batch.ops if op.seq == device.acked_seq), None)
    if held is not None and held.id != device.acked_head:
        raise ApiError(409, "chain_forked", _mark(device))


def _mark(device: Device) -> dict[str, Any]:
    return {"acknowledged": {"seq": device.acked_seq, "head": device.acked_head}}


def _remember_head(device: Device, batch: Batch) -> None:
    """Keep the head the device signed (once per position: a retried push signs it again)."""
    head = batch.head
    insert_or_ignore(DevicePush, ["device_id", "seq"], device_id=device.id, seq=head.seq,
                     head=head.head, signed_at=head.signed_at, signature=head.signature,
                     received_at=wall_ms())


_VERDICTS_OF_PARENTS = (
    select(LedgerEntry.op_id, LedgerEntry.verdict)
    .where(LedgerEntry.record_id.in_(bindparam("records", expanding=True)),
           LedgerEntry.op_id.in_(bindparam("parents", expanding=True)))
)
"""Expanding parameters: hundreds of ids bound as one list, not coerced one by one."""
_PLACES_OF_GRIDS = (
    select(Community.street_id, Community.id, Grid.id)
    .join(Grid, Grid.community_id == Community.id)
    .where(Grid.id.in_(bindparam("grids", expanding=True)))
)


class _Judge:
    """Decides each operation's verdict: who wrote it, where, is it valid, based on what."""

    def __init__(self, worker: Worker, prepared: PreparedPush) -> None:
        # Plain copies: the ORM object's attributes are instrumented, and read for every op.
        self.worker_id, self.role, self.street_id = worker.id, worker.role, worker.street_id
        self.schema_problems = prepared.problems
        self.new_records = prepared.new_records
        self.area = area_of(worker.role, worker.street_id, worker.community_id, worker.grid_id)
        self.projector = Projector()
        self.accepted: set[str] = set()
        self.quarantined: set[str] = set()
        self.grid_places: dict[str, Place | None] = {}

    def prefetch(self, ops: list[Operation]) -> None:
        """Read in one go the records and the earlier verdicts this batch refers to.

        A parent is an operation on the same record, and every accepted one is merged into
        the record's state: so a parent the state holds was accepted, and only the others
        (quarantined, or unknown here) are looked up in the ledger."""
        self.projector.load({op.record_id for op in ops})
        ours = {op.id for op in ops}
        outside: set[str] = set()
        records: set[str] = set()
        for op in ops:
            state = self.projector.state_of(op.record_id)
            for parent in op.parents:
                if parent in ours:
                    continue
                if state is not None and state.has_merged(parent):
                    self.accepted.add(parent)
                else:
                    outside.add(parent)
                    records.add(op.record_id)
        create = OpKind.CREATE
        self._load_grid_places({op.changes.get("grid_id") for op in ops if op.kind is create})
        if outside:
            verdicts = db.session.execute(
                _VERDICTS_OF_PARENTS, {"records": list(records), "parents": list(outside)}
            ).all()
            for op_id, verdict in verdicts:
                (self.accepted if verdict == "accepted" else self.quarantined).add(op_id)

    def verdict(self, op: Operation) -> tuple[Place | None, dict[str, Any] | None]:
        if op.author.id != self.worker_id or op.author.role != self.role:
            return None, _reason("author_mismatch")
        parent_problem = self._parents(op)
        if parent_problem:
            return None, _reason(parent_problem)
        place, problem = self._place(op)
        if problem:
            return place, _reason(problem)
        assert place is not None
        problems = self.schema_problems.get(op.id)
        if problems:
            return place, _reason("invalid_record", problems)
        if place.street_id != self.street_id:
            return place, _reason("outside_scope")
        refused = refusal(self.role, self.area, op.record_type, place)
        if refused:
            return place, _reason(refused)
        if op.kind is OpKind.OVERRIDE and not workflow.may_override(self.role):
            return place, _reason("override_not_allowed")
        return place, None

    def accept(self, op: Operation, place: Place, position: int) -> None:
        self.projector.apply(op, place, position, self.new_records.get(op.id))
        self.accepted.add(op.id)

    def _parents(self, op: Operation) -> str | None:
        """Parents were prefetched or judged earlier in this batch; anything else is unknown."""
        if any(p in self.quarantined for p in op.parents):
            return "depends_on_quarantined"
        if any(p not in self.accepted for p in op.parents):
            return "unknown_parent"
        return None

    def _place(self, op: Operation) -> tuple[Place | None, str | None]:
        existing = self.projector.state_of(op.record_id)
        if op.kind is OpKind.CREATE:
            if existing is not None:
                return self.projector.place_of(op.record_id), "record_exists"
            return self._grid_place(op.changes.get("grid_id"))
        if existing is None:
            return None, "record_unknown"
        place = self.projector.place_of(op.record_id)
        if existing.record_type != op.record_type:
            return place, "record_type_mismatch"
        if "grid_id" in op.changes and op.changes["grid_id"] != (place.grid_id if place else None):
            return place, "grid_immutable"
        return place, None

    def _load_grid_places(self, grid_ids: set[Any]) -> None:
        """Where each grid is (None for a grid unknown here), in one query."""
        wanted = [grid_id for grid_id in grid_ids
                  if isinstance(grid_id, str) and grid_id not in self.grid_places]
        if not wanted:
            return
        self.grid_places.update(dict.fromkeys(wanted))
        for street_id, community_id, grid_id in db.session.execute(
                _PLACES_OF_GRIDS, {"grids": wanted}):
            self.grid_places[grid_id] = Place(street_id, community_id, grid_id)

    def _grid_place(self, grid_id: Any) -> tuple[Place | None, str | None]:
        if not isinstance(grid_id, str):
            return None, "grid_unknown"
        self._load_grid_places({grid_id})
        place = self.grid_places[grid_id]
        return (place, None) if place else (None, "grid_unknown")


def _schema_problems(op: Operation) -> list[dict[str, str]]:
    try:
        if op.kind is OpKind.CREATE:
            validate_record(op.record_type, {**op.changes, "schema_version": op.schema_version})
        elif op.kind is OpKind.ADD:
            for collection, entry in op.changes.items():
                validate_child(op.record_type, collection, entry)
        elif op.kind in (OpKind.RETRACT, OpKind.OVERRIDE) and not (op.reason or "").strip():
            return [{"field": "reason", "code": "required",
                     "message": text("edit.reason_required")}]
        if op.kind not in (OpKind.CREATE, OpKind.ADD, OpKind.RETRACT):
            validate_changes(op.record_type, dict(op.changes))
    except RecordInvalid as invalid:
        return [{"field": p.field, "code": p.code, "message": p.message}
                for p in invalid.problems]
    return []


def _reason(code: str, problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": text(f"quarantine.{code}"), "problems": problems or []}
