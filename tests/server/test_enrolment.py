"""Enrolment over HTTP: a one-time code and a fresh key make a device; the office manages it."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import update

from server.extensions import db
from server.models import EnrolmentCode
from server.services.enrolment import DeviceAdminError, code_hash
from sync.catalogue import ZH
from sync.clock import wall_ms
from sync.signing import DeviceKey
from tests.server.conftest import LiveServer, flask_command
from tests.server.roster_examples import roster, write_yaml

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def office(live_server: LiveServer, tmp_path: Path) -> LiveServer:
    """The live server with the small test roster imported by the office's command."""
    flask_command(live_server.env, "import-roster",
                  str(write_yaml(tmp_path / "roster.yaml", roster())))
    return live_server


def issue(env: dict[str, str], worker_id: str, *options: str) -> str:
    """Issue a code with the office's command and read it from what it prints."""
    done = flask_command(env, "issue-enrolment-code", worker_id, *options)
    match = CODE.search(done.stdout)
    assert match, done.stdout
    return match[0]


def enrol(server: LiveServer, code: str, public_key: str | None = None,
          name: str = "王芳的平板") -> requests.Response:
    key = public_key or DeviceKey.generate().public.to_text()
    return requests.post(f"{server.url}/api/v1/enrol", timeout=10,
                         json={"code": code, "public_key": key, "device_name": name})


def assert_refused(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] == ZH[f"api.{code}"]


