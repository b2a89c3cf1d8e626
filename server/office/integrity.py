"""台账校验: the street ledgers' signed tree heads, and a verification anyone may rerun and
inspectors may take away (the same check as `flask verify-ledger`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from flask import Response, g, render_template

from server.extensions import db
from server.models import ServerKey, Street
from server.office import office
from server.office.auth import for_roles, signed_in
from server.office.formats import CHINA
from server.services.ledger import latest_tree_head, tree_head_json
from server.services.ledger_verify import verify_ledger
from sync.clock import wall_ms

VERIFIES_LEDGER = frozenset({"street_staff", "district_admin"})
"""Verification reads every street's whole ledger: the street office's and the district's."""


def _heads() -> list[tuple[Street, dict[str, Any] | None]]:
    """Each street in the user's area with its latest signed tree head (None before any)."""
    area = g.area
    streets = db.session.scalars(
        db.select(Street).where(True if area.level == "all" else Street.id == area.id)
        .order_by(Street.id))
    return [(street, _head_json(street.id)) for street in streets]


def _head_json(street_id: str) -> dict[str, Any] | None:
    head = latest_tree_head(street_id)
    return tree_head_json(head) if head is not None else None


@office.get("/integrity")
@signed_in
@for_roles(VERIFIES_LEDGER)
def integrity():  # type: ignore[no-untyped-def]
    return render_template("office/integrity.html", heads=_heads(), result=None)


@office.post("/integrity")
@signed_in
@for_roles(VERIFIES_LEDGER)
def run_verification():  # type: ignore[no-untyped-def]
    return render_template("office/integrity.html", heads=_heads(),
                           result=verify_ledger())


@office.get("/integrity/report.json")
@signed_in
@for_roles(VERIFIES_LEDGER)
def verification_report():  # type: ignore[no-untyped-def]
    """The verification, the signed heads it checked against and the keys that signed them:
    enough for an inspector to re-check the heads' signatures on their own machine."""
    now = wall_ms()
    report = {
        **verify_ledger().to_json(),
        "generated_at": now,
        "generated_by": g.worker.id,
        "tree_heads": [{"street_name": street.name, **head} for street, head in _heads()
                       if head is not None],
        "server_keys": [{"key_id": key.key_id, "public_key": key.public_key}
                        for key in db.session.scalars(db.select(ServerKey))],
    }
    stamp = datetime.fromtimestamp(now / 1000, CHINA).strftime("%Y%m%d-%H%M")
    return Response(orjson.dumps(report, option=orjson.OPT_INDENT_2),
                    mimetype="application/json", headers={
                        "Content-Disposition":
                            f'attachment; filename="ledger-verification-{stamp}.json"'})
