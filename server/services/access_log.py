"""Who saw residents' personal data whole: the access log, and who may ask to.

Phone and ID numbers are masked everywhere by default (`server.services.personal_data`).
Mediators and community staff contact residents, so they may ask to see a record or an
export unmasked; each time, one entry is appended here first, in a transaction of its own,
and only once it is committed is anything shown. A failure to log is a failure to show.
The district admin reads the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from server.extensions import db
from server.models import PersonalDataAccess, Worker
from server.services.ledger_export import Column, LedgerTable, ValueType
from server.services.office_ledgers import EXPORT_BATCH, PAGE_SIZE, Page
from sync.catalogue import text
from sync.clock import wall_ms
from sync.deadlines import CHINA
from sync.vocabulary import Role

UNMASKING_ROLES = frozenset({Role.mediator.value, Role.community_staff.value})
"""The roles that contact residents, and so may see their numbers whole, on asking."""

TARGET_MAX = PersonalDataAccess.__table__.c.target.type.length
ADDRESS_MAX = PersonalDataAccess.__table__.c.address.type.length


class AccessAction(StrEnum):
    view = "view"
    """A record page shown unmasked."""
    export = "export"
    """A ledger exported unmasked."""


class AccessLogRefused(ValueError):
    """A filter that cannot be read; `code` names the message (``office.access_log.<code>``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def may_see_unmasked(role: str) -> bool:
    return role in UNMASKING_ROLES


def log_access(worker_id: str, action: AccessAction, target: str, address: str,
               now_ms: int | None = None) -> None:
    """Append one entry and commit it, alone: the caller's session must hold nothing
    unwritten (the read transaction it has is ended first, so the entry's transaction
    carries nothing else). Raises if it cannot be written; the caller then shows nothing."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the access log is written in a transaction of its own")
    session.commit()
    session.add(PersonalDataAccess(at=wall_ms() if now_ms is None else now_ms,
                                   worker_id=worker_id, action=action.value,
                                   target=target[:TARGET_MAX], address=address[:ADDRESS_MAX]))
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise


@dataclass(frozen=True)
class AccessFilters:
    """What the access log page filters on; empty means any."""

    worker_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    """Both days whole, Beijing time."""

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> AccessFilters:
        """The filters a query string names (worker, from, to); `AccessLogRefused`
        (``bad_date``) for a date that is not one."""
        return cls(args.get("worker", "").strip(), _day(args.get("from", "")),
                   _day(args.get("to", "")))

    def query_values(self) -> dict[str, str]:
        """As the page's form shows them."""
        return {"worker": self.worker_id,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}


@dataclass(frozen=True)
class AccessRow:
    at: int
    worker_id: str
    worker_name: str
    role: str
    action: str
    target: str
    address: str


def access_page(filters: AccessFilters, number: int = 1) -> Page:
    """One page of the log, newest first."""
    conditions = _conditions(filters)
    total = db.session.scalar(select(func.count()).select_from(PersonalDataAccess)
                              .where(*conditions)) or 0
    number = max(1, number)
    rows = db.session.execute(_query(conditions).limit(PAGE_SIZE)
                              .offset((number - 1) * PAGE_SIZE))
    return Page([_row(*row) for row in rows], number, total)


def access_rows(filters: AccessFilters) -> Iterator[AccessRow]:
    """Every entry the filters keep, newest first (for the CSV)."""
    query = _query(_conditions(filters)).execution_options(yield_per=EXPORT_BATCH)
    for row in db.session.execute(query):
        yield _row(*row)


def access_table() -> LedgerTable:
    """The log as an export: its columns."""
    return LedgerTable(text("office.access_log"), "access-log", (
        Column(text("office.access_log.at"), ValueType.datetime, 17),
        Column(text("office.access_log.worker_id"), ValueType.text, 14),
        Column(text("office.access_log.worker"), ValueType.text, 10),
        Column(text("office.access_log.role"), ValueType.text, 14),
        Column(text("office.access_log.action"), ValueType.text, 8),
        Column(text("office.access_log.target"), ValueType.text, 48),
        Column(text("office.access_log.address"), ValueType.text, 16),
    ))


def access_cells(row: AccessRow) -> tuple[Any, ...]:
    return (row.at, row.worker_id, row.worker_name, text(f"label.role.{row.role}"),
            text(f"office.access_log.action.{row.action}"), row.target, row.address)


def _day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AccessLogRefused("bad_date") from None


def _ms(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), CHINA).timestamp() * 1000)


def _conditions(filters: AccessFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.worker_id:
        conditions.append(PersonalDataAccess.worker_id == filters.worker_id)
    if filters.date_from:
        conditions.append(PersonalDataAccess.at >= _ms(filters.date_from))
    if filters.date_to:
        conditions.append(PersonalDataAccess.at < _ms(filters.date_to + timedelta(days=1)))
    return conditions


def _query(conditions: list[Any]) -> Any:
    return (select(PersonalDataAccess, Worker.name, Worker.role)
            .join(Worker, Worker.id == PersonalDataAccess.worker_id)
            .where(*conditions)
            .order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc()))


def _row(entry: PersonalDataAccess, name: str, role: str) -> AccessRow:
    return AccessRow(entry.at, entry.worker_id, name, role, entry.action, entry.target,
                     entry.address)


def unmasking_workers() -> list[tuple[str, str]]:
    """(id, name) of everyone who may see personal data whole: the log's filter choices."""
    rows = db.session.execute(select(Worker.id, Worker.name)
                              .where(Worker.role.in_(sorted(UNMASKING_ROLES)))
                              .order_by(Worker.id))
    return [(worker_id, name) for worker_id, name in rows]
