"""A community office's records for the sync benches: visits, disputes and patrols in Chinese,
as the demo roster's 燕子山社区 would write them, plus the edits that follow some of them.

The workload is plain data (`Create` and `Edit`) so that every system under test receives
exactly the same records: `bench/sync_vs_couch.py` feeds it to our `RecordWriter` as
operations and to pouchdb-server as CouchDB documents. Texts are drawn from pools of
realistic phrases with a fixed seed, so a run is reproducible and compresses as real field
notes do (recurring names and phrases, varying details), neither better nor worse.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sync.ids import new_id

if TYPE_CHECKING:
    from sync.writer import RecordWriter

COMMUNITY_GRIDS = ("g-yzs-01", "g-yzs-02", "g-yzs-03")
"""燕子山社区's grids in server/demo/roster.yaml: where the community staff tablet writes."""
PATROL_TEAM = ("t-yzs-residents", "residents", ("w-huangjun", "w-zhoumin"))
AUTHOR_ID = "w-liuyang"
"""刘洋, community staff of 燕子山社区: may write every record type in its three grids."""
MIX = (("visit", 0.5), ("dispute", 0.3), ("patrol", 0.2))
"""Share of each record type: visits dominate a grid office's day."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡"
GIVEN = ("秀英", "桂兰", "志强", "建国", "淑珍", "明亮", "海燕", "红梅", "国华", "玉兰", "文博",
         "家豪", "雨轩", "晓东", "凤兰", "宝山", "树森", "丽娟", "春生", "德明")
RELATIONS = ("户主", "配偶", "儿子", "女儿", "儿媳", "孙子", "租户", "保姆")
SITUATIONS = (
    "老人身体尚可，反映楼道灯不亮，已报物业维修。",
    "独居老人，血压偏高，按时服药，子女每周来看望一次。",
    "家中有残疾人，轮椅出入不便，希望单元门口加装坡道。",
    "反映小区南门夜间停车混乱，消防通道被占。",
    "租户新搬入，已登记居住信息，提醒注意燃气安全。",
    "家庭和睦，无特殊困难，宣传了反诈知识和垃圾分类。",
    "低保户，申请临时救助材料已收齐，下周报街道审核。",
    "反映楼上夜间噪音影响休息，已约双方面谈。",
    "暖气不热，室温只有十四度，已联系热力公司上门检查。",
    "孩子上学接送困难，咨询社区托管班报名事宜。",
)
DESCRIPTIONS = (
    "{b}号楼{r}卫生间漏水，渗到楼下天花板，双方对维修费用有争议。",
    "{b}号楼{r}住户在楼道堆放杂物，邻居多次劝说无果，引发口角。",
    "{b}号楼业主与物业因停车费上涨产生纠纷，十余户拒交物业费。",
    "{b}号楼{r}装修噪音扰民，周末早上七点开工，邻居投诉。",
    "{b}号楼{r}饲养大型犬未拴绳，吓到老人和儿童，双方争执。",
    "兄弟二人因老人房产继承问题发生争执，老人要求社区调解。",
    "{b}号楼{r}空调外机滴水落在楼下阳台，多次沟通未果。",
    "{b}号楼租户拖欠房租三个月，房东换锁引发冲突。",
)
NOTES = (
    "耐心听取双方意见，情绪已基本平稳。", "请物业派人查看现场，确认责任方。",
    "约定本周五下午在社区会议室面对面调解。", "双方同意先各退一步，费用按比例分担。",
    "联系司法所律师提供法律咨询。", "回访一方，表示愿意配合调解。",
)
PLACES = ("小区南门", "1号楼西侧", "地下车库入口", "健身广场", "垃圾分类点", "燕子山路公交站",
          "小区北门岗亭", "7号楼楼道", "快递驿站", "幼儿园门口")
PATROL_NOTES = ("一切正常", "发现路灯损坏一处，已登记", "电动车违规充电，已劝离",
                "消防通道有车辆占用，已通知车主挪车", "井盖松动，已设置警示")
REQUESTS = (("living", "楼道灯损坏，请尽快维修", "fix_now"),
            ("government", "咨询养老金资格认证办理流程", "fix_now"),
            ("legal", "咨询遗产继承的法律问题", "fix_by_deadline"),
            ("living", "希望单元门口加装无障碍坡道", "fix_by_deadline"))
EDIT_SHARE = 0.1
"""Share of records edited after they were written (a status moves, a note is added)."""


@dataclass(frozen=True)
class Create:
    """A new record: its id, type and every field."""

    record_id: str
    record_type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Edit:
    """A later edit: new values for fields (`update`) or a child appended (`add`)."""

    record_id: str
    kind: str
    changes: dict[str, Any] = field(default_factory=dict)
    collection: str = ""
    entry: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Workload:
    creates: list[Create]
    edits: list[Edit]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def moment(rng: random.Random, day: int, hour: int | None = None) -> str:
    hour = rng.randint(8, 20) if hour is None else hour
    return f"2026-11-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:00+08:00"


def household(rng: random.Random, grid_id: str) -> str:
    """One of the grid's eight demo households (h-yzs-01-01 ... h-yzs-03-08)."""
    return f"h-{grid_id[2:]}-{rng.randint(1, 8):02d}"


