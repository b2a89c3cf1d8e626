"""Who may write what, where: the scope rules of the grid tree.

A grid worker writes in their grid, patrol members patrol logs in their community, mediators
dispute cases in their community, community and street staff anything in theirs. Pure
functions of plain values, so the rules are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_TYPES = frozenset({"visit", "screening", "dispute", "patrol"})

WRITABLE: dict[str, frozenset[str]] = {
    "grid_worker": frozenset({"visit", "screening", "dispute"}),
    "patrol_member": frozenset({"patrol"}),
    "mediator": frozenset({"dispute"}),
    "community_staff": ALL_TYPES,
    "street_staff": ALL_TYPES,
    "district_admin": ALL_TYPES,
}



def may_write(role: str, record_type: str) -> bool:
    """Whether `role` writes records of `record_type` at all (where is `refusal`'s part):
    the server's rule, and what the field app offers a worker."""
    return record_type in WRITABLE.get(role, frozenset())


AREA_OF_ROLE: dict[str, str] = {
    "grid_worker": "grid",
    "patrol_member": "community",
    "mediator": "community",
    "community_staff": "community",
    "street_staff": "street",
    "district_admin": "street",
}


@dataclass(frozen=True)
class Place:
    """Where a record belongs in the grid tree."""

    street_id: str
    community_id: str
    grid_id: str


@dataclass(frozen=True)
class Area:
    """The part of the tree a person works in: the level and the id at that level."""

    level: str
    id: str

    def contains(self, place: Place) -> bool:
        return {
            "grid": place.grid_id,
            "community": place.community_id,
            "street": place.street_id,
        }[self.level] == self.id


def area_of(role: str, street_id: str, community_id: str | None, grid_id: str | None) -> Area:
    level = AREA_OF_ROLE.get(role, "grid")
    identifier = {"grid": grid_id, "community": community_id, "street": street_id}[level]
    return Area(level, identifier or "")


def refusal(role: str, area: Area, record_type: str, place: Place) -> str | None:
    """None when `role` working in `area` may write a `record_type` at `place`; else a code."""
    if not may_write(role, record_type) or not area.contains(place):
        return "outside_scope"
    return None
