"""Signed sync: push a device's chain, pull what changed in its scope, ask for the mark."""

from __future__ import annotations

import logging

import orjson
from flask import Blueprint, Response, current_app, jsonify, request

from server.api.errors import ApiError
from server.database import as_position
from server.services.pull import pull_page
from server.services.push import (
    WIRE_TYPE,
    PreparedPush,
    inflate,
    prepare_push,
    quarantined_after,
    receive_push,
)
from server.services.request_auth import authenticate, signed_headers, spend_counter
from sync import content_coding

sync = Blueprint("sync", __name__, url_prefix="/api/v1/sync")


@sync.get("/mark")
def acknowledged_mark():  # type: ignore[no-untyped-def]
    """Where this device's chain stands on the server: push resumes from here."""
    device = authenticate()
    return jsonify({"acknowledged": {"seq": device.acked_seq, "head": device.acked_head}})


@sync.post("/push")
def push():  # type: ignore[no-untyped-def]
    """The body is read and checked before the device is authenticated (which locks its
    row), so a tablet's next batch is parsed while its last one is entered; a refusal of the
    body is still answered only after the request proved to be the device's. A request
    without signature headers at all is refused before its body is read."""
    signed = signed_headers()
    try:
        prepared: PreparedPush | ApiError = _prepared_push()
    except ApiError as refused:
        prepared = refused
    device = authenticate(signed, commit=False)
    try:
        if isinstance(prepared, ApiError):
            raise prepared
        result = receive_push(device, prepared)
    except ApiError:
        spend_counter()
        raise
    logging.getLogger("minqing.push").info("push", extra={
        "acknowledged": result.acknowledged[0],
        "accepted": result.accepted, "duplicates": result.duplicates,
        "quarantined": len(result.quarantined),
    })
    return jsonify(result.to_json())


def _prepared_push() -> PreparedPush:
    if request.mimetype != WIRE_TYPE:
        raise ApiError(415, "unsupported_media_type", {"expected": WIRE_TYPE})
    config = current_app.config
    data = inflate(request.get_data(cache=True), request.headers.get("Content-Encoding", ""),
                   config["MINQING_MAX_INFLATED_BYTES"])
    return prepare_push(data, config["MINQING_MAX_OPS_PER_PUSH"])


@sync.get("/quarantined")
def quarantined():  # type: ignore[no-untyped-def]
    """The device's quarantined operations after a chain position, with their reasons."""
    device = authenticate()
    try:
        after = int(request.args.get("after", 0))
    except ValueError as exc:
        raise ApiError(400, "bad_request", {"after": request.args.get("after")}) from exc
    return jsonify({"quarantined": quarantined_after(device, as_position(after))})


@sync.get("/pull")
def pull():  # type: ignore[no-untyped-def]
    device = authenticate()
    try:
        limit = int(request.args.get("limit", current_app.config["MINQING_PULL_PAGE_SIZE"]))
    except ValueError as exc:
        raise ApiError(400, "bad_request", {"limit": request.args.get("limit")}) from exc
    limit = max(1, min(limit, current_app.config["MINQING_PULL_PAGE_SIZE"] * 4))
    page = pull_page(device, request.args.get("cursor"), limit)
    return _json(page)


def _json(payload: object) -> Response:
    """JSON, compressed as the client accepts (tablets pull over slow mobile networks)."""
    body = orjson.dumps(payload)
    response = Response(body, mimetype="application/json")
    coding = content_coding.choose(request.headers.get("Accept-Encoding", ""))
    if coding is not None and len(body) > 512:
        response.set_data(content_coding.compress(body, coding))
        response.headers["Content-Encoding"] = coding
    response.headers["Vary"] = "Accept-Encoding"
    return response
