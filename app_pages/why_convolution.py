"""Why convolution: from a dense layer to a convolutional one (issue 13).

Thin page, read top to bottom like the lesson (d2l 5.1, Goodfellow ch. 9): widgets → numbers
(convcore.dense, matrix, stack, equivariance, local) → figures (ui.figures_why, built on
ui.figures). Seven sections: dense → convolution in numbers; the convolution as a matrix
product; the receptive field growing with depth; equivariance; locally connected, tiled and
convolutional layers; finding Waldo; an infinitely strong prior. Every widget key starts
with ``wc_``; every setting lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import convcore
from convcore.padding import pad
from convcore.shapes import size_text
from convcore.trace import format_number
from ui import a11y, controls, i18n, presenter
from ui import figures_why as FW
from ui import url_state as us
from ui.figures import picked_cell
from ui.i18n import N_, _, current_language

P = "wc"  # prefix of every session-state key of this page
CHART_CONFIG = {"displaylogo": False}

# Section 1: dense → convolution.
N, DELTA, TIED, LOCAL = f"{P}_n", f"{P}_delta", f"{P}_tied", f"{P}_local"
# Section 2: the matrix.
MH, MW, MK, MPAD, MS = f"{P}_h", f"{P}_w", f"{P}_k", f"{P}_pad", f"{P}_s"
SHOW, ROW, COL, TAP_A, TAP_B = f"{P}_show", f"{P}_row", f"{P}_col", f"{P}_tap_a", f"{P}_tap_b"
M_CHART, G_CHART, M_CLICK = f"{P}_m_chart", f"{P}_g_chart", f"{P}_m_click"
# Section 3: depth.
DEPTH, RF_K, RF_S, RF_I, RF_J = (f"{P}_depth", f"{P}_rf_k", f"{P}_rf_s", f"{P}_rf_i",
                                 f"{P}_rf_j")
RF_CHART, RF_CLICK = f"{P}_rf_chart", f"{P}_rf_click"
# Section 4: equivariance.
DY, DX, EQ_K, TRANSFORM = f"{P}_dy", f"{P}_dx", f"{P}_eq_k", f"{P}_tf"
# Section 5: locally connected / tiled / convolutional.
TILE = f"{P}_tile"
# Section 6: Waldo.
TOP, LEFT, WALDO_CHART, WALDO_CLICK = f"{P}_top", f"{P}_left", f"{P}_waldo_chart", \
    f"{P}_waldo_click"

#: The four layers of section 1, by (translation invariance, locality).
STEP_NAMES = {(False, False): N_("dense"), (True, False): N_("① translation invariance"),
              (False, True): N_("② locality only"), (True, True): N_("① + ②: convolution")}
MAX_N = 12  # section 1: up to a 144×144 matrix (drawn in blocks beyond 96)
MAX_SIDE = 64  # section 2: a 64×64 input's dense matrix is over convcore's limit
MATRIX_KERNELS = {"d2l": N_("d2l's 2×2 [[0, 1], [2, 3]]"), "edge": N_("edge [1, −1]"),
                  "sobel_x": N_("Sobel x 3×3"), "box_blur_3x3": N_("box blur 3×3")}
SHOW_MODES = {"row": N_("a row: one output"), "column": N_("a column: one input pixel"),
              "weight": N_("a weight: everywhere it appears")}
EQ_KERNELS = {"sobel_x": N_("Sobel x (oriented)"),
              "gaussian_blur_3x3": N_("Gaussian blur (symmetric)")}
#: Words written into the highlighted cells of the tables of numbers.
MARK_WORDS = {"row": N_("picked row"), "column": N_("picked column"),
              "weight": N_("picked weight")}
TRANSFORMS = {"rotate": N_("rotate 90°"), "scale": N_("enlarge 2×")}
STACK_INPUT = (13, 13)
EQ_SIDE = 40  # the photo is shrunk to 40×40 for the equivariance section
SCENE_HW = (24, 32)
#: Waldo's striped shirt: 5 rows of alternating stripes, 4 wide.
PATTERN = np.tile(np.array([[1.0], [0.0]]), (3, 4))[:5]

DEFAULTS = {N: 6, DELTA: 1, TIED: False, LOCAL: False,
            MH: 4, MW: 4, MK: "d2l", MPAD: 0, MS: 1, SHOW: "row", ROW: 4, COL: 5, TAP_A: 1,
            TAP_B: 1,
            DEPTH: 3, RF_K: 3, RF_S: 1, RF_I: 6, RF_J: 6,
            DY: 3, DX: -2, EQ_K: "sobel_x", TRANSFORM: "rotate",
            TILE: 2, TOP: 14, LEFT: 20}


def _url_params() -> list[us.UrlParam]:
    def integer(key, low, high, name, label):
        return us.UrlParam(key, "int", DEFAULTS[key], min=low, max=high, name=name,
                           label=label)

    def flag(key, name, label):
        return us.UrlParam(key, "bool", DEFAULTS[key], name=name, label=label)

    def choice(key, options, name, label):
        return us.UrlParam(key, "choice", DEFAULTS[key], choices=list(options), name=name,
                           label=label)

    return [
        integer(N, 3, MAX_N, "n", N_("image size")),
        integer(DELTA, 0, 3, "delta", "Δ"),
        flag(TIED, "ti", N_("translation invariance")),
        flag(LOCAL, "loc", N_("locality")),
        integer(MH, 1, MAX_SIDE, "h", N_("input height")),
        integer(MW, 1, MAX_SIDE, "w", N_("input width")),
        choice(MK, MATRIX_KERNELS, "k", N_("kernel")),
        integer(MPAD, 0, 2, "pad", N_("padding")),
        integer(MS, 1, 3, "s", N_("stride")),
        choice(SHOW, SHOW_MODES, "show", N_("highlight")),
        integer(ROW, 0, 100_000, "row", N_("row of M")),
        integer(COL, 0, 100_000, "col", N_("column of M")),
        integer(TAP_A, 0, 6, "ta", N_("kernel row")),
        integer(TAP_B, 0, 6, "tb", N_("kernel column")),
        integer(DEPTH, 1, 5, "depth", N_("layers")),
        choice(RF_K, (3, 5), "rk", N_("kernel size")),
        choice(RF_S, (1, 2), "rs", N_("stride")),
        integer(RF_I, 0, 100, "ri", N_("unit row")),
        integer(RF_J, 0, 100, "rj", N_("unit column")),
        integer(DY, -8, 8, "dy", N_("shift down")),
        integer(DX, -8, 8, "dx", N_("shift right")),
        choice(EQ_K, EQ_KERNELS, "ek", N_("kernel")),
        choice(TRANSFORM, TRANSFORMS, "tf", N_("transformation")),
        integer(TILE, 1, 4, "tile", N_("tile")),
        integer(TOP, 0, SCENE_HW[0] - PATTERN.shape[0], "top", N_("pattern row")),
        integer(LEFT, 0, SCENE_HW[1] - PATTERN.shape[1], "left", N_("pattern column")),
    ]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ helpers


def _presenting() -> bool:
    return presenter.presenter_mode()


def _cell_px() -> float:
    return float(presenter.figure_scale()["max_cell_px"])


def _clamp(key: str, low: int, high: int) -> int:
    """Pull a remembered whole number back into ``low..high`` (before its widget)."""
    return us.clamp_int(key, low, high, DEFAULTS.get(key, low))


def _number(container, label: str, key: str, low: int, high: int, help: str | None = None,
            width="stretch") -> int:
    _clamp(key, low, high)
    if high <= low:
        container.caption(_("{label}: {value} (the only value)").format(label=label,
                                                                        value=low))
        return low
    return int(container.number_input(label, low, high, key=key, step=1, help=help,
                                      width=width))


def _show(fig, name: str, **kwargs):
    """``controls.show_grid``: in presenter mode the figure is enlarged and fitted to a
    projector."""
    return controls.show_grid(fig, name, base=CHART_CONFIG, **kwargs)


def _width() -> float:
    """Width the figures may take: the page's column (narrower on a 1280 px projector)."""
    return 700.0 if _presenting() else 940.0




