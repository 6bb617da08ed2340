"""The sliding-window trace against conv2d (convcore's and PyTorch's), its inverse, its
picture of padding and unreached cells, and the arithmetic text of the seeds."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcore import (
    WindowTrace,
    cell_arithmetic,
    conv2d,
    format_number,
    max_pool2d,
    pool_window_trace,
    window_trace,
)
from convcore.padding import pad

X3 = np.arange(9.0).reshape(3, 3)
K2 = np.arange(4.0).reshape(2, 2)


def _torch_conv2d(x, k, stride, padding, dilation, padding_mode="zeros", bias=0.0):
    """PyTorch's conv2d of a 2-D input with a 2-D kernel, any padding form (float64)."""
    trace = window_trace(x.shape, k.shape, stride, padding, dilation)
    (top, bottom), (left, right) = trace.pads
    xt = torch.tensor(x, dtype=torch.float64)[None, None]
    mode = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
            "circular": "circular"}[padding_mode]
    xt = F.pad(xt, (left, right, top, bottom), mode=mode)
    kt = torch.tensor(k, dtype=torch.float64)[None, None]
    bt = torch.tensor([bias], dtype=torch.float64)
    return F.conv2d(xt, kt, bt, stride=stride, dilation=dilation)[0, 0].numpy()


# --------------------------------------------------------------------------- strategies


