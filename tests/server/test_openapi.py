"""The OpenAPI document over HTTP: served, valid, complete, and true to what the server says.

"True" is checked on real answers: a tablet's enrolment, pushes and pulls through the real
client, and refusals, each must have a documented status and a body that validates
against the schema documented for it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from server.services.enrolment import issue_code
from sync.client_errors import RequestRefused
from sync.signing import DeviceKey
from tests.server.conftest import LiveServer
from tests.server.fleet import dispute, enrol_tablet, import_demo_roster, visit

API = "/api/v1"
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def fetch_document(server: LiveServer) -> dict[str, Any]:
    response = requests.get(f"{server.url}{API}/openapi.json", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def assert_documented(document: dict[str, Any], response: requests.Response) -> None:
    """The answer's status is documented for its operation and its body fits the schema."""
    request = response.request
    operation = document["paths"][urlsplit(request.url).path][request.method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{request.method} {request.url} -> {status}"
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    OAS30Validator({**schema, "components": document["components"]}).validate(response.json())


def documented_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `<int:id>` becomes `{id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


class TestDocument:
    def test_it_is_served_as_valid_openapi_3_with_the_error_body_on_every_refusal(
            self, live_server: LiveServer) -> None:
        document = fetch_document(live_server)
        validate(document)
        assert document["openapi"].startswith("3.")
        refusals = [response["content"]["application/json"]["schema"]
                    for operations in document["paths"].values()
                    for operation in operations.values()
                    for status, response in operation["responses"].items()
                    if status.startswith(("4", "5"))]
        assert refusals and all(schema == {"$ref": "#/components/schemas/Error"}
                                for schema in refusals)

    def test_it_documents_every_api_route_with_its_methods(
            self, app: Flask, live_server: LiveServer) -> None:
        document = fetch_document(live_server)
        served = {documented_path(rule.rule): sorted(
                      method.lower() for method in (rule.methods or set()) - IMPLICIT_METHODS)
                  for rule in app.url_map.iter_rules() if rule.rule.startswith(API)}
        described = {path: sorted(operations) for path, operations in document["paths"].items()}
        assert described == served


class TestAnswersFitTheDocument:
    def test_health_a_bad_code_and_unsigned_requests(self, live_server: LiveServer) -> None:
        document = fetch_document(live_server)
        health = requests.get(f"{live_server.url}{API}/health", timeout=10)
        assert health.status_code == 200
        assert_documented(document, health)
        bad_code = requests.post(f"{live_server.url}{API}/enrol", timeout=10, json={
            "code": "K7Q2-9XHF-3MPA", "public_key": DeviceKey.generate().public.to_text()})
        assert bad_code.status_code == 404
        assert_documented(document, bad_code)
        signed = [(path, method) for path, operations in document["paths"].items()
                  for method, operation in operations.items() if "security" in operation]
        assert sorted(signed) == [(f"{API}/sync/mark", "get"), (f"{API}/sync/pull", "get"),
                                  (f"{API}/sync/push", "post"),
                                  (f"{API}/sync/quarantined", "get")]
        for path, method in signed:
            unsigned = requests.request(method, f"{live_server.url}{path}", timeout=10)
            assert unsigned.status_code == 401
            assert unsigned.json()["error"]["code"] == "auth_required"
            assert_documented(document, unsigned)

    def test_a_tablets_enrolment_pushes_and_pulls(
            self, app: Flask, live_server: LiveServer) -> None:
        document = fetch_document(live_server)
        import_demo_roster(live_server.env)
        with app.app_context():
            code = issue_code("w-gaoping").code
        enrolled = requests.post(f"{live_server.url}{API}/enrol", timeout=10, json={
            "code": code, "public_key": DeviceKey.generate().public.to_text(),
            "device_name": "高平的平板"})
        assert enrolled.status_code == 201
        assert_documented(document, enrolled)

        answers: list[requests.Response] = []
        wangfang = enrol_tablet(app, live_server.url, "w-wangfang")
        liuyang = enrol_tablet(app, live_server.url, "w-liuyang")
        for tablet in (wangfang, liuyang):
            tablet.client.session.hooks["response"].append(
                lambda response, *_args, **_kwargs: answers.append(response))
        case_id = wangfang.writer.create("dispute", dispute())
        wangfang.writer.create("visit", visit(grid_id="g-fsy-01"))  # quarantined: elsewhere
        assert wangfang.push().quarantined
        first = liuyang.pull()
        assert first.snapshot_records and first.roster is not None
        wangfang.writer.update(case_id, {"risk_colour": "red"})
        wangfang.push()
        assert liuyang.pull().applied
        with pytest.raises(RequestRefused):
            liuyang.client.pull(liuyang.replica, "not-a-cursor")

        paths = {(r.request.method, urlsplit(r.request.url).path) for r in answers}
        assert paths == {("GET", f"{API}/sync/mark"), ("POST", f"{API}/sync/push"),
                         ("GET", f"{API}/sync/pull")}
        for answer in answers:
            assert_documented(document, answer)

