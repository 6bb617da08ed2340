"""Accessibility helpers shared by every page: text alternatives, keyboard access, focus,
contrast, and the marker the presenter-layout test looks for.

What a page does (see ``docs/accessibility_and_presenter.md`` for the full guide)
----------------------------------------------------------------------------------
::

    from ui import a11y

    with a11y.main_figure():                     # the figure the 1280×720 test checks
        controls.show_chart(fig, "name", key="my_chart")
    a11y.animation_keys("my_chart", "Sliding window animation")   # animations only
    a11y.live_region(f"Output cell (0, 0) = 19")  # the figure's headline, announced
    a11y.show_as_numbers(values, "Output Y, 2×2", highlights={"window": cells})
    a11y.cell_picker(out_hw, "sw_pick", key="sw_cell")   # keyboard alternative to a click
    a11y.text_legend([a11y.LEGEND_WINDOW, a11y.LEGEND_PADDING])   # no emoji, no colour alone

Images: ``st.image`` takes ``alt=`` (Streamlit 1.67). Every picture passes one sentence saying
what it shows (``alt="The photo, 256×256 grey pixels"``): without it the ``<img>`` has no
text alternative and axe reports ``image-alt`` (critical). A ``caption=`` is not an ``alt``.

Rules the browser tests hold every page to: WCAG 2.0/2.1 A and AA (axe-core), nothing
conveyed by colour alone, nothing that needs an emoji font, every figure paired with text
(a live region, a table or a sentence), ≥ 24 px text in figures and metrics in presenter mode.

:func:`apply_base_style` is called once per run by ``app.py`` (focus outlines, caption
contrast); pages never call it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from convcore.trace import format_number
from ui.i18n import N_, _

#: ``st.container(key=...)`` of a page's main figure; Streamlit renders the class
#: ``st-key-main_figure``, which ``tests/e2e/test_presenter_layout.py`` looks for.
MAIN_FIGURE_KEY = "main_figure"
MAIN_FIGURE_CLASS = f"st-key-{MAIN_FIGURE_KEY}"

#: Caption grey: 6.5:1 on white and 5.9:1 on the sidebar's #f3f5f9 (WCAG AA needs 4.5:1).
#: Streamlit's own caption grey is #747880-ish (4.05:1 on the sidebar).
CAPTION_COLOR = "#545a66"
#: Labels of disabled widgets: 5.3:1 on white, 4.8:1 on the sidebar grey.
DISABLED_COLOR = "#656a78"
#: Focus ring: 3 px, dark blue, offset so that it shows on any background (3:1 against
#: white and the theme greys, as WCAG 2.1's non-text contrast asks).
FOCUS_COLOR = "#0b4f9c"

BASE_CSS = f"""
<style>
/* Captions and widget help: dark enough for 4.5:1 on white and on the sidebar grey. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] p,
[data-testid="stImageCaption"], [data-testid="stWidgetLabel"] small {{
  color: {CAPTION_COLOR} !important; opacity: 1 !important;
}}
/* Disabled widgets' labels: still lighter than live ones, but readable (Streamlit fades
   them to #a5a7ac, 2.4:1). */
label:has(input:disabled) [data-testid="stMarkdownContainer"] p,
label:has(input:disabled) p, [data-testid="stWidgetLabel"][disabled] p,
[data-testid="stWidgetLabel"][aria-disabled="true"] p {{
  color: {DISABLED_COLOR} !important; opacity: 1 !important;
}}
/* A visible focus ring on everything a keyboard can reach. */
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
select:focus-visible, summary:focus-visible, [tabindex]:focus-visible,
[role="tab"]:focus-visible, [role="slider"]:focus-visible, [role="switch"]:focus-visible,
[role="checkbox"]:focus-visible, [role="radio"]:focus-visible,
[role="combobox"]:focus-visible, .js-plotly-plot:focus-visible {{
  outline: 3px solid {FOCUS_COLOR} !important; outline-offset: 2px !important;
}}
/* Code blocks wrap instead of scrolling sideways: a scrolling box is a keyboard trap-less
   dead end (axe: scrollable-region-focusable) and a phone cannot show a 500 px line. */
