"""The live API fuzzed against the OpenAPI document it serves itself (schemathesis).

Whatever a client sends, the server answers without a 5xx, with a status the document
lists for the operation, and a body and headers of the documented shape. Requests go over
real HTTP to a gunicorn server on SQLite and on PostgreSQL. Unsigned, the signed
operations stop at authentication (401, documented); signed with an enrolled tablet's key
at the moment they are sent, the generated queries and bodies reach the real validators,
and a pull answers with a real page of the tablet's scope. Beyond what the document can
describe, operations sealed in the tablet's own chain with any type, kind, fields, clock and
author are pushed through the judge into the ledger. Examples are derandomised, so a run
is repeatable.

Each operation's schemathesis strategy is driven by hypothesis here rather than through
`schemathesis.pytest.from_fixture`, whose loader fails under pytest 9.2 (it reads the
removed `Function._nodeid`).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, checks
from schemathesis.schemas import APIOperation, BaseSchema

from server.services.ledger_verify import verify_ledger
from sync import content_coding
from sync.chain import Batch
from sync.ids import new_id
from sync.operation import Author, Operation, OpKind
from sync.request_signing import sign_headers
from tests.server.conftest import LiveServer
from tests.server.fleet import FieldTablet, dispute, enrol_tablet, import_demo_roster, visit

OPENAPI_PATH = "/api/v1/openapi.json"
"""Where `server.api.openapi` serves the document."""
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]
"""What every answer must satisfy. Left out: the checks that judge how strict the server
should be (negative_data_rejection and the like): the server ignores unknown query
arguments and clamps a pull's limit rather than refusing it, on purpose (the document says
so of the limit)."""
WITH_INPUTS = {"POST /api/v1/enrol", "GET /api/v1/sync/mark", "POST /api/v1/sync/push",
               "GET /api/v1/sync/pull", "GET /api/v1/sync/quarantined"}
FUZZ = settings(max_examples=20, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@schemathesis.serializer("application/x-ndjson")
def ndjson_bytes(_context: object, value: object) -> bytes:
    """A push body as generated: bytes go as they are, anything else as its text."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


class DeviceSignature(requests.auth.AuthBase):
    """Signs each request with the tablet's key as it leaves, over the exact path, query
    and body bytes that go on the wire, with a counter that only goes up."""

    def __init__(self, tablet: FieldTablet) -> None:
        self.tablet = tablet
        self.counters = itertools.count(time.time_ns())

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(prepared.url or "")
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        prepared.headers.update(sign_headers(
            self.tablet.key, self.tablet.client.device_id, next(self.counters),
            int(time.time() * 1000), prepared.method or "GET", url.path, url.query, body))
        return prepared


@pytest.fixture
def street(live_server: LiveServer) -> LiveServer:
    import_demo_roster(live_server.env)
    return live_server


@pytest.fixture
def api(street: LiveServer) -> BaseSchema:
    """The document the live server serves, pointed at that server."""
    return schemathesis.openapi.from_url(street.url + OPENAPI_PATH)


@pytest.fixture
def wangfang(app: Flask, street: LiveServer) -> FieldTablet:
    """Grid worker 王芳 with a visit and a dispute case pushed, so a pull has a page."""
    tablet = enrol_tablet(app, street.url, "w-wangfang")
    tablet.writer.create("visit", visit())
    tablet.writer.create("dispute", dispute())
    assert tablet.push().accepted == 2
    return tablet


def operations(api: BaseSchema, mode: GenerationMode, *, signed: bool
               ) -> list[APIOperation]:
    """The document's operations (only the signed ones if `signed`); for negative data,
    only those with an input to get wrong (a health check has none)."""
    found = [result.ok() for result in api.get_all_operations()]
    assert {op.label for op in found} >= WITH_INPUTS, "the document lost operations"
    return [op for op in found
            if (not signed or op.definition.raw.get("security"))
            and (mode is GenerationMode.POSITIVE or op.definition.raw.get("parameters")
                 or op.definition.raw.get("requestBody"))]


