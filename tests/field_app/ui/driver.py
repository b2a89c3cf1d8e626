"""Drives the real MinqingApp in-process, as a worker would, and photographs its screens.

`run_app` runs the app's own event loop (`App.async_run` on asyncio) beside a scenario
coroutine; the scenario waits for frames, types into TextInputs, presses buttons by their
KV id and reads labels. Kivy is imported only inside, after the display fixture set it up.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

SCREENSHOTS_ENV = "MINQING_SCREENSHOTS"
DEFAULT_SCREENSHOTS = Path("build/screenshots/field_app")
TIMEOUT_S = 60.0


class Driver:
    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def current(self) -> str:
        return self.app.root.current

    def screen(self, name: str | None = None) -> Any:
        return self.app.root.get_screen(name or self.current)

    def widget(self, widget_id: str, screen: str | None = None) -> Any:
        return self.screen(screen).ids[widget_id]

    def label(self, widget_id: str, screen: str | None = None) -> str:
        return self.widget(widget_id, screen).text

    def type(self, widget_id: str, text: str) -> None:
        self.widget(widget_id).text = text

    async def press(self, widget_id: str) -> None:
        """Press and release a button of the current screen, as a finger does."""
        button = self.widget(widget_id)
        assert not button.disabled, f"{widget_id} is disabled"
        button.dispatch("on_press")
        button.dispatch("on_release")
        await self.frames(1)

    async def frames(self, count: int = 2) -> None:
        from kivy.clock import Clock

        target = Clock.frames + count
        await self.until(lambda: Clock.frames >= target)

    async def until(self, condition: Callable[[], bool], timeout: float = TIMEOUT_S,
                    what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            await asyncio.sleep(0.02)

    async def on_screen(self, name: str, timeout: float = TIMEOUT_S) -> None:
        await self.until(lambda: self.current == name, timeout, f"screen {name}")
        await self.frames(2)

    async def shows(self, widget_id: str, text: str, timeout: float = TIMEOUT_S) -> None:
        """Wait until a label of the current screen contains `text`."""
        await self.until(lambda: text in self.label(widget_id), timeout,
                         f"{text!r} in {widget_id}")

    async def screenshot(self, name: str) -> Path:
        """The whole window as ``field_app_<name>.png`` in $MINQING_SCREENSHOTS."""
        from kivy.core.window import Window

        await self.frames(3)
        folder = Path(os.environ.get(SCREENSHOTS_ENV) or DEFAULT_SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"field_app_{name}.png"
        written = Path(Window.screenshot(str(folder.resolve() / f".{name}.png")))
        written.replace(target)
        return target


Scenario = Callable[[Driver], Awaitable[None]]


def run_app(app: Any, scenario: Scenario) -> None:
    """Run `app` until `scenario` has finished (or failed), then stop it."""

    async def drive() -> None:
        driver = Driver(app)
        try:
            await driver.until(lambda: app.root is not None
                               and app.root.get_root_window() is not None, what="app start")
            await driver.frames(3)
            await scenario(driver)
        finally:
            app.stop()

    async def both() -> None:
        results = await asyncio.gather(app.async_run(async_lib="asyncio"), drive(),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    try:
        asyncio.run(both())
    finally:
        from kivy.core.window import Window

        for leftover in Window.children[:]:  # a popup a failed scenario left open
            Window.remove_widget(leftover)
