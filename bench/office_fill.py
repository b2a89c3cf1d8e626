"""A district's year of field work written into the ledger and every table the office reads.

What the office pages read after a year: `ledger_entries` (each street's hash-chained
ledger, with its `street_ledgers` row and Merkle frontier), the current-state tables
(`record_projections`, the four type ledgers and 问题清单 `request_ledger`, as
`server.services.projections.ProjectedRecord` makes their rows), a device row per tablet
with its last sync, and the households on each grid's roster. Pushing a year through the
API would take hours, so it is written in bulk; but every entry is a real sealed operation
of a tablet's chain, every state is the `sync` merge of those operations, and every row is
what the server itself would have written had the operations been pushed (the entries are
not countersigned by tree heads, so `flask verify-ledger` is not meant to pass).

The year ends now, and each day of it brings, per grid (`bench/office_district.py`):
- visits (民情日记): about three a working day and one a weekend day, a quarter of them to
  重点户; a fifth carry residents' requests (诉求) triaged into the three problem lists,
  most of which are later handled, reported back and rated (`request_progress` steps, each
  an operation of its own, some late against their due dates, some never done);
- the weekly screening (一周一排查) on a working day of each week, now and then missed or
  late; about one in eight finds a dispute case;
- dispute cases (矛盾纠纷) found by screenings and visits, each then moved on by the
  community's mediator (mediating, notes in the 五心 steps), some escalated, most resolved
  and rated, a few with two writers' risk colours in conflict;
- per community, a patrol a day (巡防日志) by its team, with its checkpoints, then ended;
- per street, the half-month screening (半月一排查) by its staff.
Each operation reaches the server a few minutes after it was made, or in the evening or
next morning when the tablet was offline; entries are in the order they were received,
street by street, and the few operations not yet received by now are left out.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import records
from flask import Flask
from ledger_fill import COLUMNS, accepted_row
from office_district import CommunityPlan, District, GridPlan, StreetPlan, person
from sqlalchemy import text

from server.database import insert_many, is_postgres
from server.extensions import db
from server.models import (
    Device,
    Household,
    LedgerEntry,
    RecordProjection,
    RequestLedger,
    StreetLedger,
)
from server.services.projections import (
    LEDGER_COLUMNS,
    LEDGER_OF_TYPE,
    PROJECTION_COLUMNS,
    ProjectedRecord,
)
from server.services.request_ledger import REQUEST_COLUMNS
from sync.deadlines import CHINA
from sync.merkle import CompactRange
from sync.operation import Author, Operation, OpKind
from sync.record_state import RecordState
from sync.schemas import SCHEMA_VERSION, validate_changes, validate_child, validate_record
from sync.scope import Place

DAYS = 365
CHUNK = 20_000
"""Ledger entries written per insert."""
CHECKED_PER_KIND = 300
"""The first operations of each record type and kind are validated against the schemas,
so a mistake here shows as an error, not as rows no tablet could have written."""
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR

SITUATIONS = (
    *records.SITUATIONS,
    "老两口身体健康，儿女在外地工作，留了紧急联系电话。",
    "新生儿家庭，介绍了社区卫生服务站的疫苗接种安排。",
)
REQUESTS = {
    "living": ("楼道灯损坏，请尽快维修", "下水道堵塞，污水外溢", "小区路面坑洼，老人出行不便",
               "希望增设电动车充电桩", "单元门禁损坏，外人随意进出"),
    "government": ("咨询养老金资格认证办理流程", "咨询居住证办理所需材料", "询问医保异地就医备案",
                   "咨询低保申请条件"),
    "legal": ("咨询遗产继承的法律问题", "劳动合同纠纷，希望得到法律援助",
              "租房押金被扣，咨询如何维权"),
    "party": ("流动党员组织关系转接咨询", "希望参加社区党员志愿服务活动"),
    "volunteer": ("独居老人希望志愿者定期上门陪伴", "行动不便，需要志愿者帮助代购生活用品"),
    "culture": ("希望社区开设老年书法班", "建议周末组织亲子阅读活动", "希望广场舞活动错开午休时间"),
}
SERVICE_WEIGHTS = {"living": 35, "government": 20, "legal": 10, "party": 8, "volunteer": 12,
                   "culture": 15}
EXPLANATIONS = ("涉及规划调整，暂不具备整改条件，已向居民说明并存档。",
                "属于产权单位责任，已告知居民反映渠道并存档。",
                "资金需纳入明年预算，已向居民解释并存档。")
DESCRIPTIONS = (
    "{b}号楼{r}卫生间漏水，渗到楼下天花板，双方对维修费用有争议。",
    "{b}号楼{r}住户在楼道堆放杂物，邻居多次劝说无果，引发口角。",
    "{b}号楼业主与物业因停车费上涨产生纠纷，十余户拒交物业费。",
    "{b}号楼{r}装修噪音扰民，周末早上七点开工，邻居投诉。",
    "{b}号楼{r}饲养大型犬未拴绳，吓到老人和儿童，双方争执。",
    "兄弟二人因老人房产继承问题发生争执，老人要求社区调解。",
    "{b}号楼{r}空调外机滴水落在楼下阳台，多次沟通未果。",
    "{b}号楼租户拖欠房租三个月，房东换锁引发冲突。",
    "居民反映有人以高息为诱饵推销理财产品，疑似非法集资。",
)
NOTES = (
    ("ask", "热心询问双方诉求，了解事情经过。"), ("listen", "耐心听取双方意见，情绪已基本平稳。"),
    ("check", "请物业派人查看现场，确认责任方。"),
    ("persuade", "双方同意先各退一步，费用按比例分担。"),
    ("consider", "联系司法所律师提供法律咨询，约定下周回访。"),
)
PLACES = ("小区南门", "1号楼西侧", "地下车库入口", "健身广场", "垃圾分类点", "公交站", "北门岗亭",
          "7号楼楼道", "快递驿站", "幼儿园门口", "菜市场东口", "社区卫生服务站")
PATROL_NOTES = ("一切正常", "一切正常", "一切正常", "发现路灯损坏一处，已登记",
                "电动车违规充电，已劝离", "消防通道有车辆占用，已通知车主挪车",
                "井盖松动，已设置警示")
PARTY_ROLES = ("申请人", "被申请人")


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def uuid7_at(moment_ms: int, rng: random.Random) -> str:
    """A UUIDv7 made at `moment_ms`, as the tablet's `sync.ids.new_id` would have made it
    then (time-ordered ids index as the real ones do)."""
    bits = (moment_ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) \
        | rng.getrandbits(62)
    value = f"{bits:032x}"
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def iso(moment_ms: int) -> str:
    """A tablet's time: Beijing time with its offset, to the second."""
    return datetime.fromtimestamp(moment_ms / 1000, CHINA).isoformat(timespec="seconds")


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CHINA).timestamp() * 1000)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- plans --------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One operation to be sealed when its turn comes (received order)."""

    received_at: int
    order: int
    life: Life
    author: Author
    kind: OpKind
    changes: dict[str, Any]
    concurrent: bool = False
    """Based on what its record's previous step was based on: the two are in conflict."""


