"""The 民情日记 form's behaviour, on a real sealed replica and a real writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.services.attachments import AttachmentFiles
from field_app.services.draft_store import DraftStore
from field_app.services.recording import NotSaved, Recorder
from field_app.services.tablet import Tablet
from field_app.services.visit_form import VisitForm
from tests.field_app.recording_setup import GRID, WORKER


def test_a_routine_visit_saved_with_defaults_needs_only_the_household(
        recorder: Recorder) -> None:
    form = VisitForm(recorder)
    form.choose_household("hh-3-2-402")

    record_id = form.save()

    values = recorder.replica.record(record_id)["values"]
    assert values["household_id"] == "hh-3-2-402"
    assert values["visit_kind"] == "routine"
    assert values["visited_at"] == "2026-11-27T09:30:00+08:00"
    assert values["worker_id"] == WORKER
    assert values["grid_id"] == GRID


def test_households_are_found_by_place_or_by_name_in_the_workers_grid_only(
        recorder: Recorder) -> None:
    form = VisitForm(recorder)

    assert [h.household_id for h in form.households("3-2-402")] == ["hh-3-2-402"]
    assert [h.household_id for h in form.households("王淑芬")] == ["hh-10-1-101"]
    assert [h.household_id for h in form.households("101")] == ["hh-10-1-101"]
    assert [h.household_id for h in form.households("")] == [
        "hh-3-2-402", "hh-3-2-502", "hh-10-1-101"]


def test_a_visit_without_a_household_gives_a_chinese_message_and_writes_nothing(
        recorder: Recorder) -> None:
    form = VisitForm(recorder)

    with pytest.raises(NotSaved) as refused:
        form.save()

    assert "住户" in refused.value.messages["household_id"]
    assert list(recorder.replica.records()) == []


def test_a_deadline_request_without_a_due_date_is_refused_on_that_request(
        recorder: Recorder) -> None:
    form = VisitForm(recorder)
    form.choose_household("hh-3-2-402")
    form.add_request("living", "下水道返味", "fix_by_deadline")

    with pytest.raises(NotSaved) as refused:
        form.save()

    message = refused.value.messages["requests.0.due_date"]
    assert "第1项" in message
    assert list(recorder.replica.records()) == []


def test_a_new_household_typed_in_is_saved_with_the_visit(recorder: Recorder) -> None:
    form = VisitForm(recorder)
    form.type_new_household("陈小红", building="5号楼", unit="1单元", room="303", phone="")

    record_id = form.save()

    values = recorder.replica.record(record_id)["values"]
    assert values["new_household"] == {"name": "陈小红", "building": "5号楼",
                                       "unit": "1单元", "room": "303"}
    assert "household_id" not in values


def test_people_requests_and_position_are_saved_in_one_visit(recorder: Recorder) -> None:
    form = VisitForm(recorder)
    form.choose_household("hh-3-2-402")
    form.set_kind("key_household")
    form.add_person("张秀英", "户主")
    form.set_situation("独居老人，身体尚可")
    form.add_request("living", "楼道灯不亮", "fix_now")
    form.add_request("government", "加装电梯", "cannot_fix", explanation="已告知办理流程")
    form.set_position(36.65, 117.02, accuracy_m=8)

    values = recorder.replica.record(form.save())["values"]

    assert values["visit_kind"] == "key_household"
    assert values["people_met"] == [{"name": "张秀英", "relation": "户主"}]
    assert [r["problem_list"] for r in values["requests"]] == ["fix_now", "cannot_fix"]
    assert values["position"] == {"lat": 36.65, "lon": 117.02, "accuracy_m": 8}


def test_a_photo_is_kept_sealed_and_referenced_by_its_digest(
        recorder: Recorder, tmp_path: Path) -> None:
    photo = tmp_path / "楼道灯.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo of the stairwell light")
    form = VisitForm(recorder)
    form.choose_household("hh-3-2-402")

    entry = form.attach(photo)
    values = recorder.replica.record(form.save())["values"]

    (attachment,) = values["attachments"]
    assert attachment["sha256"] == entry["sha256"]
    assert attachment["kind"] == "photo" and attachment["media_type"] == "image/jpeg"
    files = AttachmentFiles(recorder.folder, recorder.data_key)
    assert files.read(entry["sha256"]) == photo.read_bytes()
    sealed = (recorder.folder / "attachments" / f"{entry['sha256']}.sealed").read_bytes()
    assert b"stairwell" not in sealed


def test_an_unreadable_photo_gives_a_chinese_message(recorder: Recorder,
                                                      tmp_path: Path) -> None:
    form = VisitForm(recorder)

    with pytest.raises(NotSaved) as refused:
        form.attach(tmp_path / "gone.jpg")

    assert "gone.jpg" in refused.value.messages["attachments"]
    assert form.values["attachments"] == []


def test_a_draft_survives_the_app_being_killed(recorder: Recorder, drafts: DraftStore,
                                               tmp_path: Path, data_key: bytes) -> None:
    form = VisitForm(recorder, drafts)
    form.choose_household("hh-3-2-502")
    form.set_situation("反映邻居装修噪音")

    reopened = VisitForm.resume(recorder, DraftStore(tmp_path / "app", data_key))

    assert reopened is not None
    assert reopened.values["household_id"] == "hh-3-2-502"
    assert reopened.values["situation"] == "反映邻居装修噪音"


def test_the_draft_file_does_not_show_what_was_typed(recorder: Recorder,
                                                     drafts: DraftStore) -> None:
    form = VisitForm(recorder, drafts)
    form.set_situation("反映邻居装修噪音")

    raw = (drafts.folder / "visit.sealed").read_bytes()
    assert "装修".encode() not in raw
    assert b"situation" not in raw


def test_saving_deletes_the_draft(recorder: Recorder, drafts: DraftStore) -> None:
    form = VisitForm(recorder, drafts)
    form.choose_household("hh-3-2-402")

    form.save()

    assert VisitForm.resume(recorder, drafts) is None


def test_a_refused_save_keeps_the_draft(recorder: Recorder, drafts: DraftStore) -> None:
    form = VisitForm(recorder, drafts)
    form.set_situation("还没选住户")

    with pytest.raises(NotSaved):
        form.save()

    assert drafts.load("visit")["situation"] == "还没选住户"


def test_discarding_deletes_the_draft(recorder: Recorder, drafts: DraftStore) -> None:
    form = VisitForm(recorder, drafts)
    form.choose_household("hh-3-2-402")

    form.discard()

    assert VisitForm.resume(recorder, drafts) is None
    assert list(recorder.replica.records()) == []


def test_a_draft_sealed_with_another_key_is_not_offered(recorder: Recorder,
                                                        drafts: DraftStore,
                                                        tmp_path: Path) -> None:
    VisitForm(recorder, drafts).choose_household("hh-3-2-402")

    assert DraftStore(tmp_path / "app", b"k" * 32).load("visit") is None


def test_on_an_enrolled_tablet_a_visit_to_a_synced_household_is_saved_and_sent(
        tablet: Tablet) -> None:
    assert tablet.sync is not None and tablet.sync.sync_now()
    tablet.sync.wait(60)
    recorder = Recorder.for_tablet(tablet)
    drafts = DraftStore(tablet.files.folder, tablet.data_key)
    form = VisitForm(recorder, drafts)
    (first, *_) = form.households()
    form.choose_household(first.household_id)

    record_id = form.save()

    values = tablet.replica.record(record_id)["values"]
    assert (values["worker_id"], values["grid_id"]) == ("w-wangfang", "g-yzs-03")
    assert tablet.sync.sync_now()
    assert tablet.sync.wait(60).sent == 1
