"""Secrets the server makes for itself on first start and keeps in files only it reads.

Several gunicorn workers may start at once and each find the file missing: each writes a
draft and links it into place, which succeeds for exactly one of them, so all of them read
the same secret afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret in `path`, made with `make()` (mode 0600) if there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(make())
        try:
            os.link(draft, path)  # atomic: exactly one worker's secret becomes the secret
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes()
