"""The declared orders that merge rules enforce: the dispute workflow and the escalation ladder.

A case moves forward: 已发现 → 调解中 → 已化解 or 已移交 → 已办结. "Forward" is reachability in
this graph; anything else is a backward or sideways move, which a merge keeps and flags but
does not apply. The escalation ladder 网格 → 社区 → 街道 → 区 only climbs, unless someone whose
role allows it lowers it on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

STATUS_FIELD = "status"
ESCALATION_FIELD = "escalation_level"

DISPUTE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "found": frozenset({"mediating", "resolved", "referred"}),
    "mediating": frozenset({"resolved", "referred"}),
    "resolved": frozenset({"closed"}),
    "referred": frozenset({"closed"}),
    "closed": frozenset(),
}

ESCALATION_LADDER: tuple[str, ...] = ("grid", "community", "street", "district")

OVERRIDE_ROLES: frozenset[str] = frozenset({"community_staff", "street_staff", "district_admin"})
"""Roles that may reopen a case or lower its escalation level (an `override` operation)."""


@cache
def reachable(source: str) -> frozenset[str]:
    """Every status reachable from `source` by one or more forward transitions."""
    seen: set[str] = set()
    frontier = list(DISPUTE_TRANSITIONS.get(source, ()))
    while frontier:
        status = frontier.pop()
        if status not in seen:
            seen.add(status)
            frontier.extend(DISPUTE_TRANSITIONS.get(status, ()))
    return frozenset(seen)


def is_forward(source: str, target: str) -> bool:
    """True when `target` lies ahead of `source` in the workflow (or is the same status)."""
    return source == target or target in reachable(source)


@cache
def _depth(status: str) -> int:
    """Longest path from the start of the workflow: ranks statuses for a stable choice."""
    parents = [s for s, nexts in DISPUTE_TRANSITIONS.items() if status in nexts]
    return 1 + max((_depth(p) for p in parents), default=-1)


def furthest_statuses(statuses: Iterable[str]) -> list[str]:
    """The statuses no other one in the set lies ahead of, in a stable order."""
    distinct = set(statuses)
    maximal = [s for s in distinct if not any(s != o and is_forward(s, o) for o in distinct)]
    return sorted(maximal, key=lambda s: (-_depth(s), s))


def escalation_rank(level: str) -> int:
    """Position on the ladder; unknown levels (from a newer app) rank above the known ones."""
    try:
        return ESCALATION_LADDER.index(level)
    except ValueError:
        return len(ESCALATION_LADDER)


def may_override(role: str) -> bool:
    return role in OVERRIDE_ROLES
