"""The pooling page's figures and helpers, without a server.

Oracles: convcore's pooling functions (``return_indices`` for the winners) and PyTorch in
float64 for the PyTorch lines, the divisors and the hand-padded (MXNet-style) pooling.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convcore import avg_pool2d, conv2d, format_number, lp_pool2d, max_pool2d
from ui import figures_pooling as P
from ui.figures import HIDDEN_AT, PICK_COLOR, colorize

ARANGE3 = np.arange(9.0).reshape(3, 3)
ARANGE4 = np.arange(16.0).reshape(4, 4)
EDGE = np.ones((6, 8))
EDGE[:, 2:6] = 0.0


def frames_of(fig) -> list[dict]:
    return fig.frame_dicts


def step_texts(fig) -> list[str]:
    """Per frame, the arithmetic the frame writes into the step annotation."""
    return [frame["layout"]["annotations"][0]["text"] for frame in frames_of(fig)]


def frame_box(frame: dict, fig, name: str):
    """The (top, left, bottom, right) cell box a frame gives the moving shape ``name``
    (None: parked outside the axes)."""
    shape = frame["layout"]["shapes"][fig.layout.meta["dynamic"].index(name)]
    if shape["x0"] == HIDDEN_AT:
        return None
    return (round(shape["y0"] + 0.5), round(shape["x0"] + 0.5), round(shape["y1"] - 0.5),
            round(shape["x1"] - 0.5))


def frame_centres(frame: dict, fig, prefix: str) -> list[tuple[float, float]]:
    """Centres (row, col) of the moving shapes ``prefix:0``, ``prefix:1``, ... a frame shows."""
    centres = []
    for name, shape in zip(fig.layout.meta["dynamic"], frame["layout"]["shapes"], strict=True):
        if name.startswith(f"{prefix}:") and shape["x0"] != HIDDEN_AT:
            centres.append(((shape["y0"] + shape["y1"]) / 2, (shape["x0"] + shape["x1"]) / 2))
    return centres


def cell_texts(fig, name: str) -> dict[tuple[int, int], str]:
    """``(row, col) -> label`` printed on the cells of the heatmap trace ``name``."""
    trace = next(t for t in fig.data if t.name == name)
    labels = np.asarray(trace.text, dtype=object)
    return {(int(r), int(c)): str(labels[r, c]) for r, c in np.ndindex(labels.shape)
            if labels[r, c]}


def torch_pool(x: np.ndarray, s: P.PoolSettings) -> np.ndarray:
    t = torch.tensor(x, dtype=torch.float64)[None, None] if x.ndim == 2 else \
        torch.tensor(x, dtype=torch.float64)[None]
    out = eval(s.torch_call("t"), {"F": F, "t": t})
    return out.numpy().reshape(out.shape[-x.ndim:] if x.ndim == 3 else out.shape[-2:])


# ------------------------------------------------------------------------------ settings

SETTINGS_CASES = {
    "max-2x2-s1": P.PoolSettings("max", (2, 2), (1, 1)),
    "max-3-p1-s2": P.PoolSettings("max", (3, 3), (2, 2), (1, 1)),
    "max-2x3-p1-s23": P.PoolSettings("max", (2, 3), (2, 3), (1, 1)),
    "max-dilated": P.PoolSettings("max", (2, 2), (1, 1), (1, 1), dilation=(2, 2)),
    "max-ceil": P.PoolSettings("max", (3, 3), (2, 2), (1, 1), ceil_mode=True),
    "avg-2x2-s1": P.PoolSettings("avg", (2, 2), (1, 1)),
    "avg-pad-counted": P.PoolSettings("avg", (3, 3), (2, 2), (1, 1)),
    "avg-pad-not-counted": P.PoolSettings("avg", (3, 3), (2, 2), (1, 1),
                                          count_include_pad=False),
    "avg-ceil-not-counted": P.PoolSettings("avg", (3, 3), (2, 2), (1, 1), ceil_mode=True,
                                           count_include_pad=False),
    "lp2-2x2": P.PoolSettings("lp", (2, 2)),
    "lp3-ceil": P.PoolSettings("lp", (3, 3), (2, 2), ceil_mode=True, norm_type=3.0),
    "stride-default": P.PoolSettings("avg", (2, 3)),
}


@pytest.mark.parametrize("s", SETTINGS_CASES.values(), ids=SETTINGS_CASES.keys())
def test_torch_call_computes_what_convcore_computes(s):
    x = np.random.default_rng(1).normal(size=(5, 7)) if s.kind != "lp" else \
        np.random.default_rng(1).uniform(0.1, 2, size=(5, 7))
    np.testing.assert_allclose(torch_pool(x, s), s.pool(x), rtol=1e-12, atol=1e-12)


def test_pool_dispatches_to_convcore():
    x = np.random.default_rng(0).uniform(size=(2, 6, 6))
    np.testing.assert_array_equal(P.PoolSettings("max", (3, 3), (2, 2), (1, 1)).pool(x),
                                  max_pool2d(x, 3, 2, 1))
    np.testing.assert_array_equal(
        P.PoolSettings("avg", (3, 3), (2, 2), (1, 1), count_include_pad=False).pool(x),
        avg_pool2d(x, 3, 2, 1, count_include_pad=False))
    np.testing.assert_array_equal(P.PoolSettings("lp", (2, 2), norm_type=3.0).pool(x),
                                  lp_pool2d(x, 3.0, 2))


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(kind="avg", dilation=(2, 2)), "no dilation"),
    (dict(kind="lp", padding=(1, 1)), "no padding"),
    (dict(kind="median"), "kind must be one of"),
    (dict(kernel_size=(0, 2)), "kernel_size"),
], ids=["avg-dilation", "lp-padding", "unknown-kind", "zero-window"])
def test_settings_that_pytorch_has_no_argument_for_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        P.PoolSettings(**kwargs)


def test_describe_names_the_settings():
    s = P.PoolSettings("avg", (3, 3), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False)
    assert s.describe() == ("average pooling, window 3×3, stride 2×2, padding 1×1, ceil_mode, "
                            "count_include_pad=False")
    assert P.PoolSettings("max", (2, 3)).describe() == "max pooling, window 2×3, stride 2×3"


# ------------------------------------------------------------------------------ the seeds


@pytest.mark.parametrize(("s", "x", "expected", "first_text"), [
    (P.PoolSettings("max", (2, 2), (1, 1)), ARANGE3, [[4, 5], [7, 8]],
     "out[0, 0] = max(0, 1, 3, <b>4</b>) = 4"),
    (P.PoolSettings("avg", (2, 2), (1, 1)), ARANGE3, [[2, 3], [5, 6]],
     "out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2"),
    (P.PoolSettings("max", (3, 3)), ARANGE4, [[10]],
     "out[0, 0] = max(0, 1, 2, 4, 5, 6, 8, 9, <b>10</b>) = 10"),
    (P.PoolSettings("max", (3, 3), (2, 2), (1, 1)), ARANGE4, [[5, 7], [13, 15]],
     "out[0, 0] = max(0, 1, 4, <b>5</b>) = 5"),
], ids=["max-2x2", "avg-2x2", "window-3", "window-3-pad-1-stride-2"])
def test_seed_examples_give_the_seeds_numbers(s, x, expected, first_text):
    np.testing.assert_array_equal(s.pool(x), expected)
    fig = P.pool_animation_figure(x, s)
    assert step_texts(fig)[0].split("<br>")[0] == first_text
    assert P.pooled_row_text(s.pool(x)) == str(expected)


def test_two_channels_are_pooled_each_on_its_own():
    x = np.stack([ARANGE4, ARANGE4 + 1])
    s = P.PoolSettings("max", (3, 3), (2, 2), (1, 1))
    out = s.pool(x)
    np.testing.assert_array_equal(out, [[[5, 7], [13, 15]], [[6, 8], [14, 16]]])
    fig = P.channels_figure(x, out, titles=["X", "X + 1"])
    assert fig.layout.meta["panels"] == ["in0", "in1", "out0", "out1"]
    values = [np.asarray(t.z) for t in fig.data if t.name.endswith(":values")]
    np.testing.assert_array_equal(values[3], [[6, 8], [14, 16]])


def test_mxnet_padding_is_refused_and_reproduced_by_padding_by_hand():
    s = P.PoolSettings("max", (2, 3), (2, 3), (1, 2))
    with pytest.raises(ValueError, match="more than half"):
        s.pool(ARANGE4)
    assert P.nearest_valid_padding(s.kernel_size, s.padding) == (1, 1)
    np.testing.assert_array_equal(P.PoolSettings("max", (2, 3), (2, 3), (1, 1)).pool(ARANGE4),
                                  [[1, 3], [9, 11], [13, 15]])
    mxnet = P.explicit_padding_pool(ARANGE4, s)
    np.testing.assert_array_equal(mxnet, [[0, 3], [8, 11], [12, 15]])
    t = torch.tensor(ARANGE4)[None, None]
    line = P.torch_explicit_padding_call(s, "t")
    assert line.startswith("F.max_pool2d(F.pad(t, (2, 2, 1, 1), value=float('-inf'))")
    np.testing.assert_array_equal(eval(line, {"F": F, "t": t})[0, 0].numpy(), mxnet)


def test_hand_padded_average_counts_the_zeros():
    s = P.PoolSettings("avg", (2, 2), (2, 2), (1, 1))
    np.testing.assert_allclose(P.explicit_padding_pool(ARANGE4, s), s.pool(ARANGE4))
    with pytest.raises(ValueError, match="explicit padding"):
        P.explicit_padding_pool(ARANGE4, P.PoolSettings("avg", (2, 2), padding=(1, 1),
                                                        count_include_pad=False))


@pytest.mark.parametrize(("kernel", "padding", "expected"), [
    ((2, 3), (1, 2), (1, 1)), ((3, 3), (4, 0), (1, 0)), ((5, 4), (2, 2), (2, 2)),
    ((1, 1), (3, 3), (0, 0)),
], ids=["seeds", "rows-only", "already-valid", "1x1-window"])
def test_nearest_valid_padding_is_at_most_half_the_window(kernel, padding, expected):
    assert P.nearest_valid_padding(kernel, padding) == expected


# ------------------------------------------------------------------------------ animation


@pytest.mark.parametrize("s", SETTINGS_CASES.values(), ids=SETTINGS_CASES.keys())
def test_one_frame_per_output_cell_with_its_value(s):
    x = np.random.default_rng(2).integers(0, 10, size=(6, 7)).astype(float)
    out = s.pool(x)
    fig = P.pool_animation_figure(x, s)
    assert len(frames_of(fig)) == out.size == fig.layout.meta["steps"]
    for text, value in zip(step_texts(fig), out.ravel(), strict=True):
        result = re.search(r"= ([^\s<]+)(?=<br>|$)", text.replace("</b>", "")).group(1)
        assert result == format_number(value, digits=3)


@pytest.mark.parametrize("s", [s for s in SETTINGS_CASES.values() if s.kind == "max"],
                         ids=[k for k, s in SETTINGS_CASES.items() if s.kind == "max"])
def test_winner_outline_is_on_return_indices_in_every_frame(s):
    x = np.random.default_rng(3).integers(0, 5, size=(6, 7)).astype(float)  # many ties
    indices = s.argmax(x)
    np.testing.assert_array_equal(indices, max_pool2d(x, s.kernel_size, s.stride, s.padding,
                                                      s.dilation, s.ceil_mode,
                                                      return_indices=True)[1])
    fig = P.pool_animation_figure(x, s)
    assert fig.layout.meta["winners"] == [[int(k)] for k in indices.ravel()]
    origin = (s.padding[0], s.padding[1])
    w = x.shape[1]
    assert fig.layout.meta["dynamic"].count("highlight:0") == 1
    assert "highlight:1" not in fig.layout.meta["dynamic"]
    for frame, expected in zip(frames_of(fig), indices.ravel(), strict=True):
        r, c, r1, c1 = frame_box(frame, fig, "highlight:0")
        assert (r, c) == (r1, c1)  # one cell
        assert (r - origin[0]) * w + (c - origin[1]) == expected
        # the winner is in bold in the formula, and it is the window's maximum
        text = frame["layout"]["annotations"][0]["text"]
        bold = re.search(r"<b>(.*?)</b>", text).group(1)
        assert bold == format_number(x.flat[expected], parenthesize=True)


def test_the_initial_drawing_is_the_initial_step():
    s = P.PoolSettings("max", (2, 2), (1, 1))
    fig = P.pool_animation_figure(ARANGE3, s, initial=3)
    shapes = {sh.name: sh for sh in fig.layout.shapes}
    winner = shapes["highlight:0"]
    assert (winner.x0 + winner.x1) / 2 == 2 and (winner.y0 + winner.y1) / 2 == 2
    assert winner.line.color == PICK_COLOR and winner.xref == "x"
    assert (shapes["window"].x0, shapes["window"].y0) == (0.5, 0.5)
    assert fig.layout.annotations[0].text == "out[1, 1] = max(4, 5, 7, <b>8</b>) = 8"


def test_the_arithmetic_is_the_step_annotation_above_the_input():
    fig = P.pool_animation_figure(ARANGE3, P.PoolSettings("avg", (2, 2), (1, 1)))
    assert [a.text for a in fig.layout.annotations] == [
        "out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2<br>divisor 4 = all 4 cells of the window",
        "<b>input</b>", "<b>average pool output</b> 2×2", "<b>divisor used</b>"]
    assert fig.layout.annotations[0].xref == "x domain"  # redrawn by redraw=False frames
    assert step_texts(fig)[3] == ("out[1, 1] = (4 + 5 + 7 + 8) / 4 = 6<br>"
                                  "divisor 4 = all 4 cells of the window")
    # average pooling has no winner: no highlight shape at all
    assert not any(n.startswith("highlight:") for n in fig.layout.meta["dynamic"])


def test_grids_stay_heatmaps_and_frames_send_only_shapes_and_text():
    s = P.PoolSettings("max", (3, 3), (2, 2), (1, 1), ceil_mode=True)
    fig = P.pool_animation_figure(ARANGE4, s)
    heatmaps = {t.name: t for t in fig.data if t.type == "heatmap"}
    assert set(heatmaps) == {"input:values", "input:padding", "output:values",
                             "indices:values"}
    assert all(t.visible is not False for t in heatmaps.values())
    z = np.asarray(heatmaps["input:values"].z, dtype=float)
    np.testing.assert_array_equal(z[1:5, 1:5], ARANGE4)
    np.testing.assert_array_equal(heatmaps["output:values"].z, s.pool(ARANGE4))
    # the colours are the shared scale of input and output (output cell 15 = input cell 15)
    scale = P.shared_scale(ARANGE4, s.pool(ARANGE4))
    assert heatmaps["input:values"].zmax == heatmaps["output:values"].zmax == scale.zmax
    assert tuple(colorize([[15.0]], scale)[0, 0]) == (0x08, 0x30, 0x6B)
    n_dynamic = len(fig.layout.meta["dynamic"])
    for frame in frames_of(fig):
        assert set(frame) == {"name", "layout"}  # no trace data: the heatmaps stay drawn
        assert len(frame["layout"]["shapes"]) == n_dynamic
        assert set(frame["layout"]["annotations"][0]) == {"text"}
    assert not any((t.name or "").startswith("click:") for t in fig.data)
    validated = go.Figure(fig.to_dict())  # plotly validates every frame and slider step
    assert len(validated.frames) == 9


def test_average_steps_show_the_divisor_used():
    s = P.PoolSettings("avg", (3, 3), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False)
    fig = P.pool_animation_figure(ARANGE4, s)
    texts = step_texts(fig)
    assert texts[0] == ("out[0, 0] = (0 + 1 + 4 + 5) / 4 = 2.5<br>"
                        "divisor 4 = the 4 input cells; padding not counted")
    assert texts[2].split("<br>") == [
        "out[0, 2] = (3 + 7) / 2 = 5", "divisor 2 = the 2 input cells; padding not counted",
        "3 cells past the padded input (ceil_mode): ignored"]
    divisors = fig.layout.meta["divisors"]
    assert divisors == [4, 6, 2, 6, 9, 3, 2, 3, 1]
    np.testing.assert_array_equal(P.divisor_map((4, 4), s).ravel(), divisors)
    panel = cell_texts(fig, "divisors:values")
    assert [int(panel[(i, j)]) for i in range(3) for j in range(3)] == divisors
    for text, d in zip(texts, divisors, strict=True):
        assert f") / {format_number(d)} = " in text


def test_padding_counted_in_the_divisor_appears_as_zeros():
    s = P.PoolSettings("avg", (3, 3), (2, 2), (1, 1))
    text = step_texts(P.pool_animation_figure(ARANGE4, s))[0]
    assert text == ("out[0, 0] = (0 + 0 + 0 + 0 + 0 + 1 + 0 + 4 + 5) / 9 = 1.11<br>"
                    "divisor 9 = 4 input + 5 padding cells (count_include_pad)")


@pytest.mark.parametrize("count_include_pad", [True, False], ids=["counted", "not-counted"])
@pytest.mark.parametrize("ceil_mode", [False, True], ids=["floor", "ceil"])
def test_divisor_map_equals_pytorchs_divisor(count_include_pad, ceil_mode):
    s = P.PoolSettings("avg", (3, 2), (2, 2), (1, 1), ceil_mode=ceil_mode,
                       count_include_pad=count_include_pad)
    ones = torch.ones((1, 1, 5, 6), dtype=torch.float64)
    kwargs = dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=ceil_mode,
                  count_include_pad=count_include_pad)
    sums = F.avg_pool2d(ones, divisor_override=1, **kwargs)
    expected = (sums / F.avg_pool2d(ones, **kwargs))[0, 0].numpy()
    np.testing.assert_allclose(P.divisor_map((5, 6), s), expected)


def test_divisor_panel_for_average_and_index_panel_for_max():
    avg = P.pool_animation_figure(ARANGE4, P.PoolSettings("avg", (2, 2), (1, 1)))
    assert avg.layout.meta["panels"] == ["input", "output", "divisors"]
    mx = P.pool_animation_figure(ARANGE4, P.PoolSettings("max", (2, 2), (1, 1)))
    assert mx.layout.meta["panels"] == ["input", "output", "indices"]
    labels = cell_texts(mx, "indices:values")
    shown = [[int(labels[(r, c)]) for c in range(3)] for r in range(3)]
    assert shown == [[5, 6, 7], [9, 10, 11], [13, 14, 15]]
    lp = P.pool_animation_figure(ARANGE4, P.PoolSettings("lp", (2, 2)))
    assert lp.layout.meta["panels"] == ["input", "output"]
    big = P.pool_animation_figure(np.zeros((20, 20)), P.PoolSettings("max", (2, 2), (1, 1)))
    assert big.layout.meta["panels"] == ["input", "output"]  # 19×19 indices would not read


def test_lp_text_uses_powers_and_the_partial_window_scaling():
    texts = step_texts(P.pool_animation_figure(ARANGE4, P.PoolSettings("lp", (3, 3), (2, 2),
                                                                        ceil_mode=True)))
    assert texts[0] == "out[0, 0] = (0² + 1² + 2² + 4² + 5² + 6² + 8² + 9² + 10²)^(1/2) = 18.1"
    assert "× 9/6)^(1/2) = 21.9" in texts[1]
    assert "partial window (6 cells of 9): sum × 9/6, as PyTorch does" in texts[1]
    value = lp_pool2d(ARANGE4, 2, 3, 2, ceil_mode=True)[0, 1]
    assert format_number(value, digits=3) == "21.9"


def test_long_formulas_break_after_every_kernel_row():
    x = np.random.default_rng(4).uniform(size=(5, 5))
    text = step_texts(P.pool_animation_figure(x, P.PoolSettings("avg", (3, 3), (1, 1))))[0]
    first = text.split("<br>")[:3]
    assert first[0].endswith(" +") and first[1].startswith("\u00a0" * 13)
    assert [len([t for t in line.split("+") if t.strip(" \u00a0")]) for line in first] == [3, 3, 3]
    assert all(len(line) <= P.MAX_LINE_CHARS for line in text.split("<br>"))


def test_input_panel_shows_padding_values_and_blank_overhang():
    s = P.PoolSettings("max", (3, 3), (2, 2), (1, 1), ceil_mode=True)
    trace = s.trace((4, 4))
    assert trace.padded_hw == (6, 6) and P.canvas_hw(trace) == (7, 7)
    fig = P.pool_animation_figure(ARANGE4, s)
    pad = cell_texts(fig, "input:padding")
    assert pad[(0, 0)] == "−∞" and pad[(5, 5)] == "−∞"
    assert (6, 6) not in pad and (6, 0) not in pad and (0, 6) not in pad  # the overhang
    padding = next(t for t in fig.data if t.name == "input:padding")
    assert padding.z[6, 6] == 0  # the overhang is drawn (padding grey, hatched) ...
    hatch = next(sh for sh in fig.layout.shapes if sh.name == "input:hatch")
    assert hatch.path.count("M") == 3 * (7 * 7 - 16)  # ... every non-input cell hatched
    assert "nan" not in pad.values()  # ... only without a value
    avg = P.pool_animation_figure(ARANGE4, P.PoolSettings("avg", (3, 3), (2, 2), (1, 1)))
    assert cell_texts(avg, "input:padding")[(0, 0)] == "0"


def test_dilated_windows_frame_their_taps():
    s = P.PoolSettings("max", (2, 2), (1, 1), dilation=(2, 2))
    fig = P.pool_animation_figure(ARANGE4, s)
    first, last = frames_of(fig)[0], frames_of(fig)[-1]
    assert sorted(frame_centres(first, fig, "mark")) == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert sorted(frame_centres(last, fig, "mark")) == [(1, 1), (1, 3), (3, 1), (3, 3)]
    assert frame_box(last, fig, "highlight:0") == (3, 3, 3, 3)  # max(5, 7, 13, 15)


def test_large_outputs_step_a_row_at_a_time_with_the_rows_winners():
    x = np.random.default_rng(5).uniform(size=(31, 31))
    s = P.PoolSettings("max", (1, 1), (1, 1))
    fig = P.pool_animation_figure(x, s)
    assert len(frames_of(fig)) == 31
    indices = s.argmax(x)
    assert fig.layout.meta["winners"] == [[int(k) for k in row] for row in indices]
    frame = frames_of(fig)[4]
    assert frame_box(frame, fig, "cell") == (4, 0, 4, 30)
    assert sorted(frame_centres(frame, fig, "highlight")) == \
        sorted((k // 31, k % 31) for k in indices[4])
    assert frame["layout"]["annotations"][0]["text"].startswith("out[4, :] = [")


def test_panels_carry_their_own_row_numbers():
    fig = P.pool_animation_figure(ARANGE4, P.PoolSettings("avg", (2, 2), (1, 1)))
    assert fig.layout.yaxis2.anchor == "x2" and fig.layout.xaxis3.anchor == "y3"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 3), kw=st.integers(1, 3),
       sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 1), pw=st.integers(0, 1),
       dh=st.integers(1, 2), ceil=st.booleans(), seed=st.integers(0, 1000))
def test_any_valid_max_pooling_animates_its_return_indices(h, w, kh, kw, sh, sw, ph, pw, dh,
                                                          ceil, seed):
    x = np.random.default_rng(seed).integers(0, 4, size=(h, w)).astype(float)
    s = P.PoolSettings("max", (kh, kw), (sh, sw), (min(ph, kh // 2), min(pw, kw // 2)),
                       (dh, 1), ceil)
    try:
        out, indices = max_pool2d(x, s.kernel_size, s.stride, s.padding, s.dilation,
                                  s.ceil_mode, return_indices=True)
    except ValueError:
        with pytest.raises(ValueError):
            P.pool_animation_figure(x, s)
        return
    fig = P.pool_animation_figure(x, s)
    assert len(frames_of(fig)) == out.size
    # a dilated window can hold padding only: its max is −∞ and nothing is outlined
    # (PyTorch still reports an index, that of a cell the window skips)
    expected = [[int(k)] if v > -np.inf else [] for k, v in zip(indices.ravel(), out.ravel(),
                                                                 strict=True)]
    assert fig.layout.meta["winners"] == expected


def test_a_window_of_padding_only_says_so():
    s = P.PoolSettings("max", (2, 1), (1, 1), (1, 0), dilation=(2, 1))
    out, indices = max_pool2d([[5.0]], (2, 1), 1, (1, 0), (2, 1), return_indices=True)
    assert out[0, 0] == -np.inf and indices[0, 0] == 1  # PyTorch's answer, kept by convcore
    fig = P.pool_animation_figure([[5.0]], s)
    assert step_texts(fig) == ["out[0, 0] = max() = −∞<br>no input cell in this window "
                               "(the dilation skips them all): −∞"]
    assert fig.layout.meta["winners"] == [[]]
    assert cell_texts(fig, "output:values") == {(0, 0): "−∞"}
    assert "highlight:0" not in fig.layout.meta["dynamic"]  # nothing to outline


# ------------------------------------------------------------------------------ translation


@pytest.mark.parametrize(("dy", "dx"), [(0, 1), (1, 0), (0, -2), (-1, 1), (0, 0)],
                         ids=["right", "down", "left-2", "up-right", "none"])
def test_shift_image_moves_the_content_and_repeats_the_edge(dy, dx):
    x = np.arange(30.0).reshape(5, 6)
    moved = P.shift_image(x, dy, dx)
    h, w = x.shape
    for r in range(h):
        for c in range(w):
            assert moved[r, c] == x[min(max(r - dy, 0), h - 1), min(max(c - dx, 0), w - 1)]


def test_translation_comparison_on_the_d2l_edge_image():
    s = P.PoolSettings("max", (2, 2), (1, 1))
    cmp = P.translation_comparison(EDGE, [[1.0, -1.0]], s, (0, 1))
    np.testing.assert_array_equal(cmp.conv, conv2d(EDGE, [[1.0, -1.0]]))
    np.testing.assert_array_equal(cmp.pooled, max_pool2d(cmp.conv, 2, 1))
    assert cmp.conv_changed == pytest.approx(24 / 42)  # both edges moved: 4 of 7 columns
    assert cmp.pool_changed == pytest.approx(10 / 30)  # the 1-edge widened by pooling moved
    assert cmp.conv_mean_abs == pytest.approx(24 / 42)
    assert cmp.pool_mean_abs == pytest.approx(10 / 30)


def test_no_shift_changes_nothing():
    x = np.random.default_rng(6).uniform(size=(8, 8))
    cmp = P.translation_comparison(x, np.ones((3, 3)), P.PoolSettings("avg", (2, 2)), (0, 0))
    assert cmp.conv_changed == cmp.pool_changed == 0.0 == cmp.conv_mean_abs


def test_shift_sweep_and_its_figures():
    s = P.PoolSettings("max", (2, 2), (1, 1))
    sweep = P.shift_sweep(EDGE, [[1.0, -1.0]], s, [1, 2, 3])
    assert [c.shift for c in sweep] == [(0, 1), (0, 2), (0, 3)]
    bars = P.shift_bars_figure(sweep)
    assert list(bars.data[0].x) == ["1 px", "2 px", "3 px"]
    np.testing.assert_allclose(bars.data[0].y, [100 * c.conv_changed for c in sweep])
    np.testing.assert_allclose(bars.data[1].y, [100 * c.pool_changed for c in sweep])
    grid = P.shift_grid_figure(sweep[0], "pool")
    diff = np.asarray(next(t.z for t in grid.data if t.name == "pool:diff:values"))
    np.testing.assert_allclose(diff, np.abs(sweep[0].pooled_shifted - sweep[0].pooled))
    with pytest.raises(ValueError, match="stage"):
        P.shift_grid_figure(sweep[0], "relu")


# ------------------------------------------------------------------------------ photos


def test_photo_pooling_and_pixelated_display():
    img = np.random.default_rng(7).uniform(size=(12, 17))
    pooled = P.photo_pooled(img, 4)
    assert set(pooled) == {"max", "avg", "subsample"}
    np.testing.assert_array_equal(pooled["max"], max_pool2d(img, 4))
    np.testing.assert_array_equal(pooled["avg"], avg_pool2d(img, 4))
    np.testing.assert_array_equal(pooled["subsample"], img[:9:4, :13:4])
    assert P.image_size_text(pooled["max"]) == "4×3 px"
    big = P.pixelated(pooled["max"], 4)
    assert big.shape == (12, 16)
    np.testing.assert_array_equal(big[4:8, 8:12], pooled["max"][1, 2])
    assert P.pixelated(np.zeros((3, 2, 2)), 2).shape == (3, 4, 4)


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                         (8, "8th"), (11, "11th"), (12, "12th"), (13, "13th"),
                                         (21, "21st"), (22, "22nd"), (103, "103rd")])
def test_ordinal(n, text):
    assert P.ordinal(n) == text


# ------------------------------------------------------------------------ predict, then reveal


def covered_cells(frame: dict, fig, names, out_hw) -> set[tuple[int, int]]:
    """Cells of an ``out_hw`` panel that a frame's moving shapes ``names`` lie over."""
    dynamic = fig.layout.meta["dynamic"]
    boxes = [frame["layout"]["shapes"][dynamic.index(name)] for name in names]
    return {(r, c) for r, c in np.ndindex(*out_hw)
            if any(b["x0"] < c < b["x1"] and b["y0"] < r < b["y1"] for b in boxes)}


