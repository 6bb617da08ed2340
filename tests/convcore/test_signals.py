"""1-D signals: convolution vs cross-correlation, presets, the causal sensor smoother, the
dilated causal stack and the generated data — against NumPy and PyTorch float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore import conv1d, gaussian_kernel
from convcore.signals import (
    KERNEL_1D_NAMES,
    causal_smooth,
    causal_stack_forward,
    causal_weights,
    chirp,
    convolve1d,
    correlate1d,
    daily_temperatures,
    dilated_causal_stack,
    kernel_1d,
    ngram_detector,
    noisy_sensor,
    one_hot_text,
)
from convcore.stack import ConvLayer, receptive_field_growth

signals = st.lists(st.integers(-5, 5).map(float), min_size=1, max_size=12)


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))


# --------------------------------------------------------------------------- the flip


@given(signals, signals)
def test_convolution_is_commutative_and_equals_np_convolve(f, g):
    np.testing.assert_array_equal(convolve1d(f, g), np.convolve(f, g))
    np.testing.assert_array_equal(convolve1d(f, g), convolve1d(g, f))


@given(signals, signals, st.sampled_from(["full", "valid"]))
def test_correlation_is_convolution_with_the_kernel_reversed(x, k, mode):
    if mode == "valid" and len(k) > len(x):
        x, k = k, x
    np.testing.assert_array_equal(correlate1d(x, k, mode), convolve1d(x, k[::-1], mode))
    np.testing.assert_array_equal(correlate1d(x, k, mode), np.correlate(x, k, mode))
    pad = len(k) - 1 if mode == "full" else 0
    theirs = F.conv1d(_t(x)[None, None], _t(k)[None, None], padding=pad)[0, 0].numpy()
    np.testing.assert_array_equal(correlate1d(x, k, mode), theirs)


def test_correlation_is_not_commutative_but_symmetric_kernels_agree():
    x, k = [1.0, 2.0, 3.0], [0.0, 1.0, 0.5]
    assert not np.array_equal(correlate1d(x, k), correlate1d(k, x))
    for name in ("moving average", "second difference", "gaussian"):
        kernel = kernel_1d(name, size=5)
        np.testing.assert_allclose(correlate1d(x, kernel, "same"),
                                   convolve1d(x, kernel, "same"), rtol=0, atol=1e-15)
    diff = kernel_1d("difference")
    np.testing.assert_array_equal(correlate1d(x, diff, "valid"),
                                  -convolve1d(x, diff, "valid"))


# --------------------------------------------------------------------------- presets


PRESET_CASES = [
    pytest.param("moving average", 4, [0.25, 0.25, 0.25, 0.25], id="moving-average"),
    pytest.param("difference", 9, [1, -1], id="difference"),
    pytest.param("second difference", 9, [1, -2, 1], id="second-difference"),
]


@pytest.mark.parametrize(("name", "size", "expected"), PRESET_CASES)
def test_presets(name, size, expected):
    np.testing.assert_array_equal(kernel_1d(name, size=size), expected)


def test_gaussian_preset_is_the_row_of_the_2d_gaussian():
    row = kernel_1d("gaussian", size=7, sigma=1.5)
    assert row.sum() == pytest.approx(1.0) and np.array_equal(row, row[::-1])
    np.testing.assert_allclose(np.outer(row, row), gaussian_kernel(7, 1.5), rtol=1e-14)


def test_difference_kernels_on_a_parabola():
    x = np.arange(8.0) ** 2
    np.testing.assert_array_equal(correlate1d(x, kernel_1d("difference"), "valid"),
                                  -(2 * np.arange(7) + 1))
    np.testing.assert_array_equal(correlate1d(x, kernel_1d("second difference"), "valid"),
                                  np.full(6, 2.0))
    assert len(KERNEL_1D_NAMES) == 4


# --------------------------------------------------------------------------- the sensor


def test_sensor_is_seeded_and_smoothing_reduces_the_error():
    true, measured = noisy_sensor(200, seed=3)
    again = noisy_sensor(200, seed=3)[1]
    np.testing.assert_array_equal(measured, again)
    assert not np.array_equal(measured, noisy_sensor(200, seed=4)[1])
    smooth = causal_smooth(measured, causal_weights(6, 0.7))
    # after the first few readings (zero padding before the start), smoothing helps
    error_raw = np.abs(measured - true)[10:].mean()
    error_smooth = np.abs(smooth - true)[10:].mean()
    assert error_smooth < 0.8 * error_raw


@settings(max_examples=30, deadline=None)
@given(signals, st.integers(1, 6), st.floats(0.1, 1.0))
def test_causal_smooth_equals_np_convolve_and_torch_and_ignores_the_future(x, n, decay):
    w = causal_weights(n, decay)
    expected = np.convolve(x, w)[:len(x)]
    np.testing.assert_allclose(causal_smooth(x, w), expected, rtol=1e-13, atol=1e-13)
    theirs = F.conv1d(F.pad(_t(x)[None, None], (n - 1, 0)), _t(w[::-1].copy())[None, None])
    np.testing.assert_allclose(causal_smooth(x, w), theirs[0, 0].numpy(), rtol=1e-13,
                               atol=1e-13)
    changed = np.array(x)
    changed[len(x) // 2 + 1:] += 100
    cut = len(x) // 2 + 1
    np.testing.assert_array_equal(causal_smooth(changed, w)[:cut], causal_smooth(x, w)[:cut])


def test_causal_weights_favour_recent_readings():
    w = causal_weights(5, 0.5)
    assert w.sum() == pytest.approx(1.0) and np.all(np.diff(w) < 0)
    with pytest.raises(ValueError, match="decay must be at most 1"):
        causal_weights(5, 1.5)


# --------------------------------------------------------------------------- dilated stack


STACK_CASES = [
    pytest.param(2, None, 4, [2, 4, 8, 16], id="k2-doubling"),
    pytest.param(3, None, 3, [3, 7, 15], id="k3-doubling"),
    pytest.param(2, [1, 1, 1], 3, [2, 3, 4], id="undilated-grows-by-one"),
]


@pytest.mark.parametrize(("k", "dilations", "layers", "fields"), STACK_CASES)
def test_dilated_causal_stack_fields(k, dilations, layers, fields):
    rows = dilated_causal_stack(40, layers, k, dilations)
    assert [r.receptive_field for r in rows] == fields
    assert all(r.out_length == r.in_length == 40 for r in rows)
    assert [r.pads for r in rows] == [((k - 1) * r.dilation, 0) for r in rows]
    two_d = receptive_field_growth([ConvLayer((1, k), 1, ((0, 0), r.pads), (1, r.dilation))
                                    for r in rows])
    assert [f.size[1] for f in two_d] == fields


@pytest.mark.parametrize("k", [2, 3])
def test_causal_stack_forward_equals_torch_and_sees_its_receptive_field(k):
    rng = np.random.default_rng(k)
    rows = dilated_causal_stack(32, 4, k)
    dilations = [r.dilation for r in rows]
    weights = [rng.standard_normal((2, 1 if i == 0 else 2, k)) for i in range(4)]
    x = rng.standard_normal((1, 32))
    outputs = causal_stack_forward(x, weights, dilations)
    xt = _t(x)[None].requires_grad_(True)
    out = xt
    for ours, w, d in zip(outputs, weights, dilations, strict=True):
        out = F.conv1d(F.pad(out, ((k - 1) * d, 0)), _t(w), dilation=d)
        np.testing.assert_allclose(ours, out[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    # the last output sample depends on exactly the last `receptive_field` inputs
    out[0, 0, -1].backward()
    seen = np.flatnonzero(xt.grad[0, 0].numpy())
    field = rows[-1].receptive_field
    assert seen.min() == 32 - field and seen.max() == 31
    assert [o.shape for o in outputs] == [(2, 32)] * 4


def test_causal_stack_forward_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one weight per dilation"):
        causal_stack_forward(np.zeros(8), [np.ones(2)], [1, 2])


# --------------------------------------------------------------------------- data


def test_daily_temperatures_are_seeded_seasonal_and_smoothing_recovers_the_season():
    temps = daily_temperatures(seed=1)
    assert temps.shape == (365,)
    np.testing.assert_array_equal(temps, daily_temperatures(seed=1))
    assert temps[:30].mean() < temps[180:210].mean()  # winter colder than summer
    smooth = correlate1d(temps, kernel_1d("moving average", 15), "same")
    season = 11.0 - 9.0 * np.cos(2 * np.pi * (np.arange(365) - 15) / 365.0)
    inner = slice(10, -10)
    assert np.abs(smooth - season)[inner].std() < 0.5 * np.abs(temps - season)[inner].std()


def test_chirp_frequency_rises():
    t, s = chirp(2000, f0=1.0, f1=20.0, duration=2.0)
    crossings = np.flatnonzero(np.diff(np.signbit(s)))
    first, second = np.sum(crossings < 1000), np.sum(crossings >= 1000)
    assert second > 2 * first
    assert t[1] - t[0] == pytest.approx(1e-3)
    noisy = chirp(100, seed=2, noise=0.1)[1]
    np.testing.assert_array_equal(noisy, chirp(100, seed=2, noise=0.1)[1])


NGRAM_CASES = [
    pytest.param("the cat sat on the mat", "at", id="bigram-at"),
    pytest.param("the cat sat on the mat", "the", id="trigram-the"),
    pytest.param("banana", "ana", id="overlapping"),
    pytest.param("convolution", "ol", id="bigram-ol"),
]


@pytest.mark.parametrize(("text", "ngram"), NGRAM_CASES)
def test_ngram_detector_fires_exactly_where_the_ngram_starts(text, ngram):
    x, alphabet = one_hot_text(text, "abcdefghijklmnopqrstuvwxyz ")
    assert x.shape == (27, len(text)) and np.array_equal(x.sum(axis=0), np.ones(len(text)))
    weight, bias = ngram_detector(ngram, alphabet)
    out = conv1d(x, weight, bias)[0]
    theirs = F.conv1d(_t(x)[None], _t(weight), _t(bias))[0, 0].numpy()
    np.testing.assert_array_equal(out, theirs)
    starts = [i for i in range(len(text)) if text.startswith(ngram, i)]
    assert np.flatnonzero(out > 0).tolist() == starts
    assert np.all(out[starts] == 1) and np.all(np.delete(out, starts) <= 0)


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: one_hot_text("Hi", "hi"), ValueError, "outside the alphabet",
                 id="alphabet"),
    pytest.param(lambda: ngram_detector("z", "ab"), ValueError, "outside the alphabet",
                 id="ngram"),
    pytest.param(lambda: kernel_1d("sharpen"), ValueError, "no 1-D kernel preset",
                 id="preset-name"),
    pytest.param(lambda: kernel_1d("gaussian", 4), ValueError, "odd size", id="even-gaussian"),
    pytest.param(lambda: correlate1d([1, 2], [1], "circular"), ValueError, "mode",
                 id="mode"),
    pytest.param(lambda: correlate1d([[1, 2]], [1]), ValueError, "1-D", id="rank"),
    pytest.param(lambda: noisy_sensor(10, noise=0), ValueError, "noise", id="noise"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
