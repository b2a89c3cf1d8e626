"""设置PIN: twice the same PIN, then the keys are sealed under it and the tablet opens."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background
from field_app.screens.wording import enrolled_line, error_text
from field_app.services.vault import VaultError, check_pin
from sync.catalogue import text


class SetPinScreen(Screen):
    def on_pre_enter(self, *_args: object) -> None:
        enrolment = App.get_running_app().first_run.enrolment
        self.ids.who.text = (enrolled_line(enrolment.worker, enrolment.scope)
                             if enrolment else "")
        self.ids.message.text = ""

    def set_pin(self) -> None:
        pin, again = self.ids.pin.text, self.ids.again.text
        self.ids.pin.text = self.ids.again.text = ""
        if pin != again:
            self.ids.message.text = text("app.error.pin_mismatch")
            return
        try:
            check_pin(pin)
        except VaultError as error:
            self.ids.message.text = error_text(error)
            return
        app = App.get_running_app()
        self.ids.submit.disabled = True
        self.ids.message.text = text("app.set_pin.working")
        in_background(lambda: app.first_run.set_pin(pin), app.opened, self._refused)

    def _refused(self, error: BaseException) -> None:
        self.ids.submit.disabled = False
        self.ids.message.text = error_text(error)
