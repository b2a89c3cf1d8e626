"""巡防日志: a patrol walked by one of the four teams."""

from __future__ import annotations

from collections.abc import Mapping

from sync.schemas import fields as f
from sync.schemas.base import Entry, Record, broken, position, rule
from sync.vocabulary import PatrolTeamKind, RiskColour


class Checkpoint(Entry):
    id = f.text()
    at = f.iso_datetime()
    place = f.text()
    position = position(optional=True)
    note = f.text(blank=True)
    colour = f.choice(RiskColour)


class Finding(Entry):
    id = f.text()
    at = f.iso_datetime()
    text = f.text()
    colour = f.choice(RiskColour)
    dispute_id = f.text(optional=True)


class Patrol(Record):
    team_kind = f.choice(PatrolTeamKind)
    team_id = f.text()
    members = f.items(f.text(), min_len=1)
    started_at = f.iso_datetime()
    ended_at = f.iso_datetime(optional=True)
    checkpoints = f.children(Checkpoint)
    findings = f.children(Finding)

    @rule
    def _ends_after_start(self, data: dict, original: Mapping, partial: bool) -> None:
        started, ended = data.get("started_at"), data.get("ended_at")
        if started is None or ended is None:
            return
        if f.parse_datetime(ended) < f.parse_datetime(started):
            raise broken("ended_at", "ended_before_started", other="started_at")
