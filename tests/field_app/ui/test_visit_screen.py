"""民情日记 in a real window against a real sync server: a full visit (a person met, a
限时整改 request with its date, a photo) saved and sent; a household not on the roster
typed in; a half-filled visit offered again after the app was stopped."""

from __future__ import annotations

from pathlib import Path

from field_app.services.draft_store import DraftStore
from field_app.services.tablet import TabletFiles
from sync.catalogue import label, text
from sync.vocabulary import ProblemList, ServiceClass
from tests.field_app.ui.driver import Driver, run_app
from tests.field_app.ui.test_screens import enrolled_tablet, open_from_today


async def open_visit(driver: Driver) -> None:
    await open_from_today(driver, "visit", "visit")


async def choose_household(driver: Driver, query: str) -> None:
    driver.type("search", query)
    await driver.frames(2)
    driver.widget("choices").children[-1].dispatch("on_release")  # the first listed
    await driver.frames(1)


def a_photo(folder: Path) -> Path:
    from PIL import Image

    path = folder / "楼道灯.jpg"
    Image.new("RGB", (320, 240), (200, 180, 90)).save(path)
    return path


async def attach_photo(driver: Driver, photo: Path) -> None:
    from kivy.core.window import Window

    await driver.press("choose_photo")
    picker = Window.children[0]
    picker.ids.files.path = str(photo.parent)
    picker.ids.files.selection = [str(photo)]
    await driver.frames(3)
    await driver.screenshot("visit_choose_photo")
    picker.ids.use_file.dispatch("on_release")
    await driver.shows("attachments", photo.name)


class TestVisitScreen:
    def test_a_visit_with_a_person_a_request_and_a_photo_is_saved_and_sent(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)
        photo = a_photo(tmp_path)

        async def scenario(driver: Driver) -> None:
            await open_visit(driver)
            await choose_household(driver, "301")
            driver.type("person_name", "张秀英")
            driver.type("relation", "户主")
            await driver.press("add_person")
            assert driver.screen().form.values["people_met"] == [
                {"name": "张秀英", "relation": "户主", "phone": ""}]
            driver.type("situation", "老人身体尚可，反映楼道灯不亮。")
            driver.type("request_summary", "3号楼2单元楼道灯不亮")
            driver.widget("service_class").text = label(ServiceClass.living)
            driver.widget("problem_list").text = label(ProblemList.fix_by_deadline)
            assert driver.label("due_date")  # a week out, offered by the list
            driver.type("due_date", "2026-12-04")
            await driver.press("add_request")
            assert "2026-12-04" in driver.widget("requests").children[0].text
            await attach_photo(driver, photo)
            await driver.screenshot("visit_full")
            await driver.press("save")
            await driver.on_screen("home")
            assert driver.label("notice") == text("app.visit.saved")
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            assert text("app.sync.sent", count=1) in driver.label("result")
            saved = next(driver.app.tablet.replica.records("visit"))["values"]
            assert saved["people_met"] == [{"name": "张秀英", "relation": "户主"}]
            assert saved["requests"][0]["problem_list"] == "fix_by_deadline"
            assert saved["requests"][0]["due_date"] == "2026-12-04"
            assert saved["attachments"][0]["name"] == photo.name

        run_app(minqing_app(folder), scenario)

    def test_a_household_not_on_the_roster_is_typed_in(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_visit(driver)
            driver.type("building", "7号楼")
            driver.type("unit", "1单元")
            driver.type("room", "101")
            driver.type("head_name", "周建国")
            await driver.press("use_new_household")
            assert "周建国" in driver.label("household")
            await driver.screenshot("visit_new_household")
            await driver.press("save")
            await driver.on_screen("home")
            saved = next(driver.app.tablet.replica.records("visit"))["values"]
            assert saved["new_household"] == {"name": "周建国", "building": "7号楼",
                                              "unit": "1单元", "room": "101"}

        run_app(minqing_app(folder), scenario)

    def test_the_draft_is_offered_again_after_the_app_was_stopped(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def first_start(driver: Driver) -> None:
            await open_visit(driver)
            await choose_household(driver, "301")
            driver.type("person_name", "张秀英")
            await driver.press("add_person")
            driver.type("situation", "说到一半，平板没电了")
            await driver.until(lambda: DraftStore(
                TabletFiles(folder).folder, driver.app.tablet.data_key).load("visit")
                is not None and "没电" in DraftStore(
                    folder, driver.app.tablet.data_key).load("visit")["situation"],
                what="the situation in the draft")

        run_app(minqing_app(folder), first_start)

        async def second_start(driver: Driver) -> None:
            await open_visit(driver)
            assert driver.label("message") == text("app.visit.resumed")
            assert "301" in driver.label("household")
            assert "张秀英" in driver.widget("people").children[0].text
            assert driver.label("situation") == "说到一半，平板没电了"
            await driver.screenshot("visit_resumed")

        run_app(minqing_app(folder), second_start)

    def test_a_desktop_without_a_camera_app_offers_only_a_file(
            self, app, field_server, minqing_app, tmp_path):
        folder = enrolled_tablet(app, field_server, tmp_path / "tablet", synced=True)

        async def scenario(driver: Driver) -> None:
            await open_visit(driver)
            assert driver.widget("take_photo").disabled
            assert driver.widget("take_photo").opacity == 0
            assert not driver.widget("choose_photo").disabled

        run_app(minqing_app(folder), scenario)
