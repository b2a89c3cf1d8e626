"""The 一周一排查 form's behaviour, on a real sealed replica and a real writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.services.case_opening import PartyDraft
from field_app.services.draft_store import DraftStore
from field_app.services.recording import NotSaved, Recorder
from field_app.services.screening_form import ScreeningForm
from field_app.services.today import screening_status
from tests.field_app.recording_setup import GRID, NOW


def test_the_form_opens_on_this_iso_week_in_beijing(recorder: Recorder) -> None:
    form = ScreeningForm(recorder)

    assert form.iso_week == "2026-W48"
    assert form.scope == "weekly"


def test_the_grids_buildings_are_offered_as_areas_in_number_order(recorder: Recorder) -> None:
    assert ScreeningForm(recorder).area_choices() == ["3号楼", "10号楼"]


def test_nothing_found_is_attested_and_the_week_counts_as_done(recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼", "10号楼"])
    form.attest_nothing_found()

    record_id = form.save()

    values = recorder.replica.record(record_id)["values"]
    assert values["nothing_found"] is True and values["case_ids"] == []
    status = screening_status(recorder.replica.records("screening"), GRID, NOW.date())
    assert status.done and status.record_id == record_id


def test_cases_found_are_opened_with_the_screening_as_their_source(recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼"])
    form.add_case("civil", "502漏水到402，双方争执", "yellow",
                  [PartyDraft("张秀英", "402业主"), PartyDraft("李建国", "502业主")])

    screening_id = form.save()

    (case_id,) = recorder.replica.record(screening_id)["values"]["case_ids"]
    case = recorder.replica.record(case_id)["values"]
    assert case["status"] == "found" and case["escalation_level"] == "grid"
    assert case["source"] == {"kind": "screening", "id": screening_id}
    assert [p["name"] for p in case["parties"]] == ["张秀英", "李建国"]


def test_a_screening_with_no_outcome_gives_a_chinese_message_and_writes_nothing(
        recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼"])

    with pytest.raises(NotSaved) as refused:
        form.save()

    assert "未发现矛盾纠纷" in refused.value.messages["nothing_found"]
    assert list(recorder.replica.records()) == []


def test_a_case_without_parties_is_refused_and_neither_record_is_written(
        recorder: Recorder) -> None:
    form = ScreeningForm(recorder)
    form.set_areas(["3号楼"])
    form.add_case("property", "物业停车收费争议", "green")

    with pytest.raises(NotSaved) as refused:
        form.save()

    assert "cases.0.parties" in refused.value.messages
    assert list(recorder.replica.records()) == []


def test_a_screening_draft_survives_the_app_being_killed(
        recorder: Recorder, drafts: DraftStore, tmp_path: Path, data_key: bytes) -> None:
    form = ScreeningForm(recorder, drafts)
    form.set_areas(["3号楼"])
    form.add_case("civil", "邻里噪音", "green")
    form.update_case(0, parties=[PartyDraft("王淑芬")])

    reopened = ScreeningForm.resume(recorder, DraftStore(tmp_path / "app", data_key))

    assert reopened is not None
    assert reopened.screened_areas == ["3号楼"]
    assert reopened.cases[0].parties[0].name == "王淑芬"


def test_saving_a_screening_deletes_its_draft(recorder: Recorder, drafts: DraftStore) -> None:
    form = ScreeningForm(recorder, drafts)
    form.set_areas(["3号楼"])
    form.attest_nothing_found()

    form.save()

    assert ScreeningForm.resume(recorder, drafts) is None
