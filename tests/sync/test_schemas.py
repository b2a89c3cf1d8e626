"""Specifications of the record schemas, their error codes and their Chinese messages."""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import catalogue
from sync.catalogue import text
from sync.schemas import (
    CHILD_COLLECTIONS,
    RECORD_TYPES,
    SCHEMA_VERSION,
    Problem,
    RecordInvalid,
    field_label,
    validate_changes,
    validate_child,
    validate_record,
    value_label,
)
from sync.schemas.fields import List, Object
from sync.schemas.visit import Visit
from sync.vocabulary import VOCABULARIES, EscalationLevel, RiskColour
from tests.sync.examples import (
    EXAMPLES,
    dispute_example,
    patrol_example,
    screening_example,
    visit_example,
)


def problems(record_type: str, data: dict) -> list[Problem]:
    with pytest.raises(RecordInvalid) as caught:
        validate_record(record_type, data)
    return list(caught.value.problems)


def only_problem(record_type: str, data: dict) -> Problem:
    [problem] = problems(record_type, data)
    return problem


# --- valid records ---------------------------------------------------------------------


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_a_valid_record_is_returned_unchanged(record_type):
    record = EXAMPLES[record_type]()
    before = copy.deepcopy(record)

    assert validate_record(record_type, record) is record
    assert record == before


def test_dates_and_numbers_stay_as_written():
    visit = visit_example()
    visit["position"] = {"lat": 36, "lon": 117.0201}

    validated = validate_record("visit", visit)

    assert validated["visited_at"] == "2026-11-26T09:30:00+08:00"
    assert validated["requests"][1]["due_date"] == "2026-12-03"
    assert type(validated["position"]["lat"]) is int


def test_the_current_schema_version_is_1():
    assert SCHEMA_VERSION == 1


def test_a_record_from_a_newer_schema_version_is_accepted():
    visit = visit_example()
    visit["schema_version"] = SCHEMA_VERSION + 1

    assert validate_record("visit", visit) == visit


# --- unknown fields from newer app versions ----------------------------------------------


def test_unknown_top_level_fields_are_kept():
    dispute = dispute_example()
    dispute["hotline_ticket"] = {"number": "12345-2026-0042", "channel": "12345热线"}

    assert validate_record("dispute", dispute)["hotline_ticket"]["number"] == "12345-2026-0042"


def test_unknown_fields_inside_a_child_entry_are_kept():
    patrol = patrol_example()
    patrol["findings"][0]["photo_ids"] = ["att-07"]

    assert validate_record("patrol", patrol)["findings"][0]["photo_ids"] == ["att-07"]


def test_unknown_fields_inside_a_nested_object_are_kept():
    visit = visit_example()
    visit["position"]["altitude_m"] = 48.5

    assert validate_record("visit", visit)["position"]["altitude_m"] == 48.5


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(extra=st.dictionaries(st.text(min_size=1).map(lambda key: "x_" + key), json_values))
def test_any_unknown_json_values_survive_validation(extra):
    screening = {**screening_example(), **extra}

    assert validate_record("screening", screening) == {**screening_example(), **extra}


# --- types and presence ------------------------------------------------------------------


def test_a_missing_required_field_is_reported_as_required():
    dispute = dispute_example()
    del dispute["risk_colour"]

    assert only_problem("dispute", dispute) == Problem(
        "risk_colour", "required", "风险等级为必填项"
    )


def test_null_in_a_required_field_is_reported_as_null():
    dispute = dispute_example()
    dispute["opened_by"] = None

    assert only_problem("dispute", dispute).code == "null"


def test_a_number_written_as_a_string_is_an_invalid_type():
    visit = visit_example()
    visit["schema_version"] = "1"

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("schema_version", "invalid_type")
    assert problem.message == "数据版本格式不正确，应为整数"


def test_a_boolean_is_not_accepted_as_a_number():
    visit = visit_example()
    visit["attachments"][0]["size"] = True

    assert only_problem("visit", visit).code == "invalid_type"


