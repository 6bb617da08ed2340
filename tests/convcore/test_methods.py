"""conv2d's methods (direct, im2col, FFT, separable) and the pieces convcore.methods shows."""

import subprocess
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import (
    METHOD_REASONS,
    MethodTiming,
    choose_method,
    conv2d,
    fft_steps,
    gaussian_kernel,
    get_kernel,
    im2col,
    im2col_cost,
    multiply_adds,
    separable_analysis,
    time_methods,
)
from convcore import conv as conv_module
from tests.convcore.cases import conv_problems, torch_conv

TIGHT = {"rtol": 1e-10, "atol": 1e-10}
SOBEL_X = get_kernel("sobel_x").array


def _close_relative(out, expected, rtol):
    """``|out − expected| ≤ rtol · max|expected|`` everywhere (relative to the result's scale)."""
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(out, expected, rtol=0, atol=rtol * scale)


# --------------------------------------------------------------------------- conv2d(method=)


@settings(max_examples=120, deadline=None)
@given(conv_problems(ndim=2), st.sampled_from(["direct", "im2col", "fft"]))
def test_each_method_equals_pytorch(problem, method):
    out = conv2d(**problem, method=method)
    expected = torch_conv(**problem, ndim=2)
    assert out.shape == expected.shape
    if method == "fft":
        _close_relative(out, expected, 1e-9)
    else:
        np.testing.assert_allclose(out, expected, **TIGHT)


def _rank_one(weight):
    """Every kernel plane made an outer product of its first column and first row."""
    return weight[..., :, :1] * weight[..., :1, :]


@settings(max_examples=120, deadline=None)
@given(conv_problems(ndim=2))
def test_separable_method_equals_pytorch_for_rank_one_kernels(problem):
    problem = dict(problem, weight=_rank_one(problem["weight"]))
    out = conv2d(**problem, method="separable")
    np.testing.assert_allclose(out, torch_conv(**problem, ndim=2), **TIGHT)


@pytest.mark.parametrize("method", ["direct", "im2col", "separable"])
def test_integer_sobel_stays_exact(method):
    x = np.arange(48.0).reshape(6, 8) ** 2
    expected = torch_conv(x, SOBEL_X, padding=1)
    np.testing.assert_array_equal(conv2d(x, SOBEL_X, padding=1, method=method), expected)


NOT_SEPARABLE = [
    pytest.param(np.ones((5, 5)), np.array([[1.0, 2.0], [3.0, 4.0]]),
                 r"2×2 kernel is not separable: its rank is 2", id="plain-rank-2"),
    pytest.param(np.ones((5, 5)), np.eye(3), r"rank is 3 \(singular values 1, 1, 1\)",
                 id="identity-rank-3"),
    pytest.param(np.ones((2, 5, 5)), np.stack([np.ones((1, 3, 3)), np.eye(3)[None]])
                 .reshape(1, 2, 3, 3), r"kernel \(weight\[0, 1\]\) is not separable",
                 id="second-plane-named"),
    pytest.param(np.ones((5, 5)), np.array([[1.0, np.nan], [1.0, 1.0]]), "NaN or infinity",
                 id="nan-kernel"),
]


@pytest.mark.parametrize(("x", "weight", "message"), NOT_SEPARABLE)
def test_separable_refuses_a_kernel_that_is_not_an_outer_product(x, weight, message):
    with pytest.raises(ValueError, match="method='separable' needs a kernel that is an outer"):
        conv2d(x, weight, method="separable")
    with pytest.raises(ValueError, match=message):
        conv2d(x, weight, method="separable")


@pytest.mark.parametrize("method", ["Fast", "", None, "FFT", 3])
def test_unknown_method_is_refused(method):
    with pytest.raises(ValueError, match="method must be one of 'auto', 'direct'"):
        conv2d(np.ones((3, 3)), np.ones((2, 2)), method=method)


# --------------------------------------------------------------------------- choose_method

RNG = np.random.default_rng(7)
ROUGH_11 = RNG.random((11, 11))
CHOICES = [
    pytest.param((28, 28), np.ones((3, 3)), {}, "im2col", "small-output", id="mnist-3x3"),
    pytest.param((256, 256), RNG.random((3, 3)), {"padding": 1}, "im2col", "small-kernel",
                 id="large-3x3"),
    pytest.param((256, 256), gaussian_kernel(15, 3.0), {"padding": 7}, "separable",
                 "separable-kernel", id="gaussian-15"),
    pytest.param((256, 256), RNG.random((9, 9)), {"padding": 4}, "im2col", "medium-kernel",
                 id="random-9x9"),
    pytest.param((256, 256), ROUGH_11, {"padding": 5}, "fft", "large-kernel",
                 id="random-11x11"),
    pytest.param((600, 600), ROUGH_11, {"padding": 5, "stride": 2}, "im2col", "strided",
                 id="random-11x11-stride-2"),
    pytest.param((1, 5, 256, 256), RNG.random((4, 5, 11, 11)), {"padding": 5}, "im2col",
                 "many-channels", id="20-channel-pairs"),
    pytest.param((256, 256), np.where(np.eye(11) > 0, np.inf, ROUGH_11), {"padding": 5},
                 "im2col", "not-finite", id="infinite-kernel"),
]


