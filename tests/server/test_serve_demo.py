"""`make run`: one command brings up the server on 127.0.0.1 with the demo street."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
import requests

from server.local import ROOT, free_port

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
OFFICE_SIGN_IN = re.compile(r"工号 (\S+)\s+密码 (\S+)")
READY = "按 Ctrl+C 停止"


@pytest.fixture
def demo(server_env):
    """`flask serve-demo` running: (its URL, what it printed before it served)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "serve-demo", "--port", str(port)],
        env=server_env,  # as `make run` has it: the venv's bin is not on PATH
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        printed = ""
        while READY not in printed and (line := process.stdout.readline()):
            printed += line
        url = f"http://127.0.0.1:{port}"
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and not healthy:
            try:
                healthy = requests.get(f"{url}/api/v1/health", timeout=1).ok
            except requests.RequestException:
                time.sleep(0.2)
        assert healthy, printed
        yield url, printed
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serve_demo_migrates_seeds_prints_a_code_and_serves(demo):
    url, printed = demo
    assert CODE.search(printed), printed
    assert f"同步服务器已启动：{url}" in printed


def test_serve_demo_prints_an_office_sign_in_that_works(demo):
    url, printed = demo
    worker_id, password = OFFICE_SIGN_IN.search(printed).groups()
    session = requests.Session()
    form = session.get(f"{url}/office/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = session.post(f"{url}/office/login", timeout=5, data={
        "worker_id": worker_id, "password": password, "csrf_token": token}).text
    assert "工作台" in page
