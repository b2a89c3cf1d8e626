"""A dispute case on the tablet: notes, moves each role may make, history in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.services.case_desk import CaseDesk
from field_app.services.case_opening import CaseDraft, PartyDraft, case_record
from field_app.services.recording import NotSaved, Recorder
from field_app.services.sealed_store import SealedStore
from tests.field_app.recording_setup import GRID, WORKER, recorder_for


def open_case(recorder: Recorder) -> str:
    draft = CaseDraft("civil", "502漏水到402", "yellow", [PartyDraft("张秀英", "402业主")])
    data = case_record(draft, grid_id=GRID, opened_by=WORKER, opened_at=recorder.now(),
                       source_kind="visit", source_id="v-1")
    with recorder.saving() as writer:
        return writer.create("dispute", data)


def office(tmp_path: Path, store: SealedStore, data_key: bytes, worker: Recorder,
           role: str = "community_staff") -> Recorder:
    """Someone else signed in over the same replica (as after a sync)."""
    return recorder_for(tmp_path, store, data_key, role=role, worker_id="w-office",
                        device="device-office", replica=worker.replica)


def kinds(desk: CaseDesk) -> list[tuple[str, str]]:
    return [(a.kind, a.value) for a in desk.allowed_actions()]


def test_a_grid_worker_may_note_move_forward_and_call_up_the_community(
        recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))

    assert kinds(desk) == [("note", ""), ("status", "mediating"), ("status", "resolved"),
                           ("status", "referred"), ("escalate", "community")]


def test_a_grid_worker_cannot_close_a_case(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))
    desk.move_status("resolved")

    assert ("status", "closed") not in kinds(desk)
    with pytest.raises(NotSaved) as refused:
        desk.move_status("closed")
    assert "网格员" in refused.value.messages["status"]
    assert desk.summary().status == "resolved"


def test_a_grid_worker_cannot_move_a_case_back(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))
    desk.move_status("resolved")

    with pytest.raises(NotSaved):
        desk.move_status("mediating")
    with pytest.raises(NotSaved):
        desk.reopen("当事人反悔")

    assert desk.summary().status == "resolved"
    assert len(recorder.replica.history(desk.case_id, "status")) == 2


def test_a_grid_worker_cannot_raise_a_case_past_the_community(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))
    desk.escalate("community")

    assert not any(kind == "escalate" for kind, _ in kinds(desk))
    with pytest.raises(NotSaved):
        desk.escalate("street")
    assert desk.summary().escalation_level == "community"


def test_community_staff_may_close_reopen_and_lower(recorder: Recorder, tmp_path: Path,
                                                    store: SealedStore,
                                                    data_key: bytes) -> None:
    case_id = open_case(recorder)
    CaseDesk(recorder, case_id).escalate("community")
    CaseDesk(recorder, case_id).move_status("resolved")
    desk = CaseDesk(office(tmp_path, store, data_key, recorder), case_id)

    assert kinds(desk) == [("note", ""), ("status", "closed"), ("escalate", "street"),
                           ("reopen", "mediating"), ("lower", "grid")]
    desk.lower("grid", "小事不出网格，退回网格调解")
    assert desk.summary().escalation_level == "grid"


def test_an_override_without_a_reason_is_refused_in_chinese(recorder: Recorder,
                                                             tmp_path: Path,
                                                             store: SealedStore,
                                                             data_key: bytes) -> None:
    case_id = open_case(recorder)
    CaseDesk(recorder, case_id).move_status("resolved")
    desk = CaseDesk(office(tmp_path, store, data_key, recorder), case_id)

    with pytest.raises(NotSaved) as refused:
        desk.reopen("  ")

    assert refused.value.messages == {"reason": "请填写原因"}


def test_a_patrol_member_may_only_add_notes(recorder: Recorder, tmp_path: Path,
                                            store: SealedStore, data_key: bytes) -> None:
    case_id = open_case(recorder)
    patrol = recorder_for(tmp_path, store, data_key, role="patrol_member",
                          worker_id="w-liuqiang", device="device-liu",
                          replica=recorder.replica)

    assert kinds(CaseDesk(patrol, case_id)) == [("note", ""), ("escalate", "community")]


def test_a_mediation_note_is_kept_with_its_step_and_author(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))

    desk.add_note("上门听取双方意见，约定周六请物业查漏点", step="listen")

    (note,) = desk.summary().notes
    assert note.by == "王芳" and note.step == "耐心听"
    assert note.text.startswith("上门听取")


def test_an_empty_note_is_refused_in_chinese(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))

    with pytest.raises(NotSaved) as refused:
        desk.add_note("   ")

    assert "不能为空" in refused.value.messages["text"]
    assert desk.summary().notes == []


def test_the_history_reads_as_chinese_lines_oldest_first(recorder: Recorder) -> None:
    desk = CaseDesk(recorder, open_case(recorder))
    desk.add_note("已约双方面谈")
    desk.move_status("mediating")
    desk.escalate("community")

    lines = desk.history_lines()

    assert len(lines) == 4
    assert "王芳：登记案件（已发现，网格）" in lines[0]
    assert lines[1].endswith("添加调解记录：已约双方面谈")
    assert "“调解中”" in lines[2]
    assert "“社区”" in lines[3]


def test_a_case_not_on_the_tablet_says_so_in_chinese(recorder: Recorder) -> None:
    with pytest.raises(NotSaved) as refused:
        CaseDesk(recorder, "no-such-case").summary()

    assert refused.value.messages[""] == "本机没有这条记录，请先同步"