[data-testid="stCode"] pre, [data-testid="stCode"] pre code {{
  white-space: pre-wrap !important; overflow-wrap: anywhere;
}}
/* Long tab strips wrap instead of hiding tabs behind a scroll arrow. */
[data-baseweb="tab-list"] {{ flex-wrap: wrap; row-gap: 0.25rem; }}
/* Text only a screen reader reads. */
.a11y-sr-only {{
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}}
.a11y-legend {{ display: flex; flex-wrap: wrap; gap: 0.35rem 1.1rem; margin: 0.2rem 0 0.6rem; }}
.a11y-legend span.item {{ display: inline-flex; align-items: center; gap: 0.4rem; }}
.a11y-swatch {{ display: inline-block; width: 1.15em; height: 1.15em; flex: none;
  box-sizing: border-box; }}
.a11y-scroll {{ overflow-x: auto; max-width: 100%; }}
table.a11y-grid {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
table.a11y-grid caption {{ text-align: left; font-weight: 600; padding-bottom: 0.3rem; }}
table.a11y-grid th, table.a11y-grid td {{ border: 1px solid #c9ced8; padding: 0.15rem 0.5rem;
  text-align: right; }}
table.a11y-grid th {{ background: #f3f5f9; }}
table.a11y-grid td.mark {{ font-weight: 700; outline: 2px solid #1f2430; outline-offset: -3px; }}
</style>
"""


def apply_base_style() -> None:
    """Inject :data:`BASE_CSS` (focus rings, caption contrast, legends, grid tables).

    Called once per run by ``app.py``; ``st.html`` with only a ``<style>`` takes no room.
    """
    st.html(BASE_CSS)


# ------------------------------------------------------------------------------ figure marker


def main_figure(section: str | None = None):
    """The container a page puts its main figure in: ``with a11y.main_figure(): ...``.

    At 1280×720 in presenter mode its top edge must be above the fold (y < 720) after the
    page's title and one row of controls; ``tests/e2e/test_presenter_layout.py`` finds it by
    the class ``st-key-main_figure``. One per page — or, on a page of tabs, one per tab
    (``section``: the tab's code, giving ``st-key-main_figure_<section>``); the test
    measures the one on screen.
    """
    key = MAIN_FIGURE_KEY if section is None else f"{MAIN_FIGURE_KEY}_{section}"
    return st.container(key=key)


# ------------------------------------------------------------------------------ tables


Cell = tuple[int, int]


def grid_table_html(values, caption: str, *, row_labels: Sequence[str] | None = None,
                    col_labels: Sequence[str] | None = None,
                    highlights: Mapping[str, Iterable[Cell]] | None = None,
                    digits: int = 3, blank: np.ndarray | None = None) -> str:
    """A 2-D array as an HTML ``<table>`` a screen reader can walk cell by cell.

    Parameters
    ----------
    values : array_like, (rows, cols)
    caption : str
        What the table is (``"Output Y, 2×2"``): the ``<caption>``.
    row_labels, col_labels : sequence of str, optional
        Header cells (``<th scope="row">`` / ``<th scope="col">``); default ``"row 0"``,
        ``"column 0"``, ... (padding rows of a padded input: pass ``"row −1"`` and so on).
    highlights : mapping of str to iterable of (row, col), optional
        Marked cells, by what marks them (``{"window": [(0, 0), (0, 1)]}``): the word is
        written into the cell (``"19 (window)"``), bold and framed, so nothing is told by
        colour alone.
    digits : int
        Significant digits (``convcore.trace.format_number``).
    blank : array of bool, optional
        ``(rows, cols)``: cells shown as "hidden" (a quiz answer not revealed yet).

    Returns
    -------
    str
        ``<table class="a11y-grid">`` markup; every label HTML-escaped.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"the grid to show as numbers must be 2-D, got shape {arr.shape}")
    rows, cols = arr.shape
    rlab = (list(row_labels) if row_labels is not None
            else [_("row {r}").format(r=r) for r in range(rows)])
    clab = (list(col_labels) if col_labels is not None
            else [_("column {c}").format(c=c) for c in range(cols)])
    if len(rlab) != rows or len(clab) != cols:
        raise ValueError(f"row_labels/col_labels must have {rows} and {cols} entries, got "
                         f"{len(rlab)} and {len(clab)}")
    marks: dict[Cell, list[str]] = {}
    for word, cells in (highlights or {}).items():
        for r, c in cells:
            if not (0 <= r < rows and 0 <= c < cols):
                raise ValueError(f"highlighted cell ({r}, {c}) is outside the {rows}×{cols} "
                                 "grid")
            marks.setdefault((int(r), int(c)), []).append(word)
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in clab)
    body = []
    for r in range(rows):
        tds = []
        for c in range(cols):
            hidden = blank is not None and bool(blank[r, c])
            text = _("hidden") if hidden else format_number(arr[r, c], digits=digits)
            words = marks.get((r, c))
            if words:
                text += f" ({', '.join(words)})"
                tds.append(f'<td class="mark">{esc(text)}</td>')
            else:
                tds.append(f"<td>{esc(text)}</td>")
        body.append(f'<tr><th scope="row">{esc(str(rlab[r]))}</th>{"".join(tds)}</tr>')
    return (f'<table class="a11y-grid"><caption>{esc(caption)}</caption>'
            f'<thead><tr><td></td>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def show_as_numbers(values, caption: str, *, label: str | None = None,
                    expanded: bool = False, **table_kwargs) -> None:
    """An expander "Show as numbers: <caption>" holding the grid as a real HTML table.

    The text alternative of a heatmap: pair every grid figure with one (a figure of several
    panels: one call per panel, or one table per panel inside one expander of your own
    with :func:`grid_table_html`). ``table_kwargs`` go to :func:`grid_table_html`.
    """
    with st.expander(label or _("Show as numbers: {caption}").format(caption=caption),
                     expanded=expanded):
        # focusable and named: a table wider than the column (a 16×9 patch matrix on a
        # projector ran past the window's edge) scrolls inside its own box
        st.html(f'<div class="a11y-scroll" tabindex="0" role="region" '
                f'aria-label="{html.escape(caption)}">'
                f"{grid_table_html(values, caption, **table_kwargs)}</div>")


# ------------------------------------------------------------------------------ live text


def live_region(text: str, *, visible: bool = True, markdown: bool = False) -> None:
    """``text`` in a ``role="status"`` / ``aria-live="polite"`` box: screen readers read it
    out when it changes (the current step's sum, a new loss, a quiz verdict).

    ``visible=False`` keeps it for screen readers only. ``markdown=True`` renders ``**bold**``
    (only that; everything else is escaped). Streamlit's ``st.html`` keeps ``role`` and
    ``aria-*`` attributes (checked in the browser test of this module).
    """
    body = html.escape(text)
    if markdown:
        parts = body.split("**")
        body = "".join(f"<strong>{p}</strong>" if k % 2 else p for k, p in enumerate(parts))
    cls = "a11y-live" if visible else "a11y-live a11y-sr-only"
    st.html(f'<div class="{cls}" role="status" aria-live="polite">{body}</div>')


# ------------------------------------------------------------------------------ keyboard

#: What the animation keys do, said once for the aria-label and the visible hint.
ANIMATION_KEYS_TEXT = N_("Space or K: play or pause; left and right arrows: one step back or "
                         "forward; Home and End: first and last step")

#: No "<" may appear inside the script: Streamlit's sanitiser (DOMPurify) drops an element
#: whose text looks like markup, and the script silently never runs.
_ANIMATION_SCRIPT = r"""
<div class="a11y-sr-only" role="status" aria-live="polite" id="%(live_id)s"></div>
<script>
(function () {
  const cfg = %(cfg)s;
  const key = cfg.key;
  function strip(t) { const d = document.createElement('div'); d.innerHTML =
      (t || '').replace(/\x3cbr>/g, ' '); return d.textContent; }
  function attach() {
    const cfg = window.__a11yAnimations[key];  // the latest run's label
    const box = document.querySelector('.st-key-' + cfg.key + ' .js-plotly-plot');
    if (!box || !box._fullLayout || !window.Plotly) { return false; }
    if (box.dataset.a11yKeys === '1') { return true; }
    box.dataset.a11yKeys = '1';
    box.setAttribute('tabindex', '0');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-roledescription', 'animation');
    box.setAttribute('aria-label', cfg.label + '. ' + cfg.keys);
    box.setAttribute('aria-keyshortcuts', 'Space K ArrowLeft ArrowRight Home End');
    let playing = false;
    // The figure on this node can change (new settings): read its frames when a key is hit.
    const frames = () => (box._transitionData && box._transitionData._frames || []).length;
    const normalMs = () => (box.layout.meta || {}).normal_ms || 300;
    const jump = {mode: 'immediate', frame: {duration: 0, redraw: false},
                  transition: {duration: 0}};
    function current() { const s = box._fullLayout.sliders;
      return s && s.length ? (s[0].active || 0) : 0; }
    function announce() { const live = document.getElementById(cfg.liveId);
      const a = box._fullLayout.annotations;
      if (live && a && a.length) { live.textContent = cfg.stepText
        .replace('{step}', current() + 1).replace('{total}', frames()) + ': ' +
        strip(a[0].text); } }
    function go(k) { k = Math.max(0, Math.min(frames() - 1, k)); playing = false;
      window.Plotly.animate(box, [String(k)], jump).then(announce); }
    box.on('plotly_animated', function () { playing = false; announce(); });
    box.on('plotly_animationinterrupted', function () { playing = false; });
    box.addEventListener('keydown', function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
      const hit = ev.key;
      if (hit === ' ' || hit === 'k' || hit === 'K') {
        if (playing) { playing = false; window.Plotly.animate(box, [null], jump).then(announce); }
        else { playing = true;
          const play = function () { return window.Plotly.animate(box, null, {mode: 'immediate',
            fromcurrent: true, frame: {duration: normalMs(), redraw: false},
            transition: {duration: 0}}); };
          if (current() >= frames() - 1) { window.Plotly.animate(box, ['0'], jump).then(play); }
          else { play(); } }
      } else if (hit === 'ArrowRight') { go(current() + 1);
      } else if (hit === 'ArrowLeft') { go(current() - 1);
      } else if (hit === 'Home') { go(0);
      } else if (hit === 'End') { go(frames() - 1);
      } else { return; }
      ev.preventDefault();
    });
    return true;
  }
  // Streamlit may replace the chart's node (a rerun, a resize): keep one watcher per chart
  // for the life of the tab, re-attaching to whichever node is there.
  window.__a11yAnimations = window.__a11yAnimations || {};
  const known = window.__a11yAnimations[cfg.key];
  window.__a11yAnimations[cfg.key] = cfg;
  if (known) { return; }
  setInterval(attach, 400);
  attach();
})();
</script>
"""


def animation_keys(chart_key: str, label: str) -> None:
    """Make the Plotly animation drawn with ``key=chart_key`` operable by keyboard.

    The chart becomes focusable (``tabindex=0``, a visible focus ring) with an
    ``aria-label`` that names the keys: Space/K play or pause, ←/→ step, Home/End jump
    (Plotly's own ``animate``, so the slider and the step text follow), and each step
    reached by a key — or the step where playing stops — is read out from a hidden live
    region ("Step 3 of 4: out[1, 0] = ..."). Draw it right after the chart; a short visible
    hint is written too.

    Parameters
    ----------
    chart_key : str
        The ``key=`` given to ``st.plotly_chart`` (``controls.show_chart``).
    label : str
        What the animation shows ("Sliding-window animation").
    """
    cfg = {"key": chart_key, "label": label, "keys": _(ANIMATION_KEYS_TEXT),
           "stepText": _("Step {step} of {total}"), "liveId": f"a11y-live-{chart_key}"}
    st.html(_ANIMATION_SCRIPT % {"cfg": json.dumps(cfg), "live_id": cfg["liveId"]},
            unsafe_allow_javascript=True)
    st.caption(_("Keyboard: Tab to the animation, then {keys}.").format(
        keys=_(ANIMATION_KEYS_TEXT)))


def cell_picker(out_hw: tuple[int, int], pick_key: str, *, key: str, kind: str = "output",
                label: str = N_("Inspect output cell"), where=None) -> tuple[int, int]:
    """Row and column inputs that pick a cell: the keyboard's way to do what a click does.

    The pick lives in ``st.session_state[pick_key]`` as ``(kind, row, col)``, the format of
    ``ui.state.store_pick`` (a click on the figure writes the same key, and the inputs
    follow it). Returns the picked ``(row, col)`` when the current pick is of ``kind``,
    else the inputs' values.
    """
    parent = st if where is None else where
    rows, cols = out_hw
    row_key, col_key = f"{key}_row", f"{key}_col"
    state = st.session_state
    picked = state.get(pick_key)
    if picked and picked[0] == kind and 0 <= picked[1] < rows and 0 <= picked[2] < cols:
        state[row_key], state[col_key] = int(picked[1]), int(picked[2])
    for k, side in ((row_key, rows), (col_key, cols)):
        if k not in state or not 0 <= int(state[k]) < side:
            state[k] = 0

    def store() -> None:
        state[pick_key] = (kind, int(state[row_key]), int(state[col_key]))

    c1, c2 = parent.columns(2)
    r = c1.number_input(_("{label}: row").format(label=_(label)), 0, rows - 1, step=1,
                        key=row_key, on_change=store,
                        help=_("0 to {last}, counted from the top").format(last=rows - 1))
    c = c2.number_input(_("{label}: column").format(label=_(label)), 0, cols - 1, step=1,
                        key=col_key, on_change=store,
                        help=_("0 to {last}, counted from the left").format(last=cols - 1))
    return int(r), int(c)


# ------------------------------------------------------------------------------ legends


@dataclass(frozen=True)
class LegendItem:
    """One entry of a :func:`text_legend`: a drawn swatch (no emoji) and its words.

    Attributes
    ----------
    label : str
        What the swatch means, in words ("padding (hatched, dashed border)"), in English
        and marked with ``N_``: the legend translates it.
    fill : str
        CSS colour of the swatch.
    border : str
        CSS border (``"3px solid #111111"``, ``"2px dashed #596275"``).
    hatch : bool
        Diagonal stripes over the fill (the padding pattern).
    """

    label: str
    fill: str = "#ffffff"
    border: str = "1px solid #596275"
    hatch: bool = False


LEGEND_WINDOW = LegendItem(N_("window: thick black frame"), "#ffffff", "3px solid #111111")
LEGEND_PADDING = LegendItem(N_("padding: hatched grey, dashed border"), "#eceef2",
                            "2px dashed #596275", hatch=True)
LEGEND_PICKED = LegendItem(N_("picked cell: orange-red frame"), "#ffffff",
                           "3px solid #d55e00")
LEGEND_FED = LegendItem(N_("cells it feeds: dotted orange frame"), "#ffffff",
                        "3px dotted #e69f00")
LEGEND_NOT_YET = LegendItem(N_("not computed yet: plain grey"), "#e3e7ed",
                            "1px solid #c9ced8")


def legend_html(items: Sequence[LegendItem]) -> str:
    """The markup of :func:`text_legend` (an ``aria-hidden`` swatch plus words per item)."""
    parts = []
    for item in items:
        style = f"background-color:{item.fill};border:{item.border};"
        if item.hatch:
            style += ("background-image:repeating-linear-gradient(45deg,rgba(90,98,112,.55) "
                      "0 2px,transparent 2px 6px);")
        parts.append(f'<span class="item"><span class="a11y-swatch" aria-hidden="true" '
                     f'style="{html.escape(style)}"></span>{html.escape(_(item.label))}</span>')
    return f'<div class="a11y-legend" role="list">{"".join(parts)}</div>'.replace(
        '<span class="item">', '<span class="item" role="listitem">')


def text_legend(items: Sequence[LegendItem]) -> None:
    """A legend of drawn swatches and words: readable without an emoji font and without
    telling colours apart (each swatch differs by border or pattern too)."""
    st.html(legend_html(items))
