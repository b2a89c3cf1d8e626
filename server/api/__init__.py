"""The HTTP API (`/api/v1`): enrolment, signed sync, and its OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from server.api.errors import register_error_handlers
from server.extensions import csrf

health = Blueprint("health", __name__, url_prefix="/api/v1")


@health.get("/health")
def health_check():  # type: ignore[no-untyped-def]
    """Liveness for load balancers and tests: answers without touching the database."""
    return jsonify({"status": "ok"})


def register_api(app: Flask) -> None:
    from server.api.enrol import enrol
    from server.api.openapi import openapi
    from server.api.sync import sync

    register_error_handlers(app)
    for blueprint in (health, enrol, sync, openapi):
        csrf.exempt(blueprint)  # devices prove themselves by signature, not by a cookie
        app.register_blueprint(blueprint)
