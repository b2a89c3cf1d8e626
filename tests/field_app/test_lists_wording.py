"""What the 民情日记 and 记录 screens say (no window): list rows as plain dicts, a record's
values and its open conflicts, the due date a request's problem list offers."""

from __future__ import annotations

from datetime import date

from field_app.screens.lists_wording import (
    conflict_lines,
    detail_lines,
    list_item,
    request_line,
)
from field_app.services.request_due import default_due_date
from sync.catalogue import text

ROW = {"id": "r1", "type": "dispute", "type_label": "矛盾纠纷", "title": "民间纠纷 · 已发现",
       "subtitle": "漏水", "when": "2026-11-24 09:10", "sort_at": 0.0, "colour": "red",
       "status": "found", "conflict": True, "retracted": False}

CASE = {"id": "r1", "type": "dispute", "values": {"description": "402装修破坏防水层所致。",
                                                   "opened_by": "w-liming",
                                                   "opened_at": "2026-11-24T09:10:00+08:00"},
        "conflicts": [{"field": "description", "kind": "concurrent", "versions": [
            {"value": "402装修破坏防水层所致。", "hlc": [1795000000000, 0],
             "author": {"id": "w-liming", "role": "mediator"}},
            {"value": "402防水层老化。", "hlc": [1795000001000, 0],
             "author": {"id": "w-wangfang", "role": "grid_worker"}}]}]}

NAMES = {"w-liming": "李明", "w-wangfang": "王芳"}


def test_a_list_row_is_a_plain_dict_with_the_conflict_flag_and_its_colour():
    item = list_item(ROW)
    assert item["flag"] == text("app.lists.conflict_flag")
    assert item["stripe"] == (0.9, 0.25, 0.2, 1)
    assert all(isinstance(v, (str, tuple)) for v in item.values())


def test_a_row_without_a_conflict_has_no_flag():
    assert list_item({**ROW, "conflict": False})["flag"] == ""


def test_a_conflict_shows_each_competing_value_and_who_wrote_it():
    lines = conflict_lines(CASE, NAMES)
    assert lines[0] == text("app.record.conflicts")
    assert "402装修破坏防水层所致。" in lines[1] and "李明" in lines[1]
    assert "402防水层老化。" in lines[1] and "王芳" in lines[1]


def test_a_records_values_read_with_names_and_beijing_moments():
    lines = detail_lines(CASE, NAMES)
    assert any("李明" in line for line in lines)
    assert any("2026-11-24 09:10" in line for line in lines)


def test_a_request_line_names_its_class_list_and_date():
    line = request_line({"summary": "楼道灯不亮", "service_class": "living",
                         "problem_list": "fix_by_deadline", "due_date": "2026-12-04"})
    assert line == "楼道灯不亮 · 生活服务 · 限时整改 · 2026-12-04前"


def test_each_problem_list_offers_its_usual_due_date():
    today = date(2026, 11, 27)
    assert default_due_date("fix_now", today) == "2026-11-28"
    assert default_due_date("fix_by_deadline", today) == "2026-12-04"
    assert default_due_date("cannot_fix", today) == ""
