"""convcore.conv forward: the seeds' examples, PyTorch's quirks, and properties vs PyTorch."""

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import conv as conv_module
from convcore.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose2d,
    convolve2d,
    corr2d,
)
from convcore.reference import conv2d_loop
from convcore.reference import corr2d as corr2d_loop
from convcore.shapes import conv_output_shape
from tests.convcore.cases import (
    CONV2D_ERROR_CASES,
    QUIRK_CASES,
    SEED_CONV_CASES,
    SEED_SHAPE_CASES,
    conv_problems,
    oracle_pads,
    tiny_column_blocks,
    torch_conv,
)

TIGHT = {"rtol": 1e-10, "atol": 1e-10}


def _ids(cases):
    return [pytest.param(c, id=c.id) for c in cases]


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize("case", _ids(SEED_CONV_CASES))
def test_seed_examples(case):
    out = conv2d(case.x, case.weight, **case.kwargs)
    np.testing.assert_array_equal(out, case.expected)
    np.testing.assert_array_equal(torch_conv(case.x, case.weight, **case.kwargs), case.expected)


@pytest.mark.parametrize("case", _ids(c for c in SEED_CONV_CASES if c.x.ndim == 2))
def test_corr2d_gives_the_seed_values(case):
    np.testing.assert_array_equal(corr2d(case.x, case.weight), case.expected)


@pytest.mark.parametrize("case", _ids(QUIRK_CASES))
def test_pytorch_quirks(case):
    # The table is PyTorch's output: check the table against PyTorch, then convcore.
    np.testing.assert_allclose(torch_conv(case.x, case.weight, **case.kwargs), case.expected)
    np.testing.assert_array_equal(conv2d(case.x, case.weight, **case.kwargs), case.expected)


@pytest.mark.parametrize("case", _ids(SEED_SHAPE_CASES))
def test_seed_output_shapes_on_8x8(case):
    x = np.random.default_rng(0).random((8, 8))
    out = conv2d(x, np.ones(case.kernel), **case.kwargs)
    assert out.shape == case.expected
    assert torch_conv(x, np.ones(case.kernel), **case.kwargs).shape == case.expected


def test_one_by_one_convolution_is_a_matmul():
    # d2l 5.4.3: a 1×1 conv is a fully connected layer applied at every pixel.
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(3, 3, 3))
    K = rng.uniform(size=(2, 3, 1, 1))
    expected = (K.reshape(2, 3) @ X.reshape(3, 9)).reshape(2, 3, 3)
    np.testing.assert_allclose(conv2d(X, K), expected, **TIGHT)


