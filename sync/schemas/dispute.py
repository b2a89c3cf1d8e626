"""矛盾纠纷: a dispute case, touched by workers, mediators and the office."""

from __future__ import annotations

from sync.schemas import fields as f
from sync.schemas.base import Entry, Record
from sync.vocabulary import (
    DeadlineKind,
    DisputeCategory,
    DisputeSource,
    DisputeStatus,
    EscalationLevel,
    MediationStep,
    RiskColour,
)


class Party(Entry):
    name = f.text()
    role = f.text(optional=True, blank=True)
    phone = f.phone(optional=True)
    id_number = f.id_number(optional=True)


class Source(Entry):
    """The record the case was found in (or the office, where residents walk in)."""

    kind = f.choice(DisputeSource)
    id = f.text()


class MediationNote(Entry):
    """One mediation contact, optionally tagged with its 五心调解法 step."""

    id = f.text()
    text = f.text()
    at = f.iso_datetime()
    by = f.text()
    step = f.choice(MediationStep, optional=True)


class Dispute(Record):
    category = f.choice(DisputeCategory)
    parties = f.items(f.obj(Party), min_len=1)
    description = f.text(max_len=4000)
    risk_colour = f.choice(RiskColour)
    status = f.choice(DisputeStatus)
    escalation_level = f.choice(EscalationLevel)
    opened_at = f.iso_datetime()
    opened_by = f.text()
    due_date = f.iso_date(optional=True)
    assigned_to = f.text(optional=True)
    source = f.obj(Source, optional=True)
    deadline_kind = f.choice(DeadlineKind, optional=True)
    """Which "111" promise applies; absent means opened locally (a month)."""
    rating = f.integer(optional=True, minimum=1, maximum=5)
    """群众评议: the parties' rating of the outcome, 1 (very dissatisfied) to 5."""
    mediation_notes = f.children(MediationNote)
