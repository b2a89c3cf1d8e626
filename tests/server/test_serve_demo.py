"""`make run`: one command brings up the server on 127.0.0.1 with the demo street."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import requests

from server.local import ROOT, free_port

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def test_serve_demo_migrates_seeds_prints_a_code_and_serves(server_env):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "serve-demo", "--port", str(port)],
        env={**server_env, "PATH": f"{ROOT / '.venv' / 'bin'}:{server_env['PATH']}"},
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = requests.get(f"{url}/api/v1/health", timeout=1).ok
            except requests.RequestException:
                time.sleep(0.2)
        assert healthy
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert CODE.search(output), output
    assert f"同步服务器已启动：{url}" in output