def _click_callback(chart_key: str, store_key: str):
    def callback() -> None:
        picked = picked_cell(st.session_state.get(chart_key))
        if picked is not None:
            st.session_state[store_key] = picked

    return callback


#: Largest grid (entries) shown as a table of numbers.
MAX_TABLE_ENTRIES = 4096


def _numbers(values, caption: str, highlights=None) -> None:
    """The text alternative of a grid: an expander with its numbers as a table."""
    arr = np.asarray(values)
    if arr.size > MAX_TABLE_ENTRIES:
        st.caption(_("{caption}: {rows}×{cols} entries are too many for a table of numbers "
                     "(at most {n}); the sentences above give its structure.").format(
            caption=caption, rows=arr.shape[0], cols=arr.shape[1], n=f"{MAX_TABLE_ENTRIES:,}"))
        return
    a11y.show_as_numbers(
        arr, caption, label=_("Show as numbers: {caption}").format(caption=caption),
        row_labels=[_("row {r}").format(r=r) for r in range(arr.shape[0])],
        col_labels=[_("column {c}").format(c=c) for c in range(arr.shape[1])],
        highlights=highlights)


def _big(n: int) -> str:
    """``1,000,000,000 (10⁹)`` style: the exact count and its power of ten."""
    exponent = int(np.floor(np.log10(n))) if n > 0 else 0
    mantissa = n / 10 ** exponent if n > 0 else 0
    sup = str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    power = f"10{sup}" if mantissa == 1 else f"{format_number(mantissa, digits=3)} × 10{sup}"
    return f"{n:,} ({power})"


# ------------------------------------------------------------------------------ 1 · dense


@st.cache_data(max_entries=16, show_spinner=False)
def dense_steps(n: int, delta: int):
    """Every combination of the two constraints on one random dense layer (seed 0)."""
    weight = convcore.random_dense_weight((n, n), seed=0)
    steps = {}
    for tied in (False, True):
        for local in (False, True):
            steps[(tied, local)] = convcore.constrain_dense_layer(
                weight, translation_invariance=tied, locality=delta if local else None)
    return steps


@st.cache_resource(max_entries=32, show_spinner=False)
def dense_chart(n: int, delta: int, tied: bool, local: bool, presenting: bool, lang: str):
    step = dense_steps(n, delta)[(tied, local)]
    drawn = FW.drawn_dense(step.matrix)
    height = 380 if presenting else 520
    max_cell = presenter.figure_scale(presenting)["max_cell_px"]
    fig = FW.dense_matrix_figure(drawn, step.kernel, height_px=height, max_cell_px=max_cell,
                                 available_px=700.0 if presenting else 940.0)
    return fig, FW.downsample_note(drawn)


