"""convcore.channels against PyTorch (float64): per-channel partial results, 1×1 convolution as
a matrix product, groups, connection patterns and layer costs, with the seeds' examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore import (
    cell_arithmetic,
    channel_connections,
    check_groups,
    conv1x1_as_matmul,
    conv2d,
    group_input_channels,
    layer_cost,
    per_channel_correlations,
    valid_groups,
)

# The seeds' multi-input example (d2l 5.4.1) and its bank of kernels K, K+1, K+2 (5.4.2).
X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
              [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=float)
K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=float)
BANK = np.stack([K, K + 1, K + 2])


def torch_conv2d(x, w, bias=None, **kwargs):
    """PyTorch's conv2d of one (C, H, W) image in float64."""
    xt = torch.tensor(np.asarray(x, dtype=float))[None]
    wt = torch.tensor(np.asarray(w, dtype=float))
    bt = None if bias is None else torch.tensor(np.asarray(bias, dtype=float))
    return F.conv2d(xt, wt, bt, **kwargs)[0].numpy()


def torch_params(c_in, c_out, k, groups, bias):
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias)
    return tuple(layer.weight.shape), sum(p.numel() for p in layer.parameters())


# --------------------------------------------------------------------------- the seeds


def test_seed_multi_input_partials_and_sum():
    partial = per_channel_correlations(X, K[None])
    assert partial.shape == (1, 2, 2, 2)
    np.testing.assert_array_equal(partial[0, 0], [[19, 25], [37, 43]])
    np.testing.assert_array_equal(partial[0, 1], [[37, 47], [67, 77]])
    np.testing.assert_array_equal(partial[0].sum(axis=0), [[56, 72], [104, 120]])
    np.testing.assert_array_equal(partial[0].sum(axis=0), torch_conv2d(X, K[None])[0])


def test_seed_multi_input_first_cell_arithmetic_per_channel():
    per_channel = [cell_arithmetic(X[c], K[c], 0, 0) for c in range(2)]
    assert [a.text() for a in per_channel] == ["0×0 + 1×1 + 3×2 + 4×3 = 19",
                                               "1×1 + 2×2 + 4×3 + 5×4 = 37"]
    total = cell_arithmetic(X, K, 0, 0)
    assert total.total == 56 == sum(a.total for a in per_channel)
    assert total.text() == "(0×0 + 1×1 + 3×2 + 4×3) + (1×1 + 2×2 + 4×3 + 5×4) = 56"


def test_seed_multi_output_bank():
    partial = per_channel_correlations(X, BANK)
    out = partial.sum(axis=1)
    np.testing.assert_array_equal(out, [[[56, 72], [104, 120]],
                                        [[76, 100], [148, 172]],
                                        [[96, 128], [192, 224]]])
    np.testing.assert_array_equal(out, torch_conv2d(X, BANK))


def test_seed_multi_output_cost():
    cost = layer_cost(2, 3, 2, (2, 2), bias=False)
    assert cost.weight_shape == (3, 2, 2, 2) == tuple(BANK.shape)
    assert (cost.weights, cost.biases, cost.params) == (24, 0, 24)
    assert (cost.macs_per_output, cost.out_values, cost.macs) == (8, 12, 96)
    with_bias = layer_cost(2, 3, 2, (2, 2))
    assert (with_bias.biases, with_bias.params, with_bias.macs) == (3, 27, 96)


