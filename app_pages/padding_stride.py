"""Padding & stride: how padding, stride and dilation set a convolution's output shape.

Thin page: widgets (ui.controls + a few of its own) → shapes, traces and stacks (convcore) →
figures (ui.figures_shapes). Sections: the seeds' presets; the geometry with its formula,
the padded input with window positions and unreached cells, and the PyTorch line; settings
that cannot work, explained; a layer-stack calculator; transposed convolution.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from convcore.conv import conv2d
from convcore.padding import (
    is_symmetric,
    pad,
    resolve_padding,
    same_padding_d2l,
)
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
from ui import a11y, code_panel, controls, i18n, presenter, quiz, shared_cache, state
from ui import figures_shapes as FS
from ui import url_state as us
from ui.downloads import download_array_buttons
from ui.i18n import N_, _, n_

P = "ps"  # prefix of every session-state key of this page
GEO = f"{P}_geo"  # prefix of the shared padding/stride/dilation widgets
IN_H, IN_W, K_H, K_W = f"{P}_in_h", f"{P}_in_w", f"{P}_k_h", f"{P}_k_w"
CONVENTION = f"{P}_same_convention"
PICK_I, PICK_J, SHOW_ALL = f"{P}_pick_i", f"{P}_pick_j", f"{P}_show_all"
CHART, CLICK = f"{P}_chart", f"{P}_click"
OUT_CHART = f"{P}_out_chart"  # presenter mode: the output below the padded input
PICK_USER = f"{P}_pick_user"  # True once the learner (or a link) picked a window
MAX_SIDE = 64
#: The two "same" conventions of an even kernel (radio values; labels in CONVENTION_LABELS).
PYTORCH, D2L = "pytorch", "d2l"
CONVENTION_LABELS = {PYTORCH: N_("PyTorch: extra cell bottom/right"),
                     D2L: N_("d2l: ⌈p/2⌉ top/left")}
CHART_CONFIG = {"displayModeBar": False}
#: Buttons of this page whose labels may wrap onto a second line instead of being cut.
WRAP_CSS = """<style>
[class*="st-key-ps_preset_"] button p, [class*="st-key-ps_extra_"] button p,
[class*="st-key-ps_stack_preset_"] button p, [class*="st-key-ps_tr_preset_"] button p,
[class*="st-key-ps_tf_"] button p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; line-height: 1.25;
}
</style>"""


def _geometry_values(in_hw, kernel, pads, stride=(1, 1), dilation=(1, 1), padding="custom",
                     mode="zeros") -> dict:
    """Session-state values that load a geometry into this page's widgets."""
    (top, bottom), (left, right) = pads
    return {IN_H: in_hw[0], IN_W: in_hw[1], K_H: kernel[0], K_W: kernel[1],
            f"{GEO}_padding": padding, f"{GEO}_pad_top": top, f"{GEO}_pad_bottom": bottom,
            f"{GEO}_pad_left": left, f"{GEO}_pad_right": right,
            f"{GEO}_stride_h": stride[0], f"{GEO}_stride_w": stride[1],
            f"{GEO}_dilation_h": dilation[0], f"{GEO}_dilation_w": dilation[1],
            f"{GEO}_padding_mode": mode, PICK_I: None, PICK_J: None, PICK_USER: False}


@dataclasses.dataclass(frozen=True)
class Preset:
    """One button that loads a geometry.

    ``label`` is the settings in notation ("k3 p1 s2"), ``shape`` the output it gives (shown
    after "→" unless the quiz asks for it), ``help`` the tooltip and ``answer_note`` a sentence
    added to it unless the quiz asks for the shape (both marked with ``N_``).
    """

    label: str
    shape: str
    help: str
    values: dict
    answer_note: str = ""


#: The seeds' examples on an 8×8 input (d2l 5.3).
PRESETS = [
    Preset("k3 p1", "8×8", N_("8×8 input, 3×3 kernel, padding 1: "
                              "`nn.Conv2d(1, 1, kernel_size=3, padding=1)`"),
           _geometry_values((8, 8), (3, 3), ((1, 1), (1, 1)))),
    Preset("k(5,3) p(2,1)", "8×8", N_("8×8 input, 5×3 kernel, padding (2, 1): "
                                      "`nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))`"),
           _geometry_values((8, 8), (5, 3), ((2, 2), (1, 1)))),
    Preset("k3 p1 s2", "4×4", N_("8×8 input, 3×3 kernel, padding 1, stride 2: "
                                 "`nn.Conv2d(1, 1, kernel_size=3, padding=1, stride=2)`"),
           _geometry_values((8, 8), (3, 3), ((1, 1), (1, 1)), stride=(2, 2))),
    Preset("k(3,5) p(0,1) s(3,4)", "2×2",
           N_("8×8 input, 3×5 kernel, padding (0, 1), stride (3, 4): "
              "`nn.Conv2d(1, 1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))`"),
           _geometry_values((8, 8), (3, 5), ((0, 0), (1, 1)), stride=(3, 4)),
           N_("The notes print (4, 4) under this example, but ⌊(8 − 3 + 0 + 3)/3⌋ × "
              "⌊(8 − 5 + 2 + 4)/4⌋ is 2 × 2.")),
]
#: More examples, each showing one rule (the shape is not the point of these).
EXTRA_PRESETS = [
    Preset("6×6 · k2 · same", "", N_("6×6 input, 2×2 kernel (even), padding='same': PyTorch "
                                     "and d2l put the extra padding row on opposite sides"),
           _geometry_values((6, 6), (2, 2), ((0, 0), (0, 0)), padding="same")),
    Preset("7×7 · k3 p2 reflect", "", N_("7×7 input, 3×3 kernel, padding 2 in 'reflect' mode: "
                                         "padding that copies the input instead of zeros"),
           _geometry_values((7, 7), (3, 3), ((2, 2), (2, 2)), mode="reflect")),
    Preset("9×9 · k3 d2 s3", "", N_("9×9 input, 3×3 kernel, dilation 2, stride 3: dilation "
                                    "spreads the taps; some cells are never used"),
           _geometry_values((9, 9), (3, 3), ((0, 0), (0, 0)), stride=(3, 3), dilation=(2, 2))),
]
DEFAULTS = {**PRESETS[0].values, SHOW_ALL: False, CONVENTION: PYTORCH}
#: The seeds' TensorFlow examples (issue 17): each framework's answer in the table below.
TF_PRESETS = [
    Preset("Conv2D(1, kernel_size=3, padding='same', strides=2)", "4×4",
           N_("8×8 input, 3×3 kernel, TensorFlow's padding 'same', stride 2: legal in Keras, "
              "4×4 with the extra padding row and column at the bottom/right"),
           _geometry_values((8, 8), (3, 3), ((0, 0), (0, 0)), stride=(2, 2), padding="same")),
    Preset("Conv2D(1, kernel_size=(3, 5), padding='valid', strides=(3, 4))", "2×1",
           N_("8×8 input, 3×5 kernel, no padding, stride (3, 4)"),
           _geometry_values((8, 8), (3, 5), ((0, 0), (0, 0)), stride=(3, 4), padding="valid")),
]

