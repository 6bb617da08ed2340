"""Under the hood: how a convolution is computed fast (issue 15, Goodfellow 9.8).

Thin page, read top to bottom: widgets → numbers (``convcore.methods``: ``multiply_adds``,
``im2col``, ``im2col_cost``, ``fft_steps``, ``separable_analysis``, ``time_methods``, and
``convcore.conv2d(method=...)``) → figures (``ui.figures_methods``). Six sections: the
textbook loop; im2col; the Fourier transform; separable kernels; which is fastest, measured
here; depthwise separable (a link to the Channels page). Every widget key starts with
``uh_``; every setting lives in the URL.

Maintainers, the classroom rules of section 5 (timing):

- a timing runs only when the button is pressed, for at most ``budget`` seconds (1 to 5) in
  the pressing session's script thread, torch limited to :data:`TORCH_THREADS` threads;
- one timing per server at a time (``ui.timing_board.BOARD``'s lock): a second press while
  one runs gets one sentence and the last result measured on this server;
- results are kept per settings on the board (bounded, least recently used dropped), so a
  press with settings already measured reuses them at once ("Measure again" re-times);
- a generated image (up to 12 MP) is never held: ``convcore.time_methods`` is given its
  size and makes the pixels for the call only; an uploaded one is the session's current
  image (``ui.image_source``), which every page shares.
"""

from __future__ import annotations

import contextlib

import numpy as np
import streamlit as st

import convcore
from convcore import conv as conv_module
from convcore.image import downsample
from convcore.methods import IM2COL_MAX_BYTES, SWEEP_MAX_PIXELS
from convcore.trace import format_number
from ui import a11y, controls, i18n, image_source, presenter
from ui import figures_methods as FM
from ui import url_state as us
from ui.figures import picked_cell
from ui.i18n import N_, _
from ui.timing_board import BOARD

P = "uh"  # prefix of every session-state key of this page
CHART_CONFIG = {"displaylogo": False}

# Section 1: the loop.
SIDE, K = f"{P}_side", f"{P}_k"
# Section 2: im2col.
I2_SIDE, I2_KERNEL, I2_ROW, I2_OUT = f"{P}_i2_side", f"{P}_i2_kernel", f"{P}_i2_row", \
    f"{P}_i2_out"
I2_CHART, I2_GRID, I2_CLICK = f"{P}_i2_chart", f"{P}_i2_grid", f"{P}_i2_click"
MEM_SIZE, MEM_K = f"{P}_mem_size", f"{P}_mem_k"
# Section 3: Fourier.
F_SIDE, F_KIND, F_K = f"{P}_f_side", f"{P}_f_kind", f"{P}_f_k"
# Section 4: separable (ui.controls.kernel_editor keys start with this).
SEP = f"{P}_sep"
# Section 5: timing.
T_SRC, T_SAMPLE, T_SIZE, T_KMAX, T_KIND, T_BUDGET, T_TORCH, T_RUN, T_AGAIN = (
    f"{P}_t_src", f"{P}_t_sample", f"{P}_t_size", f"{P}_t_kmax", f"{P}_t_kind",
    f"{P}_t_budget", f"{P}_t_torch", f"{P}_t_run", f"{P}_t_again")
T_UPLOAD, T_SHOWN = f"{P}_t_upload", f"{P}_t_shown"

ODD_SIZES = tuple(range(3, 32, 2))
LOOP_SIDES = (32, 64, 128)
#: Generated images for the timing (rows × columns), up to a 12 MP photo.
GENERATED = {"64x64": (64, 64), "256x256": (256, 256), "512x512": (512, 512),
             "1000x1000": (1000, 1000), "2000x2000": (2000, 2000), "3000x4000": (3000, 4000)}
SOURCES = {"generated": N_("generated random image"), "sample": N_("a sample photo"),
           "yours": N_("your image (upload)")}
KINDS = {"random": N_("random (not separable)"), "gaussian": N_("Gaussian (separable)")}
FFT_KINDS = {"gaussian": N_("Gaussian"), "box": N_("box"), "random": N_("random")}
I2_KERNELS = {"sobel_x": N_("Sobel x"), "gaussian_blur_3x3": N_("Gaussian blur 3×3"),
              "sharpen": N_("sharpen"), "d2l": N_("d2l's 2×2 [[0, 1], [2, 3]]")}
TORCH_THREADS = 2  # the server has 2 cores: a timing never asks for more
TIMED_METHODS = ("direct", "im2col", "fft", "separable")
MAX_TABLE_ENTRIES = 4096

DEFAULTS = {SIDE: 64, K: 7, I2_SIDE: 6, I2_KERNEL: "sobel_x", I2_ROW: 0, I2_OUT: 4,
            MEM_SIZE: "3000x4000", MEM_K: 3, F_SIDE: 24, F_KIND: "gaussian", F_K: 5,
            T_SRC: "generated", T_SAMPLE: "house.png", T_SIZE: "512x512", T_KMAX: 31,
            T_KIND: "random", T_BUDGET: 3, T_TORCH: True}

