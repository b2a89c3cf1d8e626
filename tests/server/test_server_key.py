"""The server's signing key is registered once, however many workers start together."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.models import ServerKey
from server.services.server_key import current_server_key, register


def test_a_worker_that_registers_the_key_another_just_registered_does_not_fail(
        app: Flask) -> None:
    # Two workers' first requests at once: both found no row; the first inserted it.
    with app.app_context():
        key = current_server_key()
        register(key)
        rows = db.session.scalar(select(func.count()).select_from(ServerKey))
        assert rows == 1
        assert db.session.get(ServerKey, key.key_id).public_key == key.public_text