def test_schema_version_below_1_is_rejected():
    patrol = patrol_example()
    patrol["schema_version"] = 0

    assert only_problem("patrol", patrol).code == "invalid_schema_version"


def test_a_record_that_is_not_an_object_is_an_invalid_type():
    problem = only_problem("patrol", ["not", "a", "record"])

    assert (problem.field, problem.code) == ("", "invalid_type")
    assert problem.message.startswith("巡防日志")


def test_a_blank_required_text_is_rejected():
    patrol = patrol_example()
    patrol["checkpoints"][1]["place"] = "  "

    problem = only_problem("patrol", patrol)

    assert (problem.field, problem.code) == ("checkpoints.1.place", "blank")
    assert problem.message == "巡查点第2项的地点不能为空"


def test_every_problem_is_reported_at_once():
    dispute = dispute_example()
    dispute["status"] = "lost"
    dispute["opened_at"] = "yesterday"

    assert [p.field for p in problems("dispute", dispute)] == ["status", "opened_at"]


# --- choices -----------------------------------------------------------------------------


def test_a_bad_choice_lists_the_chinese_options():
    dispute = dispute_example()
    dispute["risk_colour"] = "orange"

    assert only_problem("dispute", dispute) == Problem(
        "risk_colour", "invalid_choice", "风险等级必须是以下之一：绿、黄、红"
    )


def test_a_chinese_label_is_not_accepted_in_place_of_a_code():
    visit = visit_example()
    visit["visit_kind"] = "日常走访"

    assert only_problem("visit", visit).code == "invalid_choice"


def test_a_mediation_step_must_be_one_of_the_five_hearts():
    dispute = dispute_example()
    dispute["mediation_notes"][0]["step"] = "threaten"

    problem = only_problem("dispute", dispute)

    assert problem.field == "mediation_notes.0.step"
    assert problem.message.endswith("热心问、耐心听、细心查、诚心劝、贴心想")


# --- dates and times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-26T09:30:00",  # no time zone
        "2026-11-26 09:30:00+08:00",  # space instead of T
        "2026-11-26T09:30+08:00",  # no seconds
        "2026-02-30T09:30:00+08:00",  # no such day
        "2026/11/26T09:30:00+08:00",
        "",
    ],
)
def test_a_datetime_needs_seconds_and_a_time_zone(value):
    visit = visit_example()
    visit["visited_at"] = value

    assert only_problem("visit", visit).code == "invalid_datetime"


@pytest.mark.parametrize(
    "value", ["2026-11-26T09:30:00Z", "2026-11-26T09:30:00.250+08:00", "2026-11-26T01:30:00-05:00"]
)
def test_a_datetime_may_be_utc_or_any_offset_with_fractions(value):
    visit = visit_example()
    visit["visited_at"] = value

    assert validate_record("visit", visit) == visit


@pytest.mark.parametrize("value", ["2026-12-3", "2026-13-01", "2026-12-03T00:00:00+08:00"])
def test_a_date_must_be_a_real_calendar_date(value):
    visit = visit_example()
    visit["requests"][1]["due_date"] = value

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("requests.1.due_date", "invalid_date")


# --- 民情日记 -------------------------------------------------------------------------------


def test_a_request_to_fix_by_deadline_needs_a_due_date():
    visit = visit_example()
    del visit["requests"][1]["due_date"]

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("requests.1.due_date", "due_date_required")
    assert "限时整改" in problem.message
    assert "群众诉求第2项的整改期限" in problem.message


def test_a_request_that_cannot_be_fixed_needs_the_explanation_given():
    visit = visit_example()
    visit["requests"][2]["explanation"] = ""

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("requests.2.explanation", "explanation_required")
    assert "无法整改" in problem.message


def test_a_request_fixed_at_once_needs_neither_due_date_nor_explanation():
    visit = visit_example()

    assert "due_date" not in visit["requests"][0]
    assert validate_record("visit", visit) == visit


