"""POST /api/v1/enrol: a tablet trades a one-time code and its public key for an identity."""

from __future__ import annotations

from flask import Blueprint

enrol = Blueprint("enrol", __name__, url_prefix="/api/v1")
