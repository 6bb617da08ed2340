"""Presenter mode as a projector layout (issue 9): every page at 1280×720 with ``?present=1``.

Per page, one load (shared with the axe presenter test) and five checks, each its own test
id so that ``-k "sliding_window"`` runs one page and ``-k "sliding_window and fonts"`` one
check:

- ``overlap``: no two titles/labels overlap — inside each Plotly figure the title, panel
  titles, annotations and axis titles against each other and against tick labels; outside,
  widget labels, tab labels, headings and metric labels against each other;
- ``cut``: nothing cut off — Plotly text outside its SVG, and any label, tab, heading,
  button text or select value wider than its box or ending in an ellipsis; a tab strip
  that scrolls; a page name in the sidebar's navigation cut short;
- ``fonts``: every number printed in a grid cell, every figure/panel/axis title and every
  annotation ≥ 24 px (computed ``font-size`` of the SVG text; tick labels, slider and
  button text are controls, not checked);
- ``metrics``: every ``st.metric`` value ≥ 24 px;
- ``main_figure``: the page marks its main figure (``ui.a11y.main_figure()``: class
  ``st-key-main_figure``, or ``st-key-main_figure_<tab>`` per tab) and the one on screen has
  its top edge above the fold (y < 720) with the page scrolled to the top (a marked
  figure in a hidden tab measured 0 px and passed).

Every page runs in English and in Chinese (``?lang=zh``; test ids end in ``-en`` / ``-zh``,
so ``-k zh`` runs the Chinese layouts: longer or shorter labels show up as ``cut`` or
``overlap``), and a few pages also in the large states that once broke the layout
(:data:`STATES`: a 20×20 input, a 16×16 photo patch, the 1×1 figure's five-character values).

The viewport screenshot goes to ``screenshots/tmp/presenter/<view id>.png``.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import LANGS, PAGES, PROJECTOR, View, record, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MIN_PX = 24
FOLD_PX = PROJECTOR.height

MEASURE = """(minPx) => {
  const out = {overlap: [], cut: [], fonts: [], metrics: [], main_figure: []};
  const vis = el => { const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0.5 && r.height > 0.5 && s.visibility !== 'hidden' && s.display !== 'none'
      && !el.closest('details:not([open])') && (el.textContent || '').trim() !== ''; };
  const box = el => { const r = el.getBoundingClientRect();
    return {x0: r.left, y0: r.top + scrollY, x1: r.right, y1: r.bottom + scrollY}; };
  const meet = (a, b, tol) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > tol &&
                              Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > tol;
  const name = el => (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const px = el => parseFloat(getComputedStyle(el).fontSize);
  // ---- Plotly figures
  document.querySelectorAll('.js-plotly-plot').forEach((g, gi) => {
    const svg = g.querySelector('.main-svg'); if (!svg) { return; }
    const frame = box(svg);
    const titles = Array.from(g.querySelectorAll(
      '.g-gtitle text, .g-xtitle text, .g-ytitle text, .annotation-text, .legendtext'))
      .filter(vis);
    const ticks = Array.from(g.querySelectorAll('.xtick text, .ytick text')).filter(vis);
    for (let i = 0; i < titles.length; i++) {
      const a = box(titles[i]);
      for (let j = i + 1; j < titles.length; j++) {
        if (meet(a, box(titles[j]), 1)) { out.overlap.push({check: 'overlap', where:
          'figure ' + gi, a: name(titles[i]), b: name(titles[j])}); } }
      for (const t of ticks) { if (meet(a, box(t), 1)) { out.overlap.push({check: 'overlap',
          where: 'figure ' + gi, a: name(titles[i]), b: 'tick ' + name(t)}); } }
      if (a.x0 < frame.x0 - 1 || a.x1 > frame.x1 + 1 || a.y0 < frame.y0 - 1 ||
          a.y1 > frame.y1 + 1) { out.cut.push({check: 'cut', where: 'figure ' + gi,
          a: name(titles[i]), b: 'outside the figure'}); }
    }
    const sized = titles.concat(Array.from(g.querySelectorAll(
      '.heatmaplayer text, .textpoint text, g.text text')).filter(vis));
    for (const t of sized) { const s = px(t);
      if (s < minPx - 0.01) { out.fonts.push({check: 'fonts', where: 'figure ' + gi,
        a: name(t), size: s}); } }
  });
  // ---- Streamlit text
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const labels = Array.from(main.querySelectorAll(
    '[data-testid="stWidgetLabel"], [data-baseweb="tab"], h1, h2, h3, h4, h5, ' +
    '[data-testid="stMetricLabel"], [data-testid="stMetricValue"]')).filter(vis);
  for (let i = 0; i < labels.length; i++) { const a = box(labels[i]);
    for (let j = i + 1; j < labels.length; j++) {
      if (labels[i].contains(labels[j]) || labels[j].contains(labels[i])) { continue; }
      if (meet(a, box(labels[j]), 2)) { out.overlap.push({check: 'overlap', where: 'page',
        a: name(labels[i]), b: name(labels[j])}); } } }
  const texts = Array.from(main.querySelectorAll(
    '[data-testid="stWidgetLabel"] p, [data-baseweb="tab"] p, h1, h2, h3, h4, h5, ' +
    '[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] div, button p, ' +
    '[data-baseweb="select"] [value], [data-baseweb="select"] div[title], ' +
    '[data-testid="stExpander"] summary p, [data-testid="stCaptionContainer"] p, *'))
    .filter(vis);
  const seen = new Set();
  for (const el of texts) {
    if (seen.has(el)) { continue; } seen.add(el);
    const s = getComputedStyle(el);
    const clipped = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
      (s.overflowX === 'hidden' || s.overflowX === 'clip' || s.textOverflow === 'ellipsis');
    const edge = el.getBoundingClientRect().right + 1;
    const spills = clipped && Array.from(el.children).some(c =>
      c.getBoundingClientRect().right > edge && (c.textContent || '').trim() !== '' &&
      !c.closest('.js-plotly-plot, [data-testid="stCode"]'));
    if (clipped && (el.children.length === 0 || s.textOverflow === 'ellipsis' || spills)) {
      out.cut.push({check: 'cut', where: 'page', a: name(el),
                    b: el.clientWidth + ' px box for ' + el.scrollWidth + ' px'}); }
  }
  // The sidebar's page list: the markdown rule for the main text once grew it until
  // "Convolution in 1-D" ended in an ellipsis.
  document.querySelectorAll('[data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"]')
    .forEach(el => { if (vis(el) && el.scrollWidth > el.clientWidth + 1) {
      out.cut.push({check: 'cut', where: 'sidebar', a: name(el),
                    b: el.clientWidth + ' px box for ' + el.scrollWidth + ' px'}); } });
  main.querySelectorAll('[data-baseweb="tab-list"]').forEach(t => {
    if (t.scrollWidth > t.clientWidth + 1) { out.cut.push({check: 'cut', where: 'tabs',
      a: name(t), b: 'tab strip scrolls: ' + t.clientWidth + ' of ' + t.scrollWidth}); } });
  main.querySelectorAll('[data-testid="stMetricValue"]').forEach(m => {
    // The innermost element that holds the value's text is what the reader sees.
    const all = [m, ...m.querySelectorAll('*')].filter(e => e.textContent.trim());
    const inner = all[all.length - 1]; const s = px(inner);
    if (s < minPx - 0.01) { out.metrics.push({check: 'metrics', a: name(m), size: s}); } });
  // ---- main figure
  // The main figure on screen: a page of tabs marks one per tab (main_figure_<tab>); the
  // ones in hidden tabs have no size.
  const marked = Array.from(main.querySelectorAll(
    '.st-key-main_figure, [class*="st-key-main_figure_"]')).find(el => {
      const r = el.getBoundingClientRect(); return r.width > 0.5 && r.height > 0.5; });
  const first = main.querySelector('.js-plotly-plot');
  out.top = marked ? box(marked).y0 : null;
  out.first_chart_top = first ? box(first).y0 : null;
  return out;
}"""

CHECKS = ["overlap", "cut", "fonts", "metrics", "main_figure"]

_BY_ID = {p.id: p for p in PAGES}
#: Large states a prepared link can open, each of which broke the projector layout (issue 9):
#: grid numbers printed at 17 px (a 20×20 input on padding & stride) and 22 px (the 1×1
#: figure's five-character values), column numbers turned up into the panel title and a
#: step text running out of the figure (a 16×16 photo patch in the sliding window).
STATES = [View(_BY_ID["padding_stride"], "en", "h=20&w=20", "20x20"),
          View(_BY_ID["sliding_window"], "en", "isrc=patch&ips=16", "patch16"),
          View(_BY_ID["sliding_window"], "en", "iin=random&irr=16&irc=16", "random16"),
          View(_BY_ID["channels"], "en", "tab=mix", "1x1")]
VIEWS = [*(View(page, lang) for page in PAGES for lang in LANGS), *STATES]
_measured: dict[str, dict] = {}


def measure(loaded_tabs, view: View) -> dict:
    """One measurement per view (and one screenshot), shared by the five checks."""
    app_page = view.page
    if view.id not in _measured:
        page = loaded_tabs.get(PROJECTOR, app_page, True, view.lang, view.query)
        page.evaluate("() => window.scrollTo(0, 0)")
        for scroller in ("[data-testid='stMain']", "[data-testid='stAppScrollToBottomContainer']"):
            page.evaluate(f"() => {{ const s = document.querySelector(\"{scroller}\"); "
                          f"if (s) s.scrollTop = 0; }}")
        screenshot(page, "presenter", view.id)
        data = page.evaluate(MEASURE, MIN_PX)
        if data["top"] is None:
            data["main_figure"].append({
                "check": "main_figure", "a": "not marked (use ui.a11y.main_figure())",
                "b": f"first chart's top at {data['first_chart_top']} px"})
        elif data["top"] >= FOLD_PX:
            data["main_figure"].append({"check": "main_figure",
                                        "a": f"top at {data['top']:.0f} px",
                                        "b": f"below the fold ({FOLD_PX} px)"})
        _measured[view.id] = data
        record("presenter", view.id,
               [item for check in CHECKS for item in data[check]])
    return _measured[view.id]


def _lines(items: list[dict]) -> str:
    if items and "size" in items[0]:  # fonts / metrics: one line per figure and size
        groups: dict[tuple, list[str]] = {}
        for it in items:
            groups.setdefault((it.get("where", ""), it["size"]), []).append(it["a"])
        return "\n".join(
            f"  [{where}] {len(texts)} text(s) at {size:.1f} px: "
            + ", ".join(repr(t) for t in texts[:6]) + (" …" if len(texts) > 6 else "")
            for (where, size), texts in groups.items())
    out = []
    for it in items[:40]:
        extra = f" ({it['size']:.1f} px)" if "size" in it else ""
        b = f" ↔ {it['b']}" if it.get("b") else ""
        out.append(f"  [{it.get('where', '')}] {it['a']!r}{b}{extra}")
    more = f"\n  … and {len(items) - 40} more" if len(items) > 40 else ""
    return "\n".join(out) + more


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("view", VIEWS, ids=[v.id for v in VIEWS])
def test_presenter_layout(loaded_tabs, view, check):
    data = measure(loaded_tabs, view)
    problems = data[check]
    assert not problems, (f"{view.id}, presenter mode at 1280×720, {check}: "
                          f"{len(problems)} problem(s)\n{_lines(problems)}")


def test_large_states_are_what_they_say(loaded_tabs):
    """The states above really are large: a 20×20 input, a 16×16 patch, the 1×1 section
    (else the layout checks on them would pass without testing anything)."""
    expected = {"20x20": "20×20", "patch16": "16×16", "random16": "16×16",
                "1x1": "X[0]"}
    for view in STATES:
        page = loaded_tabs.get(PROJECTOR, view.page, True, view.lang, view.query)
        svg_text = page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot .annotation-text'))"
            ".map(t => t.textContent).join(' | ')")
        assert expected[view.state] in svg_text, (view.id, svg_text[:300])
