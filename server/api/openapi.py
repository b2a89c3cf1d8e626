"""GET /api/v1/openapi.json: the API described as OpenAPI 3.0.3, for client authors and tools.

The document is built from the marshmallow schemas in `server.api.schemas` and from the
app's own URL map (apispec's Flask plugin turns each view into its path), so a route cannot
be documented at a path it is not served at; `tests/server/test_openapi.py` checks that
every `/api/v1` route is documented. It is built on the first request and kept in
`app.extensions`: the routes and settings it reads do not change while the app runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, Response, current_app, jsonify
from marshmallow import fields

from server.api import schemas
from sync.request_signing import (
    COUNTER_HEADER,
    DEVICE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)

OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "deviceSignature"
_CACHE_KEY = "minqing_openapi"
_DESCRIPTION = (
    "Enrolment and signed sync between the field tablets and the office server; the "
    "protocol is explained in docs/api.md. Every refusal has the `Error` body with a "
    "stable `code`: the codes each status can carry are listed in its description. A path "
    "not listed here answers 404 `not_found`, a method not listed 405 `method_not_allowed`."
)

openapi = Blueprint("openapi", __name__, url_prefix="/api/v1")


@openapi.get("/openapi.json")
def openapi_document() -> Response:
    """This document; unsigned, so a client author can read it before enrolling anything."""
    document = current_app.extensions.get(_CACHE_KEY)
    if document is None:
        document = build_spec().to_dict()
        current_app.extensions[_CACHE_KEY] = document
    return jsonify(document)


def build_spec() -> APISpec:
    """The OpenAPI document of the current app (needs an app context)."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Minqing sync API", version="1", openapi_version=OPENAPI_VERSION,
        plugins=[FlaskPlugin(), marshmallow],
        info={"description": _DESCRIPTION},
        tags=[{"name": "health"}, {"name": "enrolment"}, {"name": "sync"},
              {"name": "meta"}],
    )
    assert marshmallow.converter is not None  # set by init_spec
    marshmallow.converter.add_attribute_function(null_means_null)
    _components(spec)
    for endpoint, operations in _operations().items():
        spec.path(view=current_app.view_functions[endpoint], operations=operations)
    return spec


def null_means_null(self: Any, field: fields.Field, ret: dict[str, Any],
                    **_kwargs: Any) -> dict[str, Any]:
    """Let a nullable nested schema be null or that schema, and nothing else.

    apispec writes it for OpenAPI 3.0 as `anyOf: [{type: object, nullable: true}, $ref]`,
    whose first branch accepts any object; `enum: [null]` narrows that branch to null.
    """
    for branch in ret.get("anyOf", []):
        if branch == {"type": "object", "nullable": True}:
            branch["enum"] = [None]
    return {}


def _components(spec: APISpec) -> None:
    for schema in (schemas.Health, schemas.EnrolRequest, schemas.EnrolResponse,
                   schemas.Error, schemas.Mark, schemas.PushResult, schemas.PullPage):
        spec.components.schema(schema.__name__, schema=schema)
    spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "apiKey", "in": "header", "name": SIGNATURE_HEADER,
        "description": "URL-safe base64 (no padding) Ed25519 signature, with the device key, "
                       "of the canonical JSON of {method, path, query, device, counter, "
                       "timestamp, body_sha256}; `path` is the API path (`/api/v1/...`) "
                       "without any proxy prefix, `body_sha256` the hex SHA-256 of the body "
                       f"bytes as sent. {DEVICE_HEADER}, {COUNTER_HEADER} and "
                       f"{TIMESTAMP_HEADER} are required with it (docs/api.md, \"Signed "
                       "requests\").",
    })
    spec.components.parameter(DEVICE_HEADER, "header", {
        "required": True, "schema": {"type": "string"},
        "description": "The device id given at enrolment.",
    })
    spec.components.parameter(COUNTER_HEADER, "header", {
        "required": True, "schema": {"type": "integer", "format": "int64", "minimum": 1},
        "description": "Greater than any counter this device used before (replay "
                       "protection); `request_replayed` gives `details.last_counter`.",
    })
    spec.components.parameter(TIMESTAMP_HEADER, "header", {
        "required": True, "schema": {"type": "integer", "format": "int64", "minimum": 0},
        "description": "The device's clock, Unix milliseconds: logged, a far-off clock is "
                       "flagged, never refused.",
    })


