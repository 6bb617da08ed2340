"""The computable sentences the app prints (issue 18, docs/glossary.md), checked against PyTorch.

Each test pins one claim a page or a convcore message makes, by brute force over the ranges
named in the issue, with PyTorch in float64 as the oracle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convcore import conv2d, lp_pool2d, max_pool2d
from convcore.padding import resolve_padding
from convcore.shapes import conv_output_shape, resolve_pool_padding
from ui import figures_pooling as P

# ---------------------------------------------------------------- pooling padding vs windows


def torch_max_pool_neg_inf_padded(n: int, k: int, p: int, s: int) -> torch.Tensor:
    """1×n row 0…n−1, padded by hand with p cells of −∞ per side, max pooled (1, k)/(1, s)."""
    x = torch.arange(n, dtype=torch.float64).view(1, 1, 1, n)
    return F.max_pool2d(F.pad(x, (p, p), value=-math.inf), (1, k), (1, s))


POOL_PADDING_CASES = [(n, k, p, s) for n in range(1, 7) for k in range(1, 6)
                      for p in range(k + 2) for s in range(1, 4) if n + 2 * p >= k]


def test_a_window_of_padding_alone_needs_padding_of_at_least_the_window():
    """pooling.py's "Why": without dilation every window holds a real cell while p < k; only
    p ≥ k makes a window of padding alone (so PyTorch's half-window limit is a rule)."""
    all_padding = {case for case in POOL_PADDING_CASES
                   if torch.isinf(torch_max_pool_neg_inf_padded(*case)).any()}
    assert all_padding == {(n, k, p, s) for n, k, p, s in POOL_PADDING_CASES if p >= k}
    assert any(k / 2 < p < k for _, k, p, _ in POOL_PADDING_CASES)  # the range in question


@pytest.mark.parametrize(("n", "k", "p", "s"), [
    pytest.param(4, 3, 2, 1, id="issue-k3-p2-n4"),
    pytest.param(4, 3, 2, 2, id="k3-p2-stride2"),
    pytest.param(5, 4, 3, 1, id="k4-p3"),
    pytest.param(3, 2, 1, 1, id="k2-p1-allowed"),
])
def test_padding_over_half_the_window_pads_by_hand_like_mxnet(n, k, p, s):
    """The page's explicit-padding numbers (the seeds' MXNet rule) equal PyTorch's."""
    settings = P.PoolSettings("max", (1, k), (1, s), (0, p))
    ours = P.explicit_padding_pool(np.arange(n, dtype=np.float64).reshape(1, n), settings)
    expected = torch_max_pool_neg_inf_padded(n, k, p, s)[0, 0].numpy()
    np.testing.assert_array_equal(ours, expected)
    assert np.isfinite(ours).all()


def test_the_issue_example_output():
    out = torch_max_pool_neg_inf_padded(4, 3, 2, 1)
    assert out.flatten().tolist() == [0, 1, 2, 3, 3, 3]


@pytest.mark.parametrize(("k", "p"), [pytest.param(3, 2, id="k3-p2"),
                                       pytest.param(4, 3, id="k4-p3"),
                                       pytest.param(2, 2, id="k2-p2")])
def test_more_than_half_the_window_is_refused_as_a_rule_like_pytorch(k, p):
    with pytest.raises(ValueError, match=rf"PyTorch allows at most {k // 2}\. This is "
                                         "PyTorch's rule, not a guarantee"):
        resolve_pool_padding(p, (k,), (1,), 1)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(torch.zeros(1, 1, 8, 8, dtype=torch.float64), k, 1, p)


# (input row, window, padding, dilation) with padding ≤ half the window: some dilated window's
# taps land on padding only, and PyTorch returns −∞ there.
DILATED_NEG_INF = [
    pytest.param([[1.0, 2.0]], (1, 2), (0, 1), (1, 3), id="issue-1x2"),
    pytest.param(np.arange(9.0).reshape(3, 3), (2, 2), (1, 1), (4, 4), id="3x3-k2-p1-d4"),
    pytest.param([[5.0]], (1, 2), (0, 1), (1, 2), id="1x1-k2-p1-d2"),
]


@pytest.mark.parametrize(("x", "k", "p", "d"), DILATED_NEG_INF)
def test_allowed_padding_does_not_guarantee_a_real_cell_in_a_dilated_window(x, k, p, d):
    x = np.asarray(x, dtype=np.float64)
    assert all(2 * pi <= ki for pi, ki in zip(p, k, strict=True))  # within PyTorch's rule
    expected = F.max_pool2d(torch.from_numpy(x)[None, None], k, 1, p, d)[0, 0].numpy()
    ours = max_pool2d(x, k, 1, p, d)
    np.testing.assert_array_equal(ours, expected)
    assert np.isneginf(ours).any()


# ---------------------------------------------------------------- 'same' with a stride


@pytest.mark.parametrize(("n", "k", "s", "p"), [
    pytest.param(8, 3, 2, 5, id="issue-8x8-k3-s2-p5"),
    pytest.param(8, 3, 3, 9, id="8x8-k3-s3-p9"),
    pytest.param(5, 2, 2, 3, id="5x5-k2-s2-p3"),
])
def test_some_padding_keeps_the_size_at_stride_above_one(n, k, s, p):
    """So padding='same' with a stride is refused as a rule, not because it is impossible."""
    x = np.random.default_rng(0).random((1, 1, n, n))
    w = np.random.default_rng(1).random((1, 1, k, k))
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=s, padding=p)
    assert tuple(expected.shape[-2:]) == (n, n)
    assert conv_output_shape((n, n), k, s, p) == (n, n)
    np.testing.assert_allclose(conv2d(x, w, stride=s, padding=p), expected.numpy(), atol=1e-12)


