"""Opening a dispute case (矛盾纠纷) from a screening, a patrol finding or a visit.

A new case starts where DOMAIN.md says cases start: 已发现 (found), at the grid level
("小事不出网格"), opened now by the signed-in worker, with the record it was found in as
its `source`. Its "111" due date follows from `opened_at` (`sync.deadlines`), so none is
written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.vocabulary import DisputeStatus, EscalationLevel, RiskColour


@dataclass
class PartyDraft:
    """A party to the dispute as typed: a name, and optionally a role and phone."""

    name: str = ""
    role: str = ""
    phone: str = ""

    def to_record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name.strip()}
        if self.role.strip():
            entry["role"] = self.role.strip()
        if self.phone.strip():
            entry["phone"] = self.phone.strip()
        return entry


@dataclass
class CaseDraft:
    """What a worker types to open a case: category, parties, description, risk colour."""

    category: str = ""
    description: str = ""
    risk_colour: str = RiskColour.green.value
    parties: list[PartyDraft] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain values, for a draft file."""
        return {"category": self.category, "description": self.description,
                "risk_colour": self.risk_colour,
                "parties": [vars(party).copy() for party in self.parties]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseDraft:
        return cls(category=str(data.get("category") or ""),
                   description=str(data.get("description") or ""),
                   risk_colour=str(data.get("risk_colour") or RiskColour.green.value),
                   parties=[PartyDraft(**party) for party in data.get("parties") or []])


def case_record(draft: CaseDraft, *, grid_id: str, opened_by: str, opened_at: str,
                source_kind: str, source_id: str) -> dict[str, Any]:
    """The dispute record a draft opens: found, at grid level, linked to its source."""
    data: dict[str, Any] = {
        "grid_id": grid_id,
        "category": draft.category,
        "parties": [party.to_record() for party in draft.parties],
        "description": draft.description.strip(),
        "risk_colour": draft.risk_colour,
        "status": DisputeStatus.found.value,
        "escalation_level": EscalationLevel.grid.value,
        "opened_at": opened_at,
        "opened_by": opened_by,
        "source": {"kind": source_kind, "id": source_id},
        "mediation_notes": [],
    }
    if not data["category"]:
        del data["category"]  # reported as "required" by the schema, on its field
    return data
