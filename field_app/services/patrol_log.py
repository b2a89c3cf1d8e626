"""巡防日志: a patrol written as it is walked, one durable step per tap.

`PatrolLog.start` creates the patrol record at once (team kind, team, members from the
roster, start time now), so nothing typed on the walk waits in memory: each checkpoint
(time now, place, note, 三色 colour, position when the tablet has a fix) and each finding is
its own `add` to the record, and `end` writes the end time. A killed app finds the walk
again with `PatrolLog.unfinished` (this worker's patrols with no end time).

A finding that is a dispute opens a case (`case_opening`): the case is written first, with
the patrol as its source, then the finding naming the case (`dispute_id`), both under one
hold of the tablet's `turn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from field_app.services.case_opening import CaseDraft, case_record
from field_app.services.recording import NotSaved, Recorder, messages_of
from sync.catalogue import text
from sync.ids import new_id
from sync.schemas import RecordInvalid, validate_child, validate_record
from sync.scope import may_write
from sync.vocabulary import DisputeSource, PatrolTeamKind, RiskColour


@dataclass(frozen=True)
class TeamChoice:
    """A patrol team on the roster."""

    team_id: str
    name: str
    kind: str
    kind_label: str


@dataclass(frozen=True)
class MemberChoice:
    worker_id: str
    name: str


@dataclass(frozen=True)
class GridChoice:
    """A grid on the roster a patrol may walk in."""

    grid_id: str
    name: str


def grid_choices(recorder: Recorder) -> list[GridChoice]:
    """The grids on the roster; a grid worker's own grid only. A patrol member's scope is
    the community, so the grid walked is chosen when the patrol starts."""
    grids = [GridChoice(str(g.get("id")), str(g.get("name") or g.get("id")))
             for g in recorder.roster_list("grids")]
    own = [g for g in grids if g.grid_id == recorder.grid_id]
    return own or sorted(grids, key=lambda g: g.grid_id)


def may_open_cases(recorder: Recorder) -> bool:
    """Whether a finding may open a dispute case on this tablet: the server keeps a case
    aside from a role that does not write cases (patrol members write patrol logs only)."""
    return may_write(recorder.role, "dispute")


def team_choices(recorder: Recorder) -> list[TeamChoice]:
    """The roster's patrol teams (四支队伍), by kind then name."""
    order = [kind.value for kind in PatrolTeamKind]
    teams = [TeamChoice(str(t.get("id")), str(t.get("name") or ""), str(t.get("kind") or ""),
                        text(f"label.patrol_team_kind.{t.get('kind')}"))
             for t in recorder.roster_list("patrol_teams")]
    teams.sort(key=lambda t: (order.index(t.kind) if t.kind in order else len(order), t.name))
    return teams


def member_choices(recorder: Recorder, team_id: str | None = None) -> list[MemberChoice]:
    """Workers of `team_id` (all workers on the roster when None), the signed-in one first."""
    members = [MemberChoice(str(w.get("id")), str(w.get("name") or ""))
               for w in recorder.roster_list("workers")
               if team_id is None or w.get("team_id") == team_id]
    members.sort(key=lambda m: (m.worker_id != recorder.worker_id, m.name, m.worker_id))
    return members


class PatrolLog:
    """A patrol record being written; each method is one saved step."""

    def __init__(self, recorder: Recorder, patrol_id: str) -> None:
        self.recorder = recorder
        self.patrol_id = patrol_id

    @classmethod
    def start(cls, recorder: Recorder, team_id: str, members: list[str],
              team_kind: str | None = None, grid_id: str | None = None) -> PatrolLog:
        """Start a patrol now. `team_kind` defaults to the team's kind on the roster,
        `grid_id` to the worker's grid (a patrol member's scope is a community: they pass
        one of `grid_choices`); the signed-in worker is added to `members` if missing."""
        if team_kind is None:
            team_kind = next((t.kind for t in team_choices(recorder) if t.team_id == team_id),
                             "")
        crew = list(dict.fromkeys([recorder.worker_id, *members]))
        data: dict[str, Any] = {"grid_id": grid_id or recorder.grid_id, "team_kind": team_kind,
                                "team_id": team_id, "members": crew,
                                "started_at": recorder.now(), "checkpoints": [],
                                "findings": []}
        with recorder.saving() as writer:
            patrol_id = writer.create("patrol", data)
        return cls(recorder, patrol_id)

    @classmethod
    def unfinished(cls, recorder: Recorder) -> list[PatrolLog]:
        """Patrols this worker started on this tablet's data and has not ended, newest first."""
        found = [view for view in recorder.replica.records("patrol")
                 if not view.get("retracted") and not view["values"].get("ended_at")
                 and recorder.worker_id in (view["values"].get("members") or [])]
        found.sort(key=lambda v: (v["values"].get("started_at") or "", v["id"]), reverse=True)
        return [cls(recorder, view["id"]) for view in found]

    def view(self) -> dict[str, Any]:
        """The patrol as merged (`Replica.record`)."""
        record = self.recorder.replica.record(self.patrol_id)
        if record is None:
            raise NotSaved.of("", "edit.record_unknown")
        return record

    @property
    def ended(self) -> bool:
        return bool(self.view()["values"].get("ended_at"))

    def checkpoint(self, place: str, note: str = "", colour: str = RiskColour.green.value,
                   position: dict[str, float] | None = None) -> None:
        """A checkpoint passed now: place, note, colour, and the GPS fix if there is one."""
        entry: dict[str, Any] = {"at": self.recorder.now(), "place": place.strip(),
                                 "note": note.strip(), "colour": colour}
        if position:
            entry["position"] = position
        with self.recorder.saving() as writer:
            writer.add(self.patrol_id, "checkpoints", entry)

    def finding(self, what: str, colour: str = RiskColour.yellow.value,
                case: CaseDraft | None = None) -> str | None:
        """Something found on the walk; with `case`, a dispute case is opened for it.

        Returns the new case's id (None without a case). Everything is checked before
        anything is written; `NotSaved` reports a case's problems as ``case.<field>``.
        """
        finding: dict[str, Any] = {"at": self.recorder.now(), "text": what.strip(),
                                   "colour": colour}
        if case is None:
            with self.recorder.saving() as writer:
                writer.add(self.patrol_id, "findings", finding)
            return None
        case_id = new_id()
        grid_id = self.view()["values"].get("grid_id") or self.recorder.grid_id
        data = case_record(case, grid_id=grid_id,
                           opened_by=self.recorder.worker_id, opened_at=finding["at"],
                           source_kind=DisputeSource.patrol.value, source_id=self.patrol_id)
        self._check_case(data)
        finding["dispute_id"] = case_id
        with self.recorder.saving() as writer:
            validate_child("patrol", "findings", {"id": "check", **finding})
            writer.create("dispute", data, record_id=case_id)
            writer.add(self.patrol_id, "findings", finding)
        return case_id

    def end(self) -> None:
        """The patrol is over: its end time is now."""
        with self.recorder.saving() as writer:
            writer.update(self.patrol_id, {"ended_at": self.recorder.now()})

    def _check_case(self, data: dict[str, Any]) -> None:
        try:
            validate_record("dispute", {**data,
                                        "schema_version": self.recorder.writer.schema_version})
        except RecordInvalid as error:
            raise NotSaved({f"case.{path}": message
                            for path, message in messages_of(error).items()}) from None
