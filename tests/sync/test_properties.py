"""Properties of the sync core under a hostile network, checked by hypothesis.

A fleet of 2–6 tablets (workers, mediators, office staff, clocks up to three days off) edit
shared dispute cases offline and gossip their operations shuffled, duplicated and with
drops that later retries make good. Whatever happens:

- every replica converges to the same records and the same conflicts;
- every write ever made stays retrievable from history;
- a case's status never moves backward, and its escalation level never drops, unless an
  authorised override was applied;
- changing any byte of any operation is detected.
"""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sync import canonical, workflow
from sync.chain import Batch, ChainBroken, verify_batch
from sync.operation import Operation, OpKind
from sync.replica import Replica
from sync.simulation import DAY_MS, SimulatedTime, Tablet, hand_over, make_tablet
from sync.stores.sqlite import SQLiteStore
from tests.sync.examples import dispute_example
from tests.sync.forgery import forge_update

ROLES = ("grid_worker", "mediator", "community_staff", "grid_worker", "street_staff", "mediator")
TEXTS = ("邻里噪音纠纷", "楼上漏水", "物业费争议", "已调解", "Wi-Fi 信号差 & 门禁坏了", "")
COLOURS = ("green", "yellow", "red")
tablet_index = st.integers(0, 5)
case_index = st.integers(0, 3)


