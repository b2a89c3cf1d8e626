"""工作台: what came in, for the signed-in user's part of the tree."""

from __future__ import annotations

from flask import g, render_template

from server.office import office
from server.office.auth import signed_in
from server.services.office_scope import records_by_grid


@office.get("/")
@signed_in
def dashboard():  # type: ignore[no-untyped-def]
    return render_template("office/dashboard.html", area_name=g.area.name(),
                           grids=records_by_grid(g.area))
