"""Offline: with the network cut, every page of the app loads, and nothing asks the internet.

A real Chromium (Debian's, never a downloaded one) opens every page the app's navigation
routes, through a Playwright route handler that lets requests to the local server through
and aborts every other one, counting them. The test fails if any request (HTTP or WebSocket)
to another host was attempted, or if any page shows a Streamlit exception.

The pages are found the way a user finds them, from the sidebar navigation of the running
app, and checked against the scripts in ``app_pages/``: a new page is covered without touching
this file, and a page script the navigation does not route is reported.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
#: Schemes that never touch the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-features=Translate,OptimizationHints,MediaRouter",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PAGE_TIMEOUT_MS = 60_000
SETTLE_S = 2.0  # late requests: lazily loaded chunks, fonts, images


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def offline_server() -> Iterator[str]:
    """``streamlit run app.py`` on a free local port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start on {base}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class NetworkLog:
    """Requests to other hosts: aborted by the route handler, or seen by the page at all."""

    blocked: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    local: int = 0

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return True
        return parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory):
    """A fresh Chromium profile whose every non-local request is aborted and logged."""
    from playwright.sync_api import sync_playwright

    network = NetworkLog()

    def route(route, request):
        if network.allows(request.url):
            network.local += 1
            route.continue_()
        else:
            network.blocked.append(f"{request.resource_type} {request.url}")
            route.abort("internetdisconnected")

    def route_socket(ws):
        if network.allows(ws.url):
            ws.connect_to_server()
        else:
            network.blocked.append(f"websocket {ws.url}")
            ws.close()

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900},
            service_workers="block")
        context.route("**/*", route)
        context.route_web_socket("**/*", route_socket)
        context.on("request", lambda request: None if network.allows(request.url)
                   else network.seen.append(request.url))
        try:
            yield context, network
        finally:
            context.close()


def _wait_idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
    time.sleep(SETTLE_S)
    page.wait_for_selector(IDLE, timeout=PAGE_TIMEOUT_MS)


def _nav_links(page, base: str) -> list[str]:
    page.wait_for_selector("[data-testid='stSidebarNavLink']", timeout=PAGE_TIMEOUT_MS)
    more = page.locator("[data-testid='stSidebarNavViewButton']")
    if more.count() and "more" in more.first.inner_text().lower():
        more.first.click()
    hrefs = page.locator("[data-testid='stSidebarNavLink']").evaluate_all(
        "links => links.map(a => a.href)")
    urls = []
    for href in hrefs:
        url = href.split("?")[0].split("#")[0]
        if url.startswith(base) and url not in urls:
            urls.append(url)
    return urls


def _page_scripts() -> list[str]:
    return sorted(p.name for p in (ROOT / "app_pages").glob("*.py") if not p.name.startswith("_"))


def test_every_page_loads_offline_and_asks_no_other_host(offline_server, offline_browser):
    context, network = offline_browser
    page = context.new_page()
    page.goto(offline_server + "/", timeout=PAGE_TIMEOUT_MS)
    _wait_idle(page)
    urls = _nav_links(page, offline_server)
    scripts = _page_scripts()
    assert len(urls) == len(scripts), (
        f"the navigation routes {len(urls)} pages ({urls}) but app_pages/ holds {len(scripts)} "
        f"scripts ({scripts})")

    failures = {}
    for url in urls:
        started = time.monotonic()
        page.goto(url, timeout=PAGE_TIMEOUT_MS)
        _wait_idle(page)
        print(f"{url}: {time.monotonic() - started:.1f} s, {network.local} local requests so far")
        exceptions = page.locator("[data-testid='stException']")
        if exceptions.count():
            failures[url] = exceptions.first.inner_text()[:500]
            continue
        main = page.locator("[data-testid='stMain']")
        if not main.locator("[data-testid='stHeading'], [data-testid='stMarkdown']").count():
            failures[url] = "nothing rendered in the main area"
    page.close()

    assert network.local > 0  # the handler did see the app's own requests
    assert network.blocked == [], (
        f"{len(network.blocked)} requests to other hosts were attempted: {network.blocked}")
    assert network.seen == []
    assert failures == {}
