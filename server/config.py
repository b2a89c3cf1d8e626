"""Configuration from the environment, with defaults that are safe on a grid office's PC.

Every setting has an environment variable `MINQING_<NAME>` (and `DATABASE_URL`); nothing is
read from files in the repository. Defaults: SQLite in the instance folder, 4 MiB compressed
and 32 MiB decompressed request bodies, pages of 500 operations.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.secret_files import read_or_create

OFFICE_SESSION_SECONDS = 8 * 3600
"""A sign-in lasts a working day."""


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class Settings:
    """The server's settings; `as_flask()` turns them into Flask config keys."""

    instance_path: Path
    database_url: str = ""
    server_key_path: Path | None = None
    desk_seed_path: Path | None = None
    max_body_bytes: int = 4 * 1024 * 1024
    max_inflated_bytes: int = 32 * 1024 * 1024
    max_ops_per_push: int = 5000
    pull_page_size: int = 500
    enrolment_code_hours: int = 72
    log_json: bool = True
    secret_key: str = ""
    secure_cookies: bool = False
    public_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, instance_path: Path) -> Settings:
        settings = cls(instance_path=instance_path)
        settings.database_url = os.environ.get("DATABASE_URL", "")
        key_path = os.environ.get("MINQING_SERVER_KEY")
        settings.server_key_path = Path(key_path) if key_path else None
        seed_path = os.environ.get("MINQING_DESK_SEED")
        settings.desk_seed_path = Path(seed_path) if seed_path else None
        settings.max_body_bytes = _int("MINQING_MAX_BODY_BYTES", settings.max_body_bytes)
        settings.max_inflated_bytes = _int("MINQING_MAX_INFLATED_BYTES",
                                           settings.max_inflated_bytes)
        settings.max_ops_per_push = _int("MINQING_MAX_OPS_PER_PUSH", settings.max_ops_per_push)
        settings.pull_page_size = _int("MINQING_PULL_PAGE_SIZE", settings.pull_page_size)
        settings.enrolment_code_hours = _int("MINQING_ENROLMENT_CODE_HOURS",
                                             settings.enrolment_code_hours)
        settings.log_json = os.environ.get("MINQING_LOG_FORMAT", "json") == "json"
        settings.secret_key = os.environ.get("MINQING_SECRET_KEY", "")
        settings.secure_cookies = os.environ.get("MINQING_SECURE_COOKIES", "") == "1"
        settings.public_url = os.environ.get("MINQING_PUBLIC_URL", "").rstrip("/")
        return settings

    def as_flask(self) -> dict[str, Any]:
        database_url = self.database_url or (
            f"sqlite:///{self.instance_path / 'minqing.sqlite3'}"
        )
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
        return {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "MAX_CONTENT_LENGTH": self.max_body_bytes,
            "MINQING_SERVER_KEY": self.server_key_path or self.instance_path / "server_key.pem",
            # The seed the office desks' signing keys derive from (`office_desk.py`): keep it
            # with the server key; a new seed leaves earlier desk chains unverifiable.
            "MINQING_DESK_SEED": self.desk_seed_path or self.instance_path / "office_desk_seed",
            "MINQING_MAX_INFLATED_BYTES": self.max_inflated_bytes,
            "MINQING_MAX_OPS_PER_PUSH": self.max_ops_per_push,
            "MINQING_PULL_PAGE_SIZE": self.pull_page_size,
            "MINQING_ENROLMENT_CODE_HOURS": self.enrolment_code_hours,
            "MINQING_LOG_JSON": self.log_json,
            "MINQING_PUBLIC_URL": self.public_url,
            # The office's sign-in cookie: signed with a key made on first start and kept
            # in the instance folder (or given); never readable by scripts, not sent by
            # other sites' forms, and HTTPS-only when MINQING_SECURE_COOKIES=1 (behind TLS).
            "SECRET_KEY": self.secret_key or read_or_create(
                self.instance_path / "secret_key", lambda: secrets.token_hex(32).encode()
            ).decode(),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "PERMANENT_SESSION_LIFETIME": OFFICE_SESSION_SECONDS,
            **self.extra,
        }