@st.composite
def conv_settings(draw):
    """A valid 2-D convolution: input, kernel, stride, padding (every form), dilation."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    form = draw(st.sampled_from(["int", "pair", "pairs", "valid", "same", "full"]))
    if form == "same":
        stride = (1, 1)
    padding = {
        "int": draw(st.integers(0, 2)),
        "pair": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        "pairs": ((draw(st.integers(0, 2)), draw(st.integers(0, 2))),
                  (draw(st.integers(0, 2)), draw(st.integers(0, 2)))),
        "valid": "valid", "same": "same", "full": "full",
    }[form]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(span_h, 3), span_h + 6))
    w = draw(st.integers(max(span_w, 3), span_w + 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-4, 5, (h, w)).astype(float)
    k = rng.integers(-3, 4, (kh, kw)).astype(float)
    return x, k, dict(stride=stride, padding=padding, dilation=(dh, dw))


# --------------------------------------------------------------------------- the trace


def test_seed_trace_fields():
    t = window_trace((3, 3), 2)
    assert (t.in_hw, t.kernel_size, t.stride, t.dilation) == ((3, 3), (2, 2), (1, 1), (1, 1))
    assert (t.pads, t.padded_hw, t.out_hw) == (((0, 0), (0, 0)), (3, 3), (2, 2))
    assert t.padded_rows.shape == t.input_cols.shape == t.is_padding.shape == (2, 2, 2, 2)
    assert [tap.input for tap in t.window(1, 0)] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert [tap.kernel for tap in t.window(1, 0)] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert t.steps() == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert not t.is_padding.any()


@settings(max_examples=150, deadline=None)
@given(conv_settings())
def test_gathering_through_the_trace_is_conv2d(case):
    """Σ x_padded[padded_rows, padded_cols]·k over the taps equals conv2d and PyTorch."""
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    gathered = pad(x, t.pads)[t.padded_rows, t.padded_cols]
    out = (gathered * k).sum(axis=(2, 3))
    np.testing.assert_array_equal(out, conv2d(x, k, **kwargs))
    np.testing.assert_array_equal(out, _torch_conv2d(x, k, **kwargs))


@settings(max_examples=150, deadline=None)
@given(conv_settings())
def test_input_coordinates_and_padding_mask_agree(case):
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    (top, _), (left, _) = t.pads
    on_input = t.input_rows >= 0
    np.testing.assert_array_equal(on_input, t.input_cols >= 0)
    np.testing.assert_array_equal(on_input, ~t.is_padding)
    np.testing.assert_array_equal(t.input_rows[on_input], t.padded_rows[on_input] - top)
    np.testing.assert_array_equal(t.input_cols[on_input], t.padded_cols[on_input] - left)
    gathered = x[t.input_rows[on_input], t.input_cols[on_input]]
    np.testing.assert_array_equal(gathered, pad(x, t.pads)[t.padded_rows, t.padded_cols][on_input])
    assert not t.is_overhang.any()


@settings(max_examples=100, deadline=None)
@given(conv_settings())
def test_outputs_fed_by_is_the_inverse_of_window(case):
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    forward = {(i, j, *tap.kernel): tap.input for i, j in t.steps() for tap in t.window(i, j)
               if tap.input is not None}
    backward = {}
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            for feed in t.outputs_fed_by(r, c):
                backward[feed] = (r, c)
    assert backward == forward


@settings(max_examples=100, deadline=None)
@given(conv_settings())
def test_window_box_encloses_its_taps_and_spans_the_dilated_kernel(case):
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    for i, j in t.steps():
        top, left, bottom, right = t.window_box(i, j)
        taps = t.window(i, j)
        assert (top, left) == taps[0].padded
        assert (bottom, right) == taps[-1].padded
        assert (bottom - top + 1, right - left + 1) == t.kernel_span


@settings(max_examples=100, deadline=None)
@given(conv_settings())
def test_unreached_cells_are_those_no_window_tap_lands_on(case):
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    reached = np.zeros(x.shape, dtype=bool)
    on_input = t.input_rows >= 0
    reached[t.input_rows[on_input], t.input_cols[on_input]] = True
    np.testing.assert_array_equal(t.unreached_input_cells(), ~reached)
    fed = np.array([[bool(t.outputs_fed_by(r, c)) for c in range(x.shape[1])]
                    for r in range(x.shape[0])])
    np.testing.assert_array_equal(fed, reached)


@pytest.mark.parametrize(("kwargs", "rows", "cols"), [
    pytest.param(dict(kernel_size=3, stride=2), [7], [7], id="8x8-k3-s2-p0-drops-last"),
    pytest.param(dict(kernel_size=3, stride=1, padding=1), [], [], id="8x8-k3-p1-reaches-all"),
    pytest.param(dict(kernel_size=3, stride=2, padding=1), [], [], id="8x8-k3-s2-p1"),
    pytest.param(dict(kernel_size=(3, 5), stride=(3, 4), padding=(0, 1)), [6, 7], [],
                 id="8x8-k3x5-s3x4-p0x1"),
    pytest.param(dict(kernel_size=2, stride=3, dilation=3), [1, 2, 4, 5, 7], [1, 2, 4, 5, 7],
                 id="8x8-dilation-gaps"),
    pytest.param(dict(kernel_size=5, stride=4), [5, 6, 7], [5, 6, 7], id="8x8-k5-s4"),
])
def test_unreached_input_cells_on_8x8(kwargs, rows, cols):
    mask = window_trace((8, 8), **kwargs).unreached_input_cells()
    expected = np.zeros((8, 8), dtype=bool)
    expected[rows, :] = True
    expected[:, cols] = True
    np.testing.assert_array_equal(mask, expected)


@pytest.mark.parametrize(("padding", "kernel", "pads"), [
    pytest.param("same", 2, ((0, 1), (0, 1)), id="same-even-extra-bottom-right"),
    pytest.param("same", 3, ((1, 1), (1, 1)), id="same-odd"),
    pytest.param("full", (2, 3), ((1, 1), (2, 2)), id="full"),
    pytest.param("valid", 3, ((0, 0), (0, 0)), id="valid"),
    pytest.param(((1, 0), (0, 2)), 2, ((1, 0), (0, 2)), id="asymmetric"),
    pytest.param((1, 2), 3, ((1, 1), (2, 2)), id="per-axis"),
])
def test_padding_forms(padding, kernel, pads):
    t = window_trace((5, 5), kernel, padding=padding)
    assert t.pads == pads
    assert t.padded_hw == (5 + sum(pads[0]), 5 + sum(pads[1]))


def test_padding_taps_on_a_padded_3x3():
    t = window_trace((3, 3), 3, padding=1)
    corner = t.window(0, 0)
    assert [tap.region for tap in corner].count("padding") == 5
    assert corner[0] == ((0, 0), (0, 0), None, "padding")
    assert corner[4] == ((1, 1), (1, 1), (0, 0), "input")
    assert corner[0].is_padding and not corner[4].is_padding
    assert t.is_padding.sum() == 5 * 4 + 3 * 4  # 4 corner windows, 4 edge windows
    np.testing.assert_array_equal(t.input_rows[0, 0], [[-1, -1, -1], [-1, 0, 0], [-1, 1, 1]])


def test_arrays_are_read_only():
    t = window_trace((4, 4), 2)
    for arr in (t.padded_rows, t.padded_cols, t.input_rows, t.input_cols, t.is_padding):
        with pytest.raises(ValueError, match="read-only"):
            arr[0, 0, 0, 0] = 1


def test_pool_trace_marks_the_ceil_overhang():
    t = pool_window_trace((3, 3), 2, ceil_mode=True)
    assert t.out_hw == (2, 2) and t.ceil_mode
    assert [tap.region for tap in t.window(1, 1)] == ["input", "overhang", "overhang",
                                                     "overhang"]
    assert t.is_overhang.sum() == 2 + 2 + 3
    assert not t.is_padding.any()
    assert t.window_box(1, 1) == (2, 2, 3, 3)
    assert WindowTrace.for_pool((3, 3), 2, ceil_mode=True).out_hw == (2, 2)


def test_pool_trace_argmax_matches_max_pool_indices():
    x = np.random.default_rng(5).standard_normal((7, 6))
    t = pool_window_trace(x.shape, 3, stride=2, padding=1, dilation=1, ceil_mode=True)
    _, idx = max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    values = np.where(t.input_rows >= 0, x[t.input_rows, t.input_cols], -np.inf)
    flat = values.reshape(*t.out_hw, -1).argmax(axis=-1)
    rows = np.take_along_axis(t.input_rows.reshape(*t.out_hw, -1), flat[..., None], -1)[..., 0]
    cols = np.take_along_axis(t.input_cols.reshape(*t.out_hw, -1), flat[..., None], -1)[..., 0]
    np.testing.assert_array_equal(rows * x.shape[1] + cols, idx)


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(("i", "j", "text"), [
    pytest.param(0, 0, "0×0 + 1×1 + 3×2 + 4×3 = 19", id="19"),
    pytest.param(0, 1, "1×0 + 2×1 + 4×2 + 5×3 = 25", id="25"),
    pytest.param(1, 0, "3×0 + 4×1 + 6×2 + 7×3 = 37", id="37"),
    pytest.param(1, 1, "4×0 + 5×1 + 7×2 + 8×3 = 43", id="43"),
])
def test_seed_arithmetic_text(i, j, text):
    cell = cell_arithmetic(X3, K2, i, j)
    assert cell.text() == text
    assert cell.total == conv2d(X3, K2)[i, j]
    assert [t.product for t in cell.terms] == [t.value * t.weight for t in cell.terms]


def test_multi_input_seed_56():
    x = np.stack([X3, X3 + 1])
    k = np.stack([K2, K2 + 1])
    cell = cell_arithmetic(x, k, 0, 0)
    assert cell.text() == "(0×0 + 1×1 + 3×2 + 4×3) + (1×1 + 2×2 + 4×3 + 5×4) = 56"
    assert cell.total == conv2d(x, k[None])[0, 0, 0] == 56


@pytest.mark.parametrize(("x", "k", "kwargs", "text"), [
    pytest.param(np.array([[1.0, 0.0]]), np.array([[1.0, -1.0]]), {}, "1×1 + 0×(−1) = 1",
                 id="edge-kernel-negative-in-parentheses"),
    pytest.param(X3, K2, dict(bias=0.5), "0×0 + 1×1 + 3×2 + 4×3 + 0.5 = 19.5", id="bias"),
    pytest.param(X3, K2, dict(bias=-20), "0×0 + 1×1 + 3×2 + 4×3 + (−20) = −1",
                 id="negative-bias-and-result"),
    pytest.param(X3 / 3, np.ones((1, 1)) / 7, {}, "0×0.1429 = 0", id="few-significant-digits"),
    pytest.param(X3, np.ones((2, 2)), dict(padding=1), "0×1 + 0×1 + 0×1 + 0×1 = 0",
                 id="zero-padding-taps"),
])
def test_arithmetic_text_format(x, k, kwargs, text):
    assert cell_arithmetic(x, k, 0, 0, **kwargs).text() == text


@pytest.mark.parametrize(("value", "parenthesize", "text"), [
    (19.0, False, "19"), (-3.0, True, "(−3)"), (-3.0, False, "−3"), (1 / 3, False, "0.3333"),
    (123456.7, False, "1.235e+05"), (np.float32(2.5), False, "2.5"), (-0.0, True, "0"),
    (np.inf, False, "∞"), (-np.inf, True, "(−∞)"), (np.nan, False, "nan"), (7, False, "7"),
])
def test_format_number(value, parenthesize, text):
    assert format_number(value, parenthesize=parenthesize) == text


@settings(max_examples=150, deadline=None)
@given(conv_settings(), st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
       st.integers(-3, 3))
def test_cell_arithmetic_total_equals_conv2d_and_torch(case, padding_mode, bias):
    x, k, kwargs = case
    t = window_trace(x.shape, k.shape, **kwargs)
    if padding_mode in ("reflect", "circular"):  # PyTorch's limits on those modes
        limit = 1 if padding_mode == "reflect" else 0
        assume(all(p <= n - limit for n, pair in zip(x.shape, t.pads, strict=True)
                   for p in pair))
    ours = conv2d(x, k, np.array([bias]), padding_mode=padding_mode, **kwargs)
    ref = _torch_conv2d(x, k, padding_mode=padding_mode, bias=bias, **kwargs)
    for i, j in t.steps():
        cell = cell_arithmetic(x, k, i, j, bias=bias, padding_mode=padding_mode, **kwargs)
        assert cell.total == ours[i, j] == ref[i, j]  # integer data: exact


@settings(max_examples=60, deadline=None)
@given(conv_settings())
def test_cell_arithmetic_on_real_values_agrees_to_rounding(case):
    x, k, kwargs = case
    rng = np.random.default_rng(0)
    x, k = x + rng.standard_normal(x.shape), k * np.pi
    out = conv2d(x, k, **kwargs)
    for i, j in window_trace(x.shape, k.shape, **kwargs).steps():
        cell = cell_arithmetic(x, k, i, j, **kwargs)
        assert cell.total == pytest.approx(out[i, j], rel=1e-12, abs=1e-12)


def test_cell_arithmetic_reflect_padding_names_the_source_cell():
    cell = cell_arithmetic(X3, np.ones((3, 3)), 0, 0, padding=1, padding_mode="reflect")
    corner = cell.terms[0]
    assert corner.is_padding and corner.input is None
    assert corner.source == (1, 1) and corner.value == 4.0
    assert cell.terms[4].source == cell.terms[4].input == (0, 0)
    zero = cell_arithmetic(X3, np.ones((3, 3)), 0, 0, padding=1)
    assert zero.terms[0].source is None and zero.terms[0].value == 0.0


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: window_trace((3, 3), 2).window(2, 0), ValueError, "outside the 2×2",
                 id="output-cell-outside"),
    pytest.param(lambda: window_trace((3, 3), 2).window_box(0, -1), ValueError, "outside",
                 id="negative-output-cell"),
    pytest.param(lambda: window_trace((3, 3), 2).outputs_fed_by(3, 0), ValueError,
                 "outside the 3×3 input", id="input-cell-outside"),
    pytest.param(lambda: window_trace((3, 3), 2).window(0.5, 0), ValueError, "outside",
                 id="non-integer-cell"),
    pytest.param(lambda: window_trace((4, 4), 5), ValueError, "larger than",
                 id="kernel-larger-than-input"),
    pytest.param(lambda: window_trace((8, 8), 3, stride=2, padding="same"), ValueError,
                 "stride 1", id="same-with-stride"),
    pytest.param(lambda: window_trace((3, 3, 3), 2), ValueError, "2-D", id="3-D-size"),
    pytest.param(lambda: window_trace((3, 3), 0), ValueError, "kernel_size", id="zero-kernel"),
    pytest.param(lambda: cell_arithmetic(X3, np.ones((2, 2, 2)), 0, 0), ValueError, "channel",
                 id="channel-mismatch"),
    pytest.param(lambda: cell_arithmetic(X3, K2, 0, 0, padding_mode="mirror"), ValueError,
                 "padding_mode", id="unknown-padding-mode"),
    pytest.param(lambda: cell_arithmetic(X3, K2, 0, 0, bias="1"), TypeError, "bias",
                 id="string-bias"),
    pytest.param(lambda: cell_arithmetic(np.array([["a"]]), K2, 0, 0), TypeError,
                 "real numbers", id="string-input"),
    pytest.param(lambda: cell_arithmetic(X3, K2, 0, 0, padding=3, padding_mode="reflect"),
                 ValueError, "reflect", id="reflect-pad-too-large"),
])
def test_invalid_arguments_raise_helpful_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
