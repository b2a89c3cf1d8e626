"""POST /api/v1/enrol: a tablet trades a one-time code and its public key for an identity."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError

from server.api.errors import ApiError
from server.api.schemas import EnrolRequest
from server.extensions import db
from server.models import Worker
from server.services.enrolment import enrol as enrol_with_code
from server.services.server_key import current_server_key

enrol = Blueprint("enrol", __name__, url_prefix="/api/v1")


@enrol.post("/enrol")
def enrol_device():  # type: ignore[no-untyped-def]
    """Enrol a tablet (docs/api.md, "Enrolment"): 201 with its device id, worker and scope."""
    code, public_key, device_name = _read_body()
    device = enrol_with_code(code, public_key, device_name)
    g.device_id = device.id
    worker = db.session.get(Worker, device.worker_id)
    if worker is None:  # enrol() checked the worker; rows are never deleted
        raise ApiError(404, "enrolment_code_invalid")
    body = {
        "device_id": device.id,
        "worker": {"id": worker.id, "name": worker.name, "role": worker.role},
        "scope": {"street_id": worker.street_id, "community_id": worker.community_id,
                  "grid_id": worker.grid_id, "team_id": worker.team_id},
        "server_key": _server_key(),
    }
    return jsonify(body), 201


def _read_body() -> tuple[str, str, str]:
    """(code, public_key, device_name) from the JSON body; 400 bad_request names the fields."""
    schema = EnrolRequest()
    body: Any = _json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", details={
            "fields": [name for name, field in schema.fields.items() if field.required]})
    try:
        loaded = schema.load(body)
    except ValidationError as invalid:
        raise ApiError(400, "bad_request", details={
            "fields": [name for name in schema.fields if name in invalid.messages]}) from None
    return loaded["code"], loaded["public_key"], loaded["device_name"] or ""


def _json_body() -> Any:
    """The body parsed as JSON, or None if it is not JSON.

    `silent=True` turns only `ValueError` into None; JSON nested deeper than Python's
    recursion limit raises `RecursionError` instead, which is the client's fault all the
    same (it was a 500 once)."""
    try:
        return request.get_json(force=True, silent=True)
    except RecursionError:
        return None


def _server_key() -> dict[str, str]:
    """The server's signing key, so the tablet can check signed tree heads from now on."""
    return current_server_key().to_json()