class Fleet(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.time = SimulatedTime()
        self.tablets: list[Tablet] = []
        self.cases: list[str] = []
        self.made: dict[str, Operation] = {}
        self.seen: dict[tuple[int, str], dict] = {}

    @initialize(
        size=st.integers(2, 6),
        offsets=st.lists(st.integers(-3 * DAY_MS, 3 * DAY_MS), min_size=6, max_size=6),
    )
    def enrol_fleet(self, size: int, offsets: list[int]) -> None:
        """Tablets with skewed clocks, all holding two cases opened at the last sync."""
        self.tablets = [
            make_tablet(f"t{i}", self.time, role=ROLES[i], offset_ms=offsets[i])
            for i in range(size)
        ]
        first = self.tablets[0]
        for _ in range(2):
            self.cases.append(first.writer.create("dispute", dispute_example()))
        self._record_local(0)
        for tablet in self.tablets[1:]:
            hand_over(first.all_ops(), tablet)
            self._remember(self.tablets.index(tablet))

    # -- what people do offline ----------------------------------------------------------

    @rule(who=tablet_index)
    def open_case(self, who: int) -> None:
        tablet = self._tablet(who)
        self.cases.append(tablet.writer.create("dispute", dispute_example()))
        self._record_local(who)

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index,
          field=st.sampled_from(["description", "risk_colour", "assigned_to"]),
          pick=st.integers(0, 5))
    def edit_field(self, who: int, which: int, field: str, pick: int) -> None:
        value = COLOURS[pick % 3] if field == "risk_colour" else TEXTS[pick] or "未填写"
        self._edit(who, which, lambda w, rid: w.update(rid, {field: value}))

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index, pick=st.integers(0, 10))
    def move_status_forward(self, who: int, which: int, pick: int) -> None:
        def move(writer, rid):
            current = writer.replica.record(rid)["values"]["status"]
            ahead = sorted(workflow.reachable(current))
            if ahead:
                writer.update(rid, {"status": ahead[pick % len(ahead)]})
        self._edit(who, which, move)

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index, pick=st.integers(0, 3))
    def escalate(self, who: int, which: int, pick: int) -> None:
        def climb(writer, rid):
            current = writer.replica.record(rid)["values"]["escalation_level"]
            ladder = workflow.ESCALATION_LADDER
            level = ladder[max(pick, ladder.index(current))]
            writer.update(rid, {"escalation_level": level})
        self._edit(who, which, climb)

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index, pick=st.integers(0, 3))
    def override(self, who: int, which: int, pick: int) -> None:
        def lower(writer, rid):
            if workflow.may_override(writer.author.role):
                if pick % 2:
                    writer.override(rid, "status", "mediating", "重新调解")
                else:
                    level = workflow.ESCALATION_LADDER[pick]
                    writer.override(rid, "escalation_level", level, "退回下级办理")
        self._edit(who, which, lower)

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index, pick=st.integers(0, 5))
    def add_note(self, who: int, which: int, pick: int) -> None:
        entry = {"text": TEXTS[pick] or "耐心听", "at": "2026-11-20T10:00:00+08:00", "by": "x"}
        self._edit(who, which, lambda w, rid: w.add(rid, "mediation_notes", entry))

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index, pick=st.integers(0, 5))
    def settle_a_conflict(self, who: int, which: int, pick: int) -> None:
        def settle(writer, rid):
            for conflict in writer.replica.record(rid)["conflicts"]:
                versions = conflict["versions"]
                writer.resolve(rid, conflict["field"], versions[pick % len(versions)]["value"])
                return
        self._edit(who, which, settle)

    @precondition(lambda self: self.cases)
    @rule(who=tablet_index, which=case_index,
          goal=st.sampled_from(["found", "mediating", "grid", "community"]))
    def outdated_app_moves_backward(self, who: int, which: int, goal: str) -> None:
        """An op no current writer would make: a backward move with no authority."""
        tablet = self._tablet(who)
        record_id = self.cases[which % len(self.cases)]
        if tablet.replica.record(record_id) is None:
            return
        field = "escalation_level" if goal in workflow.ESCALATION_LADDER else "status"
        forge_update(tablet, record_id, {field: goal})
        self._check_no_regression(who % len(self.tablets), overridden=set())
        self._record_local(who)

    @rule(hours=st.integers(1, 48))
    def time_passes(self, hours: int) -> None:
        self.time.advance(hours * 3_600_000)

    # -- what the network does -----------------------------------------------------------

    @rule(source=tablet_index, receiver=tablet_index, seed=st.integers(0, 2**16),
          drop=st.sampled_from([0.0, 0.3, 0.8]), duplicate=st.sampled_from([0.0, 0.5]))
    def gossip(self, source: int, receiver: int, seed: int, drop: float, duplicate: float) -> None:
        src, dst = self._tablet(source), self._tablet(receiver)
        if src is dst:
            return
        report = hand_over(src.all_ops(), dst, random.Random(seed), drop=drop,
                           duplicate=duplicate)
        assert report.quarantined == []
        overridden = {self.made[i].record_id for i in report.applied
                      if self.made[i].kind is OpKind.OVERRIDE}
        self._check_no_regression(receiver % len(self.tablets), overridden)

    # -- what must always hold -----------------------------------------------------------

    @invariant()
    def nothing_is_quarantined(self) -> None:
        for tablet in self.tablets:
            assert tablet.replica.quarantined() == []

    def teardown(self) -> None:
        if not self.tablets:
            return
        with tempfile.TemporaryDirectory() as folder:
            central = Replica(SQLiteStore(Path(folder) / "central.sqlite3"))
            everything = list(self.made.values())
            rng = random.Random(len(everything))
            for tablet in self.tablets:
                hand_over(everything, tablet, rng, duplicate=0.3)
            hand_over(everything, central, rng, duplicate=0.3)
            replicas = [t.replica for t in self.tablets] + [central]
            digests = {r.digest() for r in replicas}
            assert len(digests) == 1, "replicas diverged"
            conflicts = {canonical.digest(r.conflicts()) for r in replicas}
            assert len(conflicts) == 1, "conflict sets differ"
            for replica in replicas:
                assert replica.pending() == []
                assert replica.store.known_ids(self.made) == set(self.made)
            self._check_history_keeps_every_write(central)
            central.store.close()

    # -- internals -----------------------------------------------------------------------

    def _tablet(self, index: int) -> Tablet:
        return self.tablets[index % len(self.tablets)]

    def _edit(self, who: int, which: int, action) -> None:
        tablet = self._tablet(who)
        record_id = self.cases[which % len(self.cases)]
        if tablet.replica.record(record_id) is None:
            return  # this tablet has not heard of the case yet
        action(tablet.writer, record_id)
        self._record_local(who)

    def _record_local(self, who: int) -> None:
        tablet = self._tablet(who)
        for op in tablet.all_ops():
            self.made.setdefault(op.id, op)
        self._remember(who % len(self.tablets))

    def _remember(self, index: int) -> None:
        for record in self.tablets[index].replica.records("dispute"):
            self.seen[index, record["id"]] = record

    def _check_no_regression(self, index: int, overridden: set[str]) -> None:
        for record in self.tablets[index].replica.records("dispute"):
            before = self.seen.get((index, record["id"]))
            if before is None or record["id"] in overridden:
                continue
            old, new = before["values"], record["values"]
            assert not (new["status"] != old["status"]
                        and workflow.is_forward(new["status"], old["status"])), "status regressed"
            if not workflow.is_forward(old["status"], new["status"]):
                assert any(c["kind"] == "status_incomparable" for c in record["conflicts"])
            rank = workflow.escalation_rank
            assert rank(new["escalation_level"]) >= rank(old["escalation_level"]), "level dropped"
        self._remember(index)

    def _check_history_keeps_every_write(self, replica: Replica) -> None:
        for op in self.made.values():
            history = replica.history(op.record_id)
            assert any(entry["op"] == op.id and entry["changes"] == op.changes
                       for entry in history)