EXTRA_PANEL_CASES = {
    "max-indices": (ARANGE4, P.PoolSettings("max", (2, 2), (1, 1)), "indices"),
    "avg-divisors": (ARANGE4, P.PoolSettings("avg", (3, 3), (2, 2), (1, 1),
                                             count_include_pad=False), "divisors"),
    "max-padded-ceil": (np.arange(30.0).reshape(5, 6),
                        P.PoolSettings("max", (3, 2), (2, 2), (1, 1), ceil_mode=True), "indices"),
}


@pytest.mark.parametrize("x, s, panel", EXTRA_PANEL_CASES.values(), ids=EXTRA_PANEL_CASES)
def test_the_third_grid_shows_only_the_cells_already_computed(x, s, panel):
    """Issue 9, item 2: the winner-index (and divisor) grid gave every answer at step 1.
    In every frame, the covers over the third panel hide exactly the output cells not
    computed yet, the same cells the output panel's own covers hide."""
    fig = P.pool_animation_figure(x, s)
    out_hw = tuple(fig.layout.meta["out_hw"])
    assert fig.layout.meta["panels"][2] == panel
    extra = [f"{name}" for name in P.EXTRA_COVERS]
    frames = frames_of(fig)
    assert len(frames) == out_hw[0] * out_hw[1]
    for k, frame in enumerate(frames):
        hidden = {(r, c) for r, c in np.ndindex(*out_hw) if r * out_hw[1] + c > k}
        assert covered_cells(frame, fig, extra, out_hw) == hidden, k
        assert covered_cells(frame, fig, ["covers:row", "covers:below"], out_hw) == hidden, k
    # The covers sit on the third panel's axes, over its heatmap, and start as frame 0 does.
    shapes = {shape.name: shape for shape in fig.layout.shapes}
    assert [shapes[name].xref for name in extra] == ["x3", "x3"]
    assert [shapes[name].yref for name in extra] == ["y3", "y3"]
    assert all(shapes[name].layer == "above" for name in extra)
    first = frames[0]["layout"]["shapes"]
    dynamic = fig.layout.meta["dynamic"]
    for name in extra:
        drawn = shapes[name]
        assert (drawn.x0, drawn.x1, drawn.y0, drawn.y1) == tuple(
            first[dynamic.index(name)][key] for key in ("x0", "x1", "y0", "y1"))


