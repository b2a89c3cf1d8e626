"""Tablet faults, against a real server process and the field app's own services.

- The app is killed (SIGKILL, a real process) after saving and before syncing, while
  saving, or in the middle of a push: the next start sends everything, and the office
  ledger holds each record exactly once and still verifies.
- The tablet's storage is full: a save is refused with a Chinese sentence, nothing is
  half-written, nothing saved before is lost, and a sync that cannot store what it pulled
  says so; once there is room, everything carries on.
- A newer app (a higher `schema_version`, fields this version does not know) syncs beside
  old tablets: its records are kept verbatim, and old tablets keep, show and edit them
  without losing what they do not understand.

The full disk is SQLite's own SQLITE_FULL, made honestly and without privileges: the
tablet's replica connection may not grow by a page more (``PRAGMA max_page_count``).
"""

from __future__ import annotations

import errno
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from field_app.services.case_desk import CaseDesk
from field_app.services.draft_store import DraftStore
from field_app.services.recording import NotSaved, Recorder
from field_app.services.tablet import Tablet, TabletFiles
from field_app.services.vault import Vault
from field_app.services.visit_form import VisitForm
from server.extensions import db
from server.local import ROOT, LiveServer
from server.models import LedgerEntry
from sync.catalogue import text
from sync.operation import Operation
from tests.field_app.conftest import PIN, QUICK_RETRIES, set_up_tablet
from tests.server.conftest import flask_command
from tests.server.fleet import FieldTablet, dispute, enrol_tablet

LINE_TIMEOUT_S = 60.0
ROOM_TO_GROW = 1_073_741_823
"""SQLite's largest `max_page_count`: the disk has room again."""


# -- the app in a process of its own ---------------------------------------------------------


class AppProcess:
    """The field app's services running in a separate OS process
    (`tests/field_app/tablet_process.py`), read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.field_app.tablet_process", *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self) -> str:
        try:
            line = self._lines.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            self.kill()
            raise AssertionError("the app process said nothing in time") from None
        if line is None:
            self.process.wait(10)
            assert self.process.stderr is not None
            raise AssertionError(f"the app process ended: {self.process.stderr.read()}")
        return line

    def kill(self) -> None:
        """SIGKILL: no handler, no `finally`, no flush. The app is simply gone."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def outcome(self) -> dict[str, Any]:
        """The sync's outcome, the last line a ``sync`` run prints."""
        while not (line := self.next_line()).startswith("{"):
            pass
        self.process.wait(LINE_TIMEOUT_S)
        return json.loads(line)


@pytest.fixture
def start_app() -> Iterator[Callable[..., AppProcess]]:
    """Start the app in a process of its own; whatever still runs at the end is killed."""
    started: list[AppProcess] = []

    def start(*args: str) -> AppProcess:
        started.append(AppProcess(*args))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def sync_in_new_process(start_app: Callable[..., AppProcess], folder: Path) -> dict[str, Any]:
    """The app started again: unlock and sync, to the end."""
    return start_app("sync", str(folder), "500").outcome()


# -- the tablet and the office ledger --------------------------------------------------------


def enrolled_tablet(app: Flask, server: LiveServer, folder: Path, visits: int = 0
                    ) -> tuple[str, list[str]]:
    """A tablet enrolled for 王芳, synced once (it has its grid's roster), with `visits`
    visits saved through the visit form, then locked. Returns its device id and the
    visits' record ids."""
    tablet = set_up_tablet(app, server, folder)
    try:
        assert sync(tablet).succeeded
        recorder = Recorder.for_tablet(tablet)
        saved = [record_visit(recorder, number) for number in range(visits)]
        return tablet.profile.device_id, saved
    finally:
        tablet.close()


def record_visit(recorder: Recorder, number: int, drafts: DraftStore | None = None,
                 situation: str = "") -> str:
    form = VisitForm(recorder, drafts)
    households = form.households()
    form.choose_household(households[number % len(households)].household_id)
    form.set_situation(situation or f"第{number + 1}次走访，一切正常。")
    return form.save()


