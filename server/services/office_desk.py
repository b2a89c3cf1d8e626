"""The office's desk: each office user's decisions, written as operations of a device of
their own and entered in the ledger through the same push as a tablet's.

A decision taken in the browser (assign a case, escalate it, settle a conflict...) has to
reach the tablets on their next pull and be attributable like any write, so it is one: the
server holds a signing key per office user (derived from a seed only the server reads),
keeps a `Device` row ``desk-<worker id>`` for it, seals the operation with the tablets'
`RecordWriter` over the record's merged state, and hands the signed batch to
`receive_push`, which checks and enters it exactly as it would a tablet's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from server.api.errors import ApiError
from server.extensions import db
from server.models import Device, RecordProjection, Worker
from server.secret_files import read_or_create
from server.services.push import PushResult, prepare_push, receive_push
from sync.clock import wall_ms
from sync.coded_error import CodedError
from sync.operation import Author, Operation
from sync.replica import Replica
from sync.schemas import RecordInvalid
from sync.scope import Place, area_of, refusal
from sync.signing import DeviceKey
from sync.stores.memory import MemoryStore
from sync.writer import EditRefused, RecordWriter

DESK_PREFIX = "desk-"
"""Desk devices' ids start with this: pages that list tablets can tell them apart."""
ATTEMPTS = 3
"""Two decisions by one user at the same moment race for the same chain position; the
loser is refused by the push (`chain_forked`) and made again on the record as it now is."""


class DeskRefused(CodedError):
    """A decision the desk did not write; ``office.desk.<code>`` says why in Chinese."""

    CODES = frozenset({
        "desk_revoked", "desk_key_changed", "outside_scope", "record_unknown", "invalid",
        "quarantined", "busy", "status_backward", "escalation_lowering",
        "override_not_allowed", "reason_required", "not_applied",
    })

    def __init__(self, code: str, detail: str, **params: Any) -> None:
        super().__init__(code, detail)
        self.params = params


def desk_id(worker_id: str) -> str:
    return f"{DESK_PREFIX}{worker_id}"


def desk_key(seed: bytes, worker_id: str) -> DeviceKey:
    """The office user's signing key: the same on every server process and restart, and
    different for each user, without any private key stored per user."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=f"minqing office desk {worker_id}".encode()).derive(seed)
    return DeviceKey.from_raw(derived)


def desk_seed() -> bytes:
    """The seed every desk key derives from (in the instance folder unless configured)."""
    cached = current_app.extensions.get("minqing_desk_seed")
    if cached is None:
        path = Path(current_app.config["MINQING_DESK_SEED"])
        cached = current_app.extensions["minqing_desk_seed"] = read_or_create(
            path, lambda: os.urandom(32))
    return cached


class OfficeDesk:
    """Writes one office user's decisions. `decide` is the one way in; the rest of the
    office's services say what a decision is (`RecordWriter` calls)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.key = desk_key(desk_seed(), worker.id)
        self.author = Author(worker.id, worker.role)

    def decide(self, record_id: str, edit: Callable[[RecordWriter], Operation]) -> PushResult:
        """Make the operation `edit` writes on the record as the server holds it now, and
        enter it in the ledger. Refusals leave nothing behind."""
        for _ in range(ATTEMPTS):
            device = self._device()
            writer = self._writer_on(record_id, device)
            try:
                edit(writer)
            except EditRefused as refused:
                raise DeskRefused(refused.code, refused.detail) from refused
            except RecordInvalid as invalid:
                raise DeskRefused("invalid", str(invalid),
                                  problems="；".join(p.message for p in invalid.problems)
                                  ) from invalid
            batch = writer.batch_since(device.acked_seq)
            prepared = prepare_push(batch.to_wire(), len(batch.ops))
            try:
                result = receive_push(device, prepared)
            except ApiError as error:
                db.session.rollback()
                if error.code in ("chain_forked", "op_missing"):
                    continue
                raise
            if result.quarantined:  # the checks below make this a bug, but say so plainly
                raise DeskRefused("quarantined", str(result.quarantined))
            return result
        raise DeskRefused("busy", f"{ATTEMPTS} attempts raced other decisions")

    def _device(self) -> Device:
        """This user's desk device, registered on their first decision."""
        public = self.key.public.to_text()
        device = db.session.get(Device, desk_id(self.worker.id), populate_existing=True)
        if device is None:
            device = Device(id=desk_id(self.worker.id), worker_id=self.worker.id,
                            public_key=public, name="办公室网页", enrolled_at=wall_ms(),
                            acked_seq=0, acked_head="", last_counter=0)
            db.session.add(device)
            db.session.commit()
        if device.revoked_at is not None:
            raise DeskRefused("desk_revoked", device.id)
        if device.public_key != public:
            raise DeskRefused("desk_key_changed", device.id)
        return device

    def _writer_on(self, record_id: str, device: Device) -> RecordWriter:
        """A writer over just this record's merged state, continuing the desk's chain."""
        row = db.session.execute(
            select(RecordProjection.state, RecordProjection.street_id,
                   RecordProjection.community_id, RecordProjection.grid_id, RecordProjection.type)
            .where(RecordProjection.id == record_id)).first()
        if row is None:
            raise DeskRefused("record_unknown", record_id)
        state, street_id, community_id, grid_id, record_type = row
        worker = self.worker
        place = Place(street_id, community_id, grid_id)
        area = area_of(worker.role, worker.street_id, worker.community_id, worker.grid_id)
        if street_id != worker.street_id or refusal(worker.role, area, record_type, place):
            raise DeskRefused("outside_scope", record_id)
        store = MemoryStore()
        store.resume_chain(device.id, device.acked_seq, device.acked_head)
        replica = Replica(store)
        replica.adopt_snapshot([orjson.loads(state)])
        return RecordWriter(replica, device.id, self.key, self.author)
