"""Every page in a real browser with ``?lang=zh``: Chinese text, the document's ``lang`` set to
``zh-CN``, no exception; and the language choice survives moving to another page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS, open_page, wait_idle
from ui.navigation import existing_pages

pytestmark = pytest.mark.e2e

PAGES = existing_pages()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tmp"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("page_info", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_opens_in_chinese(server, browser_page, page_info):
    open_page(browser_page, server, f"{page_info.url_path}?lang=zh")
    main_text = browser_page.locator("[data-testid='stMain']").inner_text()
    assert len(CJK.findall(main_text)) > 20, main_text[:300]
    # The one-line script that sets it runs just after the page's first paint.
    browser_page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=30_000)
    nav = browser_page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "首页" in nav and "填充和步幅" in nav
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(SCREENSHOTS / f"zh_{page_info.url_path}.png"))


def test_the_language_follows_the_reader_across_pages(server, browser_page):
    open_page(browser_page, server, "?lang=zh")
    browser_page.locator("[data-testid='stSidebarNav'] a", has_text="填充和步幅").click()
    browser_page.wait_for_url(re.compile(r"padding_stride"))
    wait_idle(browser_page)
    assert "lang=zh" in browser_page.url
    assert "填充和步幅" in browser_page.locator("[data-testid='stSidebarNav']").inner_text()
    # Back to English with the sidebar selector: the page stays.
    browser_page.locator("[data-testid='stSidebar'] button", has_text="English").click()
    browser_page.wait_for_function("document.documentElement.lang === 'en'")
    assert "padding_stride" in browser_page.url
    # the lang attribute can change before the navigation's labels are redrawn: wait for them
    expect(browser_page.locator("[data-testid='stSidebarNav']")).to_contain_text(
        "Padding & stride", timeout=TIMEOUT_MS)
