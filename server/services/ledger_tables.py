"""Each ledger as a table to export: its columns (Chinese header, value type, width) and
its rows, filtered as its page is and kept to the reader's area.

A ledger plugs in with a `LedgerExport`: a `LedgerTable` and a function from (area, the
page's query string, unmasked?) to rows of cells, which reads its filters at once (a bad
one raises `ExportRefused` before anything is written) and its rows as they are written.
Phone and ID numbers are masked unless `unmasked` (asked for by a role that may, and
logged first: `server.services.access_log`).
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from server.extensions import db
from server.models import Household
from server.services.ledger_export import Column, LedgerTable, ValueType
from server.services.monthly_assessment import (
    AssessmentRefused,
    Month,
    WorkerMonth,
    assessment_rows,
    this_month,
)
from server.services.office_ledgers import (
    DisputeFilters,
    DisputeRow,
    VisitFilters,
    VisitRow,
    dispute_rows,
    visit_rows,
)
from server.services.office_patrols import PatrolFilters, PatrolRow, patrol_rows
from server.services.office_requests import RequestFilters, RequestRow, request_rows
from server.services.office_scope import OfficeArea, workers_in
from server.services.personal_data import mask_number
from sync.catalogue import text
from sync.deadlines import unreadable_day

Rows = Callable[[OfficeArea, Mapping[str, str], bool], Iterable[tuple[Any, ...]]]


@dataclass(frozen=True)
class LedgerExport:
    table: LedgerTable
    rows: Rows
    """(area, the page's query string, unmasked) -> rows of cells in column order."""
    personal: bool = True
    """Whether it holds residents' phone or ID numbers (and so can be asked for unmasked)."""


class ExportRefused(ValueError):
    """A filter that cannot be read; `message` says so in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _checked_days(query: Mapping[str, str]) -> Mapping[str, str]:
    """The query, once its from/to days are readable (else `ExportRefused`)."""
    bad_day = unreadable_day(query.get("from", ""), query.get("to", ""))
    if bad_day is not None:
        raise ExportRefused(text("office.export.bad_date", value=bad_day))
    return query


def _label(vocabulary: str, code: str | None) -> str | None:
    return text(f"label.{vocabulary}.{code}") if code else None


def _number(value: Any, unmasked: bool) -> str | None:
    """A phone or ID number as the reader may see it."""
    if not isinstance(value, str) or not value:
        return None
    return value if unmasked else mask_number(value)


def _joined(parts: Iterable[str | None]) -> str | None:
    kept = [part for part in parts if part]
    return "；".join(kept) or None


def _person(name: Any, detail: Any) -> str | None:
    if not name:
        return None
    return f"{name}（{detail}）" if detail else str(name)


# --- 民情台账 ------------------------------------------------------------------------------


def _visit_table() -> LedgerTable:
    return LedgerTable(text("office.visits"), "visits", (
        Column(text("office.visits.visited_at"), ValueType.datetime, 17),
        Column(text("office.filter.grid"), ValueType.text, 16),
        Column(text("office.filter.worker"), ValueType.text, 10),
        Column(text("office.visits.kind"), ValueType.text, 13),
        Column(text("office.export.household_id"), ValueType.text, 14),
        Column(text("office.export.household_name"), ValueType.text, 10),
        Column(text("office.export.phone"), ValueType.text, 14),
        Column(text("office.export.id_number"), ValueType.text, 21),
        Column(text("office.export.address"), ValueType.text, 24),
        Column(text("office.export.people_met"), ValueType.text, 24),
        Column(text("office.export.situation"), ValueType.text, 40),
        Column(text("office.export.request_count"), ValueType.number, 8),
        Column(text("office.conflict_flag"), ValueType.boolean, 14),
        Column(text("office.export.record_id"), ValueType.text, 38),
    ))


def _visit_cells(row: VisitRow, values: dict[str, Any], household: Household | None,
                 unmasked: bool) -> tuple[Any, ...]:
    """The household is the roster's, or the one registered during the visit."""
    new = values.get("new_household") if isinstance(values.get("new_household"), dict) \
        else {}
    if household is not None:
        name, phone, id_number = household.head_name, household.phone, household.id_number
        address = household.address or " ".join(
            part for part in (household.building, household.unit, household.room) if part)
    else:
        name, phone, id_number = new.get("name"), new.get("phone"), new.get("id_number")
        address = new.get("address") or " ".join(
            str(new[part]) for part in ("building", "unit", "room") if new.get(part))
    people = values.get("people_met") if isinstance(values.get("people_met"), list) else []
    met = _joined(
        _person(person.get("name"), "，".join(part for part in (
            person.get("relation"), _number(person.get("phone"), unmasked)) if part))
        for person in people if isinstance(person, dict))
    return (row.visited_at, row.grid_name, row.author_name,
            _label("visit_kind", row.visit_kind), row.household_id, name or None,
            _number(phone, unmasked), _number(id_number, unmasked), address or None, met,
            values.get("situation") or None, row.request_count, row.open_conflicts,
            row.record_id)


def _visits(area: OfficeArea, query: Mapping[str, str], unmasked: bool
            ) -> Iterator[tuple[Any, ...]]:
    rows = visit_rows(area, VisitFilters.from_query(_checked_days(query)))
    return (_visit_cells(row, values, household, unmasked)
            for row, values, household in rows)


# --- 矛盾纠纷台账 --------------------------------------------------------------------------


def _dispute_table() -> LedgerTable:
    return LedgerTable(text("office.disputes"), "disputes", (
        Column(text("office.disputes.opened_at"), ValueType.datetime, 17),
        Column(text("office.filter.grid"), ValueType.text, 16),
        Column(text("office.disputes.category"), ValueType.text, 24),
        Column(text("office.disputes.status"), ValueType.text, 8),
        Column(text("office.disputes.risk"), ValueType.text, 8),
        Column(text("office.disputes.level"), ValueType.text, 8),
        Column(text("office.disputes.due"), ValueType.date, 11),
        Column(text("office.disputes.opened_by"), ValueType.text, 10),
        Column(text("office.export.parties"), ValueType.text, 28),
        Column(text("office.export.party_phones"), ValueType.text, 28),
        Column(text("office.export.party_id_numbers"), ValueType.text, 36),
        Column(text("office.export.description"), ValueType.text, 40),
        Column(text("office.export.mediation_notes"), ValueType.number, 8),
        Column(text("office.export.rating"), ValueType.number, 8),
        Column(text("office.conflict_flag"), ValueType.boolean, 14),
        Column(text("office.export.record_id"), ValueType.text, 38),
    ))


def _dispute_cells(row: DisputeRow, values: dict[str, Any], unmasked: bool
                   ) -> tuple[Any, ...]:
    parties = [party for party in values.get("parties") or [] if isinstance(party, dict)]

    def numbered(key: str) -> str | None:
        return _joined(f"{party.get('name', '')}：{_number(party[key], unmasked)}"
                       for party in parties if _number(party.get(key), unmasked))

    notes = values.get("mediation_notes")
    rating = values.get("rating")
    return (row.opened_at, row.grid_name, _label("dispute_category", row.category),
            _label("dispute_status", row.status), _label("risk_colour", row.risk_colour),
            _label("escalation_level", row.escalation_level), row.due_date, row.opened_by,
            _joined(_person(party.get("name"), party.get("role")) for party in parties),
            numbered("phone"), numbered("id_number"), values.get("description") or None,
            len(notes) if isinstance(notes, list) else 0,
            rating if isinstance(rating, int) else None, row.open_conflicts, row.record_id)


def _disputes(area: OfficeArea, query: Mapping[str, str], unmasked: bool
              ) -> Iterator[tuple[Any, ...]]:
    rows = dispute_rows(area, DisputeFilters.from_query(_checked_days(query)))
    return (_dispute_cells(row, values, unmasked) for row, values in rows)


# --- 巡防台账 ------------------------------------------------------------------------------


def _patrol_table() -> LedgerTable:
    return LedgerTable(text("office.patrols"), "patrols", (
        Column(text("office.patrols.started_at"), ValueType.datetime, 17),
        Column(text("office.patrols.ended_at"), ValueType.datetime, 17),
        Column(text("office.filter.grid"), ValueType.text, 16),
        Column(text("office.patrols.team_kind"), ValueType.text, 15),
        Column(text("office.patrols.team"), ValueType.text, 18),
        Column(text("office.patrols.members"), ValueType.text, 20),
        Column(text("office.patrols.checkpoint_count"), ValueType.number, 8),
        Column(text("office.export.finding_count"), ValueType.number, 10),
        Column(text("office.patrols.findings"), ValueType.text, 40),
        Column(text("office.conflict_flag"), ValueType.boolean, 14),
        Column(text("office.export.record_id"), ValueType.text, 38),
    ))


def _patrol_cells(row: PatrolRow, values: dict[str, Any], names: dict[str, str]
                  ) -> tuple[Any, ...]:
    members = values.get("members") if isinstance(values.get("members"), list) else []
    findings = [entry for entry in values.get("findings") or [] if isinstance(entry, dict)]
    return (row.started_at, row.ended_at, row.grid_name, _label("patrol_team_kind",
                                                                row.team_kind),
            row.team_name, _joined(names.get(str(member), str(member)) for member in members),
            row.checkpoint_count, len(findings),
            _joined(_person(entry.get("text"), _label("risk_colour", entry.get("colour")))
                    for entry in findings),
            row.open_conflicts, row.record_id)


def _patrols(area: OfficeArea, query: Mapping[str, str], _unmasked: bool
             ) -> Iterator[tuple[Any, ...]]:
    rows = patrol_rows(area, PatrolFilters.from_query(_checked_days(query)))
    names = {worker.id: worker.name for worker in workers_in(area)}
    return (_patrol_cells(row, values, names) for row, values in rows)


# --- 问题清单 ------------------------------------------------------------------------------


def _request_table() -> LedgerTable:
    return LedgerTable(text("office.requests"), "requests", (
        Column(text("office.requests.raised_at"), ValueType.datetime, 17),
        Column(text("office.filter.grid"), ValueType.text, 16),
        Column(text("office.filter.worker"), ValueType.text, 10),
        Column(text("office.requests.summary"), ValueType.text, 40),
        Column(text("office.requests.service"), ValueType.text, 10),
        Column(text("office.requests.list"), ValueType.text, 10),
        Column(text("office.requests.due"), ValueType.date, 11),
        Column(text("office.step365"), ValueType.text, 14),
        Column(text("office.export.handled_at"), ValueType.datetime, 17),
        Column(text("office.requests.rating"), ValueType.number, 9),
        Column(text("office.requests.late"), ValueType.boolean, 6),
        Column(text("office.export.visit_id"), ValueType.text, 38),
    ))


def _request_cells(row: RequestRow) -> tuple[Any, ...]:
    return (row.raised_at, row.grid_name, row.author_name, row.summary,
            _label("service_class", row.service_class),
            _label("problem_list", row.problem_list), row.due_date,
            text(f"office.step365.{row.step}"), row.handled_at, row.rating, row.late,
            row.visit_id)


def _requests(area: OfficeArea, query: Mapping[str, str], _unmasked: bool
              ) -> Iterator[tuple[Any, ...]]:
    rows = request_rows(area, RequestFilters.from_query(_checked_days(query)))
    return (_request_cells(row) for row in rows)


# --- 网格员绩效月考核 ----------------------------------------------------------------------


def _assessment_table() -> LedgerTable:
    return LedgerTable(text("office.assessment.title"), "assessment", (
        Column(text("office.assessment.month"), ValueType.text, 9),
        Column(text("office.assessment.worker"), ValueType.text, 10),
        Column(text("office.export.worker_id"), ValueType.text, 14),
        Column(text("office.filter.grid"), ValueType.text, 16),
        Column(text("office.assessment.visits"), ValueType.number, 9),
        Column(text("office.assessment.households"), ValueType.number, 9),
        Column(text("office.assessment.key_households"), ValueType.number, 10),
        Column(text("office.export.key_households"), ValueType.number, 10),
        Column(text("office.assessment.screenings"), ValueType.number, 12),
        Column(text("office.export.weeks_due"), ValueType.number, 10),
        Column(text("office.assessment.requests"), ValueType.number, 12),
        Column(text("office.export.requests_due"), ValueType.number, 12),
        Column(text("office.assessment.rating"), ValueType.number, 12),
        Column(text("office.export.ratings"), ValueType.number, 9),
        Column(text("office.assessment.score"), ValueType.number, 9),
        Column(text("office.assessment.comment"), ValueType.text, 40),
        Column(text("office.export.assessed_by"), ValueType.text, 10),
        Column(text("office.export.assessed_at"), ValueType.datetime, 17),
    ))


def _assessment_cells(row: WorkerMonth) -> tuple[Any, ...]:
    judged = row.assessment
    average = row.average_rating
    return (row.month, row.worker_name, row.worker_id, row.grid_name or None, row.visits,
            row.households, row.key_households_visited, row.key_households,
            row.weeks_screened, row.weeks_due, row.requests_on_time, row.requests_due,
            round(average, 1) if average is not None else None, row.ratings,
            judged.score if judged else None, (judged.comment or None) if judged else None,
            judged.assessed_by if judged else None, judged.assessed_at if judged else None)


def _assessment(area: OfficeArea, query: Mapping[str, str], _unmasked: bool
                ) -> Iterator[tuple[Any, ...]]:
    """The month in ?month= (this month by default): one row per grid worker."""
    try:
        month = Month.parse(query["month"]) if query.get("month") else this_month()
    except AssessmentRefused as refused:
        raise ExportRefused(text(f"office.assessment.{refused.code}")) from None
    return (_assessment_cells(row) for row in assessment_rows(area, month))


# --- all of them ---------------------------------------------------------------------------


SPOOL_BYTES = 4 * 1024 * 1024
"""Rows read out beyond this go to a temporary file, not memory."""


def read_out(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Every row read now (into memory, then a temporary file) and the read transaction
    ended, then given back in order. Writing a workbook takes many times longer than reading
    its rows, and on SQLite a transaction holds the writers' turn: tablets' pushes wait only
    for the reading."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        for row in rows:
            pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
        db.session.commit()  # only reads were made
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _replayed(spool)


def _replayed(spool: Any) -> Iterator[tuple[Any, ...]]:
    """The rows `read_out` wrote (our own file, never another's input)."""
    with spool:
        while True:
            try:
                yield pickle.load(spool)
            except EOFError:
                return


def ledger_exports() -> dict[str, LedgerExport]:
    """Every exportable ledger by the name in its URL (/office/exports/<name>.xlsx)."""
    return {
        "visits": LedgerExport(_visit_table(), _visits),
        "disputes": LedgerExport(_dispute_table(), _disputes),
        "patrols": LedgerExport(_patrol_table(), _patrols, personal=False),
        "requests": LedgerExport(_request_table(), _requests, personal=False),
        "assessment": LedgerExport(_assessment_table(), _assessment, personal=False),
    }