def test_frames_still_move_the_right_shapes_after_the_covers_are_added():
    """Frames merge their shapes into the layout's by position: the layout lists the moving
    shapes first, in ``meta["dynamic"]``'s order, and every frame sends one per name."""
    fig = P.pool_animation_figure(ARANGE4, P.PoolSettings("max", (2, 2), (1, 1)))
    dynamic = fig.layout.meta["dynamic"]
    assert [shape.name for shape in fig.layout.shapes[: len(dynamic)]] == dynamic
    assert all(len(frame["layout"]["shapes"]) == len(dynamic) for frame in frames_of(fig))
    assert go.Figure(fig.to_dict()).layout.shapes  # still a valid figure


def test_no_covers_without_a_third_grid():
    fig = P.pool_animation_figure(ARANGE4, P.PoolSettings("lp", (2, 2)))
    assert not set(P.EXTRA_COVERS) & set(fig.layout.meta["dynamic"])


# ------------------------------------------------------------------------------ shape lines

SHAPE_CASES = {
    "even": ((4, 4), P.PoolSettings("max", (2, 2))),
    "one-row-left": ((3, 5), P.PoolSettings("max", (2, 2))),
    "two-rows-left": ((7, 7), P.PoolSettings("max", (3, 3), (3, 3))),
    "padded-dilated": ((6, 5), P.PoolSettings("max", (3, 2), (2, 2), (1, 1), (2, 1))),
    "ceil-dropped": ((5, 5), P.PoolSettings("max", (2, 2), (2, 2), (1, 1), ceil_mode=True)),
    "ceil-kept": ((5, 5), P.PoolSettings("avg", (3, 3), (2, 2), ceil_mode=True)),
}


