"""The server's Ed25519 key, which signs the ledgers' tree heads.

The private key lives in a PEM file (`MINQING_SERVER_KEY`, by default in the instance
folder), made on first use with exclusive creation so that several gunicorn workers starting
together agree on one key. Every public key ever used is kept in `server_keys`, so heads
signed before a key rotation still verify.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from server.database import insert_or_ignore
from server.extensions import db
from server.models import ServerKey
from server.secret_files import read_or_create
from sync.clock import wall_ms
from sync.signing import DeviceKey, PublicKey


@dataclass(frozen=True)
class ServerSigningKey:
    key: DeviceKey
    key_id: str

    @property
    def public_text(self) -> str:
        return self.key.public.to_text()

    def to_json(self) -> dict[str, str]:
        return {"key_id": self.key_id, "public_key": self.public_text}


def key_id_of(public: PublicKey) -> str:
    return hashlib.sha256(base64.urlsafe_b64decode(public.to_text() + "==")).hexdigest()[:32]


def current_server_key() -> ServerSigningKey:
    """The key in use, loaded once per app; registered in `server_keys` on first use."""
    cached = current_app.extensions.get("minqing_server_key")
    if cached is None:
        key = DeviceKey(_load_or_create(Path(current_app.config["MINQING_SERVER_KEY"])))
        cached = ServerSigningKey(key, key_id_of(key.public))
        if db.session.get(ServerKey, cached.key_id) is None:
            register(cached)
        current_app.extensions["minqing_server_key"] = cached
    return cached


def register(key: ServerSigningKey) -> None:
    """Keep the key's public half in `server_keys`, once. Every gunicorn worker registers
    the key on its first request; when several take their first requests at the same moment
    (a fleet syncing right after a restart), all may find no row, so the insert ignores the
    row another worker made in between instead of failing the request."""
    insert_or_ignore(ServerKey, ["key_id"], key_id=key.key_id, public_key=key.public_text,
                     created_at=wall_ms())
    db.session.commit()


def public_key(key_id: str) -> PublicKey | None:
    row = db.session.get(ServerKey, key_id)
    return PublicKey.from_text(row.public_key) if row is not None else None


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    pem = read_or_create(path, lambda: Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    loaded = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded
