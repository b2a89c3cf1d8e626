"""The current-state tables, kept from the ledger and rebuilt from it exactly.

A record's merged state is the `sync` merge rules' own `RecordState`, so the server shows
what every tablet shows; its row in `record_projections` also says where it is and whether
it has open conflicts. The four ledgers (民情, 一周一排查, 矛盾纠纷, 巡防) copy out the columns
the office filters on, beside its author; each request a visit raised gets a row of its own
in 问题清单 (`request_ledger`, see `server.services.request_ledger`), rewritten with its visit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, select

from server.database import insert_many, rows_where_in
from server.extensions import db
from server.models import (
    DisputeLedger,
    LedgerEntry,
    PatrolLedger,
    RecordProjection,
    RequestLedger,
    ScreeningLedger,
    VisitLedger,
)
from server.services.request_ledger import REQUEST_COLUMNS, request_rows
from sync.operation import Operation
from sync.record_state import RecordState
from sync.scope import Place

LEDGER_OF_TYPE = {
    "visit": VisitLedger,
    "screening": ScreeningLedger,
    "dispute": DisputeLedger,
    "patrol": PatrolLedger,
}


PROJECTION_COLUMNS = ("id", "type", "street_id", "community_id", "grid_id", "state",
                      "open_conflicts", "retracted", "updated_position")
TYPE_AND_PLACE = ("type", "street_id", "community_id", "grid_id")
"""A record's type and place never change (a change of grid is quarantined)."""
TYPE_COLUMNS = {
    "visit": ("household_id", "visit_kind", "visited_at", "request_count"),
    "screening": ("iso_week", "scope", "nothing_found", "screened_at"),
    "dispute": ("category", "status", "risk_colour", "escalation_level", "opened_at",
                "due_date"),
    "patrol": ("team_kind", "team_id", "started_at", "ended_at", "checkpoint_count"),
}
"""Each ledger's own columns, beside the ones every ledger row has."""
LEDGER_COLUMNS = {
    record_type: ("id", "author_id", *columns) for record_type, columns in TYPE_COLUMNS.items()
}


STATE_COLUMNS = ("id", "state", "street_id", "community_id", "grid_id")


class Projector:
    """Merges accepted operations into records' states and writes the tables once."""

    def __init__(self, *, load_existing: bool = True) -> None:
        self.load_existing = load_existing
        self.states: dict[str, RecordState] = {}
        self.places: dict[str, Place] = {}
        self.absent: set[str] = set()
        self.positions: dict[str, int] = {}
        self.ready: dict[str, ProjectedRecord] = {}
        """Touched records whose rows were worked out before the push locked the ledger."""
        self.created: set[str] = set()
        """Records made here, not yet written: inserted, where the others are upserted."""

    def load(self, record_ids: Iterable[str]) -> None:
        wanted = set(record_ids) - self.states.keys() - self.absent
        if not wanted or not self.load_existing:
            return
        self.absent |= wanted
        rows = rows_where_in(RecordProjection.__table__, STATE_COLUMNS, "id", list(wanted))
        for record_id, state, street_id, community_id, grid_id in rows:
            self.absent.discard(record_id)
            self.states[record_id] = RecordState(orjson.loads(state))
            self.places[record_id] = Place(street_id, community_id, grid_id)

    def place_of(self, record_id: str) -> Place | None:
        self._known(record_id)
        return self.places.get(record_id)

    def state_of(self, record_id: str) -> RecordState | None:
        self._known(record_id)
        return self.states.get(record_id)

    def _known(self, record_id: str) -> None:
        """Loaded, made here or known to be absent (a state and its place go together)."""
        if record_id not in self.states and record_id not in self.absent:
            self.load([record_id])

    def apply(self, op: Operation, place: Place, position: int,
              new_record: ProjectedRecord | None = None) -> None:
        """Merge an accepted operation. `new_record`, for a create, is the record it makes,
        worked out before the push locked the ledger: taken as it is if the record is
        indeed new here."""
        state = self.state_of(op.record_id)
        if state is None:
            self.created.add(op.record_id)
            self.places[op.record_id] = place
        if state is None and new_record is not None:
            self.states[op.record_id] = new_record.state
            self.ready[op.record_id] = new_record
        else:
            if state is None:
                state = self.states[op.record_id] = RecordState.empty(op.record_id,
                                                                      op.record_type)
            state.apply(op)
            self.ready.pop(op.record_id, None)
        self.positions[op.record_id] = position

    def write(self) -> None:
        """Write every touched record's projection and ledger row: the records made here
        inserted, the others upserted, in one statement per table and kind."""
        projections: dict[bool, list[tuple[Any, ...]]] = {True: [], False: []}
        ledgers: dict[tuple[str, bool], list[tuple[Any, ...]]] = {}
        requests: list[tuple[Any, ...]] = []
        rewritten: list[str] = []
        """Visits made before this write that have requests: their old rows go first."""
        for record_id, position in self.positions.items():
            record = self.ready.pop(record_id, None) or ProjectedRecord.of(
                self.states[record_id])
            new = record_id in self.created
            projections[new].append(record.projection_row(self.places[record_id], position))
            if record.ledger_row is not None:
                ledgers.setdefault((record.state.record_type, new), []).append(
                    record.ledger_row)
            if record.request_rows is not None:
                if not new:
                    rewritten.append(record_id)
                requests.extend(record.request_rows)
        for new, rows in projections.items():
            insert_many(RecordProjection.__table__, PROJECTION_COLUMNS, rows,
                        replace_on=None if new else "id", fixed=TYPE_AND_PLACE)
        for (record_type, new), rows in ledgers.items():
            insert_many(LEDGER_OF_TYPE[record_type].__table__, LEDGER_COLUMNS[record_type],
                        rows, replace_on=None if new else "id")
        _delete_requests_of(rewritten)
        insert_many(RequestLedger.__table__, REQUEST_COLUMNS, requests)
        self.positions.clear()
        self.created.clear()


