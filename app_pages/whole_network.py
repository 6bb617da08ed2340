"""Whole network: a small CNN at work, layer by layer, trained live, and your own model
(issue 16).

Thin page, read top to bottom: widgets → numbers (convcore.network, units, structured,
lenet, datasets, gabor; ui.model_upload) → figures (ui.figures_network). Sections:

1. pick an input — a test example, a 14×14 grid painted by clicking (or by keyboard), or an
   uploaded picture (``ui.image_source.decode_bytes``, the "Your image" loading path),
   converted by ``convcore.lenet.as_network_input``;
2. the overview — every layer's output as a column of small heatmaps, the probabilities as
   bars (the page's main figure);
3. the detail of one unit, picked by a click on the overview or by the layer / channel /
   row / column boxes;
4. structured outputs and inputs of any size (Goodfellow 9.6–9.7);
5. your own model (printout + ``state_dict`` file, ``ui.model_upload``);
6. train it yourself (``convcore.lenet.LiveTrainer``, PyTorch) and the Gabor comparison.

Maintainers:

- Every widget key starts with ``wn_``; every setting but the uploads lives in the URL (an
  uploaded model or picture stays in the session; a link to it falls back to the built-in
  network / a test example).
- PyTorch is imported only when a user model is loaded (``convcore.network`` does it) or a
  training starts (``convcore.lenet.LiveTrainer``).
- Classroom: the built-in networks, the test set, the training set and the Gabor bank are
  ``st.cache_resource`` singletons; overview figures are cached per (model, input, picked
  unit, presenter mode, language) with ``max_entries``. Training runs :data:`STEPS_PER_REFRESH`
  steps per fragment rerun on one torch thread, and at most :data:`MAX_TRAININGS` sessions
  of the server train at once (``convcore.lenet.TrainingSlots``); a session that stops refreshing
  loses its slot after :data:`SLOT_TIMEOUT_S` seconds.
- The whole network's code in four frameworks: ``ui.code_panel.network_panel`` (issue 17).
"""

from __future__ import annotations

import hashlib
import uuid

import numpy as np
import streamlit as st

from convcore import gabor, lenet, structured
from convcore.datasets import CLASS_NAMES, IMAGE_SIZE, make_scene, shapes_dataset
from convcore.network import ELEMENTWISE_KINDS
from convcore.shapes import size_text
from convcore.trace import format_number
from convcore.units import (
    AdaptivePoolUnit,
    ConvUnit,
    DenseUnit,
    PoolUnit,
    run_network,
    unit_details,
)
from ui import a11y, code_panel, controls, i18n, image_source, model_upload, presenter
from ui import figures_network as FN
from ui import url_state as us
from ui.figures import picked_cell
from ui.i18n import N_, _, current_language

P = "wn"  # prefix of every session-state key of this page
CHART_CONFIG = {"displaylogo": False}

SRC, EXAMPLE, CELLS = f"{P}_src", f"{P}_example", f"{P}_cells"
LAYER, CH, ROW, COL = f"{P}_layer", f"{P}_ch", f"{P}_row", f"{P}_col"
MODEL = f"{P}_model"
STRUCT, SCENE, SCENE_SIZE = f"{P}_struct", f"{P}_scene", f"{P}_scene_size"
SEED = f"{P}_seed"
UPLOAD, PICTURE = f"{P}_upload", f"{P}_picture"
TEXT, WEIGHTS, SIDE = f"{P}_text", f"{P}_weights", f"{P}_side"
USER, USER_ERROR = f"{P}_user", f"{P}_user_error"
OVERVIEW_CHART, DRAW_CHART = f"{P}_overview", f"{P}_draw"
DRAW_ROW, DRAW_COL = f"{P}_draw_row", f"{P}_draw_col"
TRAINER, PLAYING, TRAIN_NOTE = f"{P}_trainer", f"{P}_playing", f"{P}_train_note"

SOURCES = {"example": N_("a test example"), "draw": N_("draw one"),
           "upload": N_("your picture")}
MODELS = {"builtin": N_("the built-in LeNet"), "user": N_("your model")}
STRUCT_NAMES = {"lenet": N_("LeNet (dense head): slide it"),
                "gap": N_("global average pooling: any size")}
#: Class names as the page shows them (the data set's names, translated).
CLASS_WORDS = {"line": N_("line"), "cross": N_("cross"), "circle": N_("circle"),
               "triangle": N_("triangle"), "square": N_("square")}
LAYER_WORDS = {"Conv2d": N_("convolution"), "ReLU": N_("ReLU"), "MaxPool2d": N_("max pooling"),
               "AvgPool2d": N_("average pooling"), "Flatten": N_("flatten"),
               "Linear": N_("dense"), "AdaptiveAvgPool2d": N_("global average pooling")}
USER_ERRORS = {
    "no_text": N_("Paste the text that print(model) shows first; the previous model is kept."),
    "no_file": N_("Upload the file torch.save(model.state_dict(), path) wrote first; the "
                  "previous model is kept."),
    "size": N_("The input size must be a whole number from 1 to {n}; the previous model is "
               "kept."),
    "file": N_("This file cannot be used as a state dict ({detail}); the previous model is "
               "kept."),
    "mismatch": N_("The printout and the weights do not make a network ({detail}); the "
                   "previous model is kept."),
    "input": N_("The network cannot take this input size ({detail}); the previous model is "
                "kept."),
    "too_large": N_("The network is too large to draw ({detail}); the previous model is "
                    "kept."),
}
#: Printed in section 5, runnable as printed (any nn.Sequential instead of this one).
OWN_MODEL_CODE = """\
import os, tempfile
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(4 * 14 * 14, 5))
path = os.path.join(tempfile.gettempdir(), "model.pt")
torch.save(model.state_dict(), path)  # upload this file
print(model)                           # paste this text"""
DRAW_SIDE = 14  # the painted grid: 14×14 cells, each 2×2 pixels of the 28×28 input
MAX_LAYER_INDEX = 63
#: Sizes of the larger image (multiples of the 28×28 training size).
SCENE_SIZES = {"56x84": (56, 84), "84x112": (84, 112), "112x168": (112, 168)}
#: Training: steps of 64 examples per fragment rerun, steps in a whole run (the shipped
#: model's schedule), seconds between reruns.
STEPS_PER_REFRESH = 50
TRAIN_STEPS = 1000
REFRESH_S = 0.2
#: At most this many sessions of one server train at once; a slot not used for this long
#: is given to someone else.
MAX_TRAININGS = 2
SLOT_TIMEOUT_S = 20.0

