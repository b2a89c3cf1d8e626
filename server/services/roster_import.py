"""Importing the grid tree and its people from a roster file, all or nothing.

The office keeps its roster in a spreadsheet or YAML file and imports it whenever it
changes. An import is one transaction: if any row is wrong nothing is written, and the
problems name every bad row. Importing the same file again changes nothing (rows are
matched by id and updated in place). Any change bumps the roster version, and each changed
household and worker row carries the new version, so a pull sends only what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.extensions import db
from server.models import Community, Grid, PatrolTeam, RosterVersion, Street
from server.services.roster_checks import MODELS, CleanRow, KnownTree, check_rows
from server.services.roster_files import read_roster
from server.services.roster_problems import KINDS, RosterInvalid

_CHUNK = 500
_VERSIONED = ("workers", "households")
"""Kinds whose rows carry `roster_version`."""


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did, per kind, and the roster version afterwards."""

    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    roster_version: int = 0

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())


def import_roster(path: Path) -> ImportResult:
    """Import a YAML or CSV roster file in one transaction (needs an app context).

    Raises `RosterInvalid` with every problem, having written nothing, if any row is bad.
    """
    read = read_roster(path)
    session = db.session
    try:
        version = _lock_version()
        rows, problems = check_rows(read.rows, _known_tree())
        if read.problems or problems:
            raise RosterInvalid(sorted([*read.problems, *problems],
                                       key=lambda p: p.position.line or 0))
        result = _write(rows, version.value + 1)
        if not result.changed:
            session.rollback()
            result.roster_version = current_roster_version()
            return result
        version.value += 1
        result.roster_version = version.value
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def current_roster_version() -> int:
    """The roster version now (0 before the first import)."""
    version = db.session.get(RosterVersion, 1)
    return version.value if version else 0


def _lock_version() -> RosterVersion:
    """The version row, locked (on PostgreSQL) so concurrent imports run one after another."""
    version = db.session.get(RosterVersion, 1, with_for_update=True)
    if version is None:
        version = RosterVersion(id=1, value=0)
        db.session.add(version)
        db.session.flush()
    return version


def _known_tree() -> KnownTree:
    session = db.session
    return KnownTree(
        streets={row.id for row in session.query(Street.id)},
        communities=dict(session.query(Community.id, Community.street_id).all()),
        grids=dict(session.query(Grid.id, Grid.community_id).all()),
        teams=dict(session.query(PatrolTeam.id, PatrolTeam.community_id).all()),
    )


def _write(rows: list[CleanRow], version: int) -> ImportResult:
    """Insert new rows and update changed ones, parents before children; changed
    households and workers get `version`."""
    result = ImportResult()
    session = db.session
    for kind in KINDS:
        of_kind = [row for row in rows if row.kind == kind]
        existing = _existing(MODELS[kind], [row.id for row in of_kind])
        counts = result.counts[kind]
        for row in of_kind:
            current = existing.get(row.id)
            if current is None:
                current = MODELS[kind](**row.values)
                session.add(current)
                counts.created += 1
            elif _update(current, row.values):
                counts.updated += 1
            else:
                counts.unchanged += 1
                continue
            if kind in _VERSIONED:
                current.roster_version = version
        session.flush()
    return result


def _existing(model: Any, ids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(ids):
        for obj in db.session.query(model).filter(model.id.in_(chunk)):
            found[obj.id] = obj
    return found


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _update(obj: Any, values: dict[str, Any]) -> bool:
    """Set the columns that differ; True if any did."""
    changed = False
    for column, value in values.items():
        if getattr(obj, column) != value:
            setattr(obj, column, value)
            changed = True
    return changed