def visit(rng: random.Random, grid_id: str, day: int) -> dict[str, Any]:
    met = [{"name": person(rng), "relation": rng.choice(RELATIONS)}
           for _ in range(rng.randint(1, 2))]
    return {
        "schema_version": 1, "grid_id": grid_id, "household_id": household(rng, grid_id),
        "visit_kind": rng.choice(("routine", "routine", "key_household", "themed")),
        "visited_at": moment(rng, day), "worker_id": AUTHOR_ID, "people_met": met,
        "situation": rng.choice(SITUATIONS), "requests": [], "attachments": [],
    }


def dispute(rng: random.Random, grid_id: str, day: int) -> dict[str, Any]:
    text = rng.choice(DESCRIPTIONS).format(b=rng.randint(1, 12), r=rng.choice(
        ("101", "202", "302", "402", "501", "602")))
    return {
        "schema_version": 1, "grid_id": grid_id,
        "category": rng.choice(("civil", "civil", "property", "complaint")),
        "parties": [{"name": person(rng), "role": "申请人"},
                    {"name": person(rng), "role": "被申请人"}],
        "description": text, "risk_colour": rng.choice(("green", "green", "yellow", "red")),
        "status": "found", "escalation_level": "grid", "opened_at": moment(rng, day),
        "opened_by": AUTHOR_ID, "mediation_notes": [],
    }


def patrol(rng: random.Random, grid_id: str, day: int) -> dict[str, Any]:
    team_id, kind, members = PATROL_TEAM
    hour = rng.randint(8, 19)
    checkpoints = [{
        "id": new_id(), "at": moment(rng, day, hour), "place": place,
        "note": rng.choice(PATROL_NOTES), "colour": "green",
    } for place in rng.sample(PLACES, 3)]
    return {
        "schema_version": 1, "grid_id": grid_id, "team_kind": kind, "team_id": team_id,
        "members": list(members), "started_at": moment(rng, day, hour),
        "checkpoints": checkpoints, "findings": [],
    }


MAKERS = {"visit": visit, "dispute": dispute, "patrol": patrol}


def edit_for(rng: random.Random, create: Create, day: int) -> Edit:
    """The edit a record typically gets next: a case moves on, a request, a patrol ends."""
    if create.record_type == "dispute":
        if rng.random() < 0.5:
            return Edit(create.record_id, "update",
                        {"status": "mediating", "risk_colour": rng.choice(("yellow", "red"))})
        return Edit(create.record_id, "add", collection="mediation_notes", entry={
            "id": new_id(), "text": rng.choice(NOTES), "at": moment(rng, day), "by": AUTHOR_ID,
            "step": "listen"})
    if create.record_type == "visit":
        service, summary, problems = rng.choice(REQUESTS)
        entry = {"id": new_id(), "service_class": service, "summary": summary,
                 "problem_list": problems}
        if problems == "fix_by_deadline":
            entry["due_date"] = f"2026-12-{rng.randint(1, 28):02d}"
        return Edit(create.record_id, "add", collection="requests", entry=entry)
    return Edit(create.record_id, "update", {"ended_at": moment(rng, day, 21)})


def generate(count: int, seed: int = 1, edit_share: float = EDIT_SHARE,
             grids: tuple[str, ...] = COMMUNITY_GRIDS) -> Workload:
    """`count` new records across `grids` and the edits that follow some of them."""
    rng = random.Random(seed)
    types = [name for name, _ in MIX]
    weights = [share for _, share in MIX]
    creates = []
    for n in range(count):
        record_type = rng.choices(types, weights)[0]
        day = 1 + n * 28 // max(count, 1)
        data = MAKERS[record_type](rng, rng.choice(grids), day)
        creates.append(Create(new_id(), record_type, data))
    edits = [edit_for(rng, create, 28) for create in creates if rng.random() < edit_share]
    return Workload(creates, edits)


def enter(writer: RecordWriter, workload: Workload) -> int:
    """Enter every record and edit on a tablet, as its user would; how many operations."""
    for create in workload.creates:
        writer.create(create.record_type, create.data, record_id=create.record_id)
    for edit in workload.edits:
        if edit.kind == "update":
            writer.update(edit.record_id, edit.changes)
        else:
            writer.add(edit.record_id, edit.collection, edit.entry)
    return len(workload.creates) + len(workload.edits)


def couch_doc(create: Create) -> dict[str, Any]:
    """The record as a CouchDB document: the same fields, the record id as `_id`."""
    return {"_id": create.record_id, "type": create.record_type, "author": AUTHOR_ID,
            **create.data}


def couch_edited(doc: dict[str, Any], edit: Edit, rev: str) -> dict[str, Any]:
    """The next revision of a document after `edit`, as a CouchDB client would save it."""
    revised = {**doc, "_rev": rev, **edit.changes}
    if edit.kind == "add":
        revised[edit.collection] = [*doc.get(edit.collection, []), edit.entry]
    return revised


def batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
