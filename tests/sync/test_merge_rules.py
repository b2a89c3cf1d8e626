"""The merge rules, in the domain's words: what a dispute case reads after people edit it apart.

Each test has tablets edit offline and then exchange everything; the outcome is what both
show after the exchange.
"""

from __future__ import annotations

import pytest

from sync.operation import OpKind
from sync.simulation import hand_over
from sync.writer import EditRefused
from tests.sync.examples import dispute_example
from tests.sync.forgery import forge_update


def exchange(*tablets):
    """Everyone gets everyone's operations."""
    for source in tablets:
        for target in tablets:
            if target is not source:
                hand_over(source.all_ops(), target)


@pytest.fixture
def case(tablet):
    """A case a grid worker opened, already synced to a mediator and the community office."""
    worker = tablet("worker")
    mediator = tablet("mediator", role="mediator")
    office = tablet("office", role="community_staff")
    case_id = worker.writer.create("dispute", dispute_example())
    exchange(worker, mediator, office)
    return case_id, worker, mediator, office


class TestPlainFields:
    def test_edits_to_different_fields_merge_without_conflict(self, case):
        case_id, worker, mediator, _ = case
        worker.writer.update(case_id, {"risk_colour": "red"})
        mediator.writer.update(case_id, {"assigned_to": "李调解"})
        exchange(worker, mediator)
        for side in (worker, mediator):
            record = side.replica.record(case_id)
            assert record["values"]["risk_colour"] == "red"
            assert record["values"]["assigned_to"] == "李调解"
            assert record["conflicts"] == []

    def test_concurrent_different_values_keep_both_and_open_a_conflict(self, case, time):
        case_id, worker, mediator, _ = case
        worker.writer.update(case_id, {"description": "楼上漏水，已协商"})
        time.advance(1000)
        mediator.writer.update(case_id, {"description": "楼上漏水，双方未达成一致"})
        exchange(worker, mediator)
        record = worker.replica.record(case_id)
        [conflict] = record["conflicts"]
        assert conflict["field"] == "description"
        assert {v["value"] for v in conflict["versions"]} == {
            "楼上漏水，已协商", "楼上漏水，双方未达成一致"}
        assert record["values"]["description"] == "楼上漏水，双方未达成一致"  # latest, provisional
        assert mediator.replica.record(case_id) == record

    def test_concurrent_equal_values_are_no_conflict(self, case):
        case_id, worker, mediator, _ = case
        worker.writer.update(case_id, {"risk_colour": "yellow"})
        mediator.writer.update(case_id, {"risk_colour": "yellow"})
        exchange(worker, mediator)
        assert worker.replica.record(case_id)["conflicts"] == []

    def test_a_resolution_based_on_both_versions_closes_the_conflict(self, case):
        case_id, worker, mediator, office = case
        worker.writer.update(case_id, {"description": "甲说法"})
        mediator.writer.update(case_id, {"description": "乙说法"})
        exchange(worker, mediator, office)
        office.writer.resolve(case_id, "description", "甲乙说法均已记录")
        exchange(worker, mediator, office)
        record = worker.replica.record(case_id)
        assert record["conflicts"] == []
        assert record["values"]["description"] == "甲乙说法均已记录"
        written = [e["changes"]["description"] for e in worker.replica.history(
            case_id, "description")]
        assert {"甲说法", "乙说法", "甲乙说法均已记录"} <= set(written)


class TestChildEntries:
    def test_notes_added_by_two_people_are_both_kept(self, case):
        case_id, worker, mediator, _ = case
        before = len(worker.replica.record(case_id)["values"]["mediation_notes"])
        worker.writer.add(case_id, "mediation_notes", note("耐心听取双方意见", "worker"))
        mediator.writer.add(case_id, "mediation_notes", note("诚心劝说，双方同意", "mediator"))
        exchange(worker, mediator)
        record = worker.replica.record(case_id)
        texts = [n["text"] for n in record["values"]["mediation_notes"]]
        assert len(texts) == before + 2
        assert {"耐心听取双方意见", "诚心劝说，双方同意"} <= set(texts)
        assert record["conflicts"] == []
        assert mediator.replica.record(case_id) == record