def _json(schema: type | dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _refused(description: str, codes: Iterable[str]) -> dict[str, Any]:
    listed = ", ".join(f"`{code}`" for code in codes)
    return _json(schemas.Error, f"{description} Codes: {listed}.")


_AUTH = ("auth_required", "auth_unknown_device", "auth_bad_signature", "request_replayed")


def _common(*, signed: bool) -> dict[str, dict[str, Any]]:
    """Responses every operation of the kind can give."""
    responses = {"500": _refused("Server fault; the tablet keeps its records and retries.",
                                 ["server_error"])}
    if signed:
        responses["401"] = _refused("The request signature is missing, unknown, wrong or "
                                    "replayed.", _AUTH)
        responses["403"] = _refused("The device was revoked; it gets nothing more.",
                                    ["device_revoked"])
        responses["413"] = _refused("The body is over MINQING_MAX_BODY_BYTES.",
                                    ["body_too_large"])
    return responses


def _signed(operation: dict[str, Any]) -> dict[str, Any]:
    """The security requirement and the three companion headers of a signed request."""
    operation["security"] = [{SECURITY_SCHEME: []}]
    operation["parameters"] = [DEVICE_HEADER, COUNTER_HEADER, TIMESTAMP_HEADER,
                               *operation.get("parameters", [])]
    operation["tags"] = ["sync"]
    operation["responses"] = {**_common(signed=True), **operation["responses"]}
    return operation


def _operations() -> dict[str, dict[str, dict[str, Any]]]:
    """Endpoint -> {method: operation}, for every route under /api/v1."""
    page_size = current_app.config["MINQING_PULL_PAGE_SIZE"]
    return {
        "health.health_check": {"get": {
            "operationId": "health", "tags": ["health"],
            "summary": "Liveness: answers without touching the database.",
            "responses": {"200": _json(schemas.Health, "The process answers."),
                          **_common(signed=False)},
        }},
        "openapi.openapi_document": {"get": {
            "operationId": "openapi", "tags": ["meta"], "summary": "This document.",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.0.3 document."),
                          **_common(signed=False)},
        }},
        "enrol.enrol_device": {"post": {
            "operationId": "enrol", "tags": ["enrolment"],
            "summary": "Trade a one-time code and a new public key for a device identity.",
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": schemas.EnrolRequest}}},
            "responses": {
                "201": _json(schemas.EnrolResponse, "Enrolled."),
                "400": _refused("Not JSON, or fields missing or invalid "
                                "(`details.fields` names them).", ["bad_request"]),
                "404": _refused("Unknown, used or expired code.", ["enrolment_code_invalid"]),
                "409": _refused("This public key is already enrolled.", ["key_in_use"]),
                "413": _refused("The body is over MINQING_MAX_BODY_BYTES.", ["body_too_large"]),
                **_common(signed=False),
            },
        }},
        "sync.acknowledged_mark": {"get": _signed({
            "operationId": "getMark",
            "summary": "Where this device's chain stands on the server: push resumes here.",
            "responses": {"200": _json(schemas.Mark, "The acknowledged mark.")},
        })},
        "sync.push": {"post": _signed(_push_operation())},
        "sync.quarantined": {"get": _signed({
            "operationId": "getQuarantined",
            "summary": "This device's quarantined operations, with their reasons: what a "
                       "tablet shows when a push's answer was lost on the way.",
            "parameters": [{"in": "query", "name": "after", "required": False,
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                            "description": "Only operations after this chain position."}],
            "responses": {
                "200": _json(schemas.QuarantinedList, "Oldest first."),
                "400": _refused("`after` is not a whole number.", ["bad_request"]),
            },
        })},
        "sync.pull": {"get": _signed({
            "operationId": "pull",
            "summary": "Changes in the device's scope since the cursor, oldest first.",
            "parameters": [
                {"in": "query", "name": "cursor", "required": False,
                 "schema": {"type": "string"},
                 "description": "Opaque cursor from the previous page; none on a new "
                                "device (the pull then starts with a snapshot)."},
                {"in": "query", "name": "limit", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "default": page_size},
                 "description": f"Page size; values outside 1..{page_size * 4} are "
                                "clamped to that range."},
            ],
            "responses": {
                "200": {**_json(schemas.PullPage, "One page, compressed with Brotli or gzip "
                                                  "when the request accepts either."),
                        "headers": {"Content-Encoding": {
                            "description": "`br` (preferred) or `gzip`, as the request's "
                                           "Accept-Encoding allows, unless the page is tiny.",
                            "schema": {"type": "string", "enum": ["br", "gzip"]}}}},
                "400": _refused("The cursor or the limit does not parse.", ["bad_request"]),
            },
        })},
    }


def _push_operation() -> dict[str, Any]:
    return {
        "operationId": "push",
        "summary": "Push a signed run of this device's chain into its street's ledger.",
        "parameters": [{
            "in": "header", "name": "Content-Encoding", "required": False,
            "schema": {"type": "string", "enum": ["br", "gzip"]},
            "description": "`br` (Brotli, what the reference client sends) or `gzip`; "
                           "without it the body is read as plain NDJSON. The signature "
                           "covers the bytes as sent (compressed).",
        }],
        "requestBody": {"required": True, "description": (
            "`Batch.to_wire()`, compressed: the signed chain head (with `base`, the first "
            "operation's `prev`) as one JSON line, then one line per operation holding its "
            "canonical bytes without `prev`, which is the id of the line before."),
            "content": {"application/x-ndjson": {
                "schema": {"type": "string", "format": "binary"}}}},
        "responses": {
            "200": _json(schemas.PushResult, "Every new operation entered in the ledger, "
                                             "accepted or quarantined."),
            "400": _refused("The body or an operation or the head does not parse.",
                            ["malformed_body", "op_malformed", "op_altered", "op_format",
                             "head_malformed"]),
            "403": _refused("The device was revoked, or the batch holds operations of or "
                            "is signed for another device.", ["device_revoked", "wrong_device"]),
            "409": _refused("The batch does not continue this device's chain; for "
                            "`op_missing` push again from `details.acknowledged`.",
                            ["op_missing", "op_reordered", "chain_forked", "bad_signature",
                             "head_mismatch"]),
            "413": _refused("The body (compressed, or once decompressed) or its number of "
                            "operations is over the limit.", ["body_too_large"]),
            "415": _refused("The Content-Type is not application/x-ndjson, or the "
                            "Content-Encoding is neither br nor gzip.",
                            ["unsupported_media_type", "unsupported_encoding"]),
        },
    }