@pytest.mark.parametrize(("shape", "weight", "kwargs", "method", "reason"), CHOICES)
def test_choose_method_says_what_auto_runs(monkeypatch, shape, weight, kwargs, method, reason):
    choice = choose_method(shape, weight, **kwargs)
    assert (choice.method, choice.reason) == (method, reason)
    assert choice.explanation.endswith(".") and len(choice.explanation) > 40
    calls = []
    for name in ("_correlate_separable", "_correlate_fft"):
        original = getattr(conv_module, name)
        monkeypatch.setattr(conv_module, name,
                            lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    x = np.random.default_rng(0).random(shape)
    with np.errstate(invalid="ignore"):  # the infinite kernel meets zero padding: inf·0
        conv2d(x, weight, **kwargs)
    ran = {"_correlate_separable": "separable", "_correlate_fft": "fft"}
    assert [ran[c] for c in calls] == ([] if method == "im2col" else [method])


def test_choose_method_explanations_carry_the_case_numbers():
    assert "15 + 15" in choose_method((256, 256), gaussian_kernel(15, 3.0),
                                      padding=7).explanation
    assert "784" in choose_method((30, 30), np.ones((3, 3))).explanation  # 28×28 output
    assert set(METHOD_REASONS) == {c.values[4] for c in CHOICES} | {"small-output"}


def test_choose_method_reads_values_of_an_input_array():
    x = np.random.default_rng(0).random((256, 256))
    x[5, 5] = np.nan
    assert choose_method(x, ROUGH_11, padding=5).reason == "not-finite"
    assert choose_method(x.shape, ROUGH_11, padding=5).reason == "large-kernel"


# --------------------------------------------------------------------------- im2col


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_im2col_is_torch_unfold_transposed(channels, kh, kw, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    h = dilation * (kh - 1) + 1 + rng.integers(0, 6)
    w = dilation * (kw - 1) + 1 + rng.integers(0, 6)
    x = rng.standard_normal((channels, h, w))
    patches = im2col(x, (kh, kw), stride, padding, dilation)
    unfolded = F.unfold(torch.from_numpy(x)[None], (kh, kw), dilation, padding, stride)
    np.testing.assert_array_equal(patches, unfolded[0].numpy().T)
    weight = rng.standard_normal((5, channels, kh, kw))  # five output channels at once
    out = patches @ weight.reshape(5, -1).T
    expected = conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(out.T.reshape(expected.shape), expected, **TIGHT)


def test_im2col_rows_are_output_cells_columns_are_taps():
    x = np.arange(12.0).reshape(3, 4)
    patches = im2col(x, 2)
    assert patches.shape == (2 * 3, 4)
    np.testing.assert_array_equal(patches[4], [5, 6, 9, 10])  # output cell (1, 1)
    np.testing.assert_array_equal(patches @ SEED_K.ravel(), conv2d(x, SEED_K).ravel())


SEED_K = np.array([[0.0, 1.0], [2.0, 3.0]])


def test_im2col_cost_is_about_k_squared_times_the_input():
    cost = im2col_cost((1000, 1000), 5, padding=2)
    assert (cost.rows, cost.columns) == (1_000_000, 25)
    assert cost.bytes == 1_000_000 * 25 * 8 and cost.input_bytes == 8_000_000
    assert cost.expansion == 25
    assert im2col_cost((3, 10, 10), 3, stride=2, itemsize=4).columns == 27


def test_im2col_refuses_a_matrix_over_the_limit():
    with pytest.raises(ValueError, match=r"would have 4,000,000 rows × 9 columns = 274\.7 MiB "
                                         r"\(9\.0× the input's 30\.5 MiB\), more than the"):
        im2col(np.zeros((2000, 2000)), 3, padding=1)
    with pytest.raises(ValueError, match=r"more than the 0\.0 MiB allowed"):
        im2col(np.zeros((4, 4)), 2, max_bytes=10)


# --------------------------------------------------------------------------- FFT


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from([0, 1, "same", "full"]), st.integers(0, 2**32 - 1))
def test_fft_steps_padded_equals_direct_and_unpadded_is_circular(h, w, kh, kw, padding, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    steps = fft_steps(x, k, padding)
    direct = torch_conv(x, k, padding=padding)
    _close_relative(steps.result, direct, 1e-9)
    assert steps.max_imaginary < 1e-9 * max(1.0, np.abs(direct).max())
    np.testing.assert_allclose(steps.product, steps.image_spectrum * steps.kernel_spectrum)
    np.testing.assert_allclose(steps.image_log_magnitude,
                               np.fft.fftshift(np.log1p(np.abs(steps.image_spectrum))))
    assert steps.kernel_log_magnitude.shape == steps.fft_shape
    # Without padding: circular correlation, by convcore's circular padding and by np.roll.
    circular_pad = conv2d(x, k, padding=((0, kh - 1), (0, kw - 1)), padding_mode="circular")
    rolled = sum(k[a, b] * np.roll(x, (-a, -b), axis=(0, 1))
                 for a in range(kh) for b in range(kw))
    _close_relative(steps.circular, circular_pad, 1e-9)
    _close_relative(steps.circular, rolled, 1e-9)
    # It differs from the linear result only where a window wraps round.
    _close_relative(steps.circular_error[~steps.wraps], np.zeros((~steps.wraps).sum()), 1e-9)
    assert steps.wraps.sum() == h * w - (h - kh + 1) * (w - kw + 1)


def test_fft_wraparound_shows_in_the_wrapping_cells():
    x = np.zeros((6, 6))
    x[0, :] = 1.0  # a bright top row: wrapped windows at the bottom read it
    steps = fft_steps(x, np.ones((3, 3)))
    assert np.allclose(steps.circular_error[4:, :], 3.0)
    assert np.allclose(steps.circular_error[:4, :4], 0.0)


@pytest.mark.parametrize(("x", "k", "message"), [
    pytest.param(np.ones((3, 3)), np.ones((4, 2)), "4×2 kernel is larger than the 3×3 image",
                 id="kernel-too-tall"),
    pytest.param(np.ones((1100, 1000)), np.ones((3, 3)), "FFT grid would be 1102×1002",
                 id="grid-too-large"),
    pytest.param(np.ones((2, 3, 3)), np.ones((2, 2)), "2-D image", id="three-d-image"),
])
def test_fft_steps_refuses(x, k, message):
    with pytest.raises(ValueError, match=message):
        fft_steps(x, k)


# --------------------------------------------------------------------------- separable


@pytest.mark.parametrize(("name", "column", "row"), [
    pytest.param("sobel_x", [1, 2, 1], [-1, 0, 1], id="sobel-x"),
    pytest.param("sobel_y", [-1, 0, 1], [1, 2, 1], id="sobel-y"),
])
def test_sobel_is_the_outer_product_of_smoothing_and_difference(name, column, row):
    analysis = separable_analysis(get_kernel(name).array)
    assert analysis.rank == 1 and analysis.separable
    scale = analysis.column[np.argmax(np.abs(analysis.column))] / max(column, key=abs)
    np.testing.assert_allclose(analysis.column, scale * np.array(column))
    np.testing.assert_allclose(analysis.row, np.array(row) / scale)
    np.testing.assert_array_equal(np.outer(analysis.column, analysis.row),
                                  get_kernel(name).array)
    assert (analysis.taps, analysis.separable_taps) == (9, 6)


@pytest.mark.parametrize(("kernel", "rank"), [
    pytest.param(np.ones((5, 5)), 1, id="box"),
    pytest.param(gaussian_kernel(7, 1.5), 1, id="gaussian"),
    pytest.param(np.zeros((3, 3)), 0, id="zero"),
    pytest.param(get_kernel("laplacian_4").array, 2, id="laplacian-4"),
    pytest.param(np.eye(4), 4, id="identity"),
])
def test_rank_of_preset_kernels(kernel, rank):
    analysis = separable_analysis(kernel)
    assert analysis.rank == rank
    assert analysis.separable == (rank <= 1)
    if rank <= 1:
        np.testing.assert_allclose(np.outer(analysis.column, analysis.row), kernel, atol=1e-15)
    else:
        assert analysis.column is None and analysis.row is None


def test_rank_tolerance_decides_what_counts_as_zero():
    rng = np.random.default_rng(3)
    nearly = np.outer(rng.random(5), rng.random(5)) + 1e-10 * rng.standard_normal((5, 5))
    assert separable_analysis(nearly).rank == 5
    loose = separable_analysis(nearly, rtol=1e-6)
    assert loose.rank == 1 and loose.separable
    np.testing.assert_allclose(np.outer(loose.column, loose.row), nearly, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(0, 2**32 - 1))
def test_best_low_rank_errors_are_the_next_singular_values(kh, kw, seed):
    rng = np.random.default_rng(seed)
    kernel = rng.standard_normal((kh, kw))
    analysis = separable_analysis(kernel)
    s = analysis.singular_values
    for approx in analysis.approximations:
        r = approx.rank
        residual = kernel - approx.kernel
        assert np.linalg.matrix_rank(approx.kernel) <= r
        expected_spectral = s[r] if r < len(s) else 0.0
        np.testing.assert_allclose(np.linalg.norm(residual, 2), expected_spectral, atol=1e-12)
        np.testing.assert_allclose(approx.spectral_error, expected_spectral, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(residual, "fro"),
                                   np.sqrt(np.sum(s[r:] ** 2)), atol=1e-12)
        np.testing.assert_allclose(approx.frobenius_error, np.sqrt(np.sum(s[r:] ** 2)),
                                   atol=1e-12)
        assert approx.passes == 2 * r
    rival = np.outer(rng.standard_normal(kh), rng.standard_normal(kw))  # any other rank 1
    assert np.linalg.norm(kernel - rival) >= analysis.approximations[0].frobenius_error - 1e-12


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(("args", "kwargs", "loop", "separable"), [
    pytest.param(((100, 100), 3), {"padding": 1}, 90_000, 102 * 100 * 3 + 100 * 100 * 3,
                 id="100x100-3x3-same"),
    pytest.param(((28, 28), 5), {}, 24 * 24 * 25, 28 * 24 * 5 + 24 * 24 * 5, id="28x28-5x5"),
    pytest.param(((32, 32), 3), {"in_channels": 3, "out_channels": 64, "padding": 1},
                 32 * 32 * 9 * 3 * 64, 3 * 64 * (34 * 32 * 3 + 32 * 32 * 3), id="rgb-to-64"),
])
def test_multiply_adds(args, kwargs, loop, separable):
    counts = multiply_adds(*args, **kwargs)
    assert counts.loop == counts.im2col == loop
    assert counts.separable == separable
    columns = im2col_cost((kwargs.get("in_channels", 1), *args[0]), args[1],
                          padding=kwargs.get("padding", 0))
    assert counts.loop == columns.rows * columns.columns * kwargs.get("out_channels", 1)


def test_fft_cost_does_not_grow_with_the_kernel():
    small, large = multiply_adds((512, 512), 3), multiply_adds((512, 512), 31)
    assert small.fft == large.fft and small.fft_cells == 512 * 512
    assert large.loop > 10 * large.fft and large.loop > 10 * large.separable


# --------------------------------------------------------------------------- timing


def _cells(result: MethodTiming):
    return [(m, k) for m in result.methods for k in result.kernel_sizes]


def test_time_methods_structure_and_budget():
    calls = []
    started = time.perf_counter()
    result = time_methods((64, 64), kernel_sizes=(3, 5, 7, 9),
                          methods=("direct", "im2col", "fft", "separable", "loop", "torch"),
                          budget_s=0.5, rounds=2, progress=lambda *a: calls.append(a))
    wall = time.perf_counter() - started
    assert wall - result.setup_s <= 0.5 + 0.5  # the budget, give or take one slow call
    assert result.elapsed_s <= 1.0
    assert result.kernel_sizes == (3, 5, 7, 9) and result.image_hw == (64, 64)
    for method in result.methods:
        assert len(result.seconds[method]) == len(result.rounds[method]) == 4
        for seconds, rounds in zip(result.seconds[method], result.rounds[method], strict=True):
            assert 0 <= rounds <= 2
            assert (seconds is None) == (rounds == 0)
            assert seconds is None or seconds > 0
    missing = {(m, k) for m, k, _ in result.not_measured}
    assert missing == {(m, k) for m, k in _cells(result)
                       if result.seconds[m][result.kernel_sizes.index(k)] is None}
    assert [c[0] for c in calls] == list(range(1, 4 * 2 * 6 + 1))
    assert all(c[1] == 48 for c in calls)
    assert result.auto_methods == ("im2col",) * 4
    assert result.auto_reasons == ("small-output",) * 4  # 64×64 outputs: one matrix product
    assert result.loop_rows == 64 and result.torch_threads == torch.get_num_threads()
    assert result.complete == (not result.not_measured)


@pytest.mark.parametrize("kind, k, method, reason", [
    ("gaussian", 3, "im2col", "small-kernel"),
    ("gaussian", 15, "separable", "separable-kernel"),
    ("random", 7, "im2col", "medium-kernel"),
    ("random", 15, "fft", "large-kernel"),
], ids=["gauss-3", "gauss-15", "random-7", "random-15"])
def test_time_methods_says_why_auto_picks_each_method(kind, k, method, reason):
    result = time_methods((300, 300), kernel_sizes=(k,), methods=("fft",), budget_s=0.5,
                          rounds=1, kernel=kind)
    assert (result.auto_methods, result.auto_reasons) == ((method,), (reason,))
    assert reason in convcore.METHOD_REASONS


def test_time_methods_stops_at_the_budget_and_says_what_is_missing():
    started = time.perf_counter()
    result = time_methods((1024, 1024), kernel_sizes=tuple(range(3, 32, 2)),
                          methods=("direct", "im2col", "fft"), budget_s=0.05)
    assert time.perf_counter() - started - result.setup_s < 0.05 + 0.5
    assert not result.complete
    assert ("direct", 31, "budget") in result.not_measured


def test_a_call_outliving_the_budget_is_abandoned_not_waited_for(monkeypatch):
    from convcore import methods as methods_module

    def slow_conv2d(*args, **kwargs):
        time.sleep(1.5)

    monkeypatch.setattr(methods_module, "conv2d", slow_conv2d)
    started = time.perf_counter()
    result = time_methods((32, 32), kernel_sizes=(3, 5), methods=("direct", "fft"),
                          budget_s=0.2)
    assert time.perf_counter() - started - result.setup_s < 0.2 + 0.5
    assert result.abandoned == ("direct", 3)
    assert set(result.not_measured) == {(m, k, "budget") for m in ("direct", "fft")
                                        for k in (3, 5)}


def test_random_kernels_are_not_separable_in_the_sweep():
    result = time_methods((32, 32), kernel_sizes=(3,), methods=("fft", "separable"),
                          kernel="random", budget_s=1.0)
    assert result.not_measured == (("separable", 3, "not-separable"),)
    assert result.seconds["separable"] == (None,)


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param({"image": (5000, 5000)}, "25.0 million pixels; timings are limited to 12.6",
                 id="too-many-pixels"),
    pytest.param({"image": (16, 16)}, "31×31 kernel is larger than the 16×16 image",
                 id="kernel-too-large"),
    pytest.param({"image": (64, 64), "budget_s": 0}, "budget_s must be", id="no-budget"),
    pytest.param({"image": (64, 64), "budget_s": 600}, "budget_s must be", id="budget-too-long"),
    pytest.param({"image": (64, 64), "methods": ("direct", "gpu")}, "methods must be",
                 id="unknown-method"),
    pytest.param({"image": (64, 64), "kernel": "sobel"}, "kernel must be", id="unknown-kernel"),
    pytest.param({"image": np.ones((2, 64, 64))}, "2-D", id="colour-image"),
])
def test_time_methods_refuses_up_front(kwargs, message):
    started = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        time_methods(**kwargs)
    assert time.perf_counter() - started < 0.5  # refused before anything is timed


