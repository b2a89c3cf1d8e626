"""月度考核: each grid worker's month from the ledgers, the diary summary, and the office's
score (`server/services/monthly_assessment.py` does the work)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from server.office import office
from server.office.auth import for_roles, signed_in
from server.services.monthly_assessment import (
    COMMENT_MAX,
    AssessmentRefused,
    Month,
    WorkerMonth,
    assessment_rows,
    month_diary,
    save_assessment,
    this_month,
    worker_month,
)
from sync.catalogue import text

FILLS_ASSESSMENTS = frozenset({"community_staff", "street_staff", "district_admin"})
"""The office assesses its grid workers; mediators read the figures only."""


@office.get("/assessment")
@signed_in
def assessment():  # type: ignore[no-untyped-def]
    month = _month(request.args.get("month"))
    if month is None:
        return _bad_month()
    return render_template("office/assessment.html", month=month,
                           rows=assessment_rows(g.area, month), area_name=g.area.name())


@office.get("/assessment/<worker_id>")
@signed_in
def assessment_worker(worker_id: str):  # type: ignore[no-untyped-def]
    month = _month(request.args.get("month"))
    if month is None:
        return _bad_month()
    figures = worker_month(g.area, worker_id, month)
    if figures is None:
        abort(404)
    return _worker_page(figures, month)


@office.post("/assessment/<worker_id>")
@signed_in
@for_roles(FILLS_ASSESSMENTS)
def fill_assessment(worker_id: str):  # type: ignore[no-untyped-def]
    month = _month(request.form.get("month", ""))
    if month is None:
        return _bad_month()
    form = request.form
    try:
        saved = save_assessment(g.area, worker_id, month, form.get("score", ""),
                                form.get("comment", ""), g.worker.id)
    except AssessmentRefused as refused:
        figures = worker_month(g.area, worker_id, month)
        if figures is None:
            abort(404)
        return _worker_page(figures, month, error=text(f"office.assessment.{refused.code}"),
                            typed=form), 400
    if saved is None:
        abort(404)
    flash(text("office.assessment.saved", name=saved.worker_name, month=str(month)))
    return redirect(url_for("office.assessment_worker", worker_id=worker_id,
                            month=str(month)))


def _month(value: str | None) -> Month | None:
    """The month asked for (this month when none is); None when it cannot be read."""
    if not value:
        return this_month()
    try:
        return Month.parse(value)
    except AssessmentRefused:
        return None


def _bad_month():  # type: ignore[no-untyped-def]
    return render_template("office/error.html",
                           message=text("office.assessment.bad_month")), 400


def _worker_page(figures: WorkerMonth, month: Month, *, error: str | None = None,
                 typed: object = None) -> str:
    return render_template("office/assessment_worker.html", month=month, figures=figures,
                           diary=month_diary(figures.worker_id, month),
                           may_fill=g.worker.role in FILLS_ASSESSMENTS,
                           comment_max=COMMENT_MAX, error=error, typed=typed)
