"""The replica: operations in any order, duplicated, with gaps, on either store."""

from __future__ import annotations

import random

import pytest

from sync.chain import verify_batch
from sync.replica import Replica
from sync.simulation import hand_over
from sync.stores import Commit
from sync.stores.memory import MemoryStore
from sync.stores.sqlite import SQLiteStore
from sync.writer import RecordWriter
from tests.sync.examples import dispute_example, patrol_example


@pytest.fixture
def worker_day(tablet):
    """A worker's tablet after a morning: a case with edits and a patrol with checkpoints."""
    worker = tablet("worker")
    case_id = worker.writer.create("dispute", dispute_example())
    worker.writer.update(case_id, {"risk_colour": "yellow"})
    worker.writer.update(case_id, {"status": "mediating"})
    patrol_id = worker.writer.create("patrol", patrol_example())
    for place in ("3号楼", "5号楼", "东门"):
        worker.writer.add(patrol_id, "checkpoints", {
            "at": "2026-11-20T21:00:00+08:00", "place": place, "note": "", "colour": "green"})
    return worker, case_id, patrol_id


class TestOrdering:
    def test_operations_in_reverse_order_end_in_the_same_state(self, worker_day, store_factory):
        worker, _, _ = worker_day
        replica = Replica(store_factory())
        replica.apply(list(reversed(worker.all_ops())))
        assert replica.digest() == worker.replica.digest()

    def test_an_operation_after_a_gap_waits_for_its_predecessor(self, worker_day, store_factory):
        worker, _, _ = worker_day
        ops = worker.all_ops()
        replica = Replica(store_factory())
        report = replica.apply(ops[1:])
        assert report.applied == []
        assert len(replica.pending()) == len(ops) - 1
        report = replica.apply(ops[:1])
        assert len(report.applied) == len(ops)
        assert replica.pending() == []
        assert replica.digest() == worker.replica.digest()

    def test_duplicates_are_applied_once(self, worker_day, store_factory):
        worker, _, _ = worker_day
        replica = Replica(store_factory())
        replica.apply(worker.all_ops())
        report = replica.apply(worker.all_ops() + worker.all_ops())
        assert report.applied == []
        assert report.duplicates == 2 * len(worker.all_ops())
        assert replica.store.count_ops() == len(worker.all_ops())

    def test_a_forked_chain_is_quarantined_not_dropped(self, tablet, worker_day, store_factory):
        worker, _, _ = worker_day
        replica = Replica(store_factory())
        replica.apply(worker.all_ops())
        impostor = tablet("worker")  # same device id, different history
        impostor.writer.create("dispute", dispute_example())
        report = replica.apply(impostor.all_ops())
        assert report.quarantined == [(impostor.all_ops()[0].id, "chain_forked")]
        assert [op.id for op, _ in replica.quarantined()] == [impostor.all_ops()[0].id]


class TestReading:
    def test_history_names_who_wrote_each_value_on_which_device(self, worker_day):
        worker, case_id, _ = worker_day
        [create, change] = worker.replica.history(case_id, "risk_colour")
        assert change["changes"] == {"risk_colour": "yellow"}
        assert change["author"] == {"id": "worker", "role": "grid_worker"}
        assert change["device"] == worker.device_id
        assert create["kind"] == "create"

    def test_operations_since_a_cursor_continue_where_the_last_page_ended(self, worker_day,
                                                                         store_factory):
        worker, _, _ = worker_day
        replica = Replica(store_factory())
        replica.apply(worker.all_ops())
        first, cursor = replica.ops_since(0, limit=3)
        rest, end = replica.ops_since(cursor, limit=100)
        assert [op.id for op in first + rest] == [op.id for op in worker.all_ops()]
        assert replica.ops_since(end, limit=100) == ([], end)

    def test_children_list_in_the_order_they_were_made(self, worker_day):
        worker, _, patrol_id = worker_day
        places = [c["place"] for c in worker.replica.record(patrol_id)["values"]["checkpoints"]]
        assert places[-3:] == ["3号楼", "5号楼", "东门"]