def test_the_docstring_example_of_conv_transpose2d():
    out = conv_transpose2d([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    expected = F.conv_transpose2d(torch.tensor([[[[0.0, 1], [2, 3]]]]),
                                  torch.tensor([[[[0.0, 1], [2, 3]]]]))[0, 0].numpy()
    np.testing.assert_array_equal(out, expected)


# --------------------------------------------------------------------------- vs PyTorch


@settings(max_examples=150, deadline=None)
@given(conv_problems(ndim=2))
def test_conv2d_equals_pytorch(problem):
    out = conv2d(**problem)
    expected = torch_conv(**problem, ndim=2)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, **TIGHT)


@settings(max_examples=60, deadline=None)
@given(conv_problems(ndim=1, max_kernel=5))
def test_conv1d_equals_pytorch(problem):
    np.testing.assert_allclose(conv1d(**problem), torch_conv(**problem, ndim=1), **TIGHT)


@settings(max_examples=40, deadline=None)
@given(conv_problems(ndim=3, max_kernel=3))
def test_conv3d_equals_pytorch(problem):
    np.testing.assert_allclose(conv3d(**problem), torch_conv(**problem, ndim=3), **TIGHT)


@settings(max_examples=80, deadline=None)
@given(conv_problems(ndim=2))
def test_output_shape_equals_the_shape_function(problem):
    out = conv2d(**problem)
    kernel = problem["weight"].shape[-2:]
    expected = conv_output_shape(problem["x"].shape[-2:], kernel, problem["stride"],
                                 problem["padding"], problem["dilation"])
    assert out.shape[-2:] == expected
    assert out.ndim == problem["x"].ndim


@settings(max_examples=40, deadline=None)
@given(conv_problems(ndim=2, modes=("zeros",), forms=("int", "per-axis", "pairs"),
                     ranks=("batched",)))
def test_fast_path_equals_the_textbook_loop(problem):
    pads = oracle_pads(problem["padding"], problem["weight"].shape[2:], problem["dilation"])
    expected = conv2d_loop(problem["x"], problem["weight"], problem["bias"], problem["stride"],
                           tuple(pads), problem["dilation"], problem["groups"])
    np.testing.assert_allclose(conv2d(**problem), expected, **TIGHT)


@settings(max_examples=40, deadline=None)
@given(conv_problems(ndim=2), st.floats(-3, 3), st.floats(-3, 3))
def test_conv2d_is_linear_in_the_input_and_in_the_weight(problem, a, b):
    args = {k: v for k, v in problem.items() if k not in ("x", "weight", "bias")}
    x, w = problem["x"], problem["weight"]
    rng = np.random.default_rng(7)
    x2, w2 = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    np.testing.assert_allclose(conv2d(a * x + b * x2, w, **args),
                               a * conv2d(x, w, **args) + b * conv2d(x2, w, **args), **TIGHT)
    np.testing.assert_allclose(conv2d(x, a * w + b * w2, **args),
                               a * conv2d(x, w, **args) + b * conv2d(x, w2, **args), **TIGHT)


@settings(max_examples=60, deadline=None)
@given(conv_problems(ndim=2))
def test_many_small_column_blocks_give_the_same_result(problem):
    with tiny_column_blocks():
        out = conv2d(**problem)
    np.testing.assert_allclose(out, torch_conv(**problem), **TIGHT)


# --------------------------------------------------------------------------- ranks and dtypes


def test_results_keep_the_callers_rank():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 6, 7))
    w = rng.standard_normal((4, 3, 2, 3))
    batched = conv2d(x[np.newaxis], w)
    assert batched.shape == (1, 4, 5, 5)
    np.testing.assert_array_equal(conv2d(x, w), batched[0])
    plain = conv2d(x[0], w[0, 0])
    np.testing.assert_array_equal(plain, conv2d(x[:1], w[:1, :1])[0])
    assert plain.shape == (5, 5)


def test_a_plain_kernel_takes_a_scalar_bias():
    out = conv2d([[1.0, 2.0], [3.0, 4.0]], [[1.0]], bias=0.5)
    np.testing.assert_array_equal(out, [[1.5, 2.5], [3.5, 4.5]])


@pytest.mark.parametrize(
    ("x_dtype", "w_dtype", "expected"),
    [
        pytest.param(np.float32, np.float32, np.float32, id="float32-stays-float32"),
        pytest.param(np.float64, np.float64, np.float64, id="float64"),
        pytest.param(np.int64, np.int64, np.float64, id="ints-become-float64"),
        pytest.param(np.uint8, np.float32, np.float64, id="uint8-image-becomes-float64"),
        pytest.param(np.float32, np.float64, np.float64, id="mixed-becomes-float64"),
        pytest.param(np.float16, np.float32, np.float32, id="float16-computed-in-float32"),
        pytest.param(np.bool_, np.int32, np.float64, id="bools-count-as-0-1"),
    ],
)
def test_result_dtype(x_dtype, w_dtype, expected):
    x = (np.arange(12).reshape(3, 4) % 3).astype(x_dtype)
    w = np.array([[1, 0], [0, 1]]).astype(w_dtype)
    out = conv2d(x, w)
    assert out.dtype == expected
    np.testing.assert_allclose(out, corr2d_loop(x.astype(float), w.astype(float)))


