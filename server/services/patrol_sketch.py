"""A patrol as its page shows it: who walked, its checkpoints in time order, its findings,
and a sketch of the route from the checkpoints' positions.

The sketch is an inline SVG the server draws (no map tiles, no script): the positions are
projected flat (a degree of longitude shrunk by the cosine of the latitude, as on a local
map), scaled by one factor for both axes so the route keeps its shape, and centred in the
box. A patrol of a few hundred metres fills the box as well as one of a few kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import PatrolTeam, Worker

SKETCH_WIDTH = 360
SKETCH_HEIGHT = 240
SKETCH_MARGIN = 24
"""Room around the route for the start and end marks and the numbers."""


@dataclass(frozen=True)
class SketchPoint:
    x: float
    y: float
    number: int
    """The checkpoint's number in time order (1 for the first)."""


@dataclass(frozen=True)
class RouteSketch:
    width: int
    height: int
    points: list[SketchPoint]

    @property
    def polyline(self) -> str:
        """The points as an SVG ``points`` attribute."""
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def start(self) -> SketchPoint:
        return self.points[0]

    @property
    def end(self) -> SketchPoint:
        return self.points[-1]


def route_sketch(positions: list[tuple[int, float, float]], width: int = SKETCH_WIDTH,
                 height: int = SKETCH_HEIGHT, margin: int = SKETCH_MARGIN
                 ) -> RouteSketch | None:
    """The route through `positions` ((number, latitude, longitude), in walking order)
    drawn in a `width` x `height` box with north up; None without any position."""
    if not positions:
        return None
    middle_lat = math.radians(sum(lat for _, lat, _ in positions) / len(positions))
    flat = [(number, lon * math.cos(middle_lat), lat) for number, lat, lon in positions]
    xs, ys = [x for _, x, _ in flat], [y for _, _, y in flat]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    fits = [room / span for room, span in ((width - 2 * margin, span_x),
                                           (height - 2 * margin, span_y)) if span > 0]
    scale = min(fits) if fits else 0.0  # one place (or one point): drawn in the middle
    centre_x, centre_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return RouteSketch(width, height, [
        SketchPoint(width / 2 + (x - centre_x) * scale, height / 2 - (y - centre_y) * scale,
                    number)
        for number, x, y in flat])


@dataclass(frozen=True)
class Checkpoint:
    number: int
    at: str | None
    place: str | None
    note: str | None
    colour: str | None
    position: tuple[float, float] | None
    """(latitude, longitude), when the tablet had a fix."""


@dataclass(frozen=True)
class Finding:
    at: str | None
    text: str | None
    colour: str | None
    dispute_id: str | None


@dataclass(frozen=True)
class PatrolDetail:
    team_kind: str | None
    team_name: str
    members: list[str]
    """Names (or ids of people not on the roster)."""
    started_at: str | None
    ended_at: str | None
    checkpoints: list[Checkpoint]
    findings: list[Finding]
    sketch: RouteSketch | None


def patrol_detail(values: Mapping[str, Any]) -> PatrolDetail:
    """A patrol's page from its merged values, with its team's and members' names."""
    checkpoints = [
        Checkpoint(number, _text(entry.get("at")), _text(entry.get("place")),
                   _text(entry.get("note")), _text(entry.get("colour")),
                   _position(entry.get("position")))
        for number, entry in enumerate(_in_time_order(values.get("checkpoints")), start=1)]
    findings = [Finding(_text(entry.get("at")), _text(entry.get("text")),
                        _text(entry.get("colour")), _text(entry.get("dispute_id")))
                for entry in _in_time_order(values.get("findings"))]
    team_id = _text(values.get("team_id")) or ""
    team = db.session.get(PatrolTeam, team_id) if team_id else None
    members = [str(member) for member in values.get("members") or ()]
    names = {worker_id: name for worker_id, name in db.session.execute(
        select(Worker.id, Worker.name).where(Worker.id.in_(members)))} if members else {}
    return PatrolDetail(
        _text(values.get("team_kind")), team.name if team else team_id,
        [names.get(member, member) for member in members], _text(values.get("started_at")),
        _text(values.get("ended_at")), checkpoints, findings,
        route_sketch([(point.number, *point.position) for point in checkpoints
                      if point.position is not None]))


def _in_time_order(entries: Any) -> list[Mapping[str, Any]]:
    """Child entries by their time (as walked, whatever order they synced in); an entry
    without a readable time goes last."""
    kept = [entry for entry in entries or () if isinstance(entry, Mapping)]
    return sorted(kept, key=lambda entry: (_moment(entry.get("at")) is None,
                                           _moment(entry.get("at")) or datetime.min))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _position(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    lat, lon = value.get("lat"), value.get("lon")
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
               for n in (lat, lon)):
        return None
    return float(lat), float(lon)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
