"""A district's grid tree for the office bench: the demo street and as many more as a ledger
of a given size needs.

A district has about 600 third-level grids (DOMAIN.md: 12 streets, 79 communities, 600+
grids), and one year of its field work is about a million ledger entries, some 1,650 per
grid. So the bench roster holds one grid per `ENTRIES_PER_GRID_YEAR` entries: the demo
roster's 千佛山街道 (its two communities of three grids, and five more communities of seven),
then further streets of seven communities of seven grids, as many as needed (656 grids in
14 streets for 1,000,000 entries, 66 grids in 2 streets for 100,000). Each grid has its
grid worker and a roster of households (some 重点户), each community its staff, mediator
and patrol team, each street its staff. The demo roster's people keep their places, so
高平 (w-gaoping) is the street staff of 千佛山街道 and 林东 (w-lindong) the district admin.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from server.local import ROOT

DEMO_ROSTER = ROOT / "server" / "demo" / "roster.yaml"
DEMO_STREET = "s-qianfoshan"
ENTRIES_PER_GRID_YEAR = 1_525
"""What one grid's year puts in the ledger with the mix `bench/office_fill.py` writes
(measured: 927,687 entries from 606 grids), a little under, so a fill has at least the
entries it is named after."""
HOUSEHOLDS_PER_GRID = 240
KEY_HOUSEHOLD_SHARE = 0.08
DEMO_EXTRA_COMMUNITIES = 5
COMMUNITIES_PER_STREET = 7
GRIDS_PER_COMMUNITY = 7
STREET_NAMES = ("解放路", "趵突泉", "泉城路", "大明湖", "东关", "文东", "建新", "甸柳", "燕山",
                "姚家", "龙洞", "智远", "舜华路", "舜耕", "历山", "文化东路", "山大路", "窑头")
ORDINALS = "一二三四五六七八九十"
TEAM_KINDS = ("public_security", "property_security", "residents", "volunteers")
TEAM_NAMES = {"public_security": "综治巡防队", "property_security": "物业保安巡防队",
              "residents": "群众巡防队", "volunteers": "志愿者巡逻队"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡"
GIVEN = ("秀英", "桂兰", "志强", "建国", "淑珍", "明亮", "海燕", "红梅", "国华", "玉兰", "文博",
         "家豪", "雨轩", "晓东", "凤兰", "宝山", "树森", "丽娟", "春生", "德明", "子涵", "俊杰")


@dataclass
class GridPlan:
    id: str
    name: str
    community_id: str
    street_id: str
    worker_id: str
    households: list[str] = field(default_factory=list)
    key_households: list[str] = field(default_factory=list)


@dataclass
class CommunityPlan:
    id: str
    name: str
    street_id: str
    staff_id: str
    mediator_id: str
    team_id: str
    team_kind: str
    members: list[str]
    grids: list[GridPlan] = field(default_factory=list)


@dataclass
class StreetPlan:
    id: str
    name: str
    staff_id: str
    communities: list[CommunityPlan] = field(default_factory=list)


@dataclass
class District:
    streets: list[StreetPlan]
    extra_roster: dict[str, list[dict[str, Any]]]
    """The rows beyond the demo roster's, in the roster file's form (households apart)."""
    household_rows: list[dict[str, Any]]
    """Every grid's bench households (the demo roster's eight per demo grid come with it)."""

    @property
    def communities(self) -> list[CommunityPlan]:
        return [community for street in self.streets for community in street.communities]

    @property
    def grids(self) -> list[GridPlan]:
        return [grid for community in self.communities for grid in community.grids]

    def write_roster(self, path: Path) -> None:
        path.write_text(yaml.safe_dump(self.extra_roster, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")


def grids_for(entries: int) -> int:
    """How many grids make a year of `entries` ledger entries (at least the demo's six)."""
    return max(6, round(entries / ENTRIES_PER_GRID_YEAR))


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(("139", "138", "187", "150", "152", "186")) + f"{rng.randrange(10**8):08d}"


def district(grid_count: int, seed: int = 7,
             households_per_grid: int = HOUSEHOLDS_PER_GRID) -> District:
    """The demo street and as many generated ones as `grid_count` grids take, with
    `households_per_grid` households in each generated grid's roster."""
    rng = random.Random(seed)
    demo = yaml.safe_load(DEMO_ROSTER.read_text(encoding="utf-8"))
    builder = _Builder(rng, demo)
    streets = builder.demo_street()
    budget = grid_count - len(streets[0].communities[0].grids) - len(
        streets[0].communities[1].grids)
    street = streets[0]
    while budget > 0:
        if len(street.communities) >= _capacity(street):
            street = builder.street(len(streets))
            streets.append(street)
        number = len(street.communities) + 1 - (2 if street.id == DEMO_STREET else 0)
        size = min(GRIDS_PER_COMMUNITY, budget)
        street.communities.append(builder.community(street, number, size))
        budget -= size
    for street in streets:
        for community in street.communities:
            for grid in community.grids:
                builder.households(grid, households_per_grid)
    return District(streets, builder.rows, builder.household_rows)


def _capacity(street: StreetPlan) -> int:
    """Communities a street holds: the demo street its two and five more."""
    return 2 + DEMO_EXTRA_COMMUNITIES if street.id == DEMO_STREET else COMMUNITIES_PER_STREET


class _Builder:
    """Makes the generated rows, and reads the demo roster's places and people."""

    def __init__(self, rng: random.Random, demo: dict[str, list[dict[str, Any]]]) -> None:
        self.rng = rng
        self.demo = demo
        self.rows: dict[str, list[dict[str, Any]]] = {
            "streets": [], "communities": [], "grids": [], "patrol_teams": [], "workers": []}
        self.household_rows: list[dict[str, Any]] = []

    def demo_street(self) -> list[StreetPlan]:
        workers = self.demo["workers"]

        def with_role(role: str, **place: str) -> list[str]:
            return [w["id"] for w in workers if w["role"] == role
                    and all(w.get(key) == value for key, value in place.items())]

        (street_row,) = self.demo["streets"]
        street = StreetPlan(street_row["id"], street_row["name"],
                            with_role("street_staff", street_id=street_row["id"])[0])
        for row in self.demo["communities"]:
            (team,) = [t for t in self.demo["patrol_teams"] if t["community_id"] == row["id"]]
            community = CommunityPlan(
                row["id"], row["name"], street.id,
                with_role("community_staff", community_id=row["id"])[0],
                with_role("mediator", community_id=row["id"])[0], team["id"], team["kind"],
                with_role("patrol_member", team_id=team["id"]))
            for grid in self.demo["grids"]:
                if grid["community_id"] == row["id"]:
                    community.grids.append(GridPlan(
                        grid["id"], grid["name"], row["id"], street.id,
                        with_role("grid_worker", grid_id=grid["id"])[0]))
            street.communities.append(community)
        return [street]

    def street(self, number: int) -> StreetPlan:
        name = STREET_NAMES[(number - 1) % len(STREET_NAMES)]
        if number > len(STREET_NAMES):
            name += ORDINALS[(number - 1) // len(STREET_NAMES)]
        street_id = f"s-b{number:02d}"
        staff = self._worker("street_staff", street_id=street_id)
        self.rows["streets"].append({"id": street_id, "name": f"{name}街道"})
        return StreetPlan(street_id, f"{name}街道", staff)

    def community(self, street: StreetPlan, number: int, grids: int) -> CommunityPlan:
        short = street.name.removesuffix("街道")
        if street.id == DEMO_STREET:
            community_id, ordinal = f"c-qfs-{number}", ORDINALS[number - 1 + 2]
        else:
            community_id, ordinal = f"c-{street.id[2:]}-{number}", ORDINALS[number - 1]
        name = f"{short}第{ordinal}社区"
        self.rows["communities"].append({"id": community_id, "street_id": street.id,
                                         "name": name})
        kind = TEAM_KINDS[self.rng.randrange(len(TEAM_KINDS))]
        team_id = f"t-{community_id[2:]}"
        self.rows["patrol_teams"].append({"id": team_id, "community_id": community_id,
                                          "kind": kind, "name": f"{name}{TEAM_NAMES[kind]}"})
        community = CommunityPlan(
            community_id, name, street.id,
            self._worker("community_staff", community_id=community_id),
            self._worker("mediator", community_id=community_id), team_id, kind,
            [self._worker("patrol_member", team_id=team_id) for _ in range(2)])
        for n in range(1, grids + 1):
            grid_id = f"g-{community_id[2:]}-{n}"
            grid_name = f"{name}第{ORDINALS[n - 1]}网格"
            self.rows["grids"].append({"id": grid_id, "community_id": community_id,
                                       "name": grid_name})
            community.grids.append(GridPlan(grid_id, grid_name, community_id, street.id,
                                            self._worker("grid_worker", grid_id=grid_id)))
        return community

    def _worker(self, role: str, **place: str) -> str:
        (where,) = place.values()
        worker_id = f"w-{role.split('_')[0]}-{where[2:]}-{len(self.rows['workers'])}"
        self.rows["workers"].append({"id": worker_id, "name": person(self.rng), "role": role,
                                     "phone": mobile(self.rng), **place})
        return worker_id

    def households(self, grid: GridPlan, count: int) -> None:
        for n in range(1, count + 1):
            household_id = f"h-{grid.id[2:]}-{n:03d}"
            key = self.rng.random() < KEY_HOUSEHOLD_SHARE
            building, unit, room = 1 + (n - 1) // 24, 1 + (n - 1) // 8 % 3, \
                100 * (1 + (n - 1) % 8 // 2) + 1 + (n - 1) % 2
            self.household_rows.append({
                "id": household_id, "grid_id": grid.id, "building": f"{building}号楼",
                "unit": f"{unit}单元", "room": str(room), "head_name": person(self.rng),
                "phone": mobile(self.rng), "id_number": "",
                "address": f"{grid.name}{building}号楼{unit}单元{room}室",
                "key_household": key, "roster_version": 1})
            grid.households.append(household_id)
            if key:
                grid.key_households.append(household_id)
