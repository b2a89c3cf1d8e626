"""民情日记: the household, then (all optional) who was met, what was heard, the residents'
requests, photos and the position; 保存 (`VisitForm`).

A routine visit stays a few taps: find the household, tap it, 保存. The form keeps a sealed
draft of every change (the situation a moment after typing stops), so a half-filled visit
comes back after the app was killed; this screen only shows the form's values and hands it
what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.popup import Popup
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background, on_main_thread
from field_app.screens.choices import code_of, labels_of
from field_app.screens.lists_wording import (
    attachments_line,
    new_household_line,
    person_line,
    request_line,
)
from field_app.screens.wording import error_text
from field_app.services.camera import Camera
from field_app.services.draft_store import DraftStore
from field_app.services.households import HouseholdChoice
from field_app.services.location import Locator
from field_app.services.recording import NotSaved, Recorder
from field_app.services.request_due import default_due_date
from field_app.services.visit_form import VisitForm
from sync.catalogue import label, text
from sync.deadlines import CHINA
from sync.vocabulary import ProblemList, ServiceClass, VisitKind

CHOICES_SHOWN = 6
SITUATION_KEEP_S = 1.0
"""The situation goes into the draft this long after typing stops (each keep is a durable
write, so not on every key)."""
POSITION_CHECK_S = 3.0


class VisitLine(BoxLayout):
    """A person, request or photo already on the form, with its 删除 button."""

    text = StringProperty("")
    remove = ObjectProperty(None)


class PhotoPicker(Popup):
    """Choose a photo among the tablet's files (the camera's pictures included)."""

    deliver = ObjectProperty(None)


class VisitScreen(Screen):
    has_camera = BooleanProperty(False)
    """拍照 is offered where the platform has a camera app to call (`Camera.available`)."""
    form: VisitForm | None = None
    _keep_situation = None
    _position_check = None
    locator: Locator | None = None
    _has_gps = False

    def on_pre_enter(self, *_args: object) -> None:
        tablet = App.get_running_app().tablet
        recorder = Recorder.for_tablet(tablet)
        drafts = DraftStore(tablet.files.folder, tablet.data_key)
        resumed = VisitForm.resume(recorder, drafts)
        self.form = resumed or VisitForm(recorder, drafts)
        self.say(text("app.visit.resumed") if resumed else "")
        self.has_camera = self.camera().available()
        self.ids.kind.values = labels_of(VisitKind)
        self.ids.kind.text = label(VisitKind(self.form.values["visit_kind"]))
        self.ids.service_class.values = labels_of(ServiceClass)
        self.ids.problem_list.values = labels_of(ProblemList)
        self._clear_request_fields()
        self.ids.situation.text = self.form.values["situation"]
        for name in ("search", "person_name", "relation", "building", "unit", "room",
                     "head_name"):
            self.ids[name].text = ""
        self.find()
        self.show_form()
        self._follow_position()

    def on_leave(self, *_args: object) -> None:
        """Leaving (a lock, say) keeps what was typed; after 保存 or 放弃 nothing waits."""
        if self._stop_keeping():
            self.keep_situation()
        if self._position_check is not None:
            self._position_check.cancel()
            self._position_check = None

    # -- household -----------------------------------------------------------------------

    def find(self) -> None:
        """List the households of the grid matching what was typed in the search field."""
        if self.form is None:
            return
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

    def use_new_household(self) -> None:
        """The household typed in (building, unit, room, head's name): not on the roster."""
        name = self.ids.head_name.text.strip()
        if not name:
            self.say(text("app.visit.new_household_name_missing"))
            return
        details = {part: self.ids[part].text.strip() for part in ("building", "unit", "room")}
        self.form.type_new_household(name, **{k: v for k, v in details.items() if v})
        self.say("")
        self.show_household()

    # -- the visit -----------------------------------------------------------------------

    def set_kind(self, shown: str) -> None:
        kind = code_of(VisitKind, shown)
        if self.form is not None and kind is not None and kind != self.form.values["visit_kind"]:
            self.form.set_kind(kind)

    def add_person(self) -> None:
        name = self.ids.person_name.text.strip()
        if not name:
            self.say(text("app.visit.person_name_missing"))
            return
        self.form.add_person(name, self.ids.relation.text.strip())
        self.ids.person_name.text = self.ids.relation.text = ""
        self.say("")
        self.show_form()

    def remove_person(self, index: int) -> None:
        self.form.remove_person(index)
        self.show_form()

    def situation_typed(self) -> None:
        """Keep the situation in the draft once typing pauses."""
        if self._keep_situation is not None:
            self._keep_situation.cancel()
        self._keep_situation = Clock.schedule_once(lambda _dt: self.keep_situation(),
                                                   SITUATION_KEEP_S)

    def keep_situation(self) -> None:
        if self.form is not None and self.ids.situation.text != self.form.values["situation"]:
            self.form.set_situation(self.ids.situation.text)

    # -- requests ------------------------------------------------------------------------

    def problem_list_chosen(self, shown: str) -> None:
        """Offer the list's usual due date (the worker may change it)."""
        today = datetime.now(CHINA).date()
        self.ids.due_date.text = default_due_date(code_of(ProblemList, shown), today)

    def add_request(self) -> None:
        summary = self.ids.request_summary.text.strip()
        service_class = code_of(ServiceClass, self.ids.service_class.text)
        problem_list = code_of(ProblemList, self.ids.problem_list.text)
        if not summary or service_class is None or problem_list is None:
            self.say(text("app.visit.request_incomplete"))
            return
        self.form.add_request(service_class, summary, problem_list,
                              due_date=self.ids.due_date.text.strip(),
                              explanation=self.ids.explanation.text.strip())
        self._clear_request_fields()
        self.say("")
        self.show_form()

    def remove_request(self, index: int) -> None:
        self.form.remove_request(index)
        self.show_form()

    # -- photos --------------------------------------------------------------------------

    def choose_photo(self) -> None:
        picker = PhotoPicker(title=text("app.visit.choose_file"))
        picker.deliver = self.attach
        picker.open()

    def take_photo(self) -> None:
        """The camera app; its picture is sealed like a chosen file, then deleted."""
        self.camera().take(on_main_thread(self._photo_taken))

    def camera(self) -> Camera:
        return Camera(App.get_running_app().tablet.files.folder / "camera")

    def _photo_taken(self, path: Path) -> None:
        self.attach(str(path), then_forget=True)

    def attach(self, path: str, *, then_forget: bool = False) -> None:
        """Seal a copy of the photo (a thread: it may be megabytes), then list it; a
        camera's plain file is deleted once sealed."""
        form = self.form
        self.ids.save.disabled = True
        self.say(text("app.visit.attaching"))

        def seal() -> dict[str, Any]:
            try:
                return form.attach(path)
            finally:
                if then_forget:
                    Camera.forget(Path(path))

        in_background(seal, self._attached, self._not_attached)

    def _attached(self, _entry: dict[str, Any]) -> None:
        self.ids.save.disabled = False
        self.say("")
        self.show_form()

    def _not_attached(self, error: BaseException) -> None:
        self.ids.save.disabled = False
        messages = error.messages.values() if isinstance(error, NotSaved) else [error_text(error)]
        self.say("\n".join(messages))

    def remove_attachment(self, index: int) -> None:
        self.form.remove_attachment(index)
        self.show_form()

    # -- ending --------------------------------------------------------------------------

    def save(self) -> None:
        self._stop_keeping()
        self.keep_situation()
        self._take_position()
        try:
            self.form.save()
        except NotSaved as refused:
            self.say("\n".join([text("app.form.not_saved"), *refused.messages.values()]))
            return
        self.manager.get_screen("home").notice = text("app.visit.saved")
        self.manager.current = "home"

    def discard(self) -> None:
        self._stop_keeping()
        self.form.discard()
        self.manager.current = "home"

    # -- showing -------------------------------------------------------------------------

    def show_form(self) -> None:
        values = self.form.values
        self.show_household()
        self._show_lines(self.ids.people, [person_line(p) for p in values["people_met"]],
                         self.remove_person)
        self._show_lines(self.ids.requests, [request_line(r) for r in values["requests"]],
                         self.remove_request)
        self.ids.attachments.text = attachments_line(values["attachments"])
        position = values["position"]
        self.ids.position.text = (
            text("app.visit.position_value", lat=f"{position['lat']:.5f}",
                 lon=f"{position['lon']:.5f}") if position else text("app.visit.no_position"))

    def show_household(self) -> None:
        values = self.form.values
        chosen = values["household_id"]
        if values["new_household"]:
            self.ids.household.text = new_household_line(values["new_household"])
            return
        titles = {c.household_id: c.title for c in self.form.households("", limit=10_000)}
        self.ids.household.text = (text("app.visit.household") + "：" + titles.get(chosen, chosen)
                                   if chosen else text("app.visit.search_household"))

    def say(self, message: str) -> None:
        self.ids.message.text = message

    def _show_lines(self, box: BoxLayout, lines: list[str],
                    remove: Callable[[int], None]) -> None:
        box.clear_widgets()
        for index, line in enumerate(lines):
            box.add_widget(VisitLine(text=line, remove=lambda i=index: remove(i)))

    def _stop_keeping(self) -> bool:
        """Cancel the situation's pending keep; True if one was waiting."""
        pending, self._keep_situation = self._keep_situation, None
        if pending is None or not pending.is_triggered:
            return False
        pending.cancel()
        return True

    def _clear_request_fields(self) -> None:
        self.ids.request_summary.text = self.ids.due_date.text = ""
        self.ids.explanation.text = ""
        self.ids.service_class.text = text("app.visit.service_class")
        self.ids.problem_list.text = text("app.visit.problem_list")

    def _follow_position(self) -> None:
        """Use the tablet's GPS when it has one (Android, with plyer); else no position."""
        if self.locator is None:
            self.locator = Locator()
            self._has_gps = self.locator.start()
        if not self._has_gps:
            return
        self._position_check = Clock.schedule_interval(lambda _dt: self._take_position(),
                                                       POSITION_CHECK_S)

    def _take_position(self) -> None:
        fix = self.locator.fix() if self.locator is not None else None
        if fix is not None and self.form is not None and fix != self.form.values["position"]:
            self.form.set_position(fix["lat"], fix["lon"], fix.get("accuracy_m"))
            self.show_form()

    def _choice_button(self, choice: HouseholdChoice) -> Button:
        button = Button(text=choice.title, size_hint_y=None, height=dp(56), font_size=sp(20))
        button.bind(on_release=lambda _b: self.choose(choice.household_id))
        return button
