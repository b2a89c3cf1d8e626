"""Lists of past visits, screenings, cases and patrols, newest first, with text search.

Built for a Kivy RecycleView over a tablet holding tens of thousands of records: reading
and opening every sealed record on each keystroke is far too slow, so `RecordLists` keeps a
small in-memory index, one lightweight row per record (plain dicts, what a RecycleView's
`data` takes) plus a lower-cased search text, sorted newest first per record type.

- The first `refresh` reads every record once. Later ones read only what changed: records
  touched by operations written or pulled since and records
  new to the store (an adopted snapshot brings states without operations). Call it when a
  list screen opens and after a save or a sync.
- `page` filters by type and by every word of the query (household place and name, people
  met, situation, requests, case description and parties, patrol places and findings...)
  and returns one page of rows and the total, so the screen can page or load more.

`keep` seals the index into a file with the data key when the app locks or a sync ends, and
`resume` opens it on the next start: the lists then open without reading every record, and
only what changed since is read (a kill in between costs only that catch-up).

Each row carries ``conflict``: the record has an open conflict (two people wrote different
values; `Replica.record(id)["conflicts"]`), which the screen flags for a decision.
The index holds personal values in memory only while the app is unlocked, like the screens.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from field_app.services.aead import SealBroken, open_sealed, seal
from field_app.services.households import HouseholdChoice, household_index
from field_app.services.record_cache import ReplicaFollower
from sync.catalogue import text
from sync.deadlines import CHINA
from sync.durable_file import replace_durably
from sync.record_state import RecordState
from sync.replica import Replica
from sync.schemas import RECORD_TYPES, value_label
from sync.stores.sqlite import SQLiteStore

Row = dict[str, Any]
"""``id, type, title, subtitle, when, sort_at, colour, status, conflict, retracted``."""

SUBTITLE_CHARS = 60

_KEPT_CONTEXT = b"minqing/record-lists/v1"
"""Associated data of the kept index: no other sealed file stands in for it."""

_WHEN_FIELD = {"visit": "visited_at", "screening": "screened_at", "dispute": "opened_at",
               "patrol": "started_at"}


@dataclass(frozen=True)
class RowPage:
    """One page of a list: its rows, how many rows match in all, where the page starts."""

    rows: list[Row]
    total: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


@dataclass
class _Entry:
    row: Row
    haystack: str


class RecordLists:
    """The list-and-search index over one replica (one per unlocked tablet)."""

    def __init__(self, replica: Replica, roster: Mapping[str, Any] | None = None, *,
                 turn: threading.RLock | None = None) -> None:
        self.replica = replica
        self.turn = turn if turn is not None else threading.RLock()
        """Held while the index reads the replica: give it `Tablet.turn`, so a read never
        falls inside a sync's transaction on the same connection."""
        self._households: dict[str, HouseholdChoice] = {}
        self._teams: dict[str, str] = {}
        self._entries: dict[str, _Entry] = {}
        self._sorted: dict[str, list[_Entry]] = {}
        self._follower = ReplicaFollower(self._store())
        self._built = False
        self._roster_version: Any = None
        self.set_roster(roster)

    @property
    def roster_version(self) -> Any:
        """The version of the roster the rows were made with (None before any pull)."""
        return self._roster_version

    @property
    def built(self) -> bool:
        """Whether the index holds every record (built or resumed); else the first
        `refresh` reads them all."""
        return self._built

    def set_roster(self, roster: Mapping[str, Any] | None) -> None:
        """A new roster (after a pull) names households and teams; rows are remade."""
        roster = roster or {}
        self._roster_version = roster.get("version")
        self._households = household_index(roster.get("households") or [])
        self._teams = {str(t.get("id")): str(t.get("name") or "")
                       for t in roster.get("patrol_teams") or []}
        if self._built:
            self.rebuild()

    # -- keeping up to date --------------------------------------------------------------

    def refresh(self) -> int:
        """Bring the index up to date with the replica; returns how many rows were remade."""
        with self.turn:
            if not self._built:
                return self.rebuild()
            return self._catch_up()

    def _catch_up(self) -> int:
        touched = self._follower.changed()
        self._index(touched)
        return len(touched)

    def rebuild(self) -> int:
        """Read every record again (first use, a new roster, an adopted snapshot)."""
        with self.turn:
            self._entries.clear()
            self._follower = ReplicaFollower(self._store())
            ids = self._follower.changed()
            self._index(ids)
            self._built = True
            return len(ids)

    # -- kept between starts -------------------------------------------------------------

    def keep(self, path: Path, key: bytes) -> None:
        """Seal the index into `path` (durably), to be resumed on the next start."""
        with self.turn:
            if not self._built:
                return
            document = {"cursor": self._follower.cursor, "roster": self._roster_version,
                        "entries": [[e.row, e.haystack] for e in self._entries.values()]}
        replace_durably(path, seal(key, orjson.dumps(document), _KEPT_CONTEXT))

    def resume(self, path: Path, key: bytes) -> bool:
        """Take up the index `keep` left, if there is one made with the same roster; the
        next `refresh` reads only what changed since. False: the first `refresh` builds it."""
        try:
            document = orjson.loads(open_sealed(key, path.read_bytes(), _KEPT_CONTEXT))
        except (OSError, SealBroken, orjson.JSONDecodeError):
            return False
        if document.get("roster") != self._roster_version:
            return False
        with self.turn:
            self._entries = {row["id"]: _Entry(row, haystack)
                             for row, haystack in document["entries"]}
            self._follower = ReplicaFollower(self._store(), int(document["cursor"]),
                                             set(self._entries))
            self._sort()
            self._built = True
        return True

    # -- reading -------------------------------------------------------------------------

    def page(self, record_type: str | None = None, query: str = "", offset: int = 0,
             limit: int = 50, *, include_retracted: bool = False) -> RowPage:
        """Rows of `record_type` (all types when None) matching every word of `query`,
        newest first; rows `offset` to `offset + limit`."""
        self.refresh()
        words = [w for w in query.casefold().split() if w]
        if record_type is None:
            pool: Iterable[_Entry] = sorted(
                (e for entries in self._sorted.values() for e in entries), key=_sort_key,
                reverse=True)
        else:
            pool = self._sorted.get(record_type, [])
        matched = [e.row for e in pool
                   if (include_retracted or not e.row["retracted"])
                   and all(w in e.haystack for w in words)]
        return RowPage(matched[offset:offset + limit], len(matched), offset)

    def rows(self, record_type: str | None = None, query: str = "", **options: Any
             ) -> list[Row]:
        """Every matching row (no paging): fine for a RecycleView, which draws only what shows."""
        return self.page(record_type, query, 0, sys.maxsize, **options).rows

    def conflicted(self) -> list[Row]:
        """Rows of records with an open conflict, newest first."""
        return [r for r in self.rows() if r["conflict"]]

    # -- internals -----------------------------------------------------------------------

    def _store(self) -> SQLiteStore:
        store = self.replica.store
        if not isinstance(store, SQLiteStore):
            raise TypeError("RecordLists follows a SQLite replica store")
        return store

    def _index(self, record_ids: Iterable[str]) -> None:
        ids = list(record_ids)
        if not ids:
            if not self._built:
                self._sorted = {t: [] for t in RECORD_TYPES}
            return
        states = self.replica.store.load_states(ids)
        for rid, data in states.items():
            self._entries[rid] = self._entry(RecordState(data).view())
        self._sort()

    def _sort(self) -> None:
        grouped: dict[str, list[_Entry]] = {t: [] for t in RECORD_TYPES}
        for entry in self._entries.values():
            grouped.setdefault(entry.row["type"], []).append(entry)
        for entries in grouped.values():
            entries.sort(key=_sort_key, reverse=True)
        self._sorted = grouped

    def _entry(self, view: dict[str, Any]) -> _Entry:
        record_type = view["type"]
        values = view["values"]
        when = str(values.get(_WHEN_FIELD.get(record_type, "")) or "")
        title, subtitle, words = _DESCRIBE.get(record_type, _describe_other)(self, values)
        row: Row = {
            "id": view["id"],
            "type": record_type,
            "type_label": text(f"label.record_type.{record_type}"),
            "title": title,
            "subtitle": _shorten(subtitle),
            "when": _display_moment(when),
            "sort_at": _sort_moment(when),
            "colour": str(values.get("risk_colour") or _worst_colour(values) or ""),
            "status": str(values.get("status") or ""),
            "conflict": bool(view["conflicts"]),
            "retracted": bool(view.get("retracted")),
        }
        haystack = " ".join([title, subtitle, *words]).casefold()
        return _Entry(row, haystack)

    # -- per type: title, subtitle, extra searchable words -------------------------------

    def _describe_visit(self, values: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        household = self._households.get(str(values.get("household_id") or ""))
        new = values.get("new_household") or {}
        if household is not None:
            title = household.title
        elif new:
            place = "".join(str(new.get(k) or "") for k in ("building", "unit", "room"))
            title = text("app.lists.new_household", place=place, name=new.get("name", ""))
        else:
            title = text("app.lists.unknown_household")
        kind = value_label("visit", "visit_kind", values.get("visit_kind"))
        situation = str(values.get("situation") or "")
        subtitle = f"{kind} · {situation}" if situation else kind
        words = [str(p.get("name") or "") for p in values.get("people_met") or []]
        words += [str(r.get("summary") or "") for r in values.get("requests") or []]
        words += [str(v) for v in new.values() if isinstance(v, str)]
        return title, subtitle, words

    def _describe_screening(self, values: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        scope = value_label("screening", "scope", values.get("scope"))
        title = text("app.lists.screening_title", week=values.get("iso_week", ""), scope=scope)
        areas = [str(a) for a in values.get("screened_areas") or []]
        if values.get("nothing_found"):
            outcome = text("app.lists.nothing_found")
        else:
            outcome = text("app.lists.cases_opened", count=len(values.get("case_ids") or []))
        return title, f"{outcome} · {'、'.join(areas)}", areas

    def _describe_dispute(self, values: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        category = value_label("dispute", "category", values.get("category"))
        status = value_label("dispute", "status", values.get("status"))
        title = text("app.lists.case_title", category=category, status=status)
        words = [str(p.get("name") or "") for p in values.get("parties") or []]
        words += [str(n.get("text") or "") for n in values.get("mediation_notes") or []]
        return title, str(values.get("description") or ""), words

    def _describe_patrol(self, values: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        kind = value_label("patrol", "team_kind", values.get("team_kind"))
        team = self._teams.get(str(values.get("team_id") or ""), "")
        title = f"{team}（{kind}）" if team else kind
        checkpoints = values.get("checkpoints") or []
        findings = values.get("findings") or []
        state = (text("app.lists.patrol_ended") if values.get("ended_at")
                 else text("app.lists.patrol_under_way"))
        subtitle = text("app.lists.patrol_subtitle", state=state, checkpoints=len(checkpoints),
                        findings=len(findings))
        words = [str(c.get("place") or "") + " " + str(c.get("note") or "") for c in checkpoints]
        words += [str(f.get("text") or "") for f in findings]
        return title, subtitle, words


def _describe_other(lists: RecordLists, values: Mapping[str, Any]
                    ) -> tuple[str, str, list[str]]:
    return "", "", []


_DESCRIBE = {
    "visit": RecordLists._describe_visit,
    "screening": RecordLists._describe_screening,
    "dispute": RecordLists._describe_dispute,
    "patrol": RecordLists._describe_patrol,
}


def _sort_key(entry: _Entry) -> tuple[float, str]:
    """Sorted descending: newest moment first, then the newest id (UUIDv7 ids grow)."""
    return (entry.row["sort_at"], entry.row["id"])


def _sort_moment(moment: str) -> float:
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        return 0.0
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.timestamp()


def _display_moment(moment: str) -> str:
    try:
        return datetime.fromisoformat(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return moment


def _worst_colour(values: Mapping[str, Any]) -> str:
    """A patrol's colour: the worst of its checkpoints and findings."""
    order = ("green", "yellow", "red")
    seen = [str(e.get("colour")) for key in ("checkpoints", "findings")
            for e in values.get(key) or [] if e.get("colour") in order]
    return max(seen, key=order.index) if seen else ""


def _shorten(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SUBTITLE_CHARS else value[:SUBTITLE_CHARS - 1] + "…"
