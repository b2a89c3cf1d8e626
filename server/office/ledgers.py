"""台账 pages: 民情台账 and 矛盾纠纷台账 (filters, pages), and each record's full history."""

from __future__ import annotations

from enum import StrEnum

from flask import abort, g, render_template, request

from server.office import office
from server.office.auth import signed_in
from server.office.query_args import page_number
from server.services.office_ledgers import (
    DisputeFilters,
    VisitFilters,
    dispute_page,
    record_history,
    visit_page,
)
from server.services.office_scope import grids_in, workers_in
from sync.catalogue import label
from sync.vocabulary import DisputeCategory, DisputeStatus, RiskColour


@office.get("/ledgers/visits")
@signed_in
def visits():  # type: ignore[no-untyped-def]
    filters = VisitFilters.from_query(request.args)
    return render_template(
        "office/visits.html", page=visit_page(g.area, filters, page_number()),
        filters=filters,
        grids=grids_in(g.area),
        workers=[(worker.id, worker.name) for worker in workers_in(g.area)])


@office.get("/ledgers/disputes")
@signed_in
def disputes():  # type: ignore[no-untyped-def]
    filters = DisputeFilters.from_query(request.args)
    return render_template(
        "office/disputes.html", page=dispute_page(g.area, filters, page_number()),
        filters=filters, grids=grids_in(g.area), categories=_choices(DisputeCategory),
        statuses=_choices(DisputeStatus), colours=_choices(RiskColour))


@office.get("/records/<record_id>")
@signed_in
def record(record_id: str):  # type: ignore[no-untyped-def]
    history = record_history(g.area, record_id)
    if history is None:
        abort(404)
    return render_template("office/record.html", history=history)


def _choices(vocabulary: type[StrEnum]) -> list[tuple[str, str]]:
    """A filter's choices: each code with its Chinese label."""
    return [(code.value, label(code)) for code in vocabulary]
