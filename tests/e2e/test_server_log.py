"""The server's log stays clean: no warning with a stack trace on any page a link opens.

Streamlit logs "The widget with key … was created with a default value but also had its
value set via the Session State API", with a stack trace, when a page gives a widget a
default while a shared link (or a preset) has already put the key into session state. It
logs that once per process, so one page hides the next; this test opens every page with a
link that sets its settings, then reads the log. The ``server`` fixture makes the same
check on the whole session's log when it stops.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SERVER_LOGS, log_problems, open_page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Every page, opened the way a prepared link opens it (each sets keys before the widgets).
LINKS = [
    "home",
    "sliding_window?k=sobel_x&pad=same&bias=1.5",
    "padding_stride?pad=same",
    "channels?b=2&mo=2&xi=2&gi=2&go=4&gk=5&gs=16&gb=0&side=16",
    "pooling?kind=avg",
    "convolution_1d?g=tabulated&kp=gaussian",
    "kernel_learning?steps=40&seed=3",
    "whole_network?src=draw",
    "under_the_hood",
    "your_image?pad=same",
]


def test_log_problems_finds_a_warning_with_a_stack():
    text = ("2026-12-04 15:40:28.764 The widget with key \"k\" was created with a default "
            "value but also had its value set via the Session State API.\n"
            "Stack (most recent call last):\n  File \"x.py\", line 1, in <module>\n")
    assert log_problems(text) == [text.splitlines()[0]]
    assert log_problems("2026-12-04 15:40:28.764 An ordinary line\n") == []


def test_no_page_logs_a_warning_with_a_stack(server, browser_page):
    for link in LINKS:
        open_page(browser_page, server, link)
    log = SERVER_LOGS[server].read_text(encoding="utf-8", errors="replace")
    assert log_problems(log) == []
