"""Lists and search over past records, read from a real sealed replica."""

from __future__ import annotations

from datetime import datetime

from field_app.services.case_desk import CaseDesk
from field_app.services.case_opening import PartyDraft
from field_app.services.patrol_log import PatrolLog
from field_app.services.record_lists import RecordLists
from field_app.services.recording import Recorder
from field_app.services.screening_form import ScreeningForm
from field_app.services.visit_form import VisitForm
from sync.deadlines import CHINA
from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.writer import RecordWriter
from tests.field_app.recording_setup import ROSTER


def visit(recorder: Recorder, household_id: str, situation: str = "", day: int = 27) -> str:
    form = VisitForm(recorder)
    form.choose_household(household_id)
    form.set_situation(situation)
    form.set_visited_at(datetime(2026, 11, day, 10, 0, tzinfo=CHINA))
    return form.save()


def ids(rows: list[dict]) -> list[str]:
    return [row["id"] for row in rows]


def test_visits_are_listed_newest_first(recorder: Recorder) -> None:
    older = visit(recorder, "hh-3-2-402", day=20)
    newer = visit(recorder, "hh-3-2-502", day=26)

    rows = RecordLists(recorder.replica, ROSTER).rows("visit")

    assert ids(rows) == [newer, older]


def test_search_finds_a_visit_by_the_households_name(recorder: Recorder) -> None:
    visit(recorder, "hh-3-2-402")
    wanted = visit(recorder, "hh-3-2-502")

    rows = RecordLists(recorder.replica, ROSTER).rows("visit", "李建国")

    assert ids(rows) == [wanted]
    assert rows[0]["title"] == "3号楼2单元502 李建国"


def test_search_finds_a_visit_by_words_of_its_situation(recorder: Recorder) -> None:
    wanted = visit(recorder, "hh-3-2-402", "反映楼道声控灯不亮")
    visit(recorder, "hh-3-2-502", "家中一切正常")

    assert ids(RecordLists(recorder.replica, ROSTER).rows("visit", "声控灯")) == [wanted]


def test_cases_screenings_and_patrols_are_listed_and_searchable(recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼"])
    form.add_case("civil", "502漏水到402", "yellow", [PartyDraft("张秀英")])
    screening_id = form.save()
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])
    patrol.checkpoint("小区北门", "有陌生人徘徊", "yellow")
    lists = RecordLists(recorder.replica, ROSTER)

    (case_row,) = lists.rows("dispute", "张秀英")
    assert case_row["title"] == "人民调解范围内 · 已发现"
    assert ids(lists.rows("screening")) == [screening_id]
    (patrol_row,) = lists.rows("patrol", "北门")
    assert patrol_row["title"] == "银座综治巡防队（综治巡防队）"
    assert patrol_row["colour"] == "yellow"


def test_the_index_follows_records_saved_after_it_was_built(recorder: Recorder) -> None:
    lists = RecordLists(recorder.replica, ROSTER)
    assert lists.rows("visit") == []

    record_id = visit(recorder, "hh-3-2-402", "新的一条")

    assert ids(lists.rows("visit", "新的一条")) == [record_id]


