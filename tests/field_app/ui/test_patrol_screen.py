"""巡防 on its screen, in a real window against a real sync server: started from 今日 with a
team and crew from the roster, checkpoints and findings recorded as they happen, a finding
that opens a dispute case, the end, the sync that sends it, and a walk taken up again after
the app was stopped.

Screenshots: patrol_start, patrol_under_way, patrol_finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync.catalogue import text
from tests.field_app.ui.driver import Driver, run_app
from tests.field_app.ui.test_screens import enrolled_tablet, open_from_today, unlock
from tests.server.fleet import enrol_tablet

TEAM = "燕子山社区群众巡防队"
"""The demo roster's team of the 燕子山 community; 黄军 and 周敏 walk with it."""
GRID = "燕子山路3号院"
KEPT_ASIDE = text("app.sync.quarantined", count=0).removeprefix("0")
"""The words of the sync's "records the server kept aside" line, without the count."""


def synced_tablet(app: Any, server: Any, folder: Path, worker_id: str = "w-huangjun"
                  ) -> Path:
    """A tablet folder enrolled for `worker_id` (黄军, a patrol member, unless told) that
    has pulled the roster once."""
    return enrolled_tablet(app, server, folder, synced=True, worker_id=worker_id)


def tap_toggle(button: Any) -> None:
    """A finger on a ToggleButton: its state flips, then it is released."""
    button.state = "down" if button.state == "normal" else "normal"
    button.dispatch("on_release")


def choice(driver: Driver, box: str, shown: str) -> Any:
    return next(b for b in driver.widget(box).children if shown in b.text)


def patrol_view(driver: Driver) -> dict[str, Any]:
    return driver.screen("patrol").log.view()["values"]


async def open_patrol(driver: Driver) -> None:
    await open_from_today(driver, "patrol", "patrol")


async def choose_team_and_grid(driver: Driver) -> None:
    tap_toggle(choice(driver, "teams", TEAM))
    if driver.widget("grids").children and len(driver.widget("grids").children) > 1:
        tap_toggle(choice(driver, "grids", GRID))
    await driver.frames(2)


async def start_patrol(driver: Driver) -> None:
    """From 今日: the community's team chosen (its members join), the grid, 开始巡防."""
    await open_patrol(driver)
    await choose_team_and_grid(driver)
    await driver.press("start")
    await driver.until(lambda: driver.widget("panes").current == "walk", what="walk pane")


async def add_checkpoint(driver: Driver, place: str, colour: str = "green",
                         note: str = "") -> None:
    driver.type("place", place)
    driver.type("note", note)
    await driver.press(f"checkpoint_{colour}")
    await driver.press("add_checkpoint")


async def add_case_finding(driver: Driver) -> None:
    """A red finding that opens a dispute case (offered to those who may open cases)."""
    await driver.press("show_finding")
    driver.type("finding", "5号楼楼下两户因停车位争吵，情绪激动")
    await driver.press("finding_red")
    await driver.press("open_case")
    category = driver.widget("category")
    category.text = category.values[0]
    driver.type("party", "刘志强，陈桂兰")
    driver.type("description", "两户为车位归属争执，已劝开，需社区调解。")
    await driver.press("case_red")


