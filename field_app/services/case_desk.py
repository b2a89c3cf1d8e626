"""One dispute case (矛盾纠纷) on the tablet: what it says, what the signed-in person may do
with it, and its history as readable Chinese lines.

What a role may do (`may_set_status`, `highest_level_for`): the workflow in
`sync.workflow` only moves forward (已发现 → 调解中 → 已化解 / 已移交 → 已办结), and the ladder
only climbs ("小事不出网格、大事不出社区、难事不出街道"). On top of that, per role:

- anyone may add a mediation note (五心调解法 step optional); notes are never changed, a
  wrong one is corrected by another;
- grid workers and mediators move a case forward up to 已化解 or 已移交; 已办结 (closing the
  ledger entry) is the office's (community, street, district staff); patrol members only
  add notes;
- a case is raised one rung at a time, as far as the role reaches: grid workers, patrol
  members and mediators call up the community ("社区呼叫"), community staff the street,
  street staff and district admins the district;
- reopening a case or lowering its level is an `override` with a reason, for the roles
  `sync.workflow.may_override` names.

`allowed_actions` lists exactly those for the screen; every action method checks again and
raises `NotSaved` with a Chinese reason when it is not allowed, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from field_app.services.recording import NotSaved, Recorder
from sync import workflow
from sync.catalogue import text
from sync.deadlines import CHINA, case_due_date
from sync.schemas import field_label, value_label
from sync.vocabulary import DisputeStatus, EscalationLevel, Role

NOTE_ONLY_ROLES = frozenset({Role.patrol_member.value})
CLOSE_ROLES = frozenset({Role.community_staff.value, Role.street_staff.value,
                         Role.district_admin.value})
"""Who may close a case (已办结): the office keeps the ledger."""

LEVEL_REACH: dict[str, str] = {
    Role.grid_worker.value: EscalationLevel.community.value,
    Role.patrol_member.value: EscalationLevel.community.value,
    Role.mediator.value: EscalationLevel.community.value,
    Role.community_staff.value: EscalationLevel.street.value,
    Role.street_staff.value: EscalationLevel.district.value,
    Role.district_admin.value: EscalationLevel.district.value,
}
"""The highest level each role may raise a case to."""


def may_set_status(role: str, status: str) -> bool:
    """Whether `role` may move a case forward into `status` (direction checked apart)."""
    if role in NOTE_ONLY_ROLES:
        return False
    if status == DisputeStatus.closed:
        return role in CLOSE_ROLES
    return status in workflow.DISPUTE_TRANSITIONS


def highest_level_for(role: str) -> str:
    """The highest escalation level `role` may raise a case to (grid for unknown roles)."""
    return LEVEL_REACH.get(role, EscalationLevel.grid.value)


@dataclass(frozen=True)
class CaseAction:
    """Something the screen may offer: ``note``, ``status``, ``escalate``, ``reopen``,
    ``lower``; `value` is the target status or level; `label` is its button text.
    ``reopen`` and ``lower`` need a reason."""

    kind: str
    value: str
    label: str

    @property
    def needs_reason(self) -> bool:
        return self.kind in ("reopen", "lower")


@dataclass(frozen=True)
class CaseNote:
    at: str
    by: str
    text: str
    step: str
    """The 五心调解法 step's label, or ""."""


@dataclass(frozen=True)
class CaseSummary:
    """A case as the case screen shows it (labels already in Chinese)."""

    record_id: str
    category: str
    status: str
    status_label: str
    escalation_level: str
    level_label: str
    risk_colour: str
    colour_label: str
    description: str
    parties: list[str]
    notes: list[CaseNote]
    opened_at: str
    due: date | None
    open_conflicts: int
    retracted: bool


@dataclass(frozen=True)
class HistoryLine:
    """One write to the case: when (Beijing), who, what; `line` joins them."""

    when: str
    who: str
    what: str

    @property
    def line(self) -> str:
        return text("app.case.history_line", when=self.when, who=self.who, what=self.what)


