"""What the screens say, built from the services' plain answers and the catalogue.

No Kivy here: the sentences a worker reads (an error, the 今日 lists, a sync's outcome) are
decided in one place and can be checked without a window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from field_app.services.due_visits import DueVisit
from field_app.services.fonts import FontError
from field_app.services.pin_guard import PinLocked
from field_app.services.sync_run import SyncOutcome, SyncStep
from field_app.services.today import OpenCase, Today
from sync.catalogue import text
from sync.client_errors import SyncError
from sync.coded_error import CodedError

DUE_SHOWN = 8
"""Households listed on 今日; the rest are counted (the visit form lists them all)."""


def error_text(error: BaseException) -> str:
    """The Chinese sentence for anything a service refused with."""
    if isinstance(error, SyncError):
        return error.message
    if isinstance(error, PinLocked):
        return text("app.error.pin_locked", seconds=error.retry_after)
    if isinstance(error, FontError):
        return error.message
    if isinstance(error, CodedError):
        return text(f"app.error.{error.code}")
    return text("app.error.unexpected")


def worker_line(worker: Mapping[str, Any], grid_id: str | None) -> str:
    return text("app.home.worker", name=worker.get("name") or worker.get("id", ""),
                grid=grid_id or "")


def enrolled_line(worker: Mapping[str, Any], scope: Mapping[str, Any]) -> str:
    return text("app.set_pin.enrolled", name=worker.get("name") or worker.get("id", ""),
                grid=scope.get("grid_id") or "")


def due_lines(today: Today) -> list[str]:
    """The heading and one line per household due, most urgent first."""
    if not today.has_roster:
        return [text("app.today.no_roster")]
    if not today.due_visits:
        return [text("app.today.no_due_visits")]
    lines = [text("app.today.due_visits", count=len(today.due_visits))]
    lines += [due_line(due) for due in today.due_visits[:DUE_SHOWN]]
    if len(today.due_visits) > DUE_SHOWN:
        lines.append(text("app.home.more_due", count=len(today.due_visits) - DUE_SHOWN))
    return lines


def due_line(due: DueVisit) -> str:
    parts = [f"{due.place} {due.head_name}"]
    if due.key_household:
        parts.append(text("app.today.key_household"))
    if due.requests_due:
        parts.append(text("app.today.requests_due", count=due.requests_due))
    elif due.last_visited is None:
        parts.append(text("app.today.never_visited"))
    else:
        parts.append(text("app.today.last_visited", date=due.last_visited.isoformat(),
                          days=due.days_since))
    return " · ".join(parts)


def screening_line(today: Today) -> str:
    key = "app.today.screening_done" if today.screening.done else "app.today.screening_due"
    return text(key, week=today.screening.iso_week)


def case_lines(today: Today) -> list[str]:
    if not today.open_cases:
        return [text("app.today.no_open_cases")]
    return [text("app.today.open_cases", count=len(today.open_cases))] + [
        case_line(case) for case in today.open_cases]


def case_line(case: OpenCase) -> str:
    if case.due is None:
        when = text("app.today.case_no_due")
    elif case.overdue:
        when = text("app.today.case_overdue", days=-(case.days_left or 0),
                    date=case.due.isoformat())
    elif case.days_left == 0:
        when = text("app.today.case_due_today")
    else:
        when = text("app.today.case_due", date=case.due.isoformat(), days=case.days_left)
    parts = [case.description[:30] or case.record_id, when]
    if case.needs_decision:
        parts.append(text("app.today.case_needs_decision"))
    return " · ".join(parts)


def sync_lines(today: Today) -> list[str]:
    waiting = (text("app.today.unsynced", count=today.unsynced) if today.unsynced
               else text("app.today.all_synced"))
    return [waiting, last_sync_line(today.last_synced_at)]


def last_sync_line(when: datetime | None) -> str:
    if when is None:
        return text("app.today.never_synced")
    return text("app.today.last_sync", time=when.strftime("%Y-%m-%d %H:%M"))


def step_line(step: SyncStep) -> str:
    key = "app.sync.pushing" if step.phase == "push" else "app.sync.pulling"
    return text(key, done=step.done, items=step.items)


def step_progress(step: SyncStep, waiting: int) -> float:
    """0..1 for the bar: the push fills the first half by operations acknowledged out of
    those waiting, the pull the second half, page by page (its length is not known)."""
    if step.phase == "push":
        return 0.5 * min(1.0, step.items / waiting) if waiting else 0.5
    return 0.5 + 0.5 * (1 - 1 / (1 + step.done))


def outcome_lines(outcome: SyncOutcome) -> list[str]:
    """What one sync did, in the order a worker needs it: the verdict, what went and came,
    what the server kept aside and why, what waits for the office, what is left to send."""
    lines = [text("app.sync.done" if outcome.succeeded else "app.sync.stopped")]
    if outcome.problem is not None:
        lines.append(outcome.problem.message)
    if outcome.revoked:
        lines.append(text("app.sync.revoked"))
    lines.append(text("app.sync.sent", count=outcome.sent))
    lines.append(text("app.sync.received", count=outcome.received))
    if outcome.quarantined:
        lines.append(text("app.sync.quarantined", count=len(outcome.quarantined)))
        lines += [quarantined_line(item) for item in outcome.quarantined]
    if outcome.conflicts:
        lines.append(text("app.sync.conflicts", count=outcome.conflicts))
    lines.append(text("app.sync.waiting", count=outcome.waiting) if outcome.waiting
                 else text("app.sync.nothing_waiting"))
    if not outcome.succeeded and not outcome.revoked:
        lines.append(text("app.sync.retry_hint"))
    return lines


def quarantined_line(item: Mapping[str, Any]) -> str:
    """One operation the server kept aside: its reason, and each problem to fix."""
    reason = str(item.get("message") or text(f"quarantine.{item.get('code')}"))
    problems = item.get("problems") or []
    details = "；".join(str(p.get("message", p)) if isinstance(p, Mapping) else str(p)
                       for p in problems)
    message = f"{reason}（{details}）" if details else reason
    return text("app.sync.quarantined_item", seq=item.get("seq", ""), message=message)
