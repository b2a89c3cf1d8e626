"""SQLite writers take turns on a file beside the database (`server.database.WriterTurn`).

Real file locks between real descriptors, as two gunicorn workers hold them.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from server.database import WriterTurn


def holder(path: Path) -> int:
    """Another worker's descriptor on the same file, holding the turn."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def waiting_turn(tmp_path: Path) -> tuple[WriterTurn, dict[str, int]]:
    turn = WriterTurn.beside(str(tmp_path / "minqing.sqlite3"))
    info: dict[str, int] = {}
    turn.open_into(info)
    return turn, info


class TestWriterTurn:
    def test_the_file_is_beside_the_database(self, tmp_path):
        turn = WriterTurn.beside(str(tmp_path / "minqing.sqlite3"))
        assert turn.path == tmp_path / "minqing.sqlite3-writer"

    def test_an_in_memory_database_has_no_turns(self):
        assert WriterTurn.beside(":memory:").path is None

    def test_a_writer_goes_as_soon_as_the_other_lets_go(self, tmp_path):
        turn, info = waiting_turn(tmp_path)
        other = holder(turn.path)
        threading.Timer(0.2, fcntl.flock, (other, fcntl.LOCK_UN)).start()
        started = time.monotonic()
        WriterTurn.take(info)
        waited = time.monotonic() - started
        assert 0.15 < waited < 2
        assert_held(turn.path)

    def test_after_the_timeout_the_wait_is_left_to_sqlite(self, tmp_path):
        turn, info = waiting_turn(tmp_path)
        holder(turn.path)
        started = time.monotonic()
        WriterTurn.take(info, timeout=0.1)
        assert time.monotonic() - started < 2

    def test_the_turn_ends_when_the_connection_goes_back_to_the_pool(self, tmp_path):
        turn, info = waiting_turn(tmp_path)
        WriterTurn.take(info)
        assert_held(turn.path)
        WriterTurn.end_of(info)
        assert_free(turn.path)


def assert_held(path: Path) -> None:
    assert not try_lock(path), "the turn should be held"


def assert_free(path: Path) -> None:
    assert try_lock(path), "the turn should be free"


def try_lock(path: Path) -> bool:
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
