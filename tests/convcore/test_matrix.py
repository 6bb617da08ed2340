"""The convolution as a matrix: M @ x is conv2d (and PyTorch), Mᵀ @ y is the transposed
convolution and the input gradient, the doubly block Toeplitz structure, the row / column /
weight helpers, the triplet form and the size guard."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import (
    conv2d,
    conv2d_backward,
    conv_geometry,
    conv_matrix,
    conv_matrix_triplets,
    conv_transpose2d,
    matrix_column_outputs,
    matrix_row_window,
    weight_entries,
    window_trace,
)
from convcore.matrix import DENSE_MATRIX_LIMIT
from tests.convcore.cases import SEED_K, SEED_X, conv_problems, oracle_pads, torch_conv

TIGHT = {"rtol": 1e-12, "atol": 1e-12}

# Zero padding, groups of one: the convolutions a single matrix describes.
matrix_problems = conv_problems(ndim=2, modes=("zeros",), ranks=("plain", "unbatched")).filter(
    lambda p: p["groups"] == 1)


def _args(problem):
    return {k: problem[k] for k in ("stride", "padding", "dilation")}


def _matrix(problem):
    return conv_matrix(problem["x"].shape[-2:], problem["weight"], **_args(problem))


# ----------------------------------------------------------------------------- M @ x


def test_the_seeds_example_as_a_matrix():
    m = conv_matrix((3, 3), SEED_K)
    assert m.shape == (4, 9)
    np.testing.assert_array_equal(m @ SEED_X.ravel(), [19.0, 25.0, 37.0, 43.0])
    # Each row is the kernel laid out over its window: rows [0 1 . 2 3 . . . .] shifted.
    np.testing.assert_array_equal(m[0], [0, 1, 0, 2, 3, 0, 0, 0, 0])
    np.testing.assert_array_equal(m[3], [0, 0, 0, 0, 0, 1, 0, 2, 3])


@settings(max_examples=150, deadline=None)
@given(matrix_problems)
def test_matrix_times_input_is_conv2d_and_pytorch(problem):
    m = _matrix(problem)
    x, w = problem["x"], problem["weight"]
    ours = conv2d(x, w, **_args(problem))
    assert m.shape == (ours.size, x.size)
    np.testing.assert_allclose(m @ x.ravel(), ours.ravel(), **TIGHT)
    np.testing.assert_allclose(m @ x.ravel(), torch_conv(x, w, **_args(problem)).ravel(),
                               **TIGHT)


@settings(max_examples=150, deadline=None)
@given(matrix_problems, st.integers(0, 2**32 - 1))
def test_transpose_is_the_input_gradient(problem, seed):
    m = _matrix(problem)
    x, w = problem["x"], problem["weight"]
    y_shape = conv2d(x, w, **_args(problem)).shape
    g = np.random.default_rng(seed).standard_normal(y_shape)
    grad_input, _, _ = conv2d_backward(x, w, g, **_args(problem))
    np.testing.assert_allclose(m.T @ g.ravel(), grad_input.ravel(), **TIGHT)


@settings(max_examples=150, deadline=None)
@given(conv_problems(ndim=2, modes=("zeros",), forms=("int", "per-axis"),
                     ranks=("plain", "unbatched")).filter(lambda p: p["groups"] == 1),
       st.integers(0, 2**32 - 1))
def test_transpose_is_conv_transpose2d(problem, seed):
    # conv_transpose2d takes symmetric padding; output_padding picks the input size back
    # when the stride does not divide (the rows no window reaches get zero).
    m = _matrix(problem)
    x, w = problem["x"], problem["weight"]
    y = conv2d(x, w, **_args(problem))
    g = np.random.default_rng(seed).standard_normal(y.shape)
    kernel = w.shape[-2:]
    stride = np.broadcast_to(problem["stride"], 2)
    dilation = np.broadcast_to(problem["dilation"], 2)
    pads = oracle_pads(problem["padding"], kernel, problem["dilation"])
    output_padding = tuple(
        int(n - ((m_out - 1) * s - 2 * p + d * (k - 1) + 1))
        for n, m_out, s, (p, _), d, k in zip(x.shape[-2:], y.shape[-2:], stride, pads,
                                             dilation, kernel, strict=True))
    # conv2d's (C_out, C_in, kh, kw) weight is already conv_transpose2d's (in, out, kh, kw).
    back = conv_transpose2d(g, w, stride=problem["stride"], padding=problem["padding"],
                            output_padding=output_padding, dilation=problem["dilation"])
    assert back.shape == x.shape
    np.testing.assert_allclose(m.T @ g.ravel(), back.ravel(), **TIGHT)


def test_float32_weight_gives_a_float32_matrix_and_ints_give_float64():
    assert conv_matrix((4, 4), np.ones((2, 2), np.float32)).dtype == np.float32
    assert conv_matrix((4, 4), [[1, 2], [3, 4]]).dtype == np.float64


# ----------------------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("in_hw", "kernel", "padding", "dilation"),
    [
        pytest.param((5, 6), (3, 3), 0, 1, id="valid-3x3"),
        pytest.param((5, 6), (2, 3), "same", 1, id="same-even"),
        pytest.param((4, 4), (3, 2), "full", 2, id="full-dilated"),
        pytest.param((6, 5), (1, 4), ((2, 0), (1, 3)), 1, id="asymmetric"),
    ],
)
def test_one_channel_matrix_is_doubly_block_toeplitz(in_hw, kernel, padding, dilation):
    w = np.random.default_rng(0).standard_normal(kernel)
    m = conv_matrix(in_hw, w, padding=padding, dilation=dilation)
    geo = conv_geometry(in_hw, kernel, padding=padding, dilation=dilation)
    (h, wd), (out_h, out_w) = geo.in_hw, geo.out_hw
    blocks = m.reshape(out_h, out_w, h, wd).transpose(0, 2, 1, 3)  # [i, r] is a W_out × W block
    for i in range(out_h):
        for r in range(h):
            # Block (i, r) depends only on r − i ...
            if i > 0 and r > 0:
                np.testing.assert_array_equal(blocks[i, r], blocks[i - 1, r - 1])
            # ... and is itself Toeplitz: entry (j, s) depends only on s − j.
            block = blocks[i, r]
            np.testing.assert_array_equal(block[1:, 1:], block[:-1, :-1])


@pytest.mark.parametrize("stride", [2, 3, (2, 1), (1, 3)], ids=str)
def test_a_strided_matrix_keeps_every_sth_row_of_the_unstrided_one(stride):
    w = np.random.default_rng(1).standard_normal((3, 3))
    full = conv_matrix((9, 8), w, padding=1)
    strided = conv_matrix((9, 8), w, stride=stride, padding=1)
    sh, sw = np.broadcast_to(stride, 2)
    out_h, out_w = conv_geometry((9, 8), (3, 3), stride=stride, padding=1).out_hw
    kept = (np.arange(out_h)[:, None] * sh * 8 + np.arange(out_w)[None, :] * sw).ravel()
    np.testing.assert_array_equal(strided, full[kept])


def test_channels_make_a_grid_of_one_channel_matrices():
    w = np.random.default_rng(2).standard_normal((3, 2, 2, 3))
    m = conv_matrix((4, 5), w, padding=1)
    rows, cols = m.shape[0] // 3, m.shape[1] // 2
    for o in range(3):
        for c in range(2):
            np.testing.assert_array_equal(m[o * rows:(o + 1) * rows, c * cols:(c + 1) * cols],
                                          conv_matrix((4, 5), w[o, c], padding=1))


# ----------------------------------------------------------------------------- triplets


@settings(max_examples=80, deadline=None)
@given(matrix_problems)
def test_triplets_are_the_dense_matrix_sorted_without_duplicates(problem):
    w = problem["weight"]
    t = conv_matrix_triplets(problem["x"].shape[-2:], w, **_args(problem))
    m = _matrix(problem)
    assert t.shape == m.shape
    keys = t.rows * t.shape[1] + t.cols
    assert np.all(np.diff(keys) > 0)  # row-major order, each entry once
    rebuilt = np.zeros(t.shape)
    rebuilt[t.rows, t.cols] = t.values
    np.testing.assert_array_equal(rebuilt, m)
    np.testing.assert_array_equal(t.values, w.ravel()[t.weight_index])
    # M @ x from the triplets alone.
    y = np.zeros(t.shape[0])
    np.add.at(y, t.rows, t.values * problem["x"].ravel()[t.cols])
    np.testing.assert_allclose(y, conv2d(problem["x"], w, **_args(problem)).ravel(), **TIGHT)


def test_the_dense_form_refuses_a_large_matrix_and_names_the_triplets():
    w = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"784 × 784 = 614,656 entries.*max_entries=100,000"
                                         r".*conv_matrix_triplets"):
        conv_matrix((28, 28), w, padding=1, max_entries=100_000)
    # The default limit: a 64×64 image is 16.8 M entries, refused; its triplets are fine.
    with pytest.raises(ValueError, match=f"max_entries={DENSE_MATRIX_LIMIT:,}"):
        conv_matrix((64, 64), w, padding=1)
    t = conv_matrix_triplets((64, 64), w, padding=1)
    assert t.shape == (4096, 4096)
    assert len(t.values) == (64 * 3 - 2) ** 2


def test_the_triplet_form_has_its_own_limit():
    with pytest.raises(ValueError, match=r"1,020,100 stored entries.*max_entries=1,000,000"):
        conv_matrix_triplets((1010, 1010), np.ones((1, 1)), max_entries=1_000_000)


# ----------------------------------------------------------------------------- helpers

HELPER_CASES = [
    pytest.param((6, 7), (3, 3), {}, id="valid"),
    pytest.param((6, 7), (2, 3, 3, 2), {"padding": 1}, id="channels-padding"),
    pytest.param((7, 7), (1, 2, 3, 3), {"stride": 2, "padding": "full"}, id="stride-full"),
    pytest.param((8, 6), (2, 1, 2, 3), {"dilation": (2, 1), "padding": ((1, 0), (0, 2))},
                 id="dilation-asymmetric"),
]


def _weight(shape):
    # No zero weights: every structural entry of M is non-zero, so M's pattern is visible.
    return np.random.default_rng(3).uniform(1.0, 2.0, shape)


@pytest.mark.parametrize(("in_hw", "shape", "kwargs"), HELPER_CASES)
def test_each_row_is_one_output_cell_and_its_window(in_hw, shape, kwargs):
    w = _weight(shape)
    m = conv_matrix(in_hw, w, **kwargs)
    geo = conv_geometry(in_hw, shape, **kwargs)
    for row in range(m.shape[0]):
        info = matrix_row_window(in_hw, shape, row, **kwargs)
        on = info.on_input
        assert set(np.flatnonzero(m[row])) == set(info.columns[on])
        w4 = w.reshape(geo.weight_shape)
        np.testing.assert_array_equal(m[row, info.columns[on]], w4[tuple(info.taps[on].T)])
        # The output cell: a one-hot output gradient lands on exactly this row.
        y = np.zeros((geo.weight_shape[0], *geo.out_hw))
        y[(info.out_channel, *info.out_cell)] = 1
        assert np.flatnonzero(y.ravel()) == [row]
        assert info.window_span == geo.kernel_span
    if len(shape) == 2:  # the same windows as the sliding-window trace
        trace = window_trace(in_hw, shape, **kwargs)
        for row in range(m.shape[0]):
            info = matrix_row_window(in_hw, shape, row, **kwargs)
            taps = trace.window(*info.out_cell)
            expected = [tap.input for tap in taps]
            got = [tuple(cell[1:]) if col >= 0 else None
                   for cell, col in zip(info.input_cells.tolist(), info.columns, strict=True)]
            assert got == expected


@pytest.mark.parametrize(("in_hw", "shape", "kwargs"), HELPER_CASES)
def test_each_column_lists_every_output_the_pixel_touches(in_hw, shape, kwargs):
    w = _weight(shape)
    m = conv_matrix(in_hw, w, **kwargs)
    w4 = w.reshape(conv_geometry(in_hw, shape, **kwargs).weight_shape)
    out_hw = conv_geometry(in_hw, shape, **kwargs).out_hw
    for col in range(m.shape[1]):
        info = matrix_column_outputs(in_hw, shape, col, **kwargs)
        np.testing.assert_array_equal(info.rows, np.flatnonzero(m[:, col]))
        np.testing.assert_array_equal(m[info.rows, col], w4[tuple(info.taps.T)])
        o, i, j = info.out_cells.T
        np.testing.assert_array_equal((o * out_hw[0] + i) * out_hw[1] + j, info.rows)
        assert (info.in_channel * in_hw[0] + info.in_cell[0]) * in_hw[1] + info.in_cell[1] == col


@pytest.mark.parametrize(("in_hw", "shape", "kwargs"), HELPER_CASES)
def test_weight_entries_are_every_place_a_weight_is_shared(in_hw, shape, kwargs):
    w = _weight(shape)
    t = conv_matrix_triplets(in_hw, w, **kwargs)
    m = conv_matrix(in_hw, w, **kwargs)
    seen = 0
    for flat, tap in enumerate(np.ndindex(*shape)):
        entries = weight_entries(in_hw, shape, tap, **kwargs)
        np.testing.assert_array_equal(m[entries.rows, entries.cols], np.full(len(entries.rows),
                                                                             w[tap]))
        mine = t.weight_index == flat
        np.testing.assert_array_equal(entries.rows, t.rows[mine])
        np.testing.assert_array_equal(entries.cols, t.cols[mine])
        seen += len(entries.rows)
    assert seen == len(t.values)  # together they are every entry of M


def test_a_centre_weight_of_a_same_convolution_appears_once_per_output_cell():
    entries = weight_entries((6, 6), (3, 3), (1, 1), padding="same")
    assert len(entries.rows) == 36
    np.testing.assert_array_equal(entries.rows, entries.cols)  # the main diagonal


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: conv_matrix((4, 4), np.ones((1, 3, 3))), ValueError,
                     r"weight must be 2-D \(kh, kw\) or 4-D", id="weight-3d"),
        pytest.param(lambda: conv_matrix((4, 4), [["a"]]), TypeError, "weight must hold real",
                     id="weight-strings"),
        pytest.param(lambda: conv_matrix((0, 4), np.ones((1, 1))), ValueError,
                     "in_hw must be positive", id="in-hw-zero"),
        pytest.param(lambda: conv_matrix((4, 4), np.ones((3, 3)), stride=0), ValueError,
                     "stride must be positive", id="stride-zero"),
        pytest.param(lambda: conv_matrix((4, 4), np.ones((3, 3)), padding="bogus"),
                     ValueError, "padding must be", id="padding-name"),
        pytest.param(lambda: conv_matrix((2, 2), np.ones((3, 3))), ValueError,
                     "larger than the 2×2 input", id="kernel-too-large"),
        pytest.param(lambda: conv_matrix((4, 4), np.ones((3, 3)), max_entries=0), ValueError,
                     "max_entries must be positive", id="limit-zero"),
        pytest.param(lambda: matrix_row_window((4, 4), (3, 3), 4), ValueError,
                     r"row must be between 0 and 3", id="row-out-of-range"),
        pytest.param(lambda: matrix_row_window((4, 4), (3, 3), 1.5), TypeError,
                     "row must be an integer", id="row-float"),
        pytest.param(lambda: matrix_column_outputs((4, 4), (3, 3), -1), ValueError,
                     r"column must be between 0 and 15", id="column-negative"),
        pytest.param(lambda: weight_entries((4, 4), (3, 3), (1, 1, 1)), ValueError,
                     "tap must have 2 entries", id="tap-length"),
        pytest.param(lambda: weight_entries((4, 4), (2, 1, 3, 3), (2, 0, 0, 0)), ValueError,
                     r"tap's output channel must be between 0 and 1 \(the weight has 2 output",
                     id="tap-channel"),
        pytest.param(lambda: weight_entries((4, 4), (3, 3), 4), TypeError,
                     "tap must be a tuple", id="tap-int"),
        pytest.param(lambda: matrix_row_window((4, 4), np.ones((3, 3)), 0), TypeError,
                     r"weight_shape must be a tuple of integers such as weight\.shape",
                     id="weight-instead-of-its-shape"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_public_names_are_exported():
    from convcore import matrix

    for name in matrix.__all__:
        assert getattr(convcore, name) is getattr(matrix, name)
        assert name in convcore.__all__
