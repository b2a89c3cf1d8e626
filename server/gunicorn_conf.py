"""gunicorn settings the server runs with: `gunicorn -c python:server.gunicorn_conf ...`.

Command-line flags (workers, bind address, timeouts) still come from the command line;
this module holds what a flag cannot say.
"""

from __future__ import annotations

import gc
from typing import Any

YOUNG_GENERATION_THRESHOLD = 50_000
"""Allocations between collections of young objects (CPython's default is 700)."""


def post_worker_init(worker: Any) -> None:
    """Tune the garbage collector once the app is loaded in a worker.

    A push builds thousands of small dicts that live until the request ends; with the
    default thresholds they trigger collections that rescan every object of Flask,
    SQLAlchemy and marshmallow again and again (a quarter of a push's time, measured with
    bench/sync_vs_couch.py). The app's own objects live as long as the worker, so they are
    frozen out of the collector's sight, and young objects are collected less often.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 20, 100)
