"""Finds a font that draws both Chinese and Latin text, before the first screen is built.

Kivy's bundled Roboto has no Chinese: every label would be empty boxes. A fallback-only CJK
font (DroidSansFallback) has Chinese but no Latin letters or digits, so ids, dates and
phone numbers would be boxes instead. Neither fails when loaded, so each candidate's
character map is read (`font_file`) and must draw `SAMPLE`.

Order: a path set in the environment (``MINQING_FONT``, a per-run override for developers
and testers), then the path in the app's config, then the fonts the supported systems ship:
Noto Sans CJK (Linux, Android), Microsoft YaHei (Windows), PingFang (macOS, development
only). A path someone configured must work: if it is missing or cannot draw Chinese and
Latin, `FontError` says so rather than quietly using another font. When no system font
fits either, `FontError("not_found")` tells the person what to install.

Kivy never appears here; the app registers `FontChoice.path` as its default font.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from field_app.services.font_file import Face, NotAFont, read_faces
from sync.catalogue import text
from sync.coded_error import CodedError

FONT_ENV = "MINQING_FONT"

SAMPLE = "Aa0民情网格排查"
"""Latin letters, a digit and Chinese: what every screen shows."""

FONT_CODES = frozenset({"not_found", "missing", "unreadable", "lacks_glyphs"})
"""Codes of `FontError`; the catalogue's ``app.font.<code>`` says them in Chinese."""


class FontError(CodedError):
    """No usable font: the app cannot show its screens, so it shows this message instead."""

    CODES = FONT_CODES

    def __init__(self, code: str, path: Path | None = None, detail: str = "") -> None:
        super().__init__(code, detail or str(path or ""))
        self.path = path

    @property
    def message(self) -> str:
        return text(f"app.font.{self.code}", path=self.path or "")


@dataclass(frozen=True)
class FontChoice:
    """The font to register, and which face of a collection (.ttc) to use.

    `face` is the Simplified Chinese face when the file is a collection holding one
    (``Noto Sans CJK SC`` is face 2 of NotoSansCJK-Regular.ttc; face 0 is the Japanese one,
    whose glyph shapes differ for some characters).
    """

    path: Path
    face: int
    family: str


def system_fonts(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where the supported systems keep a Chinese font with Latin glyphs, best first."""
    environ = os.environ if environ is None else environ
    windows_fonts = Path(environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian, Ubuntu
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),  # Arch
        Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),  # Fedora
        Path("/system/fonts/NotoSansCJK-Regular.ttc"),  # Android
        Path("/system/fonts/NotoSansSC-Regular.otf"),  # some Android builds
        windows_fonts / "msyh.ttc",  # Microsoft YaHei, Windows 8 and later
        windows_fonts / "msyh.ttf",  # Microsoft YaHei, Windows 7
        Path("/System/Library/Fonts/PingFang.ttc"),  # macOS
    ]


def find_cjk_font(configured: str | os.PathLike[str] | None = None, *,
                  environ: Mapping[str, str] | None = None,
                  candidates: Iterable[Path] | None = None) -> FontChoice:
    """The font the app should use. Raises `FontError` with a code the catalogue explains.

    `configured` is the path from the app's config; `candidates` replaces `system_fonts`
    (tests use it to stand in for a system's font directories).
    """
    environ = os.environ if environ is None else environ
    wanted = environ.get(FONT_ENV) or configured
    if wanted:
        path = Path(wanted)
        if not path.is_file():
            raise FontError("missing", path)
        choice, problem = _try(path)
        if choice is None:
            raise FontError(problem, path)
        return choice
    tried = list(system_fonts(environ) if candidates is None else candidates)
    for path in tried:
        if path.is_file():
            choice, _ = _try(path)
            if choice is not None:
                return choice
    raise FontError("not_found", detail="tried " + ", ".join(str(p) for p in tried))


def _try(path: Path) -> tuple[FontChoice | None, str]:
    """The usable face of a font file, or None and the code of why there is none."""
    try:
        faces = read_faces(path)
    except (OSError, NotAFont):
        return None, "unreadable"
    usable = [face for face in faces if face.draws(SAMPLE)]
    if not usable:
        return None, "lacks_glyphs"
    face = next((f for f in usable if _is_simplified(f)), usable[0])
    return FontChoice(path, face.index, face.family), ""


def _is_simplified(face: Face) -> bool:
    """A face made for Simplified Chinese (``... SC``, Microsoft YaHei, PingFang SC)."""
    words = face.family.split()
    return "SC" in words or face.family.startswith("Microsoft YaHei")