def test_float32_is_close_to_float64():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 20, 21))
    w = rng.standard_normal((5, 3, 3, 3))
    out32 = conv2d(x.astype(np.float32), w.astype(np.float32), padding=1)
    np.testing.assert_allclose(out32, conv2d(x, w, padding=1), rtol=1e-4, atol=1e-4)


def test_lists_and_non_contiguous_arrays_are_accepted():
    x = np.arange(60.0).reshape(6, 10)[:, ::2]  # a strided view
    k = [[1, 2], [3, 4]]
    np.testing.assert_allclose(conv2d(x, k), corr2d_loop(np.ascontiguousarray(x), k))
    np.testing.assert_allclose(conv2d(x.tolist(), k), corr2d_loop(x, k))


def test_the_input_is_not_modified():
    x = np.arange(20.0).reshape(4, 5)
    before = x.copy()
    conv2d(x, np.ones((3, 3)), padding=1, padding_mode="reflect")
    np.testing.assert_array_equal(x, before)


def test_nan_and_inf_propagate_like_pytorch():
    x = np.zeros((6, 6))
    x[2, 3] = np.nan
    x[5, 0] = np.inf
    w = np.ones((2, 2))
    np.testing.assert_array_equal(conv2d(x, w), torch_conv(x, w))


def test_import_convcore_does_not_import_torch_streamlit_or_plotly():
    code = ("import sys, convcore; "
            "print(sorted({'torch', 'streamlit', 'plotly'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_public_names_are_exported():
    for name in ("conv1d", "conv2d", "conv3d", "corr2d", "convolve2d", "conv_transpose2d",
                 "conv2d_backward"):
        assert getattr(convcore, name) is getattr(conv_module, name)
        assert name in convcore.__all__


# --------------------------------------------------------------------------- large inputs


def _spy(monkeypatch, name):
    calls = []
    original = getattr(conv_module, name)

    def spy(*args):
        calls.append(name)
        return original(*args)

    monkeypatch.setattr(conv_module, name, spy)
    return calls


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs"),
    [
        pytest.param((300, 310), (11, 11), {"padding": 5}, id="gray-11x11-same"),
        pytest.param((1, 3, 280, 300), (3, 1, 15, 15), {"padding": "same", "groups": 3},
                     id="rgb-depthwise-15x15"),
        pytest.param((2, 2, 300, 290), (2, 2, 11, 12), {"padding": (3, 4), "dilation": 2},
                     id="dilated-2-channels-batch"),
        pytest.param((300, 300), (15, 15), {"padding": 7, "padding_mode": "reflect"},
                     id="reflect-15x15"),
    ],
)
def test_large_kernels_on_large_inputs_use_the_fft_and_match_pytorch(monkeypatch, x_shape,
                                                                      w_shape, kwargs):
    calls = _spy(monkeypatch, "_correlate_fft")
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    out = conv2d(x, w, **kwargs)
    assert calls, "the FFT path was not taken"
    expected = torch_conv(x, w, **kwargs)
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    out32 = conv2d(x.astype(np.float32), w.astype(np.float32), **kwargs)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_fft_blocks_on_several_threads_give_the_same_result(monkeypatch):
    x = np.random.default_rng(14).standard_normal((2, 1, 700, 300))
    w = np.random.default_rng(15).standard_normal((1, 1, 12, 11))
    monkeypatch.setattr(conv_module, "FFT_THREADS", 1)
    one = conv2d(x, w)
    monkeypatch.setattr(conv_module, "FFT_THREADS", 3)
    calls = _spy(monkeypatch, "_correlate_fft")
    np.testing.assert_array_equal(conv2d(x, w), one)
    assert calls