def sync(tablet: Tablet) -> Any:
    assert tablet.sync is not None
    assert tablet.sync.sync_now()
    return tablet.sync.wait(60)


def reopen(folder: Path) -> Tablet:
    files = TabletFiles(folder)
    return Tablet.open(files, Vault(files.vault).unlock(PIN), settings=QUICK_RETRIES)


def ledger_of(app: Flask, device_id: str) -> list[LedgerEntry]:
    """What the office ledger holds of one tablet, in its chain order."""
    with app.app_context():
        entries = db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.device_id == device_id)
            .order_by(LedgerEntry.device_seq)).all()
        db.session.expunge_all()
        db.session.remove()
    return list(entries)


def assert_each_record_once(app: Flask, device_id: str, saved: list[str]) -> None:
    entries = ledger_of(app, device_id)
    assert Counter(entry.record_id for entry in entries) == Counter(dict.fromkeys(saved, 1))
    assert len({entry.op_id for entry in entries}) == len(entries)
    assert [entry.device_seq for entry in entries] == list(range(1, len(saved) + 1))
    assert {entry.verdict for entry in entries} == {"accepted"}


def assert_ledger_verifies(server_env: dict[str, str]) -> None:
    checked = flask_command(server_env, "verify-ledger", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- (a) (b) the app killed ------------------------------------------------------------------


def test_visits_saved_before_the_app_was_killed_are_sent_by_the_next_start_once_each(
        app: Flask, field_server: LiveServer, server_env: dict[str, str], tmp_path: Path,
        start_app: Callable[..., AppProcess]) -> None:
    folder = tmp_path / "tablet"
    device_id, _ = enrolled_tablet(app, field_server, folder)
    killed = start_app("save", str(folder), "8")
    saved: list[str] = []
    while (line := killed.next_line()) != "all saved":
        saved.append(line.removeprefix("saved "))
    killed.kill()  # saved, not yet synced
    assert ledger_of(app, device_id) == []

    outcome = sync_in_new_process(start_app, folder)

    assert outcome == {"sent": 8, "waiting": 0, "problem": None}
    assert_each_record_once(app, device_id, saved)
    assert_ledger_verifies(server_env)


def test_a_push_cut_off_by_killing_the_app_is_finished_by_the_next_start_once_each(
        app: Flask, field_server: LiveServer, server_env: dict[str, str], tmp_path: Path,
        start_app: Callable[..., AppProcess]) -> None:
    folder = tmp_path / "tablet"
    device_id, saved = enrolled_tablet(app, field_server, folder, visits=60)
    pushing = start_app("sync", str(folder), "2")  # 30 pushes of 2 visits
    while pushing.next_line() != "push 5 10":  # five batches are in the ledger
        pass
    pushing.kill()  # the sixth is on its way
    landed = len(ledger_of(app, device_id))
    assert 10 <= landed < 60, landed

    outcome = sync_in_new_process(start_app, folder)

    assert (outcome["waiting"], outcome["problem"]) == (0, None)
    assert_each_record_once(app, device_id, saved)
    assert_ledger_verifies(server_env)


def test_an_app_killed_while_saving_leaves_each_visit_whole_or_absent_and_sends_them_once(
        app: Flask, field_server: LiveServer, server_env: dict[str, str], tmp_path: Path,
        start_app: Callable[..., AppProcess]) -> None:
    folder = tmp_path / "tablet"
    device_id, _ = enrolled_tablet(app, field_server, folder)
    saving = start_app("save", str(folder), "1000")
    said_saved = [saving.next_line().removeprefix("saved ") for _ in range(20)]
    saving.kill()  # in the middle of saving the next ones

    tablet = reopen(folder)
    try:
        on_tablet = [record["id"] for record in tablet.replica.records("visit")]
        assert tablet.writer.chain.seq == len(on_tablet)  # one operation per whole visit
        assert tablet.store.pending() == []
    finally:
        tablet.close()
    assert set(said_saved) <= set(on_tablet)  # nothing the screen called saved is lost

    outcome = sync_in_new_process(start_app, folder)

    assert (outcome["sent"], outcome["waiting"], outcome["problem"]) == (
        len(on_tablet), 0, None)
    assert_each_record_once(app, device_id, on_tablet)
    assert_ledger_verifies(server_env)


# -- (c) the disk full -----------------------------------------------------------------------


def fill_storage(tablet: Tablet) -> None:
    """The tablet's storage is full: its replica may not grow by a page more."""
    replica_db = tablet.store._db
    pages = replica_db.execute("PRAGMA page_count").fetchone()[0]
    replica_db.execute(f"PRAGMA max_page_count = {pages}")


def make_room(tablet: Tablet) -> None:
    tablet.store._db.execute(f"PRAGMA max_page_count = {ROOM_TO_GROW}")


CONCERN = "老人独居，腿脚不便，楼道灯不亮，希望社区帮忙联系物业维修。"
LONG_SITUATION = (CONCERN * 80)[:1990]
"""Nearly the longest situation a visit may have (2000 characters): several pages."""


def save_until_refused(recorder: Recorder, drafts: DraftStore) -> tuple[list[str], NotSaved]:
    """Record visits on a full tablet until one is refused (the free pages run out)."""
    saved: list[str] = []
    for number in range(100):
        try:
            saved.append(record_visit(recorder, number, drafts, LONG_SITUATION))
        except NotSaved as refused:
            return saved, refused
    raise AssertionError("a full tablet kept saving")


def filled_while_saving(tablet: Tablet, fill: Callable[[], object]
                        ) -> tuple[Recorder, DraftStore, list[str], NotSaved]:
    """Three visits saved on a newly set-up tablet after its first sync, then its storage
    filled (`fill`) and visits saved until one is refused. Returns the recorder, the
    drafts, every visit saved, and the refusal."""
    assert sync(tablet).succeeded
    recorder = Recorder.for_tablet(tablet)
    drafts = DraftStore(tablet.files.folder, tablet.data_key)
    saved = [record_visit(recorder, number, drafts) for number in range(3)]
    fill()
    more, refused = save_until_refused(recorder, drafts)
    return recorder, drafts, saved + more, refused


@pytest.fixture
def full_tablet(app: Flask, field_server: LiveServer, tmp_path: Path
                ) -> tuple[str, list[str], NotSaved]:
    """A synced tablet with three visits, whose storage filled while a fourth was saved.
    Returns the tablet's folder, every visit saved, and the refusal."""
    folder = tmp_path / "tablet"
    tablet = set_up_tablet(app, field_server, folder)
    try:
        _, _, saved, refused = filled_while_saving(tablet, lambda: fill_storage(tablet))
        return str(folder), saved, refused
    finally:
        tablet.close()


def test_a_save_on_a_full_tablet_is_refused_with_a_chinese_sentence(
        full_tablet: tuple[str, list[str], NotSaved]) -> None:
    _, _, refused = full_tablet
    assert refused.messages == {"": text("app.disk_full")}
    assert "存储空间已满" in str(refused)


def test_a_refused_save_leaves_no_part_of_the_record_and_keeps_the_draft(
        full_tablet: tuple[str, list[str], NotSaved]) -> None:
    folder, saved, _ = full_tablet
    tablet = reopen(Path(folder))
    try:
        assert tablet.store._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert sorted(record["id"] for record in tablet.replica.records("visit")) == sorted(
            saved)
        assert tablet.writer.chain.seq == len(saved)  # no operation of the refused visit
        assert tablet.store.pending() == []
        draft = VisitForm.resume(Recorder.for_tablet(tablet),
                                 DraftStore(Path(folder), tablet.data_key))
        assert draft is not None and draft.values["situation"] == LONG_SITUATION
    finally:
        tablet.close()


def test_with_room_again_the_refused_visit_saves_and_everything_syncs_once(
        app: Flask, field_server: LiveServer, tmp_path: Path) -> None:
    tablet = set_up_tablet(app, field_server, tmp_path / "tablet")
    try:
        recorder, drafts, saved, _ = filled_while_saving(tablet, lambda: fill_storage(tablet))
        make_room(tablet)  # the worker deleted old photos; the app was not restarted
        draft = VisitForm.resume(recorder, drafts)
        assert draft is not None
        saved.append(draft.save())
        outcome = sync(tablet)
        assert (outcome.succeeded, outcome.sent, outcome.waiting) == (True, len(saved), 0)
        assert_each_record_once(app, tablet.profile.device_id, saved)
    finally:
        tablet.close()


def test_a_pull_a_full_tablet_cannot_store_is_said_and_the_next_sync_brings_it(
        app: Flask, field_server: LiveServer, tmp_path: Path) -> None:
    tablet = set_up_tablet(app, field_server, tmp_path / "tablet")
    try:
        assert sync(tablet).succeeded
        mediator = enrol_tablet(app, field_server.url, "w-liming")
        long_case = dispute(description=(CONCERN * 150)[:4000])  # twice the refused visit
        case_id = mediator.writer.create("dispute", long_case)
        mediator.push()
        recorder = Recorder.for_tablet(tablet)
        drafts = DraftStore(tablet.files.folder, tablet.data_key)
        fill_storage(tablet)
        save_until_refused(recorder, drafts)

        outcome = sync(tablet)
        assert outcome.problem is not None
        assert (outcome.problem.code, outcome.problem.message) == (
            "disk_full", text("app.sync.disk_full"))
        assert tablet.replica.record(case_id) is None

        make_room(tablet)
        assert sync(tablet).succeeded
        assert tablet.replica.record(case_id) is not None
    finally:
        tablet.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem of 8 MB (tmpfs; CI runs as root, as `.ci/run` does its apt-get):
    the tablet's storage as it fills for real, every file of the app on it."""
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                   check=True, capture_output=True)
    yield folder
    subprocess.run(["umount", "--lazy", str(folder)], check=False)


