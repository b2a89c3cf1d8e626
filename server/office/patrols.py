"""巡防台账 (`/office/ledgers/patrols`): the area's patrols. A patrol's checkpoints, findings
and route sketch are on its record page (`/office/records/<id>`)."""

from __future__ import annotations

from flask import g, render_template, request

from server.office import office
from server.office.auth import signed_in
from server.office.query_args import page_number
from server.services.office_patrols import PatrolFilters, patrol_page, teams_in
from server.services.office_scope import grids_in
from sync.catalogue import label, text
from sync.deadlines import unreadable_day
from sync.vocabulary import PatrolTeamKind


@office.get("/ledgers/patrols")
@signed_in
def patrols():  # type: ignore[no-untyped-def]
    filters = PatrolFilters.from_query(request.args)
    choices = {
        "grids": grids_in(g.area),
        "kinds": [(code.value, label(code)) for code in PatrolTeamKind],
        "teams": teams_in(g.area),
    }
    bad_day = unreadable_day(filters.date_from, filters.date_to)
    if bad_day is not None:
        return render_template("office/patrols.html", page=None, filters=filters,
                               error=text("office.patrols.bad_date", value=bad_day),
                               **choices), 400
    return render_template("office/patrols.html",
                           page=patrol_page(g.area, filters, page_number()),
                           filters=filters, error=None, **choices)
