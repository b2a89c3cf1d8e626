"""Records created per grid and Beijing day, as the ledger received them.

`ledger_entries.received_at` has no index of its own (every push would pay for one), but
each street's entries are appended under that street's lock and stamped with the server's
clock while it is held, so within a street `received_at` grows with `position`. The first
entry of a day is then found by a search on the (street, position) unique index: a few
rounds of point reads, all streets in one query per round, whatever the ledger's size.
Counting what came in since then reads only those days' entries.

Reading a month of a district's entries still takes a few hundred milliseconds, and a day
that is over never changes (the ledger is append-only and stamps entries with the
server's clock), so each process keeps the counts of the days that are over and reads the
ledger again only for today's entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from server.extensions import db
from server.models import LedgerEntry, StreetLedger
from sync.deadlines import CHINA

DAY_MS = 86_400_000
CHINA_OFFSET_MS = 8 * 3_600_000
CLOCK_SLACK_MS = 3_600_000
"""How far back the server's clock may have been set (an NTP step) between two pushes: the
search starts this much earlier and the exact day is then taken from `received_at` itself,
so such a step costs an hour more of entries read, never a wrong count. A day is also
taken as over (and kept) only this long after its midnight, when no push still being
written can carry its date."""
SEARCH_FAN = 32
"""Positions read per street and round while searching for a day's first entry."""
DAYS_KEPT = 62
"""Settled days older than this are let go."""

_settled: dict[tuple[str, str, str, date], dict[str, int]] = {}
"""(database, street, record type, day) -> {grid: records created that day}, for days that
are over."""


def day_start_ms(day: date) -> int:
    """Beijing midnight at the start of `day`, in unix ms."""
    return int(datetime.combine(day, time(), CHINA).timestamp() * 1000)


def china_day(ms: int) -> date:
    """The Beijing calendar day of a unix-ms time."""
    return datetime.fromtimestamp(ms / 1000, CHINA).date()


def first_positions(street_ids: Iterable[str], moment_ms: int) -> dict[str, int]:
    """Each street's first position received at or after `moment_ms` (its size + 1 if none).

    A search over the (street, position) index that reads `SEARCH_FAN` positions of each
    street's remaining range per round, the streets together: a million entries take four
    queries."""
    sizes = dict(db.session.execute(
        select(StreetLedger.street_id, StreetLedger.size)
        .where(StreetLedger.street_id.in_(list(street_ids)))).all())
    # Positions below the first bound were received before `moment_ms`; from the second
    # bound on, at or after it.
    bounds = {street: (1, size + 1) for street, size in sizes.items()}
    while probes := {street: _probes(low, high)
                     for street, (low, high) in bounds.items() if low < high}:
        received = {(street, position): at for street, position, at in db.session.execute(
            select(LedgerEntry.street_id, LedgerEntry.position, LedgerEntry.received_at)
            .where(or_(*(and_(LedgerEntry.street_id == street,
                              LedgerEntry.position.in_(positions))
                         for street, positions in probes.items())))).all()}
        for street, positions in probes.items():
            low, high = bounds[street]
            for position in positions:
                at = received.get((street, position))
                if at is None or at >= moment_ms:
                    high = position
                    break
                low = position + 1
            bounds[street] = (low, high)
    return {street: low for street, (low, _high) in bounds.items()}


def _probes(low: int, high: int) -> list[int]:
    """Positions to read in [low, high), ascending: all of them when few, else
    `SEARCH_FAN` spread evenly."""
    if high - low <= SEARCH_FAN:
        return list(range(low, high))
    return sorted({low + (high - low) * n // (SEARCH_FAN + 1)
                   for n in range(1, SEARCH_FAN + 1)})


def created_per_grid_and_day(street_ids: Iterable[str], record_type: str, first_day: date,
                             now_ms: int) -> dict[tuple[str, date], int]:
    """How many records of `record_type` were created in these streets' ledgers on each
    Beijing day from `first_day` to today (as of `now_ms`), per grid; (grid, day) pairs
    with none are left out.

    A record counts on the day the server received the ledger entry that created it: its
    first accepted entry (a later edit is not a new record; a quarantined attempt created
    nothing). Days that are over come from this process's memory once read."""
    streets = sorted(set(street_ids))
    database = db.engine.url.render_as_string(hide_password=True)
    today = china_day(now_ms)
    last_settled = china_day(now_ms - CLOCK_SLACK_MS) - timedelta(days=1)
    days = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
    unread = [day for day in days if day > last_settled or any(
        (database, street, record_type, day) not in _settled for street in streets)]
    fresh = _read(streets, record_type, unread[0]) if unread and streets else {}
    counts: dict[tuple[str, date], int] = {}
    for day in days:
        for street in streets:
            key = (database, street, record_type, day)
            grids = fresh.get((street, day), {}) if day in unread else _settled[key]
            if day <= last_settled and day in unread:
                _settled[key] = grids
            for grid_id, count in grids.items():
                counts[(grid_id, day)] = counts.get((grid_id, day), 0) + count
    _let_go(today - timedelta(days=DAYS_KEPT))
    return counts


def _read(streets: list[str], record_type: str, first_day: date
          ) -> dict[tuple[str, date], dict[str, int]]:
    """(street, day) -> {grid: records created}, read from the ledger since `first_day`."""
    since_ms = day_start_ms(first_day)
    starts = first_positions(streets, since_ms - CLOCK_SLACK_MS)
    entry = LedgerEntry
    earlier = aliased(LedgerEntry)
    day_number = (entry.received_at + CHINA_OFFSET_MS) // DAY_MS
    rows = db.session.execute(
        select(entry.street_id, entry.grid_id, day_number, func.count())
        .where(or_(false(), *(and_(entry.street_id == street, entry.position >= start)
                              for street, start in starts.items())),
               entry.received_at >= since_ms, entry.record_type == record_type,
               entry.verdict == "accepted",
               ~exists().where(earlier.record_id == entry.record_id,
                               earlier.verdict == "accepted",
                               earlier.position < entry.position))
        .group_by(entry.street_id, entry.grid_id, day_number)).all()
    epoch = date(1970, 1, 1)
    read: dict[tuple[str, date], dict[str, int]] = {}
    for street, grid_id, number, count in rows:
        grids = read.setdefault((street, epoch + timedelta(days=int(number))), {})
        grids[grid_id or ""] = grids.get(grid_id or "", 0) + count
    return read


def _let_go(before: date) -> None:
    for key in [key for key in _settled if key[3] < before]:
        _settled.pop(key, None)
