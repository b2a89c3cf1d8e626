"""Valid example records, one per record type; each call returns a fresh dict to modify."""

from __future__ import annotations

from typing import Any


def visit_example() -> dict[str, Any]:
    """A routine visit to 3号楼2单元402 with one request in each problem list."""
    return {
        "schema_version": 1,
        "grid_id": "jinan-lixia-qianfoshan-03",
        "household_id": "hh-3-2-402",
        "visit_kind": "routine",
        "visited_at": "2026-11-26T09:30:00+08:00",
        "worker_id": "worker-wangli",
        "people_met": [
            {"name": "张秀英", "relation": "户主", "phone": "13805311234"},
            {"name": "李建国", "relation": "配偶"},
        ],
        "situation": "老两口身体尚可，反映楼道声控灯不亮，家中下水道返味。",
        "requests": [
            {
                "id": "req-01",
                "service_class": "living",
                "summary": "3号楼2单元楼道声控灯不亮",
                "problem_list": "fix_now",
            },
            {
                "id": "req-02",
                "service_class": "living",
                "summary": "卫生间下水道返味，需物业疏通",
                "problem_list": "fix_by_deadline",
                "due_date": "2026-12-03",
            },
            {
                "id": "req-03",
                "service_class": "government",
                "summary": "希望小区加装电梯",
                "problem_list": "cannot_fix",
                "explanation": "加装电梯需全体业主同意并申请补贴，已告知办理流程，留档跟进。",
            },
        ],
        "position": {"lat": 36.6512, "lon": 117.0201, "accuracy_m": 12},
        "attachments": [
            {
                "id": "att-01",
                "kind": "photo",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "media_type": "image/jpeg",
                "size": 284113,
                "name": "楼道声控灯.jpg",
            }
        ],
    }


def screening_example() -> dict[str, Any]:
    """A weekly screening of two buildings that opened one case."""
    return {
        "schema_version": 1,
        "grid_id": "jinan-lixia-qianfoshan-03",
        "iso_week": "2026-W48",
        "scope": "weekly",
        "screened_at": "2026-11-27T15:00:00+08:00",
        "worker_id": "worker-wangli",
        "screened_areas": ["3号楼", "5号楼"],
        "nothing_found": False,
        "case_ids": ["dispute-0001"],
    }


def dispute_example() -> dict[str, Any]:
    """Water leaking from 502 into 402: a neighbours' dispute being mediated in the grid."""
    return {
        "schema_version": 1,
        "grid_id": "jinan-lixia-qianfoshan-03",
        "category": "civil",
        "parties": [
            {"name": "张秀英", "role": "402室业主", "phone": "13805311234"},
            {
                "name": "刘志强",
                "role": "502室业主",
                "phone": "0531-88886666",
                "id_number": "37010219850715231X",
            },
        ],
        "description": "3号楼2单元502室卫生间漏水，渗至402室顶棚，双方因维修费用发生争执。",
        "risk_colour": "yellow",
        "status": "mediating",
        "escalation_level": "grid",
        "opened_at": "2026-11-27T15:20:00+08:00",
        "opened_by": "worker-wangli",
        "due_date": "2026-12-27",
        "assigned_to": "mediator-zhaomin",
        "source": {"kind": "screening", "id": "screening-2026-W48-03"},
        "mediation_notes": [
            {
                "id": "note-01",
                "text": "分别听取双方意见，刘志强同意先请物业查明漏水点。",
                "at": "2026-11-28T10:00:00+08:00",
                "by": "mediator-zhaomin",
                "step": "listen",
            }
        ],
    }


def patrol_example() -> dict[str, Any]:
    """An evening residents' patrol with two checkpoints and one finding."""
    return {
        "schema_version": 1,
        "grid_id": "jinan-lixia-qianfoshan-03",
        "team_kind": "residents",
        "team_id": "team-qianfoshan-residents-1",
        "members": ["王桂兰", "陈德明"],
        "started_at": "2026-11-26T19:00:00+08:00",
        "ended_at": "2026-11-26T20:30:00+08:00",
        "checkpoints": [
            {
                "id": "cp-01",
                "at": "2026-11-26T19:05:00+08:00",
                "place": "小区东门",
                "position": {"lat": 36.6509, "lon": 117.0195},
                "note": "",
                "colour": "green",
            },
            {
                "id": "cp-02",
                "at": "2026-11-26T19:40:00+08:00",
                "place": "3号楼2单元",
                "note": "楼道内有电动车充电",
                "colour": "yellow",
            },
        ],
        "findings": [
            {
                "id": "finding-01",
                "at": "2026-11-26T19:42:00+08:00",
                "text": "3号楼2单元一楼楼道电动车飞线充电，已劝离",
                "colour": "yellow",
            }
        ],
    }


EXAMPLES = {
    "visit": visit_example,
    "screening": screening_example,
    "dispute": dispute_example,
    "patrol": patrol_example,
}
"""Example factory per record type, for tests that run over all four."""
