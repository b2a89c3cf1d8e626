"""设备管理 in the office's pages: codes with their QR, last syncs, revoking a lost tablet —
each only within the signed-in user's part of the tree. Real server, real HTTP session."""

from __future__ import annotations

import base64
import re

import pytest

from server.services.enrolment import qr_png_bytes
from sync.client import SyncClient
from sync.client_errors import DeviceRevoked
from sync.signing import DeviceKey
from tests.server.fleet import enrol_tablet, visit
from tests.server.test_office_login import OfficeBrowser, csrf_token


@pytest.fixture
def tablets(app, office_server):
    """A tablet in 燕子山社区 (王芳) and one in 佛山苑社区 (郑伟), each synced once."""
    found = {}
    for worker_id, grid_id in (("w-wangfang", "g-yzs-03"), ("w-zhengwei", "g-fsy-03")):
        tablet = enrol_tablet(app, office_server.url, worker_id)
        tablet.writer.create("visit", {**visit(grid_id), "worker_id": worker_id})
        tablet.push()
        found[worker_id] = tablet
    return found


def signed_in(office_server, worker_id: str) -> tuple[OfficeBrowser, str]:
    browser = OfficeBrowser(office_server.url)
    page = browser.sign_in(worker_id)
    return browser, csrf_token(page.text)


def devices_shown(page: str) -> set[str]:
    return set(re.findall(r'data-device="([^"]+)"', page))


class TestDeviceList:
    def test_community_staff_see_their_communitys_tablets_only(self, office_server, tablets):
        browser, _ = signed_in(office_server, "w-liuyang")
        page = browser.get("/office/devices").text
        assert devices_shown(page) == {tablets["w-wangfang"].client.device_id}

    def test_each_tablet_shows_when_it_last_synced(self, office_server, tablets):
        browser, _ = signed_in(office_server, "w-gaoping")
        page = browser.get("/office/devices").text
        assert len(devices_shown(page)) == 2
        assert page.count("在用") == 2
        assert not re.search(r"<td>—</td>\s*<td>\s*在用", page)  # a last sync for both

    def test_a_mediator_may_not_manage_tablets(self, app, office_server):
        from server.services.office_login import set_password
        from tests.server.fleet import OFFICE_PASSWORD

        with app.app_context():
            set_password("w-liming", OFFICE_PASSWORD)
        browser, _ = signed_in(office_server, "w-liming")
        answer = browser.get("/office/devices")
        assert answer.status_code == 403
        assert "您无权查看这一页" in answer.text


class TestEnrolmentCode:
    def test_a_code_issued_on_the_page_enrols_a_tablet(self, office_server):
        browser, token = signed_in(office_server, "w-liuyang")
        page = browser.http.post(f"{office_server.url}/office/devices/codes", timeout=10,
                                 data={"worker_id": "w-zhaolei", "csrf_token": token}).text
        code = re.search(r'data-code="([^"]+)"', page).group(1)
        enrolment = SyncClient.enrol(office_server.url, code, DeviceKey.generate(), "平板")
        assert enrolment.device_id.startswith("dev-")

    def test_the_qr_holds_the_code_and_the_server(self, office_server):
        browser, token = signed_in(office_server, "w-liuyang")
        page = browser.http.post(f"{office_server.url}/office/devices/codes", timeout=10,
                                 data={"worker_id": "w-zhaolei", "csrf_token": token}).text
        png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page)
                               .group(1))
        code = re.search(r'data-code="([^"]+)"', page).group(1)
        # The QR a tablet scans: the same image as the code and this server's address make.
        assert png == qr_png_bytes(code, office_server.url)

    def test_no_code_for_a_worker_outside_the_area(self, office_server):
        browser, token = signed_in(office_server, "w-liuyang")
        answer = browser.http.post(f"{office_server.url}/office/devices/codes", timeout=10,
                                   data={"worker_id": "w-zhengwei", "csrf_token": token})
        assert answer.status_code == 404


class TestRevoking:
    def test_a_revoked_tablet_is_refused_at_its_next_sync(self, office_server, tablets):
        browser, token = signed_in(office_server, "w-liuyang")
        device_id = tablets["w-wangfang"].client.device_id
        page = browser.http.post(f"{office_server.url}/office/devices/{device_id}/revoke",
                                 data={"reason": "平板丢失", "csrf_token": token},
                                 timeout=10).text
        assert "它的下一次同步将被拒绝" in page
        assert "已停用" in page and "平板丢失" in page
        tablets["w-wangfang"].writer.create("visit", visit())
        with pytest.raises(DeviceRevoked):
            tablets["w-wangfang"].push()

    def test_a_reason_is_required(self, office_server, tablets):
        browser, token = signed_in(office_server, "w-liuyang")
        device_id = tablets["w-wangfang"].client.device_id
        page = browser.http.post(f"{office_server.url}/office/devices/{device_id}/revoke",
                                 data={"reason": "  ", "csrf_token": token}, timeout=10).text
        assert "请写明停用原因" in page
        assert tablets["w-wangfang"].push().accepted == 0  # still syncing

    def test_a_tablet_outside_the_area_cannot_be_revoked(self, office_server, tablets):
        browser, token = signed_in(office_server, "w-liuyang")
        device_id = tablets["w-zhengwei"].client.device_id
        answer = browser.http.post(f"{office_server.url}/office/devices/{device_id}/revoke",
                                   data={"reason": "平板丢失", "csrf_token": token},
                                   timeout=10)
        assert answer.status_code == 404
        tablets["w-zhengwei"].writer.create("visit", {**visit("g-fsy-03"),
                                                       "worker_id": "w-zhengwei"})
        assert tablets["w-zhengwei"].push().accepted == 1
