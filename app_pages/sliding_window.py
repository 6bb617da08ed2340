"""Sliding window: watch a kernel slide over an input, one sum of products at a time.

Thin page: widgets (ui.controls) → numbers (convcore) → figures (ui.figures). The animation
plays in the browser; the built figure is cached per setting and treated as read-only.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from convcore import (
    WindowTrace,
    cell_arithmetic,
    conv2d,
    convolve2d,
    corr2d,
    format_number,
    get_kernel,
    window_trace,
)
from convcore.padding import pad
from convcore.shapes import explain_conv_output_shape, size_text
from ui import a11y, code_panel, controls, i18n, presenter, quiz, shared_cache, state
from ui import figures as F
from ui import url_state as us
from ui.downloads import download_array_buttons, download_gif_button
from ui.export import animation_gif, gif_plan_note
from ui.i18n import N_, _

IN, KER, GEO = f"{state.SW}_in", f"{state.SW}_k", f"{state.SW}_geo"
PAGE = "app_pages/sliding_window.py"
#: The page's settings in the URL (input, kernel, bias, operation, padding, stride, ...).
URL = us.UrlSchema(state.SW, [
    *us.input_params(IN, short="i"),
    *us.kernel_params(KER),
    *us.conv_params(GEO),
    us.UrlParam(state.SW_BIAS, "float", 0.0, min=-100.0, max=100.0, name="bias"),
    us.UrlParam(state.SW_OPERATION, "choice", state.CROSS_CORRELATION,
                choices=[state.CROSS_CORRELATION, state.TRUE_CONVOLUTION], name="op",
                label=N_("operation")),
    us.UrlParam(state.SW_EDGE_TRANSPOSED, "bool", False, name="et",
                label=N_("edge image transposed")),
    us.UrlParam(state.SW_PICK_TEXT, "str", state.pick_text(state.SW_PICK_DEFAULT),
                name="cell", label=N_("picked cell"), max_len=24,
                to_state=state.pick_state),
    quiz.url_param(state.SW),
])
#: The operations as the radio shows them (the values stay English: links use them).
OPERATION_NAMES = {state.CROSS_CORRELATION: N_("Cross-correlation"),
                   state.TRUE_CONVOLUTION: N_("True convolution")}
CHART_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d",
                                           "zoomIn2d", "zoomOut2d", "autoScale2d",
                                           "resetScale2d"]}
#: Most output cells listed one by one under "Every step as text".
MAX_LISTED_STEPS = 144
#: Most cells per side taken from Your image's patch: with a kernel beside it and the output,
#: 12 cells still leave each cell ≈ 30 px, room to print "0.54" ("number by number").
SESSION_PATCH_CELLS = 12
#: Largest side of the whole-image views.
DISPLAY_SIDE = 520


# ------------------------------------------------------------------------------ numbers


@dataclass(frozen=True, eq=False)
class Computed:
    """Everything the page shows about one convolution, all from convcore."""

    x: np.ndarray
    kernel: np.ndarray  # the kernel that is cross-correlated (flipped for true convolution)
    bias: float
    padding_mode: str
    trace: WindowTrace
    padded: np.ndarray
    pad_mask: np.ndarray
    output: np.ndarray
    formulas: list

    def arithmetic(self, i: int, j: int):
        t = self.trace
        return cell_arithmetic(self.x, self.kernel, i, j, stride=t.stride, padding=t.pads,
                               dilation=t.dilation, bias=self.bias,
                               padding_mode=self.padding_mode)


def padding_mask(trace: WindowTrace) -> np.ndarray:
    """True on the padded cells of the padded input (indexing only)."""
    (top, _bottom), (left, _right) = trace.pads
    mask = np.ones(trace.padded_hw, dtype=bool)
    mask[top:top + trace.in_hw[0], left:left + trace.in_hw[1]] = False
    return mask


def compute(x: np.ndarray, kernel: np.ndarray, bias: float,
            settings: controls.ConvSettings) -> Computed:
    """Run convcore; raises ValueError/TypeError (explained to the user) for bad settings."""
    trace = window_trace(x.shape, kernel.shape, settings.stride, settings.padding,
                         settings.dilation)
    padded = pad(x, trace.pads, settings.padding_mode)
    output = conv2d(x, kernel, bias=bias if bias else None, stride=trace.stride,
                    padding=trace.pads, dilation=trace.dilation,
                    padding_mode=settings.padding_mode)
    formulas = explain_conv_output_shape(x.shape, kernel.shape, trace.stride, trace.pads,
                                         trace.dilation)
    return Computed(x, kernel, float(bias), settings.padding_mode, trace, padded,
                    padding_mask(trace), output, formulas)


def panels(c: Computed, *, image: bool, flipped: bool, click: bool) -> list[F.Panel]:
    t = c.trace
    (top, _unused), (left, _unused2) = t.pads
    in_title = _("<b>Input</b> {size}").format(size=size_text(t.in_hw))
    if c.pad_mask.any():
        in_title += " " + _("<span style='color:{color}'>padded to {size}</span>").format(
            color=a11y.CAPTION_COLOR, size=size_text(t.padded_hw))
    k_title = (_("<b>Kernel flipped</b> {size}") if flipped else _("<b>Kernel</b> {size}")
               ).format(size=size_text(c.kernel.shape))
    if c.bias:
        k_title += " " + _("<span style='color:{color}'>+ bias {bias}</span>").format(
            color=a11y.CAPTION_COLOR, bias=format_number(c.bias))
    out_title = _("<b>Output</b> {size}").format(size=size_text(t.out_hw))
    return [
        F.Panel(c.padded, in_title, pad_mask=c.pad_mask, origin=(top, left), image=image,
                click="input" if click else None, name="input"),
        F.Panel(c.kernel, k_title, name="kernel"),
        F.Panel(c.output, out_title, image=image and bool((c.output >= 0).all()),
                click="output" if click else None, name="output"),
    ]


def digits_for(inp: controls.InputChoice) -> int:
    """Significant digits printed in the cells: two for a photo's intensities (0.54), so
    that a patch's cells still show their numbers."""
    return 2 if inp.source in ("patch", "session") else 3


