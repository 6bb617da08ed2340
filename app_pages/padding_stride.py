"""Padding & stride: how padding, stride and dilation set a convolution's output shape.

Thin page: widgets (ui.controls + a few of its own) → shapes, traces and stacks (convcore) →
figures (ui.figures_shapes). Sections: the seeds' presets; the geometry with its formula,
the padded input with window positions and unreached cells, and the PyTorch line; settings
that cannot work, explained; a layer-stack calculator; transposed convolution.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from convcore.padding import pad, resolve_padding, same_padding_d2l
from convcore.shapes import (
    explain_conv_output_shape,
    explain_conv_transpose_output_shape,
    kernel_span,
    size_text,
)
from convcore.stack import (
    ConvLayer,
    StackError,
    layer_stack_shapes,
    pytorch_conv2d_code,
)
from convcore.trace import WindowTrace, format_number, window_trace
from ui import controls, quiz, state
from ui import figures_shapes as FS
from ui import url_state as us
from ui.downloads import download_array_buttons

P = "ps"  # prefix of every session-state key of this page
GEO = f"{P}_geo"  # prefix of the shared padding/stride/dilation widgets
IN_H, IN_W, K_H, K_W = f"{P}_in_h", f"{P}_in_w", f"{P}_k_h", f"{P}_k_w"
CONVENTION = f"{P}_same_convention"
PICK_I, PICK_J, SHOW_ALL = f"{P}_pick_i", f"{P}_pick_j", f"{P}_show_all"
CHART, CLICK = f"{P}_chart", f"{P}_click"
MAX_SIDE = 64
PYTORCH, D2L = "PyTorch: extra cell bottom/right", "d2l: ⌈p/2⌉ top/left"
CHART_CONFIG = {"displayModeBar": False}


def _geometry_values(in_hw, kernel, pads, stride=(1, 1), dilation=(1, 1), padding="custom",
                     mode="zeros") -> dict:
    """Session-state values that load a geometry into this page's widgets."""
    (top, bottom), (left, right) = pads
    return {IN_H: in_hw[0], IN_W: in_hw[1], K_H: kernel[0], K_W: kernel[1],
            f"{GEO}_padding": padding, f"{GEO}_pad_top": top, f"{GEO}_pad_bottom": bottom,
            f"{GEO}_pad_left": left, f"{GEO}_pad_right": right,
            f"{GEO}_stride_h": stride[0], f"{GEO}_stride_w": stride[1],
            f"{GEO}_dilation_h": dilation[0], f"{GEO}_dilation_w": dilation[1],
            f"{GEO}_padding_mode": mode, PICK_I: None, PICK_J: None}


#: The seeds' examples on an 8×8 input (d2l 5.3): label, help, geometry, expected shape.
PRESETS = [
    ("8×8 · k3 p1 → 8×8", "8×8 input, 3×3 kernel, padding 1: "
     "nn.Conv2d(1, 1, kernel_size=3, padding=1)",
     _geometry_values((8, 8), (3, 3), ((1, 1), (1, 1)))),
    ("8×8 · k(5,3) p(2,1) → 8×8", "8×8 input, 5×3 kernel, padding (2, 1): "
     "nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))",
     _geometry_values((8, 8), (5, 3), ((2, 2), (1, 1)))),
    ("8×8 · k3 p1 s2 → 4×4", "8×8 input, 3×3 kernel, padding 1, stride 2: "
     "nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2)",
     _geometry_values((8, 8), (3, 3), ((1, 1), (1, 1)), stride=(2, 2))),
    ("8×8 · k(3,5) p(0,1) s(3,4)",
     "8×8 input, 3×5 kernel, padding (0, 1), stride (3, 4) → 2×2: "
     "nn.Conv2d(1, 1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4)) — the notes print "
     "(4, 4) under this example, but ⌊(8 − 3 + 0 + 3)/3⌋ × ⌊(8 − 5 + 2 + 4)/4⌋ is 2 × 2",
     _geometry_values((8, 8), (3, 5), ((0, 0), (1, 1)), stride=(3, 4))),
]
#: More examples, each showing one rule.
EXTRA_PRESETS = [
    ("6×6 · k2 · same", "6×6 input, 2×2 kernel (even), padding='same': PyTorch and d2l "
     "put the extra padding row on opposite sides",
     _geometry_values((6, 6), (2, 2), ((0, 0), (0, 0)), padding="same")),
    ("7×7 · k3 p2 reflect", "7×7 input, 3×3 kernel, padding 2 in 'reflect' mode: padding "
     "that copies the input instead of zeros",
     _geometry_values((7, 7), (3, 3), ((2, 2), (2, 2)), mode="reflect")),
    ("9×9 · k3 d2 s3", "9×9 input, 3×3 kernel, dilation 2, stride 3: dilation spreads the "
     "taps; some cells are never used",
     _geometry_values((9, 9), (3, 3), ((0, 0), (0, 0)), stride=(3, 3), dilation=(2, 2))),
]
DEFAULTS = {**PRESETS[0][2], SHOW_ALL: False, CONVENTION: PYTORCH}


