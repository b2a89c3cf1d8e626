"""Typed merge rules: one per kind of field, each a pure function of a set of versions.

A field's *frontier* is the set of versions of it that no other known version was based on:
one version when edits were sequential, several when people edited it concurrently. Every
rule reads the frontier and decides what the field shows, which versions are an open conflict
for a person to settle, and which are kept but flagged for review. Because the answer depends
only on the set of versions, never on the order they arrived in, every replica that holds the
same operations shows the same record (the rules are commutative, associative and idempotent).

- `RegisterRule` — plain fields: a multi-value register. Every concurrent value is kept; one is
  shown provisionally (latest clock, then op id) and the conflict stays open until a
  `resolve` operation based on all of them settles it.
- `WorkflowRule` — a dispute's status: moves only forward along `workflow.DISPUTE_TRANSITIONS`.
- `EscalationRule` — escalation level: the highest level wins, unless an authorised
  `override` lowers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sync import canonical, workflow
from sync.operation import Operation, OpKind

CONFLICT_KINDS = frozenset({"concurrent_values", "status_incomparable"})
"""Open conflicts a person must settle; the catalogue's ``conflict.<kind>`` explains each."""
REVIEW_KINDS = frozenset({
    "superseded", "status_backward", "escalation_lowering_refused", "override_unauthorised",
})
"""Versions kept but not applied; the catalogue's ``review.<kind>`` explains each."""


@dataclass(frozen=True)
class Judgement:
    """What a rule makes of a newly written value: the value it stands for, and any flag."""

    value: Any
    flag: str | None = None
    requested: Any = None

    def to_row(self) -> list[Any]:
        """The compact stored form of a frontier version (its writer is stored apart)."""
        return [self.value] if self.flag is None else [self.value, self.flag, self.requested]


@dataclass(frozen=True)
class Version:
    """One frontier version of a field: the value it shows and who wrote it."""

    op_id: str
    value: Any
    hlc: tuple[int, int]
    device_id: str
    author: Mapping[str, str]
    requested: Any = None
    flag: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "op": self.op_id,
            "value": self.value,
            "hlc": list(self.hlc),
            "device": self.device_id,
            "author": dict(self.author),
        }
        if self.flag is not None:
            data["flag"] = self.flag
            data["requested"] = self.requested
        return data

    @staticmethod
    def row_is_flagged(row: list[Any]) -> bool:
        return len(row) > 1

    @classmethod
    def from_stored(cls, op_id: str, row: list[Any], writer: list[Any]) -> Version:
        """Join a stored frontier row with the stored writer of its operation."""
        value, *flagged = row
        flag, requested = flagged or (None, None)
        wall, counter, device, author_id, role = writer
        return cls(op_id, value, (wall, counter), device, {"id": author_id, "role": role},
                   requested, flag)


@dataclass(frozen=True)
class Settled:
    """What a field shows, and what about it needs a person."""

    value: Any
    conflict: str | None = None
    """Kind of open conflict among the frontier versions, if any."""
    review: tuple[Version, ...] = ()
    """Versions kept but not applied (a backward move, a refused lowering...)."""


class RegisterRule:
    kind = "register"

    def judge(self, op: Operation, requested: Any, bases: Iterable[Any]) -> Judgement:
        return Judgement(requested)

    def settle(self, frontier: Iterable[Version]) -> Settled:
        versions = list(frontier)
        shown = max(versions, key=lambda v: (v.hlc, v.op_id))
        distinct = {canonical.encode(v.value) for v in versions}
        return Settled(shown.value, "concurrent_values" if len(distinct) > 1 else None)


class _OneWayRule:
    """A field whose value only moves one way, unless someone allowed to overrides it.

    A new version is judged against its base (what its author saw): a move the right way is
    applied; a move back is applied only as an authorised `override`; anything else is kept
    at the base value and flagged for review.
    """

    refused_flag = ""

    def base_of(self, seen: list[Any]) -> Any:
        raise NotImplementedError

    def allows(self, base: Any, requested: Any) -> bool:
        raise NotImplementedError

    def judge(self, op: Operation, requested: Any, bases: Iterable[Any]) -> Judgement:
        requested = as_code(requested)
        seen = list(bases)
        if not seen:
            return Judgement(requested)
        base = self.base_of(seen)
        if self.allows(base, requested):
            return Judgement(requested)
        if op.kind is not OpKind.OVERRIDE:
            return Judgement(base, self.refused_flag, requested)
        if workflow.may_override(op.author.role):
            return Judgement(requested)
        return Judgement(base, "override_unauthorised", requested)


class WorkflowRule(_OneWayRule):
    kind = "workflow"
    refused_flag = "status_backward"

    def base_of(self, seen: list[Any]) -> Any:
        return workflow.furthest_statuses(seen)[0]

    def allows(self, base: Any, requested: Any) -> bool:
        return workflow.is_forward(base, requested)

    def settle(self, frontier: Iterable[Version]) -> Settled:
        versions = list(frontier)
        furthest = workflow.furthest_statuses(v.value for v in versions)
        conflict = "status_incomparable" if len(furthest) > 1 else None
        review = tuple(v for v in versions if v.flag is not None or v.value not in furthest)
        return Settled(furthest[0], conflict, review)


class EscalationRule(_OneWayRule):
    kind = "escalation"
    refused_flag = "escalation_lowering_refused"

    def base_of(self, seen: list[Any]) -> Any:
        return _highest(seen)

    def allows(self, base: Any, requested: Any) -> bool:
        return workflow.escalation_rank(requested) >= workflow.escalation_rank(base)

    def settle(self, frontier: Iterable[Version]) -> Settled:
        versions = list(frontier)
        shown = _highest([v.value for v in versions])
        review = tuple(v for v in versions if v.flag is not None or v.value != shown)
        return Settled(shown, None, review)


def as_code(value: Any) -> str:
    """Codes are strings; any other JSON a broken app sent becomes a code no rule knows
    (its canonical text), so ordering never fails and the odd value stays visible."""
    return value if isinstance(value, str) else canonical.encode(value).decode("utf-8")


def _highest(levels: list[Any]) -> Any:
    return max(levels, key=lambda level: (workflow.escalation_rank(level), level))


REGISTER = RegisterRule()
"""The rule of every field without one of its own."""
_RULES: dict[tuple[str, str], RegisterRule | WorkflowRule | EscalationRule] = {
    ("dispute", workflow.STATUS_FIELD): WorkflowRule(),
    ("dispute", workflow.ESCALATION_FIELD): EscalationRule(),
}



def _rules_by_type() -> dict[str, dict[str, WorkflowRule | EscalationRule]]:
    by_type: dict[str, dict[str, WorkflowRule | EscalationRule]] = {}
    for (record_type, field), rule in _RULES.items():
        by_type.setdefault(record_type, {})[field] = rule  # type: ignore[assignment]
    return by_type


_OWN_RULES = _rules_by_type()


def rule_for(record_type: str, field: str) -> RegisterRule | WorkflowRule | EscalationRule:
    """The merge rule of a field; fields this version does not know are plain registers."""
    return _RULES.get((record_type, field), REGISTER)


def own_rules(record_type: str) -> dict[str, WorkflowRule | EscalationRule]:
    """The type's fields that have a rule of their own; every other field is a register.
    (For a loop over a record's fields: one lookup per field, not a rule call.)"""
    return _OWN_RULES.get(record_type, {})