@st.cache_resource(max_entries=24, show_spinner=False)
def animation(x: np.ndarray, kernel: np.ndarray, bias: float, padding, stride, dilation,
              padding_mode: str, image: bool, flipped: bool, max_cell_px: float,
              digits: int = 3, *, lang: str = "en"):
    """The animated figure for these settings (cached per language; read-only)."""
    settings = controls.ConvSettings(padding, stride, dilation, padding_mode)
    c = compute(x, kernel, bias, settings)
    how, rows = F.plan_steps(c.trace.out_hw)
    if how == "cell":
        texts = [F.arithmetic_text(c.arithmetic(i, j), digits=digits)
                 for i, j in c.trace.steps()]
        steps = F.steps_from_trace(c.trace, texts, mark_taps=max(c.trace.dilation) > 1)
    else:
        texts = [F.row_text(i, c.output[i], digits=digits) for i in rows]
        steps = F.steps_from_trace(c.trace, texts, rows=rows)
    return shared_cache.share(F.animation_figure(
        panels(c, image=image, flipped=flipped, click=False), steps, max_cell_px=max_cell_px,
        digits=digits))


# ------------------------------------------------------------------------------ sections


def controls_section():
    """Title and settings. Presenting: one row (input, kernel, padding, strides) and the
    rest folded; otherwise three boxes side by side."""
    st.title(_("The sliding window"))
    if presenter.presenter_mode():
        row = presenter.main_controls()
        more = presenter.advanced_controls(_(":material/tune: More settings"))
        with row:
            inp = controls.input_picker(IN, page=PAGE, details=more,
                                        patch_cells=SESSION_PATCH_CELLS)
            _take_handed_kernel(inp)
            kern = controls.kernel_editor(KER, details=more)
            settings = controls.conv_settings(GEO, details=more)
        with more:
            bias, operation = _bias_and_operation()
        return inp, kern, float(bias), settings, operation == state.TRUE_CONVOLUTION, None
    st.markdown(_(
        "A convolutional layer slides a small **kernel** over its input. At every position it "
        "multiplies the kernel with the cells under it, adds the products (and a bias), and "
        "writes the sum into one **output** cell. Pick an input and a kernel, press **Play** "
        "under the animation, then pick any cell to see exactly where its number comes "
        "from."))
    col_in, col_k, col_geo = st.columns([1.1, 1, 1.05], gap="medium")
    with col_in, st.container(border=True):
        st.markdown("##### " + _("1 · Input"))
        inp = controls.input_picker(IN, page=PAGE, patch_cells=SESSION_PATCH_CELLS)
        _take_handed_kernel(inp)
        if inp.note:
            st.caption(inp.note)
    with col_k, st.container(border=True):
        st.markdown("##### " + _("2 · Kernel"))
        kern = controls.kernel_editor(KER)
        description = st.empty()
        with presenter.advanced_controls(_(":material/tune: Bias and operation")):
            bias, operation = _bias_and_operation()
    with col_geo, st.container(border=True):
        st.markdown("##### " + _("3 · Padding, stride, dilation"))
        settings = controls.conv_settings(GEO, fold=True)
    flipped = operation == state.TRUE_CONVOLUTION
    return inp, kern, float(bias), settings, flipped, description


def _take_handed_kernel(inp: controls.InputChoice) -> None:
    """Right after "Open in sliding window" on Your image: use the kernel shown there."""
    handed = inp.handed_kernel
    if handed is None:
        return
    weights = getattr(handed, "weights", None)
    name = getattr(handed, "name", controls.CUSTOM)
    st.session_state.update(controls.kernel_state_values(KER, name, weights))


def kernel_caption(kern: controls.KernelChoice, inp: controls.InputChoice,
                   question_open: bool) -> str:
    """The kernel's description, true for this input and giving no quiz answer away."""
    if kern.name == controls.CUSTOM:
        return ""
    on_seed_input = inp.source == "preset" and inp.preset == "arange"
    return controls.kernel_description(kern.name,
                                       with_outputs=on_seed_input and not question_open)


def _bias_and_operation() -> tuple[float, str]:
    c1, c2 = st.columns([1, 1.6])
    bias = c1.number_input(_("Bias"), -100.0, 100.0, step=0.5, key=state.SW_BIAS,
                           format="%g")
    operation = c2.radio(_("Operation"), [state.CROSS_CORRELATION, state.TRUE_CONVOLUTION],
                         key=state.SW_OPERATION, format_func=i18n.option_labels(OPERATION_NAMES),
                         help=_("Deep-learning libraries compute cross-correlation and call "
                                "it convolution. True convolution flips the kernel first."))
    return float(bias), operation


