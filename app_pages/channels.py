"""Channels: several input channels add up, several kernels give several output channels.

Thin page: widgets (ui.controls + a few of its own) → numbers (convcore, mostly
convcore.channels) → figures (ui.figures_channels). Five sections in tabs: many inputs, many
outputs, 1×1 convolution, groups, an RGB photo. The open tab is a setting like any other
(``channels_section``, ``?tab=`` in the link), so a prepared link opens on it and "Open in
channels" from Your image opens the RGB photo. Session-state keys start with ``channels_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from convcore import (
    ImageLoadError,
    WindowTrace,
    cell_arithmetic,
    channel_connections,
    check_groups,
    conv1x1_as_matmul,
    conv2d,
    downsample,
    format_number,
    layer_cost,
    load_image,
    per_channel_correlations,
    to_uint8,
    valid_groups,
    window_trace,
)
from convcore.padding import pad
from convcore.shapes import size_text
from ui import a11y, code_panel, controls, i18n, image_source, presenter, shared_cache
from ui import figures as F
from ui import figures_channels as FC
from ui import url_state as us
from ui.figures import picked_cell
from ui.i18n import N_, _

P = "channels"
PAGE = "app_pages/channels.py"
CHART_CONFIG = {"displayModeBar": False}
#: The charts' config: the mode-bar camera saves a PNG.
PNG_CONFIG = controls.chart_config("channels", CHART_CONFIG)

# The seeds' two-channel example (d2l 5.4.1): 56 at the first cell.
SEED_X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
                   [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=np.float64)
SEED_K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=np.float64)
MAX_CHANNELS = 4
MAX_SIDE = 8  # input channels typed on the multi-input tab
MAX_KERNEL_SIDE = 5
MAX_GROUP_CHANNELS = 64


def _random_stack(channels: int, rows: int, cols: int, low: int, high: int,
                  seed: int) -> np.ndarray:
    return np.stack([controls.random_grid(rows, cols, low, high, seed * 101 + c)
                     for c in range(channels)])


#: Short labels: the select box must show them whole on a projector.
EXAMPLES = {
    "d2l": N_("d2l: two channels (56)"),
    "one": N_("One channel (19)"),
    "three": N_("Three channels, 3×3 kernel"),
}

MIXING_KINDS = {"uniform": N_("random in [0, 1) (the seeds')"),
                "integers": N_("small integers")}

#: The page's sections (tabs), in teaching order: URL code → tab label. Short labels, no
#: emoji: every one must stay readable on a 1280 px projector, in Chinese too.
SECTIONS = {
    "inputs": N_("Many inputs → one output"),
    "outputs": N_("Many outputs"),
    "mix": N_("1×1 convolution"),
    "groups": N_("Groups & depthwise"),
    "photo": N_("RGB photo"),
}
#: Each section's opening explanation (folded below the figures in presenter mode).
SECTION_TEXT = {
    "inputs": N_(
        "With several input channels (the R, G, B planes of a photo, or the feature maps of "
        "the layer before), the kernel gets **one slice per input channel**. Each channel is "
        "cross-correlated with its own slice, and the partial maps are **added up**, plus one "
        "bias: one output channel. Click a cell of any map below to follow its sum."),
    "outputs": N_(
        "One kernel block gives one output channel. For **several output channels** a layer "
        "holds one block per output channel, each looking at **all** input channels. d2l "
        "stacks the kernel K of the first tab with K + 1 and K + 2: three output channels."),
    "mix": N_(
        "A **1×1 convolution** looks at one pixel at a time: every output channel is a "
        "weighted sum of the input channels **at the same pixel**. Lay the pixels out as "
        "columns and it is one matrix product, a fully connected layer applied to every "
        "pixel: **(c_o × c_i) · (c_i × h·w)**."),
    "groups": N_(
        "`groups` splits the input channels and the output channels into that many groups "
        "of equal size; each output channel sees only the input channels of its own group. "
        "**Depthwise** is the extreme: groups = c_i, one input channel per group. Fewer "
        "connections means fewer weights and fewer multiply-adds."),
    "photo": N_(
        "A colour photo is a three-channel input: its **R, G, B planes**. A layer's kernel has "
        "a slice for each; each plane is filtered on its own, and the three results are "
        "**added**. By default every plane gets the same Sobel x slice, which finds vertical "
        "edges."),
}
PAGE_INTRO = N_(
    "Real inputs have **channels**: the three colour planes of a photo, or the many "
    "feature maps one layer hands to the next. A convolutional layer adds its input "
    "channels up and makes as many output channels as it has kernels.")
#: The width the main column leaves a figure at 1280 px in presenter mode.
PRESENTER_FIGURE_PX = 740
#: A cell that holds a 24 px two-decimal number (0.63) in presenter mode.
PRESENTER_READABLE_CELL_PX = 66


#: The open section's code (URL ``tab=``); the tabs widget's own key holds its label.
SECTION_KEY = f"{P}_section"
TABS_KEY = f"{P}_tabs"
#: The tab strip wraps onto a second line rather than hiding tabs behind a scroll arrow
#: (presenter mode's larger text, a phone, a narrow window).
TAB_STRIP_CSS = (f"<style>.st-key-{TABS_KEY} [role='tablist'] "
                 "{ flex-wrap: wrap; row-gap: 0.25rem; }</style>")

#: The defaults of the page's own URL-backed widgets. They live in session state (set once
#: with ``setdefault``) and are never passed to the widget as ``value=``: a link sets the
#: same keys, and a widget given both warns on the server.
WIDGET_DEFAULTS = {
    f"{P}_mi_bias": 0.0,
    f"{P}_mo_out": 3, f"{P}_mo_bias": False,
    f"{P}_mx_in": 3, f"{P}_mx_out": 2, f"{P}_mx_h": 3, f"{P}_mx_w": 3,
    f"{P}_g_in": 4, f"{P}_g_out": 8, f"{P}_g_k": 3, f"{P}_g_size": 32, f"{P}_g_bias": True,
    f"{P}_photo_side": 32,
}


def url_schema() -> us.UrlSchema:
    """The open section and every section's main settings in the URL (example, bias,
    geometry, channel counts)."""
    d = WIDGET_DEFAULTS
    ints = [(f"{P}_mo_out", "mo", 1, 4, N_("output channels")),
            (f"{P}_mx_in", "xi", 1, 4, N_("1×1 input channels")),
            (f"{P}_mx_out", "xo", 1, 4, N_("1×1 output channels")),
            (f"{P}_mx_h", "xh", 1, 5, N_("1×1 height")),
            (f"{P}_mx_w", "xw", 1, 5, N_("1×1 width")),
            (f"{P}_g_in", "gi", 1, MAX_GROUP_CHANNELS, N_("group input channels")),
            (f"{P}_g_out", "go", 1, MAX_GROUP_CHANNELS, N_("group output channels")),
            (f"{P}_g_size", "gs", 1, 512, N_("group output size"))]
    return us.UrlSchema(P, [
        us.UrlParam(SECTION_KEY, "choice", "inputs", choices=list(SECTIONS), name="tab",
                    label=N_("section")),
        us.UrlParam(f"{P}_mi_example", "choice", "d2l", choices=list(EXAMPLES), name="ex",
                    label=N_("example")),
        us.UrlParam(f"{P}_mi_bias", "float", d[f"{P}_mi_bias"], min=-100.0, max=100.0,
                    name="b", label=N_("bias")),
        *us.conv_params(f"{P}_mi_geo", short="m"),
        *[us.UrlParam(key, "int", d[key], min=lo, max=hi, name=name, label=label)
          for key, name, lo, hi, label in ints],
        us.UrlParam(f"{P}_g_groups", "int", 1, min=1, max=MAX_GROUP_CHANNELS, name="g",
                    label=N_("groups")),
        us.UrlParam(f"{P}_mo_bias", "bool", d[f"{P}_mo_bias"], name="mob",
                    label=N_("bias per output")),
        us.UrlParam(f"{P}_g_k", "choice", d[f"{P}_g_k"], choices=[1, 3, 5, 7], name="gk",
                    label=N_("group kernel")),
        us.UrlParam(f"{P}_g_bias", "bool", d[f"{P}_g_bias"], name="gb",
                    label=N_("group bias")),
        us.UrlParam(f"{P}_photo_side", "choice", d[f"{P}_photo_side"], choices=[16, 24, 32],
                    name="side", label=N_("photo size")),
        # What is picked and followed: the output cell, the pixel, the kind of numbers.
        us.UrlParam(f"{P}_mi_i", "int", 0, min=0, max=MAX_SIDE * 4, name="i",
                    label=N_("output row")),
        us.UrlParam(f"{P}_mi_j", "int", 0, min=0, max=MAX_SIDE * 4, name="j",
                    label=N_("output column")),
        us.UrlParam(f"{P}_mx_kind", "choice", "uniform", choices=list(MIXING_KINDS),
                    name="xk", label=N_("kind of numbers")),
        us.UrlParam(f"{P}_mx_seed", "int", 0, min=0, max=100_000, name="xs",
                    label=N_("random numbers")),
        us.UrlParam(f"{P}_mx_pixel", "int-list", (0, 0), min=0, max=4, min_len=2, max_len=2,
                    name="px", label=N_("followed pixel"),
                    to_state=lambda rc: {f"{P}_mx_pixel": (int(rc[0]), int(rc[1]))}),
        # The photo: which one, and its kernel (one for all planes, or one per plane).
        us.UrlParam(f"{P}_photo_image", "choice", None, choices=photo_choices(), name="img",
                    label=N_("photo"),
                    when=lambda state: state.get(f"{P}_photo_image") not in (
                        None, default_photo())),
        *typed_numbers_params(),
        us.UrlParam(f"{P}_photo_each", "bool", False, name="pe",
                    label=N_("a kernel per channel")),
        *us.kernel_params(f"{P}_photo_k", default="sobel_x", name="pk"),
        *[param for plane in "rgb"
          for param in us.kernel_params(f"{P}_photo_k{plane}", default="sobel_x",
                                        name=f"pk{plane}")],
    ])


def typed_numbers_params() -> list[us.UrlParam]:
    """The numbers typed on the multi-input section, in the link once they differ from the
    chosen example: ``n`` channels, ``x0 x1 …`` the input channels, ``k0 k1 …`` the kernel
    slices (``1,2;3,4`` as a float-grid). A prepared link lost them (issue 9)."""
    count = us.UrlParam(f"{P}_mi_count", "int", None, min=1, max=MAX_CHANNELS, name="n",
                        label=N_("number of channels"), when=_typed)
    grids = []
    for c in range(MAX_CHANNELS):
        for letter, text_key, side, label in (
                ("x", f"{P}_mi_x{c}", MAX_SIDE, N_("typed input channel")),
                ("k", f"{P}_mi_k{c}", MAX_KERNEL_SIDE, N_("typed kernel slice"))):
            grids.append(us.UrlParam(
                f"{text_key}_typed", "float-grid", None, name=f"{letter}{c}", label=label,
                max_len=side, when=lambda state, c=c: _typed(state) and c < state.get(
                    f"{P}_mi_count", 0),
                to_state=lambda value, key=text_key: {
                    key: controls.format_grid(value), f"{key}_typed": value}))
    return [count, *grids]


def _typed(state) -> bool:
    return bool(state.get(TYPED_KEY))


#: True while the multi-input section's numbers differ from its example (then they go in
#: the link).
TYPED_KEY = f"{P}_mi_typed"


def _remember_typed(arrays: tuple[np.ndarray, np.ndarray] | None) -> None:
    """Keep what the link needs: the parsed channels, and whether they are the example's.
    Numbers that do not parse keep the last valid ones in the link."""
    if arrays is None:
        return
    x, k = arrays
    ex_x, ex_k = example_arrays(st.session_state.get(f"{P}_mi_example", "d2l"))
    same = x.shape == ex_x.shape and k.shape == ex_k.shape and np.array_equal(x, ex_x) \
        and np.array_equal(k, ex_k)
    st.session_state[TYPED_KEY] = not same
    for c in range(x.shape[0]):
        st.session_state[f"{_x_key(c)}_typed"] = x[c]
        st.session_state[f"{_k_key(c)}_typed"] = k[c]


CURRENT, PATCH = "current", "patch"


def default_photo() -> str:
    """The photo the RGB section opens on: the session's own image, else the house."""
    if image_source.current_image() is not None:
        return CURRENT
    samples = [p.name for p in controls.sample_files()]
    return "house.png" if "house.png" in samples else (samples or [controls.UPLOAD])[0]


