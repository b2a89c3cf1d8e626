"""MinqingApp: the screens, who holds the open tablet, and when it locks.

The app decides only where the worker is: 首次使用 on a new tablet, 解锁 on an enrolled
one, 今日 once open. Everything the screens do is done by the services
(`field_app.services`); slow work runs in threads (`screens.background`, `BackgroundSync`),
so the screen never waits on the network or on scrypt.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.uix.screenmanager import NoTransition, ScreenManager

from field_app.screens.background import in_background, on_main_thread
from field_app.screens.case import CaseScreen
from field_app.screens.enrol import EnrolScreen
from field_app.screens.home import HomeScreen
from field_app.screens.lists import ListsScreen
from field_app.screens.patrol import PatrolScreen
from field_app.screens.placeholder import PlaceholderScreen
from field_app.screens.record import RecordScreen
from field_app.screens.screening import ScreeningScreen
from field_app.screens.set_pin import SetPinScreen
from field_app.screens.sync_screen import SyncScreen
from field_app.screens.unlock import UnlockScreen
from field_app.screens.visit import VisitScreen
from field_app.services.background_sync import AUTOMATIC_INTERVAL_S
from field_app.services.font_face import single_face_file
from field_app.services.fonts import FontChoice
from field_app.services.pin_guard import IdleLock
from field_app.services.sync_run import SyncOutcome
from field_app.services.tablet import FirstRun, Tablet, TabletFiles
from field_app.services.vault import ScryptParams, Unlocked
from sync.catalogue import text
from sync.client import ClientSettings

KV_FOLDER = Path(__file__).parent / "kv"
KV_FILES = ("common.kv", "enrol.kv", "set_pin.kv", "unlock.kv", "home.kv", "sync.kv",
            "placeholder.kv", "visit.kv", "screening.kv", "patrol.kv", "case.kv",
            "lists.kv", "record.kv")
IDLE_CHECK_S = 1.0

FORMS = {"visit": "app.home.visit", "screening": "app.home.screening",
         "patrol": "app.home.patrol"}
"""The record forms 今日 leads to, by their screen name; placeholders until they exist."""


def use_font(choice: FontChoice, cache: Path) -> None:
    """Make `choice` every widget's font (Kivy's own has no Chinese): its Simplified
    Chinese face, copied out of a collection into `cache` when it is not the first face
    (`field_app.services.font_face`)."""
    LabelBase.register(DEFAULT_FONT, str(single_face_file(choice, cache)))


def load_layouts() -> None:
    """The KV layouts, once per process (a second load would apply each rule twice)."""
    for name in KV_FILES:
        path = str(KV_FOLDER / name)
        if path not in Builder.files:
            Builder.load_file(path)


class MinqingApp(App):
    """The field app. `data_dir` None means Kivy's `user_data_dir`; `kdf`, `settings`,
    `idle_s` and `sync_interval_s` are the services' knobs (tests make them quick)."""

    title = text("app.name")

    def __init__(self, data_dir: Path | None = None, *, kdf: ScryptParams | None = None,
                 settings: ClientSettings | None = None, idle_s: float = 300.0,
                 sync_interval_s: float = AUTOMATIC_INTERVAL_S) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.kdf = kdf
        self.settings = settings
        self.idle = IdleLock(idle_s)
        self.sync_interval_s = sync_interval_s
        self.tablet: Tablet | None = None
        self.idle_locked = False
        self._closing: threading.Thread | None = None
        self._idle_check = None

    def build(self) -> ScreenManager:
        folder = self.data_dir if self.data_dir is not None else Path(self.user_data_dir)
        self.files = TabletFiles(Path(folder))
        self.first_run = FirstRun(self.files, kdf=self.kdf, settings=self.settings)
        load_layouts()
        screens = ScreenManager(transition=NoTransition())
        for screen in (EnrolScreen(name="enrol"), SetPinScreen(name="set_pin"),
                       UnlockScreen(name="unlock"), HomeScreen(name="home"),
                       SyncScreen(name="sync"), VisitScreen(name="visit"),
                       ScreeningScreen(name="screening"),
                       PatrolScreen(name="patrol"), CaseScreen(name="case"),
                       ListsScreen(name="lists"), RecordScreen(name="record"),
                       PlaceholderScreen(name="placeholder")):
            screens.add_widget(screen)
        screens.current = "unlock" if self.files.is_enrolled() else "enrol"
        Window.bind(on_touch_down=self._active, on_key_down=self._active)
        self._idle_check = Clock.schedule_interval(self._check_idle, IDLE_CHECK_S)
        return screens

    def open_tablet(self, unlocked: Unlocked) -> Tablet:
        """The tablet the PIN opened (called off the main thread: it reads the disk)."""
        if self._closing is not None:
            self._closing.join()
        return Tablet.open(self.files, unlocked, settings=self.settings)

    def opened(self, tablet: Tablet) -> None:
        """A right PIN (or a new one): hold the tablet, sync by itself, show 今日."""
        self.tablet = tablet
        self.idle_locked = False
        self.idle.unlocked()
        sync_screen = self.root.get_screen("sync")
        background = tablet.sync
        assert background is not None
        background.on_step = on_main_thread(sync_screen.show_step)
        background.on_outcome = on_main_thread(self._synced)
        background.interval_s = self.sync_interval_s
        background.start_automatic()
        self._keep_lists(tablet)
        self.root.current = "home"

    def open_form(self, form: str) -> None:
        """A record form; a placeholder while its screen is not built."""
        if self.root.has_screen(form):
            self.root.current = form
            return
        placeholder = self.root.get_screen("placeholder")
        placeholder.heading = text(FORMS[form])
        self.root.current = "placeholder"

    def lock(self, *, idle: bool = False) -> None:
        """Back to the PIN: the tablet is closed (its sync stopped) in the background."""
        tablet, self.tablet = self.tablet, None
        self.idle_locked = idle
        if tablet is not None:
            if tablet.sync is not None:
                tablet.sync.on_step = tablet.sync.on_outcome = None
            self._closing = threading.Thread(target=tablet.close, name="minqing-lock",
                                             daemon=True)
            self._closing.start()
        self.root.current = "unlock"

    def on_stop(self) -> None:
        Window.unbind(on_touch_down=self._active, on_key_down=self._active)
        if self._idle_check is not None:
            self._idle_check.cancel()
        if self.tablet is not None:
            self.tablet.close()
            self.tablet = None
        if self._closing is not None:
            self._closing.join()

    def _synced(self, outcome: SyncOutcome) -> None:
        if self.tablet is None:
            return
        self.root.get_screen("sync").show_outcome(outcome)
        self._keep_lists(self.tablet)
        if self.root.current == "home":
            self.root.get_screen("home").refresh()
        elif self.root.current == "case":  # the office's decision shows at once
            self.root.get_screen("case").show("")

    def _keep_lists(self, tablet: Tablet) -> None:
        """The 记录 index brought up to date and sealed, in a thread (after unlock it is
        built there, so the lists open at once; after a sync it takes in what came)."""

        def shown(_result: object) -> None:
            if self.root.current == "lists":
                self.root.get_screen("lists").load()

        def failed(error: BaseException) -> None:  # the lists are built again next time
            logging.getLogger("minqing.app").warning("keeping the lists failed: %r", error)

        in_background(tablet.keep_lists, shown, failed)

    def _active(self, *_args: object) -> bool:
        self.idle.touch()
        return False

    def _check_idle(self, _dt: float) -> None:
        if self.tablet is not None and self.idle.must_lock():
            self.lock(idle=True)