#: "auto"'s reasons (convcore.METHOD_REASONS codes), worded for translation.
REASONS = {
    "small-output": N_("The output has {cells} cells, fewer than {min_cells}: one im2col "
                       "matrix product is fastest."),
    "small-kernel": N_("The kernel has {taps} taps, fewer than {min_separable}: im2col (one "
                       "matrix product per block of output rows) is fastest."),
    "separable-kernel": N_("The kernel is an outer product of a column and a row (rank 1): "
                           "two 1-D passes cost {kh} + {kw} multiply-adds per cell instead "
                           "of {taps}."),
    "medium-kernel": N_("The kernel has {taps} taps, fewer than {min_fft}, and is not an "
                        "outer product: im2col beats the FFT's fixed cost."),
    "strided": N_("With a stride the FFT would compute every cell and drop most of them."),
    "many-channels": N_("Many channel pairs: im2col's one matrix product handles them best."),
    "not-finite": N_("The input holds NaN or infinity, which an FFT would spread over a "
                     "whole block."),
    "large-kernel": N_("{taps} taps (from {min_fft} on) on a large output: the FFT's cost "
                       "does not grow with the kernel, the direct sums' does."),
}


def _url_params() -> list[us.UrlParam]:
    def integer(key, low, high, name, label):
        return us.UrlParam(key, "int", DEFAULTS[key], min=low, max=high, name=name,
                           label=label)

    def choice(key, options, name, label):
        return us.UrlParam(key, "choice", DEFAULTS[key], choices=list(options), name=name,
                           label=label)

    return [
        choice(SIDE, LOOP_SIDES, "n", N_("image size")),
        choice(K, ODD_SIZES, "k", N_("kernel size")),
        integer(I2_SIDE, 4, 10, "is", N_("im2col input size")),
        choice(I2_KERNEL, I2_KERNELS, "ik", N_("im2col kernel")),
        integer(I2_ROW, 0, 99, "row", N_("row of the patch matrix")),
        integer(I2_OUT, 1, 8, "o", N_("output channels")),
        choice(MEM_SIZE, GENERATED, "ms", N_("image for the memory cost")),
        choice(MEM_K, ODD_SIZES, "mk", N_("kernel for the memory cost")),
        choice(F_SIDE, (16, 24, 32), "fs", N_("Fourier image size")),
        choice(F_KIND, FFT_KINDS, "fk", N_("Fourier kernel")),
        choice(F_K, (3, 5, 7, 9), "fn", N_("Fourier kernel size")),
        *us.kernel_params(SEP, default="sobel_x", name="sk"),
        choice(T_SRC, SOURCES, "src", N_("image to time")),
        choice(T_SAMPLE, image_source.sample_names() or ["house.png"], "smp", N_("sample")),
        choice(T_SIZE, GENERATED, "size", N_("generated size")),
        choice(T_KMAX, ODD_SIZES, "kmax", N_("largest kernel")),
        choice(T_KIND, KINDS, "kind", N_("kernels")),
        integer(T_BUDGET, 1, 5, "budget", N_("time budget")),
        us.UrlParam(T_TORCH, "bool", DEFAULTS[T_TORCH], name="torch", label=N_("PyTorch")),
    ]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ helpers


def _presenting() -> bool:
    return presenter.presenter_mode()


def _width() -> float:
    return 700.0 if _presenting() else 900.0


def _show(fig, name: str, **kwargs):
    """A line or bar chart (built at projector sizes by its builder when presenting)."""
    return controls.show_chart(fig, name, base=CHART_CONFIG, **kwargs)


def _show_grid(fig, name: str, **kwargs):
    """A grid figure, fitted to a projector in presenter mode (``controls.show_grid``:
    numbers too small to read there are left to the tables, titles clear of the column
    numbers)."""
    return controls.show_grid(fig, name, base=CHART_CONFIG, **kwargs)


def _clamp(key: str, low: int, high: int) -> int:
    return us.clamp_int(key, low, high, DEFAULTS.get(key, low))


def _numbers(values, caption: str) -> None:
    arr = np.atleast_2d(np.asarray(values))
    if arr.size > MAX_TABLE_ENTRIES:
        st.caption(_("{caption}: {rows}×{cols} entries are too many for a table of numbers "
                     "(at most {n}).").format(caption=caption, rows=arr.shape[0],
                                               cols=arr.shape[1], n=f"{MAX_TABLE_ENTRIES:,}"))
        return
    a11y.show_as_numbers(
        arr, caption, label=_("Show as numbers: {caption}").format(caption=caption),
        row_labels=[_("row {r}").format(r=r) for r in range(arr.shape[0])],
        col_labels=[_("column {c}").format(c=c) for c in range(arr.shape[1])])


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1e-3:
        return _("{n} µs").format(n=format_number(value * 1e6, digits=3))
    if value < 1:
        return _("{n} ms").format(n=format_number(value * 1e3, digits=3))
    return _("{n} s").format(n=format_number(value, digits=3))


def _mib(n_bytes: float) -> str:
    return _("{n} MiB").format(n=f"{n_bytes / 2**20:,.1f}")


def make_kernel(kind: str, k: int) -> np.ndarray:
    """A k×k kernel: Gaussian (σ = k/6, sums to 1, an outer product), box, or random."""
    if kind == "box":
        return np.full((k, k), 1.0 / (k * k))
    if kind == "random":
        return np.random.default_rng(k).uniform(-1, 1, (k, k))
    line = np.exp(-0.5 * ((np.arange(k) - (k - 1) / 2) / (k / 6)) ** 2)
    line /= line.sum()
    return np.outer(line, line)


