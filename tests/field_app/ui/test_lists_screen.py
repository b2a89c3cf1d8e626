"""记录 in a real window against a real sync server: saved visits newest first, the search
narrowing them, a case two people edited at once flagged, a visit opened read-only, and the
index sealed at stop and taken up again at the next unlock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from field_app.services.tablet import Tablet, TabletFiles
from field_app.services.vault import Vault
from sync.catalogue import text
from tests.field_app.conftest import CHEAP_KDF, PIN, set_up_tablet
from tests.field_app.ui.driver import Driver, run_app
from tests.field_app.ui.test_screens import open_from_today
from tests.server.fleet import dispute, enrol_tablet, visit

SITUATIONS = ("楼道灯不亮", "下水道堵塞", "邻里噪音")
"""The visits' situations, oldest first (one day apart)."""


def synced(tablet: Tablet) -> None:
    assert tablet.sync is not None and tablet.sync.sync_now()
    assert tablet.sync.wait(60).succeeded


def tablet_with_visits(app, server, folder: Path) -> Path:
    """王芳's tablet, synced once, holding three visits to households of her grid."""
    tablet = set_up_tablet(app, server, folder)
    try:
        synced(tablet)
        households = [h["id"] for h in tablet.profile.roster["households"]
                      if h.get("grid_id") == "g-yzs-03"]
        for day, situation in enumerate(SITUATIONS, start=20):
            values = {**visit(number=day), "household_id": households[day - 20],
                      "visited_at": f"2026-11-{day}T10:00:00+08:00", "situation": situation}
            with tablet.turn:
                tablet.writer.create("visit", values)
    finally:
        tablet.close()
    return folder


def tablet_with_a_conflicted_case(app, server, folder: Path) -> str:
    """王芳 and 李明 (mediator) change the same case's description before seeing each
    other's change; both sync, and the case has an open conflict on 王芳's tablet."""
    mediator = enrol_tablet(app, server.url, "w-liming")
    case_id = mediator.writer.create("dispute", dispute())
    mediator.push()
    tablet = set_up_tablet(app, server, folder)
    try:
        synced(tablet)
        mediator.writer.update(case_id, {"description": "402装修破坏防水层所致。"})
        mediator.push()
        with tablet.turn:
            tablet.writer.update(case_id, {"description": "402防水层老化，双方同意先请物业查看。"})
        synced(tablet)
        assert tablet.replica.record(case_id)["conflicts"]
    finally:
        tablet.close()
    return case_id


async def open_lists(driver: Driver) -> None:
    await open_from_today(driver, "lists", "lists")


async def rows_shown(driver: Driver, count: int) -> list[dict[str, Any]]:
    """Wait until the list holds `count` rows; they are the RecycleView's plain dicts."""
    await driver.until(lambda: len(driver.widget("rows").data) == count
                       and driver.label("status") == text("app.lists.count", count=count),
                       what=f"{count} rows")
    await driver.frames(3)
    return driver.widget("rows").data


def row_widget(driver: Driver, record_id: str) -> Any:
    """The row drawn for `record_id` (the RecycleView draws only rows in sight)."""
    layout = driver.widget("rows").children[0]
    return next(w for w in layout.children if w.record_id == record_id)


class TestListsScreen:
    def test_saved_visits_are_listed_newest_first(self, app, field_server, minqing_app,
                                                  tmp_path):
        folder = tablet_with_visits(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_lists(driver)
            rows = await rows_shown(driver, 3)
            assert [r["subtitle"].split(" · ")[1] for r in rows] == list(reversed(SITUATIONS))
            assert rows[0]["when"] == "2026-11-22 10:00"
            assert all(type(r) is dict for r in rows)
            await driver.screenshot("lists")

        run_app(minqing_app(folder), scenario)

    def test_typing_in_the_search_box_narrows_the_list(self, app, field_server, minqing_app,
                                                       tmp_path):
        folder = tablet_with_visits(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_lists(driver)
            await rows_shown(driver, 3)
            driver.type("search", "下水道")
            rows = await rows_shown(driver, 1)
            assert "下水道堵塞" in rows[0]["subtitle"]
            await driver.screenshot("lists_search")
            driver.type("search", "没有这样的记录")
            await driver.until(lambda: driver.label("status") == text("app.lists.empty"))
            assert driver.widget("rows").data == []

        run_app(minqing_app(folder), scenario)

    def test_a_case_two_people_changed_at_once_is_flagged(self, app, field_server,
                                                          minqing_app, tmp_path):
        case_id = tablet_with_a_conflicted_case(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_lists(driver)
            await driver.press("tab_dispute")
            rows = await rows_shown(driver, 1)
            assert rows[0]["record_id"] == case_id
            assert rows[0]["flag"] == text("app.lists.conflict_flag")
            assert row_widget(driver, case_id).flag == text("app.lists.conflict_flag")
            await driver.screenshot("lists_conflict")

        run_app(minqing_app(tmp_path / "tablet"), scenario)

    def test_a_tapped_visit_opens_read_only_with_its_values(self, app, field_server,
                                                            minqing_app, tmp_path):
        folder = tablet_with_visits(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_lists(driver)
            rows = await rows_shown(driver, 3)
            row_widget(driver, rows[0]["record_id"]).dispatch("on_release")
            await driver.on_screen("record")
            await driver.shows("record_values", SITUATIONS[-1])
            assert driver.label("heading") == text("label.record_type.visit")
            assert driver.label("conflicts") == text("app.record.no_conflicts")
            await driver.screenshot("record")
            await driver.press("back")
            await driver.on_screen("lists")

        run_app(minqing_app(folder), scenario)

    def test_the_index_is_sealed_at_stop_and_taken_up_at_the_next_unlock(
            self, app, field_server, minqing_app, tmp_path):
        folder = tablet_with_visits(app, field_server, tmp_path / "tablet")
        files = TabletFiles(folder)

        async def scenario(driver: Driver) -> None:
            await open_lists(driver)
            await rows_shown(driver, 3)

        run_app(minqing_app(folder), scenario)
        assert files.lists.exists()
        reopened = Tablet.open(files, Vault(files.vault, kdf=CHEAP_KDF).unlock(PIN))
        try:
            assert reopened.lists is not None and reopened.lists.built
            assert len(reopened.lists.rows("visit")) == 3
        finally:
            reopened.close()
