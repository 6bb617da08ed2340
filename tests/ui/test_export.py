"""Exports: the sliding-window GIF (one frame per step, drawn where the trace says) and
arrays as CSV / .npy that read back exactly."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from convcore import conv2d, window_trace
from convcore.padding import pad
from ui.export import (
    MAX_GIF_FRAMES,
    animation_gif,
    array_to_csv,
    array_to_npy,
    gif_plan,
    gif_plan_note,
)
from ui.figures import COVER_FILL, OUTLINE_COLOR

SEED_X = np.arange(9.0).reshape(3, 3)
SEED_K = np.array([[0.0, 1.0], [2.0, 3.0]])


def conv_case(x, k, **geometry):
    """``(x_padded, kernel, output, trace)`` for ``conv2d(x, k, **geometry)``."""
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    trace = window_trace(x.shape, k.shape, **geometry)
    return pad(x, trace.pads), k, conv2d(x, k, **geometry), trace


def frames_of(gif: bytes) -> list[np.ndarray]:
    """Every frame as an RGB array (Pillow composes the partial frames)."""
    img = Image.open(io.BytesIO(gif))
    assert img.format == "GIF"
    out = []
    for n in range(img.n_frames):
        img.seek(n)
        out.append(np.asarray(img.convert("RGB")))
    return out


def rgb_of(color: str) -> np.ndarray:
    if color.startswith("#"):
        return np.array([int(color[k:k + 2], 16) for k in (1, 3, 5)])
    inside = color[color.index("(") + 1:color.index(")")].split(",")[:3]
    return np.array([int(float(v)) for v in inside])


def pixels_of(frame: np.ndarray, color: str) -> int:
    return int(np.all(frame == rgb_of(color), axis=-1).sum())


# ------------------------------------------------------------------------------ GIF


GIF_CASES = {
    "seed 3x3 * 2x2 (19 25 37 43)": (SEED_X, SEED_K, {}),
    "padding 1": (SEED_X, SEED_K, {"padding": 1}),
    "stride 2 on 7x7": (np.arange(49.0).reshape(7, 7) / 48, np.ones((3, 3)), {"stride": 2}),
    "dilation 2": (np.linspace(0, 1, 64).reshape(8, 8), np.eye(3), {"dilation": 2}),
    "asymmetric padding, 1x2 edge kernel": (np.eye(6), [[1.0, -1.0]],
                                            {"padding": ((0, 1), (2, 0))}),
    "one output cell": (np.ones((2, 2)), np.ones((2, 2)), {}),
}


@pytest.mark.parametrize("case", list(GIF_CASES), ids=list(GIF_CASES))
def test_gif_has_one_frame_per_output_cell(case):
    x, k, geometry = GIF_CASES[case]
    xp, kernel, out, trace = conv_case(x, k, **geometry)
    gif = animation_gif(xp, kernel, out, trace)
    img = Image.open(io.BytesIO(gif))
    assert img.n_frames == out.size == len(trace.steps())
    assert img.info.get("loop") == 0


def test_gif_frames_follow_the_window_and_fill_the_output():
    """The seeds' example: the grey covers shrink by one output cell per frame, and every
    frame shows the black window frame."""
    cell = 40
    gif = animation_gif(*conv_case(SEED_X, SEED_K), cell_px=cell)
    frames = frames_of(gif)
    covers = [pixels_of(f, COVER_FILL) for f in frames]
    assert covers[0] > covers[1] > covers[2] > covers[3] == 0
    # Three cells covered, then two, then one (less the white halo of the current cell's
    # frame, which overlaps its neighbours).
    assert 0.6 * cell**2 < covers[2] <= cell**2
    assert 2 * 0.6 * cell**2 < covers[1] <= 2 * cell**2
    assert all(pixels_of(f, OUTLINE_COLOR) > 0 for f in frames)


def test_gif_window_moves_by_the_stride():
    """Where the outline colour sits in the input panel moves right by one stride per step."""
    x = np.full((5, 9), 0.5)
    xp, k, out, trace = conv_case(x, np.ones((3, 3)), stride=(1, 3))
    frames = frames_of(animation_gif(xp, k, out, trace, image=True, cell_px=20))
    lefts = []
    for frame in frames[: out.shape[1]]:
        ink = np.all(frame == rgb_of(OUTLINE_COLOR), axis=-1)
        cols = np.flatnonzero(ink.any(axis=0))
        lefts.append(cols.min())
    steps = np.diff(lefts)
    assert len(set(steps.tolist())) == 1 and steps[0] == 3 * 20


def test_gif_of_a_large_output_has_one_frame_per_row():
    x = np.random.default_rng(0).random((40, 40))
    xp, k, out, trace = conv_case(x, np.ones((3, 3)) / 9)
    assert out.size > MAX_GIF_FRAMES
    img = Image.open(io.BytesIO(animation_gif(xp, k, out, trace, image=True)))
    assert img.n_frames == out.shape[0] == gif_plan(out.shape).n_frames
    assert gif_plan(out.shape).mode == "row"


def test_gif_rows_are_subsampled_to_the_frame_cap():
    x = np.random.default_rng(1).random((30, 30))
    xp, k, out, trace = conv_case(x, np.ones((3, 3)))
    plan = gif_plan(out.shape, max_frames=10)
    assert plan.mode == "row" and plan.n_frames == 10
    assert plan.steps[0] == 0 and plan.steps[-1] == out.shape[0] - 1
    img = Image.open(io.BytesIO(animation_gif(xp, k, out, trace, max_frames=10)))
    assert img.n_frames == 10


def test_gif_holds_the_last_frame():
    gif = animation_gif(*conv_case(SEED_X, SEED_K), frame_ms=200)
    img = Image.open(io.BytesIO(gif))
    durations = []
    for n in range(img.n_frames):
        img.seek(n)
        durations.append(img.info["duration"])
    assert durations == [200, 200, 200, 600]


@pytest.mark.parametrize(
    ("out_hw", "max_frames", "expected"),
    [((2, 2), MAX_GIF_FRAMES, "One frame per output cell: 4 frames."),
     ((30, 30), MAX_GIF_FRAMES, "One frame per output row (30 frames): 900 output cells"),
     ((30, 30), 10, "10 of the 30 output rows, evenly spread")],
    ids=["cells", "rows", "subsampled rows"])
def test_gif_plan_note_says_what_the_frames_are(out_hw, max_frames, expected):
    assert gif_plan_note(out_hw, max_frames=max_frames).startswith(expected)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [("x", ValueError, "x_padded has shape"), ("kernel", ValueError, "kernel has shape"),
     ("output", ValueError, "output has shape"), ("trace", TypeError, "WindowTrace"),
     ("max_frames", ValueError, "max_frames must be at least 2"),
     ("titles", ValueError, "titles needs 3")],
    ids=lambda v: v if isinstance(v, str) else "")
def test_gif_refuses_arrays_that_do_not_match_the_trace(bad, error, message):
    xp, k, out, trace = conv_case(SEED_X, SEED_K, padding=1)
    args = {"x": xp, "kernel": k, "output": out, "trace": trace}
    kwargs = {}
    if bad == "x":
        args["x"] = SEED_X  # unpadded: the trace wants 5×5
    elif bad == "kernel":
        args["kernel"] = np.ones((3, 3))
    elif bad == "output":
        args["output"] = out[:-1]
    elif bad == "trace":
        args["trace"] = "not a trace"
    elif bad == "max_frames":
        kwargs["max_frames"] = 1
    else:
        kwargs["titles"] = ("only one",)
    with pytest.raises(error, match=message):
        animation_gif(args["x"], args["kernel"], args["output"], args["trace"], **kwargs)


def test_gif_refuses_grids_too_wide_to_draw():
    x = np.zeros((4, 400))
    with pytest.raises(ValueError, match="too many to draw"):
        animation_gif(*conv_case(x, np.ones((1, 2))), cell_px=10)


# ------------------------------------------------------------------------------ CSV / npy


def read_csv(data: bytes, like: np.ndarray) -> np.ndarray:
    exact = np.int64 if like.dtype.kind in "biu" else np.float64  # int64 beyond 2**53 too
    table = np.loadtxt(io.StringIO(data.decode("utf-8")), delimiter=",", ndmin=2, dtype=exact)
    return table.reshape(like.shape)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int16, np.bool_]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=6)))
def test_csv_round_trips_exactly(arr):
    back = read_csv(array_to_csv(arr), arr)
    np.testing.assert_array_equal(back.astype(arr.dtype), arr)
    if arr.dtype == np.float64:  # 17 significant digits: the text itself is exact
        np.testing.assert_array_equal(back, arr)


def test_csv_layout_is_one_line_per_row():
    assert array_to_csv(np.array([[1, 2, 3], [4, 5, 6]])) == b"1,2,3\n4,5,6\n"
    assert array_to_csv(np.array([0.5, -2.0])) == b"0.5,-2\n"
    assert array_to_csv(np.array([[True, False]])) == b"1,0\n"
    assert array_to_csv(np.zeros((0, 3))) == b""


def test_csv_keeps_nan_and_infinity():
    arr = np.array([[np.nan, np.inf, -np.inf, 1 / 3]])
    np.testing.assert_array_equal(read_csv(array_to_csv(arr), arr), arr)


@pytest.mark.parametrize(
    ("arr", "error", "message"),
    [(np.zeros((3, 2, 2)), ValueError, "one channel at a time"),
     (np.array([{"a": 1}], dtype=object), TypeError, "arrays of numbers"),
     (np.array(["a", "b"]), TypeError, "arrays of numbers"),
     (np.array([1 + 2j]), TypeError, "complex")],
    ids=["3-D", "objects", "strings", "complex"])
def test_csv_refuses_what_is_not_a_table_of_numbers(arr, error, message):
    with pytest.raises(error, match=message):
        array_to_csv(arr)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int32, np.uint8, np.bool_]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_npy_round_trips_shape_dtype_and_values(arr):
    back = np.load(io.BytesIO(array_to_npy(arr)), allow_pickle=False)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_npy_refuses_objects():
    with pytest.raises(TypeError, match="arrays of numbers"):
        array_to_npy(np.array([None, 1], dtype=object))


# ------------------------------------------------------------------------------ language


def test_gif_in_chinese_draws_chinese_titles_with_the_system_cjk_font():
    """With a CJK font on the machine (Debian's fonts-noto-cjk), a Chinese session gets a
    GIF whose titles are Chinese: drawn differently from the English one, same frames."""
    from ui import export
    from ui.i18n import use_language

    assert export.cjk_font_path() is not None, "fonts-noto-cjk is installed for the tests"
    case = conv_case(SEED_X, SEED_K)
    with use_language("zh"):
        assert export.gif_language() == "zh"
        titles = export.default_titles((3, 3), (2, 2), (2, 2), padded=False)
        chinese = animation_gif(*case)
    assert titles == ("输入 3×3", "卷积核 2×2", "输出 2×2")
    with use_language("en"):
        english = animation_gif(*case)
    zh_frames, en_frames = frames_of(chinese), frames_of(english)
    assert len(zh_frames) == len(en_frames) == 4
    assert not np.array_equal(zh_frames[0], en_frames[0])


def test_gif_in_chinese_falls_back_to_english_titles_without_a_cjk_font(monkeypatch):
    """No CJK font: the same GIF as in English (no boxes instead of characters)."""
    from ui import export
    from ui.i18n import use_language

    case = conv_case(SEED_X, SEED_K)
    with use_language("en"):
        english = animation_gif(*case)
    monkeypatch.setattr(export, "CJK_FONT_PATHS", (("/nonexistent/cjk.ttc", 0),))
    with use_language("zh"):
        assert export.cjk_font_path() is None
        assert export.gif_language() == "en"
        fallback = animation_gif(*case)
    assert fallback == english


def test_gif_plan_note_speaks_chinese():
    from ui.i18n import use_language

    with use_language("zh"):
        assert gif_plan_note((2, 2)) == "每个输出单元一帧：共 4 帧。"
