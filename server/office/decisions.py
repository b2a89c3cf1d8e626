"""The office's decisions on a record (assign, escalate, move on, rate, reopen, a request's
365 step): each form becomes one call of `server/services/office_decisions.py`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from server.extensions import db
from server.models import RecordProjection
from server.office import office
from server.office.auth import signed_in
from server.services import office_decisions
from server.services.office_desk import DeskRefused, OfficeDesk
from server.services.office_scope import workers_in
from sync.catalogue import label, text
from sync.vocabulary import DisputeStatus, EscalationLevel, RequestStep


class FormProblem(Exception):
    """A form filled in wrongly; the message (catalogue key) goes back to the user."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _rating(form: Any) -> int:
    try:
        rating = int(form.get("rating", ""))
    except ValueError:
        raise FormProblem("office.decision.not_a_number") from None
    if not 1 <= rating <= 5:
        raise FormProblem("office.decision.not_a_number")
    return rating


ASSIGNEE_ROLES = frozenset({"grid_worker", "mediator", "community_staff", "street_staff"})
"""Who takes on a case (承办人): not patrol members, not the district."""


def _assignees() -> list[Any]:
    return [worker for worker in workers_in(g.area, active_only=True)
            if worker.role in ASSIGNEE_ROLES]


def _assignee(form: Any) -> str:
    worker_id = form.get("worker", "")
    if worker_id not in {worker.id for worker in _assignees()}:
        raise FormProblem("office.decision.assignee_unknown")
    return worker_id


def _optional_rating(form: Any) -> int | None:
    return _rating(form) if form.get("rating", "").strip() else None


DECISIONS: dict[str, Callable[[OfficeDesk, str, Any], Any]] = {
    "assign": lambda desk, rid, form: office_decisions.assign(desk, rid, _assignee(form)),
    "escalate": lambda desk, rid, form: office_decisions.escalate(desk, rid, form.get("level", "")),
    "status": lambda desk, rid, form: office_decisions.move_status(desk, rid,
                                                                   form.get("status", "")),
    "rating": lambda desk, rid, form: office_decisions.rate_case(desk, rid, _rating(form)),
    "reopen": lambda desk, rid, form: office_decisions.reopen(desk, rid, form.get("reason", "")),
    "request_step": lambda desk, rid, form: office_decisions.add_request_step(
        desk, rid, form.get("request", ""), form.get("step", ""), _optional_rating(form),
        form.get("note", "")),
}
"""What each form does with the record and the form's fields."""


@office.post("/records/<record_id>/decisions/<decision>")
@signed_in
def decide(record_id: str, decision: str):  # type: ignore[no-untyped-def]
    make = DECISIONS.get(decision)
    if make is None or not _in_area(record_id):
        abort(404)
    try:
        make(OfficeDesk(g.worker), record_id, request.form)
    except FormProblem as problem:
        flash(text(problem.key), "error")
    except DeskRefused as refused:
        flash(text(f"office.desk.{refused.code}", **refused.params), "error")
    else:
        flash(text("office.decision.recorded"))
    return redirect(url_for("office.record", record_id=record_id), 303)


def _in_area(record_id: str) -> bool:
    return db.session.scalar(select(RecordProjection.id).where(
        RecordProjection.id == record_id, g.area.filter(RecordProjection))) is not None


@office.context_processor
def decision_forms() -> dict[str, Any]:
    """`decision_options()` for the record page's forms, worked out only where called."""
    return {"decision_options": _decision_options}


def _decision_options(values: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The choices of the forms for a record showing `values`."""
    return {
        "requests": [(entry.get("id", ""), entry.get("summary", ""))
                     for entry in values.get("requests") or [] if isinstance(entry, dict)],
        "assignees": [(worker.id, f"{worker.name}（{text('label.role.' + worker.role)}）")
                      for worker in _assignees()],
        "levels": _labelled(EscalationLevel),
        "statuses": _labelled(DisputeStatus),
        "steps": _labelled(RequestStep),
    }


def _labelled(vocabulary: type[StrEnum]) -> list[tuple[str, str]]:
    return [(code.value, label(code)) for code in vocabulary]