def true_convolution_note(kern: controls.KernelChoice, kernel: np.ndarray,
                          settings: controls.ConvSettings, c: Computed | None,
                          *, show_outputs: bool = True) -> None:
    box = (st.expander(_("True convolution: the flipped kernel"))
           if presenter.presenter_mode() else st.container(border=True))
    with box:
        st.markdown(_(
            "**True convolution = flip the kernel (rotate it 180°), then cross-correlate.** "
            "The window below slides the flipped kernel."))
        fig = shared_cache.figure(F.grid_figure, [
            F.Panel(kern.values, _("<b>K</b> as typed"), name="kernel"),
            F.Panel(kernel, _("<b>K flipped</b> (rows and columns reversed)"), name="flipped")],
            max_cell_px=small_cell_px())
        controls.show_chart(projector_figure(fig), "kernel_flipped",
                            base={"displayModeBar": False}, key="sw_flip_chart")
        if c is not None and show_outputs and _plain_padding_mode(settings):
            mode = settings.padding
            matches = np.allclose(convolve2d(c.x, kern.values, mode=mode) + c.bias, c.output)
            text = (_("Equals `convolve2d(x, K, mode='{mode}')` (SciPy's / MATLAB's true "
                      "convolution), computed separately by convcore.") if matches else
                    _("Differs from `convolve2d(x, K, mode='{mode}')` (SciPy's / MATLAB's "
                      "true convolution), computed separately by convcore."))
            st.caption(text.format(mode=mode))


def _plain_padding_mode(settings: controls.ConvSettings) -> bool:
    # convolve2d's "same" centres even kernels the MATLAB way (extra padding top/left), the
    # opposite of PyTorch's "same": compare only where both conventions agree.
    return (settings.padding in ("valid", "full") and settings.stride == (1, 1)
            and settings.dilation == (1, 1) and settings.padding_mode == "zeros")


AXIS_NAMES = {"height": N_("height"), "width": N_("width")}


def shape_section(c: Computed, inp: controls.InputChoice, *, show_output: bool = True) -> None:
    t = c.trace
    (pt, pb), (pl, pr) = t.pads
    values = {"n": size_text(t.in_hw), "input": inp.label, "k": size_text(c.kernel.shape),
              "pt": pt, "pb": pb, "pl": pl, "pr": pr, "s": size_text(t.stride),
              "d": size_text(t.dilation), "out": size_text(t.out_hw)}
    st.markdown(_(
        "**{n}** input ({input}) · **{k}** kernel · padding top {pt}, bottom {pb}, left {pl}, "
        "right {pr} · stride {s} · dilation {d} → **{out}** output").format(**values))
    lines = [f"{_(AXIS_NAMES.get(f.axis, f.axis)):>6}: {f.line()}" for f in c.formulas]
    st.code("\n".join(lines), language=None)
    for f in c.formulas:
        if f.note:
            st.caption(_("Along the {axis}: {note}.").format(
                axis=_(AXIS_NAMES.get(f.axis, f.axis)), note=f.note))


#: Presenter mode: room added between a panel title and the column numbers under it, once
#: both are enlarged (px), and the widest the step text may run (in characters per line).
PROJECTOR_TITLE_LIFT_PX = 16
#: Width of the page's column at 1280×720 with the sidebar open (what a figure may take).
PROJECTOR_CONTENT_PX = 760


def projector_figure(fig):
    """``fig`` enlarged for a projector (:func:`ui.presenter.scale_figure`), with its panel
    titles lifted clear of the enlarged column numbers and the step text kept inside.

    A local fix for what ``scale_figure`` leaves: it grows fonts but not the room above
    the grids (``ui.figures`` lays that out for 14 px titles).
    """
    if not presenter.presenter_mode():
        return fig
    big = presenter.scale_figure(fig)
    lift = PROJECTOR_TITLE_LIFT_PX
    old_top = big.layout.margin.t or 0
    new_top = old_top + lift
    for k, note in enumerate(big.layout.annotations or ()):
        size = (note.font.size or 14) if note.font else 14
        if note.yshift == 20:  # a panel title over its grid (ui.figures._title_annotation)
            note.yshift = 20 + lift
        elif note.yshift == F.TITLE_PX + 4:  # the animation's step text, above the titles
            lines = max(1, round((old_top - F.TITLE_PX - 16) / F.LINE_PX))
            lines = max(lines, _wrap_step_text(big, k, size))
            note.yshift = 20 + lift + round(1.35 * 26) + 8
            new_top = max(new_top, note.yshift + round(lines * 1.3 * size) + 8)
    grow = new_top - old_top
    big.update_layout(margin=dict(t=new_top), height=(big.layout.height or 0) + grow)
    _space_panels_for_titles(big, 20 + lift)
    _widen_for_titles(big)
    _thin_column_numbers(big)
    return big


def _wrap_step_text(fig, index: int, size: float) -> int:
    """Break the step text (annotation ``index``, in the layout and every frame) at its
    " + " so that no line is wider than the page's column; returns the most lines a step
    needs. Decimals make a 2×2 sum longer than the column at 26 px ("out[0, 0] = 0.32×0 +
    0.32×1 + 0.32×2 + 0.32×3 = 1.9" ran out of the figure, issue 9)."""
    per_line = max(12, int((PROJECTOR_CONTENT_PX - 16) / (0.6 * size)))

    def wrap(text: str) -> str:
        out = []
        for line in str(text).split("<br>"):
            current = ""
            for part in line.split(" + "):
                joined = part if not current else f"{current} + {part}"
                if current and len(re.sub(r"<[^>]+>", "", joined)) > per_line:
                    out.append(current)
                    current = "+ " + part
                else:
                    current = joined
            out.append(current)
        return "<br>".join(out)

    most = 1
    notes = [fig.layout.annotations[index]]
    notes += [frame.layout.annotations[0] for frame in fig.frames or ()
              if frame.layout is not None and frame.layout.annotations and index == 0]
    for note in notes:
        if note.text:
            note.text = wrap(note.text)
            most = max(most, note.text.count("<br>") + 1)
    return most


