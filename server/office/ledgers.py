"""台账 pages: the 民情台账 list (filters, pages) and each record's full history."""

from __future__ import annotations

from flask import abort, g, render_template, request

from server.office import office
from server.office.auth import signed_in
from server.services.office_ledgers import VisitFilters, record_history, visit_page
from server.services.office_scope import grids_in, workers_in


@office.get("/ledgers/visits")
@signed_in
def visits():  # type: ignore[no-untyped-def]
    args = request.args
    filters = VisitFilters(grid_id=args.get("grid", ""), author_id=args.get("worker", ""),
                           date_from=args.get("from", ""), date_to=args.get("to", ""))
    try:
        number = int(args.get("page", "1"))
    except ValueError:
        abort(400)
    return render_template(
        "office/visits.html", page=visit_page(g.area, filters, number), filters=filters,
        grids=grids_in(g.area), workers=workers_in(g.area))


@office.get("/records/<record_id>")
@signed_in
def record(record_id: str):  # type: ignore[no-untyped-def]
    history = record_history(g.area, record_id)
    if history is None:
        abort(404)
    return render_template("office/record.html", history=history)
