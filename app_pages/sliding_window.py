"""Sliding window: watch a kernel slide over an input, one sum of products at a time.

Thin page: widgets (ui.controls) → numbers (convcore) → figures (ui.figures). The animation
plays in the browser; the built figure is cached per setting and treated as read-only.
"""

from __future__ import annotations

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
    downsample,
    format_number,
    get_kernel,
    to_uint8,
    window_trace,
)
from convcore.padding import pad
from convcore.shapes import explain_conv_output_shape, size_text
from ui import a11y, controls, presenter, quiz, state
from ui import figures as F
from ui import url_state as us
from ui.downloads import download_array_buttons, download_gif_button
from ui.export import animation_gif, gif_plan_note

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
                label="operation"),
    quiz.url_param(state.SW),
])
CHART_CONFIG = {"displaylogo": False,
                "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d",
                                           "zoomIn2d", "zoomOut2d", "autoScale2d",
                                           "resetScale2d"]}
#: Most output cells listed one by one under "Every step as text".
MAX_LISTED_STEPS = 144
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
    (top, _), (left, _) = trace.pads
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
    (top, _), (left, _) = t.pads
    in_title = f"<b>Input</b> {size_text(t.in_hw)}"
    if c.pad_mask.any():
        in_title += f" <span style='color:#6b7280'>padded to {size_text(t.padded_hw)}</span>"
    k_title = f"<b>Kernel{' flipped' if flipped else ''}</b> {size_text(c.kernel.shape)}"
    if c.bias:
        k_title += f" <span style='color:#6b7280'>+ bias {format_number(c.bias)}</span>"
    out_title = f"<b>Output</b> {size_text(t.out_hw)}"
    return [
        F.Panel(c.padded, in_title, pad_mask=c.pad_mask, origin=(top, left), image=image,
                click="input" if click else None, name="input"),
        F.Panel(c.kernel, k_title, name="kernel"),
        F.Panel(c.output, out_title, image=image and bool((c.output >= 0).all()),
                click="output" if click else None, name="output"),
    ]


@st.cache_resource(max_entries=24, show_spinner="Building the animation…")
def animation(x: np.ndarray, kernel: np.ndarray, bias: float, padding, stride, dilation,
              padding_mode: str, image: bool, flipped: bool, max_cell_px: float):
    """The animated figure for these settings (cached; read-only)."""
    settings = controls.ConvSettings(padding, stride, dilation, padding_mode)
    c = compute(x, kernel, bias, settings)
    how, rows = F.plan_steps(c.trace.out_hw)
    if how == "cell":
        texts = [F.arithmetic_text(c.arithmetic(i, j)) for i, j in c.trace.steps()]
        steps = F.steps_from_trace(c.trace, texts, mark_taps=max(c.trace.dilation) > 1)
    else:
        texts = [F.row_text(i, c.output[i]) for i in rows]
        steps = F.steps_from_trace(c.trace, texts, rows=rows)
    return F.animation_figure(panels(c, image=image, flipped=flipped, click=False), steps,
                              max_cell_px=max_cell_px)


# ------------------------------------------------------------------------------ sections


def controls_section():
    st.title("🪟 The sliding window")
    st.markdown(
        "A convolutional layer slides a small **kernel** over its input. At every position it "
        "multiplies the kernel with the cells under it, adds the products (and a bias), and "
        "writes the sum into one **output** cell. Pick an input and a kernel, press **▶ Play**, "
        "then click any cell to see exactly where its number comes from.")
    col_in, col_k, col_geo = st.columns([1.1, 1, 1.05], gap="medium")
    with col_in, st.container(border=True):
        st.markdown("##### 1 · Input")
        inp = controls.input_picker(IN, page=PAGE)
        if inp.note:
            st.caption(inp.note)
    with col_k, st.container(border=True):
        st.markdown("##### 2 · Kernel")
        kern = controls.kernel_editor(KER)
        if kern.description:
            st.caption(kern.description)
        with presenter.advanced_controls("⚙️ Bias and operation"):
            bias, operation = _bias_and_operation()
    with col_geo, st.container(border=True):
        st.markdown("##### 3 · Padding, stride, dilation")
        settings = controls.conv_settings(GEO, fold=True)
    flipped = operation == state.TRUE_CONVOLUTION
    return inp, kern, float(bias), settings, flipped


