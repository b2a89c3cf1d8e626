"""`make run` (until the server exists): tablets edit one dispute case offline, then merge.

A grid worker, a mediator and the community office each hold the case. They go offline and
edit it at the same time (one tablet's clock is two days slow); then each hands its signed
batch to the office's SQLite replica and takes back everyone else's. The demo prints the
merged case, the conflict a person has to settle and the writes kept for review, shows that
every replica reads the same, then settles the conflict and prints the field's history.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sync.catalogue import text
from sync.replica import Replica
from sync.schemas import field_label, value_label
from sync.simulation import DAY_MS, SimulatedTime, Tablet, make_tablet
from sync.stores.sqlite import SQLiteStore

CASE = {
    "schema_version": 1,
    "grid_id": "lixia-qianfoshan-03",
    "category": "civil",
    "parties": [{"name": "刘志强", "role": "楼上住户"}, {"name": "陈桂兰", "role": "楼下住户"}],
    "description": "3号楼402卫生间漏水，渗到302天花板。",
    "risk_colour": "yellow",
    "status": "found",
    "escalation_level": "grid",
    "opened_at": "2026-11-24T09:10:00+08:00",
    "opened_by": "worker-wangfang",
    "mediation_notes": [],
}

WORKER_SAYS = "402卫生间防水层老化漏水，双方同意先请物业查看。"
MEDIATOR_SAYS = "漏水系402装修破坏防水层所致。"
AGREEMENT = "诚心劝说，刘志强同意赔偿维修费"
OFFICE_DECIDES = "402装修破坏防水层漏水；刘志强同意赔偿维修费。"


def main() -> None:
    time = SimulatedTime()
    worker = make_tablet("wangfang", time, author_id="王芳", offset_ms=-2 * DAY_MS)
    mediator = make_tablet("liming", time, role="mediator", author_id="李明")
    office = make_tablet("office", time, role="community_staff", author_id="社区综治中心")
    tablets = (worker, mediator, office)
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "office.sqlite3")
        central = Replica(store)
        say("demo.opened")
        case_id = worker.writer.create("dispute", CASE)
        sync_all(tablets, central, time)

        say("demo.offline")
        worker.writer.update(case_id, {"description": WORKER_SAYS})
        worker.writer.update(case_id, {"status": "mediating"})
        worker.writer.add(case_id, "mediation_notes", note("耐心听取双方意见", "王芳", "listen"))
        time.advance(600_000)
        mediator.writer.update(case_id, {"description": MEDIATOR_SAYS})
        mediator.writer.update(case_id, {"risk_colour": "red", "status": "resolved"})
        mediator.writer.add(case_id, "mediation_notes", note(AGREEMENT, "李明", "persuade"))
        office.writer.update(case_id, {"escalation_level": "community"})

        say("demo.sync")
        sync_all(tablets, central, time)
        show_case(central, case_id)
        same = len({t.replica.digest() for t in tablets} | {central.digest()}) == 1
        say("demo.converged" if same else "demo.diverged")

        say("demo.settle")
        office.writer.resolve(case_id, "description", OFFICE_DECIDES)
        office.writer.resolve(case_id, "status", "resolved")
        sync_all(tablets, central, time)
        show_case(central, case_id)
        show_history(central, case_id, "description")
        store.close()


def sync_all(tablets: tuple[Tablet, ...], central: Replica, time: SimulatedTime) -> None:
    """Each tablet pushes what the office has not acknowledged, then pulls everything."""
    for tablet in tablets:
        acknowledged, _ = central.store.device_head(tablet.device_id)
        report = central.receive(tablet.writer.batch_since(acknowledged), tablet.key.public,
                                 received_at=time.now_ms)
        line = text("demo.pushed", tablet=tablet.writer.author.id, sent=len(report.applied))
        if report.clock_skew is not None:
            line += "；" + text("sync.clock_skew", days=round(report.clock_skew.days, 1))
        print("  " + line)
    everything, _ = central.ops_since(0, limit=100_000)
    for tablet in tablets:
        tablet.writer.receive(everything)


def show_case(replica: Replica, case_id: str) -> None:
    record = replica.record(case_id)
    assert record is not None
    print(text("demo.case_heading"))
    for field, value in record["values"].items():
        if isinstance(value, list) and field == "mediation_notes":
            for entry in value:
                print(f"    {field_label('dispute', field)}：{entry['by']}：{entry['text']}")
        elif not isinstance(value, list):
            print(f"    {field_label('dispute', field)}：{value_label('dispute', field, value)}")
    for conflict in record["conflicts"]:
        print("  " + text(f"conflict.{conflict['kind']}",
                          field=field_label("dispute", conflict["field"])))
        for version in conflict["versions"]:
            print(f"      - {version['author']['id']}：{version['value']}")
    for review in record["reviews"]:
        version = review["version"]
        requested = version.get("requested", version["value"])
        print("  " + text(f"review.{review['kind']}", field=field_label("dispute", review["field"]),
                          requested=value_label("dispute", review["field"], requested)))
        shown = value_label("dispute", review["field"], version["value"])
        print(f"      - {version['author']['id']}：{shown}")
    if not record["conflicts"] and not record["reviews"]:
        print("  " + text("demo.no_conflicts"))


def show_history(replica: Replica, case_id: str, field: str) -> None:
    print(text("demo.history", field=field_label("dispute", field)))
    for entry in replica.history(case_id, field):
        print(f"    [{text('demo.kind.' + entry['kind'])}] {entry['author']['id']}"
              f"（{entry['device']}）：{entry['changes'][field]}")


def note(words: str, by: str, step: str) -> dict[str, Any]:
    return {"text": words, "at": "2026-11-26T10:00:00+08:00", "by": by, "step": step}


def say(key: str) -> None:
    print()
    print(text(key))


if __name__ == "__main__":
    main()