def reason_text(reason: str, image_hw: tuple[int, int], k: int) -> str:
    """convcore's reason code for "auto", as a sentence in the session's language."""
    numbers = dict(cells=f"{image_hw[0] * image_hw[1]:,}", taps=k * k, kh=k, kw=k,
                   min_cells=f"{conv_module.LARGE_OUTPUT_CELLS:,}",
                   min_separable=conv_module.SEPARABLE_MIN_TAPS,
                   min_fft=conv_module.FFT_MIN_TAPS)
    return _(REASONS[reason]).format(**numbers) if reason in REASONS else reason


@st.cache_data(max_entries=4, show_spinner=False)
def small_photo(side: int) -> np.ndarray:
    """The house photo's central square shrunk to side×side, values 0…1."""
    photo = controls.load_sample("house.png")
    h, w = photo.shape
    n = min(h, w)
    top, left = (h - n) // 2, (w - n) // 2
    square = downsample(photo[top:top + n, left:left + n], (side, side))
    assert square.shape == (side, side), square.shape
    return square


# ------------------------------------------------------------------------------ 1 · loop


@st.cache_data(max_entries=48, show_spinner=False)
def loop_timing(side: int, k: int) -> convcore.MethodTiming:
    """The textbook loop and convcore's direct sum on a side×side random image (a second at
    most, once per server and setting)."""
    return convcore.time_methods((side, side), kernel_sizes=(k,), methods=("loop", "direct"),
                                 budget_s=1.0, rounds=3, kernel="random")


