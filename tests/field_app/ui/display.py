"""A private X display for the tablet's screens: one Xvfb per test process.

Kivy reads its settings from the environment when it is first imported, so the display and
Kivy's own folder (not ~/.kivy) are set here before anything imports it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

XVFB = "/usr/bin/Xvfb"
SCREEN = "1280x800x24"
"""A 10-inch tablet in landscape."""


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display it picks itself (``-displayfd``); return it and the
    display's name (``:3``)."""
    xvfb = shutil.which("Xvfb") or XVFB
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    written = b""
    with os.fdopen(read_end, "rb") as reader:
        while not written.endswith(b"\n"):
            chunk = reader.read(1)
            if not chunk:
                process.kill()
                raise RuntimeError("Xvfb stopped before naming its display")
            written += chunk
    return process, ":" + written.decode().strip()


def kivy_environment(display: str, kivy_home: Path) -> dict[str, str]:
    """What Kivy must find in the environment before its first import."""
    return {"DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_HOME": str(kivy_home),
            "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1"}
