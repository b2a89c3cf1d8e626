"""Closed vocabularies: the stable English codes that are stored in records.

The codes are part of the data format (they are synced, merged and kept in the ledgers), so a
code is never renamed or reused. The Chinese labels shown to users live in `sync.catalogue`
under ``label.<vocabulary name>.<code>``, where the vocabulary name is the snake-case class
name (``VisitKind`` -> ``visit_kind``); see `vocabulary_name`.
"""

from __future__ import annotations

import re
from enum import StrEnum


class VisitKind(StrEnum):
    """Kind of resident visit in the 民情日记."""

    routine = "routine"
    key_household = "key_household"
    themed = "themed"
    urgent = "urgent"


class ServiceClass(StrEnum):
    """The six service classes a resident's request falls into."""

    party = "party"
    government = "government"
    living = "living"
    volunteer = "volunteer"
    culture = "culture"
    legal = "legal"


class ProblemList(StrEnum):
    """The three lists a request is triaged into."""

    fix_now = "fix_now"
    fix_by_deadline = "fix_by_deadline"
    cannot_fix = "cannot_fix"


class DisputeCategory(StrEnum):
    """The four dispute categories of the "4、3、3" mechanism."""

    complaint = "complaint"
    property = "property"
    investment = "investment"
    civil = "civil"


class RiskColour(StrEnum):
    """三色管理: normal / watch / alert."""

    green = "green"
    yellow = "yellow"
    red = "red"


class DisputeStatus(StrEnum):
    """Where a dispute case stands."""

    found = "found"
    mediating = "mediating"
    resolved = "resolved"
    referred = "referred"
    closed = "closed"


class EscalationLevel(StrEnum):
    """The escalation ladder grid < community < street < district.

    Comparisons follow the ladder, not the alphabet: the codes are strings, and plain string
    order ("community" < "grid") would silently get escalation checks wrong. A plain string
    that is a level code is compared by the ladder too; use `rank` when in doubt.
    """

    grid = "grid"
    community = "community"
    street = "street"
    district = "district"

    @property
    def rank(self) -> int:
        """Position on the ladder, 0 for grid."""
        return _ESCALATION_RANKS[self]

    def _other_rank(self, other: object) -> int | None:
        if isinstance(other, str) and other in _ESCALATION_RANKS:
            return _ESCALATION_RANKS[other]
        return None

    def __lt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: object) -> bool:
        rank = self._other_rank(other)
        return NotImplemented if rank is None else self.rank >= rank


_ESCALATION_RANKS: dict[str, int] = {level.value: i for i, level in enumerate(EscalationLevel)}


class PatrolTeamKind(StrEnum):
    """The four patrol teams, "四支队伍"."""

    public_security = "public_security"
    property_security = "property_security"
    residents = "residents"
    volunteers = "volunteers"


class ScreeningScope(StrEnum):
    """How a dispute screening was scheduled."""

    weekly = "weekly"
    half_month = "half_month"
    ad_hoc = "ad_hoc"


class AttachmentKind(StrEnum):
    """What an attachment to a visit is."""

    photo = "photo"
    file = "file"


class Role(StrEnum):
    """Who a user is; decides what they may see and do."""

    grid_worker = "grid_worker"
    patrol_member = "patrol_member"
    mediator = "mediator"
    community_staff = "community_staff"
    street_staff = "street_staff"
    district_admin = "district_admin"


class MediationStep(StrEnum):
    """The 五心调解法 step a mediation note records."""

    ask = "ask"
    listen = "listen"
    check = "check"
    persuade = "persuade"
    consider = "consider"


class DisputeSource(StrEnum):
    """Where a dispute case was first reported."""

    screening = "screening"
    patrol = "patrol"
    visit = "visit"
    office = "office"


class RequestStep(StrEnum):
    """The 365 steps a resident's request takes after it is triaged and in the ledger:
    handled (及时办理), reported back to the resident (反馈结果), rated by them (群众评议)."""

    handled = "handled"
    reported_back = "reported_back"
    rated = "rated"


class DeadlineKind(StrEnum):
    """Which "111" promise a case's deadline follows: a week for leaders' instructions, a
    month for matters assigned from above or opened locally."""

    leader_instruction = "leader_instruction"
    assigned = "assigned"
    local = "local"


def vocabulary_name(vocabulary: type[StrEnum]) -> str:
    """Snake-case name of a vocabulary, the middle part of its catalogue label keys."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", vocabulary.__name__).lower()


VOCABULARIES: dict[str, type[StrEnum]] = {
    vocabulary_name(vocabulary): vocabulary
    for vocabulary in (
        VisitKind,
        ServiceClass,
        ProblemList,
        DisputeCategory,
        RiskColour,
        DisputeStatus,
        EscalationLevel,
        PatrolTeamKind,
        ScreeningScope,
        AttachmentKind,
        Role,
        MediationStep,
        DisputeSource,
        RequestStep,
        DeadlineKind,
    )
}
