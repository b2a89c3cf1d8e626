"""A form screen that is not built yet: says so, and leads back to 今日."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen


class PlaceholderScreen(Screen):
    heading = StringProperty("")