DEFAULTS = {SRC: "example", EXAMPLE: 0, CELLS: (), LAYER: 3, CH: 0, ROW: 4, COL: 4,
            STRUCT: "lenet", SCENE: 0, SCENE_SIZE: "56x84", SEED: 0, SIDE: IMAGE_SIZE,
            MODEL: "builtin"}


def _url_params() -> list[us.UrlParam]:
    return [
        us.UrlParam(SRC, "choice", "example", choices=list(SOURCES), name="src",
                    label=N_("input")),
        us.UrlParam(EXAMPLE, "int", 0, min=0, max=1999, name="ex", label=N_("test example")),
        us.UrlParam(CELLS, "int-list", (), min=0, max=DRAW_SIDE ** 2 - 1, min_len=0,
                    max_len=DRAW_SIDE ** 2, name="cells", label=N_("painted cells")),
        us.UrlParam(LAYER, "int", 3, min=0, max=MAX_LAYER_INDEX, name="layer",
                    label=N_("layer")),
        us.UrlParam(CH, "int", 0, min=0, max=4095, name="ch", label=N_("channel")),
        us.UrlParam(ROW, "int", 4, min=0, max=4095, name="row", label=N_("row")),
        us.UrlParam(COL, "int", 4, min=0, max=4095, name="col", label=N_("column")),
        us.UrlParam(STRUCT, "choice", "lenet", choices=list(STRUCT_NAMES), name="st",
                    label=N_("network for larger inputs")),
        us.UrlParam(SCENE, "int", 0, min=0, max=99, name="scene", label=N_("scene")),
        us.UrlParam(SCENE_SIZE, "choice", "56x84", choices=list(SCENE_SIZES), name="size",
                    label=N_("scene size")),
        us.UrlParam(SEED, "int", 0, min=0, max=99, name="seed", label=N_("training seed")),
    ]


URL = us.UrlSchema(P, _url_params())


# ------------------------------------------------------------------------------ shared data


@st.cache_resource(max_entries=2, show_spinner=False)
def builtin(variant: str = "lenet"):
    """The shipped network (read-only, shared by every session)."""
    return lenet.builtin_network(variant)


@st.cache_resource(max_entries=2, show_spinner=False)
def dataset(split: str) -> tuple[np.ndarray, np.ndarray]:
    """The generated shapes (read-only arrays, shared)."""
    x, y = shapes_dataset(split)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


@st.cache_resource(max_entries=2, show_spinner=False)
def shipped_accuracy(variant: str = "lenet") -> float:
    """The shipped network's accuracy on the whole test set, through convcore."""
    x, y = dataset("test")
    scores = builtin(variant)(x)
    return float(np.mean(np.asarray(scores).reshape(len(y), -1).argmax(axis=1) == y))


@st.cache_resource(max_entries=1, show_spinner=False)
def gabor_reference() -> tuple[gabor.GaborBank, float]:
    bank = gabor.gabor_bank(5)
    return bank, gabor.random_baseline(bank)


@st.cache_resource(max_entries=64, show_spinner=False)
def overview_chart(model_key: str, _network, input_key: str, _x: np.ndarray,
                   picked: tuple | None, windows: tuple, presenting: bool, lang: str):
    """The overview figure, once per model, input, picked unit, mode and language."""
    with i18n.use_language(lang):
        run = run_network(_network, _x)
        columns = FN.overview_columns(run.input, run.activations,
                                      [layer.kind for layer in _network.layer_list])
        return FN.overview_figure(columns, run.probabilities, class_words(len(run.probabilities)),
                                  selected=picked, windows=windows, presenting=presenting)


def class_words(n: int) -> list[str]:
    """The names of ``n`` classes: the data set's (translated) or "class k"."""
    if n == len(CLASS_NAMES):
        return [_(CLASS_WORDS[name]) for name in CLASS_NAMES]
    return [_("class {k}").format(k=k) for k in range(n)]


def _digest(x: np.ndarray) -> str:
    return hashlib.md5(np.ascontiguousarray(x).tobytes(), usedforsecurity=False).hexdigest()


def _presenting() -> bool:
    return presenter.presenter_mode()


def _show(fig, name: str, **kwargs):
    return controls.show_chart(fig, name, base=CHART_CONFIG, **kwargs)


def _show_grid(fig, name: str, **kwargs):
    """A grid figure, fitted to a projector in presenter mode (``controls.show_grid``)."""
    return controls.show_grid(fig, name, base=CHART_CONFIG, **kwargs)


def _clamp(key: str, low: int, high: int) -> int:
    return us.clamp_int(key, low, high, DEFAULTS.get(key, low))


# ------------------------------------------------------------------------------ 1 · input


def painted_grid(cells) -> np.ndarray:
    grid = np.zeros(DRAW_SIDE * DRAW_SIDE)
    for k in cells:
        if 0 <= int(k) < grid.size:
            grid[int(k)] = 1.0
    return grid.reshape(DRAW_SIDE, DRAW_SIDE)


def _toggle(row: int, col: int) -> None:
    cells = set(int(k) for k in st.session_state.get(CELLS, ()))
    k = row * DRAW_SIDE + col
    cells.symmetric_difference_update({k})
    st.session_state[CELLS] = tuple(sorted(cells))
    st.session_state[f"{P}_draw_n"] = st.session_state.get(f"{P}_draw_n", 0) + 1


def _draw_click() -> None:
    key = f"{DRAW_CHART}_{st.session_state.get(f'{P}_draw_n', 0)}"
    picked = picked_cell(st.session_state.get(key))
    if picked is not None and 0 <= picked[1] < DRAW_SIDE and 0 <= picked[2] < DRAW_SIDE:
        _toggle(picked[1], picked[2])