def dense_section() -> None:
    if _presenting():
        st.markdown("##### " + _("1 · From a dense layer to a convolution, in numbers"))
    else:
        st.header(_("1 · From a dense layer to a convolution, in numbers"))
        st.markdown(_(
            "A dense layer (全连接层) from an H×W image to an H×W hidden layer has one weight "
            "for every pair of hidden cell `(i, j)` and input cell `(k, l)`: "
            "`h[i, j] = Σ W[i, j, k, l] · x[k, l]`. Written with offsets, "
            "`V[i, j, a, b] = W[i, j, i + a, j + b]`. Below, each row of the matrix is one "
            "hidden cell and each column one input pixel. Turn on the book's two principles "
            "in its order and watch the matrix become a convolution's."))
    with presenter.main_controls():
        n = _number(st, _("Size H = W"), N, 3, MAX_N, width=125)
        if not _presenting():
            delta = _number(st, _("Locality Δ"), DELTA, 0, 3, width=140,
                            help=_("Keep only the weights with |a| ≤ Δ and |b| ≤ Δ"))
        tied = st.toggle(_("① Translation invariance"), key=TIED, width="content",
                         help=_("V[i, j, a, b] = V[a, b]: every hidden cell uses the same "
                                "weights, shifted"))
        local = st.toggle(_("② Locality"), key=LOCAL, width="content",
                          help=_("V[a, b] = 0 when |a| > Δ or |b| > Δ"))
    if _presenting():  # one row of main controls on a projector: Δ is folded
        with presenter.advanced_controls(_("Locality Δ")):
            delta = _number(st, _("Locality Δ"), DELTA, 0, 3, width=140,
                            help=_("Keep only the weights with |a| ≤ Δ and |b| ≤ Δ"))
    steps = dense_steps(n, delta)
    step = steps[(tied, local)]
    fig, note = dense_chart(n, delta, tied, local, _presenting(), current_language())
    with a11y.main_figure():
        _show(fig, "dense_to_conv", key=f"{P}_dense_chart")
    a11y.live_region(_("**{name}**: **{count}** free parameters (the dense layer has "
                       "{dense}).").format(name=_(STEP_NAMES[(tied, local)]),
                                           count=f"{step.params:,}",
                                           dense=f"{steps[(False, False)].params:,}"),
                     markdown=True)
    if note:
        st.caption(note)
    st.caption(_("Rows: hidden cells (i, j), numbered row by row; columns: input pixels "
                 "(k, l). Blue positive, red negative, white zero. Random weights (seed 0); "
                 "tying replaces each offset's weights by their mean."))
    counts = {_(name): steps[flags].params for flags, name in STEP_NAMES.items()}
    m = st.columns(2)
    m[0].metric(_("Free parameters now"), f"{step.params:,}",
                help=_("Weights the learner can still choose independently"))
    m[1].metric(_("Dense layer"), f"{steps[(False, False)].params:,}")
    if step.params < steps[(False, False)].params:
        m[0].caption(_("{ratio}× fewer than the dense layer").format(
            ratio=format_number(steps[(False, False)].params / step.params, digits=3)))
    _numbers(step.matrix, _("Weight matrix {rows}×{cols}").format(
        rows=step.matrix.shape[0], cols=step.matrix.shape[1]))
    if tied and local:
        conv = convcore.conv_matrix((n, n), step.kernel, padding="same")
        gap = float(np.abs(conv - step.matrix).max())
        st.success(_("With both principles the matrix **is** `conv_matrix` of the "
                     "{k} kernel `V[a, b]` with padding \"same\": largest difference "
                     "{gap}. This is the convolutional layer: "
                     "`h[i, j] = Σ_(|a|, |b| ≤ Δ) V[a, b] · x[i + a, j + b]`.").format(
            k=size_text(step.kernel.shape), gap=format_number(gap, digits=3)))
    with presenter.advanced_controls(_("Parameter counts and the seeds' photos")) \
            if _presenting() else st.container():
        rows = [{_("layer"): name, _("free parameters"): f"{count:,}"}
                for name, count in counts.items()]
        st.dataframe(rows, hide_index=True, width="content")
        d2l = convcore.dense_layer_params((1000, 1000), 1000)
        notes = convcore.dense_layer_params((3, 3000, 4000), 100)
        st.markdown(_(
            "**The seeds' photos.** d2l: a 1-megapixel photo into 1,000 hidden units needs "
            "{d2l} weights. The Chinese notes: a 12 MP RGB photo is 36 M inputs; 100 hidden "
            "units need {notes} weights — more than there are cats and dogs on Earth. A "
            "convolution with Δ = {delta} needs {conv} weights, whatever the photo's size."
        ).format(d2l=_big(d2l), notes=_big(notes), delta=delta,
                 conv=(2 * delta + 1) ** 2))


# ------------------------------------------------------------------------------ 2 · matrix


def _matrix_kernel(name: str) -> np.ndarray:
    return np.array(convcore.get_kernel(name).array, dtype=np.float64)


