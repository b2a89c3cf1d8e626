"""A week in the street under fire: 20 tablets, a bad network and a server that crashes.

Every tablet is the field app's own: `FirstRun` enrols it through the network, the forms
(`VisitForm`, `ScreeningForm`, `CaseDesk`, `PatrolLog`) write its records into its sealed
store, `SyncRun` syncs it. Only three things are simulated:

- each tablet's wall clock, set up to three days off (`Tablet.open(clock=...)`);
- the network (`tests.server.network.FaultProxy`): requests held back (so pipelined
  batches overtake each other), sent twice, cut on the way there or back, or answered and
  then lost;
- the server's death: on some pushes, the proxy kills gunicorn (SIGKILL to the whole
  process group) with the request in its hands, and a new gunicorn starts on the same
  database.

Each day every tablet works (visits, the week's screening, notes and edits on the cases it
sees, patrols), then the tablets sync in waves, several at once. All dice come from the
seed: what each tablet does on each day, and what happens to a device's n-th request,
are both functions of (seed, tablet, day or n), so the order in which threads happen to
run does not change the plan. After the week the network is quiet and every tablet syncs
until nothing is left to send; then `settle` checks what the project promises.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from field_app.services.case_desk import CaseDesk
from field_app.services.case_opening import PartyDraft
from field_app.services.enrolment_card import EnrolmentCard
from field_app.services.patrol_log import PatrolLog, grid_choices
from field_app.services.recording import NotSaved, Recorder
from field_app.services.screening_form import ScreeningForm
from field_app.services.sync_run import SyncOutcome
from field_app.services.tablet import FirstRun, Tablet, TabletFiles
from field_app.services.vault import Vault
from field_app.services.visit_form import VisitForm
from server.local import LiveServer, kill_server, start_server
from server.services.enrolment import issue_code
from sync.client import ClientSettings
from sync.clock import wall_ms
from tests.field_app.conftest import CHEAP_KDF, PIN
from tests.server.network import Fault, FaultProxy, Message

DAY_MS = 86_400_000

FIELD_PEOPLE = [
    "w-wangfang", "w-zhaolei", "w-sunli", "w-zhouqiang", "w-wuxia", "w-zhengwei",
    "w-liming", "w-chenjing", "w-liuyang", "w-yangxue", "w-gaoping",
    "w-huangjun", "w-zhoumin", "w-xugang", "w-majie",
]
SECOND_TABLETS = ["w-wangfang", "w-sunli", "w-zhengwei", "w-liming", "w-chenjing"]
"""Five people carry a second tablet: 20 in all, and pairs that edit the same cases."""

SETTINGS = ClientSettings(push_attempts=3, backoff_base=0.05, backoff_cap=0.2,
                          retry_backoff=0.05, connect_timeout=2.0, read_timeout=15.0)


@dataclass(frozen=True)
class ChaosPlan:
    """How hard the week is; `seed` makes it again."""

    seed: int
    days: int = 7
    visits_per_day: tuple[int, int] = (2, 4)
    syncs_per_day: int = 2
    kill_chance: float = 0.015
    duplicate_chance: float = 0.08
    delay_chance: float = 0.15
    cut_chance: float = 0.05
    lose_answer_chance: float = 0.06
    batch_size: int = 4
    at_once: int = 4


@dataclass
class ChaosCounts:
    made: int = 0
    delivered: int = 0
    retried: int = 0
    duplicated_by_network: int = 0
    answers_lost: int = 0
    requests_cut: int = 0
    server_kills: int = 0
    failed_syncs: int = 0
    refused_by_forms: int = 0
    conflicts: int = 0
    lost: int = 0

    def line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in vars(self).items())


@dataclass
class FieldTablet:
    """One tablet of the week: the app's `Tablet`, and its owner's name for the dice."""

    name: str
    worker_id: str
    tablet: Tablet
    recorder: Recorder

    def fresh_recorder(self) -> Recorder:
        self.recorder = Recorder.for_tablet(self.tablet)
        return self.recorder


class CrashingServer:
    """gunicorn that the proxy kills on cue; it comes back on the same database."""

    def __init__(self, env: dict[str, str], folder: Path, *, workers: int = 2) -> None:
        self.env = env
        self.workers = workers
        self.folder = folder
        self._lock = threading.Lock()
        self.proxy: FaultProxy | None = None
        self.kills = 0
        self.server: LiveServer = self._start()

    def _start(self) -> LiveServer:
        return start_server(self.env, workers=self.workers,
                            log=self.folder / f"gunicorn-{self.kills}.log")

    def kill_and_restart(self, after_s: float = 0.0) -> None:
        """The power goes `after_s` after the request reached the server (before or after
        its commit, as it happens), and comes back."""
        time.sleep(after_s)
        with self._lock:
            kill_server(self.server)
            self.kills += 1
            self.server = self._start()
            if self.proxy is not None:
                self.proxy.retarget(self.server.port)

    def stop(self) -> None:
        with self._lock:
            kill_server(self.server)


class NetworkDice:
    """The fault each request meets, from (seed, device, its n-th request).

    Any request may carry the server's death, be held or lose its answer; pushes (POSTs of
    batches) may also be duplicated or cut on the way. Whatever the dice say, the first
    push of the week kills the server with the batch in its hands, and each tablet's first
    push arrives twice: every run meets both."""

    def __init__(self, plan: ChaosPlan) -> None:
        self.plan = plan
        self.quiet = True
        self._seen: dict[str, int] = {}
        self._pushed: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, request: Message) -> Fault | None:
        if self.quiet:
            return None
        device = _device_of(request)
        is_push = request.method == "POST" and "/push" in request.path
        with self._lock:
            number = self._seen[device] = self._seen.get(device, 0) + 1
            first_of_week, first_of_device = not self._pushed, device not in self._pushed
            if is_push:
                self._pushed.add(device)
        if is_push and first_of_week:
            return Fault(kill_server=True)
        if is_push and first_of_device:
            return Fault(duplicate=True)
        dice = random.Random(f"{self.plan.seed}:{device}:{number}")
        roll = dice.random()
        plan = self.plan
        if roll < plan.kill_chance:
            return Fault(kill_server=True)
        roll -= plan.kill_chance
        if is_push and roll < plan.duplicate_chance:
            return Fault(duplicate=True, delay_s=dice.uniform(0, 0.05))
        roll -= plan.duplicate_chance
        if is_push and roll < plan.cut_chance:
            return Fault(cut_request_after=dice.randint(100, 2000))
        roll -= plan.cut_chance
        if roll < plan.lose_answer_chance:
            return Fault(lose_response=True)
        roll -= plan.lose_answer_chance
        if roll < plan.delay_chance:
            return Fault(delay_s=dice.uniform(0.02, 0.2))
        return None


def _device_of(request: Message) -> str:
    found = re.search(rb"(?im)^x-minqing-device:\s*(\S+)", request.raw)
    return found.group(1).decode() if found else "anonymous"


@dataclass
class ChaosWeek:
    """The week: set up with `open`, worked with `run`, checked by the caller."""

    plan: ChaosPlan
    app: Flask
    server: CrashingServer
    proxy: FaultProxy
    dice: NetworkDice
    folder: Path
    tablets: list[FieldTablet] = field(default_factory=list)
    counts: ChaosCounts = field(default_factory=ChaosCounts)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    @contextlib.contextmanager
    def open(cls, plan: ChaosPlan, app: Flask, env: dict[str, str], folder: Path
             ) -> Iterator[ChaosWeek]:
        server = CrashingServer(env, folder)
        dice = NetworkDice(plan)
        proxy = FaultProxy(server.server.port, plan=dice,
                           on_kill=lambda: server.kill_and_restart(
                               random.Random(f"{plan.seed}:kill:{server.kills}").uniform(0, 0.08)))
        server.proxy = proxy
        week = cls(plan, app, server, proxy, dice, folder)
        try:
            week.enrol_tablets()
            yield week
        finally:
            for one in week.tablets:
                with contextlib.suppress(Exception):
                    one.tablet.close()
            proxy.close()
            server.stop()

    # -- the week ---------------------------------------------------------------------

    def enrol_tablets(self) -> None:
        """Each tablet enrols through the proxy (the network still quiet) and pulls its
        roster, as on the day the office hands them out."""
        people = FIELD_PEOPLE + SECOND_TABLETS
        for number, worker_id in enumerate(people):
            name = f"{worker_id}#{number}"
            skew = random.Random(f"{self.plan.seed}:skew:{name}").randint(-3 * DAY_MS,
                                                                          3 * DAY_MS)
            files = TabletFiles(self.folder / f"tablet-{number}")
            first_run = FirstRun(files, kdf=CHEAP_KDF, settings=SETTINGS)
            with self.app.app_context():
                code = issue_code(worker_id).code
            first_run.enrol(EnrolmentCard(self.proxy.url, code), f"{name}的平板")
            first_run.set_pin(PIN).close()
            unlocked = Vault(files.vault, kdf=CHEAP_KDF).unlock(PIN)
            tablet = Tablet.open(files, unlocked, settings=SETTINGS,
                                 clock=_skewed_clock(skew))
            assert tablet.sync is not None
            tablet.sync.run.batch_size = self.plan.batch_size
            outcome = tablet.sync.run.run()
            assert outcome.succeeded, outcome.problem
            self.tablets.append(FieldTablet(name, worker_id, tablet,
                                            Recorder.for_tablet(tablet)))

    def run(self) -> ChaosCounts:
        self.dice.quiet = False
        for day in range(self.plan.days):
            for one in self.tablets:
                self.work(one, day)
            self.same_case_twice(day)
            for wave in range(self.plan.syncs_per_day):
                self.sync_wave(day, wave)
        self.dice.quiet = True
        self.settle()
        return self.counts

    def work(self, one: FieldTablet, day: int) -> None:
        """A day of `one`'s work, through the app's forms; a form's refusal (a case moved
        on meanwhile, say) is what the worker would read, and writes nothing."""
        dice = random.Random(f"{self.plan.seed}:work:{one.name}:{day}")
        recorder = one.fresh_recorder()
        role = recorder.role
        chores: list[Callable[[], object]] = []
        if role == "grid_worker":
            chores += [lambda: self.visit(recorder, dice)
                       for _ in range(dice.randint(*self.plan.visits_per_day))]
            if day % 3 == 0:
                chores.append(lambda: self.screening(recorder, dice, day))
        if role == "patrol_member":
            chores.append(lambda: self.patrol(recorder, dice))
        if role != "patrol_member":
            chores += [lambda: self.case_work(recorder, dice) for _ in range(dice.randint(1, 3))]
        for chore in chores:
            try:
                chore()
            except NotSaved:
                with self._lock:
                    self.counts.refused_by_forms += 1

    def same_case_twice(self, day: int) -> None:
        """A person's two tablets rewrite one case's description before either syncs:
        concurrent values, which the office must settle (so every week has conflicts)."""
        dice = random.Random(f"{self.plan.seed}:twice:{day}")
        by_worker: dict[str, list[FieldTablet]] = {}
        for one in self.tablets:
            by_worker.setdefault(one.worker_id, []).append(one)
        for pair in by_worker.values():
            if len(pair) < 2:
                continue
            shared = sorted(set.intersection(*(
                {view["id"] for view in one.tablet.replica.records("dispute")} for one in pair)))
            if not shared:
                continue
            case_id = dice.choice(shared)
            for number, one in enumerate(pair):
                with contextlib.suppress(NotSaved), one.recorder.saving() as writer:
                    writer.update(case_id, {"description": f"{DISPUTES[number]}（第{day + 1}天）"})

    def visit(self, recorder: Recorder, dice: random.Random) -> None:
        form = VisitForm(recorder)
        households = form.households("")
        if households:
            form.choose_household(dice.choice(households).household_id)
        else:
            form.type_new_household(f"住户{dice.randint(1, 999)}", building="1号楼")
        form.set_situation(dice.choice(SITUATIONS))
        form.save()

    def screening(self, recorder: Recorder, dice: random.Random, day: int) -> None:
        form = ScreeningForm(recorder)
        areas = form.area_choices()
        form.set_areas(areas[:1] or ["全网格"])
        if dice.random() < 0.6:
            form.add_case("civil", f"第{day + 1}天排查：{dice.choice(DISPUTES)}",
                          dice.choice(["green", "yellow", "red"]),
                          [PartyDraft("刘志强", "楼上住户"), PartyDraft("陈桂兰", "楼下住户")])
        else:
            form.attest_nothing_found()
        form.save()

    def case_work(self, recorder: Recorder, dice: random.Random) -> None:
        """A note, a step forward, or a rewritten description (the field two people most
        often change at once: the conflicts the office must settle)."""
        cases = sorted(view["id"] for view in recorder.replica.records("dispute")
                       if not view.get("retracted"))
        if not cases:
            return
        desk = CaseDesk(recorder, dice.choice(cases))
        roll = dice.random()
        if roll < 0.45:
            desk.add_note(f"{recorder.worker_name(recorder.worker_id)}：{dice.choice(NOTES)}")
            return
        if roll < 0.75:
            with recorder.saving() as writer:
                writer.update(desk.case_id, {"description": dice.choice(DISPUTES)})
            return
        forward = [a for a in desk.allowed_actions() if a.kind in ("status", "escalate")]
        if forward:
            action = dice.choice(forward)
            if action.kind == "status":
                desk.move_status(action.value)
            else:
                desk.escalate(action.value)

    def patrol(self, recorder: Recorder, dice: random.Random) -> None:
        team_id = _team_of(recorder)
        grids = grid_choices(recorder)
        patrol = PatrolLog.start(recorder, team_id, [],
                                 grid_id=dice.choice(grids).grid_id if grids else None)
        for place in dice.sample(PLACES, 2):
            patrol.checkpoint(place, "正常")
        patrol.end()

    def sync_wave(self, day: int, wave: int) -> None:
        dice = random.Random(f"{self.plan.seed}:wave:{day}:{wave}")
        going = [one for one in self.tablets if dice.random() < 0.8]
        dice.shuffle(going)
        with ThreadPoolExecutor(max_workers=self.plan.at_once) as pool:
            for outcome in pool.map(self.sync, going):
                self.note(outcome)

    def sync(self, one: FieldTablet) -> SyncOutcome:
        assert one.tablet.sync is not None
        return one.tablet.sync.run.run()

    def note(self, outcome: SyncOutcome) -> None:
        with self._lock:
            self.counts.retried += outcome.retries
            if not outcome.succeeded:
                self.counts.failed_syncs += 1

    def settle(self, rounds: int = 6) -> None:
        """The network is quiet: everyone syncs until nothing waits and a round brings
        nothing new (a round's pushes reach the others in the next round's pulls)."""
        for _ in range(rounds):
            outcomes = [self.sync(one) for one in self.tablets]
            for outcome in outcomes:
                self.note(outcome)
            if all(o.succeeded and o.waiting == 0 and o.sent == 0 and o.received == 0
                   for o in outcomes):
                break
        network = self.proxy.counts
        self.counts.duplicated_by_network = network.duplicated
        self.counts.answers_lost = network.answers_lost
        self.counts.requests_cut = network.cut
        self.counts.server_kills = self.server.kills


def _team_of(recorder: Recorder) -> str:
    for worker in recorder.roster_list("workers"):
        if worker.get("id") == recorder.worker_id and worker.get("team_id"):
            return str(worker["team_id"])
    teams = recorder.roster_list("patrol_teams")
    return str(teams[0]["id"]) if teams else ""


def _skewed_clock(offset_ms: int) -> Callable[[], int]:
    return lambda: wall_ms() + offset_ms


SITUATIONS = [
    "老人身体尚可，反映楼道灯不亮。",
    "家中无异常，提醒注意用电安全。",
    "反映小区停车难，已记录。",
    "独居老人，子女每周来看望。",
    "租户更换，已登记新住户信息。",
]
DISPUTES = [
    "楼上漏水渗到楼下天花板，双方争执。",
    "邻里因噪音发生口角。",
    "物业费收取有争议。",
    "停车位被占，双方互不相让。",
    "装修破坏防水层，协商赔偿。",
]
NOTES = ["上门了解情况", "双方同意先请物业查看", "约定周末再次协商", "已电话回访"]
PLACES = ["小区东门", "3号楼北侧", "地下车库", "健身广场", "西门岗亭"]