PHOTOS = "photos.bin"


def fill_disk(folder: Path) -> None:
    """Photos and downloads (`PHOTOS`) take the rest of the disk, to the last byte."""
    with (folder / PHOTOS).open("wb", buffering=0) as file:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    file.write(b"\0" * size)
            except OSError as full:
                assert full.errno == errno.ENOSPC


def test_on_a_disk_that_really_fills_the_form_refuses_the_save_and_loses_nothing(
        app: Flask, field_server: LiveServer, small_disk: Path) -> None:
    tablet = set_up_tablet(app, field_server, small_disk / "tablet")
    try:
        recorder, drafts, saved, refused = filled_while_saving(  # no room for the draft either
            tablet, lambda: fill_disk(small_disk))
        assert refused.messages == {"": text("app.disk_full")}
        outcome = sync(tablet)  # the sync's marks cannot be written either
        assert outcome.problem is not None and outcome.problem.code == "disk_full"

        (small_disk / PHOTOS).unlink()  # the worker deleted old photos
        saved.append(record_visit(recorder, 99, drafts))
        outcome = sync(tablet)
        assert outcome.succeeded and outcome.waiting == 0
        assert_each_record_once(app, tablet.profile.device_id, saved)
    finally:
        tablet.close()


# -- (d) a newer app beside old tablets ------------------------------------------------------