def _apply_click(geo, triplets) -> None:
    """Turn a click on either figure of section 2 into the row, column or weight picked."""
    clicked = st.session_state.pop(M_CLICK, None)
    if clicked is None:
        return
    tag, r, c = clicked
    factor = st.session_state.get(f"{P}_factor", 1)
    state = st.session_state
    n_rows, n_cols = geo.shape
    h, w = geo.in_hw
    out_h, out_w = geo.out_hw
    if tag == "matrix":
        row, col = min(r * factor, n_rows - 1), min(c * factor, n_cols - 1)
        mode = state.get(SHOW, "row")
        if mode == "row":
            state[ROW] = row
        elif mode == "column":
            state[COL] = col
        else:
            hit = np.flatnonzero((triplets.rows == row) & (triplets.cols == col))
            if hit.size:
                kw = geo.weight_shape[3]
                state[TAP_A], state[TAP_B] = divmod(int(triplets.weight_index[hit[0]]), kw)
            state[ROW], state[COL] = row, col
    elif tag in ("y", "output"):
        row = r if tag == "y" else r * out_w + c
        if 0 <= row < n_rows and (tag == "y" or (0 <= r < out_h and 0 <= c < out_w)):
            state[ROW], state[SHOW] = int(row), "row"
    elif tag in ("x", "input"):
        col = r if tag == "x" else r * w + c
        if 0 <= col < n_cols and (tag == "x" or (0 <= r < h and 0 <= c < w)):
            state[COL], state[SHOW] = int(col), "column"


def _product_via_triplets(triplets, vector: np.ndarray, transpose: bool = False) -> np.ndarray:
    n_rows, n_cols = triplets.shape
    if transpose:
        out = np.zeros(n_cols)
        np.add.at(out, triplets.cols, triplets.values * vector[triplets.rows])
    else:
        out = np.zeros(n_rows)
        np.add.at(out, triplets.rows, triplets.values * vector[triplets.cols])
    return out