def _url_params() -> list[us.UrlParam]:
    """Sizes, kernel, padding, stride, dilation and mode; defaults = the first preset."""
    sizes = [us.UrlParam(key, "int", DEFAULTS[key], min=1, max=MAX_SIDE, name=name,
                         label=label)
             for key, name, label in ((IN_H, "h", "input height"), (IN_W, "w", "input width"),
                                      (K_H, "kh", "kernel height"), (K_W, "kw", "kernel width"))]
    geometry = [dataclasses.replace(param, default=DEFAULTS[param.key])
                if param.key in DEFAULTS else param for param in us.conv_params(GEO)]
    return [*sizes, *geometry, quiz.url_param(P)]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ controls


def presets_section() -> None:
    st.markdown("**The seeds' examples** (d2l 5.3, an 8×8 input) — one click loads them:")
    cols = st.columns(len(PRESETS))
    for k, (label, help_text, values) in enumerate(PRESETS):
        cols[k].button(label, key=f"{P}_preset_{k}", help=help_text, width="stretch",
                       on_click=state.set_values(values))
    cols = st.columns(len(PRESETS))
    for k, (label, help_text, values) in enumerate(EXTRA_PRESETS):
        cols[k].button(label, key=f"{P}_extra_{k}", help=help_text, width="stretch",
                       on_click=state.set_values(values))


def geometry_controls() -> tuple[tuple[int, int], tuple[int, int], controls.ConvSettings]:
    col_in, col_geo = st.columns([1, 1.7], gap="medium")
    with col_in, st.container(border=True):
        st.markdown("##### 1 · Input and kernel")
        c1, c2 = st.columns(2)
        in_hw = (int(c1.number_input("Input height", 1, MAX_SIDE, key=IN_H)),
                 int(c2.number_input("Input width", 1, MAX_SIDE, key=IN_W)))
        c1, c2 = st.columns(2)
        ks = (int(c1.number_input("Kernel height", 1, MAX_SIDE, key=K_H)),
              int(c2.number_input("Kernel width", 1, MAX_SIDE, key=K_W)))
        st.caption("The input holds 0, 1, 2, … row by row, so you can see where padding "
                   "copies its values from.")
    with col_geo, st.container(border=True):
        st.markdown("##### 2 · Padding, stride, dilation")
        settings = controls.conv_settings(GEO, fold=True)
        if isinstance(settings.padding, tuple):
            (top, bottom), (left, right) = settings.padding
            if top == bottom and left == right:
                st.caption(f"Both sides of each axis alike: PyTorch's "
                           f"`padding=({top}, {left})`.")
    return in_hw, ks, settings


def even_same_axes(ks, dilation) -> list[str]:
    """Axes whose kernel span is even (where "same" cannot pad both sides alike)."""
    return [name for name, k, d in zip(("height", "width"), ks, dilation, strict=True)
            if kernel_span(k, d) % 2 == 0]


# ------------------------------------------------------------------------------ problems


