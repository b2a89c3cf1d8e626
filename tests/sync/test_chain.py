"""Device chains: one signed head authenticates every operation before it."""

from __future__ import annotations

import orjson
import pytest

from sync import canonical
from sync.chain import Batch, ChainBroken, verify_batch
from sync.operation import Operation
from sync.replica import Replica
from sync.signing import DeviceKey
from tests.sync.examples import visit_example


@pytest.fixture
def worker(tablet):
    worker = tablet("worker")
    for _ in range(5):
        worker.writer.create("visit", visit_example())
    return worker


def rebatch(batch: Batch, ops) -> Batch:
    return Batch(tuple(ops), batch.head)


class TestVerification:
    def test_a_batch_signed_by_the_device_verifies(self, worker):
        batch = worker.writer.batch_since(0)
        verify_batch(batch, worker.key.public)
        assert len(batch.ops) == 5

    def test_a_batch_survives_json(self, worker):
        batch = worker.writer.batch_since(0)
        verify_batch(Batch.from_json(batch.to_json()), worker.key.public)

    def test_a_batch_survives_the_wire_form(self, worker):
        batch = worker.writer.batch_since(0)
        received = Batch.from_wire(batch.to_wire())
        verify_batch(received, worker.key.public)
        assert [op.id for op in received.ops] == [op.id for op in batch.ops]

    def test_operation_bytes_not_in_canonical_form_are_refused(self, worker):
        head, first, *rest = worker.writer.batch_since(0).to_wire().split(b"\n")
        spaced = first.replace(b'","', b'", "', 1)
        with pytest.raises(ChainBroken) as broken:
            Batch.from_wire(b"\n".join([head, spaced, *rest]))
        assert broken.value.code == "op_malformed"

    def test_keys_out_of_order_are_refused(self, worker):
        head, first, *rest = worker.writer.batch_since(0).to_wire().split(b"\n")
        data = canonical.decode_object(first)
        reordered = orjson.dumps({"v": data.pop("v"), **data})  # "v" first, not last
        with pytest.raises(ChainBroken) as broken:
            Batch.from_wire(b"\n".join([head, reordered, *rest]))
        assert broken.value.code == "op_malformed"

    def test_a_field_named_like_the_link_travels_unharmed(self, tablet):
        worker = tablet("worker")
        worker.writer.create("visit", visit_example())
        link = worker.writer.batch_since(0).ops[-1].id
        worker.writer.create("visit", {**visit_example(), "prev": link, "zz": ',"prev":'})
        batch = worker.writer.batch_since(0)
        received = Batch.from_wire(batch.to_wire())
        assert [op.id for op in received.ops] == [op.id for op in batch.ops]

    def test_the_wire_form_carries_no_links(self, worker):
        head, *lines = worker.writer.batch_since(0).to_wire().split(b"\n")
        assert all(b'"prev"' not in line for line in lines)
        assert canonical.decode_object(head)["base"] == ""

    def test_an_operation_line_that_carries_its_link_is_refused(self, worker):
        batch = worker.writer.batch_since(0)
        head, *_ = batch.to_wire().split(b"\n")
        with pytest.raises(ChainBroken) as broken:
            Batch.from_wire(b"\n".join([head, *(op.body for op in batch.ops)]))
        assert broken.value.code == "op_malformed"

    def test_a_changed_base_is_detected(self, worker):
        later = worker.writer.batch_since(2)
        head, *lines = later.to_wire().split(b"\n")
        changed = {**canonical.decode_object(head), "base": "0" * 64}
        received = Batch.from_wire(b"\n".join([canonical.encode(changed), *lines]))
        with pytest.raises(ChainBroken) as broken:
            verify_batch(received, worker.key.public)
        assert broken.value.code == "head_mismatch"

    def test_a_head_signed_by_another_key_is_refused(self, worker):
        batch = worker.writer.batch_since(0)
        with pytest.raises(ChainBroken) as broken:
            verify_batch(batch, DeviceKey.generate().public)
        assert broken.value.code == "bad_signature"

    def test_an_altered_operation_is_detected(self, worker):
        wire = worker.writer.batch_since(0).to_json()
        wire["ops"][2]["changes"]["situation"] = "改过的记录"
        with pytest.raises(ChainBroken) as broken:
            Batch.from_json(wire)
        assert broken.value.code == "op_altered"

    def test_an_altered_operation_with_a_recomputed_id_breaks_the_link(self, worker):
        batch = worker.writer.batch_since(0)
        ops = list(batch.ops)
        envelope = ops[2].envelope()
        envelope["changes"] = {**envelope["changes"], "situation": "改过的记录"}
        ops[2] = Operation.from_envelope(envelope)
        with pytest.raises(ChainBroken) as broken:
            verify_batch(rebatch(batch, ops), worker.key.public)
        assert broken.value.code == "op_altered"
        assert broken.value.seq == 4

    def test_a_missing_operation_is_detected(self, worker):
        batch = worker.writer.batch_since(0)
        with pytest.raises(ChainBroken) as broken:
            verify_batch(rebatch(batch, batch.ops[:2] + batch.ops[3:]), worker.key.public)
        assert broken.value.code == "op_missing"

    def test_reordered_operations_are_detected(self, worker):
        batch = worker.writer.batch_since(0)
        ops = list(batch.ops)
        ops[1], ops[2] = ops[2], ops[1]
        with pytest.raises(ChainBroken) as broken:
            verify_batch(rebatch(batch, ops), worker.key.public)
        assert broken.value.code in {"op_reordered", "op_missing"}

    def test_a_truncated_batch_does_not_match_its_head(self, worker):
        batch = worker.writer.batch_since(0)
        with pytest.raises(ChainBroken) as broken:
            verify_batch(rebatch(batch, batch.ops[:-1]), worker.key.public)
        assert broken.value.code == "head_mismatch"

    def test_a_batch_that_does_not_continue_the_known_chain_is_refused(self, worker, tablet):
        replica = Replica()
        replica.receive(worker.writer.batch_since(0), worker.key.public)
        other = tablet("worker")
        other.writer.create("visit", visit_example())
        other.writer.create("visit", visit_example())
        second = other.writer.batch_since(1)
        with pytest.raises(ChainBroken) as broken:
            verify_batch(second, other.key.public, known_prev=replica.store.op_id_at(
                "device-worker", 1))
        assert broken.value.code == "chain_forked"


class TestHandOver:
    def test_a_hand_over_costs_one_signature_however_many_operations(self, worker):
        batch = worker.writer.batch_since(0)
        assert batch.head.seq == 5 and batch.head.head == batch.ops[-1].id

    def test_a_hand_over_can_resume_from_the_acknowledged_mark(self, worker):
        replica = Replica()
        replica.receive(worker.writer.batch_since(0, limit=2), worker.key.public)
        replica.receive(worker.writer.batch_since(2), worker.key.public)
        assert replica.digest() == worker.replica.digest()
