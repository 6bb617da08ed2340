"""The accessibility / presenter / small-screen harness: pages, viewports, loaded tabs.

Used by ``test_accessibility.py``, ``test_presenter_layout.py``, ``test_small_screens.py``
and ``test_keyboard.py``. Every test there is parametrised by the page's id (its
``url_path`` in ``ui/navigation.py``), so one page runs alone with ``-k sliding_window``.

A loaded tab is kept (a few at a time, see :class:`TabCache`) and shared by the tests that
look at the same page in the same viewport and mode: axe in presenter mode and the presenter
layout read the same 1280×720 tab. The tests only read a page; a test that types or clicks
opens its own tab.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from tests.e2e.conftest import ROOT, TIMEOUT_MS, open_page
from ui.navigation import HOME_PATH, existing_pages

#: Where screenshots and the per-test records go (gitignored).
OUT = ROOT / "screenshots" / "tmp"


class Viewport(NamedTuple):
    """A browser window: CSS size and device pixel ratio."""

    name: str
    width: int
    height: int
    scale: float = 1.0


PROJECTOR = Viewport("projector_1280x720", 1280, 720)
PHONE = Viewport("phone_390x844", 390, 844, 2.0)
#: 200 % browser zoom on a 1280×720 screen: the page lays out in 640×360 CSS pixels.
ZOOM_200 = Viewport("zoom200_1280x720", 640, 360, 2.0)


class AppPage(NamedTuple):
    """A page of the app as the tests address it."""

    id: str
    title: str
    path: str  # URL path after the server ("" for the default page)


def app_pages() -> list[AppPage]:
    """Every routed page, in navigation order (``ui/navigation.py``)."""
    return [AppPage(p.url_path, p.title, "" if p.path == HOME_PATH else p.url_path)
            for p in existing_pages()]


PAGES = app_pages()
PAGE_IDS = [p.id for p in PAGES]


#: The app's languages: every harness test that takes ``lang`` runs in each, its test id
#: ending in the code, so ``-k zh`` selects the Chinese runs.
LANGS = ["en", "zh"]


class View(NamedTuple):
    """A page in one language, possibly in a state other than its default (``query``: the
    extra URL parameters of a prepared link, ``state``: a short name for the test id)."""

    page: AppPage
    lang: str = "en"
    query: str = ""
    state: str = ""

    @property
    def id(self) -> str:
        """``page[-state][-lang]``, the language only when not English (so English ids and
        screenshot names stay the page's id: ``-k sliding_window``, ``-k zh``)."""
        lang = "" if self.lang == "en" else self.lang
        return "-".join(part for part in (self.page.id, self.state, lang) if part)


def url(page: AppPage, present: bool, lang: str = "en", query: str = "") -> str:
    """The page's path with its query: the state's parameters, ``lang`` unless English
    (a link without it opens in the browser's language, English here), ``present=1``."""
    params = [query] if query else []
    params += [f"lang={lang}"] if lang != "en" else []
    params += ["present=1"] if present else []
    return page.path + ("?" + "&".join(params) if params else "")


# Every visible plotly chart drawn (or 25 s passed), images decoded, fonts loaded. A chart in
# a closed expander or a tab not shown is never drawn by plotly.js: not waited for.
_SETTLED = """() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.offsetParent !== null);
  const drawn = plots.every(g => g._fullLayout && g.querySelector('.main-svg'));
  const imgs = Array.from(document.querySelectorAll('img')).every(i => i.complete);
  return drawn && imgs && document.fonts.status === 'loaded';
}"""


_SHAPE = """() => [document.querySelector("[data-testid='stApp']")
                  .getAttribute('data-test-script-state'),
                document.querySelectorAll("[data-testid='stElementContainer']").length,
                document.querySelectorAll('img, .js-plotly-plot').length]"""


def settle(page, timeout_ms: int = 25_000) -> None:
    """Wait until the page stops changing and its charts and pictures are drawn (best
    effort: a page whose chart never draws is still measured, and the measurement says what
    it saw).

    "Stops changing": the script idle and the same number of elements, images and charts
    in three looks 0.4 s apart — a first load can report idle before the script has drawn
    everything (seen on Your image: its 9 pictures missing from one axe run of two).
    """
    deadline = time.monotonic() + timeout_ms / 1000
    seen, same = None, 0
    while same < 2 and time.monotonic() < deadline:
        now = page.evaluate(_SHAPE)
        same = same + 1 if now == seen and now[0] == "notRunning" else 0
        seen = now
        time.sleep(0.4)
    try:
        page.wait_for_function(_SETTLED, timeout=timeout_ms)
    except Exception:
        pass
    time.sleep(0.4)


class TabCache:
    """Loaded tabs by (viewport, page, presenter, language, query), the oldest closed
    beyond ``size``."""

    def __init__(self, contexts, server: str, size: int = 8):
        self._contexts = contexts
        self._server = server
        self._size = size
        self._tabs: OrderedDict = OrderedDict()

    def get(self, viewport: Viewport, page: AppPage, present: bool, lang: str = "en",
            query: str = ""):
        key = (viewport, page.id, present, lang, query)
        tab = self._tabs.get(key)
        if tab is not None and not tab.is_closed():
            self._tabs.move_to_end(key)
            return tab
        while len(self._tabs) >= self._size:
            _, old = self._tabs.popitem(last=False)
            old.close()
        tab = self._contexts(viewport).new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        open_page(tab, self._server, url(page, present, lang, query))
        settle(tab)
        self._tabs[key] = tab
        return tab

    def close(self) -> None:
        for tab in self._tabs.values():
            tab.close()
        self._tabs.clear()


def screenshot(page, folder: str, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG under ``screenshots/tmp/<folder>/<name>.png``; returns the path."""
    path = OUT / folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def record(kind: str, name: str, data) -> None:
    """Write what a test measured to ``screenshots/tmp/records/<kind>/<name>.json``.

    ``python -m tests.e2e.harness`` summarises these records (the before/after counts).
    """
    path = OUT / "records" / kind / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False))


def summary() -> str:
    """Counts per page from the last run's records (what ``python -m`` prints)."""
    lines = []
    base = OUT / "records"
    for kind_dir in sorted(p for p in base.glob("*") if p.is_dir()):
        lines.append(f"== {kind_dir.name}")
        for f in sorted(kind_dir.glob("*.json")):
            data = json.loads(f.read_text())
            if isinstance(data, list):
                counts: dict[str, int] = {}
                for item in data:
                    rule = item.get("rule", item.get("check", "?")) if isinstance(
                        item, dict) else "?"
                    counts[rule] = counts.get(rule, 0) + 1
                detail = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "pass"
                lines.append(f"{f.stem:40s} {len(data):4d}  {detail}")
            else:
                lines.append(f"{f.stem:40s} {data}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary())
