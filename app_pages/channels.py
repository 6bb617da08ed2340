"""Channels: several input channels add up, several kernels give several output channels.

Thin page: widgets (ui.controls + a few of its own) → numbers (convcore, mostly
convcore.channels) → figures (ui.figures_channels). Five tabs: many inputs, many outputs,
1×1 convolution, groups, an RGB photo. Session-state keys start with ``channels_``.
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
from ui import controls, image_source, shared_cache, state
from ui import figures as F
from ui import figures_channels as FC
from ui import url_state as us
from ui.figures import picked_cell

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


EXAMPLES = {
    "d2l": "d2l §5.4.1: two channels → 56 at the first cell",
    "one": "One channel: the sliding-window example (19)",
    "three": "Three channels of small integers, 3×3 kernel",
}


def url_schema() -> us.UrlSchema:
    """Every tab's main settings in the URL (example, bias, geometry, channel counts)."""
    ints = [(f"{P}_mo_out", "mo", 3, 1, 4, "output channels"),
            (f"{P}_mx_in", "xi", 3, 1, 4, "1×1 input channels"),
            (f"{P}_mx_out", "xo", 2, 1, 4, "1×1 output channels"),
            (f"{P}_mx_h", "xh", 3, 1, 5, "1×1 height"), (f"{P}_mx_w", "xw", 3, 1, 5, "1×1 width"),
            (f"{P}_g_in", "gi", 4, 1, MAX_GROUP_CHANNELS, "group input channels"),
            (f"{P}_g_out", "go", 8, 1, MAX_GROUP_CHANNELS, "group output channels"),
            (f"{P}_g_size", "gs", 32, 1, 512, "group output size"),
            (f"{P}_g_groups", "g", 1, 1, MAX_GROUP_CHANNELS, "groups")]
    return us.UrlSchema(P, [
        us.UrlParam(f"{P}_mi_example", "choice", "d2l", choices=list(EXAMPLES), name="ex",
                    label="example"),
        us.UrlParam(f"{P}_mi_bias", "float", 0.0, min=-100.0, max=100.0, name="b",
                    label="bias"),
        *us.conv_params(f"{P}_mi_geo", short="m"),
        *[us.UrlParam(key, "int", default, min=lo, max=hi, name=name, label=label)
          for key, name, default, lo, hi, label in ints],
        us.UrlParam(f"{P}_mo_bias", "bool", False, name="mob", label="bias per output"),
        us.UrlParam(f"{P}_g_k", "choice", 3, choices=[1, 3, 5, 7], name="gk",
                    label="group kernel"),
        us.UrlParam(f"{P}_g_bias", "bool", True, name="gb", label="group bias"),
        us.UrlParam(f"{P}_photo_side", "choice", 32, choices=[16, 24, 32], name="side",
                    label="photo size"),
    ])


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


def read_channels() -> tuple[np.ndarray, np.ndarray] | None:
    """The typed input channels and kernel slices, or None (with messages) when they do not
    make one (C, H, W) input and one (C, kh, kw) kernel."""
    count = st.session_state[f"{P}_mi_count"]
    xs, ks, ok = [], [], True
    for c in range(count):
        for key, what, side, into in ((_x_key(c), f"input channel {c}", MAX_SIDE, xs),
                                      (_k_key(c), f"kernel slice {c}", MAX_KERNEL_SIDE, ks)):
            try:
                into.append(controls.parse_grid(st.session_state[key], max_side=side,
                                                what=what))
            except ValueError as err:
                st.error(str(err))
                ok = False
    if not ok:
        return None
    for arrays, what in ((xs, "input channel"), (ks, "kernel slice")):
        shapes = [a.shape for a in arrays]
        if len(set(shapes)) > 1:
            bad = next(c for c, s in enumerate(shapes) if s != shapes[0])
            st.error(
                f"Every {what} must have the same size: {what} {bad} is "
                f"{size_text(shapes[bad])} but {what} 0 is {size_text(shapes[0])}. "
                + ("An image's channels are planes of the same picture, pixel for pixel."
                   if what == "input channel" else
                   "One output channel's kernel is a (channels, kh, kw) block: one kh×kw "
                   "slice per input channel, all the same size."))
            ok = False
    return (np.stack(xs), np.stack(ks)) if ok else None


