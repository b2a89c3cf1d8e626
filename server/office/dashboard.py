"""工作台: what came in, what is due and what has gone quiet, in the user's part of the tree
(`server.services.office_dashboard`); the charts are drawn on the server as SVG."""

from __future__ import annotations

from datetime import date

from flask import g, render_template

from server.office import office
from server.office.auth import signed_in
from server.services import office_dashboard
from sync.catalogue import label, text
from sync.vocabulary import DisputeCategory

TICK_EVERY = 5
"""The day chart names every fifth day under its bar (counting back from today)."""


@office.get("/")
@signed_in
def dashboard():  # type: ignore[no-untyped-def]
    board = office_dashboard.dashboard(g.area)
    return render_template(
        "office/dashboard.html", area_name=g.area.name(), board=board,
        quiet_days=office_dashboard.QUIET_DAYS,
        day_bars=_day_bars(board.visits_per_day),
        category_bars=[(label(category), board.cases.by_category[category], label(category))
                       for category in DisputeCategory])


def _day_bars(per_day: list[tuple[date, int]]) -> list[tuple[str, int, str]]:
    """(label, count, axis tick) for each day, oldest first."""
    last = len(per_day) - 1
    return [(_day(day), count, day.strftime("%m-%d") if (last - n) % TICK_EVERY == 0 else "")
            for n, (day, count) in enumerate(per_day)]


def _day(day: date) -> str:
    return text("office.dashboard.day", month=day.month, day=day.day)
