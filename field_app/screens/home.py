"""今日: what is due, this week's screening, open cases, and whether everything is synced."""

from __future__ import annotations

from datetime import datetime

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from field_app.screens.wording import (
    case_line,
    case_lines,
    due_lines,
    screening_line,
    sync_lines,
    worker_line,
)
from field_app.services.home import today_on
from field_app.services.today import OpenCase
from sync.deadlines import CHINA
from sync.scope import may_write

CASE_BUTTON_COLOURS = {"green": (0.16, 0.42, 0.25, 1), "yellow": (0.55, 0.45, 0.08, 1),
                       "red": (0.6, 0.16, 0.14, 1)}
"""An open case's button is tinted by its risk colour (三色管理)."""


class HomeScreen(Screen):
    notice = StringProperty("")
    """A word from the screen just left (民情日记已保存), until 今日 is left."""
    writes_visit = BooleanProperty(True)
    writes_screening = BooleanProperty(True)
    writes_patrol = BooleanProperty(True)
    """Which record forms 今日 offers: those the worker's role writes (`sync.scope`)."""

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
        self.writes_visit = may_write(profile.role, "visit")
        self.writes_screening = may_write(profile.role, "screening")
        self.writes_patrol = may_write(profile.role, "patrol")
        self.ids.worker.text = worker_line(profile.worker, profile.grid_id)
        self.ids.due.text = "\n".join(due_lines(today))
        self.ids.screening.text = screening_line(today)
        self.ids.cases.text = case_lines(today)[0]
        self._show_cases(today.open_cases)
        self.ids.sync_state.text = "\n".join(sync_lines(today))

    def open_case(self, case_id: str) -> None:
        """The case on 矛盾纠纷, to read and act on."""
        self.manager.get_screen("case").case_id = case_id
        self.manager.current = "case"

    def _show_cases(self, cases: list[OpenCase]) -> None:
        box = self.ids.case_buttons
        box.clear_widgets()
        for case in cases:
            button = Factory.CaseButton(text=case_line(case))
            button.background_color = CASE_BUTTON_COLOURS.get(case.risk_colour,
                                                              (0.3, 0.35, 0.55, 1))
            button.bind(on_release=lambda _b, chosen=case.record_id: self.open_case(chosen))
            box.add_widget(button)
