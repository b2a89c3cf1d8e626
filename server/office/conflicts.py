"""冲突待裁定: the conflict queue, and settling one field by picking or writing its value."""

from __future__ import annotations

from typing import Any

import orjson
from flask import abort, flash, g, redirect, render_template, request, url_for

from server.office import office
from server.office.auth import signed_in
from server.office.query_args import page_number
from server.services import office_decisions
from server.services.conflict_queue import OpenQuestion, chosen_value, open_question, open_questions
from server.services.office_desk import DeskRefused, OfficeDesk
from server.services.office_scope import grids_in
from sync.catalogue import text
from sync.schemas import RECORD_TYPES, field_label

CUSTOM = "custom"
"""The form's choice for a value the reviewer writes instead of picking one."""


@office.get("/conflicts")
@signed_in
def conflicts():  # type: ignore[no-untyped-def]
    record_type = request.args.get("type", "")
    grid_id = request.args.get("grid", "")
    if record_type and record_type not in RECORD_TYPES:
        abort(400)
    return render_template(
        "office/conflicts.html",
        page=open_questions(g.area, page_number(), record_type, grid_id),
        record_type=record_type, grid_id=grid_id, grids=grids_in(g.area),
        record_types=[(code, text(f"label.record_type.{code}")) for code in RECORD_TYPES],
        custom=CUSTOM)


@office.post("/conflicts/<record_id>/<field>")
@signed_in
def settle(record_id: str, field: str):  # type: ignore[no-untyped-def]
    question = open_question(g.area, record_id, field)
    back = redirect(request.form.get("back") or url_for("office.conflicts"), 303)
    if not back.location.startswith("/office/"):
        back = redirect(url_for("office.conflicts"), 303)
    if question is None:
        flash(text("office.conflicts.gone"), "error")
        return back
    try:
        value = _settled_value(question, request.form)
        office_decisions.settle(OfficeDesk(g.worker), record_id, field, value)
    except _Unreadable as problem:
        flash(text(problem.key), "error")
    except DeskRefused as refused:
        flash(text(f"office.desk.{refused.code}", **refused.params), "error")
    else:
        flash(text("office.conflicts.settled",
                   field=field_label(question.record_type, field)))
    return back


class _Unreadable(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _settled_value(question: OpenQuestion, form: Any) -> Any:
    """The value the reviewer chose: a competing version's own (read from the ledger, never
    from the page, where numbers are masked), or what they wrote. A written value is text
    when every competing value is text, else JSON in the field's own shape."""
    choice = form.get("choice", "")
    if choice == CUSTOM:
        written = form.get("value", "")
        if all(isinstance(v.value, str) for v in question.versions):
            if not written.strip():
                raise _Unreadable("office.conflicts.choose")
            return written.strip()
        try:
            return orjson.loads(written)
        except orjson.JSONDecodeError:
            raise _Unreadable("office.conflicts.not_json") from None
    if choice not in {version.op_id for version in question.versions}:
        raise _Unreadable("office.conflicts.choose")
    found, value = chosen_value(question.record_id, question.field, choice)
    if not found:
        raise _Unreadable("office.conflicts.choose")
    return value
