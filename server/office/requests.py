"""问题清单 (`/office/ledgers/requests`): the area's residents' requests with due dates, 365
steps and what is late."""

from __future__ import annotations

import re

from flask import abort, g, render_template, request

from server.office import office
from server.office.auth import signed_in
from server.services.office_requests import RequestFilters, request_page
from server.services.office_scope import grids_in, workers_in
from sync.catalogue import label, text
from sync.deadlines import china_date
from sync.vocabulary import ProblemList, ServiceClass

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@office.get("/ledgers/requests")
@signed_in
def requests():  # type: ignore[no-untyped-def]
    args = request.args
    filters = RequestFilters(
        grid_id=args.get("grid", ""), author_id=args.get("worker", ""),
        service_class=args.get("service", ""), problem_list=args.get("list", ""),
        date_from=args.get("from", ""), date_to=args.get("to", ""),
        late_only=args.get("late") == "1")
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


def unreadable_day(*days: str) -> str | None:
    """The first of `days` (a filter's dates; empty ones are no filter) that is not a
    calendar day written 2026-11-26, if any."""
    for day in days:
        if day and (not _ISO_DAY.fullmatch(day) or china_date(day) is None):
            return day
    return None


def page_number() -> int:
    """The ``page`` argument; a page that is not a number is a bad request (in Chinese)."""
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