def _toggle_typed() -> None:
    _toggle(int(st.session_state.get(DRAW_ROW, 0)), int(st.session_state.get(DRAW_COL, 0)))


def _from_example() -> None:
    x, _y = dataset("test")
    image = x[int(st.session_state.get(EXAMPLE, 0))][0]
    small = image.reshape(DRAW_SIDE, 2, DRAW_SIDE, 2).mean(axis=(1, 3))
    st.session_state[CELLS] = tuple(int(k) for k in np.flatnonzero(small.ravel() > 0.3))
    st.session_state[f"{P}_draw_n"] = st.session_state.get(f"{P}_draw_n", 0) + 1


def _clear() -> None:
    st.session_state[CELLS] = ()
    st.session_state[f"{P}_draw_n"] = st.session_state.get(f"{P}_draw_n", 0) + 1


def _picture_upload() -> None:
    file = st.session_state.get(UPLOAD)
    if file is None:
        return
    try:
        gray, _info = image_source.decode_bytes(file.getvalue())
    except image_source.ImageLoadError as err:
        st.session_state[f"{P}_picture_error"] = str(err)
        return
    st.session_state.pop(f"{P}_picture_error", None)
    st.session_state[PICTURE] = (file.name, np.array(gray))


def draw_grid() -> np.ndarray:
    """The paintable grid, its keyboard alternative and its buttons; returns the grid."""
    grid = painted_grid(st.session_state.get(CELLS, ()))
    n = st.session_state.get(f"{P}_draw_n", 0)
    fig = FN.draw_figure(grid, presenting=_presenting())
    _show(fig, "drawing", key=f"{DRAW_CHART}_{n}", on_select=_draw_click,
          selection_mode=("points",))
    c = st.columns([1, 1, 1.2])
    _clamp(DRAW_ROW, 0, DRAW_SIDE - 1)
    _clamp(DRAW_COL, 0, DRAW_SIDE - 1)
    c[0].number_input(_("Cell row"), 0, DRAW_SIDE - 1, key=DRAW_ROW, step=1)
    c[1].number_input(_("Cell column"), 0, DRAW_SIDE - 1, key=DRAW_COL, step=1)
    c[2].button(_("Paint or erase this cell"), key=f"{P}_toggle", on_click=_toggle_typed,
                icon=":material/brush:")
    b = st.columns(2)
    b[0].button(_("Start from the test example"), key=f"{P}_from_ex", on_click=_from_example,
                icon=":material/content_copy:")
    b[1].button(_("Clear"), key=f"{P}_clear", on_click=_clear, icon=":material/delete:")
    st.caption(_("Click a cell to paint it, click again to erase it; or type its row and "
                 "column and press the button. {n} of {total} cells painted.").format(
        n=int(grid.sum()), total=DRAW_SIDE * DRAW_SIDE))
    return grid


def input_picture(source: str) -> tuple[np.ndarray, str, bool]:
    """The 2-D picture of the chosen source, a sentence naming it, and whether it is a test
    example (fed as it is, not rescaled)."""
    x, y = dataset("test")
    if source == "draw":
        grid = draw_grid()
        return grid, _("your drawing"), False
    if source == "upload":
        st.file_uploader(_("A picture (PNG, JPEG, …): it is made gray, square and 28×28"),
                         key=UPLOAD, on_change=_picture_upload,
                         type=["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"])
        error = st.session_state.get(f"{P}_picture_error")
        if error:
            st.error(_("This picture cannot be used: {err}").format(err=error),
                     icon=":material/block:")
        picture = st.session_state.get(PICTURE)
        if picture is not None:
            return picture[1], _("your picture {name}").format(name=picture[0]), False
        st.info(_("No picture uploaded yet: the test example is shown."),
                icon=":material/info:")
    index = _clamp(EXAMPLE, 0, len(y) - 1)
    if source != "draw":
        st.number_input(_("Test example (0 to {last})").format(last=len(y) - 1), 0,
                        len(y) - 1, key=EXAMPLE, step=1,
                        help=_("One of the 2,000 test images the network never trained on"))
    return x[index][0], _("test example {k} (a {label})").format(
        k=index, label=_(CLASS_WORDS[CLASS_NAMES[int(y[index])]])), True


# ------------------------------------------------------------------------------ model


def current_model():
    """``(key, network, input_shape, note)`` of the model being shown."""
    user = st.session_state.get(USER)
    if st.session_state.get(MODEL) == "user" and user is not None:
        return (f"user:{user.digest}:{user.input_shape}", user.network, user.input_shape,
                _("your model ({file})").format(file=user.file_name))
    return "builtin:lenet", builtin("lenet"), (1, IMAGE_SIZE, IMAGE_SIZE), \
        _("the built-in LeNet")


# ------------------------------------------------------------------------------ 2 · overview


def _picked(network, shapes) -> tuple[int, tuple[int, ...]]:
    """The picked unit ``(layer, index)``, clamped into the network's shapes."""
    layer = _clamp(LAYER, 0, len(network) - 1)
    shape = shapes[layer]
    if len(shape) == 3:
        c = _clamp(CH, 0, shape[0] - 1)
        i = _clamp(ROW, 0, shape[1] - 1)
        j = _clamp(COL, 0, shape[2] - 1)
        return layer, (c, i, j)
    size = int(np.prod(shape))
    return layer, (_clamp(ROW, 0, size - 1),)


def _overview_click(network_len: int):
    def callback() -> None:
        picked = FN.picked_unit(st.session_state.get(OVERVIEW_CHART))
        if picked is None:
            return
        layer, channel, row, col = picked
        if 0 <= layer < network_len:
            st.session_state[LAYER] = layer
            st.session_state[CH], st.session_state[ROW], st.session_state[COL] = \
                channel, row, col

    return callback


