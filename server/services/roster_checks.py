"""Checking roster rows: each value, then ids and references across the file and database.

Every row is checked and every problem reported, not just the first, so the office fixes
the whole file in one pass. Rows that pass come out normalised: every column of the model
present, codes instead of labels, a worker's street and community derived from where the
role places them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from marshmallow import ValidationError

from server.models import Community, Grid, Household, PatrolTeam, Street, Worker
from server.services.roster_files import RosterRow
from server.services.roster_problems import Position, RosterProblem, problem
from sync.catalogue import label, text
from sync.schemas.fields import check_phone, is_valid_id_number
from sync.vocabulary import PatrolTeamKind, Role, vocabulary_name

MODELS: dict[str, type] = {
    "streets": Street,
    "communities": Community,
    "grids": Grid,
    "patrol_teams": PatrolTeam,
    "workers": Worker,
    "households": Household,
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "streets": ("id", "name"),
    "communities": ("id", "street_id", "name"),
    "grids": ("id", "community_id", "name"),
    "patrol_teams": ("id", "community_id", "kind", "name"),
    "workers": ("id", "name", "role", "phone", "street_id", "community_id", "grid_id",
                "team_id", "active"),
    "households": ("id", "grid_id", "building", "unit", "room", "head_name", "phone",
                   "id_number", "address", "key_household"),
}
"""The columns a file may give for each kind (`roster_version` is the server's own)."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "streets": ("id", "name"),
    "communities": ("id", "street_id", "name"),
    "grids": ("id", "community_id", "name"),
    "patrol_teams": ("id", "community_id", "kind", "name"),
    "workers": ("id", "name", "role"),
    "households": ("id", "grid_id", "head_name"),
}

_BOOLEANS: dict[str, bool] = {"active": True, "key_household": False}
_CHOICES: dict[tuple[str, str], type[StrEnum]] = {
    ("patrol_teams", "kind"): PatrolTeamKind,
    ("workers", "role"): Role,
}
_TRUE = frozenset({"true", "yes", "y", "1", "是", "真"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "假"})
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

_PLACES = ("street_id", "community_id", "grid_id", "team_id")
_ANCHOR: dict[str, str] = {
    Role.grid_worker: "grid_id",
    Role.patrol_member: "team_id",
    Role.mediator: "community_id",
    Role.community_staff: "community_id",
    Role.street_staff: "street_id",
    Role.district_admin: "street_id",
}
"""Where each role works: the one place a worker row must name."""
_ANCESTORS: dict[str, tuple[str, ...]] = {
    "grid_id": ("community_id", "street_id"),
    "team_id": ("community_id", "street_id"),
    "community_id": ("street_id",),
    "street_id": (),
}


@dataclass
class KnownTree:
    """The tree's parents: each id with its own parent's id (None when not yet known)."""

    streets: set[str] = field(default_factory=set)
    communities: dict[str, str | None] = field(default_factory=dict)
    grids: dict[str, str | None] = field(default_factory=dict)
    teams: dict[str, str | None] = field(default_factory=dict)

    def ids(self, kind: str) -> set[str] | dict[str, str | None]:
        return {"streets": self.streets, "communities": self.communities,
                "grids": self.grids, "patrol_teams": self.teams}[kind]


@dataclass(frozen=True)
class CleanRow:
    """A row that passed: every column of its model, normalised."""

    kind: str
    position: Position
    values: dict[str, Any]

    @property
    def id(self) -> str:
        return self.values["id"]


def check_rows(rows: list[RosterRow], known: KnownTree
               ) -> tuple[list[CleanRow], list[RosterProblem]]:
    """The normalised rows and every problem; rows are usable only if there are no problems.

    `known` is what the database already holds; rows of the file may refer to it or to
    each other, in any order.
    """
    problems: list[RosterProblem] = []
    checked: list[CleanRow] = []
    for row in rows:
        values, found = _check_values(row)
        problems.extend(found)
        checked.append(CleanRow(row.kind, row.position, values))
    checked, found = _drop_duplicates(checked)
    problems.extend(found)
    tree = _tree_with_file(known, checked)
    for row in checked:
        problems.extend(_check_references(row, tree))
    problems.sort(key=lambda p: (p.position.line or 0, p.field or ""))
    return checked, problems


# --- one row's values --------------------------------------------------------------------


def _check_values(row: RosterRow) -> tuple[dict[str, Any], list[RosterProblem]]:
    kind = row.kind
    raw_id = row.values.get("id")
    row_id = str(raw_id) if isinstance(raw_id, str | int) else None
    problems: list[RosterProblem] = []

    def fail(code: str, field: str | None, **params: object) -> None:
        problems.append(problem(code, row.position, kind=kind, row_id=row_id, field=field,
                                **params))

    columns = COLUMNS[kind]
    for column in row.values:
        if column not in columns:
            fail("unknown_field", None, column=column,
                 columns=text("list.separator").join(columns))
    values: dict[str, Any] = {}
    for column in columns:
        raw = row.values.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if column in REQUIRED[kind]:
                fail("required", column)
            values[column] = _default(column)
            continue
        if column in _BOOLEANS:
            flag = _boolean(raw)
            if flag is None:
                fail("invalid_boolean", column)
            values[column] = _BOOLEANS[column] if flag is None else flag
            continue
        value = _text(raw)
        if value is None:
            fail("invalid_type", column, expected="string")
            values[column] = _default(column)
            continue
        code, params, value = _check_text(kind, column, value)
        if code:
            fail(code, column, **params)
        values[column] = value
    return values, problems