# ------------------------------------------------------------------------------ layer stack

SK = f"{P}_stack"  # prefix of the layer-stack widgets
STACK_PADDINGS = {"valid": N_("valid (0)"), "same": N_("same"), "number": N_("a number")}
STACK_PRESETS = [
    ("240×240 · 10× k5 → 200×200", N_("The seeds: ten 5×5 layers, no padding, on 240×240"),
     {f"{SK}_h": 240, f"{SK}_w": 240, f"{SK}_n": 10, f"{SK}_k": 5, f"{SK}_pad": "valid",
      f"{SK}_s": 1, f"{SK}_d": 1}),
    ("… p2 → 240×240", N_("The same ten 5×5 layers with padding 2 keep 240×240"),
     {f"{SK}_h": 240, f"{SK}_w": 240, f"{SK}_n": 10, f"{SK}_k": 5, f"{SK}_pad": "number",
      f"{SK}_p": 2, f"{SK}_s": 1, f"{SK}_d": 1}),
    ("224×224 · 5× k3 p1 s2 → 7×7",
     N_("Five 3×3 layers with padding 1 and stride 2 shrink 224×224 to 7×7"),
     {f"{SK}_h": 224, f"{SK}_w": 224, f"{SK}_n": 5, f"{SK}_k": 3, f"{SK}_pad": "number",
      f"{SK}_p": 1, f"{SK}_s": 2, f"{SK}_d": 1}),
]
STACK_DEFAULTS = {**STACK_PRESETS[0][2], f"{SK}_p": 1}

# ------------------------------------------------------------------------------ transposed

TR = f"{P}_tr"
TR_PRESETS = [
    ("d2l: 2×2, k2 → 3×3", N_("d2l's example: a 2×2 input and a 2×2 kernel give a 3×3 output"),
     {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2, f"{TR}_kw": 2, f"{TR}_s": 1, f"{TR}_p": 0,
      f"{TR}_op": 0}),
    ("… s2 → 4×4", N_("The same with stride 2: the patches move 2 cells apart"),
     {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2, f"{TR}_kw": 2, f"{TR}_s": 2, f"{TR}_p": 0,
      f"{TR}_op": 0}),
    ("… p1 → 1×1", N_("The same with padding 1: one cell is cut off every side"),
     {f"{TR}_h": 2, f"{TR}_w": 2, f"{TR}_kh": 2, f"{TR}_kw": 2, f"{TR}_s": 1, f"{TR}_p": 1,
      f"{TR}_op": 0}),
]
TR_DEFAULTS = TR_PRESETS[0][2]


def _picked_by_user(session) -> bool:
    """Whether the learner picked the window (then the link carries it); otherwise the page
    picks the middle one for each geometry."""
    return bool(session.get(PICK_USER)) and None not in (session.get(PICK_I),
                                                         session.get(PICK_J))


def _mark_picked() -> None:
    st.session_state[PICK_USER] = True