def _windows(run, layer: int, index: tuple) -> tuple:
    """Rectangles to frame in the column below the picked unit."""
    spec = run.network.layer_list[layer]
    detail = unit_details(run, layer, index)
    below = layer - 1
    if isinstance(detail, ConvUnit):
        top, left, bottom, right = detail.trace.window_box(detail.i, detail.j)
        dt, dl = detail.trace.pads[0][0], detail.trace.pads[1][0]
        return tuple((below, (c, top - dt, left - dl, bottom - dt, right - dl))
                     for c in detail.input_channels)
    if isinstance(detail, PoolUnit):
        top, left, bottom, right = detail.trace.window_box(detail.i, detail.j)
        dt, dl = detail.trace.pads[0][0], detail.trace.pads[1][0]
        return ((below, (detail.channel, top - dt, left - dl, bottom - dt, right - dl)),)
    if isinstance(detail, AdaptivePoolUnit):
        return ((below, (detail.channel, detail.rows[0], detail.cols[0], detail.rows[1] - 1,
                         detail.cols[1] - 1)),)
    if isinstance(detail, DenseUnit):
        k = layer - 1
        while k >= 0 and run.network.layer_list[k].kind in ELEMENTWISE_KINDS:
            k -= 1
        return tuple((k - 1, (s[0], s[1], s[2], s[1], s[2]))
                     for s in detail.sources[:5] if s is not None)
    if spec.kind in (*ELEMENTWISE_KINDS, "BatchNorm2d") and len(index) == 3:
        c, i, j = index
        return ((below, (c, i, j, i, j)),)
    return ()


def overview_section(network, model_key: str, x: np.ndarray, picture_note: str):
    run = run_network(network, x)
    shapes = [a.shape for a in run.activations]
    layer, index = _picked(network, shapes)
    windows = _windows(run, layer, index)
    fig = overview_chart(model_key, network, _digest(x), x, (layer, index), windows,
                         _presenting(), current_language())
    with a11y.main_figure():
        _show(fig, "whole_network", key=OVERVIEW_CHART,
              on_select=_overview_click(len(network)), selection_mode=("points",))
    probs = run.probabilities
    names = class_words(len(probs))
    best = int(np.argmax(probs))
    a11y.live_region(_("For {input}, the network says **{label}** with probability "
                       "**{p} %**.").format(input=picture_note, label=names[best],
                                             p=format_number(100 * probs[best], digits=3)),
                     markdown=True)
    if not _presenting():
        st.caption(_("Columns, left to right: the input, then the output of every layer — one "
                     "small heatmap per channel, each column on its own colour scale (blue "
                     "positive, red negative, white zero; the input in gray). ReLU and "
                     "pooling are steps of their own. Flat vectors are drawn in strips of "
                     "{n}, top to bottom, then left to right. The bars are the class "
                     "probabilities (softmax of the last layer); the longest, framed, is the "
                     "prediction. Click any unit for its sum; the picked unit is framed in "
                     "vermillion, what it reads in black.").format(n=FN.VECTOR_ROWS))
        a11y.text_legend([
            a11y.LegendItem(N_("picked unit: orange-red frame"), "#ffffff",
                            f"3px solid {FN.PICK_COLOR}"),
            a11y.LegendItem(N_("what it reads (window, top inputs): black frame"), "#ffffff",
                            f"3px solid {FN.WINDOW_COLOR}"),
        ])
    with st.expander(_("Show as numbers: every layer's shape and the probabilities")):
        rows = [{_("layer"): row.label, _("output shape"): size_text(row.shape),
                 _("parameters"): f"{row.parameters:,}"}
                for row in network.summary(x.shape)]
        st.dataframe(rows, hide_index=True)
        st.dataframe([{_("class"): n, _("probability"): f"{100 * p:.2f} %"}
                      for n, p in zip(names, probs, strict=True)], hide_index=True)
    return run, layer, index


# ------------------------------------------------------------------------------ 3 · detail


def _layer_label(network, k: int) -> str:
    layer = network.layer_list[k]
    return _("layer {label}").format(label=layer.label)


def unit_section(run, layer: int, index: tuple) -> None:
    network = run.network
    st.header(_("3 · The picked unit, down to its sum"))
    shape = run.activations[layer].shape
    if _presenting():  # the layer's long name gets a row of its own on a projector
        st.selectbox(_("Layer"), list(range(len(network))), key=LAYER,
                     format_func=lambda k: network.layers[k])
        c = [None, *st.columns(3)]
    else:
        c = st.columns([2.2, 1, 1, 1])
        c[0].selectbox(_("Layer"), list(range(len(network))), key=LAYER,
                       format_func=lambda k: network.layers[k])
    if len(shape) == 3:
        c[1].number_input(_("Channel"), 0, shape[0] - 1, key=CH, step=1)
        c[2].number_input(_("Row"), 0, shape[1] - 1, key=ROW, step=1)
        c[3].number_input(_("Column"), 0, shape[2] - 1, key=COL, step=1)
    else:
        c[1].number_input(_("Unit"), 0, int(np.prod(shape)) - 1, key=ROW, step=1)
    st.caption(_("Keyboard: pick the layer and the unit here; mouse: click it in the "
                 "overview."))
    detail = unit_details(run, layer, index)
    presenting = _presenting()
    if isinstance(detail, ConvUnit):
        _conv_detail(run, detail, presenting)
    elif isinstance(detail, DenseUnit):
        _dense_detail(run, detail, presenting)
    elif isinstance(detail, PoolUnit):
        d = detail.details
        cells = [cell for cell in d.cells]
        top = min(cell.tap.input[0] for cell in cells) if cells else 0
        left = min(cell.tap.input[1] for cell in cells) if cells else 0
        kh = max(cell.tap.input[0] for cell in cells) - top + 1
        kw = max(cell.tap.input[1] for cell in cells) - left + 1
        window = np.full((kh, kw), np.nan)
        for cell in cells:
            if cell.value is not None:
                window[cell.tap.input[0] - top, cell.tap.input[1] - left] = cell.value
        winner = None if d.winner is None else (d.winner[0] - top, d.winner[1] - left)
        fig = FN.pool_window_figure(window, winner, _("window of channel {c}").format(
            c=detail.channel), presenting=presenting)
        _show_grid(fig, "pool_unit", key=f"{P}_pool_fig")
        if d.kind == "max":
            st.markdown(_("**Max pooling**, unit ({c}, {i}, {j}): the largest of the "
                          "{n} values of its window, **{v}**, at row {r}, column {s} of "
                          "channel {c} (framed).").format(
                c=detail.channel, i=detail.i, j=detail.j, n=len(d.values),
                v=format_number(d.result), r=d.winner[0] if d.winner else "—",
                s=d.winner[1] if d.winner else "—"))
        else:
            st.markdown(_("**Average pooling**, unit ({c}, {i}, {j}): the sum of its window "
                          "divided by {d} = **{v}**.").format(
                c=detail.channel, i=detail.i, j=detail.j,
                d=format_number(d.divisor or 1), v=format_number(d.result)))
    elif isinstance(detail, AdaptivePoolUnit):
        st.markdown(_("**Global average pooling**, unit ({c}, {i}, {j}): the mean of rows "
                      "{r0}–{r1}, columns {c0}–{c1} of channel {c}, {n} values: "
                      "**{v}**.").format(
            c=detail.channel, i=detail.i, j=detail.j, r0=detail.rows[0],
            r1=detail.rows[1] - 1, c0=detail.cols[0], c1=detail.cols[1] - 1,
            n=detail.values.size, v=format_number(detail.result)))
    else:
        where = ", ".join(str(v) for v in detail.index)
        st.markdown(_("**{kind}**, unit ({where}): input {a} → output **{b}**.").format(
            kind=_(LAYER_WORDS.get(detail.kind, detail.kind)), where=where,
            a=format_number(detail.input), b=format_number(detail.output)))
        if detail.kind == "ReLU":
            st.caption(_("ReLU keeps a positive value and replaces a negative one by 0: "
                         "max(0, x)."))


