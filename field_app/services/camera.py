"""A photo from the tablet's camera, for a visit: the platform's camera app takes it into
the app's private folder, the form seals a copy (`VisitForm.attach`), and the plain file is
deleted at once, so no resident's picture stays readable on the tablet.

On Android the camera comes through plyer (its `camera.take_picture`); a desktop has no
camera app to call, so `available()` is False there and the screen offers only a file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any


def on_android() -> bool:
    """python-for-android sets ANDROID_ARGUMENT in the app's environment."""
    return "ANDROID_ARGUMENT" in os.environ


class Camera:
    """Takes photos into `folder` (the app's data folder: private to the app)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def available(self) -> bool:
        if not on_android():
            return False
        try:
            from plyer import camera  # type: ignore[import-not-found]  # Android builds only
        except ImportError:
            return False
        return camera is not None

    def take(self, on_taken: Callable[[Path], None]) -> None:
        """Open the camera app; `on_taken(path)` once a picture was written (not when the
        worker backed out)."""
        from plyer import camera  # type: ignore[import-not-found]

        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"camera-{uuid.uuid4().hex}.jpg"

        def done(written: Any) -> bool:
            path = Path(str(written or target))
            if path.is_file() and path.stat().st_size > 0:
                on_taken(path)
            return False  # plyer keeps the file: `forget` deletes it once it is sealed

        camera.take_picture(filename=str(target), on_complete=done)

    @staticmethod
    def forget(path: Path) -> None:
        """Delete the camera's plain file once the form has sealed its copy."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
