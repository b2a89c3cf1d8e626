"""解锁: the PIN on every later start and after the idle lock, with the guard's waits."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background
from field_app.screens.wording import error_text
from field_app.services.pin_guard import PinGuard, PinLocked
from field_app.services.vault import Vault, VaultError
from sync.catalogue import text


class UnlockScreen(Screen):
    def on_pre_enter(self, *_args: object) -> None:
        app = App.get_running_app()
        self.ids.pin.text = ""
        self.ids.submit.disabled = False
        wait = self.guard().seconds_to_wait()
        if wait:
            self.ids.message.text = error_text(PinLocked(wait))
        else:
            self.ids.message.text = text("app.unlock.idle_locked") if app.idle_locked else ""

    def guard(self) -> PinGuard:
        return PinGuard(Vault(App.get_running_app().files.vault))

    def unlock(self) -> None:
        app = App.get_running_app()
        pin, guard = self.ids.pin.text, self.guard()
        self.ids.pin.text = ""
        self.ids.submit.disabled = True
        self.ids.message.text = text("app.unlock.working")
        in_background(lambda: app.open_tablet(guard.unlock(pin)), app.opened, self._refused)

    def _refused(self, error: BaseException) -> None:
        self.ids.submit.disabled = False
        if isinstance(error, VaultError) and error.code == "pin_wrong":
            left = self.guard().tries_before_wait()
            self.ids.message.text = (text("app.unlock.tries_left", count=left) if left
                                     else error_text(PinLocked(self.guard().seconds_to_wait())))
            return
        self.ids.message.text = error_text(error)
