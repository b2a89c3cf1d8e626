"""Copying SQLite's write-ahead log into the database file beside the writers, not in them.

With WAL, each commit appends pages to `<database>-wal`; a checkpoint copies them into the
database file so the log can start over. SQLite's own (automatic) checkpoint runs inside
the commit that crosses its threshold, so every few thousand pages one push, holding the
writers' turn, also copied the whole log: three times its usual time, with every other
writer waiting behind it (bench/sync_vs_couch.py saw 60 ms pushes among 20 ms ones).

So each server process has a `WalCheckpointer`: a thread with a connection of its own that
a writer wakes as it leaves its turn, and that copies what was committed (a PASSIVE
checkpoint: it takes no lock a writer or reader needs, and copies only what no reader still
uses) while the next writer works. SQLite's automatic checkpoint stays on, at a higher
threshold, in case this thread cannot keep up.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

IDLE_WAIT_S = 60.0
"""How long the thread sleeps when nobody writes before it looks again anyway."""

RETRY_WAIT_S = 0.5
"""How soon the thread tries again when a checkpoint could not copy the whole log (a reader
still used part of it, or the database was busy): no commit may come to wake it."""


class WalCheckpointer:
    """Copies one SQLite database's log into its file, in a thread of this process."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.runs = 0
        """Checkpoints done by this process's thread (for tests and the curious)."""

    def poke(self) -> None:
        """Something was committed: copy it soon. Starts the thread on first use in each
        process (gunicorn forks its workers after the app is made, and threads do not
        survive a fork)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._thread = threading.Thread(target=self._run, name="wal-checkpoint",
                                                    daemon=True)
                    self._pid = os.getpid()
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, isolation_level=None,
                                     check_same_thread=False)
        wait = IDLE_WAIT_S
        try:
            while True:
                self._wake.wait(wait)
                self._wake.clear()
                wait = RETRY_WAIT_S if not self._checkpoint(connection) else IDLE_WAIT_S
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> bool:
        """One PASSIVE checkpoint; True when it copied the whole log."""
        try:
            busy, log_frames, copied = connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # a busy or closing database: tried again shortly
            logging.getLogger("minqing.db").warning("WAL checkpoint failed", exc_info=True)
            return False
        self.runs += 1
        return not busy and copied >= log_frames
