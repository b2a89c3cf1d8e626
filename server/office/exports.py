"""Downloading a ledger as .xlsx or CSV, with the filters of its page (the query string).

`GET /office/exports/<ledger>.<xlsx|csv>` gives the masked file to anyone who can read the
ledger. The same URL by `POST` (a form with its CSRF token) gives phone and ID numbers
whole, to mediators and community staff only, after logging it: a POST because it writes
to the access log, so no link, prefetch or other site's page can make one happen, and
nothing caches it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any
from urllib.parse import urlencode

from flask import Response, abort, g, render_template, request, send_file

from server.office import office
from server.office.auth import for_roles, signed_in
from server.services.access_log import UNMASKING_ROLES, AccessAction, log_access
from server.services.ledger_export import (
    MEDIA_TYPES,
    Format,
    LedgerTable,
    content_disposition,
    file_names,
    write,
)
from server.services.ledger_tables import (
    SPOOL_BYTES,
    ExportRefused,
    LedgerExport,
    ledger_exports,
    read_out,
)
from sync.deadlines import CHINA


@office.get("/exports/<ledger>.<any(xlsx, csv):file_format>")
@signed_in
def export(ledger: str, file_format: str) -> Response | tuple[str, int]:
    found = _ledger(ledger)
    try:
        rows = found.rows(g.area, _filters(), False)
    except ExportRefused as refused:
        return _refused(refused)
    return download(found.table, Format(file_format), rows)


@office.post("/exports/<ledger>.<any(xlsx, csv):file_format>")
@signed_in
@for_roles(UNMASKING_ROLES)
def export_unmasked(ledger: str, file_format: str) -> Response | tuple[str, int]:
    found = _ledger(ledger)
    if not found.personal:
        abort(404)
    try:
        rows = found.rows(g.area, _filters(), True)  # read when written, after the log
    except ExportRefused as refused:
        return _refused(refused)
    query = urlencode(_filters())
    log_access(g.worker.id, AccessAction.export,
               f"{found.table.title}.{file_format}" + (f"?{query}" if query else ""),
               request.remote_addr or "")
    return download(found.table, Format(file_format), rows, full=True)


def download(table: LedgerTable, file_format: Format, rows: Iterable[Sequence[Any]], *,
             full: bool = False) -> Response:
    """`rows` written as `file_format` and sent as an attachment named in Chinese, never
    cached (it may hold personal data)."""
    spooled: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        write(table, read_out(rows), spooled, file_format)
        size = spooled.tell()
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    name, fallback = file_names(table, file_format, datetime.now(CHINA).date(), full=full)
    response = send_file(spooled, mimetype=MEDIA_TYPES[file_format], conditional=False,
                         etag=False)  # the response closes the file
    response.headers["Content-Disposition"] = content_disposition(name, fallback)
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(refused: ExportRefused) -> tuple[str, int]:
    return render_template("office/error.html", message=refused.message), 400


def _ledger(name: str) -> LedgerExport:
    found = ledger_exports().get(name)
    if found is None:
        abort(404)
    return found


def _filters() -> dict[str, str]:
    """The page's filters: its query string, less the page number."""
    return {key: value for key, value in request.args.items() if key != "page" and value}
