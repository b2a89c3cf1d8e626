"""巡防台账 as the office reads it: the area's patrols, filtered and paginated, always within
the reader's area. A patrol's own page is its record page (`server.services.patrol_sketch`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from server.extensions import db
from server.models import Community, Grid, PatrolLedger, PatrolTeam, RecordProjection
from server.services.office_ledgers import PAGE_SIZE, Page, record_values, streamed, within_dates
from server.services.office_scope import OfficeArea


@dataclass(frozen=True)
class PatrolFilters:
    """What the 巡防台账 page filters on; empty means any."""

    grid_id: str = ""
    team_kind: str = ""
    team_id: str = ""
    date_from: str = ""
    date_to: str = ""
    """Started on or after `date_from`, on or before `date_to` (ISO dates)."""

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> PatrolFilters:
        """The filters a page's query string names (grid, kind, team, from, to)."""
        return cls(grid_id=args.get("grid", ""), team_kind=args.get("kind", ""),
                   team_id=args.get("team", ""), date_from=args.get("from", ""),
                   date_to=args.get("to", ""))


@dataclass(frozen=True)
class PatrolRow:
    record_id: str
    started_at: str | None
    ended_at: str | None
    grid_name: str
    team_kind: str | None
    team_name: str
    checkpoint_count: int
    open_conflicts: bool


def patrol_page(area: OfficeArea, filters: PatrolFilters, number: int = 1) -> Page:
    """One page of the area's patrols, newest first."""
    conditions = _conditions(area, filters)
    total = db.session.scalar(
        select(func.count()).select_from(PatrolLedger)
        .join(RecordProjection, RecordProjection.id == PatrolLedger.id)
        .where(*conditions)) or 0
    number = max(1, number)
    rows = db.session.execute(
        _query(conditions).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return Page([_row(*row) for row in rows], number, total)


def patrol_rows(area: OfficeArea, filters: PatrolFilters
                ) -> Iterator[tuple[PatrolRow, dict[str, Any]]]:
    """Every patrol the page's filters keep, newest first, unpaginated (for exports), with
    the record's merged values."""
    for *row, state in streamed(_query(_conditions(area, filters))
                                 .add_columns(RecordProjection.state)):
        yield _row(*row), record_values(state)


def _conditions(area: OfficeArea, filters: PatrolFilters) -> list[Any]:
    conditions = [area.filter(RecordProjection)]
    if filters.grid_id:
        conditions.append(RecordProjection.grid_id == filters.grid_id)
    for column, wanted in ((PatrolLedger.team_kind, filters.team_kind),
                           (PatrolLedger.team_id, filters.team_id)):
        if wanted:
            conditions.append(column == wanted)
    return conditions + within_dates(PatrolLedger.started_at, filters.date_from,
                                      filters.date_to)


def _query(conditions: list[Any]) -> Any:
    """The patrols meeting `conditions`, newest first."""
    return (select(PatrolLedger, RecordProjection.open_conflicts, Grid.name, PatrolTeam.name)
            .join(RecordProjection, RecordProjection.id == PatrolLedger.id)
            .join(Grid, Grid.id == RecordProjection.grid_id)
            .outerjoin(PatrolTeam, PatrolTeam.id == PatrolLedger.team_id)
            .where(*conditions)
            .order_by(PatrolLedger.started_at.desc(), PatrolLedger.id))


def _row(patrol: PatrolLedger, open_conflicts: bool, grid_name: str, team_name: str | None
         ) -> PatrolRow:
    return PatrolRow(patrol.id, patrol.started_at, patrol.ended_at, grid_name,
                     patrol.team_kind, team_name or patrol.team_id or "—",
                     patrol.checkpoint_count, bool(open_conflicts))


def teams_in(area: OfficeArea) -> list[tuple[str, str]]:
    """(id, name) of every patrol team in the area, for a filter's choices."""
    rows = db.session.execute(
        select(PatrolTeam.id, PatrolTeam.name)
        .join(Community, Community.id == PatrolTeam.community_id)
        .where(area.communities()).order_by(PatrolTeam.id))
    return [(team_id, name) for team_id, name in rows]
