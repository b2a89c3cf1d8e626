"""矛盾纠纷 on its screen, in a real window against a real sync server: a case opened from
今日, a mediation note, a status move and its history line, what a grid worker is not
offered, and a field two people wrote differently shown in a banner.

Screenshots: home_case, case, case_history, case_conflict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.extensions import db
from server.models import Worker
from server.services import office_decisions
from server.services.office_desk import OfficeDesk
from sync.catalogue import text
from tests.field_app.conftest import set_up_tablet
from tests.field_app.ui.driver import Driver, run_app
from tests.field_app.ui.test_screens import enrolled_tablet, unlock
from tests.server.fleet import dispute, enrol_tablet

DESCRIPTION = dispute()["description"]


def case_from_the_mediator(app: Any, server: Any, **changes: Any) -> str:
    """A case of 王芳's grid, opened on 李明's (the mediator's) tablet and pushed."""
    mediator = enrol_tablet(app, server.url, "w-liming")
    case_id = mediator.writer.create("dispute", dispute(**changes))
    mediator.push()
    return case_id


def grid_worker_tablet(app: Any, server: Any, folder: Path) -> Path:
    """王芳's tablet (a grid worker), synced once: it holds the roster and the case."""
    return enrolled_tablet(app, server, folder, synced=True)


def action_labels(driver: Driver) -> list[str]:
    return [button.text for button in reversed(driver.widget("actions").children)]


async def press_action(driver: Driver, label: str) -> None:
    button = next(b for b in driver.widget("actions").children if b.text == label)
    button.dispatch("on_press")
    button.dispatch("on_release")
    await driver.frames(1)


async def open_the_case(driver: Driver, photograph: bool = False) -> None:
    """From 今日: tap the case's line."""
    await unlock(driver)
    await driver.on_screen("home")
    if photograph:
        await driver.screenshot("home_case")
    (button,) = driver.widget("case_buttons").children
    button.dispatch("on_press")
    button.dispatch("on_release")
    await driver.on_screen("case")


def move_to(status: str) -> str:
    return text("app.case.move_to", status=text(f"label.dispute_status.{status}"))


class TestOpeningACase:
    def test_a_case_on_today_opens_with_its_summary(self, app, field_server, minqing_app,
                                                    tmp_path):
        case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver, photograph=True)
            facts = driver.label("facts")
            assert DESCRIPTION in facts
            assert text("app.case_screen.status", status="已发现") in facts
            assert text("app.case_screen.level", level="网格") in facts
            assert text("app.case_screen.colour", colour="黄") in facts
            assert "刘志强（楼上住户）" in facts
            assert text("app.case.due", date="")[:4] in facts
            assert driver.label("notes") == text("app.case_screen.no_notes")
            assert not driver.screen().has_conflicts
            await driver.screenshot("case")

        run_app(minqing_app(folder), scenario)


class TestActing:
    def test_a_mediation_note_is_added_and_listed(self, app, field_server, minqing_app,
                                                  tmp_path):
        case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            driver.type("words", "已分别与两户沟通，同意周六上门查看漏水点。")
            await press_action(driver, text("app.case.add_note"))
            assert driver.label("message") == text("app.case_screen.done",
                                                    action=text("app.case.add_note"))
            assert "王芳：已分别与两户沟通" in driver.label("notes")
            assert driver.label("words") == ""

        run_app(minqing_app(folder), scenario)

    def test_an_empty_note_is_not_saved_and_says_why(self, app, field_server, minqing_app,
                                                     tmp_path):
        case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            await press_action(driver, text("app.case.add_note"))
            assert driver.label("message").startswith(text("app.form.not_saved"))
            assert driver.label("notes") == text("app.case_screen.no_notes")

        run_app(minqing_app(folder), scenario)

    def test_moving_the_status_shows_it_and_adds_a_history_line(
            self, app, field_server, minqing_app, tmp_path):
        case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            await press_action(driver, move_to("mediating"))
            assert text("app.case_screen.status", status="调解中") in driver.label("facts")
            assert move_to("mediating") not in action_labels(driver)
            assert move_to("resolved") in action_labels(driver)
            await driver.press("show_history")
            history = driver.label("history").splitlines()  # the case came in a snapshot
            assert history[-1].endswith("王芳：" + text(
                "app.case.history_changed", changes=text(
                    "app.case.history_field", field="办理状态", value="调解中")))
            await driver.screenshot("case_history")
            await driver.press("show_summary")
            assert driver.widget("panes").current == "summary"

        run_app(minqing_app(folder), scenario)

    def test_a_grid_worker_is_not_offered_closing(self, app, field_server, minqing_app,
                                                  tmp_path):
        case_from_the_mediator(app, field_server, status="referred")
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            assert text("app.case_screen.status", status="已移交") in driver.label("facts")
            assert move_to("closed") not in action_labels(driver)
            assert action_labels(driver) == [
                text("app.case.add_note"), text("app.case.escalate_to", level="社区")]

        run_app(minqing_app(folder), scenario)

    def test_escalating_raises_the_level_one_rung(self, app, field_server, minqing_app,
                                                  tmp_path):
        case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            await press_action(driver, text("app.case.escalate_to", level="社区"))
            assert text("app.case_screen.level", level="社区") in driver.label("facts")
            assert not any(label.startswith(text("app.case.escalate_to", level="")[:2])
                           for label in action_labels(driver))

        run_app(minqing_app(folder), scenario)


class TestConflicts:
    def test_a_field_two_people_changed_is_shown_in_a_banner_with_both_values(
            self, app, field_server, minqing_app, tmp_path):
        case_id = case_from_the_mediator(app, field_server)
        mediator = enrol_tablet(app, field_server.url, "w-liming")
        tablet = set_up_tablet(app, field_server, tmp_path / "tablet")
        try:
            assert tablet.sync.sync_now() and tablet.sync.wait(60).succeeded
            mediator.pull()
            mediator.writer.update(case_id, {"description": "漏水已修好，仍需赔偿天花板。"})
            mediator.push()
            with tablet.turn:  # the same field, on 王芳's tablet, before either had synced
                tablet.writer.update(case_id, {"description": "楼上同意请物业维修。"})
            assert tablet.sync.sync_now() and tablet.sync.wait(60).succeeded
        finally:
            tablet.close()

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            assert driver.screen().has_conflicts
            banner = driver.label("conflicts")
            assert banner.startswith(text("app.today.case_needs_decision"))
            assert "“漏水已修好，仍需赔偿天花板。”（李明）" in banner
            assert "“楼上同意请物业维修。”（王芳）" in banner
            await driver.screenshot("case_conflict")

        run_app(minqing_app(tmp_path / "tablet"), scenario)


class TestWhileOpen:
    def test_an_office_decision_shows_on_the_open_case_after_the_next_sync(
            self, app, field_server, minqing_app, tmp_path):
        case_id = case_from_the_mediator(app, field_server)
        folder = grid_worker_tablet(app, field_server, tmp_path / "tablet")
        with app.app_context():
            office = OfficeDesk(db.session.get(Worker, "w-liuyang"))  # 刘洋, the community
            office_decisions.move_status(office, case_id, "resolved")

        async def scenario(driver: Driver) -> None:
            await open_the_case(driver)
            assert text("app.case_screen.status", status="已发现") in driver.label("facts")
            assert driver.app.tablet.sync.sync_now()  # as the automatic sync does
            await driver.shows("facts", text("app.case_screen.status", status="已化解"))

        run_app(minqing_app(folder), scenario)