def matrix_section() -> None:
    st.header(_("2 · A convolution is a matrix product"))
    st.markdown(_(
        "A convolution is linear in its input, so it is one matrix `M` (Goodfellow 9.1): "
        "`y = M x` with the input `x` and the output `y` flattened row by row. Each row of `M` "
        "is the kernel laid over one window; every other entry is 0."))
    c = st.columns([1, 1, 1.6, 1, 1])
    h = _number(c[0], _("Input height"), MH, 1, MAX_SIDE)
    w = _number(c[1], _("Input width"), MW, 1, MAX_SIDE)
    kname = c[2].selectbox(_("Kernel"), list(MATRIX_KERNELS), key=MK,
                           format_func=i18n.option_labels(MATRIX_KERNELS))
    padding = _number(c[3], _("Padding"), MPAD, 0, 2)
    stride = _number(c[4], _("Stride"), MS, 1, 3)
    kernel = _matrix_kernel(kname)
    try:
        geo = convcore.conv_geometry((h, w), kernel.shape, stride, padding)
        triplets = convcore.conv_matrix_triplets((h, w), kernel, stride, padding)
    except ValueError as err:
        st.error(_("No output for these settings: `{err}`").format(err=err),
                 icon=":material/block:")
        return
    x = np.arange(h * w, dtype=np.float64).reshape(h, w)
    y = convcore.conv2d(x, kernel, stride=stride, padding=padding)
    try:
        matrix = convcore.conv_matrix((h, w), kernel, stride, padding)
    except ValueError as err:
        matrix = None
        st.warning(_("**The dense matrix is not built.** convcore says: `{err}`. Its non-zero "
                     "entries are used instead (as row, column, value triplets), and the "
                     "drawing below shows them in blocks.").format(err=err),
                   icon=":material/straighten:")
    if matrix is not None:
        mx = matrix @ x.ravel()
        mt_y = matrix.T @ y.ravel()
    else:
        mx = _product_via_triplets(triplets, x.ravel())
        mt_y = _product_via_triplets(triplets, y.ravel(), transpose=True)
    _apply_click(geo, triplets)
    n_rows, n_cols = geo.shape
    kh, kw = kernel.shape
    c = st.columns([1.6, 1, 1, 0.8, 0.8])
    mode = c[0].radio(_("Highlight"), list(SHOW_MODES), key=SHOW,
                      format_func=i18n.option_labels(SHOW_MODES))
    row = _number(c[1], _("Row of M"), ROW, 0, n_rows - 1,
                  help=_("An output cell; or click a row of M, a cell of y or of the output"))
    col = _number(c[2], _("Column of M"), COL, 0, n_cols - 1,
                  help=_("An input pixel; or click a column of M, a cell of x or of the input"))
    tap_a = _number(c[3], _("Kernel row a"), TAP_A, 0, kh - 1)
    tap_b = _number(c[4], _("Kernel column b"), TAP_B, 0, kw - 1)
    row_info = convcore.matrix_row_window((h, w), kernel.shape, row, stride, padding)
    col_info = convcore.matrix_column_outputs((h, w), kernel.shape, col, stride, padding)
    entries = convcore.weight_entries((h, w), kernel.shape, (tap_a, tap_b), stride, padding)
    pick = FW.MatrixPick(mode, row, col,
                         tuple(int(v) for v in row_info.columns[row_info.on_input]),
                         tuple(int(v) for v in col_info.rows),
                         tuple(zip(entries.rows.tolist(), entries.cols.tolist(), strict=True)))
    drawn = FW.drawn_matrix(triplets.rows, triplets.cols, triplets.values, triplets.shape)
    st.session_state[f"{P}_factor"] = drawn.factor
    fig = FW.matrix_product_figure(drawn, x.ravel(), y.ravel(), pick,
                                   height_px=640 if _presenting() else 520,
                                   max_cell_px=_cell_px(),
                                   available_px=_width())
    _show(fig, "conv_matrix", key=M_CHART, on_select=_click_callback(M_CHART, M_CLICK),
          selection_mode=("points",))
    a11y.text_legend([
        a11y.LegendItem(_("picked row, window, output cell: thick black frame"), "#ffffff",
                        f"3px solid {FW.ROW_COLOR}"),
        a11y.LegendItem(_("picked column, input pixel: thick blue frame"), "#ffffff",
                        f"3px solid {FW.COLUMN_COLOR}"),
        a11y.LegendItem(_("entries of the row, of the weight: vermillion dots"), "#ffffff",
                        f"3px dotted {FW.WEIGHT_COLOR}"),
        a11y.LegendItem(_("outputs the pixel touches: orange dots"), "#ffffff",
                        f"3px dotted {FW.FEED_COLOR}"),
    ])
    note = FW.downsample_note(drawn)
    if note:
        st.caption(note)
    gap = float(np.abs(mx - y.ravel()).max())
    st.success(_("`M @ x` equals `{call}` flattened: largest difference {gap} over {n} "
                 "outputs.").format(call=f"F.conv2d(x, K, stride={stride}, padding={padding})",
                                    gap=format_number(gap, digits=3), n=n_rows))
    (top, _unused), (left, _unused2) = geo.pads
    padded = pad(x, geo.pads)
    mask = np.ones(padded.shape, dtype=bool)
    mask[top:top + h, left:left + w] = False
    if mode == "row":
        i, j = row_info.out_cell
        r0, c0 = row_info.window_top_left
        window = (r0 + top, c0 + left, r0 + top + row_info.window_span[0] - 1,
                  c0 + left + row_info.window_span[1] - 1)
        grid = FW.grids_figure(padded, mask, (top, left), kernel, y, window=window,
                               output_cells=[(i, j)], max_cell_px=min(_cell_px(), 44),
                               available_px=_width())
        on = int(row_info.on_input.sum())
        terms = " + ".join(
            f"{format_number(kernel[a, b], parenthesize=True)}×"
            f"{format_number(x[rr, ss], parenthesize=True)}"
            for (_o, _c, a, b), (_ch, rr, ss), ok in zip(
                row_info.taps, row_info.input_cells, row_info.on_input, strict=True) if ok)
        text = _("**Row {row}** of `M` computes output cell **({i}, {j})**: only {on} of "
                 "its {cols} entries hold a weight — the taps of one {kh}×{kw} window; all "
                 "the others are 0 (*sparse interactions*, 稀疏交互). "
                 "`y[{i}, {j}] = {terms} = {value}`.").format(
            row=row, i=i, j=j, on=on, cols=n_cols, kh=kh, kw=kw, terms=terms or "0",
            value=format_number(y[i, j]))
    elif mode == "column":
        r, s = col_info.in_cell
        outs = [(int(o[1]), int(o[2])) for o in col_info.out_cells]
        grid = FW.grids_figure(padded, mask, (top, left), kernel, y, input_cell=(r, s),
                               output_cells=outs, max_cell_px=min(_cell_px(), 44),
                               available_px=_width())
        text = _("**Column {col}** of `M` is input pixel **({r}, {s})**: it touches {m} of "
                 "the {rows} outputs (orange dots) — at most {kh}×{kw}, whatever the image's "
                 "size (Goodfellow figs. 9.2–9.3).").format(
            col=col, r=r, s=s, m=len(outs), rows=n_rows, kh=kh, kw=kw)
    else:
        grid = FW.grids_figure(padded, mask, (top, left), kernel, y, tap=(tap_a, tap_b),
                               max_cell_px=min(_cell_px(), 44),
                               available_px=_width())
        text = _("**Weight K[{a}, {b}] = {v}** appears {m} times in `M` (vermillion dots) — "
                 "once in every row whose window puts that tap on the input (*parameter "
                 "sharing*, 参数共享, Goodfellow fig. 9.5). `M` stores {nnz} entries but holds "
                 "only {k} different weights.").format(
            a=tap_a, b=tap_b, v=format_number(kernel[tap_a, tap_b]), m=len(entries.rows),
            nnz=f"{len(triplets.values):,}", k=kh * kw)
    st.markdown(text)
    _show(grid, "conv_grids", key=G_CHART, on_select=_click_callback(G_CHART, M_CLICK),
          selection_mode=("points",))
    st.caption(_("Keyboard: the number boxes above pick a row, a column or a weight. Mouse: "
                 "click a row of M (or a cell of y or of the output) for its window; a column "
                 "(or a cell of x or of the input) for every output it touches. The input "
                 "holds 0, 1, 2, … row by row; hatched cells are padding, which has no column "
                 "in M."))
    out_pad = tuple((n + 2 * padding - k) % stride for n, k in zip((h, w), kernel.shape,
                                                                   strict=True))
    transposed = convcore.conv_transpose2d(y, kernel, stride=stride, padding=padding,
                                           output_padding=out_pad)
    gap_t = float(np.abs(mt_y - transposed.ravel()).max())
    st.markdown(_(
        "**Mᵀ goes back.** `Mᵀ y` has one entry per input pixel: it scatters each output "
        "through the same weights. It equals the transposed convolution `{call}` (largest "
        "difference {gap}) — and the gradient of `conv2d` with respect to its input.").format(
        call=f"F.conv_transpose2d(y, K, stride={stride}, padding={padding}, output_padding="
             f"{out_pad if out_pad[0] != out_pad[1] else out_pad[0]})",
        gap=format_number(gap_t, digits=3)))
    st.page_link("app_pages/padding_stride.py",
                 label=_("Transposed convolution, cell by cell: Padding & stride"),
                 icon=":material/straighten:")
    if matrix is not None:
        marks = {"row": [(row, int(cc)) for cc in pick.row_columns]} if mode == "row" else (
            {"column": [(int(rr), col) for rr in pick.column_rows]} if mode == "column" else
            {"weight": list(pick.weight_cells)})
        _numbers(matrix, _("M, {rows}×{cols}").format(rows=n_rows, cols=n_cols),
                 highlights={_(MARK_WORDS[k]): v for k, v in marks.items()})