def _thin_column_numbers(fig) -> None:
    """Number every 2nd, 5th or 10th row and column when the enlarged numbers do not fit
    their cells: Plotly would turn the column numbers on their side, up into the panel
    title ("Input 16×16" over "10 11 12 …" at 1280 px, issue 9), and pile up the rows."""
    layout = fig.layout
    plot_w = (layout.width or 0) - (layout.margin.l or 0) - (layout.margin.r or 0)
    plot_h = (layout.height or 0) - (layout.margin.t or 0) - (layout.margin.b or 0)
    for name in [k for k in layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        axis = layout[name]
        room = plot_w if name.startswith("x") else plot_h
        if axis.tickvals is None or not axis.range or room <= 0:
            continue
        domain = axis.domain or (0.0, 1.0)
        cell = (domain[1] - domain[0]) * room / max(abs(axis.range[1] - axis.range[0]), 1e-9)
        labels = [str(t) for t in (axis.ticktext or axis.tickvals)]
        size = axis.tickfont.size if axis.tickfont and axis.tickfont.size else 12
        need = (0.62 * size * max((len(t) for t in labels), default=1) + 8
                if name.startswith("x") else 1.15 * size)
        if cell >= need:
            continue
        step = next((n for n in (2, 5, 10) if n * cell >= need), 20)
        axis.tickvals = list(axis.tickvals)[::step]
        if axis.ticktext is not None:
            axis.ticktext = list(axis.ticktext)[::step]
        if name.startswith("x"):
            axis.tickangle = 0


def _space_panels_for_titles(fig, title_yshift: int) -> None:
    """Move panels apart so that no enlarged title runs into the next panel's (ui.figures
    spaces them for 14 px titles), shrinking the cells if the figure's width needs it."""
    layout = fig.layout
    meta = layout.meta if isinstance(layout.meta, dict) else {}
    cell = float(meta.get("cell_px") or 0)
    width = layout.width or 0
    left, right = layout.margin.l or 0, layout.margin.r or 0
    old_w = width - left - right
    plot_w = min(old_w, PROJECTOR_CONTENT_PX - left - right)
    if not cell or plot_w <= 0:
        return
    titles = {}
    for note in layout.annotations or ():
        xref = str(note.xref or "")
        if note.yshift == title_yshift and xref.endswith(" domain"):
            size = note.font.size if note.font and note.font.size else 14
            titles[xref.split()[0]] = F.title_width_px(str(note.text or ""), size)
    axes = []
    for k in range(1, 10):
        name = "xaxis" if k == 1 else f"xaxis{k}"
        axis = layout[name] if name in layout else None
        if axis is None or axis.domain is None:
            break
        axes.append((axis.domain[0], name, "x" if k == 1 else f"x{k}"))
    if len(axes) < 2:
        return
    axes.sort()
    gap = F.GAP_CELLS * cell
    first = 0.0
    grids = [(name, (layout[name].domain[1] - d0) * old_w, 1.15 * titles.get(ref, 0.0) + 16)
             for d0, name, ref in axes]

    def spans(factor: float) -> tuple[list, float]:
        x, out = first, []
        for name, grid_w, title_w in grids:
            out.append((name, x, grid_w * factor))
            x += max(grid_w * factor, title_w) + gap * factor
        return out, x - gap * factor

    factor = 1.0
    placed, end = spans(factor)
    while end > plot_w and factor > 0.3:  # shrink the cells until the titles fit
        factor *= 0.95
        placed, end = spans(factor)
    spare = max(0.0, (plot_w - end) / 2)  # centred, as ui.figures lays them out
    for name, start, grid_w in placed:
        layout[name].domain = [(start + spare) / plot_w,
                               min(1.0, (start + spare + grid_w) / plot_w)]
    fig.update_layout(width=round(plot_w + left + right))


def _widen_for_titles(fig) -> None:
    """Add room on the right when an enlarged title runs past the figure's edge (a 1×1
    output's "Output 1×1" at 26 px is wider than its one cell and the margin)."""
    layout = fig.layout
    width = layout.width or 0
    left, right = layout.margin.l or 0, layout.margin.r or 0
    plot_w = width - left - right
    overflow = 0.0
    for note in layout.annotations or ():
        xref = str(note.xref or "")
        if not xref.endswith(" domain"):
            continue
        axis = layout["xaxis" + xref.split()[0][1:]]
        size = (note.font.size if note.font and note.font.size else 14)
        start = left + (axis.domain[0] if axis.domain else 0.0) * plot_w
        lines = str(note.text or "").split("<br>")
        end = start + max(F.title_width_px(line, size) for line in lines)
        overflow = max(overflow, end - width + 8)
    if overflow > 0:  # more room on the right; the panels keep their pixel positions
        fig.update_layout(width=round(width + overflow), margin=dict(r=round(right + overflow)))


def animation_section(c: Computed, fig) -> None:
    t = c.trace
    how, rows = F.plan_steps(t.out_hw)
    with a11y.main_figure():
        controls.show_chart(projector_figure(fig), "sliding_window_animation",
                            base=CHART_CONFIG, key=state.SW_ANIMATION_CHART)
    a11y.animation_keys(state.SW_ANIMATION_CHART, _("Sliding-window animation"))
    if how == "row":
        st.info(_(
            "The output has {cells} cells — too many frames to send to the browser one cell "
            "at a time — so each step computes a whole output row ({steps} steps). Pick any "
            "output cell in **Inspect a cell** to see its own sum.").format(
                cells=f"{t.out_hw[0] * t.out_hw[1]:,}", steps=len(rows)))
    legend = [a11y.LEGEND_WINDOW, a11y.LEGEND_NOT_YET]
    if c.pad_mask.any():
        legend.append(a11y.LEGEND_PADDING)
    a11y.text_legend(legend)
    st.caption(_(
        "Play runs the animation (slow, normal or fast), Pause stops it, and the slider steps "
        "back and forth; with the keyboard, focus the figure and press Space to play or "
        "pause, ← and → to step. Rows and columns are numbered like a matrix, (0, 0) "
        "top-left. Hover a cell for its value; pick one in **Inspect a cell** below to see "
        "its sum."))


def current_pick(c: Computed) -> tuple[str, int, int]:
    """The pinned cell, pulled back to output (0, 0) when the settings moved it away."""
    kind, r, col = st.session_state.get(state.SW_PICK, state.SW_PICK_DEFAULT)
    t = c.trace
    (pt, _unused), (pl, _unused2) = t.pads
    valid = {
        "output": 0 <= r < t.out_hw[0] and 0 <= col < t.out_hw[1],
        "input": 0 <= r < t.in_hw[0] and 0 <= col < t.in_hw[1],
        "padding": -pt <= r < t.padded_hw[0] - pt and -pl <= col < t.padded_hw[1] - pl,
    }.get(kind, False)
    if kind == "padding" and valid:
        valid = bool(c.pad_mask[r + pt, col + pl])
    if not valid:
        st.session_state[state.SW_PICK] = state.SW_PICK_DEFAULT
        return state.SW_PICK_DEFAULT
    return kind, int(r), int(col)


#: Below this cell size the kernel is drawn in its own figure (its numbers stay readable).
SEPARATE_KERNEL_BELOW_PX = 30
#: Width of the figure column of "Inspect a cell" beside its text (1400 px window): the
#: grids are laid out for it, so Streamlit need not shrink the figure (and leave a gap).
INSPECT_COLUMN_PX = 520


def section(title: str):
    """A section of the page: a heading normally, a folded expander when presenting (the
    projector shows the main figure; the rest opens on demand)."""
    if presenter.presenter_mode():
        return st.expander(title)
    st.subheader(title)
    return st.container()


def inspect_section(c: Computed, image: bool, flipped: bool, digits: int) -> None:
    st.caption(_("Click an output cell to pin it (or type its row and column): its window — "
                 "its receptive field — is outlined on the input and its sum written out. "
                 "Click an input cell to see every output cell it feeds."))
    kind, r, col = current_pick(c)
    every = panels(c, image=image, flipped=flipped, click=True)
    room = {} if presenter.presenter_mode() else {"available_px": INSPECT_COLUMN_PX}
    # Shared by every session with these settings; the pinned cell is drawn on a copy.
    fig = shared_cache.figure(F.grid_figure, every, max_cell_px=cell_px(), digits=digits, **room)
    index = {"input": 0, "kernel": 1, "output": 2}
    kernel_fig = None
    if fig.layout.meta["cell_px"] < SEPARATE_KERNEL_BELOW_PX:
        # Large inputs: one cell size for three panels shrinks the kernel to unreadable
        # specks and crowds the titles; draw input and output, the kernel on its own.
        fig = shared_cache.figure(F.grid_figure, [every[0], every[2]], max_cell_px=cell_px(),
                                  digits=digits, **room)
        kernel_fig = shared_cache.editable(shared_cache.figure(
            F.grid_figure, [every[1]], max_cell_px=small_cell_px(), digits=digits))
        index = {"input": 0, "kernel": 0, "output": 1}
    fig = shared_cache.editable(fig)
    t = c.trace
    (pt, _unused), (pl, _unused2) = t.pads
    if presenter.presenter_mode():  # the figure as wide as the page, the text under it
        fig_col, text_col = st.container(), st.container()
    else:
        fig_col, text_col = st.columns([1.25, 1], gap="large")
    with text_col:
        a11y.cell_picker(t.out_hw, state.SW_PICK, key="sw_cell",
                         label=_("Inspect output cell"))
        if kind == "output":
            _explain_output(c, fig, kernel_fig, index, r, col)
        else:
            _explain_input(c, fig, kernel_fig, index, kind, r, col, pt, pl)
    with fig_col:
        controls.show_chart(projector_figure(fig), "sliding_window_cell", base=CHART_CONFIG,
                            key=state.SW_INSPECT_CHART,
                            on_select=state.pick_callback(state.SW_INSPECT_CHART,
                                                          state.SW_PICK),
                            selection_mode=("points",))
        if kernel_fig is not None:
            controls.show_chart(projector_figure(kernel_fig), "sliding_window_kernel",
                                base={"displayModeBar": False}, key="sw_inspect_kernel")
        a11y.text_legend([a11y.LEGEND_PICKED, a11y.LEGEND_FED])
        a11y.show_as_numbers(c.output, _("Output {size}").format(size=size_text(t.out_hw)),
                             highlights={"picked": [(r, col)]} if kind == "output" else None)


def _explain_output(c: Computed, fig, kernel_fig, index: dict, i: int, j: int) -> None:
    t = c.trace
    F.add_outline(fig, index["input"], [t.window_box(i, j)], color=F.PICK_COLOR,
                  name="pick:window")
    if max(t.dilation) > 1:
        taps = list(zip(t.padded_rows[i, j].ravel().tolist(),
                        t.padded_cols[i, j].ravel().tolist(), strict=True))
        F.add_marks(fig, index["input"], taps, color=F.PICK_COLOR, name="pick:taps")
    F.add_outline(fig, index["output"], [(i, j, i, j)], color=F.PICK_COLOR, name="pick:cell")
    arith = c.arithmetic(i, j)
    a11y.live_region(_("**Output cell ({i}, {j})** = **{value}**").format(
        i=i, j=j, value=format_number(c.output[i, j])), markdown=True)
    arith_line = F.arithmetic_text(arith, html=False).replace("\n", " ")
    st.code("\n".join(F.wrap_sum(arith_line)), language=None, wrap_lines=True)
    tap, cell, value, weight, product = (_("kernel tap"), _("input cell"), _("value"),
                                         _("weight"), _("product"))
    rows = [{tap: f"K[{a}, {b}]",
             cell: _("padding") if term.is_padding else f"x[{term.input[0]}, {term.input[1]}]",
             value: format_number(term.value), weight: format_number(term.weight),
             product: format_number(term.product)}
            for term in arith.terms for a, b in [term.kernel]]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 330))
    n_pad = sum(term.is_padding for term in arith.terms)
    if n_pad:
        if c.padding_mode == "zeros":
            text = _("{n} of the {total} taps fall on padding (value 0).")
        else:
            text = _("{n} of the {total} taps fall on padding (values copied by '{mode}' "
                     "padding).")
        st.caption(text.format(n=n_pad, total=len(arith.terms), mode=c.padding_mode))


