"""A newer app (a higher `schema_version`, fields this version does not know) beside old ones.

The rule (docs/sync-model.md, "Schemas and newer apps"): nothing is refused or dropped for
being newer. An old replica keeps the fields it does not know, as plain registers, shows
them, and its own edits, which name only the fields they change, leave them as they are; a
record reports the highest version any of its operations was written with.
"""

from __future__ import annotations

from typing import Any

from sync.schemas import SCHEMA_VERSION, validate_record
from sync.simulation import SimulatedTime, Tablet, make_tablet
from tests.sync.examples import dispute_example

NEWER = SCHEMA_VERSION + 1


def newer_case() -> dict[str, Any]:
    """A case as the newer app writes it: a field, and an entry field, the old app lacks."""
    case = dispute_example()
    del case["schema_version"]
    case["agreement_number"] = "燕调字〔2026〕第17号"
    case["parties"] = [{**party, "id_checked": True} for party in case["parties"]]
    return case


def newer_and_old(time: SimulatedTime) -> tuple[Tablet, Tablet]:
    newer = make_tablet("newer", time, role="mediator")
    newer.writer.schema_version = NEWER
    return newer, make_tablet("old", time)


def test_a_newer_record_validates_unchanged_on_an_old_version() -> None:
    case = {**newer_case(), "schema_version": NEWER}
    assert validate_record("dispute", dict(case)) == case


def test_an_old_replica_keeps_and_shows_the_fields_it_does_not_know(time: SimulatedTime
                                                                    ) -> None:
    newer, old = newer_and_old(time)
    case_id = newer.writer.create("dispute", newer_case())
    old.writer.receive(newer.all_ops())
    view = old.replica.record(case_id)
    assert view is not None
    assert view["schema_version"] == NEWER
    assert view["values"]["agreement_number"] == newer_case()["agreement_number"]
    assert view["values"]["parties"] == newer_case()["parties"]
    assert view == newer.replica.record(case_id)


def test_an_old_edit_names_only_its_own_fields_and_the_newer_ones_survive(
        time: SimulatedTime) -> None:
    newer, old = newer_and_old(time)
    case_id = newer.writer.create("dispute", newer_case())
    old.writer.receive(newer.all_ops())
    edit = old.writer.update(case_id, {"status": "mediating"})
    old.writer.add(case_id, "mediation_notes", {
        "text": "已约双方面谈。", "at": "2026-11-27T09:30:00+08:00", "by": "old"})
    newer.writer.receive(old.all_ops())

    assert (edit.schema_version, set(edit.changes)) == (SCHEMA_VERSION, {"status"})
    for tablet in (old, newer):
        view = tablet.replica.record(case_id)
        assert view is not None
        assert view["schema_version"] == NEWER
        assert view["values"]["agreement_number"] == newer_case()["agreement_number"]
        assert view["values"]["parties"] == newer_case()["parties"]
        assert view["values"]["status"] == "mediating"
        assert view["conflicts"] == []
    assert old.replica.digest() == newer.replica.digest()


def test_a_newer_edit_of_a_field_the_old_app_lacks_reaches_the_old_replica(
        time: SimulatedTime) -> None:
    newer, old = newer_and_old(time)
    case_id = newer.writer.create("dispute", newer_case())
    newer.writer.update(case_id, {"agreement_number": "燕调字〔2026〕第18号"})
    old.writer.receive(newer.all_ops())
    view = old.replica.record(case_id)
    assert view is not None and view["values"]["agreement_number"] == "燕调字〔2026〕第18号"
