"""The tablet app's screens under a private X server, against a real sync server.

`kivy_display` starts one Xvfb per test process (so per pytest-xdist worker) and points
Kivy at it and at a throw-away KIVY_HOME before Kivy is first imported; `minqing_app` makes
the app with the services' test settings (cheap scrypt, quick retries).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from field_app.kivy_config import configure_kivy
from field_app.services.fonts import find_cjk_font
from tests.field_app.conftest import CHEAP_KDF, QUICK_RETRIES
from tests.field_app.ui.display import kivy_environment, start_xvfb


@pytest.fixture(scope="session")
def kivy_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, display = start_xvfb()
    saved = {name: os.environ.get(name) for name in kivy_environment("", Path())}
    os.environ.update(kivy_environment(display, tmp_path_factory.mktemp("kivy-home")))
    configure_kivy()  # the first import of Kivy, on this display
    from field_app.app import use_font

    use_font(find_cjk_font(), tmp_path_factory.mktemp("fonts"))
    yield display
    process.terminate()
    process.wait(10)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def minqing_app(kivy_display: str) -> Callable[..., object]:
    """Makes a MinqingApp on the data folder given, with the tests' quick settings."""
    from field_app.app import MinqingApp

    def make(data_dir: Path, **knobs: object) -> MinqingApp:
        return MinqingApp(data_dir, kdf=CHEAP_KDF, settings=QUICK_RETRIES, **knobs)

    return make
