"""Tiny font files made on the spot: an sfnt with a character map (format 4) and a name.

They stand in for fonts this machine does not have (DroidSansFallback, a font in a
configured folder); only the tables `field_app.services.font_file` reads are written.
"""

from __future__ import annotations

import struct
from pathlib import Path


def write_font(path: Path, characters: str, family: str = "Sample Sans") -> Path:
    """Write a font whose character map holds exactly `characters`."""
    tables = {b"cmap": _cmap(characters), b"name": _name(family)}
    directory_size = 12 + 16 * len(tables)
    offset = directory_size
    records, data = b"", b""
    for tag in sorted(tables):
        body = tables[tag]
        records += struct.pack(">4sIII", tag, 0, offset, len(body))
        padded = body + b"\0" * (-len(body) % 4)
        data += padded
        offset += len(padded)
    header = struct.pack(">4sHHHH", b"\x00\x01\x00\x00", len(tables), 32, 1, 0)
    path.write_bytes(header + records + data)
    return path


def _cmap(characters: str) -> bytes:
    codes = sorted({ord(ch) for ch in characters})
    segments = [(code, code, (glyph - code) & 0xFFFF) for glyph, code in enumerate(codes, 1)]
    segments.append((0xFFFF, 0xFFFF, 1))  # the required last segment maps to no glyph
    count = len(segments)
    subtable = struct.pack(">HHHHHHH", 4, 16 + 8 * count, 0, 2 * count, 2, 0, 2 * count - 2)
    subtable += struct.pack(f">{count}H", *(end for _, end, _ in segments)) + b"\0\0"
    subtable += struct.pack(f">{count}H", *(start for start, _, _ in segments))
    subtable += struct.pack(f">{count}H", *(delta for _, _, delta in segments))
    subtable += struct.pack(f">{count}H", *([0] * count))
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + subtable


def _name(family: str) -> bytes:
    raw = family.encode("utf-16-be")
    return struct.pack(">HHH", 0, 1, 18) + struct.pack(">HHHHHH", 3, 1, 0x409, 1, len(raw), 0) + raw
