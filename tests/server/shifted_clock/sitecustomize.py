"""Makes a server process's clock read another day, for tests of what happened "yesterday".

Python imports `sitecustomize` at start-up from the path; a test puts this folder first on
`PYTHONPATH` and the shift in `MINQING_TEST_CLOCK_SHIFT_MS` (negative: the past) for one
gunicorn process. Only the wall clock moves (`time.time`, `time.time_ns`, which
`sync.clock.wall_ms` reads); monotonic clocks, and so gunicorn's worker timeouts, do not.
"""

from __future__ import annotations

import os
import time

_SHIFT_MS = int(os.environ.get("MINQING_TEST_CLOCK_SHIFT_MS", "0") or 0)

_time, _time_ns = time.time, time.time_ns


def _shifted_time() -> float:
    return _time() + _SHIFT_MS / 1000


def _shifted_time_ns() -> int:
    return _time_ns() + _SHIFT_MS * 1_000_000


if _SHIFT_MS:
    time.time, time.time_ns = _shifted_time, _shifted_time_ns