def test_the_fft_is_not_used_when_a_nan_would_spread(monkeypatch):
    calls = _spy(monkeypatch, "_correlate_fft")
    x = np.ones((300, 300))
    x[150, 150] = np.nan
    out = conv2d(x, np.ones((11, 11)))
    assert not calls
    assert np.isnan(out).sum() == 11 * 11  # only the windows that contain the NaN


def _gaussian(size, sigma):
    ramp = np.arange(size) - size // 2
    g = np.exp(-ramp**2 / (2 * sigma**2))
    return np.outer(g, g) / np.outer(g, g).sum()


@pytest.mark.parametrize(
    ("x_shape", "w", "kwargs"),
    [
        pytest.param((300, 310), _gaussian(15, 3.0), {"padding": 7}, id="gaussian-15x15"),
        pytest.param((1, 3, 260, 270), np.stack([_gaussian(7, 1.5), np.ones((7, 7)),
                                                 np.outer([1, 2, 1, 0, -1, -2, -1],
                                                          np.arange(7.0))])[:, None],
                     {"padding": "same", "groups": 3, "padding_mode": "reflect"},
                     id="depthwise-three-kernels"),
        pytest.param((2, 1, 600, 620), np.ones((1, 1, 5, 4)),
                     {"stride": 2, "dilation": (1, 3), "padding": ((1, 2), (0, 3))},
                     id="box-strided-dilated-asymmetric"),
    ],
)
def test_separable_kernels_use_two_1d_passes_and_match_pytorch(monkeypatch, x_shape, w,
                                                                kwargs):
    calls = _spy(monkeypatch, "_correlate_separable")
    x = np.random.default_rng(10).standard_normal(x_shape)
    out = conv2d(x, w, **kwargs)
    assert calls, "the separable path was not taken"
    np.testing.assert_allclose(out, torch_conv(x, w, **kwargs), rtol=1e-12, atol=1e-12)


def test_separable_integer_kernels_stay_exact(monkeypatch):
    calls = _spy(monkeypatch, "_correlate_separable")
    x = np.random.default_rng(11).integers(0, 256, (300, 300))
    w = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])  # the binomial blur, before dividing
    out = conv2d(x, w)
    assert calls
    np.testing.assert_array_equal(out, torch_conv(x, w))


@pytest.mark.parametrize(
    ("w", "x_fill"),
    [pytest.param(np.random.default_rng(12).random((5, 5)), 1.0, id="rank-5-kernel"),
     pytest.param(np.ones((5, 5)), np.inf, id="infinity-in-the-input")],
)
def test_other_kernels_and_inputs_skip_the_separable_path(monkeypatch, w, x_fill):
    calls = _spy(monkeypatch, "_correlate_separable")
    x = np.ones((300, 300))
    x[100, 100] = x_fill
    np.testing.assert_array_equal(conv2d(x, w), torch_conv(x, w))
    assert not calls


@pytest.mark.parametrize(
    ("w", "padding"),
    [pytest.param(np.ones((3, 3)), 1, id="sobel-size-3x3-im2col"),
     pytest.param(np.ones((15, 15)), 7, id="blur-15x15-separable"),
     pytest.param(np.random.default_rng(13).random((15, 15)), 7, id="random-15x15-fft")],
)
def test_peak_memory_stays_within_three_times_input_plus_output(w, padding):
    # Never a full im2col matrix (9× or 225× the image): the columns come in small blocks.
    x = np.random.default_rng(5).random((1000, 1200), dtype=np.float32)
    w = w.astype(np.float32)
    conv2d(x[:50, :50], w, padding=padding)  # warm up caches outside the measurement
    tracemalloc.start()
    try:
        out = conv2d(x, w, padding=padding)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 3 * (x.nbytes + out.nbytes)


# --------------------------------------------------------------------------- other operations