@dataclass(frozen=True, slots=True)
class ProjectedRecord:
    """A record's rows in the current-state tables, all but where it is and which ledger
    entry last touched it. Working this out is most of what projecting costs, and for a
    record a push creates it needs nothing from the database, so the push does it before it
    locks the ledger (`ProjectedRecord.new`)."""

    state: RecordState
    state_json: bytes
    open_items: bool
    retracted: bool
    ledger_row: tuple[Any, ...] | None
    """Its row in its type's ledger, in `LEDGER_COLUMNS` order; None for a type without a
    ledger."""
    request_rows: tuple[tuple[Any, ...], ...] | None
    """A visit's rows in `request_ledger` (`REQUEST_COLUMNS` order), rewritten with it; None
    for a visit without requests (requests are never taken away, so it had no rows either)
    and for every other type: nothing to write."""

    @classmethod
    def of(cls, state: RecordState) -> ProjectedRecord:
        view = state.view()
        values = view["values"]
        open_items = bool(view["conflicts"] or view["reviews"])
        retracted = bool(view["retracted"])
        ledger_row = requests = None
        if state.record_type in LEDGER_OF_TYPE:
            author = (values.get("worker_id") or values.get("opened_by")
                      or values.get("team_id") or "")
            ledger_row = (view["id"], str(author), *_columns(state.record_type, values))
            if state.record_type == "visit" and values.get("requests"):
                requests = tuple(request_rows(view["id"], str(author), values, retracted))
        return cls(state, orjson.dumps(state.data), open_items, retracted, ledger_row,
                   requests)

    @classmethod
    def new(cls, create: Operation) -> ProjectedRecord:
        """The record `create` makes, as it is before any other operation touches it."""
        state = RecordState.empty(create.record_id, create.record_type)
        state.apply(create)
        return cls.of(state)

    def projection_row(self, place: Place, position: int) -> tuple[Any, ...]:
        """Its `record_projections` row, in `PROJECTION_COLUMNS` order."""
        return (self.state.record_id, self.state.record_type, place.street_id,
                place.community_id, place.grid_id, self.state_json, self.open_items,
                self.retracted, position)


def rebuild() -> int:
    """Drop every projection and replay the accepted ledger entries. Returns records built."""
    for table in (RecordProjection, *LEDGER_OF_TYPE.values(), RequestLedger):
        db.session.execute(delete(table))
    projector = Projector(load_existing=False)
    entries = db.session.execute(
        select(LedgerEntry.body, LedgerEntry.position, LedgerEntry.street_id,
               LedgerEntry.community_id, LedgerEntry.grid_id)
        .where(LedgerEntry.verdict == "accepted")
        .order_by(LedgerEntry.street_id, LedgerEntry.position)
    )
    for body, position, street_id, community_id, grid_id in entries:
        place = Place(street_id, community_id or "", grid_id or "")
        projector.apply(Operation.from_body(body), place, position)
    built = len(projector.positions)
    projector.write()
    db.session.commit()
    return built


def _delete_requests_of(visit_ids: list[str]) -> None:
    """Delete these visits' `request_ledger` rows (through the key's first column), in one
    statement handed to the driver as `server.database.rows_where_in` does."""
    if not visit_ids:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            'DELETE FROM "request_ledger" WHERE "visit_id" = ANY(%s)', (visit_ids,))
        return
    connection.exec_driver_sql(
        'DELETE FROM "request_ledger" WHERE "visit_id" IN '
        f'({", ".join("?" * len(visit_ids))})', tuple(visit_ids))


def _text(values: dict[str, Any], name: str) -> str | None:
    value = values.get(name)
    return value if isinstance(value, str) else None


def _columns(record_type: str, values: dict[str, Any]) -> tuple[Any, ...]:
    """The type's own columns, in `TYPE_COLUMNS` order."""
    if record_type == "visit":
        return (_text(values, "household_id"), _text(values, "visit_kind"),
                _text(values, "visited_at"), len(values.get("requests") or []))
    if record_type == "screening":
        found = values.get("nothing_found")
        return (_text(values, "iso_week"), _text(values, "scope"),
                found if isinstance(found, bool) else None, _text(values, "screened_at"))
    if record_type == "dispute":
        return (_text(values, "category"), _text(values, "status"),
                _text(values, "risk_colour"), _text(values, "escalation_level"),
                _text(values, "opened_at"), _text(values, "due_date"))
    return (_text(values, "team_kind"), _text(values, "team_id"), _text(values, "started_at"),
            _text(values, "ended_at"), len(values.get("checkpoints") or []))
