"""A small roster (one street, one community, two grids, every role) for server tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

_ROSTER: dict[str, list[dict[str, Any]]] = {
    "streets": [{"id": "s-qfs", "name": "千佛山街道"}],
    "communities": [{"id": "c-yzs", "street_id": "s-qfs", "name": "燕子山社区"}],
    "grids": [
        {"id": "g-yzs-01", "community_id": "c-yzs", "name": "燕子山小区一区"},
        {"id": "g-yzs-02", "community_id": "c-yzs", "name": "燕子山小区二区"},
    ],
    "patrol_teams": [
        {"id": "t-yzs", "community_id": "c-yzs", "kind": "residents", "name": "燕子山群众巡防队"},
    ],
    "workers": [
        {"id": "w-wangfang", "name": "王芳", "role": "grid_worker", "phone": "13905310001",
         "grid_id": "g-yzs-01"},
        {"id": "w-zhaolei", "name": "赵磊", "role": "grid_worker", "grid_id": "g-yzs-02"},
        {"id": "w-huangjun", "name": "黄军", "role": "patrol_member", "team_id": "t-yzs"},
        {"id": "w-liming", "name": "李明", "role": "mediator", "community_id": "c-yzs"},
        {"id": "w-liuyang", "name": "刘洋", "role": "community_staff", "community_id": "c-yzs"},
        {"id": "w-gaoping", "name": "高平", "role": "street_staff", "street_id": "s-qfs"},
        {"id": "w-lindong", "name": "林东", "role": "district_admin", "street_id": "s-qfs"},
    ],
    "households": [
        {"id": "h-01", "grid_id": "g-yzs-01", "building": "1号楼", "unit": "1单元",
         "room": "101", "head_name": "张秀英", "phone": "13805310002",
         "id_number": "370102194203151221", "address": "燕子山小区1号楼1单元101室",
         "key_household": True},
        {"id": "h-02", "grid_id": "g-yzs-01", "building": "1号楼", "unit": "1单元",
         "room": "102", "head_name": "刘建国", "phone": "0531-86951234"},
        {"id": "h-03", "grid_id": "g-yzs-02", "building": "7号楼", "unit": "2单元",
         "room": "301", "head_name": "陈丽娟"},
    ],
}


def roster() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy to change in a test."""
    return copy.deepcopy(_ROSTER)


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of a file where `text` first appears."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")