@settings(max_examples=100, deadline=None)
@given(
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    st.sampled_from(["full", "same", "valid"]),
    st.integers(0, 2**32 - 1),
)
def test_convolve2d_equals_scipy(x_shape, k_shape, mode, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    k = rng.standard_normal(k_shape)
    try:
        expected = scipy.signal.convolve2d(x, k, mode=mode)
    except ValueError:
        with pytest.raises(ValueError, match="at least as large as the other"):
            convolve2d(x, k, mode=mode)
        return
    out = convolve2d(x, k, mode=mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, **TIGHT)


@pytest.mark.parametrize(
    ("mode", "shape"),
    [pytest.param("valid", (2, 2), id="valid"), pytest.param("same", (4, 4), id="same"),
     pytest.param("full", (6, 6), id="full")],
)
def test_convolve2d_shapes_of_the_matlab_figure(mode, shape):
    # Seed 000: B (4×4) convolved with A (3×3), the three modes of MATLAB's conv2.
    rng = np.random.default_rng(6)
    A, B = rng.random((3, 3)), rng.random((4, 4))
    out = convolve2d(B, A, mode)
    assert out.shape == shape
    np.testing.assert_allclose(out, scipy.signal.convolve2d(B, A, mode), **TIGHT)


def test_convolve2d_flips_the_kernel():
    x = np.zeros((3, 3))
    x[1, 1] = 1
    k = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(convolve2d(x, k, "same"), k)  # an impulse returns k
    np.testing.assert_array_equal(conv2d(x, k, padding=1), k[::-1, ::-1])  # correlation


@st.composite
def transpose_problems(draw):
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 2))
    outs_per_group = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1))
                           for s, d in zip(stride, dilation, strict=True))
    sizes = tuple(draw(st.integers(1, 6)) for _ in range(2))
    padding = []
    for n, k, s, d, op in zip(sizes, kernel, stride, dilation, output_padding, strict=True):
        full = (n - 1) * s + d * (k - 1) + op + 1
        padding.append(draw(st.integers(0, (full - 1) // 2)))
    rank = draw(st.sampled_from(["unbatched", "batched"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = (draw(st.integers(1, 2)), in_channels) if rank == "batched" else (in_channels,)
    x = rng.standard_normal((*lead, *sizes))
    w = rng.standard_normal((in_channels, outs_per_group, *kernel))
    bias = rng.standard_normal(groups * outs_per_group) if draw(st.booleans()) else None
    return {"x": x, "weight": w, "bias": bias, "stride": stride, "padding": tuple(padding),
            "output_padding": output_padding, "groups": groups, "dilation": dilation}


@settings(max_examples=120, deadline=None)
@given(transpose_problems())
def test_conv_transpose2d_equals_pytorch(problem):
    args = {k: v for k, v in problem.items() if k not in ("x", "weight", "bias")}
    bias = None if problem["bias"] is None else torch.tensor(problem["bias"])
    expected = F.conv_transpose2d(torch.tensor(problem["x"]), torch.tensor(problem["weight"]),
                                  bias, **args).numpy()
    out = conv_transpose2d(**problem)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, **TIGHT)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs"),
    [
        pytest.param((1, 2, 4, 5), (2, 3, 3, 3), {"stride": 2, "padding": 1,
                                                   "output_padding": 1},
                     id="upsample-x2-with-output-padding"),
        pytest.param((1, 2, 4, 5), (2, 3, 3, 2), {"dilation": 2, "output_padding": 1,
                                                   "padding": 1},
                     id="stride-1-dilated-output-padding"),
        pytest.param((2, 4, 3, 3), (4, 1, 2, 2), {"groups": 4, "stride": (1, 2)},
                     id="depthwise-asymmetric-stride"),
        pytest.param((1, 1, 5, 5), (1, 8, 3, 3), {"padding": 2}, id="many-outputs-col2im"),
    ],
)
def test_conv_transpose2d_cases_equal_pytorch(x_shape, w_shape, kwargs):
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    expected = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), **kwargs).numpy()
    np.testing.assert_allclose(conv_transpose2d(x, w, **kwargs), expected, **TIGHT)


def test_conv_transpose2d_upsamples_a_plain_array():
    out = conv_transpose2d(np.array([[1.0, 2.0]]), np.ones((2, 2)), stride=2)
    np.testing.assert_array_equal(out, [[1, 1, 2, 2], [1, 1, 2, 2]])


def test_corr2d_equals_the_textbook_loop():
    rng = np.random.default_rng(8)
    X, K = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(corr2d(X, K), corr2d_loop(X, K), **TIGHT)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("case", _ids(CONV2D_ERROR_CASES))
def test_conv2d_rejects_invalid_arguments(case):
    with pytest.raises(case.error, match=case.match):
        conv2d(**case.kwargs)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: conv1d(np.ones((2, 3, 4, 5)), np.ones((1, 3, 2))), ValueError,
                     r"conv1d takes an input of shape \(N, C, L\) or \(C, L\)", id="conv1d-4d"),
        pytest.param(lambda: conv3d(np.ones((1, 4, 4, 4)), np.ones((2, 2, 2))), ValueError,
                     r"a 3-D \(kD, kH, kW\) kernel goes with a 3-D \(D, H, W\) input",
                     id="conv3d-plain-kernel-with-channels"),
        pytest.param(lambda: conv1d(np.ones(3), np.ones(5)), ValueError,
                     r"the 5 kernel is larger than the 3 input", id="conv1d-kernel-too-long"),
        pytest.param(lambda: corr2d(np.ones((2, 3, 3)), np.ones((2, 2))), ValueError,
                     r"corr2d takes a 2-D array X and a 2-D kernel K", id="corr2d-3d"),
        pytest.param(lambda: corr2d(np.ones((2, 2)), np.ones((3, 3))), ValueError,
                     r"larger than the 2×2 input", id="corr2d-kernel-too-large"),
        pytest.param(lambda: convolve2d(np.ones((3, 3)), np.ones((2, 2)), mode="half"),
                     ValueError, r"mode must be 'full', 'same' or 'valid'",
                     id="convolve2d-mode"),
        pytest.param(lambda: convolve2d(np.ones((2, 5)), np.ones((5, 2)), mode="valid"),
                     ValueError, r"at least as large as the other in every axis",
                     id="convolve2d-valid-neither-fits"),
        pytest.param(lambda: convolve2d(np.ones(3), np.ones((2, 2))), ValueError,
                     r"convolve2d takes two 2-D arrays", id="convolve2d-1d"),
        pytest.param(lambda: convolve2d(np.ones((0, 3)), np.ones((2, 2))), ValueError,
                     r"x is empty", id="convolve2d-empty"),
        pytest.param(lambda: conv_transpose2d(np.ones((1, 3, 4, 4)), np.ones((2, 1, 3, 3))),
                     ValueError, r"the input has 3 channels but the weight expects 2",
                     id="transpose-channels"),
        pytest.param(lambda: conv_transpose2d(np.ones((1, 3, 4, 4)), np.ones((3, 1, 3, 3)),
                                              groups=2),
                     ValueError, r"groups=2 does not divide the 3 input channels",
                     id="transpose-groups"),
        pytest.param(lambda: conv_transpose2d(np.ones((4, 4)), np.ones((3, 3)), stride=2,
                                              output_padding=2),
                     ValueError, r"output_padding \(2\) must be smaller than the stride",
                     id="transpose-output-padding"),
        pytest.param(lambda: conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), padding=2),
                     ValueError, r"the padding 2 removes the whole output",
                     id="transpose-padding-eats-output"),
        pytest.param(lambda: conv_transpose2d(np.ones((1, 2, 2)), np.ones((1, 1, 2, 2)),
                                              bias=np.ones(3)),
                     ValueError, r"the bias must have one value per output channel",
                     id="transpose-bias"),
        pytest.param(lambda: conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)),
                                              padding="same"),
                     TypeError, r"padding must be an integer", id="transpose-string-padding"),
    ],
)
def test_other_operations_reject_invalid_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