class TestEnrol:
    def test_a_code_and_a_fresh_key_make_a_device_of_the_worker(
            self, office: LiveServer) -> None:
        response = enrol(office, issue(office.env, "w-wangfang"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["device_id"].startswith("dev-")
        assert body["worker"] == {"id": "w-wangfang", "name": "王芳", "role": "grid_worker"}
        assert body["scope"] == {"street_id": "s-qfs", "community_id": "c-yzs",
                                 "grid_id": "g-yzs-01", "team_id": None}
        assert set(body["server_key"]) == {"key_id", "public_key"}

    def test_a_patrol_members_scope_names_the_team(self, office: LiveServer) -> None:
        body = enrol(office, issue(office.env, "w-huangjun")).json()
        assert body["scope"] == {"street_id": "s-qfs", "community_id": "c-yzs",
                                 "grid_id": None, "team_id": "t-yzs"}

    def test_a_code_works_however_it_is_typed(self, office: LiveServer) -> None:
        code = issue(office.env, "w-wangfang")
        typed = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
        assert enrol(office, typed).status_code == 201

    def test_a_used_code_is_refused_with_404_and_a_chinese_message(
            self, office: LiveServer) -> None:
        code = issue(office.env, "w-wangfang")
        assert enrol(office, code).status_code == 201
        assert_refused(enrol(office, code), 404, "enrolment_code_invalid")

    def test_a_tablet_whose_answer_was_lost_gets_the_same_device_again(
            self, office: LiveServer) -> None:
        code = issue(office.env, "w-wangfang")
        key = DeviceKey.generate().public.to_text()
        first = enrol(office, code, public_key=key)
        again = enrol(office, code, public_key=key)
        assert again.status_code == 201
        assert again.json()["device_id"] == first.json()["device_id"]

    def test_an_unknown_code_is_refused(self, office: LiveServer) -> None:
        assert_refused(enrol(office, "AAAA-BBBB-CCCC"), 404, "enrolment_code_invalid")

    def test_an_expired_code_is_refused(self, app: Flask, office: LiveServer) -> None:
        code = issue(office.env, "w-wangfang")
        with app.app_context():
            db.session.execute(update(EnrolmentCode)
                               .where(EnrolmentCode.code_hash == code_hash(code))
                               .values(expires_at=wall_ms() - 1))
            db.session.commit()
        assert_refused(enrol(office, code), 404, "enrolment_code_invalid")

    def test_a_code_for_a_worker_no_longer_active_is_refused(
            self, office: LiveServer, tmp_path: Path) -> None:
        code = issue(office.env, "w-wangfang")
        changed = roster()
        changed["workers"][0]["active"] = False
        flask_command(office.env, "import-roster",
                      str(write_yaml(tmp_path / "left.yaml", changed)))
        assert_refused(enrol(office, code), 404, "enrolment_code_invalid")

    def test_a_key_already_enrolled_is_refused_with_409(self, office: LiveServer) -> None:
        key = DeviceKey.generate().public.to_text()
        assert enrol(office, issue(office.env, "w-wangfang"), key).status_code == 201
        assert_refused(enrol(office, issue(office.env, "w-zhaolei"), key), 409, "key_in_use")

    def test_a_refused_key_leaves_the_code_usable(self, office: LiveServer) -> None:
        key = DeviceKey.generate().public.to_text()
        assert enrol(office, issue(office.env, "w-wangfang"), key).status_code == 201
        code = issue(office.env, "w-zhaolei")
        assert enrol(office, code, key).status_code == 409
        assert enrol(office, code).status_code == 201

    def test_of_tablets_racing_with_one_code_exactly_one_is_enrolled(
            self, office: LiveServer) -> None:
        code = issue(office.env, "w-wangfang")
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = sorted(pool.map(lambda _: enrol(office, code).status_code, range(6)))
        assert statuses == [201, 404, 404, 404, 404, 404]

    def test_a_body_missing_fields_is_refused_with_400_naming_them(
            self, office: LiveServer) -> None:
        response = requests.post(f"{office.url}/api/v1/enrol", json={"device_name": "平板"},
                                 timeout=10)
        assert_refused(response, 400, "bad_request")
        assert response.json()["error"]["details"] == {"fields": ["code", "public_key"]}

    def test_a_body_that_is_not_json_is_refused_with_400(self, office: LiveServer) -> None:
        response = requests.post(f"{office.url}/api/v1/enrol", data=b"{not json",
                                 headers={"Content-Type": "application/json"}, timeout=10)
        assert_refused(response, 400, "bad_request")

    def test_a_public_key_that_does_not_parse_is_refused_with_400(
            self, office: LiveServer) -> None:
        response = enrol(office, issue(office.env, "w-wangfang"), public_key="bm90LWEta2V5")
        assert_refused(response, 400, "bad_request")
        assert response.json()["error"]["details"] == {"fields": ["public_key"]}


class TestOfficeCommands:
    def test_issue_enrolment_code_writes_a_qr_png(
            self, app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
        flask_command(server_env, "import-roster",
                      str(write_yaml(tmp_path / "roster.yaml", roster())))
        qr = tmp_path / "qr" / "wangfang.png"
        done = flask_command(server_env, "issue-enrolment-code", "w-wangfang",
                             "--qr", str(qr), "--hours", "2")
        assert qr.read_bytes().startswith(PNG_SIGNATURE)
        assert str(qr) in done.stdout

    def test_only_a_hash_of_the_code_is_stored(
            self, app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
        flask_command(server_env, "import-roster",
                      str(write_yaml(tmp_path / "roster.yaml", roster())))
        code = issue(server_env, "w-wangfang")
        with app.app_context():
            [stored] = db.session.query(EnrolmentCode).all()
        assert stored.code_hash == code_hash(code)
        assert code.replace("-", "") not in repr(vars(stored))

    def test_a_code_for_an_unknown_worker_is_refused_in_chinese(
            self, app: Flask, server_env: dict[str, str]) -> None:
        refused = flask_command(server_env, "issue-enrolment-code", "w-nobody", check=False)
        assert refused.returncode == 1
        assert "没有编号为“w-nobody”的工作人员" in refused.stderr

    def test_a_revoked_device_shows_as_revoked_in_list_devices(
            self, office: LiveServer) -> None:
        device_id = enrol(office, issue(office.env, "w-wangfang")).json()["device_id"]
        flask_command(office.env, "revoke-device", device_id, "--reason", "平板丢失")
        listing = flask_command(office.env, "list-devices").stdout
        [line] = [line for line in listing.splitlines() if device_id in line]
        assert "王芳（w-wangfang）" in line
        assert "已停用" in line
        assert "平板丢失" in line

    def test_a_device_still_in_use_shows_as_in_use(self, office: LiveServer) -> None:
        device_id = enrol(office, issue(office.env, "w-wangfang")).json()["device_id"]
        listing = flask_command(office.env, "list-devices").stdout
        [line] = [line for line in listing.splitlines() if device_id in line]
        assert "王芳的平板" in line
        assert line.rstrip().endswith("在用")

    def test_revoking_an_unknown_device_exits_1(
            self, app: Flask, server_env: dict[str, str]) -> None:
        refused = flask_command(server_env, "revoke-device", "dev-nothing", "--reason", "丢失",
                                check=False)
        assert refused.returncode == 1
        assert "没有编号为“dev-nothing”的设备" in refused.stderr

    @pytest.mark.parametrize("code", sorted(DeviceAdminError.CODES))
    def test_every_device_refusal_has_chinese_text(self, code: str) -> None:
        assert f"devices.{code}" in ZH


API_CODES = ("bad_request", "malformed_body", "not_found", "method_not_allowed",
             "body_too_large", "unsupported_media_type", "unsupported_encoding", "auth_required",
             "auth_unknown_device", "auth_bad_signature", "request_replayed", "device_revoked",
             "forbidden", "server_error", "enrolment_code_invalid", "key_in_use")


@pytest.mark.parametrize("code", API_CODES)
def test_every_api_error_code_has_chinese_text(code: str) -> None:
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ZH[f"api.{code}"])
