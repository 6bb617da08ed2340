"""Small screens and zoom (issue 11): every page at 390×844 (a phone) and at 200 % zoom on a
1280×720 screen (640×360 CSS pixels at device pixel ratio 2), default state.

The page's title must not be covered when it opens (a sidebar open over the page on a phone),
and the page itself must not scroll sideways: ``document.scrollingElement.scrollWidth`` (and
Streamlit's own scrolling main area) no wider than the viewport. A wide figure may scroll
inside its own box; the offenders listed on failure are the widest elements that stick out.
Screenshots: ``screenshots/tmp/small/<viewport>-<page>.png`` (the first screen).

One page: ``pytest tests/e2e/test_small_screens.py -k sliding_window``.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import PAGE_IDS, PAGES, PHONE, ZOOM_200, record, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Page-level sideways scroll, and the elements that reach past the right edge, outermost
# first (an element inside a box that scrolls by itself is fine and not listed).
OVERFLOW = """() => {
  const root = document.scrollingElement;
  const main = document.querySelector('[data-testid="stMain"]');
  const width = root.clientWidth;
  const scrollers = [root, main].filter(Boolean).map(e => ({scroll: e.scrollWidth,
                                                            client: e.clientWidth}));
  const inOwnBox = el => { for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if (s === 'auto' || s === 'scroll' || s === 'hidden') { return true; } } return false; };
  const wide = [];
  for (const el of (main || document.body).querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || inOwnBox(el)) { continue; }
    if (wide.some(w => w.el.contains(el))) { continue; }
    wide.push({el, what: (el.getAttribute('data-testid') || el.className.baseVal ||
      el.className || el.tagName).toString().split(' ')[0], right: Math.round(r.right),
      text: (el.textContent || '').trim().slice(0, 40)});
  }
  // What a user sees first: the page title, not covered (by an open sidebar, a toolbar).
  const title = (main || document.body).querySelector('h1');
  let covered = null;
  if (title) { const r = title.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + 8, 1), width - 2), y = r.top + r.height / 2;
    const hit = y < innerHeight ? document.elementFromPoint(x, y) : null;
    if (hit && !title.contains(hit) && !hit.contains(title)) {
      covered = (hit.closest('[data-testid]') || hit).getAttribute('data-testid') ||
                hit.tagName; } }
  return {width, scrollers, covered, wide: wide.slice(0, 8).map(w => ({what: w.what, right: w.right,
                                                              text: w.text}))};
}"""


@pytest.mark.parametrize("viewport", [PHONE, ZOOM_200], ids=lambda v: v.name)
@pytest.mark.parametrize("app_page", PAGES, ids=PAGE_IDS)
def test_no_sideways_scrolling(loaded_tabs, app_page, viewport):
    page = loaded_tabs.get(viewport, app_page, False)
    screenshot(page, "small", f"{viewport.name}-{app_page.id}")
    data = page.evaluate(OVERFLOW)
    too_wide = [s for s in data["scrollers"] if s["scroll"] > s["client"] + 1]
    record("small", f"{viewport.name}-{app_page.id}",
           [{"check": "sideways scroll", **s} for s in too_wide]
           + ([{"check": "title covered", "by": data["covered"]}] if data["covered"] else []))
    assert data["covered"] is None, (
        f"{app_page.id} at {viewport.width}×{viewport.height}: the page title is covered by "
        f"{data['covered']} when the page opens")
    assert not too_wide, (
        f"{app_page.id} at {viewport.width}×{viewport.height} scrolls sideways "
        f"({too_wide[0]['scroll']} px of content in {too_wide[0]['client']} px); sticking "
        "out: " + "; ".join(f"{w['what']} to {w['right']} px {w['text']!r}"
                           for w in data["wide"]))
