"""Locally connected and tiled layers against conv2d and a PyTorch unfold oracle (float64),
and the dense / locally connected / tiled / convolutional counts against hand counts and
the arrays themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import (
    conv2d,
    conv_matrix,
    conv_matrix_triplets,
    layer_comparison,
    layer_cost,
    locally_connected2d,
    tiled_conv2d,
)
from tests.convcore.cases import conv_problems, oracle_pads

TIGHT = {"rtol": 1e-12, "atol": 1e-12}

# Zero padding, groups of one, every rank and padding form: conv2d's arguments.
problems = conv_problems(ndim=2, modes=("zeros",)).filter(lambda p: p["groups"] == 1)


def _args(problem):
    return {k: problem[k] for k in ("stride", "padding", "dilation")}


def torch_locally_connected(x, weight, stride, padding, dilation, bias=None):
    """The oracle: torch.nn.functional.unfold's columns times each cell's kernel, float64.

    ``weight`` is ``(H_out, W_out, C_out, C_in, kh, kw)`` (or 4-D with an ``(H, W)`` input).
    """
    x = np.asarray(x, dtype=float)
    rank = x.ndim
    if rank == 2:
        x = x[None, None]
        weight = weight[:, :, None, None]
    elif rank == 3:
        x = x[None]
    out_h, out_w, c_out, _, kh, kw = weight.shape
    (top, bottom), (left, right) = oracle_pads(padding, (kh, kw), dilation)
    xt = F.pad(torch.tensor(x), (left, right, top, bottom))
    cols = F.unfold(xt, (kh, kw), dilation=dilation, stride=stride)  # (N, C·kh·kw, L)
    wt = torch.tensor(np.ascontiguousarray(weight)).reshape(out_h * out_w, c_out, -1)
    out = torch.einsum("nkl,lok->nol", cols, wt).reshape(x.shape[0], c_out, out_h, out_w)
    out = out.numpy()
    if bias is not None:
        b = np.asarray(bias, dtype=float)
        out = out + (b.reshape(1, -1, 1, 1) if b.ndim == 1 else b.reshape(1, -1, out_h, out_w))
    return out[0, 0] if rank == 2 else out[0] if rank == 3 else out


def _tile_to_cells(weight, out_hw):
    """A tiled weight (th, tw, ...) expanded to one kernel per output cell, by indexing."""
    th, tw = weight.shape[:2]
    i = np.arange(out_hw[0]) % th
    j = np.arange(out_hw[1]) % tw
    return weight[i[:, None], j[None, :]]


def _shared(weight, out_hw):
    """The conv weight repeated at every output cell: (H_out, W_out, *weight.shape)."""
    return np.broadcast_to(weight, (*out_hw, *weight.shape))


# ----------------------------------------------------------------------------- identities


@settings(max_examples=120, deadline=None)
@given(problems)
def test_locally_connected_with_equal_kernels_is_conv2d(problem):
    x, w, bias = problem["x"], problem["weight"], problem["bias"]
    expected = conv2d(x, w, bias, **_args(problem))
    out_hw = expected.shape[-2:]
    ours = locally_connected2d(x, _shared(w, out_hw), bias, **_args(problem))
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, **TIGHT)


@settings(max_examples=120, deadline=None)
@given(problems)
def test_a_one_by_one_tile_is_conv2d(problem):
    x, w, bias = problem["x"], problem["weight"], problem["bias"]
    expected = conv2d(x, w, bias, **_args(problem))
    ours = tiled_conv2d(x, w[None, None], (1, 1), bias, **_args(problem))
    np.testing.assert_allclose(ours, expected, **TIGHT)


@settings(max_examples=120, deadline=None)
@given(problems, st.integers(0, 2**32 - 1))
def test_a_tile_the_size_of_the_output_is_locally_connected(problem, seed):
    x, w = problem["x"], problem["weight"]
    out_hw = conv2d(x, w, **_args(problem)).shape[-2:]
    cells = np.random.default_rng(seed).standard_normal((*out_hw, *w.shape))
    np.testing.assert_allclose(tiled_conv2d(x, cells, out_hw, **_args(problem)),
                               locally_connected2d(x, cells, **_args(problem)), **TIGHT)


@settings(max_examples=120, deadline=None)
@given(problems, st.integers(0, 2**32 - 1), st.booleans())
def test_locally_connected_equals_the_unfold_oracle(problem, seed, unshared_bias):
    x, w = problem["x"], problem["weight"]
    out_hw = conv2d(x, w, **_args(problem)).shape[-2:]
    rng = np.random.default_rng(seed)
    cells = rng.standard_normal((*out_hw, *w.shape))
    c_out = 1 if w.ndim == 2 else w.shape[0]
    bias = rng.standard_normal((c_out, *out_hw) if unshared_bias else (c_out,))
    if w.ndim == 2 and unshared_bias:
        bias = bias[0]  # an (H, W) input takes an (H_out, W_out) bias
    ours = locally_connected2d(x, cells, bias, **_args(problem))
    expected = torch_locally_connected(x, cells, **_args(problem), bias=bias)
    np.testing.assert_allclose(ours, expected, **TIGHT)


@settings(max_examples=120, deadline=None)
@given(problems, st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_tiled_equals_the_unfold_oracle(problem, th, tw, seed):
    x, w = problem["x"], problem["weight"]
    out_hw = conv2d(x, w, **_args(problem)).shape[-2:]
    tiles = np.random.default_rng(seed).standard_normal((th, tw, *w.shape))
    ours = tiled_conv2d(x, tiles, (th, tw), **_args(problem))
    expected = torch_locally_connected(x, _tile_to_cells(tiles, out_hw), **_args(problem))
    np.testing.assert_allclose(ours, expected, **TIGHT)


def test_tiled_rotates_its_kernels_over_the_output():
    # Four 1×1 kernels 1, 2, 3, 4 on a ones image: the output is the tile pattern repeated.
    tiles = np.arange(1.0, 5.0).reshape(2, 2, 1, 1)
    out = tiled_conv2d(np.ones((5, 5)), tiles, (2, 2))
    np.testing.assert_array_equal(out[:2, :2], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(out, np.tile([[1.0, 2.0], [3.0, 4.0]], (3, 3))[:5, :5])


def test_locally_connected_can_treat_the_top_unlike_the_bottom():
    # One kernel for the top half, another for the bottom: no single convolution gives this.
    x = np.ones((4, 4))
    cells = np.zeros((4, 4, 1, 1))
    cells[:2] = 1.0
    cells[2:] = -1.0
    out = locally_connected2d(x, cells)
    np.testing.assert_array_equal(out, np.repeat([[1.0], [1.0], [-1.0], [-1.0]], 4, axis=1))


def test_float32_stays_float32():
    x = np.ones((1, 4, 4), np.float32)
    w = np.ones((3, 3, 2, 1, 2, 2), np.float32)
    assert locally_connected2d(x, w).dtype == np.float32
    assert tiled_conv2d(x, w).dtype == np.float32
    assert locally_connected2d(x.astype(float), w).dtype == np.float64


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: locally_connected2d(np.ones((4, 4)), np.ones((3, 3, 3, 3))),
                     ValueError, r"kernels for a 3×3 output .* give a 2×2 output",
                     id="local-grid-not-output"),
        pytest.param(lambda: locally_connected2d(np.ones((2, 4, 4)), np.ones((3, 3, 1, 1, 2, 2))),
                     ValueError, "the input has 2 channels but the weight expects 1",
                     id="local-channels"),
        pytest.param(lambda: locally_connected2d(np.ones((4, 4)), np.ones((3, 3, 1, 1, 2, 2))),
                     ValueError, r"locally_connected2d takes an input", id="local-ranks"),
        pytest.param(lambda: locally_connected2d(np.ones((1, 4, 4)), np.ones((3, 3, 2, 1, 2, 2)),
                                                 bias=np.ones(3)),
                     ValueError, r"bias must have shape \(2,\) or \(2, 3, 3\)", id="local-bias"),
        pytest.param(lambda: tiled_conv2d(np.ones((4, 4)), np.ones((2, 2, 2, 2)), tile=(2, 3)),
                     ValueError, r"tile=\(2, 3\) does not match the weight", id="tile-mismatch"),
        pytest.param(lambda: tiled_conv2d(np.ones((4, 4)), np.ones((2, 2, 2, 2)), tile=0),
                     ValueError, "tile must be positive", id="tile-zero"),
        pytest.param(lambda: tiled_conv2d(np.ones((1, 4, 4)), np.ones((2, 2, 2, 1, 2, 2)),
                                          bias=np.ones((2, 3, 3))),
                     ValueError, r"bias must have shape \(2,\)", id="tiled-bias-per-cell"),
        pytest.param(lambda: tiled_conv2d(np.ones((4, 4)), np.ones((2, 2, 5, 5))), ValueError,
                     "larger than the 4×4 input", id="tiled-kernel-too-large"),
        pytest.param(lambda: tiled_conv2d(np.ones((4, 4)), np.ones((2, 2, 2, 2)), stride=0),
                     ValueError, "stride must be positive", id="tiled-stride"),
        pytest.param(lambda: tiled_conv2d(np.full((4, 4), "a"), np.ones((2, 2, 2, 2))),
                     TypeError, "the input must hold real numbers", id="tiled-strings"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------- counts


def test_counts_by_hand_for_a_6x6_image_and_a_3x3_kernel():
    # 6×6 → 6×6 with a 3×3 kernel, padding 1, tiles of 2×2, no bias:
    # dense 36·36, locally connected 36 kernels of 9, tiled 4 of 9, convolutional 9.
    cmp = layer_comparison((6, 6), 1, 3, tile=2, padding=1, bias=False)
    assert cmp.out_shape == (1, 6, 6)
    assert [layer.params for layer in cmp.layers] == [1296, 324, 36, 9]
    assert [layer.macs for layer in cmp.layers] == [1296, 324, 324, 324]
    # 6 rows × 3 taps = 18 per axis, 2 of them on the padding: 16 × 16 connections.
    assert [layer.connections for layer in cmp.layers] == [1296, 256, 256, 256]


def test_counts_by_hand_with_channels_stride_and_bias():
    # (3, 8, 8) → 4 channels, 3×3, stride 2, padding 1: 4×4 outputs; tiles 2×1.
    cmp = layer_comparison((3, 8, 8), 4, 3, tile=(2, 1), stride=2, padding=1)
    assert cmp.out_shape == (4, 4, 4)
    kernel = 4 * 3 * 3 * 3  # 108
    assert cmp.dense.params == 64 * 192 + 64
    assert cmp.locally_connected.params == 16 * kernel + 64
    assert cmp.tiled.params == 2 * kernel + 4
    assert cmp.convolutional.params == kernel + 4
    assert cmp.convolutional.macs == 64 * 27
    # Per axis: output rows 0..3 see input rows −1..1, 1..3, 3..5, 5..7: 11 of 12 taps.
    assert cmp.convolutional.connections == 4 * 3 * 11 * 11


@pytest.mark.parametrize(
    ("in_shape", "c_out", "kernel", "tile", "kwargs"),
    [
        pytest.param((6, 6), 1, 3, 2, {"padding": 1}, id="gray-same"),
        pytest.param((2, 7, 5), 3, (2, 3), (3, 2), {"stride": 2}, id="channels-stride"),
        pytest.param((1, 9, 9), 2, 3, 4, {"dilation": 2, "padding": "full"}, id="dilated-full"),
        pytest.param((3, 5, 6), 2, (3, 1), 1, {"padding": ((1, 0), (2, 2))}, id="asymmetric"),
    ],
)
def test_counts_are_the_sizes_of_the_actual_weights(in_shape, c_out, kernel, tile, kwargs):
    cmp = layer_comparison(in_shape, c_out, kernel, tile, **kwargs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(cmp.in_shape)
    outputs = math.prod(cmp.out_shape)
    conv_w = rng.standard_normal(cmp.convolutional.weight_shape)
    y = conv2d(x, conv_w, **kwargs)
    assert y.shape == cmp.out_shape
    assert cmp.convolutional.weights == conv_w.size
    local_w = rng.standard_normal(cmp.locally_connected.weight_shape)
    assert locally_connected2d(x, local_w, **kwargs).shape == cmp.out_shape
    assert cmp.locally_connected.weights == local_w.size
    tiled_w = rng.standard_normal(cmp.tiled.weight_shape)
    assert tiled_conv2d(x, tiled_w, **kwargs).shape == cmp.out_shape
    assert cmp.tiled.weights == tiled_w.size
    dense = conv_matrix(cmp.in_shape[1:], conv_w, **kwargs)  # a dense layer's weight shape
    assert cmp.dense.weight_shape == dense.shape
    assert cmp.dense.weights == dense.size == outputs * x.size
    assert cmp.dense.biases == outputs
    assert cmp.locally_connected.biases == outputs
    assert cmp.tiled.biases == cmp.convolutional.biases == c_out
    # The connections are the stored entries of the matrix; the MACs are layer_cost's.
    triplets = conv_matrix_triplets(cmp.in_shape[1:], conv_w, **kwargs)
    assert cmp.convolutional.connections == len(triplets.values)
    assert cmp.convolutional.macs == layer_cost(cmp.in_shape[0], c_out, kernel,
                                                cmp.out_shape[1:]).macs
    for layer in cmp.layers:
        assert layer.params == layer.weights + layer.biases


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        pytest.param(((6,), 1, 3), ValueError, r"in_shape must be \(C_in, H, W\)",
                     id="in-shape-1d"),
        pytest.param((6, 1, 3), TypeError, r"in_shape must be", id="in-shape-int"),
        pytest.param(((6, 6), 0, 3), ValueError, "out_channels must be positive",
                     id="no-outputs"),
        pytest.param(((6, 6), 1, 7), ValueError, "larger than the 6×6 input", id="big-kernel"),
        pytest.param(((6, 6), 1, 3, (2, 0)), ValueError, "tile must be positive",
                     id="tile-zero"),
    ],
)
def test_layer_comparison_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        layer_comparison(*args)


def test_the_public_names_are_exported():
    from convcore import local

    for name in local.__all__:
        assert getattr(convcore, name) is getattr(local, name)
        assert name in convcore.__all__
