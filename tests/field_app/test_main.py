"""`python -m field_app` before any window: the arguments, and no font means no screens."""

from __future__ import annotations

from pathlib import Path

from field_app.__main__ import NO_FONT_EXIT, main, parse
from sync.catalogue import text


def test_without_a_usable_font_it_says_why_in_chinese_and_exits(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.delenv("MINQING_FONT", raising=False)
    missing = tmp_path / "no-such-font.ttf"
    assert main(["--font", str(missing), "--data-dir", str(tmp_path)]) == NO_FONT_EXIT
    assert capsys.readouterr().err.strip() == text("app.font.missing", path=missing)


def test_the_data_folder_comes_from_the_environment_unless_given(monkeypatch):
    monkeypatch.setenv("MINQING_DATA_DIR", "/data/minqing")
    assert parse([]).data_dir == Path("/data/minqing")
    assert parse(["--data-dir", "/tmp/t"]).data_dir == Path("/tmp/t")


def test_without_either_the_app_picks_kivys_folder(monkeypatch):
    monkeypatch.delenv("MINQING_DATA_DIR", raising=False)
    assert parse([]).data_dir is None