@pytest.mark.parametrize("in_hw, s", SHAPE_CASES.values(), ids=SHAPE_CASES)
def test_shape_lines_say_what_convcore_says(in_hw, s):
    """In English the page's shape lines are convcore's formulas and notes, word for word
    (the page words the notes itself so that they can be translated)."""
    from convcore.shapes import explain_pool_output_shape

    formulas = explain_pool_output_shape(in_hw, s.kernel_size, s.stride, s.padding,
                                         s.dilation, s.ceil_mode)
    expected = []
    for f in formulas:
        expected.append(f"{f.axis:>6}: {f.line()}")
        if f.note:
            expected.append(f"        ({f.note})")
    assert P.shape_lines(in_hw, s) == expected
    out = torch_pool(np.zeros(in_hw), s)
    assert [f.result for f in formulas] == list(out.shape)


def test_figures_speak_chinese():
    from ui.i18n import use_language

    with use_language("zh"):
        fig = P.pool_animation_figure(ARANGE4, P.PoolSettings("avg", (2, 2), (1, 1)))
        describe = P.PoolSettings("max", (3, 3), (2, 2), (1, 1)).describe()
        bars = P.shift_bars_figure(P.shift_sweep(EDGE, np.array([[1.0, -1.0]]),
                                                 P.PoolSettings("max", (2, 2)), [1]))
    titles = [a.text for a in fig.layout.annotations]
    assert titles[1:] == ["<b>输入</b>", "<b>平均汇聚输出</b> 3×3", "<b>所用除数</b>"]
    assert titles[0] == "out[0, 0] = (0 + 1 + 4 + 5) / 4 = 2.5<br>除数 4 = 窗口的全部 4 个单元"
    assert describe == "最大汇聚，窗口 3×3，步幅 2×2，填充 1×1"
    assert [t.name for t in bars.data] == ["卷积输出", "汇聚后"]


