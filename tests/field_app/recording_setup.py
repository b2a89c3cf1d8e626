"""A tablet's recording parts without a server: a sealed replica in a temporary folder, a
real writer, the demo grid's roster, a fixed clock. Shared by the form and list tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from field_app.services.aead import new_key
from field_app.services.draft_store import DraftStore
from field_app.services.recording import Recorder
from field_app.services.sealed_store import SealedStore
from sync.deadlines import CHINA
from sync.operation import Author
from sync.replica import Replica
from sync.signing import DeviceKey
from sync.writer import RecordWriter

GRID = "g-yzs-03"
WORKER = "w-wangfang"
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=CHINA)  # a Friday, ISO week 2026-W48


def household(household_id: str, building: str, unit: str, room: str, head_name: str,
              *, key: bool = False, grid: str = GRID) -> dict[str, Any]:
    """A household as the pull's roster delivers it."""
    return {"id": household_id, "grid_id": grid, "building": building, "unit": unit,
            "room": room, "head_name": head_name, "phone": "13805311234", "id_number": "",
            "address": "", "key_household": key}


ROSTER: dict[str, Any] = {
    "version": 1,
    "grids": [{"id": GRID, "name": "银座三网格", "community_id": "c-yzs"}],
    "households": [
        household("hh-3-2-402", "3号楼", "2单元", "402", "张秀英", key=True),
        household("hh-3-2-502", "3号楼", "2单元", "502", "李建国"),
        household("hh-10-1-101", "10号楼", "1单元", "101", "王淑芬"),
        household("hh-other", "1号楼", "1单元", "101", "赵大海", grid="g-other"),
    ],
    "workers": [
        {"id": WORKER, "name": "王芳", "role": "grid_worker", "grid_id": GRID,
         "community_id": "c-yzs", "team_id": None},
        {"id": "w-liuqiang", "name": "刘强", "role": "patrol_member", "grid_id": None,
         "community_id": "c-yzs", "team_id": "t-yzs-zz"},
        {"id": "w-sunli", "name": "孙丽", "role": "patrol_member", "grid_id": None,
         "community_id": "c-yzs", "team_id": "t-yzs-zz"},
    ],
    "patrol_teams": [
        {"id": "t-yzs-zz", "name": "银座综治巡防队", "kind": "public_security",
         "community_id": "c-yzs"},
        {"id": "t-yzs-zy", "name": "银座志愿者巡逻队", "kind": "volunteers",
         "community_id": "c-yzs"},
    ],
}


def recorder_for(tmp_path: Path, store: SealedStore, data_key: bytes, *, role: str = "grid_worker",
                 worker_id: str = WORKER, device: str = "device-wangfang",
                 replica: Replica | None = None) -> Recorder:
    """A recorder for one person on one device over `store` (or a shared `replica`)."""
    writer = RecordWriter(replica or Replica(store), device, DeviceKey.generate(),
                          Author(worker_id, role))
    return Recorder(writer=writer, turn=threading.RLock(), worker_id=worker_id, role=role,
                    grid_id=GRID, roster=ROSTER, folder=tmp_path / "app", data_key=data_key,
                    clock=lambda: NOW)


@pytest.fixture
def data_key() -> bytes:
    return new_key()


@pytest.fixture
def store(tmp_path: Path, data_key: bytes) -> Iterator[SealedStore]:
    opened = SealedStore(tmp_path / "replica.sqlite3", data_key)
    yield opened
    opened.close()


@pytest.fixture
def recorder(tmp_path: Path, store: SealedStore, data_key: bytes) -> Recorder:
    return recorder_for(tmp_path, store, data_key)


@pytest.fixture
def drafts(tmp_path: Path, data_key: bytes) -> DraftStore:
    return DraftStore(tmp_path / "app", data_key)