@dataclass(slots=True)
class Life:
    """A record's operations over the year: its state as they are sealed, and how many are
    still to come (when none are, its projection rows are written)."""

    record_id: str
    record_type: str
    place: Place
    remaining: int = 0
    state: RecordState | None = None
    last_parents: tuple[str, ...] = ()
    position: int = 0


@dataclass(slots=True)
class Tablet:
    """A synthetic tablet's chain and clock."""

    device_id: str
    worker_id: str
    enrolled_at: int
    seq: int = 0
    prev: str = ""
    hlc: tuple[int, int] = (0, 0)
    last_seen_at: int = 0

    def tick(self, wall: int) -> tuple[int, int]:
        """The next hybrid-clock reading: never behind the last one."""
        last_wall, counter = self.hlc
        self.hlc = (wall, 0) if wall > last_wall else (last_wall, counter + 1)
        return self.hlc


@dataclass
class StreetChain:
    """Where a street's ledger stands while it is filled."""

    street_id: str
    size: int = 0
    last_hash: str = ""
    compact: CompactRange = field(default_factory=lambda: CompactRange([]))


class LifePlan:
    """Plans one record's operations in time order: each made after the one before has
    reached the server (another tablet cannot edit what it has not pulled), each received
    when its tablet next syncs; those not received by now are dropped, with all after."""

    def __init__(self, year: Year, record_type: str, record_id: str, place: Place) -> None:
        self.year = year
        self.life = Life(record_id, record_type, place)
        self.steps: list[Step] = []
        self.last_received = 0
        self.closed = False

    def step(self, at: int, author: Author, kind: OpKind,
             changes: Callable[[int], dict[str, Any]], *, concurrent: bool = False
             ) -> int | None:
        """Plan an operation made at `at` (or just after the previous one reached the
        server); `changes` makes its changes from the time it is made. Returns that time,
        or None if it would not have reached the server by now."""
        if self.closed:
            return None
        if self.steps and not concurrent:
            at = max(at, self.last_received + 5 * MINUTE)
        received = max(self.year.sync_time(at), self.last_received + 1000)
        if at > self.year.now or received > self.year.now:
            self.closed = True
            return None
        self.steps.append(Step(received, 0, self.life, author, kind, changes(at), concurrent))
        self.last_received = received
        return at

    def schedule(self) -> None:
        self.life.remaining = len(self.steps)
        for step in self.steps:
            self.year.schedule(step)