def test_a_visit_written_before_365_progress_existed_is_valid():
    visit = visit_example()
    visit.pop("request_progress", None)

    assert validate_record("visit", visit) == visit


def test_a_rating_step_needs_the_residents_rating():
    step = {"id": "p1", "request_id": "r1", "step": "rated",
            "at": "2026-11-20T10:00:00+08:00", "by": "w-wangfang"}

    with pytest.raises(RecordInvalid) as raised:
        validate_child("visit", "request_progress", step)

    assert [p.code for p in raised.value.problems] == ["rating_required"]


def test_a_handled_step_needs_no_rating():
    step = {"id": "p1", "request_id": "r1", "step": "handled",
            "at": "2026-11-20T10:00:00+08:00", "by": "w-wangfang"}

    assert validate_child("visit", "request_progress", step) == step


def test_a_visit_must_name_an_existing_or_a_new_household():
    visit = visit_example()
    del visit["household_id"]

    assert only_problem("visit", visit) == Problem(
        "household_id", "household_required", "请填写住户编号或新建住户信息"
    )


def test_a_visit_may_register_a_new_household_instead():
    visit = visit_example()
    del visit["household_id"]
    visit["new_household"] = {
        "building": "3号楼",
        "unit": "2单元",
        "room": "502",
        "name": "刘志强",
        "phone": "13905319876",
        "id_number": "37010219850715231X",
    }

    assert validate_record("visit", visit) == visit


def test_an_id_number_with_a_wrong_check_digit_is_rejected():
    visit = visit_example()
    visit["new_household"] = {"name": "刘志强", "id_number": "370102198507152310"}

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("new_household.id_number", "invalid_id_number")
    assert problem.message.startswith("身份证号码")


@pytest.mark.parametrize(
    "id_number",
    [
        "37010219850715231x",  # lower-case x
        "37010219850732231X",  # 32 July (format passes the check digit, not the date)
        "37010219850715231",  # 17 characters
    ],
)
def test_an_id_number_must_be_18_characters_with_a_real_birth_date(id_number):
    dispute = dispute_example()
    dispute["parties"][1]["id_number"] = id_number

    assert only_problem("dispute", dispute).code == "invalid_id_number"


@pytest.mark.parametrize("phone", ["13805311234", "0531-88886666", "01088886666", "88886666"])
def test_mobile_and_landline_phone_numbers_are_accepted(phone):
    visit = visit_example()
    visit["people_met"][0]["phone"] = phone

    assert validate_record("visit", visit) == visit


@pytest.mark.parametrize("phone", ["1380531123", "23805311234", "138-0531-1234", "电话"])
def test_malformed_phone_numbers_are_rejected(phone):
    visit = visit_example()
    visit["people_met"][0]["phone"] = phone

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("people_met.0.phone", "invalid_phone")
    assert problem.message.startswith("见面人员第1项的联系电话")


def test_the_situation_is_at_most_2000_characters():
    visit = visit_example()
    visit["situation"] = "情" * 2001

    assert only_problem("visit", visit) == Problem(
        "situation", "too_long", "民情记录不能超过2000个字"
    )


def test_a_position_must_be_on_the_globe():
    visit = visit_example()
    visit["position"]["lat"] = 91

    problem = only_problem("visit", visit)

    assert (problem.field, problem.code) == ("position.lat", "out_of_range")
    assert problem.message == "纬度必须在-90到90之间"


def test_an_attachment_digest_is_64_lowercase_hex_digits():
    visit = visit_example()
    visit["attachments"][0]["sha256"] = visit["attachments"][0]["sha256"].upper()

    assert only_problem("visit", visit).code == "invalid_sha256"


def test_an_attachment_size_cannot_be_negative():
    visit = visit_example()
    visit["attachments"][0]["size"] = -1

    assert only_problem("visit", visit).code == "too_small"


# --- 一周一排查 ------------------------------------------------------------------------------


