"""`make run`: the merge demo tells the story end to end, in Chinese."""

from __future__ import annotations

import subprocess
import sys

from sync.catalogue import text


def test_the_demo_merges_reports_the_conflict_and_settles_it() -> None:
    run = subprocess.run([sys.executable, "-m", "sync.demo"], capture_output=True, text=True,
                         check=True, timeout=60)
    out = run.stdout
    assert text("demo.converged") in out
    assert "纠纷情况被多人同时修改为不同内容" in out
    assert out.rstrip().endswith("402装修破坏防水层漏水；刘志强同意赔偿维修费。")
    assert out.count(text("demo.no_conflicts")) == 1