def _bias_and_operation() -> tuple[float, str]:
    c1, c2 = st.columns([1, 1.6])
    bias = c1.number_input("Bias", -100.0, 100.0, step=0.5, key=state.SW_BIAS,
                           format="%g")
    operation = c2.radio("Operation", [state.CROSS_CORRELATION, state.TRUE_CONVOLUTION],
                         key=state.SW_OPERATION,
                         help="Deep-learning libraries compute cross-correlation and call "
                              "it convolution. True convolution flips the kernel first.")
    return float(bias), operation


def true_convolution_note(kern: controls.KernelChoice, kernel: np.ndarray,
                          settings: controls.ConvSettings, c: Computed | None) -> None:
    with st.container(border=True):
        st.markdown(
            "**True convolution = flip the kernel (rotate it 180°), then cross-correlate.** "
            "The window below slides the flipped kernel.")
        fig = F.grid_figure([F.Panel(kern.values, "<b>K</b> as typed", name="kernel"),
                             F.Panel(kernel, "<b>K flipped</b> (rows and columns reversed)",
                                     name="flipped")], max_cell_px=44)
        controls.show_chart(fig, "kernel_flipped", base={"displayModeBar": False},
                            key="sw_flip_chart")
        if c is not None and _plain_padding_mode(settings):
            mode = settings.padding
            matches = np.allclose(convolve2d(c.x, kern.values, mode=mode) + c.bias, c.output)
            mark = "✅ equals" if matches else "⚠️ differs from"
            st.caption(f"{mark} `convolve2d(x, K, mode='{mode}')` (SciPy's / MATLAB's "
                       "true convolution), computed separately by convcore.")


def _plain_padding_mode(settings: controls.ConvSettings) -> bool:
    # convolve2d's "same" centres even kernels the MATLAB way (extra padding top/left), the
    # opposite of PyTorch's "same": compare only where both conventions agree.
    return (settings.padding in ("valid", "full") and settings.stride == (1, 1)
            and settings.dilation == (1, 1) and settings.padding_mode == "zeros")


def shape_section(c: Computed, inp: controls.InputChoice) -> None:
    t = c.trace
    (pt, pb), (pl, pr) = t.pads
    pads = f"padding top {pt}, bottom {pb}, left {pl}, right {pr}"
    st.markdown(
        f"**{size_text(t.in_hw)}** input ({inp.label}) · **{size_text(c.kernel.shape)}** "
        f"kernel · {pads} · stride {size_text(t.stride)} · dilation {size_text(t.dilation)} "
        f"→ **{size_text(t.out_hw)}** output")
    lines = [f"{f.axis:>6}: {f.line()}" for f in c.formulas]
    st.code("\n".join(lines), language=None)
    for f in c.formulas:
        if f.note:
            st.caption(f"Along the {f.axis}: {f.note}.")


def animation_section(c: Computed, fig, flipped: bool) -> None:
    t = c.trace
    how, rows = F.plan_steps(t.out_hw)
    if how == "row":
        st.info(
            f"The output has {t.out_hw[0] * t.out_hw[1]:,} cells — too many frames to send "
            f"to the browser one cell at a time — so each step computes a whole output row "
            f"({len(rows)} steps). Click any output cell to see its own sum.")
    with a11y.main_figure():
        controls.show_chart(fig, "sliding_window_animation", base=CHART_CONFIG, scale=False,
                            key=state.SW_ANIMATION_CHART)
    a11y.animation_keys(state.SW_ANIMATION_CHART, "Sliding-window animation")
    legend = "Hatched grey cells are padding. " if c.pad_mask.any() else ""
    st.caption(
        "▶ plays (slow, normal or fast), ❚❚ pauses, the slider steps back and forth. The thick "
        f"black frame is the window; grey output cells are not computed yet. {legend}"
        "Rows and columns are numbered like a matrix, (0, 0) top-left. Hover a cell for its "
        "value; click one in **Inspect a cell** below to see its sum.")


