"""矛盾纠纷: one case from 今日 — what it is, its mediation notes, what the worker's role may
do with it now (big buttons), and its history (`CaseDesk`).

The screen offers exactly `CaseDesk.allowed_actions()`, so a grid worker never sees 已办结;
the desk checks again before writing. A field two people wrote differently is shown in a
banner with both values until the office decides (the tablet does not resolve conflicts).
"""

from __future__ import annotations

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from field_app.screens.record_words import case_lines, conflict_lines, note_lines
from field_app.services.case_desk import CaseAction, CaseDesk
from field_app.services.recording import NotSaved, Recorder
from sync.catalogue import text


class CaseScreen(Screen):
    case_id = StringProperty("")
    """The case to show; 今日 sets it before opening the screen."""
    has_conflicts = BooleanProperty(False)

    desk: CaseDesk | None = None

    def on_pre_enter(self, *_args: object) -> None:
        recorder = Recorder.for_tablet(App.get_running_app().tablet)
        self.desk = CaseDesk(recorder, self.case_id)
        self.ids.words.text = ""
        self.ids.panes.current = "summary"
        self.show("")

    def show(self, message: str) -> None:
        """Read the case again (after an action, or a sync that brought news)."""
        try:
            summary = self.desk.summary()
            record = self.desk.view()
        except NotSaved as refused:
            self.say("\n".join(refused.messages.values()))
            return
        self.ids.title.text = f"{text('app.case.title')} · {summary.category}"
        self.ids.facts.text = "\n".join(case_lines(summary))
        self.ids.notes.text = "\n".join(note_lines(summary))
        conflicts = conflict_lines(record, self.desk.recorder.worker_name)
        self.has_conflicts = bool(conflicts)
        self.ids.conflicts.text = "\n".join([text("app.today.case_needs_decision"), *conflicts]
                                            if conflicts else [])
        self.ids.history.text = "\n".join(self.desk.history_lines())
        self._show_actions(self.desk.allowed_actions())
        self.say(message)

    def act(self, action: CaseAction) -> None:
        """Do one offered action; the words typed are its note or its reason."""
        try:
            self.desk.act(action, self.ids.words.text)
        except NotSaved as refused:
            self.say("\n".join([text("app.form.not_saved"), *refused.messages.values()]))
            return
        self.ids.words.text = ""
        self.show(text("app.case_screen.done", action=action.label))

    def show_history(self) -> None:
        self.ids.panes.current = "history"

    def show_summary(self) -> None:
        self.ids.panes.current = "summary"

    def say(self, message: str) -> None:
        self.ids.message.text = message

    def _show_actions(self, actions: list[CaseAction]) -> None:
        box = self.ids.actions
        box.clear_widgets()
        for action in actions:
            button = Factory.BigButton(text=action.label, height=dp(72), font_size=sp(22))
            if action.needs_reason:
                button.background_color = (0.75, 0.45, 0.1, 1)
            button.bind(on_release=lambda _b, chosen=action: self.act(chosen))
            box.add_widget(button)
        self.ids.no_actions.text = "" if actions else text("app.case_screen.no_actions")
