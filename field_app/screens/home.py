"""今日: what is due, this week's screening, open cases, and whether everything is synced."""

from __future__ import annotations

from datetime import datetime

from kivy.app import App
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from field_app.screens.wording import case_lines, due_lines, screening_line, sync_lines, worker_line
from field_app.services.home import today_on
from sync.deadlines import CHINA


class HomeScreen(Screen):
    notice = StringProperty("")
    """A word from the screen just left (民情日记已保存), until 今日 is left."""

    def on_pre_enter(self, *_args: object) -> None:
        self.refresh()

    def on_leave(self, *_args: object) -> None:
        self.notice = ""

    def refresh(self) -> None:
        """Read 今日 again from the tablet (after a sync, a save, a new day)."""
        tablet = App.get_running_app().tablet
        if tablet is None:
            return
        today = today_on(tablet, datetime.now(CHINA))
        profile = tablet.profile
        self.ids.worker.text = worker_line(profile.worker, profile.grid_id)
        self.ids.due.text = "\n".join(due_lines(today))
        self.ids.screening.text = screening_line(today)
        self.ids.cases.text = "\n".join(case_lines(today))
        self.ids.sync_state.text = "\n".join(sync_lines(today))
