"""What the 民情日记 and 记录 screens say, from the services' plain values and the catalogue.

No Kivy here (like `wording`): a list row as the RecycleView draws it, a record's values
and its open conflicts as lines, the visit form's people, requests and photos as lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from field_app.services.households import household_index
from field_app.services.record_lists import Row
from sync.catalogue import label, text
from sync.deadlines import CHINA
from sync.schemas import field_label, value_label
from sync.vocabulary import ProblemList, ServiceClass

STRIPES: dict[str, tuple[float, float, float, float]] = {
    "green": (0.25, 0.7, 0.35, 1), "yellow": (0.95, 0.75, 0.15, 1),
    "red": (0.9, 0.25, 0.2, 1), "": (0.35, 0.35, 0.4, 1)}
"""A row's colour stripe by its risk colour (three-colour rating); grey when it has none."""

HIDDEN_FIELDS = frozenset({"schema_version"})

NESTED_CODES: dict[str, type[StrEnum]] = {"service_class": ServiceClass,
                                          "problem_list": ProblemList}
"""Codes inside list entries, which `value_label` (top-level fields) does not know."""


def list_item(row: Row) -> dict[str, Any]:
    """One RecycleView entry: only the plain values the row widget shows."""
    return {
        "record_id": row["id"],
        "record_type": row["type"],
        "title": row["title"] or row["type_label"],
        "subtitle": row["subtitle"],
        "when": row["when"],
        "flag": text("app.lists.conflict_flag") if row["conflict"] else "",
        "stripe": STRIPES.get(row["colour"], STRIPES[""]),
    }


def list_items(rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [list_item(row) for row in rows]


def count_line(count: int) -> str:
    return text("app.lists.count", count=count) if count else text("app.lists.empty")


def moment_text(moment: Any) -> str:
    try:
        return datetime.fromisoformat(str(moment)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(moment or "")


def value_text(record_type: str, path: str, value: Any) -> str:
    """A stored value as a line shows it: labels for codes, entries of a list joined."""
    if isinstance(value, Mapping):
        return "，".join(f"{field_label(record_type, f'{path}.{key}')}："
                        f"{value_text(record_type, f'{path}.{key}', item)}"
                        for key, item in value.items() if key != "id" and item not in ("", None))
    if isinstance(value, list):
        return "；".join(value_text(record_type, path, item) for item in value) or \
            text("value.none")
    name = path.rpartition(".")[2]
    vocabulary = NESTED_CODES.get(name)
    if vocabulary is not None and value in set(vocabulary):
        return label(vocabulary(value))
    return value_label(record_type, name, value)


PEOPLE_FIELDS = frozenset({"worker_id", "opened_by", "by"})
PLACE_FIELDS = frozenset({"household_id"})


def detail_lines(view: Mapping[str, Any], names: Mapping[str, str] | None = None,
                 places: Mapping[str, str] | None = None) -> list[str]:
    """A record's values, one line per field, as the office labels them; worker and
    household ids read as names and places (`names`, `places` from the roster), moments
    in Beijing time."""
    record_type = view["type"]
    names, places = names or {}, places or {}
    lines = [text("app.record.retracted")] if view.get("retracted") else []
    for name, value in view["values"].items():
        if name in HIDDEN_FIELDS:
            continue
        if name in PEOPLE_FIELDS:
            shown = names.get(str(value)) or str(value)
        elif name in PLACE_FIELDS:
            shown = places.get(str(value)) or str(value)
        elif name.endswith("_at") and isinstance(value, str):
            shown = moment_text(value)
        else:
            shown = value_text(record_type, name, value)
        lines.append(text("app.record.value_line", field=field_label(record_type, name),
                          value=shown))
    return lines


def conflict_lines(view: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """Each open conflict with the competing values and who wrote them; `names` maps a
    worker id to a name (the roster)."""
    conflicts = view.get("conflicts") or []
    if not conflicts:
        return [text("app.record.no_conflicts")]
    record_type = view["type"]
    lines = [text("app.record.conflicts")]
    for conflict in conflicts:
        field = conflict["field"]
        versions = "／".join(
            text("app.record.version", value=value_text(record_type, field, v.get("value")),
                 who=names.get(str((v.get("author") or {}).get("id")), "")
                 or str((v.get("author") or {}).get("id", "")),
                 when=moment_text(_hlc_moment(v.get("hlc"))))
            for v in conflict.get("versions") or [])
        lines.append(text("app.record.conflict_line", field=field_label(record_type, field),
                          versions=versions))
    return lines


def _hlc_moment(hlc: Sequence[Any] | None) -> str:
    """A version's hybrid clock (milliseconds first) as an ISO moment."""
    try:
        return datetime.fromtimestamp(int(hlc[0]) / 1000, CHINA).isoformat()  # type: ignore[index]
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return ""


def person_line(person: Mapping[str, Any]) -> str:
    name = str(person.get("name") or "")
    relation = str(person.get("relation") or "")
    return text("app.visit.person_line", name=name, relation=relation) if relation else name


def request_line(request: Mapping[str, Any]) -> str:
    line = text("app.visit.request_line", summary=request.get("summary", ""),
                service_class=value_text("visit", "requests.service_class",
                                         request.get("service_class")),
                problem_list=value_text("visit", "requests.problem_list",
                                        request.get("problem_list")))
    if request.get("due_date"):
        line += " · " + text("app.visit.request_due", date=request["due_date"])
    return line


def attachments_line(attachments: Sequence[Mapping[str, Any]]) -> str:
    if not attachments:
        return text("app.visit.no_attachments")
    return text("app.visit.attached", names="、".join(str(a.get("name") or "")
                                                       for a in attachments))


def new_household_line(household: Mapping[str, Any]) -> str:
    place = "".join(str(household.get(k) or "") for k in ("building", "unit", "room"))
    return text("app.visit.new_household_chosen", place=place, name=household.get("name", ""))


def worker_names(roster: Mapping[str, Any]) -> dict[str, str]:
    return {str(w.get("id")): str(w.get("name") or "") for w in roster.get("workers") or []}


def household_places(roster: Mapping[str, Any]) -> dict[str, str]:
    """Household id -> ``3号楼2单元402 张秀英`` (as the visit form lists them)."""
    return {hid: choice.title
            for hid, choice in household_index(roster.get("households") or []).items()}