NEWER_SCHEMA = 2
NEWER_CASE_FIELDS: dict[str, Any] = {
    "agreement_number": "燕调字〔2026〕第17号",  # a field this version does not know
    "parties": [{"name": "刘志强", "role": "楼上住户", "id_checked": True},
                {"name": "陈桂兰", "role": "楼下住户", "id_checked": False}],
}


def newer_app_tablet(app: Flask, server: LiveServer) -> FieldTablet:
    """李明 (mediator) on a newer release of the app: it writes schema version 2."""
    mediator = enrol_tablet(app, server.url, "w-liming")
    mediator.writer.schema_version = NEWER_SCHEMA
    return mediator


def newer_case(mediator: FieldTablet) -> str:
    """A case written by the newer app, with a field and an entry field the old app lacks."""
    data = {key: value for key, value in dispute(**NEWER_CASE_FIELDS).items()
            if key != "schema_version"}
    case_id = mediator.writer.create("dispute", data)
    report = mediator.push()
    assert report.quarantined == []
    return case_id


def assert_newer_fields_kept(view: dict[str, Any]) -> None:
    assert view["schema_version"] == NEWER_SCHEMA
    values = view["values"]
    assert values["agreement_number"] == NEWER_CASE_FIELDS["agreement_number"]
    assert values["parties"] == NEWER_CASE_FIELDS["parties"]


