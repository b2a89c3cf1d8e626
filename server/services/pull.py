"""What a device pulls: the changes in its scope since its cursor, page by page.

A new tablet (no cursor) first gets a snapshot of the merged records in its scope, then the
ledger's operations from the position the snapshot began at. Operations are read through an
index on (grid or community, position), so a page costs what it returns, however long the
ledger is. The roster of the scope comes on the first page and whenever it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from server.api.errors import ApiError
from server.database import as_position
from server.extensions import db
from server.models import (
    Community,
    Device,
    Grid,
    Household,
    LedgerEntry,
    PatrolTeam,
    RecordProjection,
    RosterVersion,
    StreetLedger,
    Worker,
)
from sync.scope import Area, area_of


@dataclass(frozen=True)
class Cursor:
    """`s:<start>:<last record>` while sending the snapshot, `o:<position>:<roster>` after."""

    phase: str
    position: int
    roster: int
    last_record: str = ""

    def encode(self) -> str:
        if self.phase == "s":
            return f"s:{self.position}:{self.roster}:{self.last_record}"
        return f"o:{self.position}:{self.roster}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        try:
            phase, position, roster, *rest = text.split(":", 3)
            if phase not in ("s", "o"):
                raise ValueError(phase)
            return cls(phase, as_position(int(position)), int(roster),
                       rest[0] if rest else "")
        except ValueError as exc:
            raise ApiError(400, "bad_request", {"cursor": text}) from exc


def pull_page(device: Device, cursor_text: str | None, limit: int) -> dict[str, Any]:
    """One page of what `device` should receive after `cursor_text` (None: a new tablet)."""
    worker = db.session.get(Worker, device.worker_id)
    area = area_of(worker.role, worker.street_id, worker.community_id, worker.grid_id)
    roster_now = _roster_version()
    cursor = Cursor.decode(cursor_text)
    page: dict[str, Any] = {"snapshot": [], "ops": [], "roster": None}
    if cursor is None:
        cursor = Cursor("s", _ledger_size(worker.street_id), roster_now, "")
    if cursor_text is None or cursor.roster < roster_now:
        page["roster"] = _roster(area, worker.street_id, roster_now)
    if cursor.phase == "s":
        page["snapshot"], next_cursor = _snapshot(area, cursor, roster_now, limit)
        more = True  # the operations since the snapshot began come next
    else:
        page["ops"], next_cursor = _operations(device, area, cursor, roster_now, limit)
        more = len(page["ops"]) == limit
    page.update(cursor=next_cursor.encode(), more=more)
    return page


def _snapshot(area: Area, cursor: Cursor, roster: int, limit: int
              ) -> tuple[list[orjson.Fragment], Cursor]:
    """The merged records in the area, by id, as stored (not re-encoded); each state
    carries its record's id."""
    rows = db.session.scalars(
        select(RecordProjection)
        .where(_area_column(RecordProjection, area) == area.id,
               RecordProjection.id > cursor.last_record)
        .order_by(RecordProjection.id).limit(limit)
    ).all()
    items = [orjson.Fragment(row.state) for row in rows]
    if len(rows) == limit:
        return items, Cursor("s", cursor.position, roster, rows[-1].id)
    return items, Cursor("o", cursor.position, roster)


def _operations(device: Device, area: Area, cursor: Cursor, roster: int, limit: int
                ) -> tuple[list[orjson.Fragment], Cursor]:
    """Accepted operations in the area after the cursor, others' only, oldest first.

    Grid and community ids are unique across streets, so the area's own index
    (grid_id, position) or (community_id, position) answers this without the street.
    """
    entries = db.session.execute(
        select(LedgerEntry.position, LedgerEntry.op_id, LedgerEntry.body)
        .where(_area_column(LedgerEntry, area) == area.id,
               LedgerEntry.position > cursor.position,
               LedgerEntry.verdict == "accepted",
               LedgerEntry.device_id != device.id)
        .order_by(LedgerEntry.position).limit(limit)
    ).all()
    position = entries[-1].position if entries else cursor.position
    return [_op_json(op_id, body) for _, op_id, body in entries], Cursor("o", position, roster)


def _op_json(op_id: str, body: bytes) -> orjson.Fragment:
    """An operation's JSON form (its canonical bytes with its id), without re-encoding it:
    the client recomputes the id from the other fields anyway."""
    return orjson.Fragment(b'{"id":"' + op_id.encode("ascii") + b'",' + bytes(body)[1:])


def _area_column(model: Any, area: Area) -> Any:
    return {"grid": model.grid_id, "community": model.community_id,
            "street": model.street_id}[area.level]


def _ledger_size(street_id: str) -> int:
    row = db.session.get(StreetLedger, street_id)
    return row.size if row is not None else 0


def _roster_version() -> int:
    row = db.session.get(RosterVersion, 1)
    return row.value if row is not None else 0


def _roster(area: Area, street_id: str, version: int) -> dict[str, Any]:
    """The part of the roster a tablet in `area` needs to work offline."""
    communities = select(Community.id).where(Community.street_id == street_id)
    grids_query = select(Grid).where(Grid.community_id.in_(communities))
    if area.level == "community":
        grids_query = select(Grid).where(Grid.community_id == area.id)
    elif area.level == "grid":
        grids_query = select(Grid).where(Grid.id == area.id)
    grids = db.session.scalars(grids_query.order_by(Grid.id)).all()
    grid_ids = [grid.id for grid in grids]
    community_ids = sorted({grid.community_id for grid in grids})
    households = db.session.scalars(
        select(Household).where(Household.grid_id.in_(grid_ids)).order_by(Household.id)
    ).all()
    workers = db.session.scalars(
        select(Worker).where(Worker.street_id == street_id, Worker.active.is_(True),
                             (Worker.community_id.in_(community_ids))
                             | (Worker.community_id.is_(None)))
        .order_by(Worker.id)
    ).all()
    teams = db.session.scalars(
        select(PatrolTeam).where(PatrolTeam.community_id.in_(community_ids))
        .order_by(PatrolTeam.id)
    ).all()
    return {
        "version": version,
        "grids": [{"id": g.id, "name": g.name, "community_id": g.community_id} for g in grids],
        "households": [{
            "id": h.id, "grid_id": h.grid_id, "building": h.building, "unit": h.unit,
            "room": h.room, "head_name": h.head_name, "phone": h.phone,
            "id_number": h.id_number, "address": h.address, "key_household": h.key_household,
        } for h in households],
        "workers": [{"id": w.id, "name": w.name, "role": w.role, "grid_id": w.grid_id,
                     "community_id": w.community_id, "team_id": w.team_id} for w in workers],
        "patrol_teams": [{"id": t.id, "name": t.name, "kind": t.kind,
                          "community_id": t.community_id} for t in teams],
    }
