"""问题清单 (`/office/ledgers/requests`): the area's residents' requests with due dates, 365
steps and what is late."""

from __future__ import annotations

from flask import g, render_template, request

from server.office import office
from server.office.auth import signed_in
from server.office.query_args import page_number
from server.services.office_requests import RequestFilters, request_page
from server.services.office_scope import grids_in, workers_in
from sync.catalogue import label, text
from sync.deadlines import unreadable_day
from sync.vocabulary import ProblemList, ServiceClass


@office.get("/ledgers/requests")
@signed_in
def requests():  # type: ignore[no-untyped-def]
    filters = RequestFilters.from_query(request.args)
    choices = {
        "grids": grids_in(g.area),
        "workers": [(worker.id, worker.name) for worker in workers_in(g.area)],
        "services": [(code.value, label(code)) for code in ServiceClass],
        "lists": [(code.value, label(code)) for code in ProblemList],
    }
    bad_day = unreadable_day(filters.date_from, filters.date_to)
    if bad_day is not None:
        return render_template("office/requests.html", page=None, filters=filters,
                               error=text("office.requests.bad_date", value=bad_day),
                               **choices), 400
    return render_template("office/requests.html",
                           page=request_page(g.area, filters, page_number()),
                           filters=filters, error=None, **choices)
