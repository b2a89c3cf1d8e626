"""首次使用: the office's enrolment card, typed or read from its QR picture."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ObjectProperty
from kivy.uix.popup import Popup
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background
from field_app.screens.wording import error_text
from field_app.services.enrolment_card import CardUnreadable, EnrolmentCard, read_card
from sync.catalogue import text
from sync.client import Enrolment


class CardPicker(Popup):
    """Choose the card's picture among the tablet's files."""

    deliver = ObjectProperty(None)


class EnrolScreen(Screen):
    def choose_card(self) -> None:
        picker = CardPicker(title=text("app.enrol.choose_card"))
        picker.deliver = self._card_chosen
        picker.open()

    def _card_chosen(self, path: str) -> None:
        self.ids.card_path.text = path
        self.read_card()

    def read_card(self) -> None:
        """Fill the address and code from the card's picture, for the worker to check."""
        try:
            card = read_card(self.ids.card_path.text.strip())
        except CardUnreadable as error:
            self.say(error_text(error))
            return
        self.ids.code.text = card.code
        if card.server_url:
            self.ids.server_url.text = card.server_url
        self.say(text("app.enrol.card_read" if card.server_url
                      else "app.enrol.card_without_server"))

    def enrol(self) -> None:
        try:
            card = EnrolmentCard.typed(self.ids.server_url.text, self.ids.code.text)
        except CardUnreadable as error:
            self.say(error_text(error))
            return
        name = self.ids.device_name.text.strip() or text("app.enrol.device_name_default")
        first_run = App.get_running_app().first_run
        self.working(True)
        in_background(lambda: first_run.enrol(card, name), self._enrolled, self._refused)

    def _enrolled(self, enrolment: Enrolment) -> None:
        self.working(False)
        self.manager.current = "set_pin"

    def _refused(self, error: BaseException) -> None:
        self.working(False)
        self.say(error_text(error))

    def working(self, busy: bool) -> None:
        self.ids.submit.disabled = busy
        if busy:
            self.say(text("app.enrol.working"))

    def say(self, message: str) -> None:
        self.ids.message.text = message