def _explain_input(c: Computed, fig, kernel_fig, index: dict, kind: str, r: int, col: int,
                   pt: int, pl: int) -> None:
    t = c.trace
    pr, pc = r + pt, col + pl
    F.add_outline(fig, index["input"], [(pr, pc, pr, pc)], color=F.PICK_COLOR,
                  name="pick:input")
    if kind == "input":
        fed = t.outputs_fed_by(r, col)
        what = _("**Input cell ({r}, {c})** = **{value}**").format(
            r=r, c=col, value=format_number(c.x[r, col]))
    else:
        hits = np.nonzero((t.padded_rows == pr) & (t.padded_cols == pc))
        fed = sorted(zip(*(h.tolist() for h in hits), strict=True))
        what = _("**Padding cell ({r}, {c})** = **{value}**").format(
            r=r, c=col, value=format_number(c.padded[pr, pc]))
    a11y.live_region(what, markdown=True)
    if not fed:
        st.info(_("No window reaches this cell: the stride or the dilation skips it, so it "
                  "has no effect on the output at all."))
        return
    F.add_outline(fig, index["output"], [(i, j, i, j) for i, j, _a, _b in fed],
                  color=F.FEED_COLOR, name="pick:fed")
    F.add_outline(kernel_fig if kernel_fig is not None else fig, index["kernel"],
                  sorted({(a, b, a, b) for _i, _j, a, b in fed}), color=F.FEED_COLOR,
                  name="pick:taps")
    st.markdown(i18n.n_("It feeds **{n}** output cell, through this kernel weight:",
                        "It feeds **{n}** output cells, each through a different kernel "
                        "weight:", len(fed)).format(n=len(fed)))
    lines = [f"out[{i}, {j}]  via K[{a}, {b}] = {format_number(c.kernel[a, b])}"
             for i, j, a, b in fed]
    st.code("\n".join(lines), language=None)