# ------------------------------------------------------------------------------ projector


def test_room_for_large_text_keeps_titles_clear_of_ticks_and_the_step_text():
    from ui import presenter

    fig = P.pool_animation_figure(ARANGE3, P.PoolSettings("max", (2, 2), (1, 1)),
                                  extra_panel=False, max_cell_px=80)
    big = P.make_room_for_large_text(presenter.scale_figure(fig, presenter.figure_scale(True)))
    step, *titles = big.layout.annotations
    tick_px = big.layout.xaxis.tickfont.size
    assert tick_px >= 19 and all(t.font.size >= 24 for t in titles)
    assert all(t.yshift >= 1.3 * tick_px for t in titles)  # above the column numbers
    title_tops = [t.yshift + 1.3 * t.font.size * (t.text.count("<br>") + 1) for t in titles]
    assert step.yshift >= max(title_tops)  # the step text above the titles
    assert big.layout.margin.t >= step.yshift + 1.3 * step.font.size
    assert titles[1].text == "<b>max pool output</b><br>2×2"
    assert big.layout.width > fig.layout.width  # room on the right for the output's title
    assert big.layout.meta["cell_px"] == fig.layout.meta["cell_px"]  # cells kept
    assert len(big.frames) == len(fig.frame_dicts)


@pytest.mark.parametrize("which", [["before"], ["after"], ["diff"], ["before", "diff"]])
def test_shift_grid_panels_can_be_drawn_one_by_one(which):
    cmp = P.translation_comparison(EDGE, np.array([[1.0, -1.0]]), P.PoolSettings("max", (2, 2)))
    fig = P.shift_grid_figure(cmp, "conv", which=which)
    assert fig.layout.meta["panels"] == [f"conv:{w}" for w in which]


def test_shift_grid_refuses_unknown_panels():
    cmp = P.translation_comparison(EDGE, np.array([[1.0, -1.0]]), P.PoolSettings("max", (2, 2)))
    with pytest.raises(ValueError, match="which"):
        P.shift_grid_figure(cmp, "pool", which=["middle"])
