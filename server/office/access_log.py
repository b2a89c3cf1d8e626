"""Unmasked personal data, asked for and logged; and the access log the district admin reads.

"显示完整信息" on a record page is a form that POSTs (with its CSRF token) rather than a link
with ?unmasked=1: showing the numbers writes to the access log, and a GET must not write.
A link could be followed by a prefetch, a crawler or another site's page (a top-level
navigation carries the session cookie), leaving log entries nobody asked for, and the
unmasked page could sit in the browser's cache and history. A POST is asked for by a
click, carries a token, and its answer is sent as never to be stored.
"""

from __future__ import annotations

from flask import Response, abort, g, make_response, render_template, request

from server.office import office
from server.office.auth import for_roles, signed_in
from server.office.exports import download
from server.services.access_log import (
    UNMASKING_ROLES,
    AccessAction,
    AccessFilters,
    AccessLogRefused,
    access_cells,
    access_page,
    access_rows,
    access_table,
    log_access,
    may_see_unmasked,
    unmasking_workers,
)
from server.services.ledger_export import Format
from server.services.office_ledgers import record_history
from sync.catalogue import text
from sync.vocabulary import Role

READERS = frozenset({Role.district_admin.value})


@office.app_template_global("may_see_unmasked")
def may_see_unmasked_now() -> bool:
    """Whether the signed-in user may ask for personal data whole (the pages' buttons)."""
    worker = g.get("worker")
    return worker is not None and may_see_unmasked(worker.role)


@office.post("/records/<record_id>/unmasked")
@signed_in
@for_roles(UNMASKING_ROLES)
def record_unmasked(record_id: str) -> Response:
    history = record_history(g.area, record_id, unmasked=True)
    if history is None:
        abort(404)
    log_access(g.worker.id, AccessAction.view, record_id, request.remote_addr or "")
    response = make_response(render_template("office/record.html", history=history,
                                             unmasked=True))
    response.headers["Cache-Control"] = "no-store"
    return response


@office.get("/access-log")
@signed_in
@for_roles(READERS)
def access_log() -> Response | str | tuple[str, int]:
    try:
        filters = AccessFilters.from_query(request.args)
    except AccessLogRefused as refused:
        return _page(AccessFilters(), error=text(f"office.access_log.{refused.code}")), 400
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
    return _page(filters, page=access_page(filters, number))


@office.get("/access-log.csv")
@signed_in
@for_roles(READERS)
def access_log_csv() -> Response:
    try:
        filters = AccessFilters.from_query(request.args)
    except AccessLogRefused:
        abort(400)
    return download(access_table(), Format.csv,
                    (access_cells(row) for row in access_rows(filters)))


def _page(filters: AccessFilters, *, page: object = None, error: str | None = None) -> str:
    return render_template("office/access_log.html", page=page, error=error,
                           filters=filters.query_values(), workers=unmasking_workers())