class Year:
    """Plans and writes the year, day by day (see the module's docstring)."""

    def __init__(self, app: Flask, district: District, seed: int, now_ms: int) -> None:
        self.app = app
        self.district = district
        self.rng = random.Random(seed)
        self.now = now_ms
        self.today = datetime.fromtimestamp(now_ms / 1000, CHINA).date()
        self.first_day = self.today - timedelta(days=DAYS - 1)
        self.buckets: dict[int, list[Step]] = defaultdict(list)
        self.order = 0
        self.tablets: dict[str, Tablet] = {}
        self.streets = {street.id: StreetChain(street.id) for street in district.streets}
        self.entries: list[tuple[Any, ...]] = []
        self.projections: list[tuple[Any, ...]] = []
        self.ledgers: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.requests: list[tuple[Any, ...]] = []
        self.checked: dict[tuple[str, str], int] = defaultdict(int)
        self.written = 0
        self.counts: dict[str, int] = defaultdict(int)
        """Entries by record type and kind (``visit create``)."""
        self.roles = self._roles()

    # -- time ------------------------------------------------------------------------------

    def day_index(self, moment_ms: int) -> int:
        return (datetime.fromtimestamp(moment_ms / 1000, CHINA).date() - self.first_day).days

    def sync_time(self, made_at: int) -> int:
        """When an operation made at `made_at` reaches the server: minutes later mostly;
        in the evening, or the next morning, when the tablet had no signal."""
        draw = self.rng.random()
        if draw < 0.85:
            return made_at + self.rng.randint(1, 20) * MINUTE + self.rng.randint(0, 59_999)
        day = datetime.fromtimestamp(made_at / 1000, CHINA).date()
        if draw < 0.97:
            evening = day_start(day) + 19 * HOUR + self.rng.randint(0, 3 * HOUR)
            if evening > made_at:
                return evening
        return day_start(day + timedelta(days=1)) + 7 * HOUR + self.rng.randint(0, 2 * HOUR)

    def at(self, day: date, first_hour: float, last_hour: float) -> int:
        return day_start(day) + int(self.rng.uniform(first_hour, last_hour) * HOUR)

    def schedule(self, step: Step) -> None:
        self.order += 1
        step.order = self.order
        self.buckets[self.day_index(step.received_at)].append(step)

    # -- people ----------------------------------------------------------------------------

    def _roles(self) -> dict[str, Author]:
        authors = {}
        for street in self.district.streets:
            authors[street.staff_id] = Author(street.staff_id, "street_staff")
            for community in street.communities:
                authors[community.staff_id] = Author(community.staff_id, "community_staff")
                authors[community.mediator_id] = Author(community.mediator_id, "mediator")
                for member in community.members:
                    authors[member] = Author(member, "patrol_member")
                for grid in community.grids:
                    authors[grid.worker_id] = Author(grid.worker_id, "grid_worker")
        return authors

    def tablet(self, worker_id: str) -> Tablet:
        tablet = self.tablets.get(worker_id)
        if tablet is None:
            tablet = self.tablets[worker_id] = Tablet(
                f"dev-bench-{worker_id}", worker_id, day_start(self.first_day) - 7 * DAY)
        return tablet

    # -- the year --------------------------------------------------------------------------

    def run(self, progress: Callable[[str], None]) -> int:
        """Plan and write every day; returns the entries written."""
        with self.app.app_context():
            for index in range(DAYS):
                day = self.first_day + timedelta(days=index)
                self.plan_day(day)
                self.emit(self.buckets.pop(index, []))
                if day.day == 1 or index == DAYS - 1:
                    progress(f"{day.isoformat()}: {self.written + len(self.entries):,} entries")
            self.flush()
            self.finish()
        return self.written

    def plan_day(self, day: date) -> None:
        for street in self.district.streets:
            if day.day in (1, 16) or day == self.first_day:
                self.half_month_screening(street, day)
            for community in street.communities:
                self.patrol(community, day)
                for grid in community.grids:
                    if day.weekday() == 0 or day == self.first_day:
                        self.weekly_screening(grid, day)
                    for _ in range(self.visit_count(day)):
                        self.visit(grid, community, day)

    def visit_count(self, day: date) -> int:
        trials, chance = (8, 0.4) if day.weekday() < 5 else (4, 0.2)
        return sum(self.rng.random() < chance for _ in range(trials))

    # -- visits ----------------------------------------------------------------------------

    def visit(self, grid: GridPlan, community: CommunityPlan, day: date) -> None:
        rng = self.rng
        made = self.at(day, 8.5, 18)
        record_id = uuid7_at(made, rng)
        plan = LifePlan(self, "visit", record_id, self.place(grid))
        worker = self.roles[grid.worker_id]
        key = bool(grid.key_households) and rng.random() < 0.25
        data: dict[str, Any] = {"grid_id": grid.id, "worker_id": grid.worker_id}
        if rng.random() < 0.04:
            data["new_household"] = {"name": person(rng), "building": f"{rng.randint(1, 12)}号楼",
                                     "room": str(rng.choice((101, 202, 301, 502)))}
        else:
            data["household_id"] = rng.choice(grid.key_households if key else grid.households)
        kind = weighted(rng, {"key_household": 70, "routine": 30} if key else
                        {"routine": 80, "themed": 14, "urgent": 6})
        requests = self.requests_of(made) if rng.random() < 0.2 else []
        data.update({
            "visit_kind": kind, "visited_at": iso(made),
            "people_met": [{"name": person(rng), "relation": rng.choice(("户主", "配偶", "子女"))}],
            "situation": rng.choice(SITUATIONS), "requests": requests, "attachments": []})
        if plan.step(made, worker, OpKind.CREATE, lambda _at: data) is None:
            return
        for at, request, step, by in self.progress_of(made, requests, grid, community):
            author = self.roles[by]
            plan.step(at, author, OpKind.ADD, _progress(request, step, by, rng))
        plan.schedule()
        if rng.random() < 0.012:
            self.dispute(grid, community, made + 20 * MINUTE, ("visit", record_id))

    def requests_of(self, made: int) -> list[dict[str, Any]]:
        rng = self.rng
        requests = []
        for _ in range(1 if rng.random() < 0.8 else 2):
            service = weighted(rng, SERVICE_WEIGHTS)
            problem = weighted(rng, {"fix_now": 50, "fix_by_deadline": 35, "cannot_fix": 15})
            request = {"id": uuid7_at(made, rng), "service_class": service,
                       "summary": rng.choice(REQUESTS[service]), "problem_list": problem}
            if problem == "fix_by_deadline":
                due = datetime.fromtimestamp(made / 1000, CHINA).date() + timedelta(
                    days=rng.randint(7, 30))
                request["due_date"] = due.isoformat()
            elif problem == "cannot_fix":
                request["explanation"] = rng.choice(EXPLANATIONS)
            requests.append(request)
        return requests

    def progress_of(self, made: int, requests: list[dict[str, Any]], grid: GridPlan,
                    community: CommunityPlan) -> list[tuple[int, str, str, str]]:
        """(when, request id, step, by whom) of each request's 365 steps, in time order:
        即知即改 handled within a day or two mostly, 限时整改 around its due date (some
        after it), 无法整改 never; then reported back, and rated by the resident (the
        rating recorded by the worker or the community office)."""
        rng = self.rng
        steps = []
        for request in requests:
            problem = request["problem_list"]
            if problem == "cannot_fix" or rng.random() > (0.9 if problem == "fix_now" else 0.85):
                continue
            if problem == "fix_now":
                handled = made + rng.randint(1, 40) * HOUR
            else:
                due_days = (date.fromisoformat(request["due_date"])
                            - datetime.fromtimestamp(made / 1000, CHINA).date()).days
                handled = made + int(due_days * rng.uniform(0.3, 1.25) * DAY)
            steps.append((handled, request["id"], "handled", grid.worker_id))
            if rng.random() < 0.8:
                reported = handled + rng.randint(2, 36) * HOUR
                steps.append((reported, request["id"], "reported_back", grid.worker_id))
                if rng.random() < 0.6:
                    by = community.staff_id if rng.random() < 0.3 else grid.worker_id
                    steps.append((reported + rng.randint(4, 96) * HOUR, request["id"], "rated",
                                  by))
        return sorted(steps)

    # -- screenings and cases ----------------------------------------------------------------

    def weekly_screening(self, grid: GridPlan, day: date) -> None:
        """This ISO week's screening of `grid`: on a working day of it mostly; sometimes
        early the week after (late), sometimes not at all."""
        rng = self.rng
        monday = day - timedelta(days=day.weekday())
        draw = rng.random()
        if draw < 0.04:
            return
        on = monday + timedelta(days=rng.randint(7, 8) if draw < 0.07 else rng.randint(0, 4))
        if on < day:
            on = day
        made = self.at(on, 9, 17)
        record_id = uuid7_at(made, rng)
        case_id = uuid7_at(made + 10 * MINUTE, rng) if rng.random() < 0.12 else None
        data = {"grid_id": grid.id, "iso_week": iso_week(monday), "scope": "weekly",
                "screened_at": iso(made), "worker_id": grid.worker_id,
                "screened_areas": [grid.name], "nothing_found": case_id is None,
                "case_ids": [case_id] if case_id else []}
        plan = LifePlan(self, "screening", record_id, self.place(grid))
        if plan.step(made, self.roles[grid.worker_id], OpKind.CREATE, lambda _at: data):
            plan.schedule()
            if case_id is not None:
                community = self.community_of(grid)
                self.dispute(grid, community, made + 10 * MINUTE, ("screening", record_id),
                             case_id)

    def half_month_screening(self, street: StreetPlan, day: date) -> None:
        last = 15 if day.day <= 15 else (
            (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        on = day + timedelta(days=self.rng.randint(0, max(0, min(last - day.day, 9))))
        made = self.at(on, 9, 17)
        grid = street.communities[0].grids[0]
        data = {"grid_id": grid.id, "iso_week": iso_week(on), "scope": "half_month",
                "screened_at": iso(made), "worker_id": street.staff_id,
                "screened_areas": [community.name for community in street.communities],
                "nothing_found": True, "case_ids": []}
        plan = LifePlan(self, "screening", uuid7_at(made, self.rng), self.place(grid))
        if plan.step(made, self.roles[street.staff_id], OpKind.CREATE, lambda _at: data):
            plan.schedule()

    def dispute(self, grid: GridPlan, community: CommunityPlan, made: int,
                source: tuple[str, str], record_id: str | None = None) -> None:
        """A case opened by the grid worker, then in the mediator's hands: mediating,
        notes, perhaps escalated; most resolved within their promise (some late) and
        rated; a few left open; now and then two writers set its colour at once."""
        rng = self.rng
        record_id = record_id or uuid7_at(made, rng)
        plan = LifePlan(self, "dispute", record_id, self.place(grid))
        worker, mediator = self.roles[grid.worker_id], self.roles[community.mediator_id]
        staff = self.roles[community.staff_id]
        deadline = weighted(rng, {"local": 70, "assigned": 20, "leader_instruction": 10})
        promise = 7 if deadline == "leader_instruction" else 30
        data = {
            "grid_id": grid.id,
            "category": weighted(rng, {"civil": 45, "property": 25, "complaint": 22,
                                       "investment": 8}),
            "parties": [{"name": person(rng), "role": role} for role in PARTY_ROLES],
            "description": rng.choice(DESCRIPTIONS).format(
                b=rng.randint(1, 12), r=rng.choice(("101", "202", "302", "402", "501"))),
            "risk_colour": weighted(rng, {"green": 55, "yellow": 30, "red": 15}),
            "status": "found", "escalation_level": "grid", "opened_at": iso(made),
            "opened_by": grid.worker_id, "deadline_kind": deadline,
            "source": {"kind": source[0], "id": source[1]}, "mediation_notes": []}
        if plan.step(made, worker, OpKind.CREATE, lambda _at: data) is None:
            return
        at = made + int(rng.uniform(0.2, 3) * DAY)
        if rng.random() < 0.9:
            plan.step(at, mediator, OpKind.UPDATE, lambda _at: {"status": "mediating"})
        if rng.random() < 0.03:
            plan.step(at + HOUR, worker, OpKind.UPDATE, lambda _at: {"risk_colour": "red"})
            plan.step(at + HOUR, mediator, OpKind.UPDATE, lambda _at: {"risk_colour": "yellow"},
                      concurrent=True)
        for _ in range(rng.randint(1, 4)):
            at += rng.randint(1, 7) * DAY
            step, note = rng.choice(NOTES)
            plan.step(at, mediator, OpKind.ADD, lambda when, step=step, note=note: {
                "mediation_notes": {"id": uuid7_at(when, rng), "text": note, "at": iso(when),
                                    "by": mediator.id, "step": step}})
        if rng.random() < 0.1:
            level = "street" if rng.random() < 0.2 else "community"
            plan.step(at + DAY, staff, OpKind.UPDATE, lambda _at: {"escalation_level": level})
        if rng.random() < 0.8:
            done = made + int(promise * rng.uniform(0.2, 1.2) * DAY)
            closed = plan.step(done, mediator, OpKind.UPDATE, lambda _at: {"status": "resolved"})
            if closed is not None and rng.random() < 0.7:
                rating = rng.choice((5, 5, 5, 4, 4, 3, 2))
                plan.step(closed + rng.randint(1, 5) * DAY, staff, OpKind.UPDATE,
                          lambda _at: {"rating": rating})
        plan.schedule()

    # -- patrols ---------------------------------------------------------------------------

    def patrol(self, community: CommunityPlan, day: date) -> None:
        rng = self.rng
        if rng.random() < 0.1:
            return
        started = self.at(day, 19, 21) if rng.random() < 0.6 else self.at(day, 8, 10)
        grid = rng.choice(community.grids)
        member = self.roles[rng.choice(community.members)]
        checkpoints = []
        at = started
        for place in rng.sample(PLACES, rng.randint(3, 6)):
            at += rng.randint(8, 20) * MINUTE
            note = rng.choice(PATROL_NOTES)
            checkpoints.append({
                "id": uuid7_at(at, rng), "at": iso(at), "place": place,
                "position": {"lat": 36.65 + rng.uniform(-0.01, 0.01),
                             "lon": 117.03 + rng.uniform(-0.01, 0.01)},
                "note": note, "colour": "green" if note == "一切正常" else "yellow"})
        findings = [{"id": uuid7_at(at, rng), "at": checkpoint["at"], "text": checkpoint["note"],
                     "colour": "yellow"} for checkpoint in checkpoints
                    if checkpoint["colour"] != "green"]
        data = {"grid_id": grid.id, "team_kind": community.team_kind,
                "team_id": community.team_id, "members": list(community.members),
                "started_at": iso(started), "checkpoints": checkpoints, "findings": findings}
        plan = LifePlan(self, "patrol", uuid7_at(started, rng), self.place(grid))
        if plan.step(started, member, OpKind.CREATE, lambda _at: data) is None:
            return
        plan.step(at + 10 * MINUTE, member, OpKind.UPDATE,
                  lambda when: {"ended_at": iso(when)})
        plan.schedule()

    # -- places ----------------------------------------------------------------------------

    def place(self, grid: GridPlan) -> Place:
        return Place(grid.street_id, grid.community_id, grid.id)

    def community_of(self, grid: GridPlan) -> CommunityPlan:
        for community in self.district.communities:
            if community.id == grid.community_id:
                return community
        raise KeyError(grid.community_id)

    # -- writing ---------------------------------------------------------------------------

    def emit(self, steps: list[Step]) -> None:
        """Seal the day's received operations in the order they were received, and enter
        each in its street's ledger."""
        steps.sort(key=lambda step: (step.received_at, step.order))
        for step in steps:
            self.enter(step)
            if len(self.entries) >= CHUNK:
                self.flush()

    def enter(self, step: Step) -> None:
        life = step.life
        tablet = self.tablet(step.author.id)
        if step.kind is OpKind.CREATE:
            parents: tuple[str, ...] = ()
        elif step.concurrent:
            parents = life.last_parents
        else:
            assert life.state is not None
            fields = step.changes.keys() if step.kind is OpKind.UPDATE else ()
            parents = tuple(life.state.parents_for(fields))
        self.check(life.record_type, step)
        self.counts[f"{life.record_type} {step.kind}"] += 1
        op = Operation.seal(
            record_id=life.record_id, record_type=life.record_type,
            device_id=tablet.device_id, seq=tablet.seq + 1, prev=tablet.prev, kind=step.kind,
            changes=step.changes, parents=parents,
            hlc=tablet.tick(step.received_at - MINUTE), author=step.author,
            schema_version=SCHEMA_VERSION)
        tablet.seq, tablet.prev, tablet.last_seen_at = op.seq, op.id, step.received_at
        if life.state is None:
            life.state = RecordState.empty(life.record_id, life.record_type)
        life.state.apply(op)
        life.last_parents = parents
        chain = self.streets[life.place.street_id]
        row = accepted_row(op, chain.street_id, life.place.community_id, life.place.grid_id,
                           chain.size + 1, chain.last_hash, step.received_at)
        chain.size, chain.last_hash = row["position"], row["entry_hash"]
        chain.compact.append(chain.last_hash)
        self.entries.append(tuple(row[name] for name in COLUMNS))
        life.position = chain.size
        life.remaining -= 1
        if life.remaining == 0:
            self.project(life)

    def check(self, record_type: str, step: Step) -> None:
        """Validate the first operations of each kind as a tablet's writer would."""
        key = (record_type, str(step.kind))
        if self.checked[key] >= CHECKED_PER_KIND:
            return
        self.checked[key] += 1
        if step.kind is OpKind.CREATE:
            validate_record(record_type, {**step.changes, "schema_version": SCHEMA_VERSION})
        elif step.kind is OpKind.ADD:
            for collection, entry in step.changes.items():
                validate_child(record_type, collection, entry)
        else:
            validate_changes(record_type, step.changes)

    def project(self, life: Life) -> None:
        assert life.state is not None
        record = ProjectedRecord.of(life.state)
        self.projections.append(record.projection_row(life.place, life.position))
        if record.ledger_row is not None:
            self.ledgers[life.record_type].append(record.ledger_row)
        if record.request_rows:
            self.requests.extend(record.request_rows)
        life.state = None

    def flush(self) -> None:
        insert_many(LedgerEntry.__table__, COLUMNS, self.entries)
        self.written += len(self.entries)
        self.entries = []
        insert_many(RecordProjection.__table__, PROJECTION_COLUMNS, self.projections)
        self.projections = []
        for record_type, rows in self.ledgers.items():
            insert_many(LEDGER_OF_TYPE[record_type].__table__, LEDGER_COLUMNS[record_type],
                        rows)
        self.ledgers = defaultdict(list)
        insert_many(RequestLedger.__table__, REQUEST_COLUMNS, self.requests)
        self.requests = []
        db.session.commit()

    def finish(self) -> None:
        """The streets' ledger rows, the tablets, and the grids' households."""
        for chain in self.streets.values():
            db.session.merge(StreetLedger(
                street_id=chain.street_id, size=chain.size, last_hash=chain.last_hash,
                frontier=json.dumps(chain.compact.to_json())))
        devices = [(tablet.device_id, tablet.worker_id, uuid.uuid4().hex + uuid.uuid4().hex[:20],
                    f"{tablet.worker_id}的平板", tablet.enrolled_at, 0, tablet.seq, tablet.prev,
                    tablet.last_seen_at) for tablet in self.tablets.values()]
        insert_many(Device.__table__, ("id", "worker_id", "public_key", "name", "enrolled_at",
                                       "last_counter", "acked_seq", "acked_head",
                                       "last_seen_at"), devices)
        columns = tuple(self.district.household_rows[0])
        insert_many(Household.__table__, columns,
                    [tuple(row[name] for name in columns)
                     for row in self.district.household_rows])
        db.session.commit()


def _progress(request: str, step: str, by: str, rng: random.Random
              ) -> Callable[[int], dict[str, Any]]:
    def changes(at: int) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": uuid7_at(at, rng), "request_id": request, "step": step,
                                 "at": iso(at), "by": by}
        if step == "rated":
            entry["rating"] = rng.choice((5, 5, 5, 4, 4, 4, 3, 2, 1))
        return {"request_progress": entry}
    return changes


def fill(app: Flask, district: District, seed: int = 7,
         progress: Callable[[str], None] = print) -> tuple[dict[str, int], float]:
    """Write the district's year up to now; returns (entries by record type and kind,
    seconds)."""
    started = time.perf_counter()
    year = Year(app, district, seed, int(time.time() * 1000))
    year.run(progress)
    with app.app_context():
        postgres = is_postgres()
        database = db.engine.url.database
        if postgres:
            # What autovacuum does soon after a load this size (and has long done on a
            # server a year old), without waiting for it.
            connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with connection:
                connection.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    if not postgres:
        # The log folded into the file, as the server's checkpointer would have done by
        # now. SQLite is left without statistics (no ANALYZE), as the server leaves it.
        with sqlite3.connect(str(database), isolation_level=None) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return dict(year.counts), time.perf_counter() - started