def test_an_edit_after_the_index_was_built_is_seen(recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼"])
    form.add_case("civil", "漏水", "yellow", [PartyDraft("张秀英")])
    form.save()
    lists = RecordLists(recorder.replica, ROSTER)
    (row,) = lists.rows("dispute")

    CaseDesk(recorder, row["id"]).move_status("mediating")

    assert lists.rows("dispute")[0]["title"] == "人民调解范围内 · 调解中"


def test_pages_give_the_rows_and_the_total(recorder: Recorder) -> None:
    made = [visit(recorder, "hh-3-2-402", day=day) for day in range(1, 6)]
    lists = RecordLists(recorder.replica, ROSTER)

    page = lists.page("visit", offset=2, limit=2)

    assert page.total == 5 and page.has_more
    assert ids(page.rows) == [made[2], made[1]]


def test_a_record_with_an_open_conflict_is_flagged(recorder: Recorder) -> None:
    record_id = visit(recorder, "hh-3-2-402", "原来的情况")
    office_replica = Replica()
    office_replica.apply(recorder.replica.ops_since(0)[0])
    office = RecordWriter(office_replica, "device-office", DeviceKey.generate(),
                          Author("w-office", "community_staff"))
    office.update(record_id, {"situation": "社区核实后的情况"})
    with recorder.saving() as writer:
        writer.update(record_id, {"situation": "网格员补充的情况"})
    recorder.replica.apply(office_replica.ops_since(0)[0])
    other = visit(recorder, "hh-3-2-502")

    rows = RecordLists(recorder.replica, ROSTER).rows("visit")

    flags = {row["id"]: row["conflict"] for row in rows}
    assert flags == {record_id: True, other: False}


def test_retracted_records_are_left_out_unless_asked_for(recorder: Recorder) -> None:
    record_id = visit(recorder, "hh-3-2-402")
    with recorder.saving() as writer:
        writer.retract(record_id, "记错了住户")
    lists = RecordLists(recorder.replica, ROSTER)

    assert lists.rows("visit") == []
    assert lists.rows("visit", include_retracted=True)[0]["retracted"] is True


class TestTheKeptIndex:
    """The index sealed at lock time and taken up at the next start."""

    def test_a_resumed_index_lists_what_was_kept_and_what_came_after(
            self, recorder: Recorder, data_key: bytes, tmp_path) -> None:
        kept = visit(recorder, "hh-3-2-402", day=20)
        lists = RecordLists(recorder.replica, ROSTER)
        lists.refresh()
        lists.keep(tmp_path / "lists.sealed", data_key)
        later = visit(recorder, "hh-3-2-502", day=26)

        resumed = RecordLists(recorder.replica, ROSTER)
        assert resumed.resume(tmp_path / "lists.sealed", data_key)
        assert ids(resumed.rows("visit")) == [later, kept]

    def test_the_kept_file_shows_no_household_or_situation_in_plain(
            self, recorder: Recorder, data_key: bytes, tmp_path) -> None:
        visit(recorder, "hh-3-2-402", situation="反映楼道声控灯坏了")
        lists = RecordLists(recorder.replica, ROSTER)
        lists.refresh()
        lists.keep(tmp_path / "lists.sealed", data_key)
        raw = (tmp_path / "lists.sealed").read_bytes()
        assert "声控灯".encode() not in raw
        assert "楼道".encode() not in raw

    def test_another_key_does_not_resume_it(self, recorder: Recorder, data_key: bytes,
                                            tmp_path) -> None:
        visit(recorder, "hh-3-2-402")
        lists = RecordLists(recorder.replica, ROSTER)
        lists.refresh()
        lists.keep(tmp_path / "lists.sealed", data_key)
        assert not RecordLists(recorder.replica, ROSTER).resume(tmp_path / "lists.sealed",
                                                                bytes(32))

    def test_a_new_roster_builds_the_index_again(self, recorder: Recorder, data_key: bytes,
                                                 tmp_path) -> None:
        visit(recorder, "hh-3-2-402")
        lists = RecordLists(recorder.replica, ROSTER)
        lists.refresh()
        lists.keep(tmp_path / "lists.sealed", data_key)
        newer_roster = {**ROSTER, "version": ROSTER["version"] + 1}
        assert not RecordLists(recorder.replica, newer_roster).resume(
            tmp_path / "lists.sealed", data_key)

    def test_without_a_kept_file_the_first_refresh_builds_it(
            self, recorder: Recorder, data_key: bytes, tmp_path) -> None:
        record_id = visit(recorder, "hh-3-2-402")
        lists = RecordLists(recorder.replica, ROSTER)
        assert not lists.resume(tmp_path / "missing.sealed", data_key)
        assert ids(lists.rows("visit")) == [record_id]