class CaseDesk:
    """A dispute case opened on the tablet for reading and acting on."""

    def __init__(self, recorder: Recorder, case_id: str) -> None:
        self.recorder = recorder
        self.case_id = case_id

    # -- reading -------------------------------------------------------------------------

    def view(self) -> dict[str, Any]:
        """The merged record (`Replica.record`); `NotSaved` if it is not on this tablet."""
        record = self.recorder.replica.record(self.case_id)
        if record is None or record["type"] != "dispute":
            raise NotSaved.of("", "edit.record_unknown")
        return record

    def summary(self) -> CaseSummary:
        record = self.view()
        values = record["values"]
        status = str(values.get("status") or "")
        level = str(values.get("escalation_level") or "")
        colour = str(values.get("risk_colour") or "")
        return CaseSummary(
            record_id=self.case_id,
            category=value_label("dispute", "category", values.get("category")),
            status=status,
            status_label=value_label("dispute", "status", status),
            escalation_level=level,
            level_label=value_label("dispute", "escalation_level", level),
            risk_colour=colour,
            colour_label=value_label("dispute", "risk_colour", colour),
            description=str(values.get("description") or ""),
            parties=[_party(p) for p in values.get("parties") or []],
            notes=[self._note(n) for n in values.get("mediation_notes") or []],
            opened_at=str(values.get("opened_at") or ""),
            due=case_due_date(values.get("opened_at"), values.get("deadline_kind"),
                              values.get("due_date")),
            open_conflicts=len(record["conflicts"]),
            retracted=bool(record.get("retracted")),
        )

    def allowed_actions(self) -> list[CaseAction]:
        """What the signed-in person may do with the case now, in the order to show."""
        record = self.view()
        if record.get("retracted"):
            return []
        role = self.recorder.role
        values = record["values"]
        status = str(values.get("status") or "")
        level = str(values.get("escalation_level") or EscalationLevel.grid.value)
        actions = [CaseAction("note", "", text("app.case.add_note"))]
        for target in _next_statuses(status):
            if may_set_status(role, target):
                actions.append(CaseAction("status", target, text(
                    "app.case.move_to", status=value_label("dispute", "status", target))))
        above = _rung(level, +1)
        if above is not None and (workflow.escalation_rank(above)
                                  <= workflow.escalation_rank(highest_level_for(role))):
            actions.append(CaseAction("escalate", above, text(
                "app.case.escalate_to", level=value_label("dispute", "escalation_level", above))))
        if workflow.may_override(role):
            if status in (DisputeStatus.resolved, DisputeStatus.referred, DisputeStatus.closed):
                actions.append(CaseAction("reopen", DisputeStatus.mediating.value,
                                          text("app.case.reopen")))
            below = _rung(level, -1)
            if below is not None:
                actions.append(CaseAction("lower", below, text(
                    "app.case.lower_to",
                    level=value_label("dispute", "escalation_level", below))))
        return actions

    def history(self) -> list[HistoryLine]:
        """Every write to the case, oldest first, in Chinese (`Replica.history`)."""
        return [self._history_line(entry)
                for entry in self.recorder.replica.history(self.case_id)]

    def history_lines(self) -> list[str]:
        return [entry.line for entry in self.history()]

    # -- acting --------------------------------------------------------------------------

    def add_note(self, note: str, step: str | None = None) -> None:
        """A mediation note (调解记录) by the signed-in person, now."""
        self._require("note", "")
        entry: dict[str, Any] = {"text": note.strip(), "at": self.recorder.now(),
                                 "by": self.recorder.worker_id}
        if step:
            entry["step"] = step
        with self.recorder.saving() as writer:
            writer.add(self.case_id, "mediation_notes", entry)

    def move_status(self, status: str) -> None:
        """Move the case forward to `status` (调解中, 已化解, 已移交, 已办结)."""
        self._require("status", status)
        with self.recorder.saving() as writer:
            writer.update(self.case_id, {workflow.STATUS_FIELD: status})

    def escalate(self, level: str) -> None:
        """Raise the case one rung (网格 → 社区 → 街道 → 区)."""
        self._require("escalate", level)
        with self.recorder.saving() as writer:
            writer.update(self.case_id, {workflow.ESCALATION_FIELD: level})

    def reopen(self, reason: str, status: str = DisputeStatus.mediating.value) -> None:
        """Office only: set a finished case back to 调解中, with a reason (`override`)."""
        self._require("reopen", status)
        self._override(workflow.STATUS_FIELD, status, reason)

    def lower(self, level: str, reason: str) -> None:
        """Office only: lower the escalation level one rung, with a reason (`override`)."""
        self._require("lower", level)
        self._override(workflow.ESCALATION_FIELD, level, reason)

    def act(self, action: CaseAction, words: str = "") -> None:
        """Do an action from `allowed_actions`; `words` is the note or the reason."""
        if action.kind == "note":
            self.add_note(words)
        elif action.kind == "status":
            self.move_status(action.value)
        elif action.kind == "escalate":
            self.escalate(action.value)
        elif action.kind == "reopen":
            self.reopen(words, action.value)
        elif action.kind == "lower":
            self.lower(action.value, words)
        else:
            raise ValueError(f"unknown case action {action.kind!r}")

    # -- internals -----------------------------------------------------------------------

    def _require(self, kind: str, value: str) -> None:
        if any(a.kind == kind and a.value == value for a in self.allowed_actions()):
            return
        raise NotSaved.of(_ACTION_FIELDS.get(kind, ""), "app.case.not_allowed",
                          role=_role_label(self.recorder.role))

    def _override(self, field_name: str, value: str, reason: str) -> None:
        if not reason.strip():
            raise NotSaved.of("reason", "edit.reason_required")
        with self.recorder.saving() as writer:
            writer.override(self.case_id, field_name, value, reason.strip())

    def _note(self, note: dict[str, Any]) -> CaseNote:
        step = note.get("step")
        return CaseNote(at=_moment(note.get("at")),
                        by=self.recorder.worker_name(str(note.get("by") or "")),
                        text=str(note.get("text") or ""),
                        step=text(f"label.mediation_step.{step}") if step else "")

    def _history_line(self, entry: dict[str, Any]) -> HistoryLine:
        author = entry["author"]
        who = self.recorder.worker_name(str(author.get("id")))
        when = datetime.fromtimestamp(entry["hlc"][0] / 1000, CHINA).strftime("%Y-%m-%d %H:%M")
        return HistoryLine(when=when, who=who, what=_what(entry))