@pytest.mark.parametrize("week", ["2026-W01", "2026-W48", "2026-W53", "2020-W53"])
def test_an_existing_iso_week_is_accepted(week):
    screening = screening_example()
    screening["iso_week"] = week

    assert validate_record("screening", screening) == screening


@pytest.mark.parametrize("week", ["2026-W54", "2025-W53", "2026-W00", "2026W48", "2026-48"])
def test_a_week_that_does_not_exist_is_an_invalid_iso_week(week):
    screening = screening_example()
    screening["iso_week"] = week

    assert only_problem("screening", screening) == Problem(
        "iso_week", "invalid_iso_week", "排查周次必须是有效的周次，例如2026-W48"
    )


def test_a_screening_may_attest_that_nothing_was_found():
    screening = screening_example()
    screening["nothing_found"] = True
    screening["case_ids"] = []

    assert validate_record("screening", screening) == screening


def test_a_screening_cannot_attest_nothing_found_while_listing_cases():
    screening = screening_example()
    screening["nothing_found"] = True

    problem = only_problem("screening", screening)

    assert (problem.field, problem.code) == ("nothing_found", "screening_outcome")
    assert "未发现矛盾纠纷" in problem.message


def test_a_screening_without_any_outcome_is_rejected():
    screening = screening_example()
    screening["case_ids"] = []

    assert only_problem("screening", screening).code == "screening_outcome"


def test_a_screening_covers_at_least_one_area():
    screening = screening_example()
    screening["screened_areas"] = []

    assert only_problem("screening", screening) == Problem(
        "screened_areas", "too_short", "排查区域至少需要1项"
    )


# --- 矛盾纠纷 --------------------------------------------------------------------------------


def test_a_dispute_has_at_least_one_party():
    dispute = dispute_example()
    dispute["parties"] = []

    assert only_problem("dispute", dispute).code == "too_short"


def test_a_dispute_description_is_at_most_4000_characters():
    dispute = dispute_example()
    dispute["description"] = "纠" * 4001

    assert only_problem("dispute", dispute).code == "too_long"


@pytest.mark.parametrize("rating", [0, 6])
def test_a_residents_rating_of_a_case_is_from_1_to_5(rating):
    dispute = dispute_example()
    dispute["rating"] = rating

    assert only_problem("dispute", dispute).code == "out_of_range"


def test_a_case_may_say_which_111_deadline_it_follows():
    dispute = dispute_example()
    dispute["deadline_kind"] = "leader_instruction"

    assert validate_record("dispute", dispute) == dispute


def test_a_dispute_source_kind_is_one_of_the_known_sources():
    dispute = dispute_example()
    dispute["source"]["kind"] = "rumour"

    problem = only_problem("dispute", dispute)

    assert (problem.field, problem.code) == ("source.kind", "invalid_choice")


# --- 巡防日志 --------------------------------------------------------------------------------


def test_a_patrol_cannot_end_before_it_started():
    patrol = patrol_example()
    patrol["ended_at"] = "2026-11-26T18:59:59+08:00"

    assert only_problem("patrol", patrol) == Problem(
        "ended_at", "ended_before_started", "结束时间不能早于开始时间"
    )


def test_patrol_times_are_compared_as_instants_across_time_zones():
    patrol = patrol_example()
    patrol["ended_at"] = "2026-11-26T12:30:00Z"  # 20:30 in Beijing

    assert validate_record("patrol", patrol) == patrol


def test_a_patrol_still_under_way_has_a_null_end():
    patrol = patrol_example()
    patrol["ended_at"] = None

    assert validate_record("patrol", patrol) == patrol


def test_a_patrol_has_at_least_one_member():
    patrol = patrol_example()
    patrol["members"] = []

    assert only_problem("patrol", patrol).message == "巡防队员至少需要1项"


# --- partial updates ---------------------------------------------------------------------


def test_changes_check_only_the_given_fields():
    changes = {"risk_colour": "red", "status": "referred", "escalation_level": "community"}

    assert validate_changes("dispute", changes) is changes