Fleet.TestCase.settings = settings(
    max_examples=60, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFleetConverges = Fleet.TestCase


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_changing_any_byte_of_any_operation_is_detected(data) -> None:
    tablet = _tampering_fixture()
    wire = bytearray(tablet.writer.batch_since(0).to_wire())
    first_op_byte = wire.index(b"\n") + 1
    position = data.draw(st.integers(first_op_byte, len(wire) - 1), label="byte")
    replacement = data.draw(st.integers(0, 255).filter(lambda b: b != wire[position]))
    wire[position] = replacement
    try:
        batch = Batch.from_wire(bytes(wire))
        verify_batch(batch, tablet.key.public)
    except ChainBroken:
        return
    raise AssertionError("a tampered operation verified")


@functools.cache
def _tampering_fixture() -> Tablet:
    """One worker's signed morning, built once: tampering works on copies of its wire form."""
    tablet = make_tablet("worker", SimulatedTime())
    case_id = tablet.writer.create("dispute", dispute_example())
    tablet.writer.update(case_id, {"risk_colour": "red", "status": "mediating"})
    tablet.writer.add(case_id, "mediation_notes", {
        "text": "细心查", "at": "2026-11-20T10:00:00+08:00", "by": "worker"})
    return tablet


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)
    | st.sampled_from(["found", "resolved", "referred", "street", "grid"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    writes=st.lists(
        st.tuples(st.integers(0, 1),
                  st.sampled_from(["status", "escalation_level", "description", "mystery"]),
                  json_values,
                  st.sampled_from([OpKind.UPDATE, OpKind.OVERRIDE, OpKind.RESOLVE])),
        min_size=1, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_any_json_value_in_any_field_merges_the_same_everywhere(writes, seed) -> None:
    """Whatever a broken or hostile app writes, merging never fails and still converges."""
    time = SimulatedTime()
    tablets = [make_tablet("a", time), make_tablet("b", time, role="street_staff")]
    case_id = tablets[0].writer.create("dispute", dispute_example())
    hand_over(tablets[0].all_ops(), tablets[1])
    for who, field, value, kind in writes:
        forge_update(tablets[who], case_id, {field: value}, kind=kind, reason="原因")
    everything = {op.id: op for t in tablets for op in t.all_ops()}
    replicas = [Replica(), Replica()]
    hand_over(list(everything.values()), replicas[0], random.Random(seed))
    hand_over(list(everything.values()), replicas[1], random.Random(seed + 1), duplicate=0.5)
    assert replicas[0].digest() == replicas[1].digest()
    assert replicas[0].record(case_id) is not None