def fuzz(operation: APIOperation, mode: GenerationMode, **call: Any) -> Counter[int]:
    """Send `operation` the cases schemathesis generates in `mode`; check every answer.
    Returns how often each status was answered."""
    statuses: Counter[int] = Counter()

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def answered_as_documented(case: Case) -> None:
        answer = case.call_and_validate(checks=CHECKS, timeout=20, **call)
        statuses[answer.status_code] += 1

    answered_as_documented()
    return statuses


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_any_request_gets_a_documented_answer(api, mode):
    """Signed operations answer these 401: the generated headers sign nothing."""
    for operation in operations(api, mode, signed=False):
        fuzz(operation, mode)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_any_signed_request_gets_a_documented_answer(api, wangfang, mode):
    """Signed as they leave, the requests get past authentication to the validators."""
    answered = {operation.label: fuzz(operation, mode, auth=DeviceSignature(wangfang))
                for operation in operations(api, mode, signed=True)}
    refused = {label: statuses for label, statuses in answered.items()
               if statuses.keys() & {401, 403}}
    assert refused == {}, "a request signed by an enrolled tablet was not let in"
    if mode is GenerationMode.POSITIVE:
        for label in ("GET /api/v1/sync/mark", "GET /api/v1/sync/pull"):
            assert answered[label][200] > 0, answered


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["g-yzs-03", "g-fsy-01", "found", "resolved", "street", "red"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8,
)
WANGFANG = ("w-wangfang", "grid_worker")
anything = st.fixed_dictionaries({
    "record": st.sampled_from(["new", "case"]),
    "record_type": st.sampled_from(["dispute", "visit", "screening", "patrol", "mystery"]),
    "kind": st.sampled_from(list(OpKind)),
    "changes": st.dictionaries(st.sampled_from(["grid_id", "status", "escalation_level",
                                                "description", "mediation_notes", "x"]),
                               json_values, max_size=3),
    "parents": st.sampled_from(["none", "case", "unknown"]),
    "hlc": st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
    "schema_version": st.integers(1, 2**64 - 1),
    "author": st.sampled_from([WANGFANG, ("w-wangfang", "mediator"),
                               ("w-gaoping", "street_staff")]),
    "reason": st.none() | st.text(max_size=8),
})
plausible = st.fixed_dictionaries({
    "record": st.just("new"), "record_type": st.just("dispute"),
    "kind": st.just(OpKind.CREATE),
    "changes": st.builds(lambda edits: {**dispute(), **edits},
                         st.dictionaries(st.sampled_from(sorted(dispute())), json_values,
                                         max_size=2)),
    "parents": st.just("none"),
    "hlc": st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
    "schema_version": st.integers(1, 2**64 - 1), "author": st.just(WANGFANG),
    "reason": st.none(),
}) | st.fixed_dictionaries({
    "record": st.just("case"), "record_type": st.just("dispute"),
    "kind": st.sampled_from([OpKind.UPDATE, OpKind.OVERRIDE, OpKind.RESOLVE]),
    "changes": st.dictionaries(st.sampled_from(sorted(dispute())), json_values, min_size=1,
                               max_size=2),
    "parents": st.just("case"),
    "hlc": st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
    "schema_version": st.integers(1, 2**64 - 1), "author": st.just(WANGFANG),
    "reason": st.just("原因"),
})
"""Operations that pass the judge's first questions, to reach validation and the ledger."""
sealed_ops = anything | plausible
PUSHED = {200, 400, 403, 409, 413, 415}
"""The statuses the document lists for a push once it is authenticated."""


def test_any_operation_a_tablet_signs_is_entered_or_refused(app, api, street, wangfang):
    """Operations as a broken or hostile app seals them (any type, kind, fields, clock,
    author, parents) in a chain the server verifies: each push is answered as documented,
    and the ledger still verifies."""
    push = next(op for op in (r.ok() for r in api.get_all_operations())
                if op.label == "POST /api/v1/sync/push")
    sign = DeviceSignature(wangfang)
    case_id = next(record["id"] for record in wangfang.replica.records("dispute"))
    case_head = wangfang.replica.heads(case_id, ["description"])

    @FUZZ
    @given(fields=sealed_ops)
    def pushed(fields: dict[str, Any]) -> None:
        writer = wangfang.writer
        seq, prev = writer.chain.next_position()
        op = Operation.seal(
            record_id=new_id() if fields["record"] == "new" else case_id,
            record_type=fields["record_type"], device_id=writer.device_id, seq=seq,
            prev=prev, kind=fields["kind"], changes=fields["changes"],
            parents={"none": [], "case": case_head, "unknown": ["0" * 64]}[fields["parents"]],
            hlc=fields["hlc"], author=Author(*fields["author"]),
            schema_version=fields["schema_version"], reason=fields["reason"])
        head = writer.chain.signed_head_at(op.seq, op.id, int(time.time() * 1000))
        body = content_coding.compress(Batch((op,), head).to_wire())
        answer = requests.post(
            street.url + "/api/v1/sync/push", data=body, timeout=20, auth=sign,
            headers={"Content-Type": "application/x-ndjson", "Content-Encoding": "br"})
        assert answer.status_code in PUSHED, answer.text
        push.validate_response(answer)
        if answer.status_code == 200:
            writer.chain.advance(op)  # the server holds it now: the next one follows it

    pushed()
    assert wangfang.client.mark()[0] == wangfang.writer.chain.seq
    with app.app_context():
        assert verify_ledger().ok