class TestDurability:
    def test_waiting_operations_survive_a_restart(self, worker_day, tmp_path):
        worker, _, _ = worker_day
        ops = worker.all_ops()
        path = tmp_path / "tablet.sqlite3"
        first = SQLiteStore(path)
        Replica(first).apply(ops[2:])
        first.close()
        reopened = Replica(SQLiteStore(path))
        assert len(reopened.pending()) == len(ops) - 2
        reopened.apply(ops[:2])
        assert reopened.digest() == worker.replica.digest()

    def test_sqlite_and_memory_replicas_read_the_same(self, worker_day, tmp_path):
        worker, case_id, _ = worker_day
        ops = worker.all_ops()
        random.Random(7).shuffle(ops)
        on_disk = Replica(SQLiteStore(tmp_path / "r.sqlite3"))
        hand_over(ops, on_disk)
        assert on_disk.record(case_id) == worker.replica.record(case_id)
        assert on_disk.digest() == worker.replica.digest()


class TestRelayedFromTheServer:
    """A tablet pulls only its scope: parts of other devices' chains, vetted by the server."""

    @pytest.fixture
    def two_records(self, tablet):
        worker = tablet("worker")
        other = worker.writer.create("patrol", patrol_example())
        case_id = worker.writer.create("dispute", dispute_example())
        worker.writer.update(case_id, {"risk_colour": "red"})
        in_scope = [op for op in worker.all_ops() if op.record_id == case_id]
        return worker, case_id, other, in_scope

    def test_relayed_operations_need_only_their_parents(self, two_records, store_factory):
        worker, case_id, _, in_scope = two_records
        replica = Replica(store_factory())
        report = replica.apply(in_scope, relayed=True)
        assert len(report.applied) == 2
        assert replica.record(case_id) == worker.replica.record(case_id)

    def test_the_same_operations_unrelayed_wait_for_the_rest_of_the_chain(self, two_records):
        _, _, _, in_scope = two_records
        replica = Replica()
        assert replica.apply(in_scope).applied == []

    def test_a_relayed_operation_waiting_for_its_parent_survives_a_restart(self, two_records,
                                                                           tmp_path):
        worker, case_id, _, in_scope = two_records
        path = tmp_path / "tablet.sqlite3"
        first = SQLiteStore(path)
        Replica(first).apply(in_scope[1:], relayed=True)
        first.close()
        reopened = Replica(SQLiteStore(path))
        reopened.apply(in_scope[:1], relayed=True)
        assert reopened.record(case_id) == worker.replica.record(case_id)


class TestSnapshots:
    """A new tablet starts from merged records, not from their history."""

    def test_later_operations_apply_on_a_snapshot(self, tablet, store_factory):
        office = tablet("office", role="community_staff")
        case_id = office.writer.create("dispute", dispute_example())
        office.writer.update(case_id, {"risk_colour": "red"})
        replica = Replica(store_factory())
        replica.adopt_snapshot([office.replica.state(case_id).data])
        later = office.writer.update(case_id, {"status": "mediating"})
        report = replica.apply([later], relayed=True)
        assert report.applied == [later.id]
        assert replica.record(case_id) == office.replica.record(case_id)

    def test_a_snapshot_missing_local_edits_does_not_replace_the_record(self, tablet):
        worker = tablet("worker")
        case_id = worker.writer.create("dispute", dispute_example())
        stale = worker.replica.state(case_id).data
        worker.writer.update(case_id, {"risk_colour": "red"})
        assert worker.replica.adopt_snapshot([stale]) == 0
        assert worker.replica.record(case_id)["values"]["risk_colour"] == "red"


class TestResumedChains:
    """A replica that holds a device's chain only from some position on (the server's office
    desks: one edit at a time, their earlier operations in the ledger)."""

    def test_a_writer_continues_the_chain_where_it_was_left(self, tablet):
        office = tablet("office", role="community_staff")
        case_id = office.writer.create("dispute", dispute_example())
        first = office.writer.update(case_id, {"risk_colour": "red"})
        store = MemoryStore()
        store.resume_chain(office.device_id, first.seq, first.id)
        replica = Replica(store)
        replica.adopt_snapshot([office.replica.state(case_id).data])
        desk = RecordWriter(replica, office.device_id, office.key, office.writer.author)

        later = desk.update(case_id, {"status": "mediating"})

        assert (later.seq, later.prev) == (first.seq + 1, first.id)
        batch = desk.batch_since(first.seq)
        assert [op.id for op in batch.ops] == [later.id]
        verify_batch(batch, office.key.public, first.id)

    def test_a_chain_cannot_be_resumed_once_it_has_started(self, tablet):
        office = tablet("office", role="community_staff")
        office.writer.create("dispute", dispute_example())
        store = MemoryStore()
        store.commit(Commit(applied=office.all_ops()))

        with pytest.raises(ValueError):
            store.resume_chain(office.device_id, 5, "x")
