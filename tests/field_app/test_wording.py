"""What the screens say about a sync, in the catalogue's words (no window needed)."""

from __future__ import annotations

from field_app.screens.wording import error_text, outcome_lines, quarantined_line, step_progress
from field_app.services.enrolment_card import CardUnreadable
from field_app.services.pin_guard import PinLocked
from field_app.services.sync_run import SyncOutcome, SyncStep
from sync.catalogue import text
from sync.client_errors import ServerUnavailable


def test_a_finished_sync_says_what_went_and_came_and_that_nothing_waits():
    assert outcome_lines(SyncOutcome(sent=3, received=5)) == [
        text("app.sync.done"), text("app.sync.sent", count=3),
        text("app.sync.received", count=5), text("app.sync.nothing_waiting")]


def test_a_stopped_sync_gives_the_problem_what_waits_and_the_way_on():
    lines = outcome_lines(SyncOutcome(waiting=2,
                                      problem=ServerUnavailable("server_unreachable")))
    assert lines[0] == text("app.sync.stopped")
    assert lines[1] == text("client.server_unreachable")
    assert lines[-2:] == [text("app.sync.waiting", count=2), text("app.sync.retry_hint")]


def test_a_quarantined_record_gives_the_servers_reason_and_what_to_fix():
    item = {"seq": 7, "code": "invalid_record", "message": text("quarantine.invalid_record"),
            "problems": [{"path": "situation", "message": "民情不能为空"}]}
    assert quarantined_line(item) == text(
        "app.sync.quarantined_item", seq=7,
        message=text("quarantine.invalid_record") + "（民情不能为空）")


def test_conflicts_are_said_to_wait_for_the_office():
    assert text("app.sync.conflicts", count=2) in outcome_lines(SyncOutcome(conflicts=2))


def test_the_bar_is_half_full_when_everything_waiting_was_sent():
    assert step_progress(SyncStep("push", 1, 4), 8) == 0.25
    assert step_progress(SyncStep("push", 2, 8), 8) == 0.5
    assert 0.5 < step_progress(SyncStep("pull", 1, 100), 8) < 1.0


def test_refusals_are_said_from_the_catalogue():
    assert error_text(CardUnreadable("code_missing", "")) == text("app.error.code_missing")
    assert error_text(PinLocked(30)) == text("app.error.pin_locked", seconds=30)
    assert error_text(RuntimeError("boom")) == text("app.error.unexpected")
