"""The open tablet's records as people see them, kept in memory and brought up to date.

今日 reads every visit, screening and case of the grid each time it is shown, and a tablet
holds tens of thousands of them: opening each sealed record every time took 1.5 s for
10,000 visits, with the screen frozen. `RecordCache` opens each record once, then only
those that changed since it last looked (`ReplicaFollower`: the store's log positions and
the records a pull's snapshot brought). `keep` seals the views into a file with the data
key when the app locks, and `resume` takes them up at the next start, so a cold start
opens one file instead of every record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from field_app.services.aead import SealBroken, open_sealed, seal
from sync.durable_file import replace_durably
from sync.record_state import RecordState
from sync.replica import Replica
from sync.stores.sqlite import SQLiteStore

_KEPT_CONTEXT = b"minqing/record-cache/v1"


class ReplicaFollower:
    """Which records changed since it last looked.

    A record changes when an operation touches it (the store's log grows) or when a pull's
    snapshot brings it whole (a new id without operations). `cursor` is the last log
    position seen, `known` every record id seen: both are kept with what they describe.
    """

    def __init__(self, store: SQLiteStore, cursor: int = 0,
                 known: set[str] | None = None) -> None:
        self.store = store
        self.cursor = cursor
        self.known: set[str] = set(known or ())

    def changed(self) -> set[str]:
        """Ids of the records changed since the last call (every record on the first)."""
        touched, self.cursor = self.store.records_touched_since(self.cursor)
        new = {rid for rid in self.store.record_ids() if rid not in self.known}
        self.known |= new
        return touched | new


class RecordCache:
    """Every record's view (`Replica.record`), by id, for the screens of an open tablet.
    Reads take `turn`, the lock the tablet's saves and syncs take."""

    def __init__(self, replica: Replica, turn: threading.RLock | None = None) -> None:
        if not isinstance(replica.store, SQLiteStore):
            raise TypeError("RecordCache follows a SQLite replica store")
        self.replica = replica
        self.turn = turn if turn is not None else threading.RLock()
        self._follower = ReplicaFollower(replica.store)
        self._views: dict[str, dict[str, Any]] = {}

    def refresh(self) -> int:
        """Open what changed since the last look; returns how many records that was."""
        with self.turn:
            changed = self._follower.changed()
            if changed:
                for rid, data in self.replica.store.load_states(changed).items():
                    self._views[rid] = RecordState(data).view()
            return len(changed)

    def records(self, record_type: str | None = None) -> Iterator[dict[str, Any]]:
        """The views of `record_type` (every type when None), as `Replica.records` gives
        them; up to date when the iteration starts."""
        self.refresh()
        views = list(self._views.values())
        return (view for view in views if record_type is None or view["type"] == record_type)

    def record(self, record_id: str) -> dict[str, Any] | None:
        self.refresh()
        return self._views.get(record_id)

    def keep(self, path: Path, key: bytes) -> None:
        """Seal the views into `path` (durably), to be taken up at the next start."""
        with self.turn:
            document = {"cursor": self._follower.cursor, "views": self._views}
            plain = orjson.dumps(document)
        replace_durably(path, seal(key, plain, _KEPT_CONTEXT))

    def resume(self, path: Path, key: bytes) -> bool:
        """Take up what `keep` left; the next look opens only what changed since. False
        (nothing taken up) when there is no such file or another key sealed it."""
        try:
            document = orjson.loads(open_sealed(key, path.read_bytes(), _KEPT_CONTEXT))
        except (OSError, SealBroken, orjson.JSONDecodeError):
            return False
        with self.turn:
            self._views = document["views"]
            self._follower = ReplicaFollower(self.replica.store, int(document["cursor"]),
                                             set(self._views))
        return True
