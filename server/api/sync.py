"""Signed sync: push a device's chain, pull what changed in its scope."""

from __future__ import annotations

from flask import Blueprint

sync = Blueprint("sync", __name__, url_prefix="/api/v1/sync")


@sync.get("/mark")
def acknowledged_mark():  # type: ignore[no-untyped-def]
    """Where this device's chain stands on the server: push resumes from here."""
    from flask import jsonify

    from server.services.request_auth import authenticate

    device = authenticate()
    return jsonify({"acknowledged": {"seq": device.acked_seq, "head": device.acked_head}})