@st.cache_data(max_entries=16, show_spinner=False)
def cost_table(side: int) -> dict[str, list[int]]:
    """Multiply-adds of each method for a side×side image, "same" padding, k = 3…31."""
    counts = [convcore.multiply_adds((side, side), k, padding=k // 2) for k in ODD_SIZES]
    return {m: [getattr(c, m) for c in counts] for m in ("loop", "separable", "fft")}


def loop_section() -> None:
    if _presenting():
        st.markdown("##### " + _("1 · The loop, and what each method costs"))
    else:
        st.header(_("1 · The loop, and what each method costs"))
        st.markdown(_(
            "The textbook convolution (`convcore.reference.corr2d`) is two loops over the "
            "output cells, each a sum of k×k products: `Y[i, j] = Σ X[i + a, j + b] · K[a, b]`. "
            "That is k² multiply-adds per output cell. The chart counts the arithmetic of "
            "each way to compute the same result; im2col does exactly the loop's "
            "multiply-adds, only as one matrix product."))
    with presenter.main_controls():
        side = st.selectbox(_("Image size"), LOOP_SIDES, key=SIDE,
                            format_func=lambda n: f"{n}×{n}", width=140)
        k = st.selectbox(_("Kernel size"), ODD_SIZES, key=K, format_func=lambda n: f"{n}×{n}",
                         width=140)
    counts = cost_table(int(side))
    fig = FM.cost_figure(ODD_SIZES, counts, int(k), width_px=_width(),
                         height_px=480 if _presenting() else 420, presenting=_presenting())
    with a11y.main_figure():
        _show(fig, "multiply_adds", key=f"{P}_cost_chart")
    i = ODD_SIZES.index(int(k))
    loop, separable, fft = counts["loop"][i], counts["separable"][i], counts["fft"][i]
    a11y.live_region(_("**{n}×{n} image, {k}×{k} kernel:** the loop does **{loop}** "
                       "multiply-adds, two 1-D passes {sep}, the FFT about {fft}.").format(
        n=side, k=k, loop=f"{loop:,}", sep=f"{separable:,}", fft=f"{fft:,}"), markdown=True)
    rows = [{_("kernel size"): f"{s}×{s}", _("loop and im2col"): f"{counts['loop'][j]:,}",
             _("two 1-D passes"): f"{counts['separable'][j]:,}",
             _("FFT (estimate)"): f"{counts['fft'][j]:,}"} for j, s in enumerate(ODD_SIZES)]
    with st.expander(_("Show as numbers: multiply-adds by kernel size")):
        st.dataframe(rows, hide_index=True, width="content")
    timing = loop_timing(int(side), int(k))
    loop_s, direct_s = timing.seconds["loop"][0], timing.seconds["direct"][0]
    c = st.columns(3)
    c[0].metric(_("Multiply-adds"), f"{loop:,}")
    c[1].metric(_("Python loop"), _seconds(loop_s))
    c[2].metric(_("convcore (NumPy)"), _seconds(direct_s))
    if loop_s is not None and direct_s is not None:
        st.markdown(_(
            "Measured on this server (median of {r} runs, random {k}×{k} kernel): the same "
            "arithmetic runs **{ratio}×** faster when NumPy sums whole arrays at once instead "
            "of one window at a time in Python. The loop was timed on {rows} rows and scaled "
            "to the image.").format(r=max(timing.rounds["loop"]), k=k,
                                    ratio=format_number(loop_s / direct_s, digits=3),
                                    rows=timing.loop_rows))
    else:
        st.info(_("The loop did not fit in its one-second budget on this busy server; the "
                  "multiply-adds above still hold."))
    if not _presenting():
        st.caption(_("The FFT's count is an estimate, M·log₂M per transform of the M-cell "
                     "padded image, plus the pointwise product: it does not depend on k."))


# ------------------------------------------------------------------------------ 2 · im2col


def _i2_click() -> None:
    picked = picked_cell(st.session_state.get(I2_CHART))
    if picked is not None and picked[0] in ("patch", "row"):
        st.session_state[I2_CLICK] = ("row", picked[1])


def _i2_grid_click() -> None:
    picked = picked_cell(st.session_state.get(I2_GRID))
    if picked is not None and picked[0] == "output":
        st.session_state[I2_CLICK] = ("cell", picked[1], picked[2])


def im2col_section() -> None:
    st.header(_("2 · im2col: every window as a row of one matrix"))
    st.markdown(_(
        "Unfold the input: write each window the kernel visits as one row of a matrix (one "
        "row per output cell, one column per kernel tap). The whole convolution is then one "
        "matrix–vector product, `patches @ K.ravel()`. Click a row (or an output cell) to "
        "see its window on the input."))
    # On a projector the row picker gets a row of its own (its long label wrapped and
    # pushed its box below the others).
    c = [*st.columns(2), st.container()] if _presenting() else st.columns([1, 1.4, 1])
    side = int(c[0].number_input(_("Input size"), 4, 10, key=I2_SIDE, step=1))
    kname = c[1].selectbox(_("Kernel"), list(I2_KERNELS), key=I2_KERNEL,
                           format_func=i18n.option_labels(I2_KERNELS))
    kernel = np.array(convcore.get_kernel(kname).array, dtype=np.float64)
    photo = small_photo(side)
    x = np.round(9 * (photo - photo.min()) / max(float(np.ptp(photo)), 1e-12))
    patches = convcore.im2col(x, kernel.shape)
    output = patches @ kernel.ravel()
    direct = convcore.conv2d(x, kernel)
    out_h, out_w = direct.shape
    rows = patches.shape[0]
    clicked = st.session_state.pop(I2_CLICK, None)
    if clicked is not None:
        row = clicked[1] if clicked[0] == "row" else clicked[1] * out_w + clicked[2]
        if 0 <= row < rows:
            st.session_state[I2_ROW] = int(row)
    _clamp(I2_ROW, 0, rows - 1)
    row = int(c[2].number_input(_("Row of the patch matrix"), 0, rows - 1, key=I2_ROW, step=1,
                                help=_("One output cell; or click a row of the matrix")))
    fig = FM.patch_matrix_figure(patches, kernel.ravel(), output, row,
                                 max_cell_px=26, available_px=_width(),
                                 short_titles=_presenting())
    _show_grid(fig, "im2col_patches", key=I2_CHART, on_select=_i2_click,
          selection_mode=("points",))
    i, j = divmod(row, out_w)
    kh, kw = kernel.shape
    window = (i, j, i + kh - 1, j + kw - 1)
    grid = FM.window_figure(x, kernel, direct, window, (i, j), max_cell_px=36,
                            available_px=_width())
    _show_grid(grid, "im2col_window", key=I2_GRID, on_select=_i2_grid_click,
          selection_mode=("points",))
    terms = " + ".join(f"{format_number(a, parenthesize=True)}×"
                       f"{format_number(b, parenthesize=True)}"
                       for a, b in zip(patches[row], kernel.ravel(), strict=True))
    gap = float(np.abs(output - direct.ravel()).max())
    a11y.live_region(_("**Row {row}** is the window of output cell **({i}, {j})**: rows "
                       "{r0}–{r1}, columns {c0}–{c1} of the input. "
                       "{terms} = {value}.").format(
        row=row, i=i, j=j, r0=i, r1=i + kh - 1, c0=j, c1=j + kw - 1, terms=terms,
        value=format_number(output[row])), markdown=True)
    st.success(_("`patches @ K.ravel()` equals `F.conv2d(x, K)` flattened: largest "
                 "difference {gap} over {n} outputs ({h}×{w}).").format(
        gap=format_number(gap, digits=3), n=rows, h=out_h, w=out_w))
    _numbers(patches, _("patch matrix {rows}×{cols}").format(rows=rows, cols=patches.shape[1]))
    st.caption(_("Keyboard: the number box picks a row. The input is the house photo shrunk "
                 "to {n}×{n}, stretched to whole numbers 0–9.").format(n=side))

    st.subheader(_("Many output channels: one matrix product"))
    n_out = int(st.number_input(_("Output channels"), 1, 8, key=I2_OUT, step=1, width=160))
    weight = np.round(np.random.default_rng(0).uniform(-1, 1, (n_out, kh * kw)), 1)
    layer = patches @ weight.T
    reference = convcore.conv2d(x[None], weight.reshape(n_out, 1, kh, kw))
    gap = float(np.abs(layer - reference.reshape(n_out, -1).T).max())
    st.markdown(_(
        "Stack the {o} kernels as the rows of `W` ({o}×{taps}): `patches @ W.T` is a "
        "{rows}×{o} matrix, one column per output channel — the whole layer in **one** "
        "matrix product (largest difference from `conv2d` with {o} output channels: {gap}). "
        "That is why convolution runs on BLAS and on a GPU's matrix units: they are built "
        "for exactly this product.").format(o=n_out, taps=kh * kw, rows=rows,
                                            gap=format_number(gap, digits=3)))
    _numbers(layer, _("patches @ W.T, {rows}×{o}").format(rows=rows, o=n_out))

    st.subheader(_("The price: memory"))
    c = st.columns([1.2, 1])
    size = c[0].selectbox(_("Image"), list(GENERATED), key=MEM_SIZE,
                          format_func=lambda s: _size_label(GENERATED[s]))
    mk = int(c[1].selectbox(_("Kernel size"), ODD_SIZES, key=MEM_K,
                            format_func=lambda n: f"{n}×{n}"))
    cost = convcore.im2col_cost(GENERATED[size], mk, padding=mk // 2, itemsize=4)
    m = st.columns(3)
    m[0].metric(_("Input (float32)"), _mib(cost.input_bytes))
    m[1].metric(_("Patch matrix"), _mib(cost.bytes))
    m[2].metric(_("Times the input"), format_number(cost.expansion, digits=3))
    st.markdown(_(
        "Each pixel is copied into up to {taps} rows, so the patch matrix is about k² = "
        "{taps} times the input: {rows} rows × {cols} columns.").format(
        taps=mk * mk, rows=f"{cost.rows:,}", cols=f"{cost.columns:,}"))
    if cost.bytes > IM2COL_MAX_BYTES:
        st.warning(_(
            "Too large to build here: this server builds a whole patch matrix only up to "
            "{limit} (a class shares it). Libraries, convcore's `conv2d` too, unfold a few "
            "rows at a time ({block} per block) for the same reason.").format(
            limit=_mib(IM2COL_MAX_BYTES), block=_mib(conv_module.COLUMN_BLOCK_BYTES)),
            icon=":material/memory:")


def _size_label(hw: tuple[int, int]) -> str:
    h, w = hw
    mp = h * w / 1e6
    return f"{h}×{w} ({format_number(mp, digits=2)} MP)" if mp >= 0.9 else f"{h}×{w}"


# ------------------------------------------------------------------------------ 3 · Fourier


@st.cache_data(max_entries=24, show_spinner=False)
def fourier(side: int, kind: str, k: int):
    """The FFT's steps for the house photo and the kernel, and the direct result."""
    photo = small_photo(side)
    kernel = make_kernel(kind, k)
    steps = convcore.fft_steps(photo, kernel, padding=k // 2)
    direct = convcore.conv2d(photo, kernel, padding=k // 2)
    return steps, direct


def fourier_section() -> None:
    st.header(_("3 · The Fourier transform: convolution becomes multiplication"))
    st.markdown(_(
        "The discrete Fourier transform (DFT) turns a convolution into a pointwise product "
        "(Goodfellow 9.8): transform the image and the kernel, multiply them entry by entry, "
        "transform back. Below, the spectra are drawn as log(1 + |value|) with the zero "
        "frequency in the centre."))
    c = st.columns(3)
    side = int(c[0].selectbox(_("Image size"), (16, 24, 32), key=F_SIDE,
                              format_func=lambda n: f"{n}×{n}"))
    kind = c[1].selectbox(_("Kernel"), list(FFT_KINDS), key=F_KIND,
                          format_func=i18n.option_labels(FFT_KINDS))
    k = int(c[2].selectbox(_("Kernel size"), (3, 5, 7, 9), key=F_K,
                           format_func=lambda n: f"{n}×{n}"))
    steps, direct = fourier(side, kind, k)
    fig = FM.spectra_figure(steps.image_log_magnitude, steps.kernel_log_magnitude,
                            steps.product_log_magnitude, steps.inverse,
                            max_cell_px=10, available_px=_width(),
                            short_titles=_presenting())
    _show_grid(fig, "fft_spectra", key=f"{P}_fft_chart", ticks=False)
    gap = float(np.abs(steps.result - direct).max())
    fh, fw = steps.fft_shape
    st.success(_(
        "The inverse transform, cut to the output cells, equals `F.conv2d(x, K, padding={p})`:"
        " largest difference {gap}; the largest imaginary part left by rounding is {imag}. "
        "The transforms were {fh}×{fw}: the {n}×{n} image with its padding of {p}, plus "
        "k − 1 = {k1} more rows and columns of zeros.").format(
        p=k // 2, gap=format_number(gap, digits=3),
        imag=format_number(steps.max_imaginary, digits=3), fh=fh, fw=fw, n=side, k1=k - 1))
    st.caption(_("A blur's spectrum is bright only near the centre (low frequencies): the "
                 "product keeps the image's coarse structure and drops its fine detail."))
    st.subheader(_("Circular, unless padded"))
    fig = FM.wrap_figure(steps.circular, steps.linear, steps.circular_error, steps.wraps,
                         max_cell_px=12, available_px=_width())
    _show_grid(fig, "fft_wrap", key=f"{P}_wrap_chart", ticks=False)
    inside = float(np.abs(steps.circular_error[~steps.wraps]).max())
    edge = float(np.abs(steps.circular_error[steps.wraps]).max())
    st.markdown(_(
        "The DFT treats the image as periodic: without zero padding, a window at the bottom "
        "or right edge reads the top rows and left columns instead of zeros — a *circular* "
        "convolution. Here the difference is {inside} away from the edges but up to **{edge}** "
        "in the last {k1} rows and columns (dashed frame), where windows wrap round. Padding "
        "both arrays with k − 1 zeros makes the circle long enough that nothing wraps: the "
        "result is the linear convolution.").format(
        inside=format_number(inside, digits=3), edge=format_number(edge, digits=3), k1=k - 1))
    big = convcore.multiply_adds((3000, 4000), 3, padding=1)
    big31 = convcore.multiply_adds((3000, 4000), 31, padding=15)
    st.markdown(_(
        "**Cost.** A transform of N cells costs about N·log₂N, whatever the kernel's size. "
        "For a 3000×4000 photo: about {fft3} multiply-adds with a 3×3 kernel and {fft31} "
        "with a 31×31 one (only the padding grows), against {d3} and {d31} for the direct "
        "sum. Small kernels: direct wins; large ones: the FFT.").format(
        fft3=f"{big.fft:,}", fft31=f"{big31.fft:,}", d3=f"{big.loop:,}", d31=f"{big31.loop:,}"))


# ------------------------------------------------------------------------------ 4 · separable


def _rounding_is_zero(value: float, tolerance: float) -> float:
    """``value``, or 0 when it is below the tolerance under which convcore calls a singular
    value zero (what is left there is floating-point rounding)."""
    return 0.0 if abs(value) <= tolerance else float(value)


def separable_section() -> None:
    st.header(_("4 · Separable kernels: two 1-D passes"))
    st.markdown(_(
        "A kernel that is an outer product of a column and a row, `K = c · rᵀ`, can be "
        "applied as two 1-D convolutions: along the rows with `r`, then along the columns "
        "with `c` — k + k multiply-adds per pixel instead of k·k. Its singular values say "
        "whether it is: exactly one non-zero singular value (rank 1) means separable. Try "
        "Sobel = [1, 2, 1]ᵀ · [−1, 0, 1], a box or a Gaussian blur, then a Laplacian."))
    choice = controls.kernel_editor(SEP, default="sobel_x", label=N_("Kernel"))
    try:
        analysis = convcore.separable_analysis(choice.values)
    except ValueError as err:
        st.error(_("These weights cannot be analysed: {err}").format(err=err))
        return
    kh, kw = analysis.kernel.shape
    fig = FM.singular_values_figure(analysis.singular_values, analysis.tolerance,
                                    width_px=min(_width(), 460), presenting=_presenting())
    _show(fig, "singular_values", key=f"{P}_sv_chart")
    # Below the tolerance a singular value is rounding, not structure: say 0 (Sobel's
    # second singular value came out as 4.345e-16 and read as if it were real).
    values = ", ".join(format_number(_rounding_is_zero(v, analysis.tolerance), digits=4)
                       for v in analysis.singular_values)
    photo = small_photo(32)
    direct = convcore.conv2d(photo, analysis.kernel, padding=(kh // 2, kw // 2))
    if analysis.separable:
        passes = convcore.conv2d(photo, analysis.kernel, padding=(kh // 2, kw // 2),
                                 method="separable")
        gap = float(np.abs(passes - direct).max())
        column = ", ".join(format_number(v, digits=4) for v in analysis.column)
        row = ", ".join(format_number(v, digits=4) for v in analysis.row)
        a11y.live_region(_(
            "**Rank 1: separable.** Singular values {values}. K = [{column}]ᵀ · [{row}]: two "
            "1-D passes cost **{sep}** multiply-adds per pixel instead of **{taps}**.").format(
            values=values, column=column, row=row, sep=analysis.separable_taps,
            taps=analysis.taps), markdown=True)
        st.success(_("convcore's `conv2d` with `method=\"separable\"` equals the direct sum on "
                     "the 32×32 house photo: largest difference {gap}.").format(
            gap=format_number(gap, digits=3)))
    else:
        a11y.live_region(_(
            "**Rank {rank}: not separable.** Singular values {values}. Asked for "
            "`method=\"separable\"`, convcore refuses with a ValueError.").format(
            rank=analysis.rank, values=values), markdown=True)
        try:
            convcore.conv2d(photo, analysis.kernel, method="separable")
        except ValueError:
            refused = True
        else:
            refused = False
        if not refused:  # pragma: no cover - convcore's own tests hold this
            st.error(_("convcore applied a kernel that is not separable as two passes."))
    approximations = analysis.approximations
    titles = []
    for a in approximations:
        error = _rounding_is_zero(a.frobenius_error, analysis.tolerance)
        rel = error / max(float(np.linalg.norm(analysis.kernel)), 1e-300)
        # On a projector the short title (the errors are in the list below the figure):
        # three long titles over three small grids were stepped up to three heights.
        titles.append(_("<b>rank {r}</b>").format(r=a.rank) if _presenting() else
                      _("<b>rank {r}</b>: error {e} %").format(
                          r=a.rank, e=format_number(100 * rel, digits=3)))
    fig = FM.approximations_figure(analysis.kernel, [a.kernel for a in approximations],
                                   titles, max_cell_px=72 if _presenting() else 40,
                                   available_px=_width())
    _show_grid(fig, "low_rank", key=f"{P}_lr_chart")
    lines = [_("- best rank-{r} approximation ({p} 1-D passes): Frobenius error {e}, "
               "largest-direction error {s}").format(
        r=a.rank, p=a.passes,
        e=format_number(_rounding_is_zero(a.frobenius_error, analysis.tolerance), digits=3),
        s=format_number(_rounding_is_zero(a.spectral_error, analysis.tolerance), digits=3))
        for a in approximations]
    st.markdown(_("The best approximations by sums of outer products (Eckart–Young: keep "
                  "the largest singular values):") + "\n" + "\n".join(lines))
    with st.expander(_("Show as numbers: the kernel and its approximations")):
        for a, title in [(analysis.kernel, _("kernel")),
                         *[(ap.kernel, _("rank {r}").format(r=ap.rank))
                           for ap in approximations]]:
            st.html(a11y.grid_table_html(np.round(a, 4), title))


# ------------------------------------------------------------------------------ 5 · timing


@contextlib.contextmanager
def _torch_threads(wanted: bool):
    """PyTorch limited to :data:`TORCH_THREADS` threads during a timing (restored after)."""
    if not wanted:
        yield None
        return
    try:
        import torch
    except ImportError:
        yield None
        return
    old = torch.get_num_threads()
    torch.set_num_threads(min(old, TORCH_THREADS))
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(old)


def _timing_image():
    """``(label, settings key, image or (h, w))`` of the image to time, or None."""
    src = st.session_state[T_SRC]
    if src == "generated":
        hw = GENERATED[st.session_state[T_SIZE]]
        return (_("a random {size} image").format(size=_size_label(hw)), f"gen:{hw}", hw)
    if src == "sample":
        name = st.session_state[T_SAMPLE]
        gray = controls.load_sample(name)
        return (_("the sample {name} ({h}×{w})").format(name=name, h=gray.shape[0],
                                                          w=gray.shape[1]),
                f"sample:{name}", gray)
    current = image_source.current_image()
    if current is None or current.source not in ("upload", "camera"):
        return None
    return (_("your image {name} ({h}×{w})").format(name=current.name, h=current.height,
                                                     w=current.width),
            current.key, current.gray)


def _upload_box() -> None:
    upload = st.file_uploader(_("Photo (PNG, JPEG, GIF, BMP, TIFF, WebP)"),
                              type=list(controls.IMAGE_TYPES), key=T_UPLOAD,
                              max_upload_size=controls.MAX_UPLOAD_MB)
    if upload is not None:
        try:
            image_source.set_current_image_from_bytes(upload.name, upload.getvalue(),
                                                      source="upload")
        except image_source.ImageLoadError as err:
            st.error(_("This file cannot be used: {reason}").format(reason=err))


def timing_section() -> None:
    st.header(_("5 · Which is fastest? Measured here"))
    st.markdown(_(
        "Every `method` of convcore's `conv2d` and PyTorch's `conv2d`, timed on "
        "this server for square kernels from 3×3 up, \"same\" padding, float32. Runs are "
        "interleaved (every method once per round, so a busy moment slows all alike) and "
        "the median of the rounds is kept. A method that would not fit in the time budget "
        "is skipped at larger kernels (—)."))
    # On a projector two rows of two: four boxes in a row cut their values short.
    c = ([*st.columns(2), *st.columns(2)] if _presenting() else
         st.columns([1.4, 1.2, 1, 1.2]))
    src = c[0].selectbox(_("Image"), list(SOURCES), key=T_SRC,
                         format_func=i18n.option_labels(SOURCES))
    if src == "generated":
        c[1].selectbox(_("Size"), list(GENERATED), key=T_SIZE,
                       format_func=lambda s: _size_label(GENERATED[s]))
    elif src == "sample":
        samples = image_source.sample_names()
        if st.session_state[T_SAMPLE] not in samples and samples:
            st.session_state[T_SAMPLE] = samples[0]
        c[1].selectbox(_("Sample"), samples, key=T_SAMPLE)
    kmax = int(c[2].selectbox(_("Largest kernel"), ODD_SIZES, key=T_KMAX,
                              format_func=lambda n: f"{n}×{n}"))
    kind = c[3].selectbox(_("Kernels"), list(KINDS), key=T_KIND,
                          format_func=i18n.option_labels(KINDS))
    c = st.columns([1.5, 1])
    budget = int(c[0].slider(_("Time budget (seconds)"), 1, 5, key=T_BUDGET))
    with_torch = c[1].toggle(_("Time PyTorch too"), key=T_TORCH)
    if src == "yours":
        _upload_box()
    chosen = _timing_image()
    if chosen is None:
        st.info(_("Upload a photo to time it, or pick a sample or a generated size."))
        return
    label, image_key, image = chosen
    h, w = image if isinstance(image, tuple) else image.shape
    sizes = tuple(s for s in ODD_SIZES if s <= kmax)
    methods = TIMED_METHODS + (("torch",) if with_torch else ())
    problem = None
    if h * w > SWEEP_MAX_PIXELS:
        problem = _("{label} has {mp} million pixels; timings are limited to {limit} million "
                    "(a 12 MP photo) so that one measurement cannot exhaust the shared "
                    "server's memory.").format(label=label, mp=format_number(h * w / 1e6,
                                                                             digits=3),
                                               limit=format_number(SWEEP_MAX_PIXELS / 1e6,
                                                                   digits=3))
    elif kmax > min(h, w):
        problem = _("A {k}×{k} kernel is larger than {label}: choose a smaller largest "
                    "kernel.").format(k=kmax, label=label)
    if problem:
        st.warning(problem, icon=":material/block:")
        return
    settings = (image_key, sizes, kind, budget, methods)
    buttons = st.container(horizontal=True)
    run = buttons.button(_("Measure"), key=T_RUN, type="primary", icon=":material/timer:")
    again = buttons.button(_("Measure again"), key=T_AGAIN,
                           help=_("Re-time even if these settings were measured already"))
    result = BOARD.get(settings)
    if run and result is not None and not again:
        st.info(_("These settings were measured on this server already: here is that "
                  "result. Press \"Measure again\" to re-time."))
    elif run or again:
        if not BOARD.try_start():
            last = BOARD.last()
            st.info(_("Someone else's timing is running on this server right now (one at a "
                      "time, so that they do not slow each other). Here is the last result "
                      "measured; press again in a few seconds."), icon=":material/hourglass:")
            if last is not None:
                result, settings = last[1], last[0]
        else:
            try:
                bar = st.progress(0.0, text=_("Timing…"))

                def progress(done, total, method, k):
                    bar.progress(done / total, text=_("Timing {method}, {k}×{k} kernel: "
                                                      "{done} of {total} calls").format(
                        method=FM.method_name(method), k=k, done=done, total=total))

                with _torch_threads(with_torch):
                    result = convcore.time_methods(image, kernel_sizes=sizes, methods=methods,
                                                   budget_s=float(budget), rounds=3,
                                                   kernel=kind, progress=progress)
                BOARD.put(settings, result)
                bar.empty()
            finally:
                BOARD.finish()
    if result is not None:
        st.session_state[T_SHOWN] = settings
    shown = st.session_state.get(T_SHOWN)
    if result is None and shown is not None:
        result, settings = BOARD.get(shown), shown
    if result is None:
        st.caption(_("Press \"Measure\": it takes at most the time budget (plus a few "
                     "seconds the first time, while PyTorch loads)."))
        return
    show_timing(result, label if settings[0] == image_key else None)


def show_timing(result: convcore.MethodTiming, label: str | None) -> None:
    h, w = result.image_hw
    crossover = result.crossover("fft", "direct")
    fig = FM.timing_figure(result.kernel_sizes, result.seconds, crossover,
                           title=_("Measured on this server: {h}×{w}, {kind} kernels").format(
                               h=h, w=w, kind=_(KINDS[result.kernel])),
                           width_px=_width(), height_px=620 if _presenting() else 460,
                           presenting=_presenting())
    _show(fig, "timings", key=f"{P}_timing_chart")
    if label is None:
        st.caption(_("This is the last result measured on this server ({h}×{w}), not your "
                     "current settings.").format(h=h, w=w))
    rows = []
    for i, k in enumerate(result.kernel_sizes):
        row = {_("kernel"): f"{k}×{k}"}
        for m in result.methods:
            row[FM.method_name(m)] = _seconds(result.seconds[m][i])
        row[_("auto picks")] = FM.method_name(result.auto_methods[i])
        rows.append(row)
    with st.expander(_("Show as numbers: the timings"), expanded=not _presenting()):
        st.dataframe(rows, hide_index=True, width="content")
    fft_im2col = result.crossover("fft", "im2col")
    if crossover is not None:
        text = _("**On this machine the FFT beats the direct sum from k = {k}** (at every "
                 "measured size from there on)").format(k=crossover)
    else:
        text = _("**No crossover measured:** the FFT did not beat the direct sum at every "
                 "size from some k on (or they were not both measured)")
    if fft_im2col is not None:
        text += _(", and im2col from k = {k}.").format(k=fft_im2col)
    else:
        text += "."
    a11y.live_region(text, markdown=True)
    sentences = []
    previous = None
    for i, k in enumerate(result.kernel_sizes):
        pair = (result.auto_methods[i], result.auto_reasons[i] if result.auto_reasons else "")
        if pair != previous:
            sentences.append(_("- from {k}×{k}: **{method}** — {why}").format(
                k=k, method=FM.method_name(pair[0]),
                why=reason_text(pair[1], result.image_hw, k)))
            previous = pair
    st.markdown(_("What convcore's `conv2d` picks with `method=\"auto\"` for this image:") + "\n"
                + "\n".join(sentences))
    missing = len(result.not_measured)
    notes = [_("Took {s} s of a {b} s budget; {n} cells not measured (—).").format(
        s=format_number(result.elapsed_s, digits=3), b=format_number(result.budget_s),
        n=missing)]
    if result.torch_threads is not None:
        notes.append(_("PyTorch used {n} threads.").format(n=result.torch_threads))
    if result.abandoned is not None:
        notes.append(_("One call ({method}, {k}×{k}) was still running at the deadline and "
                       "was left to finish.").format(method=FM.method_name(result.abandoned[0]),
                                                     k=result.abandoned[1]))
    notes.append(_("Each cell is the median of a few runs on a server the whole class "
                   "shares: the crossover can move by a few sizes from one measurement to the "
                   "next (press \"Measure again\"); the FFT staying flat while the sums grow "
                   "with k does not."))
    st.caption(" ".join(notes) + " " + _(
        "The same measurement from the command line: `python benchmarks/bench_methods.py "
        "--budget 3`."))


# ------------------------------------------------------------------------------ 6 · depthwise


def depthwise_section() -> None:
    st.header(_("6 · Depthwise separable: a different \"separable\""))
    st.markdown(_(
        "A *depthwise separable* layer splits a convolution across **channels**, not across "
        "the kernel's rows and columns: one k×k kernel per input channel (groups = input "
        "channels), then a 1×1 convolution that mixes them — it saves parameters and work "
        "whatever the kernels hold, while the separable kernels above must be rank 1."))
    st.page_link("app_pages/channels.py", label=_("Groups and depthwise: Channels"),
                 icon=":material/layers:", query_params={"tab": "groups"})


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.title(_("Under the hood"))
    if not _presenting():
        st.markdown(_("How libraries compute a convolution fast (Goodfellow 9.8): im2col, "
                      "the Fourier transform, separable kernels — each equal to the loop, "
                      "and timed on this server."))
    loop_section()
    st.divider()
    im2col_section()
    st.divider()
    fourier_section()
    st.divider()
    separable_section()
    st.divider()
    timing_section()
    st.divider()
    depthwise_section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
