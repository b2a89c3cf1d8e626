"""What the week must end with, read from the tablets and from the server's database.

Each check returns the problems it found (empty: kept), so a failed run names every
broken promise at once, not just the first.
"""

from __future__ import annotations

from collections import Counter

import orjson
from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.models import Device, LedgerEntry, RecordProjection, Worker
from server.services.conflict_queue import open_questions
from server.services.office_scope import OfficeArea
from sync.record_state import RecordState
from sync.scope import area_of
from tests.chaos.week import ChaosWeek


def operations_made(week: ChaosWeek) -> dict[str, list[str]]:
    """device id -> the op ids of its own chain, in chain order."""
    made: dict[str, list[str]] = {}
    for one in week.tablets:
        device_id = one.tablet.writer.device_id
        ops, _ = one.tablet.replica.ops_since(0, limit=10**9)
        own = sorted((op for op in ops if op.device_id == device_id), key=lambda op: op.seq)
        made[device_id] = [op.id for op in own]
    return made


def exactly_once(app: Flask, made: dict[str, list[str]]) -> list[str]:
    """Every operation made is in the ledger once, accepted, at its place in its chain;
    nothing else from these tablets is there."""
    problems = []
    with app.app_context():
        rows = db.session.execute(select(
            LedgerEntry.device_id, LedgerEntry.device_seq, LedgerEntry.op_id,
            LedgerEntry.verdict)).all()
    entered: dict[str, list[tuple[int, str, str]]] = {}
    for device_id, seq, op_id, verdict in rows:
        entered.setdefault(device_id, []).append((seq, op_id, verdict))
    for op_id, times in Counter(row[2] for row in rows).items():
        if times > 1:
            problems.append(f"{op_id} is in the ledger {times} times")
    for device_id, op_ids in made.items():
        found = sorted(entered.get(device_id, []))
        expected = [(seq, op_id, "accepted") for seq, op_id in enumerate(op_ids, start=1)]
        if found != expected:
            missing = {op for _, op, _ in expected} - {op for _, op, _ in found}
            problems.append(f"device {device_id}: {len(expected)} made, {len(found)} entered,"
                            f" {len(missing)} missing, verdicts "
                            f"{Counter(v for _, _, v in found)}")
    return problems


def delivered_and_lost(app: Flask, made: dict[str, list[str]]) -> tuple[int, int]:
    """How many of the operations made are in the ledger, and how many are not."""
    wanted = {op_id for op_ids in made.values() for op_id in op_ids}
    with app.app_context():
        entered = set(db.session.scalars(select(LedgerEntry.op_id)))
    return len(wanted & entered), len(wanted - entered)


def tablets_match_the_server(app: Flask, week: ChaosWeek) -> list[str]:
    """Each tablet holds exactly the server's merged records of its area, equal to the
    last value, conflict and note."""
    problems = []
    with app.app_context():
        for one in week.tablets:
            device = db.session.get(Device, one.tablet.writer.device_id)
            worker = db.session.get(Worker, device.worker_id)
            area = area_of(worker.role, worker.street_id, worker.community_id, worker.grid_id)
            column = {"grid": RecordProjection.grid_id,
                      "community": RecordProjection.community_id,
                      "street": RecordProjection.street_id}[area.level]
            server = {row.id: RecordState(orjson.loads(row.state)).view()
                      for row in db.session.scalars(
                          select(RecordProjection).where(column == area.id))}
            tablet = {view["id"]: view for view in one.tablet.replica.records()}
            if tablet.keys() != server.keys():
                problems.append(f"{one.name}: {len(tablet)} records, the server has "
                                f"{len(server)} in its area")
            differing = [rid for rid in server.keys() & tablet.keys()
                         if server[rid] != tablet[rid]]
            if differing:
                problems.append(f"{one.name}: {len(differing)} records differ, e.g. "
                                f"{differing[0]}")
    return problems


def conflicts_queued(app: Flask, week: ChaosWeek) -> tuple[int, list[str]]:
    """Every field with competing versions, on the server or any tablet, is a question in
    the office's queue. Returns how many there are, and what is missing."""
    with app.app_context():
        states = [RecordState(orjson.loads(state)).view() for state in db.session.scalars(
            select(RecordProjection.state))]
        queued: set[tuple[str, str]] = set()
        page = open_questions(OfficeArea("all"))
        for number in range(1, page.pages + 1):
            queued |= {(q.record_id, q.field)
                       for q in open_questions(OfficeArea("all"), number).questions}
    waiting = {(view["id"], conflict["field"])
               for view in states for conflict in view.get("conflicts", [])}
    for one in week.tablets:
        waiting |= {(view["id"], conflict["field"])
                    for view in one.tablet.replica.records()
                    for conflict in view.get("conflicts", [])}
    return len(waiting), [f"{rid}.{name} is not in the queue"
                          for rid, name in sorted(waiting - queued)]