_ACTION_FIELDS = {"status": "status", "escalate": "escalation_level", "reopen": "status",
                  "lower": "escalation_level"}


def _role_label(role: str) -> str:
    return text(f"label.role.{role}") if role in set(Role) else role


def _next_statuses(status: str) -> list[str]:
    """The statuses one step ahead, in the workflow's order."""
    ahead = workflow.DISPUTE_TRANSITIONS.get(status, frozenset())
    return [s.value for s in DisputeStatus if s.value in ahead]


def _rung(level: str, step: int) -> str | None:
    ladder = workflow.ESCALATION_LADDER
    if level not in ladder:
        return None
    index = ladder.index(level) + step
    return ladder[index] if 0 <= index < len(ladder) else None


def _party(party: dict[str, Any]) -> str:
    name, role = str(party.get("name") or ""), str(party.get("role") or "")
    return f"{name}（{role}）" if role else name


def _moment(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value or "")


def _what(entry: dict[str, Any]) -> str:
    """One operation said in Chinese."""
    kind, changes, reason = entry["kind"], entry["changes"], entry.get("reason") or ""
    if kind == "create":
        return text("app.case.history_opened",
                    status=value_label("dispute", "status", changes.get("status")),
                    level=value_label("dispute", "escalation_level",
                                      changes.get("escalation_level")))
    if kind == "retract":
        return text("app.case.history_retracted", reason=reason)
    if kind == "add":
        note = changes.get("mediation_notes") or {}
        return text("app.case.history_note", note=note.get("text", ""))
    parts = [text("app.case.history_field", field=field_label("dispute", name),
                  value=value_label("dispute", name, value))
             for name, value in sorted(changes.items())]
    said = text("list.separator").join(parts)
    if kind == "resolve":
        return text("app.case.history_resolved", changes=said)
    if kind == "override":
        return text("app.case.history_override", changes=said, reason=reason)
    return text("app.case.history_changed", changes=said)