# ------------------------------------------------------------------------------ tab 1


def multi_input_tab() -> tuple[np.ndarray, np.ndarray]:
    """Returns the input and kernel in use (for the multi-output tab)."""
    st.markdown(
        "With several input channels (the R, G, B planes of a photo, or the feature maps of "
        "the layer before), the kernel gets **one slice per input channel**. Each channel is "
        "cross-correlated with its own slice, and the partial maps are **added up**, plus one "
        "bias: one output channel. Click a cell of any map below to follow its sum.")
    if f"{P}_mi_count" not in st.session_state:
        st.session_state.setdefault(f"{P}_mi_example", "d2l")
        _load_example()
    c_example, c_bias, c_row, c_col = st.columns([2.2, 1, 0.8, 0.8], gap="medium")
    c_example.selectbox("Example", list(EXAMPLES), key=f"{P}_mi_example",
                        format_func=EXAMPLES.get, on_change=_load_example)
    bias = float(c_bias.number_input("Bias b", -100.0, 100.0, step=1.0,
                                     key=state.keyed(f"{P}_mi_bias", 0.0), format="%g"))
    e_numbers, e_geometry = st.columns([2.2, 2.6], gap="medium")
    with e_numbers.expander(f"✏️ Edit the numbers ({st.session_state[f'{P}_mi_count']} "
                            "channels)"):
        st.caption("Rows on lines, numbers separated by spaces. Input channels up to "
                   f"{MAX_SIDE}×{MAX_SIDE}, kernel slices up to "
                   f"{MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE}.")
        for c in range(st.session_state[f"{P}_mi_count"]):
            a, b = st.columns([1.3, 1])
            a.text_area(f"X[{c}]", key=_x_key(c), height=110)
            b.text_area(f"K[{c}]", key=_k_key(c), height=110)
        b1, b2, b3 = st.columns(3)
        b1.button("➕ Channel", key=f"{P}_mi_add", on_click=_add_channel,
                  disabled=st.session_state[f"{P}_mi_count"] >= MAX_CHANNELS)
        b2.button("➖ Channel", key=f"{P}_mi_remove", on_click=_remove_channel,
                  disabled=st.session_state[f"{P}_mi_count"] <= 1)
        b3.button("🎲 Random", key=f"{P}_mi_random", on_click=_randomize)
    with e_geometry.expander("📐 Padding, stride, dilation"):
        settings = controls.conv_settings(f"{P}_mi_geo")
    fig_col, text_col = st.columns([1.2, 1], gap="large")
    arrays = read_channels()
    if arrays is None:
        return SEED_X, SEED_K
    x, kernel = arrays
    try:
        m = compute_multi_input(x, kernel, bias, settings)
    except (ValueError, TypeError) as err:
        with fig_col:
            st.warning(f"These settings cannot work: {err}.")
        return x, kernel
    out_h, out_w = m.trace.out_hw
    i = _bounded_number("Output row", f"{P}_mi_i", out_h - 1, container=c_row)
    j = _bounded_number("Output column", f"{P}_mi_j", out_w - 1, container=c_col)
    fig = shared_cache.figure(FC.multi_input_figure, m.padded, m.kernel, m.partials, m.summed,
                              m.bias, m.output, pads=m.trace.pads,
                              window=m.trace.window_box(i, j), cell=(i, j))
    with fig_col:
        chart = f"{P}_mi_chart"
        st.plotly_chart(fig, width="content", theme=None, key=chart, config=PNG_CONFIG,
                        on_select=_pick_from_chart(chart, f"{P}_mi_i", f"{P}_mi_j"),
                        selection_mode=("points",))
        st.caption("Top to bottom: the input channels (the orange frame is the window of the "
                   "picked output cell), the kernel slices, each channel ⋆ its slice, their "
                   "sum Σ, plus the bias: the output. ⋆ is cross-correlation.")
    with text_col:
        multi_input_text(m, i, j)
    return x, kernel