def current_pick(c: Computed) -> tuple[str, int, int]:
    """The pinned cell, pulled back to output (0, 0) when the settings moved it away."""
    kind, r, col = st.session_state.get(state.SW_PICK, ("output", 0, 0))
    t = c.trace
    (pt, _), (pl, _) = t.pads
    valid = {
        "output": 0 <= r < t.out_hw[0] and 0 <= col < t.out_hw[1],
        "input": 0 <= r < t.in_hw[0] and 0 <= col < t.in_hw[1],
        "padding": -pt <= r < t.padded_hw[0] - pt and -pl <= col < t.padded_hw[1] - pl,
    }.get(kind, False)
    if kind == "padding" and valid:
        valid = bool(c.pad_mask[r + pt, col + pl])
    if not valid:
        st.session_state[state.SW_PICK] = ("output", 0, 0)
        return "output", 0, 0
    return kind, int(r), int(col)


def inspect_section(c: Computed, image: bool, flipped: bool) -> None:
    st.subheader("🔎 Inspect a cell")
    st.caption("Click an output cell to pin it: its window — its receptive field — is "
               "outlined on the input and its sum written out. Click an input cell to see every "
               "output cell it feeds.")
    kind, r, col = current_pick(c)
    fig = F.grid_figure(panels(c, image=image, flipped=flipped, click=True),
                        max_cell_px=cell_px())
    t = c.trace
    (pt, _), (pl, _) = t.pads
    fig_col, text_col = st.columns([1.25, 1], gap="large")
    with text_col:
        a11y.cell_picker(t.out_hw, state.SW_PICK, key="sw_cell")
        if kind == "output":
            _explain_output(c, fig, r, col)
        else:
            _explain_input(c, fig, kind, r, col, pt, pl)
    with fig_col:
        controls.show_chart(fig, "sliding_window_cell", base=CHART_CONFIG,
                            key=state.SW_INSPECT_CHART,
                            on_select=state.pick_callback(state.SW_INSPECT_CHART,
                                                          state.SW_PICK),
                            selection_mode=("points",))
        a11y.show_as_numbers(c.output, f"Output {size_text(t.out_hw)}",
                             highlights={"picked": [(r, col)]} if kind == "output" else None)


def _explain_output(c: Computed, fig, i: int, j: int) -> None:
    t = c.trace
    F.add_outline(fig, 0, [t.window_box(i, j)], color=F.PICK_COLOR, name="pick:window")
    if max(t.dilation) > 1:
        taps = list(zip(t.padded_rows[i, j].ravel().tolist(),
                        t.padded_cols[i, j].ravel().tolist(), strict=True))
        F.add_marks(fig, 0, taps, color=F.PICK_COLOR, name="pick:taps")
    F.add_outline(fig, 2, [(i, j, i, j)], color=F.PICK_COLOR, name="pick:cell")
    arith = c.arithmetic(i, j)
    a11y.live_region(f"**Output cell ({i}, {j})** = **{format_number(c.output[i, j])}**",
                     markdown=True)
    arith_line = F.arithmetic_text(arith, html=False).replace("\n", " ")
    st.code("\n".join(F.wrap_sum(arith_line)), language=None, wrap_lines=True)
    rows = [{"kernel tap": f"K[{a}, {b}]",
             "input cell": "padding" if term.is_padding else f"x[{term.input[0]}, {term.input[1]}]",
             "value": format_number(term.value), "weight": format_number(term.weight),
             "product": format_number(term.product)}
            for term in arith.terms for a, b in [term.kernel]]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 330))
    n_pad = sum(term.is_padding for term in arith.terms)
    if n_pad:
        fill = "0" if c.padding_mode == "zeros" else f"copied by '{c.padding_mode}' padding"
        st.caption(f"{n_pad} of the {len(arith.terms)} taps fall on padding (value {fill}).")