def test_a_bad_value_in_changes_is_reported():
    with pytest.raises(RecordInvalid) as caught:
        validate_changes("dispute", {"risk_colour": "红"})

    assert [(p.field, p.code) for p in caught.value.problems] == [("risk_colour", "invalid_choice")]


def test_changes_may_clear_an_optional_field_with_null():
    assert validate_changes("dispute", {"assigned_to": None, "due_date": None})


def test_changes_may_not_clear_a_required_field():
    with pytest.raises(RecordInvalid) as caught:
        validate_changes("dispute", {"description": None})

    assert caught.value.problems[0].code == "null"


def test_a_nested_object_given_in_changes_is_checked_whole():
    with pytest.raises(RecordInvalid) as caught:
        validate_changes("visit", {"position": {"lon": 117.02}})

    assert [(p.field, p.code) for p in caught.value.problems] == [("position.lat", "required")]


def test_changes_run_a_cross_field_rule_when_all_its_fields_are_given():
    changes = {"started_at": "2026-11-26T19:00:00+08:00", "ended_at": "2026-11-26T18:00:00+08:00"}

    with pytest.raises(RecordInvalid) as caught:
        validate_changes("patrol", changes)

    assert caught.value.problems[0].code == "ended_before_started"


def test_changes_skip_a_cross_field_rule_when_some_of_its_fields_are_absent():
    assert validate_changes("patrol", {"ended_at": "2026-11-26T18:00:00+08:00"})
    assert validate_changes("screening", {"nothing_found": True})
    assert validate_changes("visit", {"situation": "已回访，下水道已疏通。"})


def test_changes_cannot_replace_a_child_collection():
    with pytest.raises(RecordInvalid) as caught:
        validate_changes("visit", {"requests": []})

    problem = caught.value.problems[0]
    assert (problem.field, problem.code) == ("requests", "child_collection")
    assert problem.message.startswith("群众诉求")


def test_unknown_fields_in_changes_are_kept():
    changes = {"risk_colour": "green", "x_review": {"by": "street-office"}}

    assert validate_changes("dispute", changes) == {
        "risk_colour": "green",
        "x_review": {"by": "street-office"},
    }


# --- child entries -----------------------------------------------------------------------


def test_a_valid_child_entry_is_returned_unchanged():
    note = dispute_example()["mediation_notes"][0]
    note["x_voice_memo"] = "att-09"

    assert validate_child("dispute", "mediation_notes", note) is note
    assert note["x_voice_memo"] == "att-09"


def test_child_problems_point_inside_the_entry_and_use_the_collection_labels():
    request = visit_example()["requests"][1]
    del request["due_date"]

    with pytest.raises(RecordInvalid) as caught:
        validate_child("visit", "requests", request)

    [problem] = caught.value.problems
    assert (problem.field, problem.code) == ("due_date", "due_date_required")
    assert problem.message.startswith("整改期限")


def test_a_collection_the_record_type_does_not_have_is_an_unknown_collection():
    with pytest.raises(RecordInvalid) as caught:
        validate_child("screening", "findings", {"id": "finding-01"})

    [problem] = caught.value.problems
    assert problem.code == "unknown_collection"
    assert "一周一排查" in problem.message


@pytest.mark.parametrize(
    "call",
    [
        lambda: validate_record("meeting", {}),
        lambda: validate_changes("meeting", {}),
        lambda: validate_child("meeting", "notes", {}),
    ],
)
def test_an_unknown_record_type_is_rejected(call):
    with pytest.raises(RecordInvalid) as caught:
        call()

    [problem] = caught.value.problems
    assert problem.code == "unknown_record_type"
    assert problem.message == "未知的记录类型：meeting"


def test_child_collections_are_the_list_fields_of_child_entries():
    assert set(CHILD_COLLECTIONS) == set(RECORD_TYPES)
    assert CHILD_COLLECTIONS["visit"] == ("requests", "request_progress", "attachments")


# --- problems and messages -----------------------------------------------------------------


