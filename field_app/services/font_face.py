"""One face of a font collection, as a file of its own, for Kivy.

Kivy's SDL2 text provider opens the first face of a collection (.ttc). In Noto Sans CJK's
collection that is the Japanese face, which draws some Chinese characters with Japanese
shapes (门, 直, 骨...). So the Simplified Chinese face `find_cjk_font` chose is copied out
once with fontTools (its tables are copied as they are, not rebuilt: about 0.3 s for Noto
Sans CJK) into a cache folder, and that file is registered instead.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from fontTools.ttLib import TTCollection

from field_app.services.fonts import FontChoice


def single_face_file(choice: FontChoice, folder: Path) -> Path:
    """A font file holding only `choice`'s face: the file itself when that is its first
    face, else a copy of the face kept in `folder` (made on first use)."""
    if choice.face == 0:
        return choice.path
    source = choice.path.stat()
    collection = TTCollection(str(choice.path), lazy=True)
    font = collection.fonts[choice.face]
    suffix = ".otf" if "CFF " in font else ".ttf"
    target = folder / f"{choice.path.stem}-face{choice.face}-{source.st_size}{suffix}"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    os.close(fd)
    try:
        font.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


def default_cache_folder() -> Path:
    """Where the copied face is kept when the app is given no data folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minqing" / "fonts"
