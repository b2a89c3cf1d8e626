"""The conflict queue: every field, in the reader's area, whose competing writes wait for a
person, with each version side by side: who wrote it, when, on which device, and what
that writer saw before.

A question is a field whose frontier (`RecordState.heads`) the merge rules could not settle
alone: concurrent values (`conflicts` in the record's view) or versions kept for review (a
status behind another, a refused lowering). The versions are read from the ledger, so what
is shown is exactly what was signed and entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select

from server.extensions import db
from server.models import Grid, LedgerEntry, RecordProjection, Worker
from server.services.office_scope import OfficeArea
from server.services.personal_data import masked
from sync.operation import Operation
from sync.record_state import RecordState

RECORDS_PER_PAGE = 20


@dataclass(frozen=True)
class CompetingVersion:
    op_id: str
    value: Any
    """As shown (phone and ID numbers masked)."""
    author_id: str
    author_name: str
    author_role: str
    device_id: str
    written_at: int
    """The writer's clock (ms): what the tablet said the time was."""
    received_at: int
    """When the server entered it in the ledger (ms)."""
    saw_before: list[Any]
    """The values this version was based on (its parents' values of the field), masked;
    empty when it was based on a version that did not write the field."""


@dataclass(frozen=True)
class OpenQuestion:
    record_id: str
    record_type: str
    grid_name: str
    field: str
    kind: str
    """``concurrent_values``, ``status_incomparable``, or a review flag (``superseded``,
    ``status_backward``, ``escalation_lowering_refused``, ``override_unauthorised``)."""
    shown: Any
    """What the record shows meanwhile (masked)."""
    versions: list[CompetingVersion]


@dataclass(frozen=True)
class QueuePage:
    questions: list[OpenQuestion]
    number: int
    total: int
    """Records with open questions in the area (all pages)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // RECORDS_PER_PAGE))


def open_questions(area: OfficeArea, number: int = 1, record_type: str = "",
                   grid_id: str = "") -> QueuePage:
    """One page of the area's records that wait for a decision, oldest change first."""
    conditions = [area.filter(RecordProjection), RecordProjection.open_conflicts.is_(True)]
    if record_type:
        conditions.append(RecordProjection.type == record_type)
    if grid_id:
        conditions.append(RecordProjection.grid_id == grid_id)
    total = db.session.scalar(
        select(func.count()).select_from(RecordProjection).where(*conditions)) or 0
    number = max(1, number)
    rows = db.session.execute(
        select(RecordProjection.id, RecordProjection.state, Grid.name)
        .join(Grid, Grid.id == RecordProjection.grid_id)
        .where(*conditions).order_by(RecordProjection.updated_position, RecordProjection.id)
        .limit(RECORDS_PER_PAGE).offset((number - 1) * RECORDS_PER_PAGE)).all()
    ledger = _LedgerOps.of([record_id for record_id, _, _ in rows])
    questions = [question
                 for _, state, grid_name in rows
                 for question in _questions(RecordState(orjson.loads(state)), grid_name, ledger)]
    return QueuePage(questions, number, total)


def open_question(area: OfficeArea, record_id: str, field: str) -> OpenQuestion | None:
    """One field's question, if the record is in the area and the field still waits."""
    row = db.session.execute(
        select(RecordProjection.state, Grid.name)
        .join(Grid, Grid.id == RecordProjection.grid_id)
        .where(RecordProjection.id == record_id, area.filter(RecordProjection))).first()
    if row is None:
        return None
    state = RecordState(orjson.loads(row[0]))
    return next((q for q in _questions(state, row[1], _LedgerOps.of([record_id]))
                 if q.field == field), None)


def chosen_value(record_id: str, field: str, op_id: str) -> tuple[bool, Any]:
    """The unmasked value version `op_id` wrote to `field` (the form names versions, never
    values, so a masked number is never written back): (found, value)."""
    body = db.session.scalar(select(LedgerEntry.body).where(
        LedgerEntry.record_id == record_id, LedgerEntry.op_id == op_id,
        LedgerEntry.verdict == "accepted"))
    if body is None:
        return False, None
    changes = Operation.from_body(bytes(body)).changes
    return (field in changes), changes.get(field)


@dataclass(frozen=True)
class _LedgerOps:
    """The accepted operations of some records, with when each was entered and who sent
    it."""

    ops: dict[str, Operation]
    received: dict[str, int]
    names: dict[str, str]

    @classmethod
    def of(cls, record_ids: list[str]) -> _LedgerOps:
        if not record_ids:
            return cls({}, {}, {})
        ops: dict[str, Operation] = {}
        received: dict[str, int] = {}
        for body, received_at in db.session.execute(
                select(LedgerEntry.body, LedgerEntry.received_at)
                .where(LedgerEntry.record_id.in_(record_ids),
                       LedgerEntry.verdict == "accepted")):
            op = Operation.from_body(bytes(body))
            ops[op.id], received[op.id] = op, received_at
        authors = {op.author.id for op in ops.values()}
        names = {worker_id: name for worker_id, name in db.session.execute(
            select(Worker.id, Worker.name).where(Worker.id.in_(authors)))}
        return cls(ops, received, names)

    def version(self, op_id: str, field: str) -> CompetingVersion | None:
        op = self.ops.get(op_id)
        if op is None:
            return None
        saw = [masked({field: self.ops[p].changes[field]})[field] for p in op.parents
               if p in self.ops and field in self.ops[p].changes]
        return CompetingVersion(
            op_id, masked({field: op.changes.get(field)})[field], op.author.id,
            self.names.get(op.author.id, op.author.id), op.author.role, op.device_id,
            op.hlc[0], self.received.get(op_id, 0), saw)


def _questions(state: RecordState, grid_name: str, ledger: _LedgerOps) -> list[OpenQuestion]:
    view = state.view()
    kinds: dict[str, str] = {}
    for conflict in view["conflicts"]:
        kinds[conflict["field"]] = conflict["kind"]
    for review in view["reviews"]:
        kinds.setdefault(review["field"], review["kind"])
    questions = []
    for field, kind in sorted(kinds.items()):
        versions = [version for op_id in state.heads(field)
                    if (version := ledger.version(op_id, field)) is not None]
        versions.sort(key=lambda v: (v.written_at, v.op_id))
        shown = masked({field: view["values"].get(field)})[field]
        questions.append(OpenQuestion(state.record_id, state.record_type, grid_name, field,
                                      kind, shown, versions))
    return questions
