"""Android's entry point: python-for-android runs `main.py` at the top of the app's source."""

import sys

from field_app.__main__ import main

sys.exit(main())
