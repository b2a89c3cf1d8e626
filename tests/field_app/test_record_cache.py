"""The open tablet's record views: each record opened once, then only what changed."""

from __future__ import annotations

from pathlib import Path

from field_app.services.record_cache import RecordCache
from field_app.services.recording import Recorder
from field_app.services.visit_form import VisitForm
from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.writer import RecordWriter
from tests.field_app.recording_setup import GRID


def visit(recorder: Recorder, household_id: str = "hh-3-2-402", situation: str = "") -> str:
    form = VisitForm(recorder)
    form.choose_household(household_id)
    form.set_situation(situation)
    return form.save()


def views(source) -> list[dict]:
    return sorted(source.records("visit"), key=lambda view: view["id"])


class TestFollowingTheReplica:
    def test_it_shows_what_the_replica_shows(self, recorder: Recorder) -> None:
        visit(recorder)
        visit(recorder, "hh-3-2-502")
        assert views(RecordCache(recorder.replica)) == views(recorder.replica)

    def test_a_save_after_a_look_is_in_the_next_look(self, recorder: Recorder) -> None:
        cache = RecordCache(recorder.replica)
        first = visit(recorder)
        assert [v["id"] for v in views(cache)] == [first]
        with recorder.saving() as writer:
            writer.update(first, {"situation": "复访：灯已修好"})
        assert cache.record(first)["values"]["situation"] == "复访：灯已修好"

    def test_records_another_device_sent_are_in_the_next_look(
            self, recorder: Recorder) -> None:
        cache = RecordCache(recorder.replica)
        views(cache)
        colleague = RecordWriter(Replica(), "device-liming", DeviceKey.generate(),
                                 Author("w-liming", "mediator"))
        case_id = colleague.create("dispute", {
            "schema_version": 1, "grid_id": GRID, "category": "civil",
            "parties": [{"name": "刘志强", "role": "楼上住户"}],
            "description": "卫生间漏水", "risk_colour": "yellow", "status": "found",
            "escalation_level": "grid", "opened_at": "2026-11-24T09:10:00+08:00",
            "opened_by": "w-liming", "mediation_notes": []})
        recorder.replica.apply(colleague.replica.ops_since(0, 100)[0], relayed=True)
        assert cache.record(case_id)["values"]["description"] == "卫生间漏水"


class TestKeptBetweenStarts:
    def test_resumed_views_are_the_kept_ones_and_catch_up(
            self, recorder: Recorder, data_key: bytes, tmp_path: Path) -> None:
        visit(recorder)
        cache = RecordCache(recorder.replica)
        cache.refresh()
        cache.keep(tmp_path / "records.sealed", data_key)
        later = visit(recorder, "hh-3-2-502")

        resumed = RecordCache(recorder.replica)
        assert resumed.resume(tmp_path / "records.sealed", data_key)
        assert views(resumed) == views(recorder.replica)
        assert resumed.record(later) is not None

    def test_a_resumed_cache_opens_only_what_changed(
            self, recorder: Recorder, data_key: bytes, tmp_path: Path) -> None:
        visit(recorder)
        visit(recorder, "hh-3-2-502")
        cache = RecordCache(recorder.replica)
        cache.refresh()
        cache.keep(tmp_path / "records.sealed", data_key)
        visit(recorder, "hh-3-2-402")
        resumed = RecordCache(recorder.replica)
        resumed.resume(tmp_path / "records.sealed", data_key)
        assert resumed.refresh() == 1

    def test_the_kept_file_shows_nothing_in_plain(
            self, recorder: Recorder, data_key: bytes, tmp_path: Path) -> None:
        visit(recorder, situation="老人独居，反映声控灯坏了")
        cache = RecordCache(recorder.replica)
        cache.refresh()
        cache.keep(tmp_path / "records.sealed", data_key)
        raw = (tmp_path / "records.sealed").read_bytes()
        assert "声控灯".encode() not in raw
        assert b"hh-3-2-402" not in raw

    def test_another_key_does_not_resume_it(
            self, recorder: Recorder, data_key: bytes, tmp_path: Path) -> None:
        visit(recorder)
        cache = RecordCache(recorder.replica)
        cache.refresh()
        cache.keep(tmp_path / "records.sealed", data_key)
        assert not RecordCache(recorder.replica).resume(tmp_path / "records.sealed",
                                                        bytes(32))
