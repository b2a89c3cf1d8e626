"""The office's review pages (`/office`): Jinja templates in Chinese, signed-in users only.

`auth` signs people in and out and guards every other page; each page module turns one
service's answer into a page.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from sync.catalogue import text
from sync.schemas import value_label
from sync.schemas.labels import field_label

office = Blueprint("office", __name__, url_prefix="/office", template_folder="templates")


def register_office(app: Flask) -> None:
    from server.office import (  # noqa: F401  (their routes join `office`)
        access_log,
        assessment,
        auth,
        conflicts,
        dashboard,
        decisions,
        devices,
        exports,
        integrity,
        ledgers,
        patrols,
        requests,
    )
    from server.office.formats import as_json, china_time

    app.register_blueprint(office)
    app.jinja_env.globals.update(t=text, time=china_time, field_label=field_label,
                                 value_label=value_label)
    app.jinja_env.filters["as_json"] = as_json
