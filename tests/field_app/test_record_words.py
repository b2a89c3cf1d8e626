"""What the 巡防 and 矛盾纠纷 screens say, without a window; where a patrol may be walked, who
may open a case from it, and the position a checkpoint gets."""

from __future__ import annotations

from dataclasses import replace

from field_app.screens.record_words import conflict_lines, party_names, walk_lines
from field_app.services.location import Locator
from field_app.services.patrol_log import grid_choices, may_open_cases
from field_app.services.recording import Recorder
from sync.catalogue import text


def names(worker_id: str) -> str:
    return {"w-wangfang": "王芳", "w-liming": "李明"}.get(worker_id, worker_id)


def test_a_conflict_shows_each_competing_value_and_who_wrote_it() -> None:
    record = {"type": "dispute", "conflicts": [{"field": "risk_colour", "versions": [
        {"value": "red", "author": {"id": "w-liming"}},
        {"value": "yellow", "author": {"id": "w-wangfang"}}]}]}

    assert conflict_lines(record, names) == [text(
        "app.case_screen.conflict_field", field="风险等级",
        values="“红”（李明） / “黄”（王芳）")]


def test_a_walk_lists_checkpoints_then_findings_and_marks_an_opened_case() -> None:
    values = {"checkpoints": [{"at": "2026-11-27T09:30:00+08:00", "place": "小区北门",
                               "note": "畅通", "colour": "green"}],
              "findings": [{"at": "2026-11-27T09:41:00+08:00", "text": "两户争吵",
                            "colour": "red", "dispute_id": "case-1"}]}

    assert walk_lines(values) == [
        text("app.patrol_screen.checkpoints", count=1), "09:30 小区北门：畅通 · 绿",
        text("app.patrol_screen.findings", count=1),
        "09:41 两户争吵" + text("app.patrol_screen.with_case") + " · 红"]
    assert walk_lines({}) == [text("app.patrol_screen.nothing_yet")]


def test_parties_typed_in_one_field_are_split_at_any_comma() -> None:
    assert party_names(" 刘志强，陈桂兰、王五, 赵六；") == ["刘志强", "陈桂兰", "王五", "赵六"]


def test_a_grid_worker_patrols_their_own_grid(recorder: Recorder) -> None:
    assert [g.grid_id for g in grid_choices(recorder)] == ["g-yzs-03"]


def test_a_patrol_member_chooses_among_the_rosters_grids(recorder: Recorder) -> None:
    member = replace(recorder, role="patrol_member", grid_id="c-yzs")

    assert [(g.grid_id, g.name) for g in grid_choices(member)] == [("g-yzs-03", "银座三网格")]
    assert not may_open_cases(member)
    assert may_open_cases(recorder)


def test_a_fix_is_used_while_it_is_fresh() -> None:
    now = [100.0]
    locator = Locator(max_age_s=60, clock=lambda: now[0])
    assert locator.fix() is None  # a desktop: no GPS, no position

    locator.observe(lat=36.65, lon=117.02, accuracy=8.0)
    assert locator.fix() == {"lat": 36.65, "lon": 117.02, "accuracy_m": 8.0}
    now[0] += 61
    assert locator.fix() is None


def test_a_desktop_has_no_gps_to_start() -> None:
    assert Locator().start() is False
