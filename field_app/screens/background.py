"""Work that takes more than a frame (the network, scrypt) runs in a thread of its own;
its answer is handed back to Kivy's main loop before a widget is touched."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock


def in_background(work: Callable[[], Any], done: Callable[[Any], None],
                  failed: Callable[[BaseException], None]) -> threading.Thread:
    """Run `work` off the screen's thread; call `done(result)` or `failed(error)` on it."""

    def run() -> None:
        try:
            result = work()
        except Exception as error:  # every refusal is shown to the worker, none is lost
            refused = error
            Clock.schedule_once(lambda _dt: failed(refused))
            return
        Clock.schedule_once(lambda _dt: done(result))

    thread = threading.Thread(target=run, name="minqing-screen-work", daemon=True)
    thread.start()
    return thread


def on_main_thread(call: Callable[..., None]) -> Callable[..., None]:
    """`call`, made safe to be called from a service's thread (the sync's callbacks)."""
    return lambda *args: Clock.schedule_once(lambda _dt: call(*args))