def steps_text_section(c: Computed) -> None:
    t = c.trace
    n = t.out_hw[0] * t.out_hw[1]
    with st.expander(_("Every step as text ({n} output cells)").format(n=n),
                     expanded=n <= 4 and not presenter.presenter_mode()):
        if n > MAX_LISTED_STEPS:
            st.caption(_("Showing the first {shown} of {n} cells.").format(
                shown=MAX_LISTED_STEPS, n=n))
        cells = t.steps()[:MAX_LISTED_STEPS]
        st.code("\n".join(F.arithmetic_text(c.arithmetic(i, j), html=False).replace("\n", " ")
                          for i, j in cells), language=None)


def edge_values(transposed: bool) -> dict:
    """Session writes that load the edge example (X, or Xᵀ when ``transposed``) into the
    animation at the top of the page."""
    values = {**controls.kernel_state_values(KER, "edge"),
              f"{GEO}_padding": "valid", f"{GEO}_stride_h": 1, f"{GEO}_stride_w": 1,
              f"{GEO}_dilation_h": 1, f"{GEO}_dilation_w": 1,
              state.SW_OPERATION: state.CROSS_CORRELATION, state.SW_BIAS: 0.0,
              state.SW_PICK: ("output", 0, 1)}
    if not transposed:
        return {**controls.input_state_values(IN, "edge"), **values}
    xt = controls.edge_image().T
    return {f"{IN}_source": "typed", f"{IN}_text": controls.format_grid(xt),
            f"{IN}_valid": xt, **values, state.SW_PICK: ("output", 1, 0)}