#: Most input channels drawn as window/kernel pairs (all are in the table).
MAX_PAIRS = 6


def _conv_detail(run, d: ConvUnit, presenting: bool) -> None:
    order = np.argsort(-np.abs(d.partial_sums), kind="stable")[:MAX_PAIRS]
    per_figure = 1 if presenting else 3  # on a projector three pairs shrank to stamps
    for start in range(0, len(order), per_figure):
        chunk = order[start:start + per_figure]
        fig = FN.window_pairs_figure(d.windows[chunk], d.kernels[chunk],
                                     [d.input_channels[k] for k in chunk],
                                     d.partial_sums[chunk], presenting=presenting)
        _show_grid(fig, "conv_unit", key=f"{P}_pairs_{start}")
    if len(d.input_channels) > MAX_PAIRS:
        st.caption(_("The {n} channels with the largest partial sums are drawn; the table "
                     "has all {total}.").format(n=MAX_PAIRS, total=len(d.input_channels)))
    sums = " + ".join(format_number(v, parenthesize=True, digits=3) for v in d.partial_sums)
    after = ""
    if d.activation is not None:
        kind = run.network.layer_list[d.activation_layer].kind
        after = _(" After the {kind} that follows: **{a}**.").format(
            kind=_(LAYER_WORDS.get(kind, kind)), a=format_number(d.activation))
    st.markdown(_("**Convolution**, unit (channel {c}, row {i}, column {j}): one partial sum "
                  "Σ window · kernel per input channel, then the bias: {sums} + bias "
                  "{b} = **{t}** (the layer's output: {o}).").format(
        c=d.channel, i=d.i, j=d.j, sums=sums, b=format_number(d.bias, parenthesize=True),
        t=format_number(d.total), o=format_number(d.output)) + after)
    with st.expander(_("Show as numbers: every input channel's partial sum")):
        st.dataframe([{_("input channel"): ch, _("partial sum"): format_number(s)}
                      for ch, s in zip(d.input_channels, d.partial_sums, strict=True)],
                     hide_index=True)


def _dense_detail(run, d: DenseUnit, presenting: bool) -> None:
    labels = []
    for k, source in zip(d.top, d.sources, strict=True):
        if source is None:
            labels.append(_("input {k}").format(k=k))
        else:
            labels.append(_("input {k} = ch {c} ({i}, {j})").format(k=k, c=source[0],
                                                                    i=source[1], j=source[2]))
    fig = FN.contributions_figure(labels, d.contributions[list(d.top)],
                                  _("The {n} largest contributions x·w to unit {u}").format(
                                      n=len(d.top), u=d.unit), presenting=presenting)
    _show(fig, "dense_unit", key=f"{P}_dense_fig")
    after = ""
    if d.activation is not None:
        kind = run.network.layer_list[d.activation_layer].kind
        after = _(" After the {kind} that follows: **{a}**.").format(
            kind=_(LAYER_WORDS.get(kind, kind)), a=format_number(d.activation))
    top_sum = float(d.contributions[list(d.top)].sum())
    st.markdown(_("**Dense**, unit {u}: Σ of its {n} inputs × weights + bias = "
                  "{rest} (the {k} largest, drawn, give {top}) + {b} = **{t}** "
                  "(the layer's output: {o}).").format(
        u=d.unit, n=d.inputs.size, rest=format_number(float(d.contributions.sum())),
        k=len(d.top), top=format_number(top_sum), b=format_number(d.bias, parenthesize=True),
        t=format_number(d.total), o=format_number(d.output)) + after)


# ------------------------------------------------------------------------------ 4 · structured


@st.cache_resource(max_entries=8, show_spinner=False)
def structured_results(variant: str, seed: int, size: str):
    """Everything section 4 shows for one scene (shared)."""
    hw = SCENE_SIZES[size]
    scene = make_scene(*hw, seed=seed)
    net = builtin(variant)
    out = {"scene": scene}
    conv = structured.convolutional_part(net)
    out["conv_small"] = conv.output_shapes((1, IMAGE_SIZE, IMAGE_SIZE))[-1]
    out["conv_large"] = conv.output_shapes(scene.image.shape)[-1]
    out["maps_large"] = conv.forward(scene.image)
    out["maps_small"] = conv.forward(scene.image[:, :IMAGE_SIZE, :IMAGE_SIZE])
    try:
        net.output_shapes(scene.image.shape)
        out["dense_error"] = None
    except ValueError as err:
        out["dense_error"] = str(err)
    if variant == "lenet":
        cmap = structured.class_map(net, scene.image, (IMAGE_SIZE, IMAGE_SIZE))
        pixels = structured.pixel_class_map(cmap, hw)
    else:
        maps, scores = structured.gap_class_maps(net, scene.image)
        out["gap_scores"] = scores
        up = np.repeat(np.repeat(maps, 4, axis=1), 4, axis=2)  # total stride 4
        pad_h, pad_w = hw[0] - up.shape[1], hw[1] - up.shape[2]
        up = np.pad(up, ((0, 0), (0, max(pad_h, 0)), (0, max(pad_w, 0))), mode="edge")
        e = np.exp(up - up.max(axis=0, keepdims=True))
        pixels = e / e.sum(axis=0, keepdims=True)
    valid = np.all(np.isfinite(pixels), axis=0)
    best = np.where(valid, np.nan_to_num(pixels).argmax(axis=0), -1)
    confidence = np.where(valid, np.nan_to_num(pixels).max(axis=0), 0.0)
    truth = scene.labels
    strokes = (truth >= 0) & valid
    out["best"], out["confidence"] = best, confidence
    out["stroke_accuracy"] = float(np.mean(best[strokes] == truth[strokes])) \
        if strokes.any() else 0.0
    return out