def _explain_input(c: Computed, fig, kind: str, r: int, col: int, pt: int, pl: int) -> None:
    t = c.trace
    pr, pc = r + pt, col + pl
    F.add_outline(fig, 0, [(pr, pc, pr, pc)], color=F.PICK_COLOR, name="pick:input")
    if kind == "input":
        fed = t.outputs_fed_by(r, col)
        what = f"**Input cell ({r}, {col})** = **{format_number(c.x[r, col])}**"
    else:
        hits = np.nonzero((t.padded_rows == pr) & (t.padded_cols == pc))
        fed = sorted(zip(*(h.tolist() for h in hits), strict=True))
        what = f"**Padding cell ({r}, {col})** = **{format_number(c.padded[pr, pc])}**"
    st.markdown(what)
    if not fed:
        st.info("No window reaches this cell: the stride or the dilation skips it, so it has "
                "no effect on the output at all.")
        return
    F.add_outline(fig, 2, [(i, j, i, j) for i, j, _, _ in fed], color=F.FEED_COLOR,
                  name="pick:fed")
    F.add_outline(fig, 1, sorted({(a, b, a, b) for _, _, a, b in fed}), color=F.FEED_COLOR,
                  name="pick:taps")
    st.markdown(f"It feeds **{len(fed)}** output cell{'s' if len(fed) > 1 else ''}, each "
                "through a different kernel weight:")
    lines = [f"out[{i}, {j}]  via K[{a}, {b}] = {format_number(c.kernel[a, b])}"
             for i, j, a, b in fed]
    st.code("\n".join(lines), language=None)


def steps_text_section(c: Computed) -> None:
    t = c.trace
    n = t.out_hw[0] * t.out_hw[1]
    with st.expander(f"Every step as text ({n} output cells)", expanded=n <= 4):
        if n > MAX_LISTED_STEPS:
            st.caption(f"Showing the first {MAX_LISTED_STEPS} of {n} cells.")
        cells = t.steps()[:MAX_LISTED_STEPS]
        st.code("\n".join(F.arithmetic_text(c.arithmetic(i, j), html=False).replace("\n", " ")
                          for i, j in cells), language=None)