def edge_section(question_open: bool) -> None:
    st.markdown(_(
        "**X** is a 6×8 image: white (1) on the left and right, a black (0) band in columns "
        "2–5. The kernel **K = [1, −1]** takes each pixel minus its right-hand neighbour, so "
        "it answers *does the brightness change going right?*"))
    transposed = st.toggle(_("Transpose the image (use Xᵀ: the band becomes horizontal)"),
                           key=state.SW_EDGE_TRANSPOSED)
    x = controls.edge_image()
    if transposed:
        x = x.T
    k = get_kernel("edge").array
    y = corr2d(x, k)
    x_name = "Xᵀ" if transposed else "X"
    shown = [F.Panel(x, f"<b>{x_name}</b> {size_text(x.shape)}", image=True, name="input"),
             F.Panel(k, "<b>K</b> = [1, −1]", name="kernel")]
    if not question_open:
        shown.append(F.Panel(y, f"<b>Y = {x_name} ⋆ K</b> {size_text(y.shape)}",
                             name="output"))
    fig = shared_cache.figure(F.grid_figure, shown, max_cell_px=small_cell_px())
    controls.show_chart(projector_figure(fig), "edge_detection", base={"displayModeBar": False},
                        key=state.SW_EDGE_CHART)
    if question_open:
        st.caption(_("Y is hidden while the question above waits for your answer."))
    else:
        a11y.show_as_numbers(y, _("Y = {x} ⋆ K, {size}").format(x=x_name,
                                                                 size=size_text(y.shape)))
        _edge_verdict(y)
    label = (_("Animate Xᵀ at the top of the page") if transposed else
             _("Animate this example at the top of the page"))
    st.button(label, key="sw_edge_load", icon=":material/play_arrow:",
              on_click=state.set_values(edge_values(transposed)))


def _edge_verdict(y: np.ndarray) -> None:
    ones = [j for j in range(y.shape[1]) if np.all(y[:, j] == 1)]
    minus = [j for j in range(y.shape[1]) if np.all(y[:, j] == -1)]
    if not np.any(y):
        st.success(_(
            "Y is all zeros ({size}): every row of Xᵀ is constant, so no pixel differs from "
            "its right-hand neighbour. The kernel only sees **vertical** edges; a horizontal "
            "edge needs the transposed kernel [1, −1]ᵀ.").format(size=size_text(y.shape)))
    else:
        if len(ones) == 1 and len(minus) == 1:
            text = _("Column {ones} of Y is all **1** (white → black going right); column "
                     "{minus} is all **−1** (black → white); every other output is 0: nothing "
                     "changes there.")
        else:
            text = _("Columns {ones} of Y are all **1** (white → black going right); columns "
                     "{minus} are all **−1** (black → white); every other output is 0: "
                     "nothing changes there.")
        st.success(text.format(ones=", ".join(map(str, ones)), minus=", ".join(map(str, minus))))


@st.cache_resource(max_entries=16, show_spinner=False)
def full_image_output(image_key: str, _gray: np.ndarray, kernel: np.ndarray, bias: float,
                      padding, stride, dilation, padding_mode: str):
    """The kernel applied to the whole image at full resolution, and the seconds it took."""
    start = time.perf_counter()
    out = conv2d(_gray, kernel, bias=bias if bias else None, stride=stride, padding=padding,
                 dilation=dilation, padding_mode=padding_mode)
    out.flags.writeable = False
    return out, time.perf_counter() - start


COLOUR_WORDS = {"gray": N_("black = 0, white = the largest value"),
                "diverging": N_("red negative, white 0, blue positive"),
                "sequential": N_("white 0, blue positive"),
                "negative": N_("red negative, white 0")}


def full_image_section(inp: controls.InputChoice, kernel: np.ndarray, bias: float,
                       settings: controls.ConvSettings) -> None:
    photo = inp.photo
    if photo is None:
        photo = controls.image_source(state.SW_FULL_IMAGE, label=N_("Image"))
    else:
        st.caption(_("The photo your patch comes from: {name}.").format(name=photo.label))
    if photo is None:
        return
    try:
        with st.spinner(_("Convolving the whole image…")):
            out, seconds = full_image_output(photo.key, photo.gray, kernel, bias,
                                             settings.padding, settings.stride,
                                             settings.dilation, settings.padding_mode)
    except (ValueError, TypeError) as err:
        st.warning(_("These settings do not work on this image: {reason}").format(reason=err))
        return
    made_by = (photo.key, kernel.tobytes(), kernel.shape, bias, settings)
    shown_in, shown_out, kind = shared_cache.photo_pictures(made_by, photo.gray, out,
                                                            DISPLAY_SIDE)
    left, right = st.columns(2)
    left.image(shown_in,
               caption=_("Input, {size} pixels").format(size=size_text(photo.gray.shape)),
               width="stretch", output_format="PNG",
               alt=_("{name}, the input image, in grey").format(name=photo.label))
    colours = _(COLOUR_WORDS[kind])
    right.image(shown_out,
                caption=_("Output, {size} values (from {low} to {high}; {colours})").format(
                    size=size_text(out.shape), low=format_number(float(out.min())),
                    high=format_number(float(out.max())), colours=colours),
                width="stretch", output_format="PNG",
                alt=_("{name} after the kernel: the output, {colours}").format(
                    name=photo.label, colours=colours))
    st.caption(_("Computed by convcore at full resolution in {ms} ms; both pictures are "
                 "shrunk to at most {side} pixels only for display.").format(
                     ms=f"{seconds * 1000:.0f}", side=DISPLAY_SIDE))


