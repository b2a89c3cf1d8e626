"""The tablet's screens, driven in a real window against a real sync server: 首次使用 and
设置PIN to 今日, 解锁 with wrong PINs, the idle lock, 同步 (what went, what came, what the
office decided, a retry), 民情日记 and 一周一排查.

Each test photographs the screens it passes through (`Driver.screenshot`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from field_app.services.tablet import Tablet
from field_app.services.today import china_day, iso_week_of
from server.extensions import db
from server.models import Worker
from server.services import office_decisions
from server.services.enrolment import issue_code, qr_png
from server.services.office_desk import OfficeDesk
from sync.catalogue import text
from sync.deadlines import CHINA
from tests.field_app.conftest import PIN, set_up_tablet
from tests.field_app.ui.driver import Driver, run_app
from tests.server.fleet import dispute, enrol_tablet, visit


def enrolled_tablet(app, server, folder: Path, visits: int = 0, synced: bool = False,
                    worker_id: str = "w-wangfang") -> Path:
    """A tablet folder enrolled for `worker_id` (王芳 unless told) with `PIN`, holding
    `visits` unsynced visits; `synced`: it has pulled the roster once."""
    tablet: Tablet = set_up_tablet(app, server, folder, worker_id)
    try:
        if synced:
            assert tablet.sync is not None and tablet.sync.sync_now()
            assert tablet.sync.wait(60).succeeded
        for number in range(1, visits + 1):
            with tablet.turn:
                tablet.writer.create("visit", visit(number=number))
    finally:
        tablet.close()
    return folder


async def unlock(driver: Driver, pin: str = PIN) -> None:
    await driver.on_screen("unlock")
    driver.type("pin", pin)
    await driver.press("submit")


async def open_from_today(driver: Driver, button: str, screen: str) -> None:
    """Unlock, then tap `button` on 今日 and wait for `screen`."""
    await unlock(driver)
    await driver.on_screen("home")
    await driver.press(button)
    await driver.on_screen(screen)


class TestFirstStart:
    def test_a_typed_card_and_a_new_pin_open_the_tablet_on_today(
            self, app, field_server, minqing_app, tmp_path):
        with app.app_context():
            code = issue_code("w-wangfang").code

        async def scenario(driver: Driver) -> None:
            await driver.on_screen("enrol")
            driver.type("server_url", field_server.url)
            driver.type("code", code)
            await driver.screenshot("enrol")
            await driver.press("submit")
            await driver.on_screen("set_pin")
            assert "g-yzs-03" in driver.label("who")
            driver.type("pin", PIN)
            driver.type("again", PIN)
            await driver.screenshot("set_pin")
            await driver.press("submit")
            await driver.on_screen("home")
            assert driver.label("due") == text("app.today.no_roster")
            assert "g-yzs-03" in driver.label("worker")

        run_app(minqing_app(tmp_path / "tablet"), scenario)

    def test_the_card_is_read_from_its_qr_picture(self, app, field_server, minqing_app,
                                                   tmp_path):
        with app.app_context():
            code = issue_code("w-wangfang").code
        picture = qr_png(code, tmp_path / "card.png", field_server.url)

        async def scenario(driver: Driver) -> None:
            await driver.on_screen("enrol")
            driver.type("card_path", str(picture))
            await driver.press("read_card")
            assert driver.label("server_url") == field_server.url
            assert driver.label("message") == text("app.enrol.card_read")
            await driver.screenshot("enrol_card_read")
            await driver.press("submit")
            await driver.on_screen("set_pin")

        run_app(minqing_app(tmp_path / "tablet"), scenario)

    def test_the_cards_picture_can_be_chosen_among_the_files(
            self, app, field_server, minqing_app, tmp_path):
        with app.app_context():
            code = issue_code("w-wangfang").code
        picture = qr_png(code, tmp_path / "card.png", field_server.url)

        async def scenario(driver: Driver) -> None:
            from kivy.core.window import Window

            await driver.on_screen("enrol")
            await driver.press("choose_card")
            picker = Window.children[0]
            picker.ids.files.path = str(tmp_path)
            picker.ids.files.selection = [str(picture)]
            await driver.frames(3)
            await driver.screenshot("enrol_choose_card")
            picker.ids.use_picture.dispatch("on_release")
            await driver.frames(2)
            assert driver.label("card_path") == str(picture)
            assert driver.label("code") == code

        run_app(minqing_app(tmp_path / "tablet"), scenario)

    def test_a_picture_without_a_code_is_said_in_chinese(self, minqing_app, tmp_path):
        from PIL import Image

        Image.new("L", (200, 200), 255).save(tmp_path / "blank.png")

        async def scenario(driver: Driver) -> None:
            await driver.on_screen("enrol")
            driver.type("card_path", str(tmp_path / "blank.png"))
            await driver.press("read_card")
            assert driver.label("message") == text("app.error.card_no_code")

        run_app(minqing_app(tmp_path / "tablet"), scenario)

    def test_two_different_pins_are_refused(self, app, field_server, minqing_app, tmp_path):
        with app.app_context():
            code = issue_code("w-wangfang").code

        async def scenario(driver: Driver) -> None:
            await driver.on_screen("enrol")
            driver.type("server_url", field_server.url)
            driver.type("code", code)
            await driver.press("submit")
            await driver.on_screen("set_pin")
            driver.type("pin", PIN)
            driver.type("again", "111111")
            await driver.press("submit")
            assert driver.label("message") == text("app.error.pin_mismatch")
            assert driver.current == "set_pin"

        run_app(minqing_app(tmp_path / "tablet"), scenario)


class TestUnlocking:
    def test_a_wrong_pin_is_said_and_then_the_right_one_opens(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await unlock(driver, "000000")
            await driver.shows("message", text("app.unlock.tries_left", count=4))
            await driver.screenshot("unlock_wrong_pin")
            await unlock(driver)
            await driver.on_screen("home")

        run_app(minqing_app(folder), scenario)

    def test_five_wrong_pins_make_the_worker_wait_and_say_how_long(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            for left in (4, 3, 2, 1):
                await unlock(driver, "000000")
                await driver.shows("message", text("app.unlock.tries_left", count=left))
            await unlock(driver, "000000")
            await driver.shows("message", text("app.error.pin_locked", seconds=30))
            await unlock(driver)  # the right PIN is not even tried while the wait runs
            await driver.shows("message", text("app.error.pin_locked", seconds=30)[:8])
            assert driver.current == "unlock"
            await driver.screenshot("unlock_locked")

        run_app(minqing_app(folder), scenario)

    def test_a_tablet_left_alone_locks_itself(self, app, field_server, minqing_app,
                                              tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            await driver.on_screen("unlock", timeout=10)
            assert driver.app.tablet is None
            assert driver.label("message") == text("app.unlock.idle_locked")

        run_app(minqing_app(folder, idle_s=1.5), scenario)


class TestSyncing:
    def test_the_sync_screen_says_what_was_sent(self, app, field_server, minqing_app,
                                               tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", visits=2)

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            assert driver.label("sync_state").startswith(text("app.today.unsynced", count=2))
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            assert text("app.sync.sent", count=2) in driver.label("result")
            assert text("app.sync.nothing_waiting") in driver.label("result")
            await driver.screenshot("sync_done")
            await driver.press("back")
            await driver.on_screen("home")
            assert driver.label("sync_state").startswith(text("app.today.all_synced"))
            assert driver.label("due").startswith(text("app.today.due_visits", count=0)[:5])
            await driver.screenshot("home")

        run_app(minqing_app(folder), scenario)

    def test_a_case_opened_elsewhere_appears_on_today_after_a_sync(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet")
        mediator = enrol_tablet(app, field_server.url, "w-liming")
        mediator.writer.create("dispute", dispute())
        mediator.push()

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            assert driver.label("cases") == text("app.today.no_open_cases")
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            await driver.press("back")
            await driver.on_screen("home")
            assert text("app.today.open_cases", count=1) in driver.label("cases")
            assert [dispute()["description"][:10] in button.text
                    for button in driver.widget("case_buttons").children] == [True]

        run_app(minqing_app(folder), scenario)

    def test_a_case_the_office_resolved_leaves_today_after_a_sync(
            self, app, field_server, minqing_app, tmp_path):
        mediator = enrol_tablet(app, field_server.url, "w-liming")
        case_id = mediator.writer.create("dispute", dispute())
        mediator.push()
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)
        with app.app_context():
            office = OfficeDesk(db.session.get(Worker, "w-liuyang"))  # 刘洋, the community
            office_decisions.move_status(office, case_id, "resolved")

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            assert text("app.today.open_cases", count=1) in driver.label("cases")
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            await driver.press("back")
            await driver.on_screen("home")
            assert driver.label("cases") == text("app.today.no_open_cases")

        run_app(minqing_app(folder), scenario)

    def test_an_unreachable_server_is_said_and_retry_is_offered(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", visits=1)

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            driver.app.tablet.client.base_url = "http://127.0.0.1:9"  # nothing listens there
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.stopped"))
            assert text("client.server_unreachable") in driver.label("result")
            assert text("app.sync.waiting", count=1) in driver.label("result")
            await driver.screenshot("sync_failed")
            driver.app.tablet.client.base_url = field_server.url
            await driver.press("retry")
            await driver.shows("status", text("app.sync.done"))
            assert text("app.sync.sent", count=1) in driver.label("result")

        run_app(minqing_app(folder), scenario)


class TestVisiting:
    def test_a_visit_recorded_on_its_screen_is_sent_by_the_next_sync(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_from_today(driver, "visit", "visit")
            driver.type("search", "301")
            await driver.frames(2)
            choice = driver.widget("choices").children[-1]  # the first household listed
            choice.dispatch("on_release")
            assert "301" in driver.label("household")
            driver.type("situation", "老人身体尚可，反映楼道灯不亮。")
            await driver.screenshot("visit")
            await driver.press("save")
            await driver.on_screen("home")
            assert driver.label("notice") == text("app.visit.saved")
            assert driver.label("sync_state").startswith(text("app.today.unsynced", count=1))
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            assert text("app.sync.sent", count=1) in driver.label("result")

        run_app(minqing_app(folder), scenario)

    def test_a_visit_without_a_household_is_not_saved_and_says_why(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_from_today(driver, "visit", "visit")
            await driver.press("save")
            assert driver.current == "visit"
            assert driver.label("message").startswith(text("app.form.not_saved"))
            assert len(driver.label("message").splitlines()) >= 2
            await driver.screenshot("visit_not_saved")

        run_app(minqing_app(folder), scenario)


class TestScreening:
    def test_a_screening_with_nothing_found_marks_the_week_done_on_today(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_from_today(driver, "screening_form", "screening")
            driver.widget("areas").children[-1].state = "down"  # the first building
            await driver.press("nothing_found")
            await driver.screenshot("screening")
            await driver.press("save")
            await driver.on_screen("home")
            assert driver.label("notice") == text("app.screening.saved")
            week = iso_week_of(china_day(datetime.now(CHINA)))
            assert driver.label("screening") == text("app.today.screening_done", week=week)

        run_app(minqing_app(folder), scenario)

    def test_a_case_found_while_screening_is_opened_and_listed_on_today(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_from_today(driver, "screening_form", "screening")
            driver.widget("areas").children[-1].state = "down"
            driver.widget("category").text = driver.widget("category").values[0]
            driver.type("party", "刘志强")
            driver.type("description", "楼上漏水渗到楼下，双方争执。")
            await driver.press("add_case")
            assert "楼上漏水" in driver.label("cases")
            await driver.press("save")
            await driver.on_screen("home")
            assert text("app.today.open_cases", count=1) in driver.label("cases")

        run_app(minqing_app(folder), scenario)
