"""Max, average and Lp pooling against PyTorch (float64), the seeds' examples and PyTorch's
edge rules; backward passes against autograd; one-window details against the full output."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcore import (
    avg_pool2d,
    avg_pool2d_backward,
    lp_pool2d,
    max_pool2d,
    max_pool2d_backward,
    pool_window_details,
    pool_window_trace,
)

X3 = np.arange(9.0).reshape(3, 3)
X4 = np.arange(16.0).reshape(4, 4)


# --------------------------------------------------------------------------- torch oracle


def _torch_call(fn, x, *args, grad_output=None, **kwargs):
    """Call a torch pooling function on a numpy array of rank 2, 3 or 4 (float64).

    Returns the output(s) as numpy arrays of the input's rank; with ``grad_output`` also
    the gradient with respect to the input.
    """
    xt = torch.tensor(x, dtype=torch.float64)
    if x.ndim == 2:
        xt = xt[None]  # torch wants (C, H, W) at least
    xt.requires_grad_(grad_output is not None)
    result = fn(xt, *args, **kwargs)
    out = result[0] if isinstance(result, tuple) else result

    def back(t):
        arr = t.detach().numpy()
        return arr[0] if x.ndim == 2 else arr

    outputs = tuple(back(r) for r in result) if isinstance(result, tuple) else back(result)
    if grad_output is None:
        return outputs
    g = torch.tensor(grad_output, dtype=torch.float64).reshape(out.shape)
    out.backward(g)
    return outputs, back(xt.grad)


# --------------------------------------------------------------------------- case tables

SEED_CASES = [
    pytest.param(max_pool2d, X3, dict(kernel_size=2, stride=1), [[4, 5], [7, 8]],
                 id="seed-max-2x2-on-3x3"),
    pytest.param(avg_pool2d, X3, dict(kernel_size=2, stride=1), [[2, 3], [5, 6]],
                 id="seed-avg-2x2-on-3x3"),
    pytest.param(max_pool2d, X4, dict(kernel_size=3), [[10]], id="seed-4x4-window-3"),
    pytest.param(max_pool2d, X4, dict(kernel_size=3, padding=1, stride=2), [[5, 7], [13, 15]],
                 id="seed-4x4-window-3-pad-1-stride-2"),
    pytest.param(max_pool2d, X4, dict(kernel_size=(2, 3), padding=(0, 1), stride=(2, 3)),
                 [[5, 7], [13, 15]], id="seed-4x4-window-2x3-pad-0x1-stride-2x3"),
    pytest.param(max_pool2d, np.stack([X4, X4 + 1]), dict(kernel_size=3, padding=1, stride=2),
                 [[[5, 7], [13, 15]], [[6, 8], [14, 16]]], id="seed-two-channels-pooled-apart"),
    pytest.param(avg_pool2d, np.arange(9.0).reshape(3, 3), dict(kernel_size=2, ceil_mode=True),
                 [[2, 3.5], [6.5, 8]], id="ceil-overhang-not-counted"),
    pytest.param(avg_pool2d, np.ones((3, 3)), dict(kernel_size=3, stride=2, padding=1),
                 [[4 / 9, 4 / 9], [4 / 9, 4 / 9]], id="avg-pads-counted"),
    pytest.param(avg_pool2d, np.ones((3, 3)),
                 dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                 [[1, 1], [1, 1]], id="avg-pads-not-counted"),
    pytest.param(avg_pool2d, X4, dict(kernel_size=2, divisor_override=1),
                 [[10, 18], [42, 50]], id="avg-divisor-override-is-a-window-sum"),
    pytest.param(max_pool2d, np.ones((2, 2)), dict(kernel_size=3, stride=3, ceil_mode=True),
                 [[1]], id="ceil-window-larger-than-input"),
]


@pytest.mark.parametrize(("fn", "x", "kwargs", "expected"), SEED_CASES)
def test_worked_examples(fn, x, kwargs, expected):
    out = fn(x, **kwargs)
    np.testing.assert_array_equal(out, np.array(expected, dtype=float))
    torch_fn = {max_pool2d: F.max_pool2d, avg_pool2d: F.avg_pool2d}[fn]
    np.testing.assert_allclose(out, _torch_call(torch_fn, x, **kwargs), rtol=1e-15)


TORCH_QUIRKS = [
    pytest.param((5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (3, 3),
                 id="ceil-drops-window-starting-in-padding"),
    pytest.param((5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (3, 3),
                 id="ceil-keeps-window-starting-in-input"),
    pytest.param((5, 6), dict(kernel_size=2, ceil_mode=True), (3, 3),
                 id="ceil-adds-partial-row"),
    pytest.param((5, 6), dict(kernel_size=2), (2, 3), id="floor-drops-partial-row"),
    pytest.param((4, 4), dict(kernel_size=2, stride=1, dilation=2, padding=1), (4, 4),
                 id="dilated-with-padding"),
    pytest.param((7, 5), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1),
                              ceil_mode=True), (4, 6), id="rectangular-ceil"),
]


@pytest.mark.parametrize(("hw", "kwargs", "out_hw"), TORCH_QUIRKS)
def test_edge_rules_max_pool_matches_torch(hw, kwargs, out_hw):
    x = np.random.default_rng(0).standard_normal((2, *hw))
    out, idx = max_pool2d(x, **kwargs, return_indices=True)
    ref, ref_idx = _torch_call(F.max_pool2d, x, **kwargs, return_indices=True)
    assert out.shape == (2, *out_hw)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize(("hw", "kwargs", "out_hw"),
                         [c for c in TORCH_QUIRKS if "dilation" not in c.values[1]])
@pytest.mark.parametrize("count_include_pad", [True, False], ids=["pads-count", "pads-not"])
def test_edge_rules_avg_pool_matches_torch(hw, kwargs, out_hw, count_include_pad):
    x = np.random.default_rng(0).standard_normal((2, *hw))
    out = avg_pool2d(x, **kwargs, count_include_pad=count_include_pad)
    ref = _torch_call(F.avg_pool2d, x, **kwargs, count_include_pad=count_include_pad)
    assert out.shape == (2, *out_hw)
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=1e-15)


def test_max_pool_never_picks_padding():
    x = -np.ones((2, 2))  # all negative: a zero pad would win, PyTorch's −∞ pad does not
    out, idx = max_pool2d(x, 2, stride=1, padding=1, return_indices=True)
    np.testing.assert_array_equal(out, -np.ones((3, 3)))
    np.testing.assert_array_equal(idx, [[0, 0, 1], [0, 0, 1], [2, 2, 3]])


def test_max_pool_nan_wins_and_the_last_nan_is_reported():
    x = np.array([[1.0, np.nan], [np.nan, 5.0]])
    out, idx = max_pool2d(x, 2, return_indices=True)
    ref, ref_idx = _torch_call(F.max_pool2d, x, 2, return_indices=True)
    assert np.isnan(out[0, 0]) and np.isnan(ref[0, 0])
    assert idx[0, 0] == ref_idx[0, 0] == 2


def test_max_pool_ties_report_the_first_cell():
    out, idx = max_pool2d(np.full((1, 4, 4), 7.0), 2, return_indices=True)
    np.testing.assert_array_equal(idx, [[[0, 2], [8, 10]]])
    np.testing.assert_array_equal(out, np.full((1, 2, 2), 7.0))


def test_window_of_minus_infinity_reports_first_input_cell_like_torch():
    x = np.full((3, 3), -np.inf)
    out, idx = max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    ref, ref_idx = _torch_call(F.max_pool2d, x, 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)


def test_window_that_misses_the_input_gives_minus_infinity_like_torch():
    """1×1 input, 2×2 window with dilation 2 and padding 1: both taps land on padding."""
    x = np.ones((1, 1))
    kwargs = dict(kernel_size=2, stride=1, padding=1, dilation=2)
    assert _has_window_without_input(x, kwargs)
    out, idx = max_pool2d(x, **kwargs, return_indices=True)
    ref, ref_idx = _torch_call(F.max_pool2d, x, **kwargs, return_indices=True)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(out, [[-np.inf]])
    np.testing.assert_array_equal(idx, ref_idx)  # PyTorch reports a cell past the input
    np.testing.assert_array_equal(max_pool2d_backward(x, np.ones((1, 1)), **kwargs), [[0.0]])


def test_lp_pool_seed_numbers_and_ceil_rescaling():
    out = lp_pool2d(X3, 2, 2, ceil_mode=True)
    # full window: sqrt(0+1+9+16); partial window (2, 5): sqrt((4+25)/2 * 4)
    assert out[0, 0] == pytest.approx(np.sqrt(26.0), rel=1e-15)
    assert out[0, 1] == pytest.approx(np.sqrt((4 + 25) / 2 * 4), rel=1e-15)
    np.testing.assert_allclose(out, _torch_call(F.lp_pool2d, X3, 2, 2, ceil_mode=True),
                               rtol=1e-15)


def test_lp_pool_negative_input_with_fractional_power_is_nan_like_torch():
    x = np.array([[-1.0, 2.0], [3.0, 4.0]])
    assert np.isnan(lp_pool2d(x, 1.5, 2)).all()
    assert np.isnan(_torch_call(F.lp_pool2d, x, 1.5, 2)).all()


# --------------------------------------------------------------------------- ranks, dtypes


@pytest.mark.parametrize("shape", [(6, 6), (3, 6, 6), (2, 3, 6, 6), (0, 3, 6, 6)],
                         ids=["HW", "CHW", "NCHW", "empty-batch"])
@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d], ids=["max", "avg"])
def test_rank_is_kept(shape, fn):
    out = fn(np.zeros(shape), 2)
    assert out.shape == (*shape[:-2], 3, 3)


@pytest.mark.parametrize(("dtype", "expected"), [
    pytest.param(np.float32, np.float32, id="float32-kept"),
    pytest.param(np.float64, np.float64, id="float64-kept"),
    pytest.param(np.int64, np.float64, id="int-to-float64"),
    pytest.param(np.uint8, np.float64, id="uint8-to-float64"),
    pytest.param(np.float16, np.float32, id="float16-to-float32"),
])
@pytest.mark.parametrize("fn", [max_pool2d, avg_pool2d, lambda x, k: lp_pool2d(x, 2, k)],
                         ids=["max", "avg", "lp"])
def test_dtypes(dtype, expected, fn):
    x = np.arange(16).reshape(4, 4).astype(dtype)
    out = fn(x, 2)
    assert out.dtype == expected
    np.testing.assert_allclose(out, fn(np.arange(16.0).reshape(4, 4), 2), rtol=1e-6)


def test_ragged_input_is_refused():
    with pytest.raises(ValueError, match="rectangular"):
        max_pool2d([[1, 2], [3]], 1)


def test_float32_matches_torch_float32():
    x = np.random.default_rng(1).standard_normal((2, 3, 11, 13)).astype(np.float32)
    xt = torch.from_numpy(x)
    np.testing.assert_array_equal(max_pool2d(x, 3, 2, 1), F.max_pool2d(xt, 3, 2, 1).numpy())
    ours = avg_pool2d(x, 3, 2, 1)
    theirs = F.avg_pool2d(xt, 3, 2, 1).numpy()
    assert ours.dtype == np.float32
    # convcore sums a window in two 1-D passes, PyTorch tap by tap in row-major order: in
    # float32 both are within the rounding bound of a 9-term sum, (9 − 1)·eps/2·Σ|x| (plus
    # the division's eps/2), of the exact average — not bitwise equal where terms cancel.
    exact = avg_pool2d(x.astype(np.float64), 3, 2, 1)
    abs_mean = avg_pool2d(np.abs(x).astype(np.float64), 3, 2, 1)
    bound = (8 * 9 / 2 + 1 / 2) * np.finfo(np.float32).eps * abs_mean
    assert np.all(np.abs(ours - exact) <= bound)
    assert np.all(np.abs(theirs - exact) <= bound)


def test_indices_are_int64_flat_into_hw():
    out, idx = max_pool2d(np.arange(2 * 16.0).reshape(2, 4, 4), 2, return_indices=True)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx, [[[5, 7], [13, 15]]] * 2)
    np.testing.assert_array_equal(np.take_along_axis(
        np.arange(32.0).reshape(2, 16), idx.reshape(2, -1), axis=1).reshape(out.shape), out)


# --------------------------------------------------------------------------- properties


@st.composite
def pool_settings(draw, *, dilated: bool, padded: bool = True):
    """A valid pooling configuration (PyTorch's rules) and an input of a random rank."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilated else (1, 1)
    ph, pw = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))) if padded else (0, 0)
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(1, span_h - 2 * ph), span_h - 2 * ph + 9))
    w = draw(st.integers(max(1, span_w - 2 * pw), span_w - 2 * pw + 9))
    lead = draw(st.sampled_from([(), (2,), (2, 3)]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # small integers make ties (first-index rule) likely; the rest random reals
    x = rng.integers(-3, 4, (*lead, h, w)).astype(float) if seed % 2 else \
        rng.standard_normal((*lead, h, w))
    kwargs = dict(kernel_size=(kh, kw), stride=draw(st.sampled_from([None, (sh, sw)])),
                  padding=(ph, pw), ceil_mode=draw(st.booleans()))
    if dilated:
        kwargs["dilation"] = (dh, dw)
    return x, kwargs


def _has_window_without_input(x, kwargs) -> bool:
    """True when dilation gaps let some window miss the input altogether."""
    trace = pool_window_trace(x.shape[-2:], **kwargs)
    return bool((trace.input_rows < 0).all(axis=(2, 3)).any())


@settings(max_examples=150, deadline=None)
@given(pool_settings(dilated=True))
def test_max_pool_values_indices_and_gradient_match_torch(case):
    x, kwargs = case
    assume(not _has_window_without_input(x, kwargs))  # torch's backward aborts on those
    out, idx = max_pool2d(x, **kwargs, return_indices=True)
    g = np.random.default_rng(0).standard_normal(out.shape)
    (ref, ref_idx), ref_grad = _torch_call(F.max_pool2d, x, **kwargs, return_indices=True,
                                           grad_output=g)
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(max_pool2d(x, **kwargs), out)
    np.testing.assert_allclose(max_pool2d_backward(x, g, **kwargs), ref_grad,
                               rtol=1e-13, atol=1e-13)


@settings(max_examples=150, deadline=None)
@given(pool_settings(dilated=False), st.booleans(),
       st.sampled_from([None, 1, 3, -2]))
def test_avg_pool_values_and_gradient_match_torch(case, count_include_pad, divisor_override):
    x, kwargs = case
    kwargs = dict(kwargs, count_include_pad=count_include_pad,
                  divisor_override=divisor_override)
    out = avg_pool2d(x, **kwargs)
    g = np.random.default_rng(0).standard_normal(out.shape)
    ref, ref_grad = _torch_call(F.avg_pool2d, x, **kwargs, grad_output=g)
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(avg_pool2d_backward(x, g, **kwargs), ref_grad,
                               rtol=1e-13, atol=1e-13)


@settings(max_examples=80, deadline=None)
@given(pool_settings(dilated=False, padded=False), st.sampled_from([1, 2, 3, 1.5, -1]))
def test_lp_pool_matches_torch(case, p):
    x, kwargs = case
    x = np.abs(x) + 0.5  # positive, as Lp pooling is meant to be used
    kwargs = {k: v for k, v in kwargs.items() if k != "padding"}
    np.testing.assert_allclose(lp_pool2d(x, p, **kwargs),
                               _torch_call(F.lp_pool2d, x, p, **kwargs), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(pool_settings(dilated=False))
def test_backward_is_adjoint_of_avg_pool(case):
    """<avg_pool(x), g> == <x, avg_pool_backward(g)>: the average is linear."""
    x, kwargs = case
    out = avg_pool2d(x, **kwargs)
    g = np.random.default_rng(3).standard_normal(out.shape)
    lhs = np.vdot(out, g)
    rhs = np.vdot(x, avg_pool2d_backward(x, g, **kwargs))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


def test_max_backward_accumulates_when_a_cell_wins_overlapping_windows():
    x = np.zeros((3, 3))
    x[1, 1] = 9.0
    grad = max_pool2d_backward(x, np.ones((2, 2)), 2, stride=1)
    expected = np.zeros((3, 3))
    expected[1, 1] = 4.0
    np.testing.assert_array_equal(grad, expected)


# --------------------------------------------------------------------------- one window


@pytest.mark.parametrize(("kind", "i", "j", "text"), [
    pytest.param("max", 0, 0, "max(0, 1, 3, 4) = 4", id="max-0-0"),
    pytest.param("max", 1, 1, "max(4, 5, 7, 8) = 8", id="max-1-1"),
    pytest.param("avg", 0, 0, "(0+1+3+4)/4 = 2", id="avg-0-0"),
    pytest.param("avg", 1, 0, "(3+4+6+7)/4 = 5", id="avg-1-0"),
    pytest.param("lp", 0, 0, "(0^2+1^2+3^2+4^2)^(1/2) = 5.099", id="lp-0-0"),
])
def test_window_details_text_for_the_seed(kind, i, j, text):
    details = pool_window_details(X3, i, j, kind, kernel_size=2, stride=1)
    assert details.text() == text


def test_window_details_max_names_the_winner_like_return_indices():
    x = np.array([[1.0, 9.0, 9.0], [0.0, 2.0, 3.0], [5.0, 1.0, 0.0]])
    details = pool_window_details(x, 0, 0, "max", kernel_size=2, stride=1)
    assert details.winner == (0, 1)
    assert details.winner_index == max_pool2d(x, 2, 1, return_indices=True)[1][0, 0] == 1


def test_window_details_avg_with_padding_shows_counted_zeros_and_divisor():
    details = pool_window_details(X3, 0, 0, "avg", kernel_size=3, stride=2, padding=1)
    assert details.text() == "(0+0+0+0+0+1+0+3+4)/9 = 0.8889"
    assert [c.tap.region for c in details.cells].count("padding") == 5
    not_counted = pool_window_details(X3, 0, 0, "avg", kernel_size=3, stride=2, padding=1,
                                      count_include_pad=False)
    assert not_counted.text() == "(0+1+3+4)/4 = 2"


def test_window_details_ceil_overhang_is_shown_but_never_counted():
    details = pool_window_details(X3, 0, 1, "avg", kernel_size=2, ceil_mode=True)
    assert details.text() == "(2+5)/2 = 3.5"
    regions = [c.tap.region for c in details.cells]
    assert regions == ["input", "overhang", "input", "overhang"]
    assert [c.value for c in details.cells] == [2.0, None, 5.0, None]
    lp = pool_window_details(X3, 0, 1, "lp", kernel_size=2, ceil_mode=True, norm_type=2)
    assert lp.text() == "((2^2+5^2)×4/2)^(1/2) = 7.616"


def test_window_details_negative_values_in_parentheses():
    x = np.array([[-1.0, -2.0], [-3.0, -4.5]])
    assert pool_window_details(x, 0, 0, "max", 2).text() == "max((−1), (−2), (−3), (−4.5)) = −1"
    assert pool_window_details(x, 0, 0, "avg", 2).text() == "((−1)+(−2)+(−3)+(−4.5))/4 = −2.625"


@settings(max_examples=60, deadline=None)
@given(pool_settings(dilated=True), st.sampled_from(["max", "avg", "lp"]), st.booleans(),
       st.sampled_from([np.float64, np.float32]))
def test_window_details_result_equals_pool_output_exactly(case, kind, count_pad, dtype):
    x, kwargs = case
    x2d = x.reshape(-1, *x.shape[-2:])[0].astype(dtype)
    if kind == "max":
        out = max_pool2d(x2d, **kwargs)
        extra = {}
    elif kind == "avg":
        kwargs = {k: v for k, v in kwargs.items() if k != "dilation"}
        extra = dict(count_include_pad=count_pad)
        out = avg_pool2d(x2d, **kwargs, **extra)
    else:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("dilation", "padding")}
        if any(k > n for k, n in zip(kwargs["kernel_size"], x2d.shape, strict=True)):
            x2d = np.ones(kwargs["kernel_size"], dtype=dtype)  # Lp pooling has no padding
        x2d = np.abs(x2d)
        extra = dict(norm_type=3)
        out = lp_pool2d(x2d, 3, **kwargs)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            details = pool_window_details(x2d, i, j, kind, **kwargs, **extra)
            assert details.result == out[i, j]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: max_pool2d(X4, 3, padding=2), ValueError, "more than half",
                 id="padding-over-half"),
    pytest.param(lambda: max_pool2d(X4, (2, 3), stride=(2, 3), padding=(1, 2)), ValueError,
                 "more than half", id="mxnet-seed-padding-refused-by-torch"),
    pytest.param(lambda: max_pool2d(np.zeros((5, 5)), 3, stride=1, padding=2, dilation=2),
                 ValueError, "more than half", id="padding-over-half-kernel-despite-dilation"),
    pytest.param(lambda: max_pool2d(np.zeros((2, 2)), 3), ValueError, "larger than",
                 id="window-larger-than-input"),
    pytest.param(lambda: avg_pool2d(X4, 2, stride=0), ValueError, "stride",
                 id="zero-stride"),
    pytest.param(lambda: max_pool2d(X4, 0), ValueError, "kernel_size", id="zero-kernel"),
    pytest.param(lambda: max_pool2d(X4, 2.5), TypeError, "kernel_size", id="float-kernel"),
    pytest.param(lambda: max_pool2d(X4, float("nan")), ValueError, "NaN", id="nan-kernel"),
    pytest.param(lambda: max_pool2d(X4, 2, padding="same"), ValueError, "number",
                 id="string-padding"),
    pytest.param(lambda: max_pool2d(np.zeros(5), 2), ValueError, "2-D", id="1-D-input"),
    pytest.param(lambda: max_pool2d(np.zeros((1, 1, 1, 4, 4)), 2), ValueError, "4-D",
                 id="5-D-input"),
    pytest.param(lambda: max_pool2d(np.zeros((1, 0, 4, 4)), 2), ValueError, "empty",
                 id="no-channels"),
    pytest.param(lambda: max_pool2d(np.array([["a", "b"], ["c", "d"]]), 1), TypeError,
                 "numbers", id="strings"),
    pytest.param(lambda: avg_pool2d(np.ones((2, 2)) * 1j, 1), TypeError, "complex",
                 id="complex"),
    pytest.param(lambda: avg_pool2d(X4, 2, divisor_override=0), ValueError, "zero",
                 id="zero-divisor"),
    pytest.param(lambda: avg_pool2d(X4, 2, divisor_override=1.5), TypeError, "integer",
                 id="float-divisor"),
    pytest.param(lambda: lp_pool2d(X4, 0, 2), ValueError, "non-zero", id="lp-zero-power"),
    pytest.param(lambda: lp_pool2d(X4, float("inf"), 2), ValueError, "max pooling",
                 id="lp-infinite-power"),
    pytest.param(lambda: lp_pool2d(X4, "2", 2), TypeError, "norm_type", id="lp-string-power"),
    pytest.param(lambda: max_pool2d_backward(X4, np.ones((3, 3)), 2), ValueError,
                 "grad_output", id="grad-wrong-shape"),
    pytest.param(lambda: avg_pool2d_backward(X4, np.ones((1, 2, 2)), 2), ValueError,
                 "grad_output", id="grad-wrong-rank-planes"),
    pytest.param(lambda: max_pool2d(X4, 2, ceil_mode="yes"), TypeError, "ceil_mode",
                 id="ceil-mode-not-bool"),
    pytest.param(lambda: pool_window_details(X4, 0, 0, "median"), ValueError, "kind",
                 id="details-unknown-kind"),
    pytest.param(lambda: pool_window_details(X4, 2, 0, "max", 2), ValueError, "outside",
                 id="details-cell-outside"),
    pytest.param(lambda: pool_window_details(X4, 0, 0, "avg", 2, dilation=2), ValueError,
                 "dilation", id="details-avg-dilation"),
    pytest.param(lambda: pool_window_details(X4, 0, 0, "lp", 2, padding=1), ValueError,
                 "padding", id="details-lp-padding"),
])
def test_invalid_arguments_raise_helpful_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_padding_rules_agree_with_torch():
    """Where convcore refuses a padding, PyTorch does too, and the other way round."""
    x = np.zeros((1, 9, 9))
    for k in range(1, 5):
        for d in range(1, 4):
            for p in range(0, 4):
                try:
                    F.max_pool2d(torch.zeros(1, 9, 9), k, 1, p, d)
                    torch_ok = True
                except RuntimeError:
                    torch_ok = False
                try:
                    max_pool2d(x, k, 1, p, d)
                    ours_ok = True
                except ValueError:
                    ours_ok = False
                assert ours_ok == torch_ok, (k, d, p)
