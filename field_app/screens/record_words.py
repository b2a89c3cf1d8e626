"""What the 巡防 and 矛盾纠纷 screens say, from the services' plain answers and the catalogue.

No Kivy here (like `wording`): the lines a worker reads about a walk or a case are decided
in one place and can be checked without a window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from field_app.services.case_desk import CaseSummary
from field_app.services.patrol_log import TeamChoice
from sync.catalogue import text
from sync.deadlines import CHINA
from sync.schemas import field_label, value_label

PARTY_SEPARATORS = ("，", "、", ";", "；")
"""Between two parties' names typed in one field, beside the Latin comma."""


def colour_label(colour: str) -> str:
    return text(f"label.risk_colour.{colour}") if colour else ""


def clock_time(moment: Any, with_date: bool = False) -> str:
    """``09:30`` (or ``2026-11-27 09:30``) in Beijing time; the value itself if unreadable."""
    try:
        when = datetime.fromisoformat(str(moment)).astimezone(CHINA)
    except ValueError:
        return str(moment or "")
    return when.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def team_label(team: TeamChoice) -> str:
    return text("app.patrol_screen.team_choice", name=team.name, kind=team.kind_label)


def under_way_line(values: Mapping[str, Any]) -> str:
    return text("app.patrol.under_way", started=clock_time(values.get("started_at"), True))


def crew_line(values: Mapping[str, Any], teams: Sequence[TeamChoice],
              name_of: Callable[[str], str]) -> str:
    """The team and who walks with it, by name."""
    team_id = str(values.get("team_id") or "")
    team = next((team_label(t) for t in teams if t.team_id == team_id), team_id)
    members = text("list.separator").join(name_of(m) for m in values.get("members") or [])
    return text("app.patrol_screen.team_line", team=team, members=members)


def walk_lines(values: Mapping[str, Any]) -> list[str]:
    """Checkpoints then findings recorded so far, each with its time and colour."""
    checkpoints = values.get("checkpoints") or []
    findings = values.get("findings") or []
    if not checkpoints and not findings:
        return [text("app.patrol_screen.nothing_yet")]
    lines = [text("app.patrol_screen.checkpoints", count=len(checkpoints))]
    for point in checkpoints:
        what = point.get("place", "")
        if point.get("note"):
            what = f"{what}：{point['note']}"
        lines.append(_entry_line(point, what))
    lines.append(text("app.patrol_screen.findings", count=len(findings)))
    for finding in findings:
        what = finding.get("text", "")
        if finding.get("dispute_id"):
            what += text("app.patrol_screen.with_case")
        lines.append(_entry_line(finding, what))
    return lines


def _entry_line(entry: Mapping[str, Any], what: str) -> str:
    return text("app.patrol_screen.entry_line", time=clock_time(entry.get("at")), what=what,
                colour=colour_label(str(entry.get("colour") or "")))


def case_lines(summary: CaseSummary) -> list[str]:
    """The case's facts, in the order a mediator reads them."""
    due = (text("app.case.due", date=summary.due.isoformat()) if summary.due is not None
           else text("app.today.case_no_due"))
    lines = [text("app.case_screen.status", status=summary.status_label),
             text("app.case_screen.level", level=summary.level_label),
             text("app.case_screen.colour", colour=summary.colour_label),
             due,
             text("app.case_screen.parties",
                  parties=text("list.separator").join(summary.parties)),
             text("app.case_screen.opened", when=clock_time(summary.opened_at, True)),
             summary.description]
    if summary.retracted:
        lines.insert(0, text("app.case.retracted"))
    return lines


def note_lines(summary: CaseSummary) -> list[str]:
    if not summary.notes:
        return [text("app.case_screen.no_notes")]
    return [text("app.case_screen.note_line", when=note.at, by=note.by,
                 text=f"{note.step}：{note.text}" if note.step else note.text)
            for note in summary.notes]


def conflict_lines(record: Mapping[str, Any], name_of: Callable[[str], str]) -> list[str]:
    """One line per field two people wrote differently: each competing value and who
    wrote it, as the office will see them when it decides."""
    lines = []
    for conflict in record.get("conflicts") or []:
        field = str(conflict.get("field") or "")
        values = [text("app.case_screen.conflict_value",
                       value=value_label(record.get("type", "dispute"), field, v.get("value")),
                       who=name_of(str((v.get("author") or {}).get("id") or "")))
                  for v in conflict.get("versions") or []]
        lines.append(text("app.case_screen.conflict_field",
                          field=field_label(record.get("type", "dispute"), field),
                          values=" / ".join(values)))
    return lines


def party_names(typed: str) -> list[str]:
    """Names typed in one field, separated by commas (Chinese or Latin), 、 or semicolons."""
    for separator in PARTY_SEPARATORS:
        typed = typed.replace(separator, ",")
    return [name.strip() for name in typed.split(",") if name.strip()]