class TestStatusWorkflow:
    def test_resolved_does_not_fall_back_when_an_old_tablet_syncs_late(self, case, time):
        case_id, worker, _, office = case
        office.writer.update(case_id, {"status": "resolved"})
        time.advance(86_400_000)
        worker.writer.update(case_id, {"status": "mediating"})  # worker had not synced
        exchange(worker, office)
        record = office.replica.record(case_id)
        assert record["values"]["status"] == "resolved"
        [review] = record["reviews"]
        assert review["field"] == "status"
        assert review["version"]["value"] == "mediating"
        assert worker.replica.record(case_id) == record

    def test_resolved_and_referred_at_once_is_a_conflict_for_a_person(self, case):
        case_id, worker, mediator, _ = case
        worker.writer.update(case_id, {"status": "resolved"})
        mediator.writer.update(case_id, {"status": "referred"})
        exchange(worker, mediator)
        [conflict] = worker.replica.record(case_id)["conflicts"]
        assert conflict["kind"] == "status_incomparable"

    def test_a_tablet_cannot_move_a_case_backward(self, case):
        case_id, worker, _, _ = case
        worker.writer.update(case_id, {"status": "resolved"})
        with pytest.raises(EditRefused) as refused:
            worker.writer.update(case_id, {"status": "mediating"})
        assert refused.value.code == "status_backward"

    def test_a_backward_operation_that_arrives_anyway_is_kept_but_not_applied(self, case):
        case_id, worker, _, office = case
        worker.writer.update(case_id, {"status": "resolved"})
        exchange(worker, office)
        forged = forge_update(worker, case_id, {"status": "found"})
        hand_over([forged], office)
        record = office.replica.record(case_id)
        assert record["values"]["status"] == "resolved"
        assert record["reviews"][0]["kind"] == "status_backward"
        assert forged.id in [e["op"] for e in office.replica.history(case_id, "status")]

    def test_the_office_may_reopen_a_resolved_case_with_a_reason(self, case):
        case_id, worker, _, office = case
        worker.writer.update(case_id, {"status": "resolved"})
        exchange(worker, office)
        office.writer.override(case_id, "status", "mediating", "群众评议不满意，重新调解")
        exchange(worker, office)
        assert worker.replica.record(case_id)["values"]["status"] == "mediating"

    def test_a_grid_worker_may_not_reopen(self, case):
        case_id, worker, _, _ = case
        with pytest.raises(EditRefused) as refused:
            worker.writer.override(case_id, "status", "found", "误操作")
        assert refused.value.code == "override_not_allowed"


class TestEscalation:
    def test_the_highest_concurrent_level_wins(self, case):
        case_id, worker, _, office = case
        worker.writer.update(case_id, {"escalation_level": "community"})
        office.writer.update(case_id, {"escalation_level": "street"})
        exchange(worker, office)
        assert worker.replica.record(case_id)["values"]["escalation_level"] == "street"

    def test_a_lowering_without_authority_is_refused_and_flagged(self, case):
        case_id, worker, _, office = case
        office.writer.update(case_id, {"escalation_level": "street"})
        exchange(worker, office)
        forged = forge_update(worker, case_id, {"escalation_level": "grid"},
                              kind=OpKind.OVERRIDE, reason="我来处理")
        hand_over([forged], office)
        record = office.replica.record(case_id)
        assert record["values"]["escalation_level"] == "street"
        assert record["reviews"][0]["kind"] == "override_unauthorised"

    def test_community_staff_may_lower_it_explicitly(self, case):
        case_id, worker, _, office = case
        worker.writer.update(case_id, {"escalation_level": "street"})
        exchange(worker, office)
        office.writer.override(case_id, "escalation_level", "community", "街道退回社区办理")
        exchange(worker, office)
        assert worker.replica.record(case_id)["values"]["escalation_level"] == "community"


class TestRetraction:
    def test_a_retracted_record_keeps_its_history(self, case):
        case_id, worker, _, office = case
        worker.writer.update(case_id, {"risk_colour": "yellow"})
        worker.writer.retract(case_id, "重复登记")
        exchange(worker, office)
        record = office.replica.record(case_id)
        assert record["retracted"][0]["reason"] == "重复登记"
        assert record["values"]["risk_colour"] == "yellow"
        assert len(office.replica.history(case_id)) == 3


class TestNewerSchemas:
    def test_fields_unknown_to_this_version_are_kept(self, tablet):
        newer, older = tablet("newer"), tablet("older")
        newer.writer.schema_version = 2
        case_id = newer.writer.create("dispute", {**dispute_example(), "hotline_ticket": "12345"})
        hand_over(newer.all_ops(), older)
        record = older.replica.record(case_id)
        assert record["values"]["hotline_ticket"] == "12345"
        assert record["schema_version"] == 2


def note(text: str, by: str) -> dict:
    return {"text": text, "at": "2026-11-20T10:00:00+08:00", "by": by, "step": "listen"}

