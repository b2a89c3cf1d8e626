"""`python -m field_app` and the `minqing-field` command start the app in a window of its
own, as a worker's desktop or tablet starts it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

MAIN_LOOP = "Start application main loop"
"""What Kivy logs once the window is up and the first screen is built."""


def start(command: list[str], data_dir: Path) -> subprocess.Popen[str]:
    # Kivy's log on stderr, to watch for its main loop.
    env = {name: value for name, value in os.environ.items() if name != "KIVY_NO_CONSOLELOG"}
    return subprocess.Popen([*command, "--data-dir", str(data_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def reaches_main_loop(process: subprocess.Popen[str], timeout: float = 60.0) -> bool:
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                return False
            if MAIN_LOOP in line:
                return True
        return False
    finally:
        process.terminate()
        process.wait(20)


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "field_app"],
    [str(Path(sys.executable).with_name("minqing-field"))],
], ids=["python -m field_app", "minqing-field"])
def test_the_app_opens_its_window(kivy_display, tmp_path, command) -> None:
    assert reaches_main_loop(start(command, tmp_path / "tablet"))
