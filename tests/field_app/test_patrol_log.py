"""巡防日志 written step by step on a real sealed replica."""

from __future__ import annotations

import pytest

from field_app.services.case_opening import CaseDraft, PartyDraft
from field_app.services.patrol_log import PatrolLog, member_choices, team_choices
from field_app.services.recording import NotSaved, Recorder
from tests.field_app.recording_setup import WORKER


def test_teams_and_members_come_from_the_roster(recorder: Recorder) -> None:
    teams = team_choices(recorder)

    assert [(t.team_id, t.kind_label) for t in teams] == [
        ("t-yzs-zz", "综治巡防队"), ("t-yzs-zy", "志愿者巡逻队")]
    assert [m.name for m in member_choices(recorder, "t-yzs-zz")] == ["刘强", "孙丽"]


def test_a_patrol_starts_now_with_the_teams_kind_and_the_worker_among_members(
        recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", ["w-liuqiang"])

    values = patrol.view()["values"]
    assert values["team_kind"] == "public_security"
    assert values["members"] == [WORKER, "w-liuqiang"]
    assert values["started_at"] == "2026-11-27T09:30:00+08:00"
    assert not patrol.ended


def test_checkpoints_are_timed_and_positioned_automatically(recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])

    patrol.checkpoint("3号楼地下车库", "消防通道畅通", "green",
                      position={"lat": 36.65, "lon": 117.02})
    patrol.checkpoint("小区北门", "", "yellow")

    checkpoints = patrol.view()["values"]["checkpoints"]
    assert [c["place"] for c in checkpoints] == ["3号楼地下车库", "小区北门"]
    assert checkpoints[0]["at"] == "2026-11-27T09:30:00+08:00"
    assert checkpoints[0]["position"] == {"lat": 36.65, "lon": 117.02}
    assert "position" not in checkpoints[1]


def test_a_patrol_finding_opens_a_case_linked_to_the_patrol(recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])

    case_id = patrol.finding("两户因停车位争吵", "red",
                             CaseDraft("civil", "3号楼前两户因停车位争吵，情绪激动", "red",
                                       [PartyDraft("李建国"), PartyDraft("王淑芬")]))

    (finding,) = patrol.view()["values"]["findings"]
    assert finding["dispute_id"] == case_id
    case = recorder.replica.record(case_id)["values"]
    assert case["source"] == {"kind": "patrol", "id": patrol.patrol_id}
    assert case["risk_colour"] == "red" and case["status"] == "found"


def test_a_finding_whose_case_is_incomplete_writes_neither(recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])

    with pytest.raises(NotSaved) as refused:
        patrol.finding("有人争吵", "yellow", CaseDraft("", "争吵", "yellow",
                                                    [PartyDraft("李建国")]))

    assert "case.category" in refused.value.messages
    assert patrol.view()["values"].get("findings", []) == []
    assert list(recorder.replica.records("dispute")) == []


def test_a_finding_without_a_case_is_just_noted(recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])

    assert patrol.finding("路灯损坏", "yellow") is None
    (finding,) = patrol.view()["values"]["findings"]
    assert finding["text"] == "路灯损坏" and "dispute_id" not in finding


def test_an_unfinished_patrol_is_found_again_after_a_restart_and_ended(
        recorder: Recorder) -> None:
    started = PatrolLog.start(recorder, "t-yzs-zz", [])

    (again,) = PatrolLog.unfinished(recorder)
    again.end()

    assert again.patrol_id == started.patrol_id
    assert again.ended
    assert PatrolLog.unfinished(recorder) == []


def test_a_checkpoint_without_a_place_is_refused_in_chinese(recorder: Recorder) -> None:
    patrol = PatrolLog.start(recorder, "t-yzs-zz", [])

    with pytest.raises(NotSaved) as refused:
        patrol.checkpoint("  ")

    assert "不能为空" in refused.value.messages["place"]
