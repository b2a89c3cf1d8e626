"""The JSON the API sends and receives, as marshmallow schemas.

They are the API's description (`server.api.openapi` turns them into the OpenAPI document)
and `EnrolRequest` also reads the enrolment body, so what is documented is what is checked.
Response schemas mark every key `required`: the server always sends it, with `null` where
the schema says nullable, so a client may rely on its presence.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from server.services.enrolment import DEVICE_NAME_MAX
from sync.vocabulary import Role

ROLES = [role.value for role in Role]


def _text(description: str, **options: Any) -> fields.String:
    """A required string with its description."""
    return fields.String(required=True, metadata={"description": description}, **options)


def _int(description: str, **options: Any) -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": description}, **options)


def _nested(schema: type[Schema], description: str, **options: Any) -> fields.Nested:
    return fields.Nested(schema, required=True, metadata={"description": description},
                         **options)


def _listed(schema: type[Schema] | fields.Field, description: str) -> fields.List:
    item = fields.Nested(schema) if isinstance(schema, type) else schema
    return fields.List(item, required=True, metadata={"description": description})


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("blank")


class StrippedString(fields.String):
    """A string read without its surrounding white space (validators see the stripped text)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


# --- errors --------------------------------------------------------------------------------


class ErrorBody(Schema):
    code = _text("Stable English code clients branch on (docs/api.md, error table). New "
                 "codes may be added; treat an unknown one by its HTTP status.")
    message = _text("Chinese text for the person holding the tablet (sync/catalogue.py).")
    details = fields.Dict(required=True, metadata={
        "description": "Data the client needs, for example the acknowledged mark."})


class Error(Schema):
    """Every refusal: 4xx and 5xx answers all have this body."""

    error = _nested(ErrorBody, "What was refused and why.")


# --- health and enrolment ------------------------------------------------------------------


class Health(Schema):
    status = _text("Always `ok`: the process answers (the database is not touched).",
                   validate=validate.OneOf(["ok"]))


