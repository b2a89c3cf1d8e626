"""一周一排查: tick the buildings screened, then "nothing found" or the cases found
(`ScreeningForm`); saving writes the cases and the screening together."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp, sp
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

from field_app.screens.choices import code_of, labels_of
from field_app.services.case_opening import PartyDraft
from field_app.services.draft_store import DraftStore
from field_app.services.recording import NotSaved, Recorder
from field_app.services.screening_form import ScreeningForm
from sync.catalogue import label, text
from sync.vocabulary import DisputeCategory, RiskColour


class ScreeningScreen(Screen):
    form: ScreeningForm | None = None

    def on_pre_enter(self, *_args: object) -> None:
        tablet = App.get_running_app().tablet
        recorder = Recorder.for_tablet(tablet)
        drafts = DraftStore(tablet.files.folder, tablet.data_key)
        self.form = ScreeningForm.resume(recorder, drafts) or ScreeningForm(recorder, drafts)
        self.ids.week.text = text("app.screening.week", week=self.form.iso_week)
        self.ids.category.values = labels_of(DisputeCategory)
        self.ids.risk.values = labels_of(RiskColour)
        self.ids.risk.text = label(RiskColour.yellow)
        self.ids.message.text = ""
        self._show_areas()
        self._show_outcome()

    def toggle_area(self, area: str, ticked: bool) -> None:
        areas = [a for a in self.form.screened_areas if a != area]
        self.form.set_areas([*areas, area] if ticked else areas)

    def nothing_found(self) -> None:
        self.form.attest_nothing_found()
        self._show_outcome()

    def add_case(self) -> None:
        """The case typed in the case fields joins the screening; the fields are cleared."""
        party = self.ids.party.text.strip()
        self.form.add_case(code_of(DisputeCategory, self.ids.category.text) or "",
                           self.ids.description.text.strip(),
                           code_of(RiskColour, self.ids.risk.text) or RiskColour.green.value,
                           [PartyDraft(party)] if party else [])
        self.ids.party.text = self.ids.description.text = ""
        self._show_outcome()

    def save(self) -> None:
        try:
            self.form.save()
        except NotSaved as refused:
            self.ids.message.text = "\n".join([text("app.form.not_saved"),
                                               *refused.messages.values()])
            return
        self.manager.get_screen("home").notice = text("app.screening.saved")
        self.manager.current = "home"

    def discard(self) -> None:
        self.form.discard()
        self.manager.current = "home"

    def _show_areas(self) -> None:
        box = self.ids.areas
        box.clear_widgets()
        for area in self.form.area_choices():
            button = ToggleButton(text=area, size_hint_y=None, height=dp(56), font_size=sp(20),
                                  state="down" if area in self.form.screened_areas else "normal")
            button.bind(state=lambda b, state: self.toggle_area(b.text, state == "down"))
            box.add_widget(button)

    def _show_outcome(self) -> None:
        self.ids.nothing_found.state = "down" if self.form.nothing_found else "normal"
        self.ids.cases.text = "\n".join(
            f"{index}. {label(DisputeCategory(case.category)) if case.category else ''} "
            f"{case.description}".strip()
            for index, case in enumerate(self.form.cases, start=1))
