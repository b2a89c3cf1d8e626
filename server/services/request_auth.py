"""Authenticating a signed request: which device sent it, and that it is not a replay.

Every signed endpoint calls `authenticate()` first. The device is loaded on every request,
so a revocation takes effect on the next one. The request counter is moved by one
conditional UPDATE, so of two requests with the same counter (a replay, or two server
workers racing) exactly one gets through, whatever the number of workers.

A push moves the counter in its own transaction (`commit=False`), so a push costs one
durable commit, not two; if the push is refused, `spend_counter()` commits the counter on
its own, so every authenticated request's counter is spent whatever its answer.
"""

from __future__ import annotations

import logging

from flask import g, request
from sqlalchemy import Update, select, update

from server.api.errors import ApiError
from server.extensions import db
from server.models.devices import Device
from sync.clock import ClockSkew, wall_ms
from sync.request_signing import RequestAuthError, SignedRequest, parse_headers
from sync.signing import PublicKey


def authenticate(signed: SignedRequest | None = None, *, commit: bool = True) -> Device:
    """The device that signed this request; an `ApiError` if it may not be served.

    `signed`: the headers, if the caller read them already (`signed_headers`). With
    `commit=False` the spent counter is left in the open transaction for the caller to
    commit with its own writes (or to hand to `spend_counter()` if it refuses)."""
    signed = signed or signed_headers()
    device = db.session.get(Device, signed.device_id)
    if device is None:
        raise ApiError(401, "auth_unknown_device")
    if device.revoked_at is not None:
        raise ApiError(403, "device_revoked")
    body = request.get_data(cache=True)
    query = request.query_string.decode("latin-1")
    try:
        signed.verify(PublicKey.from_text(device.public_key), request.method, request.path,
                      query, body)
    except RequestAuthError as exc:
        raise ApiError(401, exc.code) from exc
    offset_ms = _advance_counter(signed)
    if commit:
        db.session.commit()
    g.device_id = device.id
    g.signed_request = signed
    if ClockSkew(offset_ms).flagged:
        logging.getLogger("minqing.auth").warning(
            "device clock is far off", extra={"offset_ms": offset_ms})
    return device


def _advance_counter(signed: SignedRequest) -> int:
    """Accept the counter only if it is above the last accepted one, atomically.

    The same statement records when the device was seen and how far its clock is off, and
    re-checks revocation, so a device revoked while this request was on its way is refused.
    Returns the device clock's offset from ours, in milliseconds.
    """
    now = wall_ms()
    offset = signed.timestamp_ms - now
    moved = db.session.execute(
        _counter_moved_up(signed).where(Device.revoked_at.is_(None))
        .values(last_seen_at=now, clock_offset_ms=offset)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        last_counter, revoked_at = db.session.execute(
            select(Device.last_counter, Device.revoked_at).where(Device.id == signed.device_id)
        ).one()
        if revoked_at is not None:
            raise ApiError(403, "device_revoked")
        raise ApiError(401, "request_replayed", details={"last_counter": last_counter})
    return offset


def signed_headers() -> SignedRequest:
    """The request's signature headers, read but not yet checked: a request without them is
    refused before anything else is done with it."""
    try:
        return parse_headers(request.headers)
    except RequestAuthError as exc:
        raise ApiError(401, exc.code) from exc


def spend_counter() -> None:
    """Roll back what this request wrote but keep its counter spent, so a refused request
    can never be replayed to a different answer later."""
    db.session.rollback()
    db.session.execute(_counter_moved_up(g.signed_request))
    db.session.commit()


def _counter_moved_up(signed: SignedRequest) -> Update:
    """The device's last counter set to this request's, only if that is a move up."""
    return (
        update(Device)
        .where(Device.id == signed.device_id, Device.last_counter < signed.counter)
        .values(last_counter=signed.counter)
        .execution_options(synchronize_session=False)
    )
