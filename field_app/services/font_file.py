"""Just enough of an OpenType/TrueType reader to ask a font file what it can draw.

A font that Kivy cannot draw Chinese with shows empty boxes; one without Latin glyphs
(DroidSansFallback) shows boxes for every id, date and number. Neither fails when it is
loaded, so the app reads the file's character map (``cmap``) before choosing it. fontTools
(a dependency, for `font_face`) can do this too, but it decodes every character map in
full: 0.5 s for Noto Sans CJK's ten faces at every start, against 0.05 s for this reader,
which looks up only the characters asked for. The two lookups needed here (cmap formats 4
and 12, and the family name in ``name``) are small and fixed by the OpenType
specification. A ``.ttc`` collection holds several faces; each is read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_UNICODE_CMAPS = ((3, 10), (0, 6), (0, 4), (0, 3), (3, 1))
"""(platform, encoding) of Unicode character maps, fullest first."""
_ENGLISH_NAMES = ((3, 0x409), (1, 0))
"""(platform, language) of English names: Windows en-US, then Macintosh English."""
_FAMILY = 1


class NotAFont(ValueError):
    """The file is not an OpenType/TrueType font or collection this reader understands."""


@dataclass(frozen=True)
class Face:
    """One face of a font file: its position in a collection, family name and coverage."""

    index: int
    family: str
    _lookup: _CharacterMap

    def draws(self, characters: str) -> bool:
        """Whether every character has a glyph in this face."""
        return all(self._lookup.has(ord(ch)) for ch in characters)


def read_faces(path: Path) -> list[Face]:
    """The faces of a font file (one for .ttf/.otf, several for .ttc). Raises `NotAFont`."""
    try:
        with path.open("rb") as file:
            return [_read_face(file, index, offset)
                    for index, offset in enumerate(_face_offsets(file))]
    except (struct.error, UnicodeDecodeError) as exc:
        raise NotAFont(f"{path}: truncated or malformed ({exc})") from exc


def _face_offsets(file: BinaryIO) -> list[int]:
    tag = _read(file, 0, 4)
    if tag == b"ttcf":
        (count,) = struct.unpack(">I", _read(file, 8, 4))
        return list(struct.unpack(f">{count}I", _read(file, 12, 4 * count)))
    if tag in _SFNT_VERSIONS:
        return [0]
    raise NotAFont(f"not a font file (starts with {tag!r})")


def _read_face(file: BinaryIO, index: int, offset: int) -> Face:
    if _read(file, offset, 4) not in _SFNT_VERSIONS:
        raise NotAFont(f"face {index} is not an sfnt font")
    (count,) = struct.unpack(">H", _read(file, offset + 4, 2))
    tables = {}
    for i in range(count):
        tag, _, start, _ = struct.unpack(">4sIII", _read(file, offset + 12 + 16 * i, 16))
        tables[tag] = start
    if b"cmap" not in tables:
        raise NotAFont(f"face {index} has no character map")
    family = _family_name(file, tables[b"name"]) if b"name" in tables else ""
    return Face(index, family, _character_map(file, tables[b"cmap"]))


def _family_name(file: BinaryIO, table: int) -> str:
    _, count, strings = struct.unpack(">HHH", _read(file, table, 6))
    found: dict[tuple[int, int], str] = {}
    for i in range(count):
        platform, _, language, name_id, length, start = struct.unpack(
            ">HHHHHH", _read(file, table + 6 + 12 * i, 12))
        if name_id == _FAMILY and (platform, language) in _ENGLISH_NAMES:
            raw = _read(file, table + strings + start, length)
            found[(platform, language)] = raw.decode("utf-16-be" if platform == 3 else "latin-1")
    return next((found[key] for key in _ENGLISH_NAMES if key in found), "")


class _CharacterMap:
    """Answers "is there a glyph for this code point" from one Unicode cmap subtable."""

    def __init__(self, file: BinaryIO, start: int) -> None:
        (self.format,) = struct.unpack(">H", _read(file, start, 2))
        if self.format == 12:
            _, _, length, _, groups = struct.unpack(">HHIII", _read(file, start, 16))
            data = _read(file, start + 16, 12 * groups)
            self._groups = [struct.unpack_from(">III", data, 12 * i) for i in range(groups)]
        elif self.format == 4:
            (length,) = struct.unpack(">H", _read(file, start + 2, 2))
            self._table = _read(file, start, length)
            (seg_x2,) = struct.unpack_from(">H", self._table, 6)
            self._segments = seg_x2 // 2
        else:
            raise NotAFont(f"unsupported character map format {self.format}")

    def has(self, code: int) -> bool:
        if self.format == 12:
            return any(first <= code <= last for first, last, _ in self._groups)
        return self._has_format4(code)

    def _has_format4(self, code: int) -> bool:
        table, n = self._table, self._segments
        ends, starts, deltas, ranges = 14, 16 + 2 * n, 16 + 4 * n, 16 + 6 * n
        for i in range(n):
            (end,) = struct.unpack_from(">H", table, ends + 2 * i)
            if code > end:
                continue
            (first,) = struct.unpack_from(">H", table, starts + 2 * i)
            if code < first:
                return False
            (delta,) = struct.unpack_from(">h", table, deltas + 2 * i)
            (range_offset,) = struct.unpack_from(">H", table, ranges + 2 * i)
            if range_offset == 0:
                return (code + delta) & 0xFFFF != 0
            (glyph,) = struct.unpack_from(
                ">H", table, ranges + 2 * i + range_offset + 2 * (code - first))
            return glyph != 0
        return False


def _character_map(file: BinaryIO, table: int) -> _CharacterMap:
    _, count = struct.unpack(">HH", _read(file, table, 4))
    subtables = {}
    for i in range(count):
        platform, encoding, start = struct.unpack(">HHI", _read(file, table + 4 + 8 * i, 8))
        subtables.setdefault((platform, encoding), table + start)
    for key in _UNICODE_CMAPS:
        if key in subtables:
            try:
                return _CharacterMap(file, subtables[key])
            except NotAFont:
                continue
    raise NotAFont("no Unicode character map this reader understands")


def _read(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:
        raise NotAFont(f"file ends before byte {offset + size}")
    return data
