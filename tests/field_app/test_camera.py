"""Photos from the camera: offered only where there is a camera app to call, and the plain
picture gone once the form has sealed its copy."""

from __future__ import annotations

import sys
from pathlib import Path

from field_app.services.camera import Camera


def test_a_desktop_has_no_camera_app_to_call(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ANDROID_ARGUMENT", raising=False)
    assert not Camera(tmp_path).available()


def test_an_android_build_without_plyer_has_none_either(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANDROID_ARGUMENT", str(tmp_path))
    monkeypatch.setitem(sys.modules, "plyer", None)
    assert not Camera(tmp_path).available()


def test_the_cameras_plain_picture_is_deleted_once_sealed(tmp_path: Path) -> None:
    picture = tmp_path / "camera-1.jpg"
    picture.write_bytes(b"\xff\xd8 a resident's doorway")
    Camera.forget(picture)
    assert not picture.exists()


def test_forgetting_a_picture_already_gone_does_not_fail(tmp_path: Path) -> None:
    Camera.forget(tmp_path / "camera-gone.jpg")  # raises if a missing file were an error