def edge_section() -> None:
    st.subheader("⚡ Edge detection, the d2l example")
    st.markdown(
        "**X** is a 6×8 image: white (1) on the left and right, a black (0) band in columns "
        "2–5. The kernel **K = [1, −1]** takes each pixel minus its right-hand neighbour, so "
        "it answers *does the brightness change going right?*")
    transposed = st.toggle("Transpose the image (use Xᵀ: the band becomes horizontal)",
                           key=state.SW_EDGE_TRANSPOSED)
    x = controls.edge_image()
    if transposed:
        x = x.T
    k = get_kernel("edge").array
    y = corr2d(x, k)
    x_name = "Xᵀ" if transposed else "X"
    fig = F.grid_figure([F.Panel(x, f"<b>{x_name}</b> {size_text(x.shape)}", image=True,
                                 name="input"),
                         F.Panel(k, "<b>K</b> = [1, −1]", name="kernel"),
                         F.Panel(y, f"<b>Y = {x_name} ⋆ K</b> {size_text(y.shape)}",
                                 name="output")], max_cell_px=44)
    controls.show_chart(fig, "edge_detection", base={"displayModeBar": False},
                        key=state.SW_EDGE_CHART)
    ones = [j for j in range(y.shape[1]) if np.all(y[:, j] == 1)]
    minus = [j for j in range(y.shape[1]) if np.all(y[:, j] == -1)]
    if not np.any(y):
        st.success(
            f"Y is all zeros ({size_text(y.shape)}): every row of Xᵀ is constant, so no pixel "
            "differs from its right-hand neighbour. The kernel only sees **vertical** edges; "
            "a horizontal edge needs the transposed kernel [1, −1]ᵀ.")
    else:
        st.success(
            f"Column{'s' if len(ones) > 1 else ''} {', '.join(map(str, ones))} of Y "
            f"{'are' if len(ones) > 1 else 'is'} all **1** (white → black going right); "
            f"column{'s' if len(minus) > 1 else ''} {', '.join(map(str, minus))} "
            f"{'are' if len(minus) > 1 else 'is'} all **−1** (black → white); every other "
            "output is 0: nothing changes there.")
    values = {**controls.input_state_values(IN, "edge"),
              **controls.kernel_state_values(KER, "edge"),
              f"{GEO}_padding": "valid", f"{GEO}_stride_h": 1, f"{GEO}_stride_w": 1,
              f"{GEO}_dilation_h": 1, f"{GEO}_dilation_w": 1,
              state.SW_OPERATION: state.CROSS_CORRELATION, state.SW_BIAS: 0.0,
              state.SW_PICK: ("output", 0, 1)}
    st.button("▶ Animate this example at the top of the page", key="sw_edge_load",
              on_click=state.set_values(values))


@st.cache_resource(max_entries=3, show_spinner="Convolving the whole image…")
def full_image_output(image_key: str, _gray: np.ndarray, kernel: np.ndarray, bias: float,
                      padding, stride, dilation, padding_mode: str):
    """The kernel applied to the whole image at full resolution, and the seconds it took."""
    start = time.perf_counter()
    out = conv2d(_gray, kernel, bias=bias if bias else None, stride=stride, padding=padding,
                 dilation=dilation, padding_mode=padding_mode)
    out.flags.writeable = False
    return out, time.perf_counter() - start


def full_image_section(inp: controls.InputChoice, kernel: np.ndarray, bias: float,
                       settings: controls.ConvSettings) -> None:
    st.subheader("🖼️ The same kernel on a whole image")
    photo = inp.photo
    if photo is None:
        photo = controls.image_source(state.SW_FULL_IMAGE, label="Image")
    else:
        st.caption(f"The photo your patch comes from: {photo.label}.")
    if photo is None:
        return
    try:
        out, seconds = full_image_output(photo.key, photo.gray, kernel, bias, settings.padding,
                                         settings.stride, settings.dilation,
                                         settings.padding_mode)
    except (ValueError, TypeError) as err:
        st.warning(f"These settings do not work on this image: {err}")
        return
    scale = F.color_scale_for(out, image=True)
    shown_in = downsample(photo.gray, (DISPLAY_SIDE, DISPLAY_SIDE))
    shown_out = downsample(out, (DISPLAY_SIDE, DISPLAY_SIDE))
    left, right = st.columns(2)
    left.image(to_uint8(shown_in), caption=f"Input, {size_text(photo.gray.shape)} pixels",
               width="stretch", output_format="PNG",
               alt=f"{photo.label}, the input image, in grey")
    colours = {"gray": "black = 0, white = the largest value",
               "diverging": "red negative, white 0, blue positive",
               "sequential": "white 0, blue positive",
               "negative": "red negative, white 0"}[scale.kind]
    right.image(F.colorize(shown_out, scale),
                caption=f"Output, {size_text(out.shape)} values "
                        f"(from {format_number(float(out.min()))} to "
                        f"{format_number(float(out.max()))}; {colours})", width="stretch",
                output_format="PNG",
                alt=f"{photo.label} after the kernel: the output, {colours}")
    st.caption(f"Computed by convcore at full resolution in {seconds * 1000:.0f} ms; both "
               f"pictures are shrunk to at most {DISPLAY_SIDE} pixels only for display.")