# ------------------------------------------------------------------------------ page


def cell_px() -> float:
    """Largest cell side of the static grids: larger in presenter mode."""
    if presenter.presenter_mode():
        return presenter.figure_scale()["max_cell_px"]
    return F.MAX_CELL_PX


def small_cell_px() -> float:
    """Cell side of the small side figures (flipped kernel, edge example, lone kernel)."""
    return cell_px() if presenter.presenter_mode() else 44


def quiz_cell(c: Computed) -> tuple[int, int]:
    """The output cell the quiz asks about: the inspected one (output (0, 0) by default)."""
    kind, r, col = current_pick(c)
    return (r, col) if kind == "output" else (0, 0)


def hidden_output_section(c: Computed, inp: controls.InputChoice, flipped: bool,
                          cell: tuple[int, int]) -> None:
    """Input and kernel with the asked window outlined; the output stays hidden."""
    shown = panels(c, image=inp.image, flipped=flipped, click=False)[:2]
    fig = F.grid_figure(shown, max_cell_px=cell_px(), digits=digits_for(inp))
    F.add_outline(fig, 0, [c.trace.window_box(*cell)], color=F.PICK_COLOR, name="quiz:window")
    with a11y.main_figure():
        controls.show_chart(projector_figure(fig), "sliding_window_question", base=CHART_CONFIG,
                            key="sw_quiz_chart")
    st.caption(_("The output is hidden until you answer. Multiply the cells in the window "
                 "framed in orange-red by the kernel, add the products (and the bias)."))


def downloads_section(c: Computed, kernel: np.ndarray) -> None:
    with st.expander(_(":material/download: Download the numbers and the animation")):
        download_array_buttons(_("Output"), c.output, key="sw_dl_out", file_stem="sw_output")
        download_array_buttons(_("Padded input"), c.padded, key="sw_dl_in",
                               file_stem="sw_padded_input")
        t = c.trace
        download_gif_button(_("Animation (GIF)"), _gif_maker(c, kernel, i18n.current_language()),
                            key="sw_dl_gif", file_name="sliding_window.gif")
        st.caption(gif_plan_note(t.out_hw) + " " +
                   _("The camera icon above a chart saves it as PNG."))


def _gif_maker(c: Computed, kernel: np.ndarray, lang: str):
    def make() -> bytes:
        with i18n.use_language(lang):
            return animation_gif(c.padded, kernel, c.output, c.trace, image=False)

    return make


def main() -> None:
    us.sync_from_url(URL)
    state.init_defaults(state.SLIDING_WINDOW_DEFAULTS)
    inp, kern, bias, settings, flipped, description = controls_section()
    kernel = np.flip(kern.values) if flipped else kern.values
    try:
        c = compute(inp.values, kernel, bias, settings)
    except (ValueError, TypeError) as err:
        c = None
        st.warning(_("**No output with these settings.** {reason}. Try a smaller kernel or "
                     "dilation, more padding (\"full\" always works with stride 1), or a "
                     "larger input.").format(reason=err), icon=":material/warning:")
    quiz.quiz_enabled(state.SW)
    revealed = True
    if c is not None:
        figure_slot = st.container()
        i, j = quiz_cell(c)
        revealed = quiz.ask_number(
            state.SW, "cell", _("What is output cell ({i}, {j})?").format(i=i, j=j),
            float(c.output[i, j]),
            explanation=_("The sum of the products of the window and the kernel, plus the "
                          "bias.") if c.bias else
            _("The sum of the products of the window and the kernel."))
        with figure_slot:
            if revealed:
                fig = animation(inp.values, kernel, bias, c.trace.pads, c.trace.stride,
                                c.trace.dilation, settings.padding_mode, inp.image, flipped,
                                cell_px(), digits_for(inp), lang=i18n.current_language())
                animation_section(c, fig)
            else:
                hidden_output_section(c, inp, flipped, (i, j))
    if description is not None:
        caption = kernel_caption(kern, inp, not revealed)
        if caption:
            description.caption(caption)
    if flipped:
        true_convolution_note(kern, kernel, settings, c, show_outputs=revealed)
    if c is not None:
        shape_section(c, inp)
        if revealed:
            steps_text_section(c)
            with section(_("Inspect a cell")):
                inspect_section(c, inp.image, flipped, digits_for(inp))
            downloads_section(c, kernel)
            named = settings.padding if settings.padding in ("same", "valid") else None
            code_panel.conv_panel("sw_code", inp.values, kern.values, bias or None,
                                  stride=c.trace.stride, padding=named or c.trace.pads,
                                  dilation=c.trace.dilation,
                                  padding_mode=settings.padding_mode, flipped=flipped)
    quiz.score_badge(state.SW)
    st.divider()
    with section(_("Edge detection, the d2l example")):
        edge_section(question_open=not revealed)
    st.divider()
    with section(_("The same kernel on a whole image")):
        full_image_section(inp, kernel, bias, settings)
    kind_row_col = st.session_state.get(state.SW_PICK, state.SW_PICK_DEFAULT)
    st.session_state[state.SW_PICK_TEXT] = state.pick_text(kind_row_col)
    us.sync_to_url(URL)
    with st.expander(_(":material/link: Share this view")):
        us.share_link_box()


main()
