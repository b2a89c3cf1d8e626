"""Photos and files attached to a visit, kept on the tablet sealed with the data key.

The replica holds only an attachment's description (`sync.schemas.visit.Attachment`: kind,
SHA-256, media type, size, name); the bytes are copied from the camera's or file chooser's
path into ``<data folder>/attachments/<sha256>.sealed``, sealed (AES-GCM, `aead`) bound to
their digest, so a copied tablet shows no photo and a swapped file does not open. The
original file is left where it was (the camera app owns it). Files are named by content,
so attaching the same photo twice stores it once.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any

from field_app.services.aead import open_sealed, seal
from sync.durable_file import replace_durably
from sync.vocabulary import AttachmentKind

ATTACHMENT_CONTEXT = b"minqing/attachment/v1\0"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""Larger files are refused (`app.visit.attachment_too_large`): a tablet's photo is ~5 MB."""


class AttachmentUnreadable(Exception):
    """The chosen file cannot be read, or is too large to attach."""

    def __init__(self, code: str, path: str) -> None:
        super().__init__(f"{code}: {path}")
        self.code = code
        self.path = path


class AttachmentFiles:
    """The sealed attachment files of one tablet."""

    def __init__(self, folder: Path | str, data_key: bytes) -> None:
        self.folder = Path(folder) / "attachments"
        self._key = data_key

    def keep(self, source: Path | str) -> dict[str, Any]:
        """Seal a copy of `source`; returns the attachment entry for a visit (without id).

        Raises `AttachmentUnreadable` (``attachment_unreadable``, ``attachment_too_large``).
        """
        source = Path(source)
        try:
            if source.stat().st_size > MAX_ATTACHMENT_BYTES:
                raise AttachmentUnreadable("attachment_too_large", str(source))
            data = source.read_bytes()
        except OSError:
            raise AttachmentUnreadable("attachment_unreadable", str(source)) from None
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            replace_durably(path, seal(self._key, data, self._context(digest)))
        media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        kind = AttachmentKind.photo if media_type.startswith("image/") else AttachmentKind.file
        return {"kind": str(kind), "sha256": digest, "media_type": media_type,
                "size": len(data), "name": source.name}

    def read(self, sha256: str) -> bytes:
        """The bytes of a kept attachment (`SealBroken` if altered; `OSError` if absent)."""
        return open_sealed(self._key, self._path(sha256).read_bytes(), self._context(sha256))

    def has(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 digest")
        return self.folder / f"{sha256}.sealed"

    @staticmethod
    def _context(sha256: str) -> bytes:
        return ATTACHMENT_CONTEXT + sha256.encode("ascii")
