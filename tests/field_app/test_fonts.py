"""The app finds a font that draws Chinese and Latin text, or says in Chinese what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from field_app.services.fonts import (
    FONT_CODES,
    FONT_ENV,
    SAMPLE,
    FontError,
    find_cjk_font,
    system_fonts,
)
from tests.field_app.font_samples import write_font

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CHINESE_ONLY = "民情网格排查日记"  # like DroidSansFallback: no Latin letters or digits


def _has_chinese(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


@pytest.mark.skipif(not NOTO_CJK.is_file(), reason="fonts-noto-cjk is not installed")
def test_noto_sans_cjk_is_found_with_its_simplified_chinese_face() -> None:
    choice = find_cjk_font(environ={})

    assert choice.path == NOTO_CJK
    assert choice.family == "Noto Sans CJK SC"
    assert choice.face == 2


def test_the_configured_font_comes_before_the_system_fonts(tmp_path: Path) -> None:
    configured = write_font(tmp_path / "office.ttf", SAMPLE, family="Office Sans")

    choice = find_cjk_font(configured, environ={})

    assert choice.path == configured
    assert choice.family == "Office Sans"
    assert choice.face == 0


def test_the_environment_overrides_the_configured_font(tmp_path: Path) -> None:
    configured = write_font(tmp_path / "config.ttf", SAMPLE)
    override = write_font(tmp_path / "override.ttf", SAMPLE)

    choice = find_cjk_font(configured, environ={FONT_ENV: str(override)})

    assert choice.path == override


def test_a_configured_path_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FontError) as refused:
        find_cjk_font(tmp_path / "gone.ttf", environ={})

    assert refused.value.code == "missing"
    assert str(tmp_path / "gone.ttf") in refused.value.message


def test_a_configured_file_that_is_not_a_font_is_refused(tmp_path: Path) -> None:
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_bytes(b"<html>captive portal</html>")

    with pytest.raises(FontError) as refused:
        find_cjk_font(not_a_font, environ={})

    assert refused.value.code == "unreadable"


def test_a_configured_font_without_latin_glyphs_is_refused(tmp_path: Path) -> None:
    fallback = write_font(tmp_path / "DroidSansFallback.ttf", CHINESE_ONLY)

    with pytest.raises(FontError) as refused:
        find_cjk_font(fallback, environ={})

    assert refused.value.code == "lacks_glyphs"
    assert _has_chinese(refused.value.message)


@pytest.mark.skipif(not DEJAVU.is_file(), reason="fonts-dejavu is not installed")
def test_a_latin_only_font_is_refused() -> None:
    with pytest.raises(FontError) as refused:
        find_cjk_font(DEJAVU, environ={})

    assert refused.value.code == "lacks_glyphs"


def test_a_system_font_without_latin_glyphs_is_passed_over(tmp_path: Path) -> None:
    fallback = write_font(tmp_path / "DroidSansFallback.ttf", CHINESE_ONLY)
    good = write_font(tmp_path / "NotoSansSC-Regular.otf", SAMPLE)

    choice = find_cjk_font(environ={}, candidates=[tmp_path / "absent.ttc", fallback, good])

    assert choice.path == good


def test_no_usable_font_raises_not_found_in_chinese(tmp_path: Path) -> None:
    fallback = write_font(tmp_path / "DroidSansFallback.ttf", CHINESE_ONLY)

    with pytest.raises(FontError) as refused:
        find_cjk_font(environ={}, candidates=[tmp_path / "absent.ttc", fallback])

    assert refused.value.code == "not_found"
    assert "Noto Sans CJK" in refused.value.message
    assert _has_chinese(refused.value.message)


def test_microsoft_yahei_is_looked_for_in_the_windows_font_folder() -> None:
    candidates = system_fonts({"WINDIR": r"D:\Win"})

    assert Path(r"D:\Win") / "Fonts" / "msyh.ttc" in candidates


@pytest.mark.parametrize("code", sorted(FONT_CODES))
def test_every_font_error_has_chinese_text(code: str) -> None:
    assert _has_chinese(FontError(code, Path("msyh.ttc")).message)
