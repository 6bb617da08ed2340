"""Offline: with the network cut, every page of the app loads, and nothing asks the internet.

The session's Chromium (Debian's, never a downloaded one; tests/e2e/conftest.py), in a
context of its own, opens every page the app's navigation routes, through a Playwright
route handler that lets requests to the local server through and aborts every other one,
counting them. The test fails if any request (HTTP or WebSocket) to another host was
attempted, or if any page shows a Streamlit exception.

The pages are found the way a user finds them, from the sidebar navigation of the running
app, and checked against the scripts in ``app_pages/``: a new page is covered without touching
this file, and a page script the navigation does not route is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
#: Schemes that never touch the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PAGE_TIMEOUT_MS = 60_000
SETTLE_S = 2.0  # late requests: lazily loaded chunks, fonts, images


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


@pytest.fixture
def offline_browser(browser):
    """A fresh context of the shared browser whose every non-local request is aborted and
    logged (its own context: the routes must not touch the other tests' tabs)."""
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

    context = browser.new_context(viewport={"width": 1400, "height": 900},
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


def test_every_page_loads_offline_and_asks_no_other_host(server, offline_browser):
    context, network = offline_browser
    page = context.new_page()
    page.goto(server + "/", timeout=PAGE_TIMEOUT_MS)
    _wait_idle(page)
    urls = _nav_links(page, server)
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