def explain_same_with_stride(in_hw, ks, settings: controls.ConvSettings) -> None:
    pads = resolve_padding("same", ks, dilation=settings.dilation)
    sh, sw = settings.stride
    (top, bottom), (left, right) = pads
    try:
        out = explain_conv_output_shape(in_hw, ks, settings.stride, pads, settings.dilation)
        would = f"{size_text([f.result for f in out])}"
    except ValueError:
        would = "nothing"
    about = [-(-n // s) for n, s in zip(in_hw, settings.stride, strict=True)]
    st.error(
        f"**\"same\" needs stride 1.** The rule: \"same\" pads so that the output is as large "
        f"as the input, out = n. With stride {size_text(settings.stride)} the window moves "
        f"{sh} row(s) and {sw} column(s) per step, so the output shrinks to about n / s (here "
        f"{size_text(in_hw)} → about {size_text(about)}); keeping it at n would take about "
        "(s − 1)·n cells of padding, mostly zeros. PyTorch refuses it: "
        "`ValueError: padding='same' is not supported for strided convolutions`.", icon="🚫")
    st.markdown(
        f"The padding \"same\" gives at stride 1 (top {top}, bottom {bottom}, left {left}, "
        f"right {right}) would give a **{would}** output here: ⌈n / s⌉ for any kernel and "
        "dilation, which is what TensorFlow calls \"same\" for strided layers.")
    st.button("Use that padding, side by side", key=f"{P}_fix_same",
              on_click=state.set_values({f"{GEO}_padding": "custom", f"{GEO}_pad_top": top,
                                         f"{GEO}_pad_bottom": bottom, f"{GEO}_pad_left": left,
                                         f"{GEO}_pad_right": right}))


def explain_too_big(err: ValueError, in_hw, ks, pads, dilation) -> None:
    lines = []
    for name, n, k, d, (p0, p1) in zip(("height", "width"), in_hw, ks, dilation, pads,
                                       strict=True):
        span = kernel_span(k, d)
        padded = n + p0 + p1
        ok = "fits" if span <= padded else f"does not fit: {span - padded} short"
        lines.append(f"{name:>6}: n + p_before + p_after = {n} + {p0} + {p1} = {padded}  vs  "
                     f"d·(k − 1) + 1 = {d}·({k} − 1) + 1 = {span}  → {ok}")
    st.error(f"**No output: {err}.** The rule: the window must fit inside the padded input "
             "at least once along each axis, n + p_before + p_after ≥ d·(k − 1) + 1; "
             "otherwise ⌊…⌋ + 1 would be 0 or less.", icon="🚫")
    st.code("\n".join(lines), language=None)
    st.markdown("Make the kernel (or the dilation) smaller, the input larger, or pad more: "
                "\"full\" padding always fits.")


def explain_padding_mode(err: ValueError, mode: str) -> None:
    rule = {"reflect": "reflect mirrors the input without repeating its edge, so it can copy "
                       "at most n − 1 cells to each side (padding < n)",
            "circular": "circular wraps the input around, so it can copy at most n cells to "
                        "each side (padding ≤ n)"}.get(mode, "")
    st.error(f"**No output: {err}.** The rule: {rule}. PyTorch refuses the same settings.",
             icon="🚫")
    st.markdown("Use less padding, a larger input, or the *zeros* / *replicate* mode (which "
                "can pad any amount).")


# ------------------------------------------------------------------------------ geometry


@st.cache_resource(max_entries=32, show_spinner=False)
def padding_chart(in_hw, ks, stride, pads, dilation, mode, picked, show_all):
    """The padded-input figure for these settings (cached; read-only)."""
    trace = window_trace(in_hw, ks, stride, pads, dilation)
    marks = FS.default_marks(trace, picked, show_all)
    return FS.padding_figure(trace, mode, marks=marks, available_px=1100)


@st.cache_resource(max_entries=8, show_spinner=False)
def conventions_chart(in_hw, ks, dilation):
    return FS.same_conventions_figure(in_hw, ks, dilation, available_px=1100)


def resolve_pick(trace: WindowTrace) -> None:
    """Turn a click (output, input or padding cell) into the picked window; clamp it."""
    clicked = st.session_state.pop(CLICK, None)
    oh, ow = trace.out_hw
    if clicked is not None:
        kind, r, c = clicked
        (top, _), (left, _) = trace.pads
        if kind == "output" and 0 <= r < oh and 0 <= c < ow:
            st.session_state[PICK_I], st.session_state[PICK_J] = r, c
        elif kind in ("input", "padding"):
            pr, pc = r + top, c + left
            hits = np.argwhere((trace.padded_rows == pr) & (trace.padded_cols == pc))
            if hits.size:
                st.session_state[PICK_I], st.session_state[PICK_J] = map(int, hits[0][:2])
    if st.session_state.get(PICK_I) is None or st.session_state.get(PICK_J) is None:
        # A window in the middle, away from the first and last ones when there is room.
        st.session_state[PICK_I], st.session_state[PICK_J] = (oh - 1) // 2, ow // 2
    st.session_state[PICK_I] = int(min(max(st.session_state[PICK_I], 0), oh - 1))
    st.session_state[PICK_J] = int(min(max(st.session_state[PICK_J], 0), ow - 1))


def shape_section(trace: WindowTrace, formulas) -> None:
    (pt, pb), (pl, pr) = trace.pads
    st.markdown(
        f"### {size_text(trace.in_hw)} → **{size_text(trace.out_hw)}**\n"
        f"{size_text(trace.in_hw)} input · {size_text(trace.kernel_size)} kernel · padding top "
        f"{pt}, bottom {pb}, left {pl}, right {pr} · stride {size_text(trace.stride)} · "
        f"dilation {size_text(trace.dilation)}")
    lines = [f"   out = {formulas[0].symbolic}"]
    lines += [f"{f.axis:>6}: {f.line()}" for f in formulas]
    st.code("\n".join(lines), language=None)
    notes = [f"{f.axis}: {f.note}." for f in formulas if f.note]
    st.caption(" ".join([*notes, "n: input size, p: padding before/after, k: kernel size, "
                         "d: dilation, s: stride. d·(k − 1) + 1 is the window's span; the floor "
                         "⌊ ⌋ drops a last step that would not fit."]))


def window_section(trace: WindowTrace, mode: str) -> None:
    resolve_pick(trace)
    oh, ow = trace.out_hw
    c1, c2, c3 = st.columns([1, 1, 1.4])
    i = int(c1.number_input("Picked window: output row", 0, oh - 1, key=PICK_I))
    j = int(c2.number_input("output column", 0, ow - 1, key=PICK_J))
    show_all = c3.checkbox("Show all window positions", key=SHOW_ALL,
                           help="Every window outlined (only the centres beyond "
                                f"{FS.MAX_ALL_OUTLINES} windows)")
    fig = padding_chart(trace.in_hw, trace.kernel_size, trace.stride, trace.pads,
                        trace.dilation, mode, (i, j), bool(show_all))
    controls.show_chart(fig, "padded_input", base=CHART_CONFIG, key=CHART,
                        on_select=state.pick_callback(CHART, CLICK),
                        selection_mode=("points",))
    legend = ["🟦 first window", "🟩 last window (dashed)", f"🟧 picked window ({i}, {j})"]
    if np.any(trace.unreached_input_cells()):
        legend.append("✖ input cells no window reaches")
    st.caption(" · ".join(legend) + ". The input holds 0, 1, 2, … row by row; hatched cells "
               "are padding. The output is what a kernel of ones gives: each cell sums the cells "
               "under the kernel's taps (with dilation, not the cells in the gaps). Click an "
               "output cell (or an input cell) to pick its window.")
    sources = FS.padding_sources_text(trace.in_hw, trace.pads, mode)
    if sources:
        st.caption(f"**{mode}** padding: " + "; ".join(sources) + ".")
    unreached = FS.unreached_summary(trace)
    if unreached:
        st.warning("**Not every input cell is used.** " + " ".join(unreached), icon="✖️")


def padded_download(in_hw, pads, mode: str) -> None:
    """CSV / .npy of the padded input drawn above (the input holds 0, 1, 2, …)."""
    padded = pad(np.arange(in_hw[0] * in_hw[1], dtype=np.float64).reshape(in_hw), pads, mode)
    with st.expander("⬇️ Download the padded input"):
        download_array_buttons("Padded input", padded, key=f"{P}_dl_padded",
                               file_stem=f"padded_input_{padded.shape[0]}x{padded.shape[1]}")


def same_conventions_section(in_hw, ks, dilation, axes) -> None:
    st.info(
        f"**An even kernel span with \"same\" ({', '.join(axes)}).** \"same\" needs "
        "d·(k − 1) padding cells in total per axis; for an even span that total is odd, so "
        "the two sides cannot get the same amount. **PyTorch** puts the extra cell at the "
        "**bottom/right** (⌊p/2⌋ top, ⌈p/2⌉ bottom); **d2l** suggests ⌈p/2⌉ on **top** and "
        "⌊p/2⌋ at the bottom. Both give an output as large as the input; the values shift by "
        "one cell.", icon="↔️")
    controls.show_chart(conventions_chart(in_hw, ks, dilation), "same_conventions",
                        base=CHART_CONFIG, key=f"{P}_conventions_chart")
    st.radio("Draw the page with", [PYTORCH, D2L], key=CONVENTION, horizontal=True)


def pytorch_section(in_hw, ks, padding, settings: controls.ConvSettings) -> None:
    with st.container(border=True):
        st.markdown("##### 🔥 PyTorch for this view")
        try:
            generated = pytorch_conv2d_code(in_hw, ks, settings.stride, padding,
                                            settings.dilation, settings.padding_mode)
        except (ValueError, TypeError) as err:
            st.caption(f"No PyTorch layer gives these settings: {err}")
            return
        st.code(generated.code, language="python", wrap_lines=True)
        for note in generated.notes:
            st.caption(note)


def geometry_section() -> None:
    in_hw, ks, settings = geometry_controls()
    padding = settings.padding
    if padding == "same" and settings.stride != (1, 1):
        explain_same_with_stride(in_hw, ks, settings)
        return
    axes = even_same_axes(ks, settings.dilation) if padding == "same" else []
    if axes and st.session_state.get(CONVENTION) == D2L:
        padding = same_padding_d2l(ks, settings.dilation)
    pads = resolve_padding(padding, ks, stride=settings.stride, dilation=settings.dilation)
    try:
        formulas = explain_conv_output_shape(in_hw, ks, settings.stride, pads,
                                             settings.dilation)
    except ValueError as err:
        explain_too_big(err, in_hw, ks, pads, settings.dilation)
        return
    try:
        pad(np.zeros(in_hw), pads, settings.padding_mode)
    except ValueError as err:
        explain_padding_mode(err, settings.padding_mode)
        return
    trace = window_trace(in_hw, ks, settings.stride, pads, settings.dilation)
    quiz.quiz_enabled(P)
    if not quiz.ask_shape(P, "shape", "What shape is the output?", trace.out_hw,
                          explanation="Per axis: ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ "
                                      "+ 1."):
        st.caption("The formula and the drawing appear once you answer.")
        return
    shape_section(trace, formulas)
    window_section(trace, settings.padding_mode)
    padded_download(in_hw, pads, settings.padding_mode)
    if axes:
        same_conventions_section(in_hw, ks, settings.dilation, axes)
    pytorch_section(in_hw, ks, padding, settings)


# ------------------------------------------------------------------------------ layer stack


STACK_PADDINGS = {"valid": "valid (0)", "same": "same", "number": "a number"}
STACK_PRESETS = [
    ("240×240 · 10× k5 → 200×200", "The seeds: ten 5×5 layers, no padding, on 240×240",
     {f"{P}_stack_h": 240, f"{P}_stack_w": 240, f"{P}_stack_n": 10, f"{P}_stack_k": 5,
      f"{P}_stack_pad": "valid", f"{P}_stack_s": 1, f"{P}_stack_d": 1}),
    ("… with p2 → 240×240", "The same ten 5×5 layers with padding 2 keep 240×240",
     {f"{P}_stack_h": 240, f"{P}_stack_w": 240, f"{P}_stack_n": 10, f"{P}_stack_k": 5,
      f"{P}_stack_pad": "number", f"{P}_stack_p": 2, f"{P}_stack_s": 1, f"{P}_stack_d": 1}),
    ("224×224 · 5× k3 p1 s2 → 7×7",
     "Five 3×3 layers with padding 1 and stride 2 shrink 224×224 to 7×7",
     {f"{P}_stack_h": 224, f"{P}_stack_w": 224, f"{P}_stack_n": 5, f"{P}_stack_k": 3,
      f"{P}_stack_pad": "number", f"{P}_stack_p": 1, f"{P}_stack_s": 2, f"{P}_stack_d": 1}),
]
STACK_DEFAULTS = {**STACK_PRESETS[0][2], f"{P}_stack_p": 1}


def stack_section() -> None:
    st.subheader("🧱 Layer-stack calculator")
    st.markdown("N layers of one kernel, padding and stride on an input: the shape after each "
                "layer, and the **receptive field** — the input region that can affect one "
                "output cell (padding included) — growing layer by layer.")
    cols = st.columns(len(STACK_PRESETS))
    for k, (label, help_text, values) in enumerate(STACK_PRESETS):
        cols[k].button(label, key=f"{P}_stack_preset_{k}", help=help_text, width="stretch",
                       on_click=state.set_values(values))
    c = st.columns([1, 1, 1, 1, 1.4, 1, 1])
    in_hw = (int(c[0].number_input("Input height", 1, 4096, key=f"{P}_stack_h")),
             int(c[1].number_input("Input width", 1, 4096, key=f"{P}_stack_w")))
    n = int(c[2].number_input("Layers", 0, 64, key=f"{P}_stack_n"))
    k = int(c[3].number_input("Kernel", 1, 31, key=f"{P}_stack_k"))
    kind = c[4].radio("Padding", list(STACK_PADDINGS), key=f"{P}_stack_pad",
                      format_func=STACK_PADDINGS.get, horizontal=True)
    padding = kind
    if kind == "number":
        padding = int(c[4].number_input("Padding per side", 0, 32, key=f"{P}_stack_p"))
    stride = int(c[5].number_input("Stride", 1, 8, key=f"{P}_stack_s"))
    dilation = int(c[6].number_input("Dilation", 1, 8, key=f"{P}_stack_d"))
    layers = [ConvLayer(k, stride, padding, dilation)] * n
    try:
        rows = layer_stack_shapes(in_hw, layers)
        failure = None
    except StackError as err:
        rows, failure = list(err.rows), err
    except ValueError as err:
        st.error(f"**These layers cannot be built:** {err}.", icon="🚫")
        return
    table = [{"layer": "input", "shape": size_text(in_hw), "padding": "", "receptive field": "1×1",
              "jump": "1"}]
    for row in rows:
        (pt, pb), (pl, pr) = row.pads
        pads = str(pt) if len({pt, pb, pl, pr}) == 1 else f"{pt},{pb} / {pl},{pr}"
        table.append({"layer": str(row.layer), "shape": size_text(row.out_hw), "padding": pads,
                      "receptive field": size_text(row.field.size),
                      "jump": size_text(row.field.jump) if row.field.jump[0] != row.field.jump[1]
                      else str(row.field.jump[0])})
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        st.dataframe(table, hide_index=True, width="stretch",
                     height=min(38 + 35 * len(table), 420))
    with right:
        controls.show_chart(FS.stack_figure(in_hw, rows), "layer_stack", base=CHART_CONFIG,
                            width="stretch", key=f"{P}_stack_chart")
    if failure is not None:
        st.error(f"**The stack stops at layer {failure.layer}.** {failure}. The rule: each "
                 "layer's window must fit in its (padded) input.", icon="🚫")
    elif rows:
        last = rows[-1]
        kept = last.out_hw[0] * last.out_hw[1] / (in_hw[0] * in_hw[1])
        change = (f"{100 * (1 - kept):.1f}% of the cells are gone" if kept < 1 else
                  "no cells are lost" if kept == 1 else f"{kept:.2f}× as many cells")
        st.success(
            f"**{size_text(in_hw)} → {size_text(last.out_hw)}** after {n} layer"
            f"{'s' if n > 1 else ''}: {change}. One output cell's receptive field is a "
            f"**{size_text(last.field.size)}** region of the (padded) input; neighbouring "
            f"output cells are {size_text(last.field.jump)} input cells apart. Each layer adds "
            "d·(k − 1)·(product of the earlier strides) to the receptive field.")


# ------------------------------------------------------------------------------ transposed


TR = f"{P}_tr"
TR_PRESETS = [
    ("d2l: 2×2 input, 2×2 kernel → 3×3", {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2,
                                          f"{TR}_kw": 2, f"{TR}_s": 1, f"{TR}_p": 0,
                                          f"{TR}_op": 0}),
    ("… stride 2 → 4×4", {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2, f"{TR}_kw": 2,
                          f"{TR}_s": 2, f"{TR}_p": 0, f"{TR}_op": 0}),
    ("… padding 1 → 1×1", {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2, f"{TR}_kw": 2,
                           f"{TR}_s": 1, f"{TR}_p": 1, f"{TR}_op": 0}),
]
TR_DEFAULTS = TR_PRESETS[0][1]


@st.cache_resource(max_entries=16, show_spinner=False)
def transpose_charts(in_hw, k_hw, stride, padding, output_padding):
    x = np.arange(in_hw[0] * in_hw[1], dtype=np.float64).reshape(in_hw)
    kernel = np.arange(k_hw[0] * k_hw[1], dtype=np.float64).reshape(k_hw)
    parts = FS.transpose_parts(x, kernel, stride, padding, output_padding)
    return parts, FS.transpose_figures(parts, stride, available_px=1100)


def transpose_section() -> None:
    st.subheader("↕️ Transposed convolution")
    st.markdown("The transposed convolution goes the other way: **every input cell scatters "
                "a copy of the kernel, scaled by its value**, into the output, `stride` cells "
                "apart; overlapping copies add up, and `padding` then cuts cells off every "
                "side. Input and kernel hold 0, 1, 2, … (d2l's example).")
    cols = st.columns(len(TR_PRESETS))
    for k, (label, values) in enumerate(TR_PRESETS):
        cols[k].button(label, key=f"{TR}_preset_{k}", width="stretch",
                       on_click=state.set_values(values))
    c = st.columns(7)
    in_hw = (int(c[0].number_input("Input height", 1, 4, key=f"{TR}_h")),
             int(c[1].number_input("Input width", 1, 4, key=f"{TR}_w")))
    k_hw = (int(c[2].number_input("Kernel height", 1, 4, key=f"{TR}_kh")),
            int(c[3].number_input("Kernel width", 1, 4, key=f"{TR}_kw")))
    stride = int(c[4].number_input("Stride", 1, 3, key=f"{TR}_s"))
    padding = int(c[5].number_input("Padding", 0, 3, key=f"{TR}_p"))
    output_padding = int(c[6].number_input("Output padding", 0, 2, key=f"{TR}_op",
                                           help="Extra cells at the bottom/right; must be "
                                                "smaller than the stride"))
    try:
        formulas = explain_conv_transpose_output_shape(in_hw, k_hw, stride, padding,
                                                       output_padding)
        parts, figures = transpose_charts(in_hw, k_hw, stride, padding, output_padding)
    except ValueError as err:
        st.error(f"**No output: {err}.**", icon="🚫")
        return
    out_hw = tuple(f.result for f in formulas)
    st.markdown(f"#### {size_text(in_hw)} → **{size_text(out_hw)}**")
    lines = [f"   out = {formulas[0].symbolic}"] + [f"{f.axis:>6}: {f.line()}" for f in formulas]
    st.code("\n".join(lines), language=None)
    for k, fig in enumerate(figures):
        if k == 1:
            where = "row r, column c" if stride == 1 else f"row {stride}·r, column {stride}·c"
            st.markdown("**Each input cell's patch** (its value times the kernel, placed at "
                        f"{where}; the outline marks where it lands):")
        controls.show_chart(fig, f"transposed_{k}", base=CHART_CONFIG, key=f"{TR}_chart_{k}")
    if padding:
        st.caption(f"The hatched cells of the sum are cut off: padding {padding} removes "
                   f"{padding} row(s) and column(s) on every side (output_padding then adds "
                   "cells back at the bottom/right).")
    if len(figures) == 1:
        st.caption(f"The {in_hw[0] * in_hw[1]} patches are not drawn one by one beyond "
                   f"{FS.MAX_PATCHES} input cells.")
    rows = "[" + ", ".join("[" + ", ".join(format_number(v) for v in row) + "]"
                           for row in parts.output) + "]"
    st.code(f"conv_transpose2d(x, K, stride={stride}, padding={padding}, "
            f"output_padding={output_padding}) =\n{rows}", language=None)


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    state.init_defaults({**DEFAULTS, **STACK_DEFAULTS, **TR_DEFAULTS})
    st.title("📐 Padding & stride")
    st.markdown(
        "Why is the output smaller than the input, and by how much? **Padding** adds cells "
        "around the input, **stride** moves the window more than one cell per step, "
        "**dilation** spreads the kernel's taps. The formula below is filled in with your "
        "numbers; the drawing shows where the windows go and which cells they never reach.")
    presets_section()
    geometry_section()
    quiz.score_badge(P)
    st.divider()
    stack_section()
    st.divider()
    transpose_section()
    us.sync_to_url(URL)
    with st.expander("🔗 Share this view"):
        us.share_link_box()


main()
