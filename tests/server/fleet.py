"""Tablets for the server's specifications: a real replica, writer, key and `SyncClient`,
enrolled on the live server with a code the office issued."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from server.local import enrol_local_tablet
from sync.client import ClientSettings, PullReport, PushReport, SyncClient
from sync.replica import Replica
from sync.request_signing import sign_headers
from sync.signing import DeviceKey
from sync.writer import RecordWriter
from tests.server.conftest import flask_command

DEMO_ROSTER = Path(__file__).resolve().parents[2] / "server" / "demo" / "roster.yaml"

ROLES = {
    "w-wangfang": "grid_worker",  # 燕子山路3号院 g-yzs-03
    "w-zhaolei": "grid_worker",  # 燕子山小区一区 g-yzs-01
    "w-zhengwei": "grid_worker",  # 佛山苑社区 g-fsy-03
    "w-liming": "mediator",  # 燕子山社区
    "w-liuyang": "community_staff",  # 燕子山社区
    "w-huangjun": "patrol_member",  # 燕子山社区群众巡防队
    "w-gaoping": "street_staff",
}


OFFICE_PASSWORD = "燕子山-2026-secret"
"""The office password `office_server` gives 刘洋 (community), 高平 (street) and 林东 (district)."""


def import_demo_roster(env: dict[str, str]) -> None:
    flask_command(env, "import-roster", str(DEMO_ROSTER))


@dataclass
class FieldTablet:
    worker_id: str
    writer: RecordWriter
    key: DeviceKey
    client: SyncClient
    cursor: str | None = None
    pulls: list[PullReport] = field(default_factory=list)

    @property
    def replica(self) -> Replica:
        return self.writer.replica

    def push(self, batch_size: int = 500) -> PushReport:
        return self.client.push(self.writer, batch_size=batch_size)

    def pull(self, limit: int = 500) -> PullReport:
        report = self.client.pull(self.replica, self.cursor, limit=limit)
        self.cursor = report.cursor
        self.writer.clock.observe(report.latest)
        self.pulls.append(report)
        return report

    def sync(self) -> tuple[PushReport, PullReport]:
        return self.push(), self.pull()


def enrol_tablet(app: Flask, url: str, worker_id: str, *, base_url: str | None = None,
                 settings: ClientSettings | None = None) -> FieldTablet:
    """Enrol a new tablet for `worker_id`; `base_url` may point through a flaky proxy."""
    tablet = enrol_local_tablet(
        app, url, worker_id, ROLES[worker_id], client_url=base_url,
        settings=settings or ClientSettings(push_attempts=8, backoff_base=0.05,
                                            backoff_cap=0.2, read_timeout=20.0,
                                            retry_backoff=0.05),
        sleep=lambda _seconds: None,  # retries in tests need no real waiting
    )
    return FieldTablet(worker_id, tablet.writer, tablet.key, tablet.client)


def dispute(grid_id: str = "g-yzs-03", **changes: Any) -> dict[str, Any]:
    """A dispute case as a grid worker opens it."""
    return {
        "schema_version": 1,
        "grid_id": grid_id,
        "category": "civil",
        "parties": [{"name": "刘志强", "role": "楼上住户"}, {"name": "陈桂兰", "role": "楼下住户"}],
        "description": "3号楼402卫生间漏水，渗到302天花板。",
        "risk_colour": "yellow",
        "status": "found",
        "escalation_level": "grid",
        "opened_at": "2026-11-24T09:10:00+08:00",
        "opened_by": "w-wangfang",
        "mediation_notes": [],
        **changes,
    }


def visit(grid_id: str = "g-yzs-03", number: int = 1) -> dict[str, Any]:
    """A routine visit to a household of the grid."""
    return {
        "schema_version": 1,
        "grid_id": grid_id,
        "household_id": f"hh-demo-{number}",
        "visit_kind": "routine",
        "visited_at": "2026-11-26T09:30:00+08:00",
        "worker_id": "w-wangfang",
        "people_met": [{"name": "张秀英", "relation": "户主"}],
        "situation": f"第{number}户：老人身体尚可，反映楼道灯不亮。",
        "requests": [],
        "attachments": [],
    }


WIRE = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
"""The headers of a push body as the client sends it."""


def signed_post(tablet: FieldTablet, url: str, path: str, body: bytes,
                headers: dict[str, str], *, counter: int | None = None,
                key: DeviceKey | None = None) -> requests.Response:
    """POST `body` signed as `tablet` (or with `key`, a stolen or forged one), outside its
    client. `counter` defaults to one above any its client has used."""
    signed = _signed(tablet, key, counter, "POST", path, "", body)
    return requests.post(url + path, data=body, timeout=10, headers={**signed, **headers})


def signed_get(tablet: FieldTablet, url: str, path: str, query: str = "") -> requests.Response:
    """GET signed as `tablet`, outside its client, with a fresh counter."""
    signed = _signed(tablet, None, None, "GET", path, query, b"")
    return requests.get(f"{url}{path}?{query}" if query else url + path, headers=signed,
                        timeout=10)


def _signed(tablet: FieldTablet, key: DeviceKey | None, counter: int | None, method: str,
            path: str, query: str, body: bytes) -> dict[str, str]:
    """The signature headers; a counter of nanoseconds is above any the client used (its
    own are microseconds)."""
    return sign_headers(key or tablet.key, tablet.client.device_id,
                        counter if counter is not None else time.time_ns(),
                        int(time.time() * 1000), method, path, query, body)