def structured_section() -> None:
    st.header(_("4 · Larger inputs and a class for every pixel"))
    st.markdown(_(
        "A convolution slides one small kernel over whatever it is given, so the "
        "convolutional part runs on an image of any size and its feature maps grow with it "
        "(Goodfellow 9.7). A dense layer has one weight per input value: it takes exactly the "
        "size it was trained on. Two ways around it: **slide** the whole network over the "
        "larger image (done as one convolutional pass, each dense layer rewritten as the "
        "convolution it is), or end with **global average pooling**, which averages each map "
        "to one number whatever its size. Either way the output is a map of classes — a "
        "*structured output* (Goodfellow 9.6)."))
    c = st.columns([2, 1, 1])
    variant = c[0].radio(_("Network"), list(STRUCT_NAMES), key=STRUCT, horizontal=True,
                         format_func=i18n.option_labels(STRUCT_NAMES))
    size = c[1].selectbox(_("Scene size"), list(SCENE_SIZES), key=SCENE_SIZE,
                          format_func=lambda k: size_text(SCENE_SIZES[k]))
    seed = int(c[2].number_input(_("Scene"), 0, 99, key=SCENE, step=1,
                                 help=_("A new arrangement of the shapes")))
    res = structured_results(variant, seed, size)
    scene = res["scene"]
    hw = SCENE_SIZES[size]
    st.markdown(_(
        "On a {small} input the convolutional part ends in maps of {a}; on this {large} "
        "scene, in maps of {b}.").format(small=size_text((IMAGE_SIZE, IMAGE_SIZE)),
                                         a=size_text(res["conv_small"]),
                                         large=size_text(hw),
                                         b=size_text(res["conv_large"])))
    small, large = res["maps_small"], res["maps_large"]
    panels = [(small[0][0], _("conv 1, ch 0: {s}").format(s=size_text(small[0].shape[1:]))),
              (large[0][0], _("on the scene: {s}").format(s=size_text(large[0].shape[1:]))),
              (small[-1][0], _("last, ch 0: {s}").format(s=size_text(small[-1].shape[1:]))),
              (large[-1][0], _("on the scene: {s}").format(s=size_text(large[-1].shape[1:])))]
    fig = FN.maps_figure([p for p, _t in panels], [t for _p, t in panels],
                         presenting=_presenting())
    _show_grid(fig, "growing_maps", key=f"{P}_growing", ticks=False)
    if res["dense_error"]:
        st.warning(_("The whole network refuses the scene: its first dense layer expects "
                     "{n} input values (the {a} maps of a {small} image) and the scene's "
                     "maps have {m}. A dense layer has one weight per input value, so it "
                     "takes only the size it was trained on.").format(
            n=f"{int(np.prod(res['conv_small'])):,}", a=size_text(res["conv_small"]),
            small=size_text((IMAGE_SIZE, IMAGE_SIZE)),
            m=f"{int(np.prod(res['conv_large'])):,}"), icon=":material/block:")
        st.caption(_("convcore's message: `{err}`").format(err=res["dense_error"]))
    else:
        scores = res.get("gap_scores")
        st.success(_("With global average pooling the whole network takes the scene: one "
                     "score per class ({n} numbers), whatever the size.").format(
            n=0 if scores is None else len(scores)), icon=":material/check_circle:")
    names = class_words(len(CLASS_NAMES))
    fig = FN.class_map_figure(scene.image[0], res["best"], res["confidence"], names,
                              presenting=_presenting())
    _show(fig, "class_map", key=f"{P}_classmap")
    colors = FN.class_colors(len(names))
    a11y.text_legend([a11y.LegendItem(name, color, "1px solid #111111")
                      for name, color in zip(names, colors, strict=True)])
    how = (_("Each pixel gets the mean probabilities of the 28×28 windows (every 4 pixels) "
             "that contain it.") if variant == "lenet" else
           _("Each pixel gets the softmax of the class maps just before the average, "
             "enlarged 4× (the total stride)."))
    st.markdown(how + " " + _(
        "Paler means less sure. On the strokes of the shapes the map names the right class "
        "for **{pct} %** of the pixels; the background has no right answer (the network "
        "never saw an empty image).").format(pct=format_number(100 * res["stroke_accuracy"],
                                                               digits=3)))
    chance = 1.0 / len(names)
    if res["stroke_accuracy"] < 1.5 * chance:
        st.info(_("That is hardly better than guessing one of {k} classes ({chance} %): "
                  "this network learned from one shape in the middle of a 28×28 image, and "
                  "most windows of the scene hold parts of several shapes or none. Taking "
                  "any size is not the same as working well at any size.").format(
            k=len(names), chance=format_number(100 * chance, digits=3)),
            icon=":material/info:")


# ------------------------------------------------------------------------------ 5 · your model


def _load_user_model() -> None:
    ss = st.session_state
    file = ss.get(WEIGHTS)
    data = file.getvalue() if file is not None else b""
    name = file.name if file is not None else ""
    try:
        with st.spinner(_("Loading and checking the model…")):
            user = model_upload.load_user_model(ss.get(TEXT, ""), data, name,
                                                int(ss.get(SIDE, IMAGE_SIZE)))
    except model_upload.ModelLoadError as err:
        ss[USER_ERROR] = _(USER_ERRORS[err.kind]).format(detail=err.detail,
                                                         n=model_upload.MAX_INPUT_SIDE)
        return
    ss.pop(USER_ERROR, None)
    ss[USER] = user
    ss[MODEL] = "user"