class EnrolRequest(Schema):
    """The tablet's one-time code and its new public key. Unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=_not_blank, metadata={
        "description": "One-time enrolment code as issued, e.g. `K7Q2-9XHF-3MPA`; case, "
                       "separators and look-alike letters do not matter.",
        "example": "K7Q2-9XHF-3MPA"})
    public_key = StrippedString(required=True, validate=validate.Length(min=1), metadata={
        "description": "The device's Ed25519 public key: 32 bytes, URL-safe base64 without "
                       "padding."})
    device_name = StrippedString(load_default="", allow_none=True,
                                 validate=validate.Length(max=DEVICE_NAME_MAX),
                                 metadata={"description": "A name the office recognises, "
                                                          "e.g. 王芳的平板."})


class EnrolledWorker(Schema):
    id = _text("Worker id from the roster.")
    name = _text("The worker's name.")
    role = _text("The worker's role; decides the scope.", validate=validate.OneOf(ROLES))


class Scope(Schema):
    street_id = _text("The street whose ledger the device writes to.")
    community_id = _text("The community, for roles below the street.", allow_none=True)
    grid_id = _text("The grid, for grid workers.", allow_none=True)
    team_id = _text("The patrol team, for patrol members.", allow_none=True)


class ServerKey(Schema):
    key_id = _text("Id of the server key that signs tree heads (hex).")
    public_key = _text("Its Ed25519 public key, URL-safe base64 without padding.")


class EnrolResponse(Schema):
    device_id = _text("The new device's id; it signs every later request.")
    worker = _nested(EnrolledWorker, "Whose device it is.")
    scope = _nested(Scope, "Where the worker works.")
    server_key = _nested(ServerKey, "The key the tablet checks signed tree heads with.",
                         allow_none=True)


# --- sync ----------------------------------------------------------------------------------


class Acknowledged(Schema):
    seq = _int("Position of the last operation the server holds from this device (0: none).")
    head = _text("Id of that operation (`\"\"` when `seq` is 0).")


class Mark(Schema):
    acknowledged = _nested(Acknowledged, "Where a push resumes from.")


class Problem(Schema):
    field = _text("The field that failed its schema.")
    code = _text("Stable validation code.")
    message = _text("Chinese message.")


class Quarantined(Schema):
    op = _text("Id of the quarantined operation.")
    seq = _int("Its position in the device's chain.")
    code = _text("Quarantine code (docs/api.md, \"Scope\").")
    message = _text("Chinese reason shown on the tablet.")
    problems = _listed(Problem, "Schema problems, for `invalid_record`; otherwise empty.")


class QuarantinedList(Schema):
    quarantined = _listed(Quarantined, "This device's quarantined operations after `after`.")


class TreeHead(Schema):
    street_id = _text("The street whose ledger this head covers.")
    size = _int("Number of ledger entries covered.")
    root = _text("RFC 6962 Merkle root of those entries (hex).")
    signed_at = _int("Server clock when signed, Unix milliseconds.")
    key_id = _text("The server key that signed it (see `server_key` at enrolment).")
    signature = _text("Ed25519 signature of the head statement (hex).")


class PushResult(Schema):
    acknowledged = _nested(Acknowledged, "The device's mark after this push.")
    accepted = _int("Operations entered as accepted.")
    duplicates = _int("Operations at or below the mark, already held and skipped.")
    quarantined = _listed(Quarantined, "Operations entered as quarantined, with reasons.")
    tree_head = _nested(TreeHead, "The street ledger's signed head after this push; null "
                                  "when nothing new was entered.", allow_none=True)


class RosterGrid(Schema):
    id = _text("Grid id.")
    name = _text("Grid name.")
    community_id = _text("Its community.")


class RosterHousehold(Schema):
    id = _text("Household id.")
    grid_id = _text("Its grid.")
    building = _text("Building.")
    unit = _text("Unit.")
    room = _text("Room.")
    head_name = _text("Head of household (personal data).")
    phone = _text("Phone (personal data).")
    id_number = _text("ID number (personal data).")
    address = _text("Address (personal data).")
    key_household = fields.Boolean(required=True, metadata={
        "description": "重点户: visited more often."})


class RosterWorker(Schema):
    id = _text("Worker id.")
    name = _text("Name.")
    role = _text("Role.", validate=validate.OneOf(ROLES))
    grid_id = _text("Grid, for grid workers.", allow_none=True)
    community_id = _text("Community, for roles below the street.", allow_none=True)
    team_id = _text("Patrol team, for patrol members.", allow_none=True)


class RosterPatrolTeam(Schema):
    id = _text("Team id.")
    name = _text("Team name.")
    kind = _text("Which of the four kinds of team.")
    community_id = _text("Its community.")


class Roster(Schema):
    version = _int("Roster version; the roster is sent again when it changes.")
    grids = _listed(RosterGrid, "Grids in the device's scope.")
    households = _listed(RosterHousehold, "Households in those grids.")
    workers = _listed(RosterWorker, "Active workers of the street in scope.")
    patrol_teams = _listed(RosterPatrolTeam, "Patrol teams of the communities in scope.")


class PullPage(Schema):
    cursor = _text("Opaque; send it back as `cursor` for the next page.")
    more = fields.Boolean(required=True, metadata={
        "description": "Another page is ready now: pull again straight away."})
    snapshot = _listed(fields.Dict(), "Merged records' states (sync/record_state.py; each "
                                      "names its record as `id`), on the first pulls of a new "
                                      "device.")
    ops = _listed(fields.Dict(), "Operations in their JSON form with their ids, oldest "
                                 "first (docs/sync-model.md).")
    roster = _nested(Roster, "The roster of the scope, on the first page and whenever it "
                             "changed; otherwise null.", allow_none=True)
