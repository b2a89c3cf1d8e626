"""What every form needs to save a record, and the one error a form shows when it cannot.

The forms (`visit_form`, `screening_form`, `case_desk`, `patrol_log`) do not take a whole
`Tablet`: they take a `Recorder`, the few parts a save touches (the writer, the `turn` every
save holds, who is recording in which grid, the roster, where sealed files go). A screen
makes one with `Recorder.for_tablet(tablet)`; a test builds one over a plain replica.

A save either writes or raises `NotSaved`, whose `messages` map a field path (as the schema
reports it: ``requests.0.due_date``; ``""`` for the form as a whole) to a Chinese sentence
from the catalogue. Nothing is written when `NotSaved` is raised. A tablet whose storage is
full refuses the save the same way (``app.disk_full``, on the form as a whole): the record is
not half-written, the draft is kept, and the save works again once there is room.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from field_app.services.sealed_store import storage_full
from sync.catalogue import text
from sync.deadlines import CHINA
from sync.replica import Replica
from sync.schemas import RecordInvalid
from sync.writer import EditRefused, RecordWriter

if TYPE_CHECKING:
    from field_app.services.tablet import Tablet


def beijing_now() -> datetime:
    """Now, in Beijing time (how the office and the schemas' examples write moments)."""
    return datetime.now(CHINA)


def iso_moment(moment: datetime) -> str:
    """A moment as records store it: seconds and a zone, ``2026-11-27T09:30:00+08:00``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(CHINA).replace(microsecond=0).isoformat()


class NotSaved(Exception):
    """A save that wrote nothing; `messages` say, per field, what to fix (Chinese)."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        self.messages = dict(messages)
        super().__init__("；".join(self.messages.values()))

    @classmethod
    def of(cls, field_path: str, key: str, **params: object) -> NotSaved:
        """One message from the catalogue, on one field ("" for the whole form)."""
        return cls({field_path: text(key, **params)})


def messages_of(error: RecordInvalid) -> dict[str, str]:
    """Field path -> Chinese message; the first problem of a field is the one shown."""
    found: dict[str, str] = {}
    for problem in error.problems:
        found.setdefault(problem.field, problem.message)
    return found


def refusal_message(error: EditRefused) -> str:
    """The Chinese sentence of a writer's refusal (``edit.<code>``)."""
    return text(f"edit.{error.code}", **_refusal_params(error))


def _refusal_params(error: EditRefused) -> dict[str, str]:
    was, _, to = error.detail.partition(" -> ")
    return {"was": was, "to": to} if to else {}


@dataclass
class Recorder:
    """The parts of the tablet a save needs.

    `grid_id` is the worker's grid (scope); `roster` the last pull's roster (empty lists
    before the first pull); `folder` the app's data folder, where sealed drafts and
    photos live; `data_key` the key that seals them (`Unlocked.data_key`).
    """

    writer: RecordWriter
    turn: threading.RLock
    worker_id: str
    role: str
    grid_id: str
    roster: Mapping[str, Any]
    folder: Path
    data_key: bytes = field(repr=False, default=b"")
    clock: Callable[[], datetime] = beijing_now

    @classmethod
    def for_tablet(cls, tablet: Tablet) -> Recorder:
        """The recorder of an unlocked tablet (profile read once, at the form's opening)."""
        profile = tablet.profile
        scope = profile.scope
        grid_id = scope.get("grid_id") or scope.get("community_id") or ""
        return cls(writer=tablet.writer, turn=tablet.turn, worker_id=profile.worker_id,
                   role=profile.role, grid_id=str(grid_id), roster=profile.roster or {},
                   folder=tablet.files.folder, data_key=tablet.data_key)

    @property
    def replica(self) -> Replica:
        return self.writer.replica

    def now(self) -> str:
        """Now as records store it (Beijing time, seconds)."""
        return iso_moment(self.clock())

    def roster_list(self, name: str) -> list[Mapping[str, Any]]:
        """One list of the roster (households, workers, patrol_teams, grids)."""
        return list(self.roster.get(name) or [])

    def worker_name(self, worker_id: str) -> str:
        """A worker's name from the roster; the id itself when unknown."""
        for worker in self.roster_list("workers"):
            if worker.get("id") == worker_id:
                return str(worker.get("name") or worker_id)
        return worker_id

    @contextmanager
    def saving(self) -> Iterator[RecordWriter]:
        """Hold the turn and turn the writer's refusals, and a full disk, into `NotSaved`."""
        with self.turn:
            try:
                yield self.writer
            except RecordInvalid as error:
                raise NotSaved(messages_of(error)) from None
            except EditRefused as error:
                raise NotSaved({"": refusal_message(error)}) from None
            except (sqlite3.Error, OSError) as error:
                if storage_full(error):
                    raise NotSaved.of("", "app.disk_full") from error
                raise