def own_model_section() -> None:
    st.header(_("5 · Your own model"))
    st.markdown(_(
        "Any one-level nn.Sequential of Conv2d, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, "
        "MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Linear, BatchNorm2d, Dropout and "
        "Softmax layers. Save its state dict and print it, as below; paste the printout and "
        "upload the file. The text is parsed, never run; the file is read by torch.load with "
        "weights_only=True, which never unpickles code. Up to {mb} MB. Then the overview and "
        "the detail above show your model, and convcore's forward pass is compared with "
        "PyTorch's.").format(mb=model_upload.MAX_MODEL_MB))
    st.code(OWN_MODEL_CODE, language="python")
    st.text_area(_("What print(model) prints"), key=TEXT, height=180,
                 placeholder=lenet.LENET_TEXT)
    c = st.columns([2, 1])
    c[0].file_uploader(_("The state-dict file (.pt, .pth)"), key=WEIGHTS,
                       max_upload_size=model_upload.MAX_MODEL_MB)
    c[1].number_input(_("Input size (square)"), 1, model_upload.MAX_INPUT_SIDE, key=SIDE,
                      step=1, help=_("Pictures are made gray and resized to this; the gray "
                                     "is copied into every input channel"))
    st.button(_("Load this model"), key=f"{P}_load", on_click=_load_user_model,
              icon=":material/upload:", type="primary")
    error = st.session_state.get(USER_ERROR)
    if error:
        st.error(error, icon=":material/block:")
    user = st.session_state.get(USER)
    if user is not None:
        st.success(_("Loaded {file}: {n} layers, {p} parameters, input {shape}. Largest "
                     "difference between convcore's and PyTorch's activations, over every "
                     "layer, for a random input: **{d}**.").format(
            file=user.file_name, n=len(user.network), p=f"{user.network.parameter_count:,}",
            shape=size_text(user.input_shape), d=f"{user.largest_difference:.3g}"),
            icon=":material/check_circle:")


# ------------------------------------------------------------------------------ 6 · training


@st.cache_resource(max_entries=1, show_spinner=False)
def training_slots() -> lenet.TrainingSlots:
    """The server's training slots (one object shared by every session)."""
    return lenet.TrainingSlots(MAX_TRAININGS, SLOT_TIMEOUT_S)


def _session_id() -> str:
    """This session's name in the training slots (a random token kept in its state)."""
    return st.session_state.setdefault(f"{P}_holder", uuid.uuid4().hex)


def _start_training() -> None:
    ss = st.session_state
    if not training_slots().acquire(_session_id()):
        ss[TRAIN_NOTE] = "full"
        return
    x_train, y_train = dataset("train")
    x_test, y_test = dataset("test")
    config = lenet.TrainingConfig(seed=int(ss.get(SEED, 0)), threads=1)
    ss[TRAINER] = lenet.LiveTrainer(config, data=(x_train, y_train, x_test, y_test))
    ss[PLAYING] = True
    ss.pop(TRAIN_NOTE, None)


def _play() -> None:
    if training_slots().acquire(_session_id()):
        st.session_state[PLAYING] = True
        st.session_state.pop(TRAIN_NOTE, None)
    else:
        st.session_state[TRAIN_NOTE] = "full"


def _pause() -> None:
    st.session_state[PLAYING] = False
    training_slots().release(_session_id())


def _draw_training(target: float) -> None:
    ss = st.session_state
    trainer = ss.get(TRAINER)
    if trainer is None:
        return
    if ss.get(PLAYING) and trainer.step < TRAIN_STEPS:
        if training_slots().acquire(_session_id()):
            trainer.run(min(STEPS_PER_REFRESH, TRAIN_STEPS - trainer.step))
        else:
            ss[PLAYING] = False
            ss[TRAIN_NOTE] = "full"
        if trainer.step >= TRAIN_STEPS:
            ss[PLAYING] = False
            training_slots().release(_session_id())
            st.rerun()
    snap = trainer.snapshot()
    m = st.columns(4)
    m[0].metric(_("Step"), f"{snap.step} / {TRAIN_STEPS}")
    m[1].metric(_("Test accuracy"), f"{100 * snap.test_accuracy:.2f} %")
    m[2].metric(_("Shipped model"), f"{100 * target:.2f} %")
    m[3].metric(_("Seconds computing"), f"{snap.seconds:.1f}")
    fig = FN.training_figure(snap.losses, snap.eval_steps, snap.test_accuracies, target,
                             presenting=_presenting())
    _show(fig, "training", key=f"{P}_train_fig")
    fig = FN.kernels_figure(snap.kernels, [_("kernel {k}").format(k=k)
                                           for k in range(len(snap.kernels))],
                            presenting=_presenting())
    _show_grid(fig, "first_kernels", key=f"{P}_train_kernels", ticks=False)
    text = _("Step {step}: test accuracy {acc} % (the shipped model: {target} %), last "
             "batch's loss {loss}.").format(
        step=snap.step, acc=f"{100 * snap.test_accuracy:.2f}", target=f"{100 * target:.2f}",
        loss=format_number(float(snap.losses[-1]), digits=3) if len(snap.losses) else "—")
    if ss.get(PLAYING):
        st.caption(text)
    else:
        a11y.live_region(text)


