"""`python -m field_app` (or `minqing-field`): find a Chinese font, then start the app.

The data folder is Kivy's `user_data_dir` unless `--data-dir` or ``MINQING_DATA_DIR``
says otherwise; the font is `find_cjk_font`'s (``MINQING_FONT`` overrides it). Without a
usable font no screen could be read, so the app says why in Chinese on the console (the
log on Android) and exits with status 2 instead of opening screens of empty boxes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from field_app.kivy_config import configure_kivy
from field_app.services.font_face import default_cache_folder
from field_app.services.fonts import FontError, find_cjk_font

DATA_DIR_ENV = "MINQING_DATA_DIR"
NO_FONT_EXIT = 2


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="minqing-field", description="民情 field app")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get(DATA_DIR_ENV) or None,
                        help=f"where the tablet keeps its data (or ${DATA_DIR_ENV}); "
                             "default: Kivy's user_data_dir")
    parser.add_argument("--font", default=None,
                        help="a font file with Chinese and Latin glyphs (or $MINQING_FONT)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; 2 when no font can show its screens."""
    arguments = parse(argv)
    try:
        font = find_cjk_font(arguments.font)
    except FontError as error:
        print(error.message, file=sys.stderr)
        return NO_FONT_EXIT
    configure_kivy()
    from field_app.app import MinqingApp, use_font  # Kivy's window is made on this import

    folder = arguments.data_dir
    use_font(font, folder / "fonts" if folder is not None else default_cache_folder())
    MinqingApp(arguments.data_dir).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