def _url_params() -> list[us.UrlParam]:
    """Every setting a link restores; defaults = what the page opens with.

    The geometry (sizes, kernel, padding, stride, dilation, mode), the picked window, "show
    all windows" and the "same" convention; the layer stack; the transposed convolution.
    """
    sizes = [us.UrlParam(key, "int", DEFAULTS[key], min=1, max=MAX_SIDE, name=name,
                         label=label)
             for key, name, label in ((IN_H, "h", N_("input height")),
                                      (IN_W, "w", N_("input width")),
                                      (K_H, "kh", N_("kernel height")),
                                      (K_W, "kw", N_("kernel width")))]
    geometry = [dataclasses.replace(param, default=DEFAULTS[param.key])
                if param.key in DEFAULTS else param for param in us.conv_params(GEO)]
    window = [us.UrlParam(PICK_I, "int", None, min=0, max=10_000, name="pi",
                          label=N_("picked window row"), when=_picked_by_user,
                          to_state=lambda value: {PICK_I: value, PICK_USER: True}),
              us.UrlParam(PICK_J, "int", None, min=0, max=10_000, name="pj",
                          label=N_("picked window column"), when=_picked_by_user,
                          to_state=lambda value: {PICK_J: value, PICK_USER: True}),
              us.UrlParam(SHOW_ALL, "bool", False, name="all", label=N_("all window positions")),
              us.UrlParam(CONVENTION, "choice", PYTORCH, choices=[PYTORCH, D2L], name="conv",
                          label=N_("\"same\" convention"))]
    stack = [us.UrlParam(f"{SK}_h", "int", STACK_DEFAULTS[f"{SK}_h"], min=1, max=4096,
                         name="lh", label=N_("layer stack: input height")),
             us.UrlParam(f"{SK}_w", "int", STACK_DEFAULTS[f"{SK}_w"], min=1, max=4096,
                         name="lw", label=N_("layer stack: input width")),
             us.UrlParam(f"{SK}_n", "int", STACK_DEFAULTS[f"{SK}_n"], min=0, max=64,
                         name="ln", label=N_("layer stack: layers")),
             us.UrlParam(f"{SK}_k", "int", STACK_DEFAULTS[f"{SK}_k"], min=1, max=31,
                         name="lk", label=N_("layer stack: kernel")),
             us.UrlParam(f"{SK}_pad", "choice", STACK_DEFAULTS[f"{SK}_pad"],
                         choices=list(STACK_PADDINGS), name="lpad",
                         label=N_("layer stack: padding")),
             us.UrlParam(f"{SK}_p", "int", STACK_DEFAULTS[f"{SK}_p"], min=0, max=32, name="lp",
                         label=N_("layer stack: padding per side"),
                         when=lambda state: state.get(f"{SK}_pad") == "number"),
             us.UrlParam(f"{SK}_s", "int", STACK_DEFAULTS[f"{SK}_s"], min=1, max=8, name="ls",
                         label=N_("layer stack: stride")),
             us.UrlParam(f"{SK}_d", "int", STACK_DEFAULTS[f"{SK}_d"], min=1, max=8, name="ld",
                         label=N_("layer stack: dilation"))]
    transposed = [us.UrlParam(f"{TR}_{name}", "int", TR_DEFAULTS[f"{TR}_{name}"], min=lo,
                              max=hi, name=f"t{name}", label=label)
                  for name, lo, hi, label in (
                      ("h", 1, 4, N_("transposed convolution: input height")),
                      ("w", 1, 4, N_("transposed convolution: input width")),
                      ("kh", 1, 4, N_("transposed convolution: kernel height")),
                      ("kw", 1, 4, N_("transposed convolution: kernel width")),
                      ("s", 1, 3, N_("transposed convolution: stride")),
                      ("p", 0, 3, N_("transposed convolution: padding")),
                      ("op", 0, 2, N_("transposed convolution: output padding")))]
    return [*sizes, *geometry, *window, *stack, *transposed, quiz.url_param(P)]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ controls


def _preset_buttons(presets: list[Preset], key: str, hide_shape: bool) -> None:
    cols = st.columns(len(PRESETS))
    for k, preset in enumerate(presets):
        label = preset.label if hide_shape or not preset.shape else \
            f"{preset.label} → {preset.shape}"
        help_text = _(preset.help)
        if preset.answer_note and not hide_shape:
            help_text += " " + _(preset.answer_note)
        cols[k].button(label, key=f"{key}_{k}", help=help_text, width="stretch",
                       on_click=state.set_values(preset.values))


def presets_section(hide_shape: bool) -> None:
    """The seeds' examples (one row: the presenter layout's main controls).

    ``hide_shape``: the quiz asks for the output shape, so no label gives it away.
    """
    st.html(WRAP_CSS)
    if presenter.show_if_not_presenting():
        st.markdown(_("**The seeds' examples** (d2l 5.3, an 8×8 input) — one click loads "
                      "them:"))
    _preset_buttons(PRESETS, f"{P}_preset", hide_shape)


def extra_presets() -> None:
    st.markdown(_("**More examples**, each showing one rule:"))
    _preset_buttons(EXTRA_PRESETS, f"{P}_extra", True)


def geometry_controls() -> tuple[tuple[int, int], tuple[int, int], controls.ConvSettings]:
    """Input and kernel sizes, padding and stride, dilation and padding values.

    Two boxes side by side; in presenter mode two folded expanders in one row (the widgets
    are drawn either way, so their values and the link survive switching modes).
    """
    if presenter.presenter_mode():
        left, right = st.columns(2)
        in_box = geo_box = left.expander(_("Input, kernel, padding, stride"))
        more_box = right.expander(":material/tune: " + _(ADVANCED_LABEL))
    else:
        col_in, col_geo = st.columns([1, 1.7], gap="medium")
        in_box, geo_box = col_in.container(border=True), col_geo.container(border=True)
        more_box = geo_box
    with in_box:
        st.markdown(_("##### 1 · Input and kernel"))
        c1, c2 = st.columns(2)
        in_hw = (int(c1.number_input(_("Input height"), 1, MAX_SIDE, key=IN_H)),
                 int(c2.number_input(_("Input width"), 1, MAX_SIDE, key=IN_W)))
        c1, c2 = st.columns(2)
        ks = (int(c1.number_input(_("Kernel height"), 1, MAX_SIDE, key=K_H)),
              int(c2.number_input(_("Kernel width"), 1, MAX_SIDE, key=K_W)))
        st.caption(_("The input holds 0, 1, 2, … row by row, so you can see where padding "
                     "copies its values from."))
    with geo_box:
        st.markdown(_("##### 2 · Padding, stride, dilation"))
        # The shared widgets (keys of url_state.conv_params(GEO)); dilation and padding
        # values go to their own box, folded in presenter mode.
        settings = controls.conv_settings(GEO, advanced=more_box)
        padding = settings.padding
        if isinstance(padding, tuple):
            (top, bottom), (left_pad, right_pad) = padding
            if top == bottom and left_pad == right_pad:
                st.caption(_("Both sides of each axis alike: PyTorch's `padding=({ph}, {pw})`.")
                           .format(ph=top, pw=left_pad))
    with in_box if presenter.presenter_mode() else st.container():
        extra_presets()
    return in_hw, ks, settings




#: Padding kinds of the radio (values as in ``ui.controls.PADDING_CHOICES``).
#: The folded dilation/padding-values box in presenter mode (a Material icon, as
#: ``ui.presenter.advanced_controls`` gives its boxes: no emoji font needed).
ADVANCED_LABEL = N_("Dilation and padding values")


def even_same_axes(ks, dilation) -> list[str]:
    """Axes (``"height"``, ``"width"``) whose kernel span is even (where "same" cannot pad
    both sides alike)."""
    return [name for name, k, d in zip(("height", "width"), ks, dilation, strict=True)
            if kernel_span(k, d) % 2 == 0]


# ------------------------------------------------------------------------------ problems


