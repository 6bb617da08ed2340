"""Shared fixtures for the real-browser tests: a ``streamlit run app.py`` server and pages of
Debian's Chromium driven by Playwright.

Fixtures
--------
server : str (session)
    Base URL (``http://127.0.0.1:PORT``) of ``streamlit run app.py`` started on a free local
    port, file watcher off. Stopped at the end of the session. Pages live in ``app_pages/``
    (not ``pages/``), so even a first visit straight to ``/some_page`` runs ``app.py``.
browser : playwright Browser (session)
    Headless ``/usr/bin/chromium`` (never a downloaded browser). Use it for a test that needs
    a context of its own (request interception, another viewport): ``browser.new_context()``,
    closed by that test's fixture.
browser_context : playwright BrowserContext (session)
    A context of ``browser`` with a fresh profile, shared by the session's tabs.
browser_page : playwright Page (function)
    A new tab for one test, 1400×1000, closed afterwards.
viewport_contexts : callable (session)
    ``viewport_contexts(viewport)`` → a context of that size and pixel ratio (one each).
loaded_tabs : tests.e2e.harness.TabCache (session)
    Loaded tabs by viewport, page and presenter mode, for tests that only read a page.

Helpers (import them: ``from tests.e2e.conftest import open_page, wait_idle, ...``)
---------------------------------------------------------------------------------------
require_chromium()
    Skip when ``/usr/bin/chromium`` (or Playwright) is missing — unless ``CI`` is set, where
    a missing browser fails the test instead: CI must run every test.
open_page(page, server, path)
    Go to ``server/path``, wait until the script is idle, assert no exception is shown.
wait_idle(page)
    Wait for ``[data-testid='stApp'][data-test-script-state='notRunning']``.
assert_no_exception(page)
    No ``[data-testid='stException']`` element on the page.
plotly_chart(page, predicate_js)
    A locator for the first ``.js-plotly-plot`` whose figure satisfies a JS predicate.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps",
                 "--disable-features=Translate,OptimizationHints,MediaRouter"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
#: Generous: the machine is shared, and plotly.js (4.7 MB) takes seconds to parse.
TIMEOUT_MS = 90_000
SERVER_START_S = 60


def require_chromium() -> None:
    """Skip without Debian's Chromium or Playwright; under ``CI`` fail instead."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -r requirements-dev.txt)")
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run every test", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_idle(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the script has finished running (a rerun a click started included)."""
    time.sleep(0.3)  # let a rerun that a click has just triggered reach the page
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def assert_no_exception(page) -> None:
    """The page shows no Streamlit exception box."""
    count = page.locator(EXCEPTION).count()
    assert count == 0, page.locator(EXCEPTION).first.inner_text()


def open_page(page, server: str, path: str = "") -> None:
    """Open ``server/path``, wait until the app is idle, and check it shows no exception."""
    page.goto(f"{server}/{path.lstrip('/')}", timeout=TIMEOUT_MS)
    wait_idle(page)
    assert_no_exception(page)


def plotly_chart(page, predicate_js: str = "g => true", timeout_ms: int = TIMEOUT_MS):
    """The first Plotly chart whose graph div ``g`` satisfies ``predicate_js`` (once drawn).

    Example: ``plotly_chart(page, "g => g.layout.meta && g.layout.meta.dynamic")`` is the
    sliding-window animation. Returns a Playwright locator.
    """
    finder = (f"() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
              f".findIndex(g => g.data && g._fullLayout && ({predicate_js})(g))")
    page.wait_for_function(f"() => ({finder})() >= 0", timeout=timeout_ms)
    index = page.evaluate(finder)
    return page.locator(".js-plotly-plot").nth(index)


def _wait_healthy(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode} before serving {base}")
        if time.monotonic() > deadline:
            pytest.fail(f"streamlit did not answer on {base} within {SERVER_START_S} s")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group only
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, shared by the session; closed at its end."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    """A fresh-profile context of the shared browser, shared by the session's tabs."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def server(browser) -> Iterator[str]:
    """``streamlit run app.py`` on 127.0.0.1 and a free port; yields the base URL."""
    port = free_port()
    log = ROOT / ".pytest_cache" / f"streamlit-e2e-{port}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield base
    finally:
        _stop(proc)


@pytest.fixture
def browser_page(browser_context):
    """A new browser tab for one test."""
    page = browser_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture(scope="session")
def viewport_contexts(browser):
    """``contexts(viewport)``: one browser context per ``tests.e2e.harness.Viewport``
    (CSS size and device pixel ratio), made on first use and shared by the session."""
    made = {}

    def get(viewport):
        if viewport not in made:
            made[viewport] = browser.new_context(
                viewport={"width": viewport.width, "height": viewport.height},
                device_scale_factor=viewport.scale)
        return made[viewport]

    try:
        yield get
    finally:
        for context in made.values():
            context.close()


@pytest.fixture(scope="session")
def loaded_tabs(viewport_contexts, server):
    """A ``tests.e2e.harness.TabCache``: loaded, settled tabs shared by read-only tests."""
    from tests.e2e.harness import TabCache

    cache = TabCache(viewport_contexts, server)
    try:
        yield cache
    finally:
        cache.close()