def test_seed_1x1_check():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(3, 3, 3))
    w = rng.uniform(size=(2, 3, 1, 1))
    mixing = conv1x1_as_matmul(x, w)
    assert mixing.matrix.shape == (2, 3)
    assert mixing.pixels.shape == (3, 9)
    assert mixing.product.shape == (2, 9)
    assert mixing.output.shape == (2, 3, 3)
    assert np.linalg.norm(mixing.output - conv2d(x, w)) < 1e-6
    np.testing.assert_allclose(mixing.output, torch_conv2d(x, w), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- properties


@st.composite
def grouped_layers(draw):
    """A valid grouped convolution on one image, with its settings."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    h, w = draw(st.integers(kh, kh + 4)), draw(st.integers(kw, kw + 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(c_in, h, w))
    weight = rng.normal(size=(c_out, c_in // groups, kh, kw))
    bias = rng.normal(size=c_out)
    return x, weight, bias, dict(stride=stride, padding=padding, groups=groups)


@settings(max_examples=60, deadline=None)
@given(grouped_layers())
def test_partials_sum_to_torch_conv2d(case):
    x, weight, bias, kw = case
    partial = per_channel_correlations(x, weight, **kw)
    c_out, per_group = weight.shape[:2]
    assert partial.shape[:2] == (c_out, per_group)
    expected = torch_conv2d(x, weight, bias, **kw)
    np.testing.assert_allclose(partial.sum(axis=1) + bias[:, None, None], expected,
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(grouped_layers())
def test_each_partial_is_one_input_channel_with_one_slice(case):
    x, weight, _, kw = case
    partial = per_channel_correlations(x, weight, **kw)
    sources = group_input_channels(x.shape[0], weight.shape[0], kw["groups"])
    o, j = weight.shape[0] - 1, weight.shape[1] - 1
    single = torch_conv2d(x[sources[o, j]][None], weight[o, j][None, None],
                          stride=kw["stride"], padding=kw["padding"])[0]
    np.testing.assert_allclose(partial[o, j], single, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(c_in=st.integers(1, 5), c_out=st.integers(1, 5), h=st.integers(1, 5),
       w=st.integers(1, 5), seed=st.integers(0, 2**32 - 1), with_bias=st.booleans())
def test_1x1_matmul_equals_torch(c_in, c_out, h, w, seed, with_bias):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(c_in, h, w))
    weight = rng.normal(size=(c_out, c_in, 1, 1))
    bias = rng.normal(size=c_out) if with_bias else None
    mixing = conv1x1_as_matmul(x, weight, bias)
    np.testing.assert_allclose(mixing.output, torch_conv2d(x, weight, bias),
                               rtol=1e-12, atol=1e-12)
    # Column p of the pixel matrix is pixel (p // w, p % w) across the channels.
    p = h * w - 1
    np.testing.assert_array_equal(mixing.pixels[:, p], x[:, p // w, p % w])


def test_1x1_float32_stays_float32():
    x = np.ones((2, 2, 2), dtype=np.float32)
    w = np.ones((3, 2, 1, 1), dtype=np.float32)
    mixing = conv1x1_as_matmul(x, w)
    assert mixing.output.dtype == np.float32
    np.testing.assert_array_equal(mixing.output, np.full((3, 2, 2), 2.0))


def test_1x1_accepts_a_plain_matrix():
    x = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(conv1x1_as_matmul(x, [[1, -1]]).output, [[[-4, -4],
                                                                            [-4, -4]]])


# --------------------------------------------------------------------------- groups


@pytest.mark.parametrize(("c_in", "c_out", "expected"), [
    pytest.param(1, 1, (1,), id="1-1"),
    pytest.param(4, 6, (1, 2), id="4-6"),
    pytest.param(3, 3, (1, 3), id="rgb-depthwise"),
    pytest.param(8, 16, (1, 2, 4, 8), id="8-16"),
    pytest.param(5, 7, (1,), id="coprime"),
])
def test_valid_groups_are_the_ones_torch_accepts(c_in, c_out, expected):
    assert valid_groups(c_in, c_out) == expected
    for g in range(1, max(c_in, c_out) + 1):
        try:
            torch.nn.Conv2d(c_in, c_out, 1, groups=g)
            torch_accepts = True
        except ValueError:
            torch_accepts = False
        assert torch_accepts == (g in expected), g


@pytest.mark.parametrize(("c_in", "c_out", "groups", "words"), [
    pytest.param(4, 6, 3, "does not divide the 4 input channels", id="input"),
    pytest.param(4, 6, 4, "does not divide the 6 output channels", id="output"),
    pytest.param(3, 5, 2, "the 3 input channels or the 5 output channels", id="both"),
    pytest.param(4, 6, 3, "groups can be 1, 2", id="lists-the-valid-values"),
])
def test_check_groups_explains(c_in, c_out, groups, words):
    with pytest.raises(ValueError, match=words):
        check_groups(c_in, c_out, groups)


@pytest.mark.parametrize(("args", "error"), [
    pytest.param((4, 4, 0), ValueError, id="zero-groups"),
    pytest.param((4, 4, 1.5), TypeError, id="float-groups"),
    pytest.param((0, 4, 1), ValueError, id="no-input-channels"),
    pytest.param((4, True, 1), TypeError, id="bool-count"),
])
def test_check_groups_rejects_non_counts(args, error):
    with pytest.raises(error):
        check_groups(*args)


def test_group_input_channels_depthwise_multiplier():
    np.testing.assert_array_equal(group_input_channels(3, 6, 3), [[0], [0], [1], [1], [2], [2]])


@pytest.mark.parametrize(("c_in", "c_out", "groups"), [
    pytest.param(4, 4, 1, id="dense"),
    pytest.param(4, 6, 2, id="two-groups"),
    pytest.param(3, 6, 3, id="depthwise-x2"),
    pytest.param(6, 3, 3, id="grouped-reduce"),
])
def test_connections_match_torch_gradients(c_in, c_out, groups):
    # Input channel i feeds output channel o exactly when d out[o] / d x[i] is not zero.
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(c_in, c_out, 3, groups=groups, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.rand_like(layer.weight) + 0.5)
    x = torch.ones(1, c_in, 3, 3, dtype=torch.float64, requires_grad=True)
    expected = np.zeros((c_out, c_in), dtype=bool)
    for o in range(c_out):
        (grad,) = torch.autograd.grad(layer(x)[0, o].sum(), x)
        expected[o] = grad[0].abs().sum(dim=(1, 2)).numpy() > 0
    np.testing.assert_array_equal(channel_connections(c_in, c_out, groups), expected)
    assert channel_connections(c_in, c_out, groups).sum() == c_out * (c_in // groups)


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize(("c_in", "c_out", "k", "groups", "bias"), [
    pytest.param(2, 3, 2, 1, False, id="seed-bank"),
    pytest.param(3, 2, 1, 1, False, id="seed-1x1"),
    pytest.param(32, 64, 3, 1, True, id="dense-3x3"),
    pytest.param(32, 64, 3, 32, True, id="depthwise-x2"),
    pytest.param(32, 32, 3, 32, False, id="depthwise"),
    pytest.param(12, 8, (3, 5), 4, True, id="grouped-rect"),
])
def test_layer_cost_matches_torch(c_in, c_out, k, groups, bias):
    cost = layer_cost(c_in, c_out, k, (7, 5), groups=groups, bias=bias)
    shape, params = torch_params(c_in, c_out, k, groups, bias)
    assert cost.weight_shape == shape
    assert cost.params == params
    assert cost.weights + cost.biases == params


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_layer_cost_macs_count_the_products(groups):
    # Multiply-adds = the products a direct evaluation forms: one per (output value, tap).
    c_in, c_out, out_hw = 4, 8, (3, 5)
    cost = layer_cost(c_in, c_out, 3, out_hw, groups=groups)
    one_value = cell_arithmetic(np.ones((c_in // groups, 5, 7)), np.ones((c_in // groups, 3, 3)),
                                0, 0)
    products_per_value = len(one_value.terms)
    assert cost.macs == products_per_value * c_out * out_hw[0] * out_hw[1]
    assert cost.macs == layer_cost(c_in, c_out, 3, out_hw).macs // groups


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    pytest.param(dict(groups=3), ValueError, "does not divide", id="groups"),
    pytest.param(dict(bias="yes"), TypeError, "bias", id="bias"),
])
def test_layer_cost_refuses(kwargs, error, words):
    with pytest.raises(error, match=words):
        layer_cost(4, 4, 3, 5, **kwargs)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("x", "w", "kwargs", "error", "words"), [
    pytest.param(X[0], K[None], {}, ValueError, "channels, height, width", id="2d-input"),
    pytest.param(X, K, {}, ValueError, "out_channels, in_channels", id="3d-weight"),
    pytest.param(X, np.ones((1, 3, 2, 2)), {}, ValueError, "expects 3", id="channel-count"),
    pytest.param(X, np.ones((3, 1, 2, 2)), dict(groups=2), ValueError,
                 "does not divide the 3 output", id="groups"),
    pytest.param(X.astype(str), K[None], {}, TypeError, "real numbers", id="strings"),
    pytest.param(X, np.ones((1, 2, 4, 4)), {}, ValueError, "larger", id="kernel-too-big"),
])
def test_per_channel_correlations_refuses(x, w, kwargs, error, words):
    with pytest.raises(error, match=words):
        per_channel_correlations(x, w, **kwargs)


@pytest.mark.parametrize(("x", "w", "bias", "words"), [
    pytest.param(X, BANK, None, "2×2 kernel", id="not-1x1"),
    pytest.param(X, np.ones((2, 3, 1, 1)), None, "has 2 channels but the weight mixes 3",
                 id="channels"),
    pytest.param(X, np.ones((2, 2, 1, 1)), np.ones(3), "one value per output channel",
                 id="bias"),
    pytest.param(X[0], np.ones((2, 2)), None, "channels, height, width", id="2d-input"),
])
def test_conv1x1_as_matmul_refuses(x, w, bias, words):
    with pytest.raises(ValueError, match=words):
        conv1x1_as_matmul(x, w, bias)
