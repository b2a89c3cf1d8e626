"""同步: start a sync, follow it batch by batch, read what it did; 重试 resumes."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from field_app.screens.wording import outcome_lines, step_line, step_progress
from field_app.services.sync_run import SyncOutcome, SyncStep
from sync.catalogue import text


class SyncScreen(Screen):
    waiting_at_start = 0

    def on_pre_enter(self, *_args: object) -> None:
        background = App.get_running_app().tablet.sync
        if background.busy:
            self.ids.status.text = text("app.sync.started")
        elif background.last_outcome is not None:
            self.show_outcome(background.last_outcome)
        else:
            self.ids.status.text = text("app.sync.idle")

    def sync_now(self) -> None:
        tablet = App.get_running_app().tablet
        with tablet.turn:
            self.waiting_at_start = tablet.writer.chain.seq - tablet.profile.acknowledged_seq
        if not tablet.sync.sync_now():
            self.ids.status.text = text("app.sync.already_running")
            return
        self.ids.progress.value = 0
        self.ids.result.text = ""
        self.ids.retry.disabled = True
        self.ids.sync_now.disabled = True
        self.ids.status.text = text("app.sync.started")

    def show_step(self, step: SyncStep) -> None:
        self.ids.progress.value = 100 * step_progress(step, self.waiting_at_start)
        self.ids.status.text = step_line(step)

    def show_outcome(self, outcome: SyncOutcome) -> None:
        self.ids.progress.value = 100
        self.ids.sync_now.disabled = False
        self.ids.retry.disabled = outcome.succeeded or outcome.revoked
        lines = outcome_lines(outcome)
        self.ids.status.text = lines[0]
        self.ids.result.text = "\n".join(lines[1:])