def _timing(direct, fft):
    sizes = tuple(range(3, 3 + 2 * len(direct), 2))
    return MethodTiming((100, 100), sizes, ("direct", "fft"),
                        {"direct": tuple(direct), "fft": tuple(fft)},
                        {"direct": (1,) * len(sizes), "fft": (1,) * len(sizes)}, (),
                        ("im2col",) * len(sizes), 1.0, 0.5, 0.0, True)


@pytest.mark.parametrize(("direct", "fft", "crossover"), [
    pytest.param([1, 2, 6, 8], [5, 5, 5, 5], 7, id="fft-wins-from-7"),
    pytest.param([1, 2, 4, 8], [9, 9, 9, 9], None, id="never"),
    pytest.param([6, 2, 6, 8], [5, 5, 5, 5], 7, id="noise-at-3-is-not-a-crossover"),
    pytest.param([1, 9, None, 8], [5, 5, 5, 5], 5, id="unmeasured-cells-skipped"),
])
def test_crossover(direct, fft, crossover):
    assert _timing(direct, fft).crossover() == crossover


def test_timing_without_torch_does_not_import_it():
    code = ("import sys, convcore; convcore.time_methods((32, 32), (3,), ('direct',), "
            "budget_s=1.0); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(_root()))


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_methods_are_exported():
    for name in ("im2col", "fft_steps", "separable_analysis", "multiply_adds", "time_methods",
                 "choose_method", "MethodChoice", "CONV2D_METHODS"):
        assert name in convcore.__all__
