"""What part of the grid tree an office user may see: their community, their street, or all.

Every office page, export and API call filters through `OfficeArea`, so an id edited in a
URL finds nothing outside it (and is answered as not found, not as forbidden: whether a
record exists elsewhere is none of the reader's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import Community, Grid, Street, Worker

_LEVEL_OF_ROLE = {
    "mediator": "community",
    "community_staff": "community",
    "street_staff": "street",
    "district_admin": "all",
}


@dataclass(frozen=True)
class OfficeArea:
    level: str
    """``community``, ``street`` or ``all``."""
    id: str = ""

    @classmethod
    def of(cls, worker: Worker) -> OfficeArea:
        level = _LEVEL_OF_ROLE.get(worker.role)
        if level == "all":
            return cls("all")
        if level == "street":
            return cls("street", worker.street_id)
        return cls("community", worker.community_id or "")

    def filter(self, model: Any) -> Any:
        """A WHERE clause keeping `model`'s rows inside the area (true for ``all``)."""
        if self.level == "all":
            return True
        column = model.street_id if self.level == "street" else model.community_id
        return column == self.id

    def communities(self) -> Any:
        """A WHERE clause keeping the communities inside the area."""
        if self.level == "all":
            return True
        return Community.street_id == self.id if self.level == "street" \
            else Community.id == self.id

    def name(self) -> str | None:
        """The area's name as people say it; None for the whole district."""
        if self.level == "all":
            return None
        model = Street if self.level == "street" else Community
        found = db.session.get(model, self.id)
        return found.name if found else self.id


def grids_in(area: OfficeArea) -> list[tuple[str, str]]:
    """(id, name) of every grid in the area, for a filter's choices."""
    rows = db.session.execute(
        select(Grid.id, Grid.name).join(Community, Community.id == Grid.community_id)
        .where(area.communities()).order_by(Grid.id))
    return [(grid_id, name) for grid_id, name in rows]


def workers_in(area: OfficeArea, *, active_only: bool = False) -> list[Worker]:
    """The workers in the area, by id."""
    query = select(Worker).where(area.filter(Worker)).order_by(Worker.id)
    if active_only:
        query = query.where(Worker.active)
    return list(db.session.scalars(query))
