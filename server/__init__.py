"""Minqing sync server: enrolment, signed push and pull, and the verifiable street ledgers.

`create_app` is the app factory (as in Flask's tutorial): configuration comes from the
environment (`server.config`), extensions and blueprints are bound per app, and nothing
holds state at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from server.config import Settings
from server.extensions import csrf, db, migrate


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(Settings.from_environment(instance).as_flask())
    if overrides:
        app.config.from_mapping(overrides)

    from server.logs import configure_logging

    configure_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)

    csrf.init_app(app)

    from server import models  # noqa: F401  (registers the tables with the metadata)
    from server.api import register_api
    from server.cli import register_commands
    from server.database import configure_database
    from server.office import register_office

    configure_database(app)
    register_api(app)
    register_office(app)
    register_commands(app)
    return app