def _default(column: str) -> Any:
    if column in _BOOLEANS:
        return _BOOLEANS[column]
    return None if column in _PLACES else ""


def _text(raw: Any) -> str | None:
    """Text as written; a number YAML read from an unquoted phone or ID is taken as text."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw)
    return raw.strip() if isinstance(raw, str) else None


def _boolean(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


def _check_text(kind: str, column: str, value: str
                ) -> tuple[str | None, dict[str, object], str]:
    """(problem code or None, its parameters, the normalised value)."""
    limit = MODELS[kind].__table__.c[column].type.length
    if limit and len(value) > limit:
        return "too_long", {"max": limit}, value
    vocabulary = _CHOICES.get((kind, column))
    if vocabulary is not None:
        code = _code_of(vocabulary, value)
        if code is None:
            return "invalid_choice", {"vocabulary": vocabulary_name(vocabulary)}, value
        return None, {}, code
    if column == "id" and not _ID.fullmatch(value):
        return "invalid_id", {}, value
    if column == "phone":
        try:
            check_phone(value)
        except ValidationError:
            return "invalid_phone", {}, value
    if column == "id_number":
        value = value.upper()
        if not is_valid_id_number(value):
            return "invalid_id_number", {}, value
    return None, {}, value


def _code_of(vocabulary: type[StrEnum], value: str) -> str | None:
    """A vocabulary code written as the code (grid_worker) or its Chinese label (网格员)."""
    for code in vocabulary:
        if value in (code.value, label(code)):
            return code.value
    return None


# --- between rows ------------------------------------------------------------------------


def _drop_duplicates(rows: list[CleanRow]) -> tuple[list[CleanRow], list[RosterProblem]]:
    """Keep the first row of each id per kind; each later one is a problem."""
    first: dict[tuple[str, str], Position] = {}
    kept: list[CleanRow] = []
    problems: list[RosterProblem] = []
    for row in rows:
        key = (row.kind, row.id)
        if row.id and key in first:
            problems.append(problem("duplicate_id", row.position, kind=row.kind,
                                    row_id=row.id, field="id", id=row.id,
                                    first_line=first[key].line or ""))
            continue
        first.setdefault(key, row.position)
        kept.append(row)
    return kept, problems


def _tree_with_file(known: KnownTree, rows: list[CleanRow]) -> KnownTree:
    """The database's tree with the file's rows laid over it (the file wins)."""
    tree = KnownTree(set(known.streets), dict(known.communities), dict(known.grids),
                     dict(known.teams))
    for row in rows:
        if not row.id:
            continue
        if row.kind == "streets":
            tree.streets.add(row.id)
        elif row.kind == "communities":
            tree.communities[row.id] = row.values["street_id"] or None
        elif row.kind == "grids":
            tree.grids[row.id] = row.values["community_id"] or None
        elif row.kind == "patrol_teams":
            tree.teams[row.id] = row.values["community_id"] or None
    return tree


_PARENT: dict[tuple[str, str], str] = {
    ("communities", "street_id"): "streets",
    ("grids", "community_id"): "communities",
    ("patrol_teams", "community_id"): "communities",
    ("households", "grid_id"): "grids",
}
_TARGET = {"street_id": "streets", "community_id": "communities", "grid_id": "grids",
           "team_id": "patrol_teams"}


def _check_references(row: CleanRow, tree: KnownTree) -> list[RosterProblem]:
    problems: list[RosterProblem] = []

    def fail(code: str, field: str, **params: object) -> None:
        problems.append(problem(code, row.position, kind=row.kind, row_id=row.id or None,
                                field=field, **params))

    for (kind, column), target in _PARENT.items():
        value = row.values.get(column)
        if kind == row.kind and value and value not in tree.ids(target):
            fail("unknown_reference", column, value=value, target=_kind_text(target))
    if row.kind == "workers" and row.values["role"] in _ANCHOR:
        _place_worker(row, tree, fail)
    return problems


def _place_worker(row: CleanRow, tree: KnownTree, fail: Callable[..., None]) -> None:
    """Check the places a worker row names against its role; fill in street and community.

    A grid worker names a grid, a patrol member a team, and so on; the parents follow
    from the tree, so every worker gets a street (scope) even if the file gives only a grid.
    """
    values = row.values
    role = Role(values["role"])
    anchor = _ANCHOR[role]
    allowed = (anchor, *_ANCESTORS[anchor])
    role_text = label(role)
    for place in _PLACES:
        if place not in allowed and values[place]:
            fail("not_for_role", place, role=role_text)
            values[place] = None
    given = values[anchor]
    if not given:
        fail("required_for_role", anchor, role=role_text)
        return
    if given not in tree.ids(_TARGET[anchor]):
        fail("unknown_reference", anchor, value=given, target=_kind_text(_TARGET[anchor]))
        return
    derived = _parents(anchor, given, tree)
    for place in _ANCESTORS[anchor]:
        expected = derived.get(place)
        if values[place] and expected and values[place] != expected:
            fail("place_mismatch", place, value=values[place], parent=expected,
                 anchor=_field_text(anchor))
        values[place] = expected or values[place]


def _parents(anchor: str, value: str, tree: KnownTree) -> dict[str, str | None]:
    community = value if anchor == "community_id" else (
        tree.grids.get(value) if anchor == "grid_id" else
        tree.teams.get(value) if anchor == "team_id" else None)
    street = tree.communities.get(community) if community else None
    return {"community_id": community, "street_id": street}


def _kind_text(kind: str) -> str:
    return text(f"roster.kind.{kind}")


def _field_text(column: str) -> str:
    return text(f"roster.field.{column}")
