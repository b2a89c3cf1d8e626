"""记录: past visits, screenings, cases and patrols, newest first, searched as one types.

The list is a RecycleView over `RecordLists` (held by the tablet, built off the screen's
thread after unlock): it draws only the rows in sight, so ten thousand records scroll as
smoothly as ten. Filtering runs in a thread too, a moment after typing pauses, and only the
newest answer is shown. A row shows its title, what it is about, when, its colour and
"⚠ 待裁定" when two people wrote different values; tapping it opens the record.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ColorProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background
from field_app.screens.lists_wording import count_line, list_items
from sync.catalogue import text

RECORD_TYPES = ("visit", "screening", "dispute", "patrol")
"""The tabs, in their order on the screen."""

SEARCH_PAUSE_S = 0.3
"""Typing pauses this long before the list is filtered again."""



class RecordRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """One row of the list; its values come from the RecycleView's plain dicts."""

    record_id = StringProperty("")
    record_type = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    when = StringProperty("")
    flag = StringProperty("")
    stripe = ColorProperty((0.35, 0.35, 0.4, 1))

    def on_release(self) -> None:
        App.get_running_app().root.get_screen("lists").open_record(self.record_id,
                                                                   self.record_type)


class ListsScreen(Screen):
    record_type = "visit"
    _generation = 0
    _pending = None

    def on_pre_enter(self, *_args: object) -> None:
        self.load()

    def show_type(self, record_type: str) -> None:
        self.record_type = record_type
        for shown in RECORD_TYPES:
            self.ids[f"tab_{shown}"].state = "down" if shown == record_type else "normal"
        self.load()

    def search_typed(self) -> None:
        """Filter again once typing pauses (not on every key)."""
        if self._pending is not None:
            self._pending.cancel()
        self._pending = Clock.schedule_once(lambda _dt: self.load(), SEARCH_PAUSE_S)

    def load(self) -> None:
        """Ask the index for the rows of the chosen type matching the search, in a thread;
        an answer overtaken by a newer question is dropped."""
        tablet = App.get_running_app().tablet
        if tablet is None or tablet.lists is None:
            return
        self._generation += 1
        generation = self._generation
        lists, record_type, query = tablet.lists, self.record_type, self.ids.search.text
        if not self.ids.rows.data:
            self.ids.status.text = text("app.lists.loading")
        in_background(lambda: list_items(lists.rows(record_type, query)),
                      lambda items: self._show(generation, items),
                      lambda _error: self._failed(generation))

    def open_record(self, record_id: str, record_type: str) -> None:
        """A case on 矛盾纠纷 (to read and act on), any other record in the detail view."""
        home = self.manager.get_screen("home")
        if record_type == "dispute" and self.manager.has_screen("case") \
                and hasattr(home, "open_case"):
            home.open_case(record_id)
            return
        self.manager.get_screen("record").show(record_id)
        self.manager.current = "record"

    def _show(self, generation: int, items: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self.ids.rows.data = items
        self.ids.status.text = count_line(len(items))

    def _failed(self, generation: int) -> None:
        if generation == self._generation:
            self.ids.status.text = text("app.lists.failed")
