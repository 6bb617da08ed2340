"""The code panels' framework in a real browser: ``?fw=jax`` opens the panels at JAX, survives
the sidebar's page switch (which drops the query string), and picking PyTorch, the default,
takes it out of the link."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TIMEOUT_MS, open_page, wait_idle

pytestmark = pytest.mark.e2e


def checked(page, key: str) -> str:
    return page.locator(f".st-key-{key} input[type=radio]:checked").evaluate("e => e.value")


def test_the_framework_follows_the_reader_across_pages(server, browser_page):
    page = browser_page
    open_page(page, server, "pooling?fw=jax")
    assert checked(page, "pool_code") == "2"  # PyTorch, Keras 3, JAX, MXNet
    page.locator("[data-testid='stSidebarNav'] a", has_text="Sliding window").click()
    page.wait_for_function("location.pathname.endsWith('sliding_window') && "
                           "location.search.includes('fw=jax')", timeout=TIMEOUT_MS)
    wait_idle(page)
    assert checked(page, "sw_code") == "2"
    page.locator("[data-testid='stExpander'] summary", has_text="This layer in code").click()
    page.locator(".st-key-sw_code [data-testid='stRadioOption']").nth(0).click()
    page.wait_for_function("!location.search.includes('fw=')", timeout=TIMEOUT_MS)
    wait_idle(page)
    assert checked(page, "sw_code") == "0"
    assert page.locator("[data-testid='stException']").count() == 0
