"""`make run` serves a working demo: start it the way the Makefile does (bin/run-demo, on the
embedded SQLite, a free port), then sign in as a seeded handler with the password seed_demo
prints and land on the handler's home page (issue 2)."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 180  # migrate on a fresh SQLite file, seed, then gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Demo:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # The demo is what a newcomer gets with nothing set: no test database, no broker.
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "THRIVE_TESTING", "ALLOWED_HOSTS"}
    }
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", DEMO_INCIDENTS="12")
    log = tmp_path / "run-demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BASE_DIR / "bin" / "run-demo")],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn's workers go with it
        )
    demo = Demo(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"bin/run-demo exited with {process.returncode}:\n{demo.output()}")
            try:
                with urllib.request.urlopen(demo.url + "/login/", timeout=2):  # noqa: S310 - our own server
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"the demo did not answer within {STARTUP_TIMEOUT}s:\n{demo.output()}")
                time.sleep(0.5)
        yield demo
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


def test_make_run_serves_a_login_page_where_a_seeded_handler_reaches_their_home_page(demo):
    printed = re.search(r"password for every account: (\S+)\)", demo.output())
    assert printed, demo.output()
    assert "handler1" in demo.output()
    password = printed.group(1)

    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(demo.url + "/", timeout=10) as response:
        # Anonymous: sent to the login page, which is served with its styles.
        assert urllib.parse.urlsplit(response.url).path == "/login/"
        login_page = response.read().decode()
    assert "Sign in to THRIVE-SP" in login_page
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login_page)
    assert stylesheet
    with browser.open(demo.url + stylesheet.group(1), timeout=10) as response:
        assert response.status == 200
        assert response.read(200)

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "handler1", "password": password})
    with browser.open(demo.url + "/login/", data=form.encode(), timeout=30) as response:
        home = response.read().decode()
        assert urllib.parse.urlsplit(response.url).path == "/"
    assert "Your incidents" in home
    assert "New incident" in home
    assert "Amy Clarke" in home  # handler1, signed in
