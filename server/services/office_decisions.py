"""What the office decides on a record, as the operations a tablet would write.

Each decision is a `RecordWriter` call made at the user's `OfficeDesk`, so the tablets'
own rules hold: a case moves only forward unless reopened with a reason by a role that may;
an escalation level only rises; a conflict is settled by an operation based on every
competing version. The routes only turn a form into one of these calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.services.office_desk import DeskRefused, OfficeDesk
from server.services.push import PushResult
from sync import workflow
from sync.clock import wall_ms
from sync.deadlines import CHINA
from sync.vocabulary import DisputeStatus, RequestStep

REOPENED_STATUS = DisputeStatus.mediating
"""A reopened case goes back to mediation (调解中)."""


def assign(desk: OfficeDesk, case_id: str, worker_id: str) -> PushResult:
    """Give the case to a worker or mediator (承办人)."""
    return desk.decide(case_id, lambda writer: writer.update(case_id, {"assigned_to": worker_id}))


def escalate(desk: OfficeDesk, case_id: str, level: str) -> PushResult:
    """Raise the case's handling level (网格 → 社区 → 街道 → 区); a lower one is refused."""
    return desk.decide(case_id, lambda writer: writer.update(
        case_id, {workflow.ESCALATION_FIELD: level}))


def move_status(desk: OfficeDesk, case_id: str, status: str) -> PushResult:
    """Move the case forward: 调解中, 已化解 (resolve), 已移交, 已办结."""
    return desk.decide(case_id, lambda writer: writer.update(
        case_id, {workflow.STATUS_FIELD: status}))


def rate_case(desk: OfficeDesk, case_id: str, rating: int) -> PushResult:
    """群众评议: the parties' rating of the outcome, 1 to 5."""
    return desk.decide(case_id, lambda writer: writer.update(case_id, {"rating": rating}))


def reopen(desk: OfficeDesk, case_id: str, reason: str) -> PushResult:
    """Take a resolved, referred or closed case back to mediation, with the reason."""
    return desk.decide(case_id, lambda writer: writer.override(
        case_id, workflow.STATUS_FIELD, REOPENED_STATUS, reason))


def add_request_step(desk: OfficeDesk, visit_id: str, request_id: str, step: str,
                     rating: int | None = None, note: str = "") -> PushResult:
    """A 365 step of a resident's request done by the office: handled, reported back, or
    the resident's rating."""
    if step not in RequestStep.__members__:
        raise DeskRefused("invalid", step, problems=step)
    entry: dict[str, Any] = {"request_id": request_id, "step": step, "at": _now_iso(),
                             "by": desk.worker.id}
    if rating is not None:
        entry["rating"] = rating
    if note.strip():
        entry["note"] = note.strip()

    def edit(writer):  # type: ignore[no-untyped-def]
        requests = (writer.replica.record(visit_id) or {}).get("values", {}).get("requests", [])
        if not any(isinstance(r, dict) and r.get("id") == request_id for r in requests):
            raise DeskRefused("record_unknown", f"{visit_id}/{request_id}")
        return writer.add(visit_id, "request_progress", entry)

    return desk.decide(visit_id, edit)


def settle(desk: OfficeDesk, record_id: str, field: str, value: Any) -> PushResult:
    """Settle a field's open conflict (or review): a `resolve` based on every competing
    version, with the value a person picked or wrote."""
    return desk.decide(record_id, lambda writer: writer.resolve(record_id, field, value))


def _now_iso() -> str:
    return datetime.fromtimestamp(wall_ms() / 1000, CHINA).isoformat(timespec="seconds")