def multi_input_text(m: MultiInput, i: int, j: int) -> None:
    channels = m.x.shape[0]
    st.markdown(f"**Output cell ({i}, {j}) = {format_number(m.output[i, j])}**")
    lines = FC.channel_sum_lines(m.channel_arithmetic(i, j), m.total_arithmetic(i, j))
    st.code("\n".join(part for line in lines for part in F.wrap_sum(line)), language=None,
            wrap_lines=True)
    if channels > 1:
        reverse = m.total_arithmetic(i, j, reverse=True).text()
        st.caption(f"The order of the channels does not matter. d2l writes the sum last "
                   f"channel first: {reverse}")
    st.markdown(f"**Output** ({size_text(m.output.shape)}) = `{FC.matrix_text(m.output)}`")
    weight_shape = (1, *m.kernel.shape)
    st.markdown(
        f"Input {channels}×{size_text(m.x.shape[1:])} (channels × height × width) · kernel "
        f"{channels}×{size_text(m.kernel.shape[1:])} (one slice per input channel; as a "
        f"PyTorch weight `{weight_shape}`) · output {size_text(m.output.shape)}: **one** "
        "channel, however many channels go in.")
    st.caption("The partial maps come from `per_channel_correlations`, the sum and the output "
               "from `conv2d`, the arithmetic from `cell_arithmetic`, all in convcore.")


# ------------------------------------------------------------------------------ tab 2


def multi_output_tab(x: np.ndarray, kernel: np.ndarray) -> None:
    st.markdown(
        "One kernel block gives one output channel. For **several output channels** a layer "
        "holds one block per output channel, each looking at **all** input channels. d2l "
        "stacks the kernel K of the first tab with K + 1 and K + 2: three output channels.")
    left, right = st.columns([1, 1.5], gap="large")
    with left:
        c_out = int(st.slider("Output channels (K, K + 1, K + 2, …)", 1, 4,
                              key=state.keyed(f"{P}_mo_out", 3)))
        bias = st.toggle("With a bias per output channel", key=f"{P}_mo_bias")
    bank = np.stack([kernel + o for o in range(c_out)])
    try:
        outputs = conv2d(x, bank)
    except (ValueError, TypeError) as err:
        st.warning(f"These kernels do not fit the input: {err}.")
        return
    c_in, kh, kw = kernel.shape
    cost = layer_cost(c_in, c_out, (kh, kw), outputs.shape[1:], bias=bias)
    with left:
        st.markdown(f"**Weight tensor** shape (c_o, c_i, k_h, k_w) = "
                    f"**{cost.weight_shape}**")
        bias_part = f" + {cost.biases} biases" if bias else ""
        st.markdown(
            f"**Parameters:** {c_out} × {c_in} × {kh} × {kw} = {cost.weights} weights"
            f"{bias_part} = **{cost.params:,}**")
        st.markdown(
            f"**Multiply-adds:** {cost.macs_per_output} per output value (c_i·k_h·k_w = "
            f"{c_in}·{kh}·{kw}) × {cost.out_values} output values ({c_out} channels × "
            f"{size_text(outputs.shape[1:])}) = **{cost.macs:,}**")
        st.code("\n".join(f"Y[{o}] = {FC.matrix_text(outputs[o])}" for o in range(c_out)),
                language=None)
        st.caption(f"`{FC.conv2d_layer_code(c_in, c_out, (kh, kw), bias)}` holds exactly "
                   f"these {cost.params:,} parameters.")
    with right:
        fig = shared_cache.figure(FC.kernel_bank_figure, x, bank, outputs)
        st.plotly_chart(fig, width="content", theme=None, key=f"{P}_mo_chart",
                        config=PNG_CONFIG)
        st.caption("Each row is one output channel: its kernel has one slice per input "
                   "channel (left), and its output map (right) is Σ over channels of "
                   "X[c] ⋆ K[o, c].")


# ------------------------------------------------------------------------------ tab 3


def _new_mixing_numbers() -> None:
    st.session_state[f"{P}_mx_seed"] = st.session_state.get(f"{P}_mx_seed", 0) + 1