class TestWhoIsOfferedPatrols:
    def test_a_patrol_member_is_offered_patrols_and_not_visits(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            assert not driver.widget("patrol").disabled
            assert driver.widget("visit").disabled and driver.widget("visit").opacity == 0

        run_app(minqing_app(folder), scenario)

    def test_a_grid_worker_is_not_offered_patrols_the_server_would_keep_aside(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet", "w-wangfang")

        async def scenario(driver: Driver) -> None:
            await unlock(driver)
            await driver.on_screen("home")
            assert driver.widget("patrol").disabled and driver.widget("patrol").opacity == 0
            assert not driver.widget("visit").disabled

        run_app(minqing_app(folder), scenario)


class TestStartingAPatrol:
    def test_a_patrol_starts_with_the_chosen_team_grid_and_members(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_patrol(driver)
            assert driver.widget("panes").current == "start"
            await choose_team_and_grid(driver)
            ticked = {b.text for b in driver.widget("members").children if b.state == "down"}
            assert ticked == {"黄军", "周敏"}
            await driver.screenshot("patrol_start")
            await driver.press("start")
            await driver.until(lambda: driver.widget("panes").current == "walk")
            values = patrol_view(driver)
            assert (values["team_id"], values["team_kind"]) == ("t-yzs-residents", "residents")
            assert values["grid_id"] == "g-yzs-03"
            assert set(values["members"]) == {"w-huangjun", "w-zhoumin"}
            assert "周敏" in driver.label("crew")
            assert driver.label("position") == text("app.visit.no_position")  # a desktop

        run_app(minqing_app(folder), scenario)

    def test_a_patrol_without_a_team_is_not_started(self, app, field_server, minqing_app,
                                                    tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_patrol(driver)
            await driver.press("start")
            assert driver.label("message") == text("app.patrol_screen.team_required")
            assert driver.widget("panes").current == "start"

        run_app(minqing_app(folder), scenario)


class TestWalking:
    def test_two_checkpoints_are_recorded_with_their_time_place_and_colour(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await add_checkpoint(driver, "3号楼北侧车棚", "yellow", "电动车充电线私拉")
            await add_checkpoint(driver, "小区东门")
            assert driver.label("message") == text("app.patrol_screen.checkpoint_saved",
                                                    place="小区东门")
            points = patrol_view(driver)["checkpoints"]
            assert [(p["place"], p["colour"]) for p in points] == [
                ("3号楼北侧车棚", "yellow"), ("小区东门", "green")]
            assert all(p["at"] and "position" not in p for p in points)
            assert text("app.patrol_screen.checkpoints", count=2) in driver.label("entries")
            assert "电动车充电线私拉" in driver.label("entries")
            await driver.screenshot("patrol_under_way")

        run_app(minqing_app(folder), scenario)

    def test_a_finding_is_recorded_with_its_colour(self, app, field_server, minqing_app,
                                                   tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await driver.press("show_finding")
            driver.type("finding", "2号楼消防通道堆放杂物")
            await driver.press("finding_yellow")
            await driver.press("add_finding")
            assert driver.label("message") == text("app.patrol_screen.finding_saved")
            (finding,) = patrol_view(driver)["findings"]
            assert (finding["text"], finding["colour"]) == ("2号楼消防通道堆放杂物", "yellow")
            assert "dispute_id" not in finding

        run_app(minqing_app(folder), scenario)

    def test_a_patrol_member_is_not_offered_opening_a_case(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await driver.press("show_finding")
            assert driver.widget("open_case").disabled
            assert driver.widget("open_case").opacity == 0

        run_app(minqing_app(folder), scenario)

    def test_a_finding_opens_a_dispute_case_linked_to_the_patrol(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet", "w-liuyang")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await add_case_finding(driver)
            await driver.screenshot("patrol_finding")
            await driver.press("add_finding")
            assert driver.widget("panes").current == "walk"
            assert driver.label("message") == text("app.patrol_screen.case_opened")
            finding = patrol_view(driver)["findings"][0]
            case = driver.app.tablet.writer.replica.record(finding["dispute_id"])["values"]
            assert case["source"] == {"kind": "patrol",
                                      "id": driver.screen("patrol").log.patrol_id}
            assert case["grid_id"] == "g-yzs-03"
            assert [p["name"] for p in case["parties"]] == ["刘志强", "陈桂兰"]
            assert (case["risk_colour"], case["status"]) == ("red", "found")
            assert text("app.patrol_screen.with_case") in driver.label("entries")

        run_app(minqing_app(folder), scenario)

    def test_a_case_finding_without_a_category_is_not_saved_and_says_why(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet", "w-liuyang")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await add_case_finding(driver)
            driver.widget("category").text = ""
            await driver.press("add_finding")
            assert driver.widget("panes").current == "finding"
            assert driver.label("message").startswith(text("app.form.not_saved"))
            assert not patrol_view(driver).get("findings")

        run_app(minqing_app(folder), scenario)


class TestEnding:
    def test_an_ended_patrol_reaches_the_server_and_other_tablets(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await add_checkpoint(driver, "3号楼北侧车棚", "yellow")
            await add_checkpoint(driver, "小区东门")
            await driver.press("end")
            await driver.on_screen("home")
            assert driver.label("notice") == text("app.patrol_screen.ended")
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            result = driver.label("result")
            assert text("app.sync.sent", count=4) in result  # start, 2 checkpoints, end
            assert KEPT_ASIDE not in result
            assert text("app.sync.nothing_waiting") in result

        run_app(minqing_app(folder), scenario)
        office = enrol_tablet(app, field_server.url, "w-liuyang")  # the community's tablet
        office.pull()
        (patrol,) = office.replica.records("patrol")
        values = patrol["values"]
        assert values["team_id"] == "t-yzs-residents" and values["ended_at"]
        assert [p["place"] for p in values["checkpoints"]] == ["3号楼北侧车棚", "小区东门"]

    def test_a_patrol_with_a_case_finding_reaches_the_server_whole(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet", "w-liuyang")

        async def scenario(driver: Driver) -> None:
            await start_patrol(driver)
            await add_checkpoint(driver, "3号楼北侧车棚", "yellow")
            await add_checkpoint(driver, "小区东门")
            await add_case_finding(driver)
            await driver.press("add_finding")
            await driver.press("end")
            await driver.on_screen("home")
            await driver.press("sync")
            await driver.on_screen("sync")
            await driver.press("sync_now")
            await driver.shows("status", text("app.sync.done"))
            # the patrol, two checkpoints, the case, its finding, the end; none kept aside
            assert text("app.sync.sent", count=6) in driver.label("result")
            assert KEPT_ASIDE not in driver.label("result")

        run_app(minqing_app(folder), scenario)
        grid_worker = enrol_tablet(app, field_server.url, "w-wangfang")  # the grid's tablet
        grid_worker.pull()
        (case,) = grid_worker.replica.records("dispute")
        assert case["values"]["source"]["kind"] == "patrol"

    def test_an_unfinished_patrol_is_taken_up_after_a_restart(
            self, app, field_server, minqing_app, tmp_path):
        folder = synced_tablet(app, field_server, tmp_path / "tablet")

        async def first_run(driver: Driver) -> None:
            await start_patrol(driver)
            await add_checkpoint(driver, "3号楼北侧车棚")

        async def second_run(driver: Driver) -> None:
            await open_patrol(driver)
            assert driver.widget("panes").current == "walk"
            assert driver.label("message") == text("app.patrol_screen.resumed")
            assert "3号楼北侧车棚" in driver.label("entries")
            await add_checkpoint(driver, "小区东门")
            assert len(patrol_view(driver)["checkpoints"]) == 2

        run_app(minqing_app(folder), first_run)
        run_app(minqing_app(folder), second_run)
