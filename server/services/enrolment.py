"""Enrolment and the device list: one-time codes traded once for a device identity.

The office issues a code for a worker; the tablet sends it with its public key and becomes
a device of that worker. Only the SHA-256 of a code is stored, so a copy of the database
does not hand out devices. Codes are 12 characters of Crockford's base 32 (60 random bits)
in groups of four, easy to read out and type; look-alike letters (O/0, I/L/1) are read as
the same character and case does not matter.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from server.api.errors import ApiError
from server.extensions import db
from server.models import Device, EnrolmentCode, Worker
from sync.clock import wall_ms
from sync.coded_error import CodedError
from sync.ids import new_id
from sync.signing import PublicKey

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so nothing reads as something else."""
CODE_LENGTH = 12
_GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_HOUR_MS = 3_600_000
DEVICE_NAME_MAX = Device.__table__.c.name.type.length
REASON_MAX = Device.__table__.c.revoked_reason.type.length


def _log() -> logging.Logger:
    return logging.getLogger("minqing.enrolment")


class DeviceAdminError(CodedError):
    """The office's request about codes or devices cannot be done (message: devices.<code>)."""

    CODES = frozenset({"worker_unknown", "worker_inactive", "device_unknown",
                       "reason_required", "reason_too_long", "hours_invalid"})


@dataclass(frozen=True)
class IssuedCode:
    """A code as handed to the worker: shown once, never stored in clear."""

    code: str
    worker_id: str
    expires_at: int


@dataclass(frozen=True)
class DeviceSummary:
    """One line of the device list."""

    id: str
    worker_id: str
    worker_name: str
    name: str
    enrolled_at: int
    last_seen_at: int | None
    revoked_at: int | None
    revoked_reason: str | None


# --- codes -------------------------------------------------------------------------------


def new_code() -> str:
    """A fresh random code, grouped for reading: K7Q2-9XHF-3MPA."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(chars[i:i + _GROUP] for i in range(0, CODE_LENGTH, _GROUP))


def normalise_code(code: str) -> str:
    """The code as stored (hashed): upper case, no separators, look-alikes mapped."""
    kept = "".join(ch for ch in code.upper() if ch not in " -_\t\r\n")
    return kept.translate(_READ_AS)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


def issue_code(worker_id: str, hours: int | None = None) -> IssuedCode:
    """Issue a one-time code for an active worker, valid for `hours` (default from config)."""
    hours = current_app.config["MINQING_ENROLMENT_CODE_HOURS"] if hours is None else hours
    if hours < 1:
        raise DeviceAdminError("hours_invalid", str(hours))
    worker = db.session.get(Worker, worker_id)
    if worker is None:
        raise DeviceAdminError("worker_unknown", worker_id)
    if not worker.active:
        raise DeviceAdminError("worker_inactive", worker_id)
    code = new_code()
    now = wall_ms()
    issued = IssuedCode(code=code, worker_id=worker_id, expires_at=now + hours * _HOUR_MS)
    db.session.add(EnrolmentCode(code_hash=code_hash(code), worker_id=worker_id,
                                 issued_at=now, expires_at=issued.expires_at))
    db.session.commit()
    _log().info("enrolment code issued", extra={"worker": worker_id,
                                                "expires_at": issued.expires_at})
    return issued


def qr_png(code: str, path: Path, server_url: str = "") -> Path:
    """Write the code (and the server's address) as a QR PNG the tablet can scan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(qr_png_bytes(code, server_url))
    return path


def qr_png_bytes(code: str, server_url: str = "") -> bytes:
    """The code (and the server's address) as a QR PNG, for a file or a page."""
    payload = json.dumps({"server": server_url, "code": code}, separators=(",", ":"))
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


# --- enrolment ---------------------------------------------------------------------------


def enrol(code: str, public_key_text: str, device_name: str) -> Device:
    """Trade a valid code and a new public key for a device of the code's worker.

    The code is claimed with a conditional UPDATE, so of two tablets racing with one code
    exactly one wins; the device row goes in the same transaction. A tablet whose answer was
    lost sends the same code and key again and gets the same device back (a code still
    works only once: with any other key it is refused).
    """
    key_text = _canonical_key(public_key_text)
    session = db.session
    now = wall_ms()
    hashed = code_hash(code)
    issued = session.get(EnrolmentCode, hashed)
    if issued is not None and issued.used_at is not None:
        earlier = session.get(Device, issued.device_id) if issued.device_id else None
        if earlier is not None and earlier.public_key == key_text \
                and earlier.revoked_at is None:
            return earlier
    if issued is None or issued.used_at is not None or issued.expires_at <= now:
        raise ApiError(404, "enrolment_code_invalid")
    worker = session.get(Worker, issued.worker_id)
    if worker is None or not worker.active:
        raise ApiError(404, "enrolment_code_invalid")
    if session.query(Device.id).filter_by(public_key=key_text).first() is not None:
        raise ApiError(409, "key_in_use")
    device_id = f"dev-{new_id()}"
    claimed = session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.code_hash == hashed, EnrolmentCode.used_at.is_(None),
               EnrolmentCode.expires_at > now)
        .values(used_at=now, device_id=device_id)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise ApiError(404, "enrolment_code_invalid")
    device = Device(id=device_id, worker_id=worker.id, public_key=key_text,
                    name=device_name, enrolled_at=now, last_counter=0, acked_seq=0,
                    acked_head="")
    session.add(device)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "key_in_use") from None
    _log().info("device enrolled", extra={"device_id": device_id, "worker": worker.id})
    return device


def _canonical_key(public_key_text: str) -> str:
    try:
        return PublicKey.from_text(public_key_text).to_text()
    except (ValueError, TypeError):
        raise ApiError(400, "bad_request", details={"fields": ["public_key"]}) from None


# --- the device list ---------------------------------------------------------------------


def revoke(device_id: str, reason: str) -> Device:
    """Stop a device: its next request is refused. Revoking twice keeps the first record."""
    reason = reason.strip()
    if not reason:
        raise DeviceAdminError("reason_required", device_id)
    if len(reason) > REASON_MAX:
        raise DeviceAdminError("reason_too_long", device_id)
    device = db.session.get(Device, device_id)
    if device is None:
        raise DeviceAdminError("device_unknown", device_id)
    if device.revoked_at is None:
        device.revoked_at = wall_ms()
        device.revoked_reason = reason
        db.session.commit()
        _log().info("device revoked", extra={"device_id": device_id})
    return device


def list_devices(within: Any = True) -> list[DeviceSummary]:
    """Every enrolled device with its worker, oldest first; `within`, a condition on the
    worker, keeps an office user's part of the tree (`OfficeArea.filter(Worker)`)."""
    rows = (db.session.query(Device, Worker.name)
            .join(Worker, Worker.id == Device.worker_id).filter(within)
            .order_by(Device.enrolled_at, Device.id))
    return [DeviceSummary(id=device.id, worker_id=device.worker_id, worker_name=name,
                          name=device.name, enrolled_at=device.enrolled_at,
                          last_seen_at=device.last_seen_at, revoked_at=device.revoked_at,
                          revoked_reason=device.revoked_reason)
            for device, name in rows]