def training_section() -> None:
    st.header(_("6 · Train it yourself"))
    target = shipped_accuracy("lenet")
    st.markdown(_(
        "From random weights, with PyTorch: Adam, batches of 64, the learning rate falling "
        "from 0.004 to 0.0002 over {steps} steps — the recipe that made the shipped weights "
        "(seed 0 retraces them: {acc} % on the test set, give or take a few tenths on another "
        "kind of CPU, whose arithmetic rounds differently). The loss, the test accuracy "
        "and the first layer's six kernels are redrawn as it learns; pause whenever you "
        "like.").format(steps=TRAIN_STEPS, acc=f"{100 * target:.2f}"))
    ss = st.session_state
    ss.setdefault(PLAYING, False)
    # On a projector: seed and start on one row, play and pause on the next (four in a row
    # cut "Start from random weights" short).
    c = [*st.columns([1, 2]), *st.columns(2)] if _presenting() else st.columns([1, 1.4, 1, 1])
    c[0].number_input(_("Seed"), 0, 99, key=SEED, step=1, disabled=bool(ss[PLAYING]))
    c[1].button(_("Start from random weights"), key=f"{P}_start", on_click=_start_training,
                icon=":material/restart_alt:", disabled=bool(ss[PLAYING]))
    trainer = ss.get(TRAINER)
    can_play = trainer is not None and trainer.step < TRAIN_STEPS
    c[2].button(_("Play"), key=f"{P}_play", on_click=_play, icon=":material/play_arrow:",
                disabled=bool(ss[PLAYING]) or not can_play)
    c[3].button(_("Pause"), key=f"{P}_pause", on_click=_pause, icon=":material/pause:",
                disabled=not ss[PLAYING])
    if ss.get(TRAIN_NOTE) == "full":
        st.warning(_("{n} people on this server are training right now, as many as it "
                     "allows at once: try again in a minute.").format(n=MAX_TRAININGS),
                   icon=":material/hourglass_top:")
    if trainer is None:
        st.caption(_("Press “Start from random weights”. The first start loads PyTorch and "
                     "takes a few seconds."))
    live = st.fragment(run_every=REFRESH_S if ss[PLAYING] else None)(_draw_training)
    live(target)
    gabor_section(trainer)


def gabor_section(trainer) -> None:
    st.subheader(_("Learned first-layer kernels and Gabor filters (Goodfellow 9.10)"))
    bank, baseline = gabor_reference()
    if trainer is not None and trainer.step > 0:
        kernels = trainer.snapshot().kernels
        whose = _("your run's (step {step})").format(step=trainer.step)
    else:
        kernels = np.asarray(builtin("lenet").layer_list[0].tensors["weight"])[:, 0]
        whose = _("the shipped model's")
    match = gabor.gabor_similarity(kernels, bank)
    c = st.columns(2)
    with c[0]:
        fig = FN.kernels_figure(kernels, [_("kernel {k}").format(k=k)
                                          for k in range(len(kernels))],
                                presenting=_presenting(), available_px=460.0)
        _show_grid(fig, "learned_kernels", key=f"{P}_learned", max_width_px=360,
                   ticks=False)
    with c[1]:
        fig = FN.kernels_figure(bank.kernels[match.best],
                                [_("r = {r}").format(r=f"{s:.2f}") for s in match.scores],
                                presenting=_presenting(), available_px=460.0)
        _show_grid(fig, "gabor", key=f"{P}_gabor", max_width_px=360,
                   ticks=False)
    verdict = (_("clearly more Gabor-like than chance") if match.mean_score > baseline + 0.1
               else _("hardly more Gabor-like than chance"))
    st.markdown(_(
        "Left: {whose} six 5×5 first-layer kernels; right, in the same order: the closest of {n} "
        "Gabor filters (a Gaussian window times a wave: 8 orientations, 3 wavelengths, 4 "
        "phases) and their correlation r (1: the same pattern). Mean r = **{mean}**; random "
        "5×5 kernels get {base} on average — {verdict}. What you see: oriented stripes and "
        "blobs, edge and bar detectors, roughly the Gabor shapes of V1 simple cells — but "
        "5×5 is small and six kernels for five simple shapes do not need to be clean, so "
        "some are noisy mixtures.").format(
        whose=whose, n=len(bank.kernels), mean=f"{match.mean_score:.2f}",
        base=f"{baseline:.2f}", verdict=verdict))


# ------------------------------------------------------------------------------ page


def main() -> None:
    us.sync_from_url(URL)
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    if st.session_state.get(MODEL) == "user" and st.session_state.get(USER) is None:
        st.session_state[MODEL] = "builtin"
    st.title(_("Whole network"))
    if not _presenting():
        st.markdown(_(
            "A LeNet (d2l 6.6, with ReLU and max pooling) trained on five generated shapes — "
            "lines, crosses, circles, triangles, squares — at work on one input: every layer's "
            "feature maps, through ReLU and pooling, to the class probabilities. Click any "
            "unit to see its sum. Then larger inputs, your own model, and training it live."))
    if not _presenting():
        st.header(_("1 · Pick an input"))
    with presenter.main_controls():
        c = st.columns([1.3, 1])
        source = c[0].radio(_("Input"), list(SOURCES), key=SRC, horizontal=True,
                            format_func=i18n.option_labels(SOURCES))
        options = ["builtin", "user"] if st.session_state.get(USER) is not None \
            else ["builtin"]
        c[1].radio(_("Network"), options, key=MODEL, horizontal=True,
                   format_func=i18n.option_labels(MODELS))
    model_key, network, shape, model_note = current_model()
    if _presenting():
        with presenter.advanced_controls(_("Which input")):
            picture, note, is_example = input_picture(source)
    else:
        picture, note, is_example = input_picture(source)
    if is_example and shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        x = np.repeat(picture[None], shape[0], axis=0)  # the test image exactly as it is
    else:
        x = model_upload.picture_as_input(picture, shape)
    x = x.astype(network.dtype)
    if not _presenting():
        st.header(_("2 · Every layer at once"))
    st.caption(_("Showing {model} on {input}.").format(model=model_note, input=note))
    run, layer, index = overview_section(network, model_key, x, note)
    code_panel.network_panel(f"{P}_code", network, tuple(shape))
    sections = (lambda: unit_section(run, layer, index), structured_section,
                own_model_section, training_section)
    titles = (_("The picked unit, down to its sum"), _("Larger inputs"), _("Your own model"),
              _("Train it yourself"))
    for k, (section, title) in enumerate(zip(sections, titles, strict=True)):
        if _presenting():  # a projector shows the overview; the rest is one click away
            with presenter.advanced_controls(title):
                section()
            continue
        if k:
            st.divider()
        section()
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()


main()
