"""The "Convolution in 1-D" page in Debian's Chromium: Play runs the stomach animation in the
browser and s(t) grows frame by frame to convcore's values; the keyboard reaches the last
frame too.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from convcore import stomach as sto
from tests.e2e.conftest import TIMEOUT_MS, open_page, plotly_chart

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STOMACH = "g => g.layout.meta && g.layout.meta.figure === 'stomach'"
#: The growing s(t) trace as drawn now: its y values, the slider's frame and the step text.
STATE = """el => { const s = el.data.find(d => d.name === 's');
    return {y: Array.from(s.y), active: el._fullLayout.sliders[0].active,
            text: el._fullLayout.annotations[0].text}; }"""
#: The page's default meals (30 minutes of eating each) and half-life (3 h).
FRAMES = sto.stomach_frames((sto.Meal(7.5, 1.0, 0.5), sto.Meal(12.0, 1.5, 0.5),
                             sto.Meal(19.0, 2.0, 0.5)), 3.0)


def _state(chart) -> dict:
    return chart.evaluate(STATE)


def test_play_grows_s_of_t_to_convcores_values(server, browser_page):
    page = browser_page
    open_page(page, server, "convolution_1d?t=6")  # before breakfast: s(t) = 0 so far
    chart = plotly_chart(page, STOMACH)
    start = _state(chart)
    first = int(np.argmin(np.abs(FRAMES.x - 6.0)))
    assert start["active"] == first and len(start["y"]) == first + 1
    assert max(start["y"]) == 0
    chart.locator(".updatemenu-button", has_text="Play").click()
    seen = [start]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        time.sleep(1.0)
        seen.append(_state(chart))
        if max(seen[-1]["y"]) > 1.0:  # lunch eaten: well past breakfast's peak
            break
    grown = seen[-1]
    assert len(grown["y"]) > len(start["y"]) + 20, [len(s["y"]) for s in seen]
    lengths = [len(s["y"]) for s in seen]
    assert lengths == sorted(lengths)  # it only ever grew while playing
    j = len(grown["y"]) - 1
    np.testing.assert_allclose(grown["y"], FRAMES.area[:j + 1], atol=1e-4)
    assert max(grown["y"]) > 1.0
    assert "s(t) =" in grown["text"]
    chart.locator(".updatemenu-button", has_text="Pause").click()
    # The keyboard: End jumps to the last frame, whose s(t) is the whole day's.
    chart.focus()
    page.keyboard.press("End")
    page.wait_for_function(
        f"() => {{ const g = document.querySelectorAll('.js-plotly-plot'); "
        f"return Array.from(g).some(el => el.layout && el.layout.meta && "
        f"el.layout.meta.figure === 'stomach' && "
        f"el._fullLayout.sliders[0].active === {len(FRAMES.x) - 1}); }}",
        timeout=TIMEOUT_MS)
    end = _state(chart)
    np.testing.assert_allclose(end["y"], FRAMES.area, atol=1e-4)
