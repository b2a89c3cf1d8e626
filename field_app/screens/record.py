"""One record, read-only: its values as the office labels them, and each open conflict with
the competing values and who wrote them (the office decides; the tablet only shows)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from field_app.screens.background import in_background
from field_app.screens.lists_wording import (
    conflict_lines,
    detail_lines,
    household_places,
    worker_names,
)
from sync.catalogue import text


class RecordScreen(Screen):
    record_id = ""

    def show(self, record_id: str) -> None:
        """Read the record in a thread (it waits for a running sync's turn)."""
        tablet = App.get_running_app().tablet
        self.record_id = record_id
        self.ids.heading.text = text("app.record.loading")
        self.ids.record_values.text = self.ids.conflicts.text = ""

        def read() -> tuple[dict[str, Any] | None, dict[str, str], dict[str, str]]:
            with tablet.turn:
                view = tablet.replica.record(record_id)
            roster = tablet.profile.roster or {}
            return view, worker_names(roster), household_places(roster)

        in_background(read, self._show, lambda _error: self._missing())

    def _show(self, answer: tuple[dict[str, Any] | None, dict[str, str], dict[str, str]]
              ) -> None:
        view, names, places = answer
        if view is None:
            self._missing()
            return
        self.ids.heading.text = text("app.record.title",
                                     type=text(f"label.record_type.{view['type']}"))
        self.ids.conflicts.text = "\n".join(conflict_lines(view, names))
        self.ids.record_values.text = "\n".join(detail_lines(view, names, places))

    def _missing(self) -> None:
        self.ids.heading.text = text("app.record.missing")
