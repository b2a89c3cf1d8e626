"""Finding a household on the roster the last pull brought, by place or by name.

A grid worker at a door types what they see: the building, unit and room (``3号楼 2 402``
or ``3-2-402``) or the name of the head of household. Every word typed must appear in the
household's place or name; digits in the query also match the digits of the place, so
``3 2 402`` finds 3号楼2单元402. Only households of the worker's grid are offered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_WORDS = re.compile(r"[\s,，、\-_/#]+")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class HouseholdChoice:
    """One household as the chooser lists it."""

    household_id: str
    building: str
    unit: str
    room: str
    head_name: str
    key_household: bool

    @property
    def place(self) -> str:
        """3号楼2单元402 (the roster writes 号楼 and 单元 itself)."""
        return f"{self.building}{self.unit}{self.room}"

    @property
    def title(self) -> str:
        """How a list names it: place and head of household."""
        return f"{self.place} {self.head_name}".strip()


def household_choice(household: Mapping[str, Any]) -> HouseholdChoice:
    return HouseholdChoice(
        household_id=str(household.get("id") or ""),
        building=str(household.get("building") or ""),
        unit=str(household.get("unit") or ""),
        room=str(household.get("room") or ""),
        head_name=str(household.get("head_name") or ""),
        key_household=bool(household.get("key_household")),
    )


def find_households(households: Iterable[Mapping[str, Any]], grid_id: str, query: str = "",
                    limit: int = 50) -> list[HouseholdChoice]:
    """Households of `grid_id` matching every word of `query`, in building/unit/room order."""
    words = [w.casefold() for w in _WORDS.split(query.strip()) if w]
    found = []
    for household in households:
        if household.get("grid_id") != grid_id:
            continue
        choice = household_choice(household)
        if all(_matches(choice, word) for word in words):
            found.append(choice)
    found.sort(key=_place_order)
    return found[:limit]


def household_index(households: Iterable[Mapping[str, Any]]) -> dict[str, HouseholdChoice]:
    """Households by id, to name a visit's household in lists."""
    return {str(h.get("id")): household_choice(h) for h in households if h.get("id")}


def _matches(choice: HouseholdChoice, word: str) -> bool:
    haystack = f"{choice.place} {choice.head_name}".casefold()
    if word in haystack:
        return True
    if word.isdigit():
        return word in _NUMBER.findall(choice.place)
    return False


def _place_order(choice: HouseholdChoice) -> tuple[Any, ...]:
    return (*(natural_key(part) for part in (choice.building, choice.unit, choice.room)),
            choice.household_id)


def natural_key(value: str) -> tuple[Any, ...]:
    """Numbers in a place compared as numbers: 2号楼 before 10号楼."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"(\d+)", value) if p)