def test_the_error_text_joins_all_messages():
    dispute = dispute_example()
    dispute["risk_colour"] = "orange"
    del dispute["status"]

    with pytest.raises(RecordInvalid) as caught:
        validate_record("dispute", dispute)

    assert str(caught.value) == "风险等级必须是以下之一：绿、黄、红；办理状态为必填项"
    assert isinstance(caught.value, ValueError)


def test_messages_contain_no_codes_or_unfilled_placeholders():
    visit = visit_example()
    visit.update(schema_version=0, visit_kind="x", visited_at="x", people_met=[{}], situation=1)
    visit["requests"] = [{"problem_list": "cannot_fix"}, "not an object"]
    visit["position"] = {"lat": "north", "lon": float("nan")}
    visit["attachments"] = [{"kind": "video", "sha256": "", "media_type": "jpeg", "size": 1.5}]
    del visit["household_id"]

    found = problems("visit", visit)

    assert len(found) > 15
    for problem in found:
        assert problem.code != "invalid", problem
        assert not re.search(r"[a-z]+_[a-z]+|[{}]", problem.message), problem


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("", "民情日记"),
        ("visit_kind", "走访类型"),
        ("grid_id", "网格编号"),
        ("requests.due_date", "整改期限"),
        ("requests.0.due_date", "群众诉求第1项的整改期限"),
        ("people_met.1", "见面人员第2项"),
        ("position.lat", "纬度"),
    ],
)
def test_field_labels_are_chinese_and_spell_out_list_positions(field, label):
    assert field_label("visit", field) == label


def _field_paths(schema, prefix=""):
    for name, field in schema.fields.items():
        yield prefix + name
        while isinstance(field, List):
            field = field.inner
        if isinstance(field, Object):
            yield from _field_paths(field.schema, prefix + name + ".")


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_field_of_every_record_type_has_a_chinese_label(record_type):
    from sync.schemas import _SCHEMAS

    for path in _field_paths(_SCHEMAS[record_type]):
        assert not re.search(r"[A-Za-z]", field_label(record_type, path)), path


def test_every_field_path_is_found_through_nested_lists():
    assert "requests.due_date" in set(_field_paths(Visit()))


@pytest.mark.parametrize("name", list(VOCABULARIES))
def test_every_vocabulary_code_has_a_chinese_label(name):
    for code in VOCABULARIES[name]:
        key = f"label.{name}.{code}"
        assert key in catalogue.ZH, key
        assert not re.search(r"[A-Za-z]", catalogue.ZH[key]), key


def test_a_vocabulary_code_is_labelled_through_its_class():
    assert catalogue.label(RiskColour.red) == "红"


def test_catalogue_text_falls_back_to_the_key_and_never_raises():
    assert text("error.no_such_code") == "error.no_such_code"
    assert text("error.required") == "{field}为必填项"
    assert text("error.required", field="风险等级", unused=1) == "风险等级为必填项"


# --- vocabulary --------------------------------------------------------------------------


def test_escalation_levels_are_ordered_by_the_ladder_not_the_alphabet():
    assert sorted(EscalationLevel, reverse=True) == [
        EscalationLevel.district,
        EscalationLevel.street,
        EscalationLevel.community,
        EscalationLevel.grid,
    ]
    assert EscalationLevel.grid < EscalationLevel.community
    assert "street" < EscalationLevel.district  # noqa: SIM300 (a plain code on the left)
    assert EscalationLevel.street.rank == 2


class TestValueLabels:
    def test_a_vocabulary_code_reads_as_its_chinese_label(self):
        assert value_label("dispute", "status", "mediating") == "调解中"
        assert value_label("dispute", "escalation_level", "street") == "街道"

    def test_free_text_reads_as_itself(self):
        assert value_label("dispute", "description", "楼上漏水") == "楼上漏水"

    def test_an_unknown_code_from_a_newer_app_reads_as_the_code(self):
        assert value_label("dispute", "status", "archived") == "archived"
