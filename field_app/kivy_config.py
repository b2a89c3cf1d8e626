"""Kivy settings that must be made before its window exists (so before `field_app.app`).

On a desktop the window is a 10-inch tablet in landscape, so development and the screenshot
tests see what a worker sees; on Android the window is the whole screen whatever is set.
"""

from __future__ import annotations

import os

TABLET_SIZE = (1280, 800)


def configure_kivy() -> None:
    """Our command line is not Kivy's; the window has a tablet's size."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(TABLET_SIZE[0]))
    Config.set("graphics", "height", str(TABLET_SIZE[1]))