def photo_choices() -> list[str]:
    """Every photo a link may name: the session's own image and patch, the samples, an
    upload (the first two and the last only work while the server still has the image)."""
    return [CURRENT, PATCH, *(p.name for p in controls.sample_files()), controls.UPLOAD]


URL = url_schema()


def example_arrays(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The input (C, H, W) and kernel (C, kh, kw) of a named example."""
    if name == "one":
        return SEED_X[:1], SEED_K[:1]
    if name == "three":
        return _random_stack(3, 5, 5, 0, 4, 3), _random_stack(3, 3, 3, -1, 1, 7)
    return SEED_X, SEED_K


# ------------------------------------------------------------------------------ state




def _x_key(c: int) -> str:
    return f"{P}_mi_x{c}"


def _k_key(c: int) -> str:
    return f"{P}_mi_k{c}"


def _set_arrays(x: np.ndarray, k: np.ndarray) -> None:
    st.session_state[f"{P}_mi_count"] = x.shape[0]
    for c in range(x.shape[0]):
        st.session_state[_x_key(c)] = controls.format_grid(x[c])
        st.session_state[_k_key(c)] = controls.format_grid(k[c])


def _load_example() -> None:
    _set_arrays(*example_arrays(st.session_state[f"{P}_mi_example"]))


def _shape_of(key: str, default: tuple[int, int]) -> tuple[int, int]:
    try:
        return controls.parse_grid(st.session_state.get(key, ""), max_side=MAX_SIDE).shape
    except ValueError:
        return default


def _randomize() -> None:
    st.session_state[f"{P}_mi_seed"] = st.session_state.get(f"{P}_mi_seed", 0) + 1
    seed = st.session_state[f"{P}_mi_seed"]
    count = st.session_state[f"{P}_mi_count"]
    h, w = _shape_of(_x_key(0), (4, 4))
    kh, kw = _shape_of(_k_key(0), (2, 2))
    _set_arrays(_random_stack(count, h, w, 0, 5, seed), _random_stack(count, kh, kw, -2, 2,
                                                                       seed + 1000))


def _add_channel() -> None:
    count = st.session_state[f"{P}_mi_count"]
    if count >= MAX_CHANNELS:
        return
    seed = st.session_state.get(f"{P}_mi_seed", 0) * 31 + count
    h, w = _shape_of(_x_key(0), (3, 3))
    kh, kw = _shape_of(_k_key(0), (2, 2))
    st.session_state[_x_key(count)] = controls.format_grid(
        controls.random_grid(h, w, 0, 5, seed))
    st.session_state[_k_key(count)] = controls.format_grid(
        controls.random_grid(kh, kw, -2, 2, seed + 1))
    st.session_state[f"{P}_mi_count"] = count + 1


def _remove_channel() -> None:
    st.session_state[f"{P}_mi_count"] = max(1, st.session_state[f"{P}_mi_count"] - 1)


def _pick_from_chart(chart_key: str, row_key: str, col_key: str):
    def callback() -> None:
        picked = picked_cell(st.session_state.get(chart_key))
        if picked is not None and picked[0] == "output":
            st.session_state[row_key], st.session_state[col_key] = picked[1], picked[2]

    return callback


def _bounded_number(label: str, key: str, high: int, *, container=st) -> int:
    """An integer input 0..high whose remembered value is pulled back into range first."""
    st.session_state[key] = int(min(max(st.session_state.get(key, 0), 0), high))
    return int(container.number_input(label, 0, high, key=key, step=1))


def section_intro(code: str) -> None:
    """A section's explanation above its controls (below its figures when presenting)."""
    if not presenter.presenter_mode():
        st.markdown(_(SECTION_TEXT[code]))


def section_outro(code: str) -> None:
    """In presenter mode the explanation comes last, folded: the figure stays on screen."""
    if presenter.presenter_mode():
        with st.expander(_("About this section")):
            st.markdown(_(SECTION_TEXT[code]))


def figure_size(max_cell_px: float, available_px: float) -> dict[str, float]:
    """``max_cell_px`` and ``available_px`` for a figure builder: as given, or projector
    sized in presenter mode (cells up to ``ui.presenter``'s, the main column's width)."""
    if not presenter.presenter_mode():
        return dict(max_cell_px=max_cell_px, available_px=available_px)
    return dict(max_cell_px=presenter.figure_scale()["max_cell_px"],
                available_px=PRESENTER_FIGURE_PX)


def numbers_expander(what: str, tables: list[str]) -> None:
    """A figure's text alternative: its grids as tables a screen reader can walk, folded."""
    with st.expander(_("Show as numbers: {what}").format(what=what)):
        st.html("".join(tables))


def live_headline(text: str) -> None:
    """The figure's headline, bold, in a polite live region: a screen reader reads it out
    when it changes (another cell picked, another bias)."""
    a11y.live_region(f"**{text}**", markdown=True)


#: In presenter mode, grids whose cells are smaller than this (a photo's planes) lose
#: their row and column numbers: enlarged, those would cover each other and the titles.
PRESENTER_TICKS_MIN_CELL_PX = 24
#: Row and column numbers in presenter mode: a panel title sits 20 px above its grid.
PRESENTER_TICK_PX = 13


def show_chart(fig, key: str, **kwargs) -> None:
    """``st.plotly_chart`` with the page's settings; fonts enlarged in presenter mode."""
    if presenter.presenter_mode():
        fig = presenter.scale_figure(fig)  # a copy: cached figures stay as they are
        meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
        if meta.get("cell_px", PRESENTER_TICKS_MIN_CELL_PX) < PRESENTER_TICKS_MIN_CELL_PX:
            fig.update_xaxes(showticklabels=False)
            fig.update_yaxes(showticklabels=False)
        else:  # row and column numbers stay small enough to sit under the panel titles
            fig.update_xaxes(tickfont_size=PRESENTER_TICK_PX)
            fig.update_yaxes(tickfont_size=PRESENTER_TICK_PX)
    fig, hidden = controls.readable_numbers(fig)
    st.plotly_chart(fig, width="content", theme=None, key=key, config=PNG_CONFIG, **kwargs)
    if hidden:
        controls.numbers_hidden_note()


# ------------------------------------------------------------------------------ numbers


@dataclass(frozen=True, eq=False)
class MultiInput:
    """One output channel of a multi-input convolution, every piece from convcore."""

    x: np.ndarray  # (C, H, W)
    kernel: np.ndarray  # (C, kh, kw)
    bias: float
    padding_mode: str
    trace: WindowTrace
    padded: np.ndarray  # (C, Hp, Wp)
    partials: np.ndarray  # (C, H_out, W_out)
    summed: np.ndarray  # conv2d without bias
    output: np.ndarray  # conv2d with bias

    def geometry(self) -> dict:
        t = self.trace
        return dict(stride=t.stride, padding=t.pads, dilation=t.dilation,
                    padding_mode=self.padding_mode)

    def channel_arithmetic(self, i: int, j: int) -> list:
        return [cell_arithmetic(self.x[c], self.kernel[c], i, j, **self.geometry())
                for c in range(self.x.shape[0])]

    def total_arithmetic(self, i: int, j: int, *, reverse: bool = False):
        order = slice(None, None, -1) if reverse else slice(None)
        return cell_arithmetic(self.x[order], self.kernel[order], i, j, bias=self.bias,
                               **self.geometry())


def compute_multi_input(x: np.ndarray, kernel: np.ndarray, bias: float,
                        settings: controls.ConvSettings) -> MultiInput:
    """Raises ValueError/TypeError (shown to the user) for settings that cannot work."""
    trace = window_trace(x.shape[1:], kernel.shape[1:], settings.stride, settings.padding,
                         settings.dilation)
    geo = dict(stride=trace.stride, padding=trace.pads, dilation=trace.dilation,
               padding_mode=settings.padding_mode)
    weight = kernel[None]
    partials = per_channel_correlations(x, weight, **geo)[0]
    summed = conv2d(x, weight, **geo)[0]
    output = conv2d(x, weight, bias=[bias], **geo)[0]
    padded = pad(x, trace.pads, settings.padding_mode)
    return MultiInput(x, kernel, float(bias), settings.padding_mode, trace, padded, partials,
                      summed, output)


def read_channels(*, report: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """The typed input channels and kernel slices, or None (with messages when ``report``)
    when they do not make one (C, H, W) input and one (C, kh, kw) kernel."""
    count = st.session_state[f"{P}_mi_count"]
    xs, ks, ok = [], [], True
    for c in range(count):
        for key, what, side, into in (
                (_x_key(c), _("input channel {c}").format(c=c), MAX_SIDE, xs),
                (_k_key(c), _("kernel slice {c}").format(c=c), MAX_KERNEL_SIDE, ks)):
            try:
                into.append(controls.parse_grid(st.session_state[key], max_side=side,
                                                what=what))
            except ValueError as err:
                if report:
                    st.error(str(err))
                ok = False
    if not ok:
        return None
    for arrays, kind in ((xs, "input"), (ks, "kernel")):
        shapes = [a.shape for a in arrays]
        if len(set(shapes)) > 1:
            bad = next(c for c, s in enumerate(shapes) if s != shapes[0])
            if report:
                st.error(_same_size_message(kind, bad, shapes[bad], shapes[0]))
            ok = False
    return (np.stack(xs), np.stack(ks)) if ok else None


def _same_size_message(kind: str, bad: int, bad_shape, first_shape) -> str:
    """Why channel ``bad`` of the inputs (``kind="input"``) or kernel slices does not fit."""
    sizes = dict(bad=bad, bad_size=size_text(bad_shape), first_size=size_text(first_shape))
    if kind == "input":
        return _("Every input channel must have the same size: input channel {bad} is "
                 "{bad_size} but input channel 0 is {first_size}. An image's channels are "
                 "planes of the same picture, pixel for pixel.").format(**sizes)
    return _("Every kernel slice must have the same size: kernel slice {bad} is {bad_size} "
             "but kernel slice 0 is {first_size}. One output channel's kernel is a "
             "(channels, kh, kw) block: one kh×kw slice per input channel, all the same "
             "size.").format(**sizes)


def _init_multi_input() -> None:
    if f"{P}_mi_count" not in st.session_state:
        st.session_state.setdefault(f"{P}_mi_example", "d2l")
        _load_example()


def current_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The multi-input section's input and kernel, or the seed's when they do not parse."""
    _init_multi_input()
    arrays = read_channels(report=False)
    return arrays if arrays is not None else (SEED_X, SEED_K)


# ------------------------------------------------------------------------------ tab 1


def multi_input_tab() -> None:
    section_intro("inputs")
    _init_multi_input()
    c_example, c_bias, c_row, c_col = st.columns([2, 1, 1, 1], gap="small")
    c_example.selectbox(_("Example"), list(EXAMPLES), key=f"{P}_mi_example",
                        format_func=i18n.option_labels(EXAMPLES), on_change=_load_example)
    bias = float(c_bias.number_input(_("Bias b"), -100.0, 100.0, step=1.0,
                                     key=f"{P}_mi_bias", format="%g"))
    if presenter.presenter_mode():
        # Projector: the figure right under the one row of controls, full width, the sums
        # below it, the editors (folded) last.
        fig_col, text_col = st.container(), st.container()
        e_numbers, e_geometry = st.columns([2.2, 2.6], gap="medium")
    else:
        e_numbers, e_geometry = st.columns([2.2, 2.6], gap="medium")
        fig_col, text_col = st.columns([1.2, 1], gap="large")
    count = st.session_state[f"{P}_mi_count"]
    with e_numbers.expander(_("Edit the numbers ({count} channels)").format(count=count)):
        st.caption(_("Rows on lines, numbers separated by spaces. Input channels up to "
                     "{side}×{side}, kernel slices up to {kside}×{kside}.").format(
                         side=MAX_SIDE, kside=MAX_KERNEL_SIDE))
        for c in range(count):
            a, b = st.columns([1.3, 1])
            a.text_area(f"X[{c}]", key=_x_key(c), height=110)
            b.text_area(f"K[{c}]", key=_k_key(c), height=110)
        b1, b2, b3 = st.columns(3)
        b1.button(_("Add a channel"), key=f"{P}_mi_add", on_click=_add_channel,
                  disabled=count >= MAX_CHANNELS)
        b2.button(_("Remove a channel"), key=f"{P}_mi_remove", on_click=_remove_channel,
                  disabled=count <= 1)
        b3.button(_("Random numbers"), key=f"{P}_mi_random", on_click=_randomize)
    with e_geometry.expander(_("Padding, stride, dilation")):
        settings = controls.conv_settings(f"{P}_mi_geo")
    with fig_col:
        arrays = read_channels()
    _remember_typed(arrays)
    if arrays is None:
        return
    x, kernel = arrays
    try:
        m = compute_multi_input(x, kernel, bias, settings)
    except (ValueError, TypeError) as err:
        with fig_col:
            st.warning(_("These settings cannot work: {reason}.").format(reason=err))
        return
    out_h, out_w = m.trace.out_hw
    i = _bounded_number(_("Output row"), f"{P}_mi_i", out_h - 1, container=c_row)
    j = _bounded_number(_("Output column"), f"{P}_mi_j", out_w - 1, container=c_col)
    fig = shared_cache.figure(FC.multi_input_figure, m.padded, m.kernel, m.partials,
                              m.summed, m.bias, m.output, pads=m.trace.pads,
                              window=m.trace.window_box(i, j), cell=(i, j),
                              **figure_size(48, 520))
    with fig_col, a11y.main_figure():  # the page's main figure (projector layout test)
        chart = f"{P}_mi_chart"
        show_chart(fig, chart, on_select=_pick_from_chart(chart, f"{P}_mi_i", f"{P}_mi_j"),
                   selection_mode=("points",))
        st.caption(_("Top to bottom: the input channels (the orange frame is the window of "
                     "the picked output cell), the kernel slices, each channel ⋆ its slice, "
                     "their sum Σ, plus the bias: the output. ⋆ is cross-correlation."))
        multi_input_tables(m, i, j)
    with text_col:
        multi_input_text(m, i, j)
        named = settings.padding if settings.padding in ("same", "valid") else None
        code_panel.conv_panel(f"{P}_mi_code", x, kernel, bias or None, stride=m.trace.stride,
                              padding=named or m.trace.pads, dilation=m.trace.dilation,
                              padding_mode=settings.padding_mode)


def multi_input_tables(m: MultiInput, i: int, j: int) -> None:
    """The pipeline's grids as tables: the window and the picked cell named in words."""
    (top, _bottom), (left, _right) = m.trace.pads
    window = {_("window"): [m.trace.window_box(i, j)]} if m.trace.dilation == (1, 1) else {}
    picked = {_("picked cell"): [(i, j, i, j)]}
    tables = []
    for c in range(m.x.shape[0]):
        tables.append(FC.numbers_table_html(
            m.padded[c], _("X[{c}] input channel").format(c=c), marks=window,
            row_origin=-top, col_origin=-left))
    tables += [FC.numbers_table_html(m.kernel[c], f"K[{c}]") for c in range(m.x.shape[0])]
    tables += [FC.numbers_table_html(m.partials[c], f"X[{c}] ⋆ K[{c}]", marks=picked)
               for c in range(m.x.shape[0])]
    tables.append(FC.numbers_table_html(m.summed, _("Σ over channels"), marks=picked))
    tables.append(FC.numbers_table_html(m.output, _("output = Σ + b, b = {value}").format(
        value=format_number(m.bias)), marks=picked))
    numbers_expander(_("every grid of the figure"), tables)


def multi_input_text(m: MultiInput, i: int, j: int) -> None:
    channels = m.x.shape[0]
    live_headline(_("Output cell ({i}, {j}) = {value}").format(
        i=i, j=j, value=format_number(m.output[i, j])))
    lines = FC.channel_sum_lines(m.channel_arithmetic(i, j), m.total_arithmetic(i, j))
    st.code("\n".join(part for line in lines for part in F.wrap_sum(line)), language=None,
            wrap_lines=True)
    if channels > 1:
        reverse = m.total_arithmetic(i, j, reverse=True).text()
        st.caption(_("The order of the channels does not matter. d2l writes the sum last "
                     "channel first: {sum}").format(sum=reverse))
    st.markdown(_("**Output** ({size}) = `{values}`").format(
        size=size_text(m.output.shape), values=FC.matrix_text(m.output)))
    weight_shape = (1, *m.kernel.shape)
    st.markdown(_(
        "Input {channels}×{in_size} (channels × height × width) · kernel "
        "{channels}×{k_size} (one slice per input channel; as a PyTorch weight "
        "`{weight_shape}`) · output {out_size}: **one** channel, however many channels go "
        "in.").format(channels=channels, in_size=size_text(m.x.shape[1:]),
                      k_size=size_text(m.kernel.shape[1:]), weight_shape=weight_shape,
                      out_size=size_text(m.output.shape)))
    st.caption(_("The partial maps come from `per_channel_correlations`, the sum and the "
                 "output from `conv2d`, the arithmetic from `cell_arithmetic`, all in "
                 "convcore."))


# ------------------------------------------------------------------------------ tab 2


def multi_output_tab(x: np.ndarray, kernel: np.ndarray) -> None:
    section_intro("outputs")
    if presenter.presenter_mode():  # controls in one row, the figure, then the numbers
        slider_box, toggle_box = st.columns([1, 1.4], gap="large", vertical_alignment="center")
        right, left = st.container(), st.container()
    else:
        left, right = st.columns([1, 1.5], gap="large")
        slider_box = toggle_box = left
    with slider_box:
        c_out = int(st.slider(_("Output channels (K, K + 1, K + 2, …)"), 1, 4,
                              key=f"{P}_mo_out"))
    with toggle_box:
        bias = st.toggle(_("With a bias per output channel"), key=f"{P}_mo_bias")
    bank = np.stack([kernel + o for o in range(c_out)])
    try:
        outputs = conv2d(x, bank)
    except (ValueError, TypeError) as err:
        st.warning(_("These kernels do not fit the input: {reason}.").format(reason=err))
        return
    c_in, kh, kw = kernel.shape
    cost = layer_cost(c_in, c_out, (kh, kw), outputs.shape[1:], bias=bias)
    with left:
        st.markdown(_("**Weight tensor** shape (c_o, c_i, k_h, k_w) = **{shape}**").format(
            shape=cost.weight_shape))
        numbers = dict(c_out=c_out, c_in=c_in, kh=kh, kw=kw, weights=cost.weights,
                       biases=cost.biases, params=f"{cost.params:,}")
        if bias:
            st.markdown(_("**Parameters:** {c_out} × {c_in} × {kh} × {kw} = {weights} "
                          "weights + {biases} biases = **{params}**").format(**numbers))
        else:
            st.markdown(_("**Parameters:** {c_out} × {c_in} × {kh} × {kw} = {weights} "
                          "weights = **{params}**").format(**numbers))
        st.markdown(_(
            "**Multiply-adds:** {per_output} per output value (c_i·k_h·k_w = "
            "{c_in}·{kh}·{kw}) × {out_values} output values ({c_out} channels × {size}) = "
            "**{macs}**").format(per_output=cost.macs_per_output, c_in=c_in, kh=kh, kw=kw,
                                 out_values=cost.out_values, c_out=c_out,
                                 size=size_text(outputs.shape[1:]), macs=f"{cost.macs:,}"))
        st.code("\n".join(f"Y[{o}] = {FC.matrix_text(outputs[o])}" for o in range(c_out)),
                language=None)
        st.caption(_("`{code}` holds exactly these {params} parameters.").format(
            code=FC.conv2d_layer_code(c_in, c_out, (kh, kw), bias), params=f"{cost.params:,}"))
        # The bias toggle counts parameters; the maps above are drawn without one (zeros).
        code_panel.conv_panel(f"{P}_mo_code", x, bank, np.zeros(c_out) if bias else None)
    with right:
        fig = shared_cache.figure(FC.kernel_bank_figure, x, bank, outputs,
                                  **figure_size(44, 560))
        with a11y.main_figure("outputs"):
            show_chart(fig, f"{P}_mo_chart")
        st.caption(_("Each row is one output channel: its kernel has one slice per input "
                     "channel (left), and its output map (right) is Σ over channels of "
                     "X[c] ⋆ K[o, c]."))
        tables = [FC.numbers_table_html(x[c], _("X[{c}] input channel").format(c=c))
                  for c in range(c_in)]
        for o in range(c_out):
            tables += [FC.numbers_table_html(bank[o, c], f"K[{o}, {c}]") for c in range(c_in)]
            tables.append(FC.numbers_table_html(outputs[o], f"Y[{o}]"))
        numbers_expander(_("every grid of the figure"), tables)


# ------------------------------------------------------------------------------ tab 3


def _new_mixing_numbers() -> None:
    st.session_state[f"{P}_mx_seed"] = st.session_state.get(f"{P}_mx_seed", 0) + 1


def mixing_numbers(kind: str, c_in: int, c_out: int, h: int, w: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random (c_i, h, w) input and (c_o, c_i, 1, 1) weight, reproducibly.

    The uniform numbers are cut to two decimals (0.00 … 0.99): the figure prints every
    input value in its cell, and the number printed is then the number used.
    """
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return (np.floor(rng.uniform(size=(c_in, h, w)) * 100) / 100,
                np.floor(rng.uniform(size=(c_out, c_in, 1, 1)) * 100) / 100)
    return (rng.integers(0, 6, size=(c_in, h, w)).astype(np.float64),
            rng.integers(-2, 3, size=(c_out, c_in, 1, 1)).astype(np.float64))


def mixing_tab() -> None:
    section_intro("mix")
    cols = st.columns([1, 1, 1, 1, 1.2], gap="small")
    c_in = int(cols[0].number_input(_("Input channels c_i"), 1, 4, key=f"{P}_mx_in"))
    c_out = int(cols[1].number_input(_("Output channels c_o"), 1, 4, key=f"{P}_mx_out"))
    h = int(cols[2].number_input(_("Height h"), 1, 5, key=f"{P}_mx_h"))
    w = int(cols[3].number_input(_("Width w"), 1, 5, key=f"{P}_mx_w"))
    pixels = [(r, c) for r in range(h) for c in range(w)]
    key = f"{P}_mx_pixel"
    if st.session_state.get(key) not in pixels:
        st.session_state[key] = pixels[0]
    pixel = cols[4].selectbox(_("Follow the pixel (row, column)"), pixels, key=key,
                              format_func=lambda p: f"({p[0]}, {p[1]})")
    with presenter.advanced_controls(_("Numbers")):
        kind_col, new_col = st.columns([2, 1], gap="small", vertical_alignment="bottom")
        kind = kind_col.radio(_("Numbers"), list(MIXING_KINDS), key=f"{P}_mx_kind",
                              horizontal=True, format_func=i18n.option_labels(MIXING_KINDS))
        st.session_state.setdefault(f"{P}_mx_seed", 0)
        new_col.button(_("New random numbers"), key=f"{P}_mx_new",
                       on_click=_new_mixing_numbers)
    x, weight = mixing_numbers(kind, c_in, c_out, h, w, st.session_state[f"{P}_mx_seed"])
    mixing = conv1x1_as_matmul(x, weight)
    y_conv = conv2d(x, weight)
    distance = float(np.linalg.norm(mixing.output - y_conv))
    readable = PRESENTER_READABLE_CELL_PX if presenter.presenter_mode() else FC.READABLE_CELL_PX
    with a11y.main_figure("mix"):
        show_chart(shared_cache.figure(FC.mixing_figure, mixing, pixel=pixel,
                                       readable_cell_px=readable, **figure_size(72, 960)),
                   f"{P}_mx_chart")
    st.caption(_("Top: X as its {c_in} channel planes. Then each pixel becomes a column of "
                 "X̃ ({c_in} × {h}·{w}, read row by row), W X̃ gives Y, and each row of Y "
                 "folds back into an output plane. The orange frames follow pixel "
                 "({row}, {col}).").format(c_in=c_in, h=h, w=w, row=pixel[0], col=pixel[1]))
    followed = {_("followed pixel"): [(*pixel, *pixel)]}
    column = {_("followed pixel"): [(0, pixel[0] * w + pixel[1], c_out, pixel[0] * w + pixel[1])]}
    numbers_expander(_("every grid of the figure"), [
        *(FC.numbers_table_html(x[c], _("X[{c}] input channel").format(c=c), marks=followed)
          for c in range(c_in)),
        FC.numbers_table_html(mixing.matrix, "W"),
        FC.numbers_table_html(mixing.pixels, "X̃", marks=column),
        FC.numbers_table_html(mixing.product, "Y = W X̃", marks=column),
        *(FC.numbers_table_html(mixing.output[o], f"Y[{o}]", marks=followed)
          for o in range(c_out))])
    left, right = st.columns([1, 1.4], gap="large")
    with left:
        # Words, not ✅/❌: without an emoji font those are empty boxes.
        if distance < 1e-6:
            verdict = _("below 1e-6: the same numbers")
        else:
            verdict = _("not below 1e-6: the two results differ")
        st.markdown(f"**‖Y₁ − Y₂‖ = {distance:.3g}** ({verdict})")
        st.caption(_("Y₁ = the matrix product (`conv1x1_as_matmul`), Y₂ = the general "
                     "convolution (`conv2d` with the (c_o, c_i, 1, 1) weight): the seeds' "
                     "check `(Y1 - Y2).norm() < 1e-6`, with the actual distance (0, or a "
                     "rounding error in the last bits)."))
        cost = layer_cost(c_in, c_out, 1, (h, w), bias=False)
        st.markdown(_("Weight {shape}: **{params}** parameters (c_o·c_i), **{macs}** "
                      "multiply-adds (c_o·c_i·h·w).").format(
                          shape=cost.weight_shape, params=cost.params, macs=cost.macs))
        code_panel.conv_panel(f"{P}_mx_code", x, weight)
    with right:
        r, c = pixel
        lines = [f"Y[{o}, {r}, {c}] = "
                 + cell_arithmetic(x, weight[o], r, c).text().replace("(", "").replace(")", "")
                 for o in range(c_out)]
        st.code("\n".join(lines), language=None, wrap_lines=True)
        st.caption(_("Pixel ({row}, {col}) is column {column} of X̃: its {c_in} channel "
                     "values times each row of W give its column of Y, the same numbers "
                     "conv2d computes at ({row}, {col}) (orange frames).").format(
                         row=r, col=c, column=r * w + c, c_in=c_in))


# ------------------------------------------------------------------------------ tab 4


def _depthwise() -> None:
    c_in, c_out = st.session_state[f"{P}_g_in"], st.session_state[f"{P}_g_out"]
    if c_out % c_in:
        multiplier = min(MAX_GROUP_CHANNELS // c_in, max(1, round(c_out / c_in)))
        st.session_state[f"{P}_g_out"] = c_in * multiplier
    st.session_state[f"{P}_g_groups"] = c_in


def _dense() -> None:
    st.session_state[f"{P}_g_groups"] = 1


GROUP_KINDS = {"standard": N_("standard"), "depthwise": N_("depthwise"),
               "grouped": N_("grouped")}


def groups_tab() -> None:
    section_intro("groups")
    cols = st.columns(3, gap="small")
    c_in = int(cols[0].number_input(_("Input channels c_i"), 1, MAX_GROUP_CHANNELS,
                                    key=f"{P}_g_in"))
    c_out = int(cols[1].number_input(_("Output channels c_o"), 1, MAX_GROUP_CHANNELS,
                                     key=f"{P}_g_out"))
    options = valid_groups(c_in, c_out)
    key = f"{P}_g_groups"
    chosen = st.session_state.get(key, 1)
    problem = ""
    if chosen not in options:
        try:
            check_groups(c_in, c_out, chosen)
        except (ValueError, TypeError) as err:
            problem = _("{reason} Back to groups = 1.").format(reason=err)
        st.session_state[key] = 1
    groups = int(cols[2].selectbox(
        _("groups"), options, key=key,
        help=_("Only the common divisors of c_i and c_o are offered.")))
    with presenter.advanced_controls(_("Kernel, output size, bias")):
        more = st.columns(3, gap="small", vertical_alignment="bottom")
        k = int(more[0].selectbox(_("Kernel"), [1, 3, 5, 7], key=f"{P}_g_k",
                                  format_func=lambda n: f"{n}×{n}"))
        size = int(more[1].number_input(_("Output h = w"), 1, 512, key=f"{P}_g_size"))
        bias = more[2].toggle(_("Bias"), key=f"{P}_g_bias")
    if problem:
        st.warning(problem)
    b1, b2 = st.columns(2, gap="small")
    note = st.container()
    b1.button(_("Standard (groups = 1)"), key=f"{P}_g_dense", on_click=_dense)
    b2.button(_("Depthwise (groups = c_i)"), key=f"{P}_g_depthwise", on_click=_depthwise,
              help=_("Sets groups = c_i (and c_o to a multiple of c_i if it is not one)."))
    choices = dict(c_in=c_in, c_out=c_out, options=", ".join(map(str, options)))
    if c_out % c_in == 0:
        note.caption(_("groups must divide both {c_in} and {c_out}, so it can be "
                       "{options}.").format(**choices))
    else:
        note.caption(_("groups must divide both {c_in} and {c_out}, so it can be {options}. "
                       "Depthwise needs c_o to be a multiple of c_i ({c_out} is not a "
                       "multiple of {c_in}); the button rounds c_o to one.").format(**choices))
    cost = layer_cost(c_in, c_out, k, (size, size), groups=groups, bias=bias)
    dense = layer_cost(c_in, c_out, k, (size, size), bias=bias)
    connections = channel_connections(c_in, c_out, groups)
    m = st.columns(4)
    m[0].metric(_("Weight shape"), str(cost.weight_shape))
    m[1].metric(_("Parameters"), f"{cost.params:,}",
                delta=None if groups == 1 else _("÷{ratio} weights").format(
                    ratio=f"{dense.weights / cost.weights:g}"),
                delta_color="off", delta_arrow="off")
    m[2].metric(_("Multiply-adds"), f"{cost.macs:,}",
                delta=None if groups == 1 else f"÷{dense.macs / cost.macs:g}",
                delta_color="off", delta_arrow="off")
    m[3].metric(_("Connections"), _("{used} of {all}").format(
        used=int(connections.sum()), all=c_in * c_out))
    if presenter.presenter_mode():  # one under the other, the graph as wide as the page
        graph, matrix, text = st.container(), st.container(), st.container()
        graph_fig = FC.connections_figure(connections, groups, width_px=PRESENTER_FIGURE_PX,
                                          height_px=480)
        # 14 px, × presenter.scale_figure's 1.75: node names ≥ 24 px on the projector
        graph_fig.update_traces(textfont_size=14, selector=dict(mode="markers+text"))
    else:
        graph, matrix, text = st.columns([1.2, 0.75, 1.9], gap="medium")
        graph_fig = FC.connections_figure(connections, groups, width_px=400, height_px=380)
    with graph, a11y.main_figure("groups"):
        show_chart(graph_fig, f"{P}_g_graph")
    with matrix:
        show_chart(FC.channel_connection_panel(connections, groups), f"{P}_g_matrix")
    with text:
        numbers = dict(c_out=c_out, c_in=c_in, groups=groups, k=k, shape=cost.weight_shape,
                       weights=f"{cost.weights:,}", biases=cost.biases,
                       params=f"{cost.params:,}", per_output=cost.macs_per_output,
                       out_values=f"{cost.out_values:,}", size=size, macs=f"{cost.macs:,}")
        if bias:
            st.markdown(_(
                "Weight (c_o, c_i/groups, k, k) = ({c_out}, {c_in}/{groups}, {k}, {k}) = "
                "**{shape}**: {weights} weights + {biases} biases = **{params}** parameters. "
                "Each output value needs c_i/groups·k·k = {per_output} multiply-adds; there "
                "are {out_values} output values ({c_out}×{size}×{size}): **{macs}** "
                "multiply-adds.").format(**numbers))
        else:
            st.markdown(_(
                "Weight (c_o, c_i/groups, k, k) = ({c_out}, {c_in}/{groups}, {k}, {k}) = "
                "**{shape}**: {weights} weights = **{params}** parameters. Each output value "
                "needs c_i/groups·k·k = {per_output} multiply-adds; there are {out_values} "
                "output values ({c_out}×{size}×{size}): **{macs}** multiply-adds.").format(
                    **numbers))
        rows = []
        for g in options:
            c = layer_cost(c_in, c_out, k, (size, size), groups=g, bias=bias)
            kind = "standard" if g == 1 else ("depthwise" if g == c_in else "grouped")
            rows.append({_("groups"): g, _("weight shape"): str(c.weight_shape),
                         _("parameters"): c.params, _("multiply-adds"): c.macs,
                         _("kind"): _(GROUP_KINDS[kind])})
        st.dataframe(rows, hide_index=True, width="stretch")
        separable = (layer_cost(c_in, c_in, k, (size, size), groups=c_in, bias=bias),
                     layer_cost(c_in, c_out, 1, (size, size), bias=bias))
        st.caption(_(
            "Depthwise-separable (MobileNet): a depthwise {k}×{k} (groups = {c_in}) then a "
            "1×1 to {c_out} channels: {sep_params} parameters and {sep_macs} multiply-adds, "
            "against {params} and {macs} for one standard layer.").format(
                k=k, c_in=c_in, c_out=c_out,
                sep_params=f"{sum(s.params for s in separable):,}",
                sep_macs=f"{sum(s.macs for s in separable):,}",
                params=f"{dense.params:,}", macs=f"{dense.macs:,}"))
    st.caption(_("Lines: which input channels feed which output channels, one colour per "
                 "group; each line is one {k}×{k} slice of the weight. Grid: the same "
                 "connections as the weight's (c_o × c_i) slices; blank slices do not "
                 "exist.").format(k=k))
    with st.expander(_("Show as text: which channels are connected")):
        per_in, per_out = c_in // groups, c_out // groups
        st.markdown("\n".join(
            "- " + _("Group {g}: output channels {o0}–{o1} each read input channels "
                     "{i0}–{i1}.").format(g=g, o0=g * per_out, o1=(g + 1) * per_out - 1,
                                          i0=g * per_in, i1=(g + 1) * per_in - 1)
            for g in range(groups)))


# ------------------------------------------------------------------------------ tab 5


@st.cache_resource(max_entries=8, show_spinner=False)
def _rgb_file(path: str, mtime: float) -> np.ndarray:
    img = load_image(path, mode="rgb")
    img.flags.writeable = False
    return img


def _source_label(option: str) -> str:
    current = image_source.current_image()
    if option == CURRENT and current is not None:
        return _("{name} (your image)").format(name=current.name)
    if option == PATCH and current is not None:
        return _("the patch of {name}").format(name=current.name)
    if option == controls.UPLOAD:
        return _("Upload your own…")
    return option


def rgb_source() -> tuple[str, str, np.ndarray] | None:
    """The photo to split into R, G, B: ``(label, cache key, (3, H, W) in [0, 1])``.

    The session's current image (``ui.image_source``, chosen on "Your image") and its patch
    come first when there is one, then the bundled samples, then an upload (which becomes
    the session's current image, for every page). A patch handed over by "Open in
    channels" was already selected by :func:`take_patch_handover`.
    """
    current = image_source.current_image()
    options = ([CURRENT, PATCH] if current is not None else []) + [
        p.name for p in controls.sample_files()] + [controls.UPLOAD]
    key = f"{P}_photo_image"
    if st.session_state.get(key) in (CURRENT, PATCH) and current is None:
        image_source.missing_upload_notice(f"{P}_photo_upload_again")
    if st.session_state.get(key) not in options:
        st.session_state[key] = default_photo()
    names = {option: _source_label(option) for option in options}
    choice = st.selectbox(_("Photo"), options, key=key, format_func=names.__getitem__)
    if choice == CURRENT:
        return current.name, current.key, current.rgb
    if choice == PATCH:
        patch = image_source.current_patch(image_source.MAX_PATCH_CELLS, mode="rgb")
        description = image_source.describe_patch()
        return description, f"{current.key}:{description}", patch
    if choice != controls.UPLOAD:
        path = controls.ASSETS / choice
        return (_("sample {name}").format(name=choice), f"sample:{choice}",
                _rgb_file(str(path), path.stat().st_mtime))
    upload = st.file_uploader(_("Photo (PNG, JPEG, GIF, BMP, TIFF, WebP)"),
                              type=list(controls.IMAGE_TYPES), key=f"{P}_photo_upload",
                              max_upload_size=controls.MAX_UPLOAD_MB)
    if upload is not None:
        try:
            image_source.set_current_image_from_bytes(upload.name, upload.getvalue(),
                                                      source="upload")
        except ImageLoadError as err:
            st.error(f"{upload.name}: {err}")
    current = image_source.current_image()
    if current is None or current.source not in ("upload", "camera"):
        st.info(_("Upload a photo, or pick one of the samples."))
        return None
    return current.name, current.key, current.rgb


@st.cache_resource(max_entries=8, show_spinner=False)
def photo_view(image_key: str, _rgb: np.ndarray, side: int, kernels: np.ndarray, lang: str,
               available_px: float = 960):
    """The shrunk photo, its per-channel results and their sum, and the figure (read-only).

    ``lang`` keys the cache: the figure's titles are in that language. ``available_px`` is
    the width the figure is laid out for.
    """
    x = downsample(_rgb, (side, side))
    weight = kernels[None]
    partials = per_channel_correlations(x, weight)[0]
    output = conv2d(x, weight)[0]
    with i18n.use_language(lang):
        fig = FC.multi_input_figure(x, kernels, partials, output, 0.0, output,
                                    channel_labels=("R", "G", "B"), image=True,
                                    show_bias=False, show_kernels=False, click=False, digits=2,
                                    available_px=available_px)
    return x, partials, output, fig


def photo_kernels() -> list[controls.KernelChoice]:
    per_channel = st.toggle(_("A different kernel for each channel"), key=f"{P}_photo_each")
    if not per_channel:
        one = controls.kernel_editor(f"{P}_photo_k", default="sobel_x",
                                     label=_("Kernel (the same slice for R, G and B)"))
        return [one, one, one]
    cols = st.columns(3)
    choices = []
    for col, lab in zip(cols, ("R", "G", "B"), strict=True):
        with col:
            choices.append(controls.kernel_editor(f"{P}_photo_k{lab.lower()}",
                                                  default="sobel_x",
                                                  label=_("Kernel for {plane}").format(
                                                      plane=lab)))
    return choices


def photo_tab() -> None:
    section_intro("photo")
    if presenter.presenter_mode():  # one row: photo and size; the kernels fold away
        source_col, side_col = st.columns(2, gap="medium")
        kernel_col = presenter.advanced_controls(_("Kernels"))
        figure_box, preview_col = st.container(), st.container()
    else:
        source_col, kernel_col, preview_col = st.columns([1, 1.6, 1], gap="medium")
        side_col, figure_box = source_col, st.container()
    with source_col:
        source = rgb_source()
    with side_col:
        side = int(st.select_slider(_("Shrink to at most (pixels per side)"), [16, 24, 32],
                                    key=f"{P}_photo_side"))
    with kernel_col:
        choices = photo_kernels()
    if source is None:
        return
    label, image_key, rgb = source
    shapes = [c.values.shape for c in choices]
    if len(set(shapes)) > 1:
        st.error(_("The three kernel slices must have the same size: they are the slices of "
                   "one (3, kh, kw) kernel. R is {r}, G is {g} and B is {b}.").format(
                       r=size_text(shapes[0]), g=size_text(shapes[1]), b=size_text(shapes[2])))
        return
    kernels = np.stack([c.values for c in choices])
    try:
        with st.spinner(_("Filtering the three channels…")):
            x, partials, output, fig = photo_view(
                image_key, rgb, side, kernels, i18n.current_language(),
                PRESENTER_FIGURE_PX if presenter.presenter_mode() else 960)
    except (ValueError, TypeError) as err:
        st.warning(_("This kernel does not fit the shrunk photo: {reason}.").format(
            reason=err))
        return
    with preview_col:
        caption = _("{label}: {size} shrunk to {shrunk}").format(
            label=label, size=size_text(rgb.shape[1:]), shrunk=size_text(x.shape[1:]))
        st.image(to_uint8(x, channels_last=True), width=240, caption=caption,
                 alt=_("The photo as the layer sees it: {label} shrunk to {shrunk} pixels, "
                       "in colour (its R, G and B planes are drawn below).").format(
                           label=label, shrunk=size_text(x.shape[1:])))
    with figure_box, a11y.main_figure("photo"):
        show_chart(fig, f"{P}_photo_chart")
    if all(np.array_equal(kernels[0], k) for k in kernels[1:]):
        cancel_note = _("With the same slice K on R, G and B the sum is K ⋆ (R + G + B): an "
                        "edge cancels where R + G + B is the same on both sides, even between "
                        "two different colours.")
    else:
        cancel_note = _("Where one plane's edge has the opposite sign of another's, they "
                        "partly cancel in the sum.")
    ranges = ", ".join(
        f"{lab} {format_number(float(p.min()), digits=3)} … "
        f"{format_number(float(p.max()), digits=3)}"
        for lab, p in zip(("R", "G", "B"), partials, strict=True))
    numbers_expander(_("the output"), [FC.numbers_table_html(
        output, _("output = Σ over channels ({size})").format(size=size_text(output.shape)),
        digits=2)])
    figure_box.caption(_(
        "Top: the R, G, B planes (black = 0). Middle: each plane ⋆ its kernel slice, on one "
        "colour scale ({ranges}). Bottom: their sum, the output ({low} … {high}). "
        "{cancel_note}").format(ranges=ranges, low=format_number(float(output.min()), digits=3),
                                high=format_number(float(output.max()), digits=3),
                                cancel_note=cancel_note))


# ------------------------------------------------------------------------------ page


def set_widget_defaults() -> None:
    """Give the page's URL-backed widgets their defaults through session state, once."""
    for key, value in WIDGET_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault(SECTION_KEY, "inputs")


def take_patch_handover() -> bool:
    """"Open in channels" on Your image hands over its patch: open the RGB photo section on
    it. True (once) when that happened."""
    if not image_source.take_patch_request(PAGE):
        return False
    st.session_state[f"{P}_photo_image"] = PATCH
    st.session_state[SECTION_KEY] = "photo"
    return True


def _tab_labels() -> dict[str, str]:
    """Section code → its tab label in the session's language."""
    return {code: _(label) for code, label in SECTIONS.items()}


def _store_section() -> None:
    """The tabs' callback: remember the opened tab's section (its code, for the link)."""
    by_label = {label: code for code, label in _tab_labels().items()}
    st.session_state[SECTION_KEY] = by_label.get(st.session_state.get(TABS_KEY), "inputs")


def section_tabs():
    """The five sections as tabs, the one of ``channels_section`` open.

    The tabs track their state (``key`` + ``on_change``), so the open tab can be set from
    code (a link, "Open in channels") and is remembered; every section still runs, so that
    no widget of a hidden section loses its value or its part of the link.
    """
    labels = _tab_labels()
    if st.session_state.get(SECTION_KEY) not in labels:
        st.session_state[SECTION_KEY] = "inputs"
    st.session_state[TABS_KEY] = labels[st.session_state[SECTION_KEY]]
    st.html(TAB_STRIP_CSS)
    return dict(zip(labels, st.tabs(list(labels.values()), key=TABS_KEY,
                                    on_change=_store_section), strict=True))


def main() -> None:
    set_widget_defaults()
    us.sync_from_url(URL)
    take_patch_handover()
    st.title(_("Channels"))
    if not presenter.presenter_mode():
        st.markdown(_(PAGE_INTRO))
    tabs = section_tabs()
    sections = {"inputs": multi_input_tab,
                "outputs": lambda: multi_output_tab(*current_arrays()),
                "mix": mixing_tab, "groups": groups_tab, "photo": photo_tab}
    for code, draw in sections.items():
        with tabs[code]:
            draw()
            section_outro(code)
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
