"""民情日记: choose the household, the kind and what was heard, then save (`VisitForm`).

The form keeps a sealed draft of every change, so a half-filled visit comes back after
the app was killed; this screen only shows the form's values and hands it what was typed.
"""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp, sp
from kivy.uix.button import Button
from kivy.uix.screenmanager import Screen

from field_app.screens.choices import code_of, labels_of
from field_app.services.draft_store import DraftStore
from field_app.services.households import HouseholdChoice
from field_app.services.recording import NotSaved, Recorder
from field_app.services.visit_form import VisitForm
from sync.catalogue import label, text
from sync.vocabulary import VisitKind

CHOICES_SHOWN = 6


class VisitScreen(Screen):
    form: VisitForm | None = None

    def on_pre_enter(self, *_args: object) -> None:
        tablet = App.get_running_app().tablet
        recorder = Recorder.for_tablet(tablet)
        drafts = DraftStore(tablet.files.folder, tablet.data_key)
        resumed = VisitForm.resume(recorder, drafts)
        self.form = resumed or VisitForm(recorder, drafts)
        self.ids.message.text = text("app.visit.resumed") if resumed else ""
        self.ids.kind.values = labels_of(VisitKind)
        self.ids.kind.text = label(VisitKind(self.form.values["visit_kind"]))
        self.ids.situation.text = self.form.values["situation"]
        self.ids.search.text = ""
        self.find()
        self.show_household()

    def find(self) -> None:
        """List the households of the grid matching what was typed in the search field."""
        choices = self.form.households(self.ids.search.text, limit=CHOICES_SHOWN)
        box = self.ids.choices
        box.clear_widgets()
        for choice in choices:
            box.add_widget(self._choice_button(choice))
        if not choices:
            self.ids.household.text = text("app.visit.no_household_found")

    def choose(self, household_id: str) -> None:
        self.form.choose_household(household_id)
        self.show_household()

    def set_kind(self, shown: str) -> None:
        kind = code_of(VisitKind, shown)
        if kind is not None and kind != self.form.values["visit_kind"]:
            self.form.set_kind(kind)

    def keep_situation(self) -> None:
        """Into the draft when the field is left (not on every key: each keep is a
        durable write)."""
        if self.ids.situation.text != self.form.values["situation"]:
            self.form.set_situation(self.ids.situation.text)

    def save(self) -> None:
        self.keep_situation()
        try:
            self.form.save()
        except NotSaved as refused:
            self.ids.message.text = "\n".join([text("app.form.not_saved"),
                                               *refused.messages.values()])
            return
        self.manager.get_screen("home").notice = text("app.visit.saved")
        self.manager.current = "home"

    def discard(self) -> None:
        self.form.discard()
        self.manager.current = "home"

    def show_household(self) -> None:
        chosen = self.form.values["household_id"]
        titles = {c.household_id: c.title for c in self.form.households("", limit=10_000)}
        self.ids.household.text = (text("app.visit.household") + "：" + titles.get(chosen, chosen)
                                   if chosen else text("app.visit.search_household"))

    def _choice_button(self, choice: HouseholdChoice) -> Button:
        button = Button(text=choice.title, size_hint_y=None, height=dp(56), font_size=sp(20))
        button.bind(on_release=lambda _b: self.choose(choice.household_id))
        return button