# ------------------------------------------------------------------------------ 3 · depth


def depth_section() -> None:
    st.header(_("3 · The receptive field grows with depth"))
    st.markdown(_(
        "Each unit sees only a small window of the layer below, but stacked layers see "
        "further (Goodfellow fig. 9.4): a unit of a deep layer depends on a large region of "
        "the input. Pick a unit; the numbers on the input count the paths that join each "
        "pixel to it."))
    c = st.columns(5)
    depth = _number(c[0], _("Layers"), DEPTH, 1, 5)
    k = c[1].selectbox(_("Kernel size"), (3, 5), key=RF_K, format_func=lambda v: f"{v}×{v}")
    s = c[2].selectbox(_("Stride"), (1, 2), key=RF_S)
    layers = convcore.repeat_layer(depth, int(k), stride=int(s), padding=int(k) // 2)
    rows = convcore.layer_stack_shapes(STACK_INPUT, layers)
    out_hw = rows[-1].out_hw
    clicked = st.session_state.pop(RF_CLICK, None)
    if clicked is not None and clicked[0] == "output":
        st.session_state[RF_I], st.session_state[RF_J] = clicked[1], clicked[2]
    i = _number(c[3], _("Unit row"), RF_I, 0, out_hw[0] - 1)
    j = _number(c[4], _("Unit column"), RF_J, 0, out_hw[1] - 1)
    region = convcore.unit_input_region(STACK_INPUT, layers, (i, j))
    fig = FW.receptive_field_figure(region.paths, region.box, (i, j), out_hw, depth,
                                    max_cell_px=min(_cell_px(), 40),
                                    available_px=_width())
    _show(fig, "receptive_field", key=RF_CHART,
          on_select=_click_callback(RF_CHART, RF_CLICK), selection_mode=("points",))
    box = region.box
    size = (box[0][1] - box[0][0] + 1, box[1][1] - box[1][0] + 1) if box else (0, 0)
    st.markdown(_(
        "Unit **({i}, {j})** of layer {n} ({out}) depends on a **{size}** region of the "
        "{inp} input (rows {r0}–{r1}, columns {c0}–{c1}); the receptive field of a unit away "
        "from the border is {field}. One {k}×{k} layer alone sees {k}×{k}.").format(
        i=i, j=j, n=depth, out=size_text(out_hw), size=size_text(size),
        inp=size_text(STACK_INPUT), r0=box[0][0] if box else 0, r1=box[0][1] if box else 0,
        c0=box[1][0] if box else 0, c1=box[1][1] if box else 0,
        field=size_text(rows[-1].field.size), k=int(k)))
    st.caption(_("Click a unit of the layer, or type its row and column. Padding keeps "
                 "the size with stride 1; near the border part of the field lies on padding."))


# ------------------------------------------------------------------------------ 4 · equivariance


@st.cache_data(max_entries=2, show_spinner=False)
def equivariance_photo() -> np.ndarray:
    return convcore.downsample(controls.load_sample("house.png"), (EQ_SIDE, EQ_SIDE))


def equivariance_section() -> None:
    st.header(_("4 · Equivariance: shift, then convolve = convolve, then shift"))
    st.markdown(_(
        "Because every output uses the same kernel, shifting the input shifts the output "
        "(*equivariance*, 等变, Goodfellow 9.2): *conv(shift(x)) = shift(conv(x))* — exactly, "
        "away from the border."))
    photo = equivariance_photo()
    c = st.columns([1, 1, 1.6])
    dy = _number(c[0], _("Shift down (rows)"), DY, -8, 8)
    dx = _number(c[1], _("Shift right (columns)"), DX, -8, 8)
    kname = c[2].radio(_("Kernel"), list(EQ_KERNELS), key=EQ_K, horizontal=True,
                       format_func=i18n.option_labels(EQ_KERNELS))
    kernel = np.array(convcore.get_kernel(kname).array, dtype=np.float64)
    check = convcore.equivariance_check(photo, kernel, dy, dx, padding=1)
    fig = FW.equivariance_figure(check.conv_of_shifted, check.shifted_conv, check.difference,
                                 check.border, max_cell_px=16 if not _presenting() else 20,
                                 available_px=_width())
    _show(fig, "equivariance", key=f"{P}_eq_chart")
    n_border = int(check.border.sum())
    st.markdown(_(
        "On the house photo ({side}×{side}, padding 1): the difference is **exactly {zero}** "
        "on all {inside} cells away from the border. It is not zero on some of the {n} "
        "border cells (purple dots; largest difference {edge}): there the shift pushed real "
        "pixels off the image and brought in zeros, so the two sides read different windows "
        "— the padding, not the convolution, breaks the equality.").format(
        side=EQ_SIDE, zero=format_number(check.max_interior_difference),
        inside=int((~check.border).sum()), n=n_border,
        edge=format_number(check.max_border_difference, digits=3)))
    transform = st.radio(_("Now transform the input instead"), list(TRANSFORMS), key=TRANSFORM,
                         horizontal=True, format_func=i18n.option_labels(TRANSFORMS))
    results = []
    for name in EQ_KERNELS:
        k = np.array(convcore.get_kernel(name).array, dtype=np.float64)
        if transform == "rotate":
            res = convcore.rotation_check(photo, k, 1)
            sides = (res.conv_of_rotated, res.rotated_conv)
        else:
            res = convcore.scale_check(photo, k, 2)
            sides = (res.conv_of_scaled, res.scaled_conv)
        results.append((name, res, sides))
    chosen = next(r for r in results if r[0] == kname)
    titles = ((_("<b>conv(rotate(x))</b>"), _("<b>rotate(conv(x))</b>")) if transform == "rotate"
              else (_("<b>conv(enlarge(x))</b>"), _("<b>enlarge(conv(x))</b>")))
    fig = FW.transform_figure(chosen[2][0], chosen[2][1], chosen[1].difference, titles,
                              max_cell_px=12 if transform == "rotate" else 6,
                              available_px=_width())
    _show(fig, "transform", key=f"{P}_tf_chart")
    lines = [_("- {name}: relative difference ‖difference‖ / ‖{side}‖ = **{pct} %**").format(
        name=_(EQ_KERNELS[name]), pct=format_number(100 * res.relative_difference, digits=3),
        side=_("rotate(conv(x))") if transform == "rotate" else _("enlarge(conv(x))"))
        for name, res, _sides in results]
    st.markdown(_("**Not equivariant:** a convolution commutes with shifts only.") + "\n"
                + "\n".join(lines))
    st.caption(_("Sobel x looks for vertical edges: rotated, they become horizontal and it "
                 "misses them. Enlarged, edges are wider than the 3×3 kernel was made for."))
    st.markdown(_("Invariance to small shifts (the output not moving at all) is what pooling "
                  "adds on top; it is measured on the pooling page."))
    st.page_link("app_pages/pooling.py", label=_("Translation invariance: Pooling"),
                 icon=":material/compress:")


# ------------------------------------------------------------------------------ 5 · fig. 9.16


@st.cache_data(max_entries=8, show_spinner=False)
def layer_weights(out_hw: tuple[int, int], tile: int):
    rng = np.random.default_rng(0)
    local = rng.standard_normal((*out_hw, 3, 3))
    tiled = rng.standard_normal((tile, tile, 3, 3))
    conv = rng.standard_normal((3, 3))
    return local, tiled, conv


def local_section() -> None:
    st.header(_("5 · Locally connected, tiled, convolutional"))
    st.markdown(_(
        "Goodfellow's fig. 9.16: three layers with the same connections — each output sees "
        "a 3×3 window — that differ in how many kernels they keep. A **locally connected** "
        "layer (局部连接层, unshared convolution, 非共享卷积) has its own kernel at every "
        "output cell; a **tiled convolution** (平铺卷积) cycles through t×t kernels; a "
        "**convolution** uses one kernel everywhere."))
    tile = _number(st.columns(4)[0], _("Tile t (t×t kernels)"), TILE, 1, 4)
    x = controls.digit_pattern()
    out_hw = (x.shape[0] - 2, x.shape[1] - 2)
    local_w, tiled_w, conv_w = layer_weights(out_hw, tile)
    outputs = [convcore.locally_connected2d(x, local_w), convcore.tiled_conv2d(x, tiled_w),
               convcore.conv2d(x, conv_w)]
    names = [_("locally connected"), _("tiled, t = {t}").format(t=tile), _("convolutional")]
    mosaics = [FW.weight_mosaic(local_w, out_hw), FW.weight_mosaic(tiled_w, out_hw),
               FW.weight_mosaic(conv_w, out_hw)]
    titles = [f"<b>{name}</b>" for name in names]
    fig = FW.weights_mosaic_figure(mosaics, titles, (3, 3),
                                   [out_hw, (tile, tile), (1, 1)],
                                   max_cell_px=14 if not _presenting() else 18,
                                   available_px=_width())
    _show(fig, "weights_9_16", key=f"{P}_mosaic_chart")
    st.caption(_("Each 3×3 block is the kernel one output cell uses, placed where that cell "
                 "is ({out} outputs). The vermillion frame holds all the distinct kernels: "
                 "everything outside it repeats them. Random weights (seed 0).").format(
        out=size_text(out_hw)))
    fig = FW.layer_outputs_figure(x, outputs, titles, max_cell_px=min(_cell_px(), 26),
                                  available_px=_width())
    _show(fig, "outputs_9_16", key=f"{P}_outputs_chart")
    cmp = convcore.layer_comparison((1, *x.shape), 1, 3, tile=tile)
    kinds = {"dense": _("dense"), "locally connected": _("locally connected"),
             "tiled": _("tiled"), "convolutional": _("convolutional")}
    table = [{_("layer"): kinds[layer.kind], _("weights"): f"{layer.weights:,}",
              _("biases"): f"{layer.biases:,}", _("parameters"): f"{layer.params:,}",
              _("multiply-adds"): f"{layer.macs:,}",
              _("connections"): f"{layer.connections:,}"} for layer in cmp.layers]
    st.dataframe(table, hide_index=True, width="content")
    st.markdown(_(
        "The same input ({inp}, the digit 2) and output ({out}) for all four. A **locally "
        "connected** layer can learn something different at each place — the top of a face "
        "differently from the bottom — but needs {lc}× the weights of a convolution and data "
        "showing every pattern at every place. A **convolution** learns a pattern once and "
        "finds it anywhere, but cannot treat two places differently. **Tiled** sits between: "
        "t×t kernels, neighbours differ, cells t apart share.").format(
        inp=size_text(x.shape), out=size_text(out_hw),
        lc=format_number(cmp.locally_connected.weights / cmp.convolutional.weights)))


# ------------------------------------------------------------------------------ 6 · Waldo


@st.cache_data(max_entries=2, show_spinner=False)
def waldo_background() -> np.ndarray:
    return np.random.default_rng(1).uniform(0.0, 0.35, SCENE_HW)


def waldo_section() -> None:
    st.header(_("6 · Finding Waldo (找 Waldo)"))
    st.markdown(_(
        "d2l's two principles, as a detector: **translation invariance** (平移不变性) — look "
        "for Waldo the same way everywhere; **locality** (局部性) — decide from a small "
        "window. That is one kernel (卷积核), the pattern itself minus its mean, slid over "
        "the whole picture: the response peaks where the pattern is."))
    max_top, max_left = SCENE_HW[0] - PATTERN.shape[0], SCENE_HW[1] - PATTERN.shape[1]
    clicked = st.session_state.pop(WALDO_CLICK, None)
    if clicked is not None and clicked[0] == "input":
        st.session_state[TOP] = int(min(max(clicked[1], 0), max_top))
        st.session_state[LEFT] = int(min(max(clicked[2], 0), max_left))
    c = st.columns(2)
    top = int(c[0].slider(_("Pattern row"), 0, max_top, key=TOP))
    left = int(c[1].slider(_("Pattern column"), 0, max_left, key=LEFT))
    scene = convcore.place_pattern(waldo_background(), PATTERN, top, left)
    match = convcore.find_pattern(scene, PATTERN)
    fig = FW.waldo_figure(scene, match.template, match.response, (top, left), match.peak,
                          max_cell_px=14 if not _presenting() else 18,
                          available_px=_width())
    _show(fig, "waldo", key=WALDO_CHART, on_select=_click_callback(WALDO_CHART, WALDO_CLICK),
          selection_mode=("points",))
    found = match.peak == (top, left)
    st.markdown(_(
        "The striped {size} pattern is hidden at **({top}, {left})** (blue frame); the "
        "response is largest at **({pr}, {pc})** (vermillion), value {value}. {verdict} "
        "Move it with the sliders or click the scene: the peak moves with it.").format(
        size=size_text(PATTERN.shape), top=top, left=left, pr=match.peak[0],
        pc=match.peak[1], value=format_number(match.peak_value, digits=3),
        verdict=_("Found.") if found else _("Not at the pattern: the background fooled it.")))


# ------------------------------------------------------------------------------ 7 · prior


def prior_section() -> None:
    st.header(_("7 · An infinitely strong prior"))
    n, delta = int(st.session_state[N]), int(st.session_state[DELTA])
    steps = dense_steps(n, delta)
    dense = steps[(False, False)].params
    conv = steps[(True, True)].params
    st.markdown(_(
        "Put the pieces together with the matrix of section 1. A convolution **is** a dense "
        "layer whose weights are forced to zero outside the band (locality) and tied along "
        "it (translation invariance): of the {dense} weights of the {n}×{n} dense layer, "
        "{conv} remain free; the other {fixed} are fixed by the architecture, whatever the "
        "data say. Goodfellow (9.4) calls this an *infinitely strong prior*: a probability "
        "of zero on every weight matrix that is not a convolution's. It is why a CNN learns "
        "from a few hundred photos — and why it **underfits** when the prior is wrong: a task "
        "that needs absolute position (is the object in the top-left corner?) cannot be "
        "learned by an equivariant layer alone; a locally connected layer, coordinates as "
        "extra channels, or a dense layer on top must supply it.").format(
        dense=f"{dense:,}", n=n, conv=f"{conv:,}", fixed=f"{dense - conv:,}"))


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.title(_("Why convolution?"))
    if not _presenting():
        st.markdown(_("From a dense layer to a convolutional one: d2l 5.1's two principles and "
                  "Goodfellow's three ideas — sparse interactions, parameter sharing, "
                  "equivariance — in numbers."))
    dense_section()
    st.divider()
    matrix_section()
    st.divider()
    depth_section()
    st.divider()
    equivariance_section()
    st.divider()
    local_section()
    st.divider()
    waldo_section()
    st.divider()
    prior_section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