def explain_same_with_stride(in_hw, ks, settings: controls.ConvSettings) -> None:
    pads = resolve_padding("same", ks, dilation=settings.dilation)
    sh, sw = settings.stride
    (top, bottom), (left, right) = pads
    try:
        out = explain_conv_output_shape(in_hw, ks, settings.stride, pads, settings.dilation)
        would = size_text([f.result for f in out])
    except ValueError:
        would = _("nothing")
    about = [-(-n // s) for n, s in zip(in_hw, settings.stride, strict=True)]
    st.error(_(
        "**\"same\" needs stride 1.** The rule: \"same\" pads so that the output is as large "
        "as the input, out = n. With stride {stride} the window moves {sh} row(s) and {sw} "
        "column(s) per step, so the output shrinks to about n / s (here {size} → about "
        "{about}); keeping it at n would take about (s − 1)·n cells of padding, mostly zeros. "
        "PyTorch refuses it: `ValueError: padding='same' is not supported for strided "
        "convolutions`.").format(stride=size_text(settings.stride), sh=sh, sw=sw,
                                 size=size_text(in_hw), about=size_text(about)))
    st.markdown(_(
        "The padding \"same\" gives at stride 1 (top {top}, bottom {bottom}, left {left}, "
        "right {right}) would give a **{would}** output here: ⌈n / s⌉ for any kernel and "
        "dilation, which is what TensorFlow calls \"same\" for strided layers.").format(
            top=top, bottom=bottom, left=left, right=right, would=would))
    st.button(_("Use that padding, side by side"), key=f"{P}_fix_same",
              on_click=state.set_values({f"{GEO}_padding": "custom", f"{GEO}_pad_top": top,
                                         f"{GEO}_pad_bottom": bottom, f"{GEO}_pad_left": left,
                                         f"{GEO}_pad_right": right}))


def explain_too_big(err: ValueError, in_hw, ks, pads, dilation) -> None:
    lines = []
    names = [_(word) for word in FS.AXIS_WORDS]
    for name, n, k, d, (p0, p1) in zip(names, in_hw, ks, dilation, pads, strict=True):
        span = kernel_span(k, d)
        padded = n + p0 + p1
        ok = (_("fits") if span <= padded else
              _("does not fit: {n} short").format(n=span - padded))
        lines.append(f"{name:>6}: n + p_before + p_after = {n} + {p0} + {p1} = {padded}  vs  "
                     f"d·(k − 1) + 1 = {d}·({k} − 1) + 1 = {span}  → {ok}")
    st.error(_("**No output: {error}.** The rule: the window must fit inside the padded input "
               "at least once along each axis, n + p_before + p_after ≥ d·(k − 1) + 1; "
               "otherwise ⌊…⌋ + 1 would be 0 or less.").format(error=err))
    st.code("\n".join(lines), language=None)
    st.markdown(_("Make the kernel (or the dilation) smaller, the input larger, or pad more: "
                  "\"full\" padding always fits."))


def explain_padding_mode(err: ValueError, mode: str) -> None:
    if mode == "reflect":
        rule = _("reflect mirrors the input without repeating its edge, so it can copy at most "
                 "n − 1 cells to each side (padding < n)")
    else:
        rule = _("circular wraps the input around, so it can copy at most n cells to each side "
                 "(padding ≤ n)")
    st.error(_("**No output: {error}.** The rule: {rule}. PyTorch refuses the same settings.")
             .format(error=err, rule=rule))
    st.markdown(_("Use less padding, a larger input, or the *zeros* / *replicate* mode (which "
                  "can pad any amount)."))


# ------------------------------------------------------------------------------ geometry


#: Presenter mode: the padded input and the output one above the other, cells up to this
#: size, so that a three-digit number is drawn at 24 px or more.
PRESENTER_CELL_PX = 60
PRESENTER_WIDTH_PX = 900


@st.cache_resource(max_entries=32, show_spinner=False)
def padding_chart(in_hw, ks, stride, pads, dilation, mode, picked, show_all, lang,
                  part="both"):
    """The padded-input figure for these settings (cached per language; read-only).

    ``part="input"`` / ``"output"``: one panel alone, in presenter mode's larger cells.
    """
    trace = window_trace(in_hw, ks, stride, pads, dilation)
    marks = FS.default_marks(trace, picked, show_all)
    if part == "both":
        return FS.padding_figure(trace, mode, marks=marks, available_px=1100)
    return FS.padding_figure(trace, mode, marks=marks, part=part,
                             available_px=PRESENTER_WIDTH_PX, max_cell_px=PRESENTER_CELL_PX)


@st.cache_resource(max_entries=8, show_spinner=False)
def conventions_chart(in_hw, ks, dilation, lang):
    return FS.same_conventions_figure(in_hw, ks, dilation, available_px=1100)


def resolve_pick(trace: WindowTrace) -> None:
    """Turn a click (output, input or padding cell) into the picked window; clamp it."""
    clicked = st.session_state.pop(CLICK, None)
    oh, ow = trace.out_hw
    if clicked is not None:
        kind, r, c = clicked
        (top, _bottom), (left, _right) = trace.pads
        if kind == "output" and 0 <= r < oh and 0 <= c < ow:
            st.session_state[PICK_I], st.session_state[PICK_J] = r, c
            _mark_picked()
        elif kind in ("input", "padding"):
            pr, pc = r + top, c + left
            hits = np.argwhere((trace.padded_rows == pr) & (trace.padded_cols == pc))
            if hits.size:
                st.session_state[PICK_I], st.session_state[PICK_J] = map(int, hits[0][:2])
                _mark_picked()
    if not _picked_by_user(st.session_state):
        # A window in the middle, away from the first and last ones when there is room.
        st.session_state[PICK_I], st.session_state[PICK_J] = (oh - 1) // 2, ow // 2
    st.session_state[PICK_I] = int(min(max(st.session_state[PICK_I], 0), oh - 1))
    st.session_state[PICK_J] = int(min(max(st.session_state[PICK_J], 0), ow - 1))


def shape_section(trace: WindowTrace, formulas) -> None:
    """The output shape, the settings in words, and the formula in PyTorch's and d2l's form."""
    (pt, pb), (pl, pr) = trace.pads
    st.markdown(f"### {size_text(trace.in_hw)} → **{size_text(trace.out_hw)}**")
    st.markdown(_("{size} input · {kernel} kernel · padding top {top}, bottom {bottom}, left "
                  "{left}, right {right} · stride {stride} · dilation {dilation}").format(
        size=size_text(trace.in_hw), kernel=size_text(trace.kernel_size), top=pt, bottom=pb,
        left=pl, right=pr, stride=size_text(trace.stride), dilation=size_text(trace.dilation)))
    lines = FS.formula_lines(trace, formulas)
    # Side by side; one above the other when presenting (larger text, no room).
    left, right = (st.container(), st.container()) if presenter.presenter_mode() else \
        st.columns([1.4, 1], gap="small")
    left.markdown(_("**PyTorch's form** (`torch.nn.Conv2d`)"))
    left.code("\n".join(lines.pytorch), language=None, wrap_lines=True)
    right.markdown(_("**d2l's form** (the seeds, d2l 5.3; p = both sides together)"))
    right.code("\n".join(lines.seeds), language=None, wrap_lines=True)
    notes = [FS.uneven_stride_note(trace, axis) for axis in (0, 1)]
    legend = _("n: input size, k: kernel size, p: padding (p_before + p_after), s: stride, "
               "d: dilation. The floor ⌊ ⌋ drops a last step that would not fit.")
    if max(trace.dilation) > 1:
        legend += " " + _("With dilation the window spans d·(k − 1) + 1 cells: that span is "
                          "the k of d2l's form.")
    st.caption(" ".join([*[note for note in notes if note], legend]))


def window_section(trace: WindowTrace, mode: str) -> None:
    """The main figure: padded input with the windows, and the output; its legend, the
    keyboard's way to pick a window, and the figure as numbers."""
    resolve_pick(trace)
    i, j = int(st.session_state[PICK_I]), int(st.session_state[PICK_J])
    show_all = bool(st.session_state.get(SHOW_ALL, False))
    geometry = (trace.in_hw, trace.kernel_size, trace.stride, trace.pads, trace.dilation, mode,
                (i, j), show_all, i18n.current_language())
    unreached = bool(np.any(trace.unreached_input_cells()))
    presenting = presenter.presenter_mode()
    legend = FS.legend_html(FS.legend_items((i, j), unreached))
    with a11y.main_figure():
        if not presenting:  # below the figure when presenting: the figure comes first
            st.markdown(legend, unsafe_allow_html=True)
        fig = padding_chart(*geometry, part="input" if presenting else "both")
        show_chart(fig, "padded_input", key=CHART, on_select=state.pick_callback(CHART, CLICK),
                   selection_mode=("points",))
    if presenting:
        st.markdown(legend, unsafe_allow_html=True)
        show_chart(padding_chart(*geometry, part="output"), "output", key=OUT_CHART,
                   on_select=state.pick_callback(OUT_CHART, CLICK), selection_mode=("points",))
    oh, ow = trace.out_hw
    c1, c2 = st.columns(2)
    c1.number_input(_("Picked window: output row"), 0, oh - 1, key=PICK_I,
                    on_change=_mark_picked)
    c2.number_input(_("Picked window: output column"), 0, ow - 1, key=PICK_J,
                    on_change=_mark_picked)
    st.checkbox(_("Show all window positions"), key=SHOW_ALL,
                help=_("Every window outlined (only the centres beyond {n} windows)").format(
                    n=FS.MAX_ALL_OUTLINES))
    st.caption(_("The input holds 0, 1, 2, … row by row. The output is what a kernel of ones "
                 "gives: each cell sums the cells under the kernel's taps (with dilation, not "
                 "the cells in the gaps). Click an output cell (or an input cell) to pick its "
                 "window, or type its row and column."))
    sources = FS.padding_sources_text(trace.in_hw, trace.pads, mode)
    if sources:
        st.caption(_("**{mode}** padding: {sources}.").format(mode=mode,
                                                              sources=_("; ").join(sources)))
    summary = FS.unreached_summary(trace)
    if summary:
        st.warning(_("**Not every input cell is used.**") + " " + " ".join(summary))
    numbers_section(trace, mode, (i, j))


def numbers_section(trace: WindowTrace, mode: str, picked) -> None:
    """The figure's grids as tables (its text alternative), padding rows numbered −1, …"""
    x = FS.sample_input(trace.in_hw)
    padded, mask = FS.padded_sample(x, trace.pads, mode)
    out = conv2d(x, np.ones(trace.kernel_size), stride=trace.stride, padding=trace.pads,
                 dilation=trace.dilation, padding_mode=mode)
    (top, _bottom), (left, _right) = trace.pads
    first_row, first_col, last_row, last_col = trace.window_box(*picked)
    a11y.live_region(_("Picked window ({i}, {j}): input rows {r0} to {r1}, columns {c0} to {c1} "
                       "(counted as in the input; below 0 or past the end is padding); the "
                       "output cell ({i}, {j}) = {value}.").format(
        i=picked[0], j=picked[1], r0=first_row - top, r1=last_row - top, c0=first_col - left,
        c1=last_col - left, value=format_number(out[picked])))
    taps = list(zip(trace.padded_rows[picked].ravel().tolist(),
                    trace.padded_cols[picked].ravel().tolist(), strict=True))
    window_word, padding_word = _("picked window"), _("padding")
    with st.expander(_("Show the figure as numbers")):
        st.html(a11y.grid_table_html(
            padded, _("Padded input {size}: rows and columns numbered as in the input, padding "
                      "rows and columns below 0 or past the end").format(
                          size=size_text(padded.shape)),
            row_labels=_axis_labels(padded.shape[0], -top, row=True),
            col_labels=_axis_labels(padded.shape[1], -left, row=False),
            highlights={window_word: taps,
                        padding_word: [tuple(cell) for cell in np.argwhere(mask).tolist()]}))
        st.html(a11y.grid_table_html(
            out, _("Output {size}; the picked window ({i}, {j}) gives {value}").format(
                size=size_text(out.shape), i=picked[0], j=picked[1],
                value=format_number(out[picked])),
            row_labels=_axis_labels(out.shape[0], 0, row=True),
            col_labels=_axis_labels(out.shape[1], 0, row=False),
            highlights={window_word: [tuple(picked)]}))


def _axis_labels(count: int, first: int, *, row: bool) -> list[str]:
    """Header cells of a numbers table: "row −1", "row 0", … (or columns)."""
    text = _("row {n}") if row else _("column {n}")
    return [text.format(n=first + k) for k in range(count)]


def show_chart(fig, file_name: str, **kwargs):
    """``controls.show_chart`` with presenter mode's larger text and room for it.

    ``presenter.scale_figure`` enlarges the fonts; the row and column numbers above each
    panel then grow into the panel titles, so the titles move up (and the figure grows) to
    clear them.
    """
    if presenter.presenter_mode():
        fig = clear_titles(presenter.scale_figure(fig))
    return controls.show_chart(fig, file_name, base=CHART_CONFIG, scale=False, **kwargs)


def clear_titles(fig):
    """Move panel titles (annotations above the panels) clear of the top tick labels."""
    data = fig.to_dict()
    layout = data["layout"]
    ticks = [axis.get("tickfont", {}).get("size") or 12 for name, axis in layout.items()
             if name.startswith("xaxis") and axis.get("side") == "top"]
    if not ticks or not layout.get("annotations"):
        return fig
    shift = 3 + 1.3 * max(ticks) + 4
    needed = 0.0
    for note in layout["annotations"]:
        if note.get("yanchor") != "bottom":
            continue
        note["yshift"] = max(note.get("yshift") or 0, shift)
        lines = str(note.get("text", "")).count("<br>") + 1
        needed = max(needed, note["yshift"] + 1.3 * lines * (note.get("font", {}).get("size")
                                                             or 14) + 6)
    margin = layout.setdefault("margin", {})
    extra = max(0.0, needed - (margin.get("t") or 0))
    if extra:
        margin["t"] = (margin.get("t") or 0) + extra
        if layout.get("height"):
            layout["height"] = layout["height"] + extra
    return go.Figure(data)


def padded_download(in_hw, pads, mode: str) -> None:
    """CSV / .npy of the padded input drawn above (the input holds 0, 1, 2, …)."""
    padded = pad(np.arange(in_hw[0] * in_hw[1], dtype=np.float64).reshape(in_hw), pads, mode)
    with st.expander(_("Download the padded input")):
        download_array_buttons(_("Padded input"), padded, key=f"{P}_dl_padded",
                               file_stem=f"padded_input_{padded.shape[0]}x{padded.shape[1]}")


def same_conventions_section(in_hw, ks, dilation, axes) -> None:
    names = ", ".join(_(FS.AXIS_WORDS[0 if axis == "height" else 1]) for axis in axes)
    st.info(_(
        "**An even kernel span with \"same\" ({axes}).** \"same\" needs d·(k − 1) padding cells "
        "in total per axis; for an even span that total is odd, so the two sides cannot get "
        "the same amount. **PyTorch** puts the extra cell at the **bottom/right** (⌊p/2⌋ top, "
        "⌈p/2⌉ bottom); **d2l** suggests ⌈p/2⌉ on **top** and ⌊p/2⌋ at the bottom. Both give "
        "an output as large as the input; the values shift by one cell.").format(axes=names))
    show_chart(conventions_chart(in_hw, ks, dilation, i18n.current_language()),
               "same_conventions", key=f"{P}_conventions_chart")
    st.radio(_("Draw the page with"), list(CONVENTION_LABELS), key=CONVENTION, horizontal=True,
             format_func=i18n.option_labels(CONVENTION_LABELS))


def pytorch_notes(generated, padding, padding_mode: str) -> list[str]:
    """Why the PyTorch code looks the way it does, in the page's language.

    The same cases, in the same order, as ``convcore.stack.pytorch_conv2d_code``'s English
    ``notes`` (one sentence each).
    """
    (top, bottom), (left, right) = generated.pads
    named = padding.strip().lower() if isinstance(padding, str) else None
    has_padding = any(p for pair in generated.pads for p in pair)
    notes = []
    if named == "same" and not is_symmetric(generated.pads):
        notes.append(_("padding=\"same\" with an even kernel span pads one cell more at the "
                       "bottom/right: here top {top}, bottom {bottom}, left {left}, right "
                       "{right}.").format(top=top, bottom=bottom, left=left, right=right))
    elif named == "full":
        notes.append(_("PyTorch has no padding=\"full\": it is span − 1 cells on every side, "
                       "here `padding=({ph}, {pw})`.").format(ph=top, pw=left))
    if generated.uses_f_pad:
        notes.append(_("nn.Conv2d pads both sides of an axis alike, so the uneven padding (top "
                       "{top}, bottom {bottom}, left {left}, right {right}) is done by F.pad "
                       "first; its tuple starts with the last axis: (left, right, top, bottom).")
                     .format(top=top, bottom=bottom, left=left, right=right))
    elif padding_mode != "zeros" and not has_padding:
        notes.append(_("There is no padding, so the {mode} padding mode changes nothing and is "
                       "left out.").format(mode=padding_mode))
    return notes


def pytorch_section(in_hw, ks, padding, settings: controls.ConvSettings) -> None:
    with st.container(border=True):
        st.markdown(_("##### PyTorch for this view"))
        try:
            generated = pytorch_conv2d_code(in_hw, ks, settings.stride, padding,
                                            settings.dilation, settings.padding_mode)
        except (ValueError, TypeError) as err:
            st.caption(_("No PyTorch layer gives these settings: {error}").format(error=err))
            return
        st.code(generated.code, language="python", wrap_lines=True)
        for note in pytorch_notes(generated, padding, settings.padding_mode):
            st.caption(note)


def geometry_section() -> None:
    """Settings (folded in presenter mode), then the quiz or the shape, formula and figure."""
    in_hw, ks, settings = geometry_controls()
    padding = settings.padding
    if padding == "same" and settings.stride != (1, 1):
        explain_same_with_stride(in_hw, ks, settings)
        frameworks_section(in_hw, ks, padding, settings)
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
    if not quiz.ask_shape(P, "shape", _("What shape is the output?"), trace.out_hw,
                          explanation=_("Per axis: ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ "
                                        "+ 1, or d2l's ⌊(n − k + p + s) / s⌋.")):
        st.caption(_("The formula and the drawing appear once you answer."))
        return
    if presenter.presenter_mode():  # the figure first, right under the one row of presets
        window_section(trace, settings.padding_mode)
        shape_section(trace, formulas)
    else:
        shape_section(trace, formulas)
        window_section(trace, settings.padding_mode)
    padded_download(in_hw, pads, settings.padding_mode)
    if axes:
        same_conventions_section(in_hw, ks, settings.dilation, axes)
    pytorch_section(in_hw, ks, padding, settings)
    frameworks_section(in_hw, ks, padding, settings)


def frameworks_section(in_hw, ks, padding, settings: controls.ConvSettings) -> None:
    """Issue 17: the seeds' TensorFlow examples, each framework's shape and padding, and
    this layer in code (the sample input, a kernel of ones)."""
    with st.container(border=True):
        st.markdown(_("##### In other frameworks"))
        st.markdown(_("**The seeds' TensorFlow examples** (on an 8×8 input) — one click "
                      "loads them:"))
        cols = st.columns(len(TF_PRESETS))
        for k, preset in enumerate(TF_PRESETS):
            cols[k].button(f"{preset.label} → {preset.shape}", key=f"{P}_tf_{k}",
                           help=_(preset.help), width="stretch",
                           on_click=state.set_values(preset.values))
        named = padding if isinstance(padding, str) and padding in ("same", "valid") else None
        pads = named or resolve_padding(padding, ks, stride=settings.stride,
                                        dilation=settings.dilation)
        code_panel.frameworks_table(in_hw, ks, stride=settings.stride, padding=pads,
                                    dilation=settings.dilation,
                                    padding_mode=settings.padding_mode)
        code_panel.conv_panel(f"{P}_code", FS.sample_input(in_hw), np.ones(ks),
                              stride=settings.stride, padding=pads,
                              dilation=settings.dilation, padding_mode=settings.padding_mode)


# ------------------------------------------------------------------------------ layer stack


def stack_section() -> None:
    st.subheader(_("Layer-stack calculator"))
    st.markdown(_("N layers of one kernel, padding and stride on an input: the shape after "
                  "each layer, and the **receptive field** — the input region that can affect "
                  "one output cell (padding included) — growing layer by layer."))
    cols = st.columns(len(STACK_PRESETS))
    for k, (label, help_text, values) in enumerate(STACK_PRESETS):
        cols[k].button(label, key=f"{SK}_preset_{k}", help=_(help_text), width="stretch",
                       on_click=state.set_values(values))
    c = st.columns([1, 1, 1, 1, 1.4, 1, 1])
    in_hw = (int(c[0].number_input(_("Input height"), 1, 4096, key=f"{SK}_h")),
             int(c[1].number_input(_("Input width"), 1, 4096, key=f"{SK}_w")))
    n = int(c[2].number_input(_("Layers"), 0, 64, key=f"{SK}_n"))
    k = int(c[3].number_input(_("Kernel"), 1, 31, key=f"{SK}_k"))
    kind = c[4].radio(_("Padding"), list(STACK_PADDINGS), key=f"{SK}_pad",
                      format_func=i18n.option_labels(STACK_PADDINGS), horizontal=True)
    padding = kind
    if kind == "number":
        padding = int(c[4].number_input(_("Padding per side"), 0, 32, key=f"{SK}_p"))
    stride = int(c[5].number_input(_("Stride"), 1, 8, key=f"{SK}_s"))
    dilation = int(c[6].number_input(_("Dilation"), 1, 8, key=f"{SK}_d"))
    layers = [ConvLayer(k, stride, padding, dilation)] * n
    try:
        rows = layer_stack_shapes(in_hw, layers)
        failure = None
    except StackError as err:
        rows, failure = list(err.rows), err
    except ValueError as err:
        st.error(_("**These layers cannot be built:** {error}.").format(error=err))
        return
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        table = stack_table(in_hw, rows)
        st.dataframe(table, hide_index=True, width="stretch",
                     height=min(38 + 35 * len(table), 420))
    with right:
        show_chart(shared_cache.figure(FS.stack_figure, in_hw, rows), "layer_stack",
                   width="stretch",
                   key=f"{SK}_chart")
    if failure is not None:
        st.error(_("**The stack stops at layer {layer}.** {error}. The rule: each layer's window "
                   "must fit in its (padded) input.").format(layer=failure.layer, error=failure))
    elif rows:
        last = rows[-1]
        kept = last.out_hw[0] * last.out_hw[1] / (in_hw[0] * in_hw[1])
        if kept < 1:
            change = _("{percent}% of the cells are gone").format(
                percent=f"{100 * (1 - kept):.1f}")
        elif kept == 1:
            change = _("no cells are lost")
        else:
            change = _("{times}× as many cells").format(times=f"{kept:.2f}")
        st.success(n_(
            "**{size} → {out}** after {n} layer: {change}. One output cell's receptive field "
            "is a **{field}** region of the (padded) input; neighbouring output cells are "
            "{jump} input cells apart. Each layer adds d·(k − 1)·(product of the earlier "
            "strides) to the receptive field.",
            "**{size} → {out}** after {n} layers: {change}. One output cell's receptive field "
            "is a **{field}** region of the (padded) input; neighbouring output cells are "
            "{jump} input cells apart. Each layer adds d·(k − 1)·(product of the earlier "
            "strides) to the receptive field.", n).format(
                size=size_text(in_hw), out=size_text(last.out_hw), n=n, change=change,
                field=size_text(last.field.size), jump=size_text(last.field.jump)))


def stack_table(in_hw, rows) -> list[dict]:
    """One row per layer (the input first): shape, padding, receptive field, jump."""
    layer, shape, padding = _("layer"), _("shape"), _("padding")
    field, jump = _("receptive field"), _("jump")
    table = [{layer: _("input"), shape: size_text(in_hw), padding: "", field: "1×1",
              jump: "1"}]
    for row in rows:
        (pt, pb), (pl, pr) = row.pads
        pads = str(pt) if len({pt, pb, pl, pr}) == 1 else f"{pt},{pb} / {pl},{pr}"
        table.append({layer: str(row.layer), shape: size_text(row.out_hw), padding: pads,
                      field: size_text(row.field.size),
                      jump: size_text(row.field.jump) if row.field.jump[0] != row.field.jump[1]
                      else str(row.field.jump[0])})
    return table


# ------------------------------------------------------------------------------ transposed


@st.cache_resource(max_entries=16, show_spinner=False)
def transpose_charts(in_hw, k_hw, stride, padding, output_padding, lang, presenting=False):
    """The transposed convolution's parts and figures (cached per language and mode)."""
    x = np.arange(in_hw[0] * in_hw[1], dtype=np.float64).reshape(in_hw)
    kernel = np.arange(k_hw[0] * k_hw[1], dtype=np.float64).reshape(k_hw)
    parts = FS.transpose_parts(x, kernel, stride, padding, output_padding)
    if presenting:  # cells large enough for 24 px numbers
        return parts, FS.transpose_figures(parts, stride, available_px=PRESENTER_WIDTH_PX,
                                           max_cell_px=PRESENTER_CELL_PX)
    return parts, FS.transpose_figures(parts, stride, available_px=1100)


def transpose_section() -> None:
    st.subheader(_("Transposed convolution"))
    st.markdown(_("The transposed convolution goes the other way: **every input cell scatters "
                  "a copy of the kernel, scaled by its value**, into the output, `stride` cells "
                  "apart; overlapping copies add up, and `padding` then cuts cells off every "
                  "side. Input and kernel hold 0, 1, 2, … (d2l's example)."))
    cols = st.columns(len(TR_PRESETS))
    for k, (label, help_text, values) in enumerate(TR_PRESETS):
        cols[k].button(label, key=f"{TR}_preset_{k}", help=_(help_text), width="stretch",
                       on_click=state.set_values(values))
    c = st.columns(7)
    in_hw = (int(c[0].number_input(_("Input height"), 1, 4, key=f"{TR}_h")),
             int(c[1].number_input(_("Input width"), 1, 4, key=f"{TR}_w")))
    k_hw = (int(c[2].number_input(_("Kernel height"), 1, 4, key=f"{TR}_kh")),
            int(c[3].number_input(_("Kernel width"), 1, 4, key=f"{TR}_kw")))
    stride = int(c[4].number_input(_("Stride"), 1, 3, key=f"{TR}_s"))
    padding = int(c[5].number_input(_("Padding"), 0, 3, key=f"{TR}_p"))
    output_padding = int(c[6].number_input(_("Output padding"), 0, 2, key=f"{TR}_op",
                                           help=_("Extra cells at the bottom/right; must be "
                                                  "smaller than the stride")))
    try:
        formulas = explain_conv_transpose_output_shape(in_hw, k_hw, stride, padding,
                                                       output_padding)
        parts, figures = transpose_charts(in_hw, k_hw, stride, padding, output_padding,
                                          i18n.current_language(), presenter.presenter_mode())
    except ValueError as err:
        st.error(_("**No output: {error}.**").format(error=err))
        return
    out_hw = tuple(f.result for f in formulas)
    st.markdown(f"#### {size_text(in_hw)} → **{size_text(out_hw)}**")
    lines = FS.transpose_formula_lines(formulas, in_hw, k_hw, stride, padding, output_padding)
    st.code("\n".join(lines), language=None)
    for k, fig in enumerate(figures):
        if k == 1:
            if stride == 1:
                where = _("row r, column c")
            else:
                where = _("row {s}·r, column {s}·c").format(s=stride)
            st.markdown(_("**Each input cell's patch** (its value times the kernel, placed at "
                          "{where}; the outline marks where it lands):").format(where=where))
        show_chart(fig, f"transposed_{k}", key=f"{TR}_chart_{k}")
    if padding:
        st.caption(_("The hatched cells of the sum are cut off: padding {p} removes {p} row(s) "
                     "and column(s) on every side (output_padding then adds cells back at the "
                     "bottom/right).").format(p=padding))
    if len(figures) == 1:
        st.caption(_("The {n} patches are not drawn one by one beyond {most} input cells.")
                   .format(n=in_hw[0] * in_hw[1], most=FS.MAX_PATCHES))
    rows = "[" + ", ".join("[" + ", ".join(format_number(v) for v in row) + "]"
                           for row in parts.output) + "]"
    st.code(f"conv_transpose2d(x, K, stride={stride}, padding={padding}, "
            f"output_padding={output_padding}) =\n{rows}", language=None)


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    state.init_defaults({**DEFAULTS, **STACK_DEFAULTS, **TR_DEFAULTS})
    st.title(_("Padding & stride"))
    if presenter.show_if_not_presenting():
        st.markdown(_(
            "Why is the output smaller than the input, and by how much? **Padding** adds cells "
            "around the input, **stride** moves the window more than one cell per step, "
            "**dilation** spreads the kernel's taps. The formula below is filled in with your "
            "numbers; the drawing shows where the windows go and which cells they never "
            "reach."))
    quiz.quiz_enabled(P)
    presets_section(hide_shape=quiz.is_enabled(P))
    geometry_section()
    quiz.score_badge(P)
    st.divider()
    stack_section()
    st.divider()
    transpose_section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