def test_same_with_a_stride_says_why_pytorch_refuses_it():
    with pytest.raises(ValueError) as err:
        resolve_padding("same", 3, stride=2)
    message = str(err.value)
    assert "would depend on the input size" in message
    assert "no padding keeps" not in message and "impossible" not in message
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")  # the padding page quotes this


def test_stride_one_same_padding_at_stride_s_gives_ceil_n_over_s_for_every_kernel():
    """padding_stride.py: "⌈n / s⌉ for any kernel and dilation" (n ≤ 29, k ≤ 7, d ≤ 2,
    s ≤ 4), with convcore's 'same' padding and PyTorch's output size."""
    checked = 0
    for k in range(1, 8):
        for d in (1, 2):
            ((before, after),) = resolve_padding("same", k, dilation=d, ndim=1)
            w = torch.ones(1, 1, k, dtype=torch.float64)
            for n in range(1, 30):
                x = F.pad(torch.zeros(1, 1, n, dtype=torch.float64), (before, after))
                for s in range(1, 5):
                    out = F.conv1d(x, w, stride=s, dilation=d).shape[-1]
                    assert out == -(-n // s), (n, k, d, s)
                    assert conv_output_shape((n,), k, s, ((before, after),), d) == (out,)
                    checked += 1
    assert checked == 29 * 7 * 2 * 4


# ---------------------------------------------------------------- Lp pooling on signed values

SIGNED_WINDOW = [[-1.0, -2.0], [-3.0, 4.0]]


@pytest.mark.parametrize(("p", "expected"), [
    pytest.param(1.0, -2.0, id="p1-signed-sum"),
    pytest.param(2.5, math.nan, id="p2.5-nan"),
    pytest.param(2.0, math.sqrt(30.0), id="p2-l2-norm"),
    pytest.param(4.0, 354.0 ** 0.25, id="p4-even-norm"),
    pytest.param(3.0, 28.0 ** (1 / 3), id="p3-not-a-norm"),
])
def test_lp_pooling_works_on_signed_values(p, expected):
    x = np.array(SIGNED_WINDOW)
    theirs = F.lp_pool2d(torch.from_numpy(x)[None, None], p, 2).item()
    ours = float(lp_pool2d(x, p, 2)[0, 0])
    np.testing.assert_allclose([ours, theirs], [expected, expected], rtol=1e-12)


def test_lp_pooling_is_the_norm_for_non_negative_values_or_even_p():
    rng = np.random.default_rng(4)
    signed = rng.normal(size=(4, 4))
    for p in (1.0, 1.5, 2.5, 3.0):
        x = np.abs(signed)
        np.testing.assert_allclose(lp_pool2d(x, p, 4)[0, 0],
                                   np.linalg.norm(x.ravel(), ord=p), rtol=1e-12)
    for p in (2.0, 4.0):
        np.testing.assert_allclose(lp_pool2d(signed, p, 4)[0, 0],
                                   np.linalg.norm(signed.ravel(), ord=p), rtol=1e-12)


# ---------------------------------------------------------------- sums the page describes


@pytest.mark.parametrize(("k", "d"), [pytest.param(2, 2, id="k2-d2"),
                                       pytest.param(3, 2, id="k3-d2"),
                                       pytest.param(2, 3, id="k2-d3")])
def test_a_dilated_kernel_of_ones_sums_the_taps_not_the_gaps(k, d):
    """padding_stride.py: "each cell sums the cells under the kernel's taps (with dilation, not
    the cells in the gaps)"."""
    x = np.arange(64.0).reshape(8, 8)
    out = conv2d(x, np.ones((k, k)), dilation=d)
    expected = F.conv2d(torch.from_numpy(x)[None, None], torch.ones(1, 1, k, k,
                        dtype=torch.float64), dilation=d)[0, 0].numpy()
    np.testing.assert_allclose(out, expected)
    span = d * (k - 1) + 1
    taps = x[0:span:d, 0:span:d].sum()
    assert out[0, 0] == taps and out[0, 0] != x[:span, :span].sum()


def test_the_same_slice_on_r_g_b_sums_to_the_slice_on_r_plus_g_plus_b():
    """channels.py: "with the same slice K on R, G and B the sum is K ⋆ (R + G + B)"; so an
    edge between two colours with equal R + G + B cancels (red | green here)."""
    rgb = np.zeros((3, 4, 6))
    rgb[0, :, :3] = 1.0  # red on the left
    rgb[1, :, 3:] = 1.0  # green on the right: same R + G + B, different colours
    k = np.array([[-1.0, 0.0, 1.0]] * 3)  # Sobel-like vertical-edge slice
    out = conv2d(rgb, np.stack([k, k, k])[None])[0]
    np.testing.assert_allclose(out, conv2d(rgb.sum(axis=0), k), atol=1e-12)
    np.testing.assert_allclose(out, 0.0, atol=1e-12)
    assert np.abs(conv2d(rgb[0], k)).max() > 0  # each plane alone does see the edge
