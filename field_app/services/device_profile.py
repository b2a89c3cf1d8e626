"""Who this tablet is and where its syncing stands, kept between starts.

Written after enrolment and after every sync step, so a tablet that dies mid-sync resumes
where it stopped: its pull cursor, the server's acknowledged mark, the roster the last
pull brought. The roster names residents, so the whole profile is sealed with the data key
(`field_app.services.aead`) before it touches the disk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from field_app.services.aead import open_sealed, seal
from sync.client import Enrolment
from sync.durable_file import replace_durably

PROFILE_CONTEXT = b"minqing/device-profile/v1"
"""Associated data of the sealed profile: a sealed value of another kind cannot stand in."""


@dataclass(frozen=True)
class DeviceProfile:
    """The enrolled device and the state of its sync with the server."""

    server_url: str
    device_id: str
    worker: dict[str, Any]
    scope: dict[str, Any]
    server_key: dict[str, Any] | None = None
    pull_cursor: str | None = None
    acknowledged_seq: int = 0
    roster: dict[str, Any] | None = None
    last_sync_ms: int | None = None
    """When a sync last finished without error (the home screen shows it)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def enrolled(cls, server_url: str, enrolment: Enrolment) -> DeviceProfile:
        return cls(server_url.rstrip("/"), enrolment.device_id, dict(enrolment.worker),
                   dict(enrolment.scope), dict(enrolment.server_key or {}) or None)

    @property
    def worker_id(self) -> str:
        return str(self.worker["id"])

    @property
    def role(self) -> str:
        return str(self.worker["role"])

    @property
    def grid_id(self) -> str | None:
        return self.scope.get("grid_id")

    def updated(self, **changes: Any) -> DeviceProfile:
        return replace(self, **changes)


class ProfileFile:
    """The profile in one sealed file, replaced durably on each save."""

    def __init__(self, path: Path | str, data_key: bytes) -> None:
        self.path = Path(path)
        self._key = data_key

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> DeviceProfile:
        plain = open_sealed(self._key, self.path.read_bytes(), PROFILE_CONTEXT)
        return DeviceProfile(**orjson.loads(plain))

    def save(self, profile: DeviceProfile) -> None:
        plain = orjson.dumps(asdict(profile))
        replace_durably(self.path, seal(self._key, plain, PROFILE_CONTEXT))
