"""axe-core (WCAG 2.0/2.1 A and AA) on every page of the navigation, in the default state and
in presenter mode (``?present=1``), at 1280×720.

axe-core comes from the pinned ``axe-playwright-python`` package (requirements-dev.txt),
whose wheel ships ``axe.min.js`` (axe 4.12): the file is injected into the page with
``add_script_tag``; nothing is fetched at run time.

One page: ``pytest tests/e2e/test_accessibility.py -k sliding_window``; the Chinese
presenter runs: ``-k zh``. A failure lists
each violation as ``rule (impact) page: target — what to fix``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import open_page, wait_idle
from tests.e2e.harness import PAGE_IDS, PAGES, PROJECTOR, record

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    """``axe.min.js`` as shipped by axe-playwright-python (fails clearly when missing)."""
    try:
        import axe_playwright_python
    except ImportError:  # pragma: no cover - the dev requirements install it
        pytest.fail("axe-core comes from axe-playwright-python: "
                    "pip install -r requirements-dev.txt", pytrace=False)
    path = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    assert path.is_file(), f"{path} is missing from axe-playwright-python"
    return path


RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                              summary: (n.failureSummary || '').split('\\n').slice(0, 3)
                                         .join(' ')}))}));
}"""


def run_axe(page) -> list[dict]:
    """The WCAG A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def short_target(target: str) -> str:
    """A CSS path without Streamlit's generated class names (``st-emotion-cache-…``)."""
    return re.sub(r"\.(st-emotion-cache-\w+|e[0-9a-z]{6,9}\d)", "", target)


def describe(violations: list[dict], page_id: str) -> str:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = short_target(node["target"])
            lines.append(f"  {v['rule']} ({v['impact']}) {page_id}: {target} — "
                         f"{node['summary'] or v['help']}")
    return "\n".join(lines)


#: (presenter mode, language): the default state and presenter mode in English, and presenter
#: mode in Chinese (``-k zh``) — the tab the Chinese presenter-layout test reads too, so the
#: Chinese run costs one page load per page, not two.
MODES = [(False, "en"), (True, "en"), (True, "zh")]


@pytest.mark.parametrize("present, lang", MODES,
                         ids=["default", "presenter", "presenter-zh"])
@pytest.mark.parametrize("app_page", PAGES, ids=PAGE_IDS)
def test_no_axe_violations(loaded_tabs, app_page, present, lang):
    page = loaded_tabs.get(PROJECTOR, app_page, present, lang)
    violations = run_axe(page)
    state = ("presenter" if present else "default") + ("" if lang == "en" else f"-{lang}")
    record("axe", f"{app_page.id}-{state}",
           [{"rule": v["rule"], "impact": v["impact"], "target": n["target"]}
            for v in violations for n in v["nodes"]])
    assert not violations, (f"{sum(len(v['nodes']) for v in violations)} axe violations on "
                            f"{app_page.id} ({state}):\n{describe(violations, app_page.id)}")


def test_navigation_lists_every_page_the_tests_check(server, browser_page):
    """The harness's pages (ui/navigation.py) are the ones the sidebar shows."""
    open_page(browser_page, server, "")
    hrefs = browser_page.eval_on_selector_all(
        "[data-testid='stSidebarNav'] a", "links => links.map(a => a.getAttribute('href'))")
    shown = [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]
    expected = [p.path for p in PAGES]
    assert [s if s != "127.0.0.1" and ":" not in s else "" for s in shown] == expected


def test_home_url_opens_the_home_page(server, browser_page):
    """/home is Home too (it opened a "Page not found" dialog: issue 9, item 10)."""
    page = browser_page
    open_page(page, server, "home")
    wait_idle(page)
    assert page.get_by_text("Page not found").count() == 0
    home = next(p for p in PAGES if p.path == "")
    assert page.locator("h1").first.inner_text().strip() != ""
    open_page(page, server, "")
    first_heading = page.locator("h1").first.inner_text()
    open_page(page, server, home.id)
    assert page.locator("h1").first.inner_text() == first_heading