# ------------------------------------------------------------------------------ page


def cell_px() -> float:
    """Largest cell side of the static grids: larger in presenter mode."""
    if presenter.presenter_mode():
        return presenter.figure_scale()["max_cell_px"]
    return F.MAX_CELL_PX


def quiz_cell(c: Computed) -> tuple[int, int]:
    """The output cell the quiz asks about: the inspected one (output (0, 0) by default)."""
    kind, r, col = current_pick(c)
    return (r, col) if kind == "output" else (0, 0)


def hidden_output_section(c: Computed, inp: controls.InputChoice, flipped: bool,
                          cell: tuple[int, int]) -> None:
    """Input and kernel with the asked window outlined; the output stays hidden."""
    shown = panels(c, image=inp.image, flipped=flipped, click=False)[:2]
    fig = F.grid_figure(shown, max_cell_px=cell_px())
    F.add_outline(fig, 0, [c.trace.window_box(*cell)], color=F.PICK_COLOR, name="quiz:window")
    controls.show_chart(fig, "sliding_window_question", base=CHART_CONFIG,
                        key="sw_quiz_chart")
    st.caption("The output is hidden until you answer. Multiply the cells in the orange "
               "window by the kernel, add the products (and the bias).")


def downloads_section(c: Computed, kernel: np.ndarray) -> None:
    with st.expander("⬇️ Download the numbers and the animation"):
        download_array_buttons("Output", c.output, key="sw_dl_out", file_stem="sw_output")
        download_array_buttons("Padded input", c.padded, key="sw_dl_in",
                               file_stem="sw_padded_input")
        t = c.trace
        download_gif_button("Animation (GIF)", _gif_maker(c, kernel), key="sw_dl_gif",
                            file_name="sliding_window.gif")
        st.caption(gif_plan_note(t.out_hw) + " The camera icon above a chart saves it as PNG.")


def _gif_maker(c: Computed, kernel: np.ndarray):
    def make() -> bytes:
        return animation_gif(c.padded, kernel, c.output, c.trace, image=False)

    return make


def main() -> None:
    us.sync_from_url(URL)
    state.init_defaults(state.SLIDING_WINDOW_DEFAULTS)
    inp, kern, bias, settings, flipped = controls_section()
    kernel = np.flip(kern.values) if flipped else kern.values
    try:
        c = compute(inp.values, kernel, bias, settings)
    except (ValueError, TypeError) as err:
        c = None
        st.warning(f"**No output with these settings.** {err}. Try a smaller kernel or "
                   "dilation, more padding (\"full\" always works with stride 1), or a larger "
                   "input.", icon="⚠️")
    if flipped:
        true_convolution_note(kern, kernel, settings, c)
    quiz.quiz_enabled(state.SW)
    if c is not None:
        shape_section(c, inp)
        i, j = quiz_cell(c)
        revealed = quiz.ask_number(
            state.SW, "cell", f"What is output cell ({i}, {j})?", float(c.output[i, j]),
            explanation="The sum of the products of the window and the kernel"
                        + (", plus the bias." if c.bias else "."))
        if revealed:
            fig = animation(inp.values, kernel, bias, c.trace.pads, c.trace.stride,
                            c.trace.dilation, settings.padding_mode, inp.image, flipped,
                            cell_px())
            animation_section(c, fig, flipped)
            steps_text_section(c)
            inspect_section(c, inp.image, flipped)
            downloads_section(c, kernel)
        else:
            hidden_output_section(c, inp, flipped, (i, j))
    quiz.score_badge(state.SW)
    st.divider()
    edge_section()
    st.divider()
    full_image_section(inp, kernel, bias, settings)
    us.sync_to_url(URL)
    with st.expander("🔗 Share this view"):
        us.share_link_box()


main()