def mixing_numbers(kind: str, c_in: int, c_out: int, h: int, w: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random (c_i, h, w) input and (c_o, c_i, 1, 1) weight, reproducibly."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(size=(c_in, h, w)), rng.uniform(size=(c_out, c_in, 1, 1))
    return (rng.integers(0, 6, size=(c_in, h, w)).astype(np.float64),
            rng.integers(-2, 3, size=(c_out, c_in, 1, 1)).astype(np.float64))


def mixing_tab() -> None:
    st.markdown(
        "A **1×1 convolution** looks at one pixel at a time: every output channel is a "
        "weighted sum of the input channels **at the same pixel**. Lay the pixels out as "
        "columns and it is one matrix product, a fully connected layer applied to every "
        "pixel: **(c_o × c_i) · (c_i × h·w)**.")
    cols = st.columns([1, 1, 0.8, 0.8, 1.9, 1.6], gap="small")
    c_in = int(cols[0].number_input("Input channels c_i", 1, 4, key=state.keyed(f"{P}_mx_in", 3)))
    c_out = int(cols[1].number_input("Output channels c_o", 1, 4,
                                     key=state.keyed(f"{P}_mx_out", 2)))
    h = int(cols[2].number_input("Height h", 1, 5, key=state.keyed(f"{P}_mx_h", 3)))
    w = int(cols[3].number_input("Width w", 1, 5, key=state.keyed(f"{P}_mx_w", 3)))
    with cols[4]:
        kind = st.radio("Numbers", ["uniform", "integers"], key=f"{P}_mx_kind",
                        horizontal=True,
                        format_func={"uniform": "random in [0, 1) (the seeds')",
                                     "integers": "small integers"}.get)
        st.session_state.setdefault(f"{P}_mx_seed", 0)
        st.button("🎲 New random numbers", key=f"{P}_mx_new", on_click=_new_mixing_numbers)
    pixels = [(r, c) for r in range(h) for c in range(w)]
    key = f"{P}_mx_pixel"
    if st.session_state.get(key) not in pixels:
        st.session_state[key] = pixels[0]
    pixel = cols[5].selectbox("Follow the pixel", pixels, key=key,
                              format_func=lambda p: f"row {p[0]}, column {p[1]}")
    x, weight = mixing_numbers(kind, c_in, c_out, h, w, st.session_state[f"{P}_mx_seed"])
    mixing = conv1x1_as_matmul(x, weight)
    y_conv = conv2d(x, weight)
    distance = float(np.linalg.norm(mixing.output - y_conv))
    st.plotly_chart(FC.mixing_figure(mixing, pixel=pixel), width="content", theme=None,
                    key=f"{P}_mx_chart", config=PNG_CONFIG)
    left, right = st.columns([1, 1.4], gap="large")
    with left:
        verdict = "✅ < 1e-6" if distance < 1e-6 else "❌ ≥ 1e-6"
        st.markdown(f"**‖Y₁ − Y₂‖ = {distance:.3g}** {verdict}")
        st.caption("Y₁ = the matrix product (`conv1x1_as_matmul`), Y₂ = the general "
                   "convolution (`conv2d` with the (c_o, c_i, 1, 1) weight): the seeds' check "
                   "`(Y1 - Y2).norm() < 1e-6`, with the actual distance (0, or a rounding "
                   "error in the last bits).")
        cost = layer_cost(c_in, c_out, 1, (h, w), bias=False)
        st.markdown(f"Weight {cost.weight_shape}: **{cost.params}** parameters (c_o·c_i), "
                    f"**{cost.macs}** multiply-adds (c_o·c_i·h·w).")
    with right:
        r, c = pixel
        lines = [f"Y[{o}, {r}, {c}] = "
                 + cell_arithmetic(x, weight[o], r, c).text().replace("(", "").replace(")", "")
                 for o in range(c_out)]
        st.code("\n".join(lines), language=None, wrap_lines=True)
        st.caption(f"Pixel ({r}, {c}) is column {r * w + c} of X: its {c_in} channel values "
                   "times each row of W give its column of Y, the same numbers conv2d "
                   f"computes at ({r}, {c}) (orange frames).")


# ------------------------------------------------------------------------------ tab 4


def _depthwise() -> None:
    c_in, c_out = st.session_state[f"{P}_g_in"], st.session_state[f"{P}_g_out"]
    if c_out % c_in:
        multiplier = min(MAX_GROUP_CHANNELS // c_in, max(1, round(c_out / c_in)))
        st.session_state[f"{P}_g_out"] = c_in * multiplier
    st.session_state[f"{P}_g_groups"] = c_in


def _dense() -> None:
    st.session_state[f"{P}_g_groups"] = 1


def groups_tab() -> None:
    st.markdown(
        "`groups` splits the input channels and the output channels into that many groups "
        "of equal size; each output channel sees only the input channels of its own group. "
        "**Depthwise** is the extreme: groups = c_i, one input channel per group. Fewer "
        "connections means fewer weights and fewer multiply-adds.")
    cols = st.columns([1, 1, 0.9, 1, 0.6, 1.1], gap="small")
    c_in = int(cols[0].number_input("Input channels c_i", 1, MAX_GROUP_CHANNELS,
                                    key=state.keyed(f"{P}_g_in", 4)))
    c_out = int(cols[1].number_input("Output channels c_o", 1, MAX_GROUP_CHANNELS,
                                     key=state.keyed(f"{P}_g_out", 8)))
    k = int(cols[2].selectbox("Kernel", [1, 3, 5, 7], key=state.keyed(f"{P}_g_k", 3),
                              format_func=lambda n: f"{n}×{n}"))
    size = int(cols[3].number_input("Output h = w", 1, 512, key=state.keyed(f"{P}_g_size", 32)))
    with cols[4]:
        st.markdown("<div style='height: 2.1rem'></div>", unsafe_allow_html=True)
        bias = st.toggle("Bias", key=state.keyed(f"{P}_g_bias", True))
    options = valid_groups(c_in, c_out)
    key = f"{P}_g_groups"
    chosen = st.session_state.get(key, 1)
    problem = ""
    if chosen not in options:
        try:
            check_groups(c_in, c_out, chosen)
        except (ValueError, TypeError) as err:
            problem = f"{err} Back to groups = 1."
        st.session_state[key] = 1
    groups = int(cols[5].selectbox("groups", options, key=key,
                                   help="Only the common divisors of c_i and c_o are offered."))
    if problem:
        st.warning(problem)
    b1, b2, note = st.columns([1, 1.2, 3.5], gap="small")
    b1.button("Standard (groups = 1)", key=f"{P}_g_dense", on_click=_dense)
    b2.button("Depthwise (groups = c_i)", key=f"{P}_g_depthwise", on_click=_depthwise,
              help="Sets groups = c_i (and c_o to a multiple of c_i if it is not one).")
    depthwise_note = ("" if c_out % c_in == 0 else
                      f" Depthwise needs c_o to be a multiple of c_i ({c_out} is not a "
                      f"multiple of {c_in}); the button rounds c_o to one.")
    note.caption(f"groups must divide both {c_in} and {c_out}, so it can be "
                 f"{', '.join(map(str, options))}.{depthwise_note}")
    cost = layer_cost(c_in, c_out, k, (size, size), groups=groups, bias=bias)
    dense = layer_cost(c_in, c_out, k, (size, size), bias=bias)
    connections = channel_connections(c_in, c_out, groups)
    m = st.columns(4)
    m[0].metric("Weight shape", str(cost.weight_shape))
    m[1].metric("Parameters", f"{cost.params:,}",
                delta=None if groups == 1 else f"÷{dense.weights / cost.weights:g} weights",
                delta_color="off", delta_arrow="off")
    m[2].metric("Multiply-adds", f"{cost.macs:,}",
                delta=None if groups == 1 else f"÷{dense.macs / cost.macs:g}",
                delta_color="off", delta_arrow="off")
    m[3].metric("Connections", f"{int(connections.sum())} of {c_in * c_out}")
    graph, matrix, text = st.columns([1.2, 0.75, 1.9], gap="medium")
    with graph:
        st.plotly_chart(shared_cache.figure(FC.connections_figure, connections, groups,
                                            width_px=400, height_px=380),
                        width="content", theme=None, key=f"{P}_g_graph", config=PNG_CONFIG)
    with matrix:
        st.plotly_chart(shared_cache.figure(FC.channel_connection_panel, connections, groups),
                        width="content", theme=None, key=f"{P}_g_matrix", config=PNG_CONFIG)
    with text:
        st.markdown(
            f"Weight (c_o, c_i/groups, k, k) = ({c_out}, {c_in}/{groups}, {k}, {k}) = "
            f"**{cost.weight_shape}**: {cost.weights:,} weights"
            + (f" + {cost.biases} biases" if bias else "")
            + f" = **{cost.params:,}** parameters. Each output value needs c_i/groups·k·k = "
              f"{cost.macs_per_output} multiply-adds; there are {cost.out_values:,} output "
              f"values ({c_out}×{size}×{size}): **{cost.macs:,}** multiply-adds.")
        rows = []
        for g in options:
            c = layer_cost(c_in, c_out, k, (size, size), groups=g, bias=bias)
            rows.append({"groups": g, "weight shape": str(c.weight_shape),
                         "parameters": c.params, "multiply-adds": c.macs,
                         "kind": "standard" if g == 1 else
                         ("depthwise" if g == c_in else "grouped")})
        st.dataframe(rows, hide_index=True, width="stretch")
        separable = (layer_cost(c_in, c_in, k, (size, size), groups=c_in, bias=bias),
                     layer_cost(c_in, c_out, 1, (size, size), bias=bias))
        st.caption(
            f"Depthwise-separable (MobileNet): a depthwise {k}×{k} (groups = {c_in}) then a "
            f"1×1 to {c_out} channels: {sum(s.params for s in separable):,} parameters and "
            f"{sum(s.macs for s in separable):,} multiply-adds, against {dense.params:,} and "
            f"{dense.macs:,} for one standard layer.")
    st.caption("Lines: which input channels feed which output channels, one colour per group; "
               f"each line is one {k}×{k} slice of the weight. Grid: the same connections as "
               "the weight's (c_o × c_i) slices; blank slices do not exist.")


# ------------------------------------------------------------------------------ tab 5


@st.cache_resource(max_entries=8, show_spinner=False)
def _rgb_file(path: str, mtime: float) -> np.ndarray:
    img = load_image(path, mode="rgb")
    img.flags.writeable = False
    return img


CURRENT, PATCH = "current", "patch"


def _source_label(option: str) -> str:
    current = image_source.current_image()
    if option == CURRENT and current is not None:
        return f"📌 {current.name} (your image)"
    if option == PATCH and current is not None:
        return f"📌 the patch of {current.name}"
    return option


def rgb_source() -> tuple[str, str, np.ndarray] | None:
    """The photo to split into R, G, B: ``(label, cache key, (3, H, W) in [0, 1])``.

    The session's current image (``ui.image_source``, chosen on "Your image") and its patch
    come first when there is one, then the bundled samples, then an upload (which becomes
    the session's current image, for every page).
    """
    current = image_source.current_image()
    options = ([CURRENT, PATCH] if current is not None else []) + [
        p.name for p in controls.sample_files()] + [controls.UPLOAD]
    key = f"{P}_photo_image"
    if image_source.take_patch_request(PAGE):
        st.session_state[key] = PATCH
    if st.session_state.get(key) not in options:
        st.session_state[key] = (CURRENT if current is not None else
                                 "house.png" if "house.png" in options else options[0])
    choice = st.selectbox("Photo", options, key=key, format_func=_source_label)
    if choice == CURRENT:
        return current.name, current.key, current.rgb
    if choice == PATCH:
        patch = image_source.current_patch(image_source.MAX_PATCH_CELLS, mode="rgb")
        description = image_source.describe_patch()
        return description, f"{current.key}:{description}", patch
    if choice != controls.UPLOAD:
        path = controls.ASSETS / choice
        return f"sample {choice}", f"sample:{choice}", _rgb_file(str(path),
                                                                 path.stat().st_mtime)
    upload = st.file_uploader("Photo (PNG, JPEG, GIF, BMP, TIFF, WebP)",
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
        st.info("Upload a photo, or pick one of the samples.")
        return None
    return current.name, current.key, current.rgb


@st.cache_resource(max_entries=8, show_spinner="Filtering the three channels…")
def photo_view(image_key: str, _rgb: np.ndarray, side: int, kernels: np.ndarray):
    """The shrunk photo, its per-channel results and their sum, and the figure (read-only)."""
    x = downsample(_rgb, (side, side))
    weight = kernels[None]
    partials = per_channel_correlations(x, weight)[0]
    output = conv2d(x, weight)[0]
    fig = FC.multi_input_figure(x, kernels, partials, output, 0.0, output,
                                channel_labels=("R", "G", "B"), image=True, show_bias=False,
                                show_kernels=False, click=False, digits=2, available_px=960)
    return x, partials, output, fig


def photo_kernels() -> list[controls.KernelChoice]:
    per_channel = st.toggle("A different kernel for each channel", key=f"{P}_photo_each")
    if not per_channel:
        one = controls.kernel_editor(f"{P}_photo_k", default="sobel_x",
                                     label="Kernel (the same slice for R, G and B)")
        return [one, one, one]
    cols = st.columns(3)
    choices = []
    for col, lab in zip(cols, ("R", "G", "B"), strict=True):
        with col:
            choices.append(controls.kernel_editor(f"{P}_photo_k{lab.lower()}",
                                                  default="sobel_x", label=f"Kernel for {lab}"))
    return choices


def photo_tab() -> None:
    st.markdown(
        "A colour photo is a three-channel input: its **R, G, B planes**. A layer's kernel has "
        "a slice for each; each plane is filtered on its own, and the three results are "
        "**added**. By default every plane gets the same Sobel x slice, which finds vertical "
        "edges.")
    source_col, kernel_col, preview_col = st.columns([1, 1.6, 1], gap="medium")
    with source_col:
        source = rgb_source()
        side = int(st.select_slider("Shrink to at most (pixels per side)", [16, 24, 32],
                                    key=state.keyed(f"{P}_photo_side", 32)))
    with kernel_col:
        choices = photo_kernels()
    if source is None:
        return
    label, image_key, rgb = source
    shapes = [c.values.shape for c in choices]
    if len(set(shapes)) > 1:
        st.error("The three kernel slices must have the same size: they are the slices of one "
                 f"(3, kh, kw) kernel. R is {size_text(shapes[0])}, G is "
                 f"{size_text(shapes[1])} and B is {size_text(shapes[2])}.")
        return
    kernels = np.stack([c.values for c in choices])
    try:
        x, partials, output, fig = photo_view(image_key, rgb, side, kernels)
    except (ValueError, TypeError) as err:
        st.warning(f"This kernel does not fit the shrunk photo: {err}.")
        return
    with preview_col:
        st.image(to_uint8(x, channels_last=True), width=240,
                 caption=f"{label}: {size_text(rgb.shape[1:])} shrunk to "
                         f"{size_text(x.shape[1:])}")
    st.plotly_chart(fig, width="content", theme=None, key=f"{P}_photo_chart",
                    config=PNG_CONFIG)
    if all(np.array_equal(kernels[0], k) for k in kernels[1:]):
        cancel_note = ("With the same slice K on R, G and B the sum is K ⋆ (R + G + B): an edge "
                       "cancels where R + G + B is the same on both sides, even between two "
                       "different colours.")
    else:
        cancel_note = ("Where one plane's edge has the opposite sign of another's, they partly "
                       "cancel in the sum.")
    ranges = ", ".join(
        f"{lab} {format_number(float(p.min()), digits=3)} … "
        f"{format_number(float(p.max()), digits=3)}"
        for lab, p in zip(("R", "G", "B"), partials, strict=True))
    st.caption(f"Top: the R, G, B planes (black = 0). Middle: each plane ⋆ its kernel slice, "
               f"on one colour scale ({ranges}). Bottom: their sum, the output "
               f"({format_number(float(output.min()), digits=3)} … "
               f"{format_number(float(output.max()), digits=3)}). {cancel_note}")


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    st.title("🌈 Channels")
    st.markdown(
        "Real inputs have **channels**: the three colour planes of a photo, or the many "
        "feature maps one layer hands to the next. A convolutional layer adds its input "
        "channels up and makes as many output channels as it has kernels.")
    tabs = st.tabs(["➕ Many inputs → one output", "🗂️ Many outputs", "🔀 1×1 convolution",
                    "🧩 Groups & depthwise", "🖼️ RGB photo"])
    with tabs[0]:
        x, kernel = multi_input_tab()
    with tabs[1]:
        multi_output_tab(x, kernel)
    with tabs[2]:
        mixing_tab()
    with tabs[3]:
        groups_tab()
    with tabs[4]:
        photo_tab()
    us.sync_to_url(URL)
    with st.expander("🔗 Share this view"):
        us.share_link_box()


main()
