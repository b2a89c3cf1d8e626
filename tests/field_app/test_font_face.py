"""The Simplified Chinese face of a font collection, as a file of its own for Kivy."""

from __future__ import annotations

from pathlib import Path

from field_app.services.font_face import single_face_file
from field_app.services.font_file import read_faces
from field_app.services.fonts import SAMPLE, find_cjk_font
from tests.field_app.font_samples import write_font


def test_the_simplified_chinese_face_of_noto_sans_cjk_becomes_a_file_of_its_own(
        tmp_path: Path) -> None:
    choice = find_cjk_font(environ={})  # fonts-noto-cjk: face 2 of its collection
    faces = read_faces(single_face_file(choice, tmp_path))
    assert [face.family for face in faces] == ["Noto Sans CJK SC"]
    assert faces[0].draws(SAMPLE)


def test_the_copied_face_is_made_once_and_then_reused(tmp_path: Path) -> None:
    choice = find_cjk_font(environ={})
    first = single_face_file(choice, tmp_path)
    made = first.stat().st_mtime_ns
    assert single_face_file(choice, tmp_path) == first
    assert first.stat().st_mtime_ns == made


def test_a_font_whose_first_face_is_chosen_is_used_as_it_is(tmp_path: Path) -> None:
    font = write_font(tmp_path / "office.ttf", SAMPLE, family="Office Sans")
    choice = find_cjk_font(font, environ={})
    assert single_face_file(choice, tmp_path / "cache") == font
    assert not (tmp_path / "cache").exists()