def test_a_newer_apps_record_is_accepted_and_kept_verbatim_in_the_ledger(
        app: Flask, field_server: LiveServer) -> None:
    mediator = newer_app_tablet(app, field_server)
    case_id = newer_case(mediator)

    (entry,) = ledger_of(app, mediator.writer.device_id)
    (create,) = mediator.replica.store.ops_for_record(case_id)
    assert (entry.record_id, entry.verdict, entry.op_id) == (case_id, "accepted", create.id)
    assert entry.body == create.body  # the very bytes the newer app signed
    assert Operation.from_body(entry.body).schema_version == NEWER_SCHEMA


def test_an_old_tablet_pulling_a_newer_record_keeps_and_shows_what_it_does_not_know(
        app: Flask, field_server: LiveServer, tablet: Tablet) -> None:
    assert sync(tablet).succeeded
    case_id = newer_case(newer_app_tablet(app, field_server))

    outcome = sync(tablet)

    assert outcome.succeeded and outcome.received >= 1
    view = tablet.replica.record(case_id)
    assert view is not None
    assert_newer_fields_kept(view)
    desk = CaseDesk(Recorder.for_tablet(tablet), case_id)
    assert desk.summary().description == dispute()["description"]
    assert desk.history_lines()
    tablet.keep_lists()  # the 记录 lists are built over it without a fault


def test_a_new_old_tablet_starting_from_the_snapshot_gets_the_newer_fields(
        app: Flask, field_server: LiveServer, tmp_path: Path) -> None:
    case_id = newer_case(newer_app_tablet(app, field_server))
    tablet = set_up_tablet(app, field_server, tmp_path / "new-tablet")
    try:
        assert sync(tablet).succeeded  # its first pull starts from the server's snapshot
        view = tablet.replica.record(case_id)
        assert view is not None
        assert_newer_fields_kept(view)
    finally:
        tablet.close()


def test_an_old_tablets_edit_of_a_newer_record_keeps_the_newer_fields(
        app: Flask, field_server: LiveServer, tablet: Tablet) -> None:
    mediator = newer_app_tablet(app, field_server)
    case_id = newer_case(mediator)
    assert sync(tablet).succeeded
    desk = CaseDesk(Recorder.for_tablet(tablet), case_id)
    desk.move_status("mediating")
    desk.add_note("已约双方周五到社区调解室面谈。")

    outcome = sync(tablet)
    assert (outcome.succeeded, outcome.quarantined, outcome.waiting) == (True, [], 0)
    mediator.pull()

    for view in (tablet.replica.record(case_id), mediator.replica.record(case_id)):
        assert view is not None
        assert_newer_fields_kept(view)
        assert view["values"]["status"] == "mediating"
        assert [note["text"] for note in view["values"]["mediation_notes"]] == [
            "已约双方周五到社区调解室面谈。"]
        assert view["conflicts"] == []
    old_edits = [op for op in tablet.replica.store.ops_for_record(case_id)
                 if op.device_id == tablet.profile.device_id]
    assert {op.schema_version for op in old_edits} == {1}
    assert all("agreement_number" not in op.changes for op in old_edits)
