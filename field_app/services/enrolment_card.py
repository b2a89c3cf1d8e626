"""The enrolment card the office prints: a QR code holding the server's address and a
one-time code (`server.services.enrolment.qr_png_bytes`), or the same two typed in.

Read with zxing-cpp (a maintained decoder with wheels for Linux and Windows) from the PNG
file or a photo of the card, and checked before anything is sent. A build without it (an
Android build has no recipe for it yet) still enrols with the address and code typed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sync.coded_error import CodedError


class CardUnreadable(CodedError):
    """A card or typed entry the tablet cannot enrol with."""

    CODES = frozenset({"card_image_unreadable", "card_no_code", "card_not_minqing",
                       "server_url_invalid", "code_missing", "card_reader_missing"})


@dataclass(frozen=True)
class EnrolmentCard:
    server_url: str
    """Empty when the card was printed without one: the worker types it."""
    code: str

    @classmethod
    def typed(cls, server_url: str, code: str) -> EnrolmentCard:
        """What the worker typed, tidied: spaces trimmed, the address checked."""
        url = server_url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CardUnreadable("server_url_invalid", server_url)
        code = code.strip()
        if not code:
            raise CardUnreadable("code_missing", "")
        return cls(url, code)


def read_card(image_path: Path | str) -> EnrolmentCard:
    """The card in a picture (the office's PNG, or a photo of the printed card)."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:
        raise CardUnreadable("card_reader_missing", str(exc)) from exc
    try:
        with Image.open(image_path) as image:
            found = zxingcpp.read_barcodes(image.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        raise CardUnreadable("card_image_unreadable", str(exc)) from exc
    if not found:
        raise CardUnreadable("card_no_code", str(image_path))
    return card_from_text(found[0].text)


def card_from_text(scanned: str) -> EnrolmentCard:
    """The card from a QR code's text: ``{"server": ..., "code": ...}``."""
    try:
        data = json.loads(scanned)
    except ValueError as exc:
        raise CardUnreadable("card_not_minqing", scanned[:80]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("code"), str) \
            or not isinstance(data.get("server"), str):
        raise CardUnreadable("card_not_minqing", scanned[:80])
    if not data["server"].strip():  # printed without an address: the worker types it
        return EnrolmentCard("", data["code"].strip())
    return EnrolmentCard.typed(data["server"], data["code"])
