"""Convolution test cases as data: the seeds' worked examples and PyTorch's quirks.

Every case has an ``id`` that says what it is; the tests in ``test_conv.py``,
``test_conv_backward.py`` and ``test_reference.py`` parametrize over these tables.
The expected values are the ones printed in the seeds (d2l chapter 5, ``shared/seeds/001``)
or, for the quirks, PyTorch's own output written down.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field

import numpy as np

from convcore import conv as conv_module

# --------------------------------------------------------------------------- seed inputs

# d2l 5.2.1: the 3×3 input and the 2×2 kernel.
SEED_X = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]], dtype=float)
SEED_K = np.array([[0, 1], [2, 3]], dtype=float)

# d2l 5.2.3: a 6×8 image, white (1) with a black (0) band in columns 2..5, and [1, -1].
EDGE_X = np.ones((6, 8))
EDGE_X[:, 2:6] = 0
EDGE_K = np.array([[1.0, -1.0]])
EDGE_Y = np.tile([0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0], (6, 1))

# d2l 5.4.1: two input channels.
MULTI_X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
                    [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=float)
MULTI_K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=float)
# d2l 5.4.2: three output channels from K, K + 1, K + 2.
MULTI_OUT_K = np.stack([MULTI_K, MULTI_K + 1, MULTI_K + 2])


@dataclass(frozen=True)
class ConvCase:
    """One call of ``conv2d`` (or ``corr2d``) and the result the seeds print."""

    id: str
    x: np.ndarray
    weight: np.ndarray
    expected: np.ndarray
    kwargs: dict = field(default_factory=dict)


SEED_CONV_CASES = [
    ConvCase("d2l-19-25-37-43", SEED_X, SEED_K, np.array([[19.0, 25.0], [37.0, 43.0]])),
    ConvCase("edge-6x8-kernel-1-minus-1", EDGE_X, EDGE_K, EDGE_Y),
    ConvCase("edge-transposed-vanishes", EDGE_X.T, EDGE_K, np.zeros((8, 5))),
    ConvCase("multi-in-56", MULTI_X, MULTI_K[np.newaxis],
             np.array([[[56.0, 72.0], [104.0, 120.0]]])),
    ConvCase("multi-out-K-K1-K2", MULTI_X, MULTI_OUT_K,
             np.array([[[56.0, 72.0], [104.0, 120.0]],
                       [[76.0, 100.0], [148.0, 172.0]],
                       [[96.0, 128.0], [192.0, 224.0]]])),
]

# PyTorch's own outputs for its quirks (written down from torch 2.13).
ARANGE_4X4 = np.arange(16, dtype=float).reshape(4, 4)
QUIRK_CASES = [
    # An even kernel with padding="same": the extra row/column of zeros goes bottom/right.
    ConvCase("same-even-kernel-pads-bottom-right", ARANGE_4X4, np.ones((2, 2)),
             np.array([[10.0, 14.0, 18.0, 10.0],
                       [26.0, 30.0, 34.0, 18.0],
                       [42.0, 46.0, 50.0, 26.0],
                       [25.0, 27.0, 29.0, 15.0]]),
             {"padding": "same"}),
    # "full": every partial overlap, kernel_span − 1 zeros on every side.
    ConvCase("full-1x2-on-1x3", np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 10.0]]),
             np.array([[10.0, 21.0, 32.0, 3.0]]), {"padding": "full"}),
    # A stride that does not divide: the last row/column is never reached.
    ConvCase("stride-2-drops-last-column", np.arange(5.0)[np.newaxis], np.array([[1.0, 1.0]]),
             np.array([[1.0, 5.0]]), {"stride": 2}),
    # Dilation 2: the 2×2 kernel's taps are two cells apart.
    ConvCase("dilation-2", ARANGE_4X4, np.ones((2, 2)),
             np.array([[20.0, 24.0], [36.0, 40.0]]), {"dilation": 2}),
    # Asymmetric padding: one zero row on top only.
    ConvCase("asymmetric-top-only", SEED_X, SEED_K,
             np.array([[3.0, 8.0], [19.0, 25.0], [37.0, 43.0]]),
             {"padding": ((1, 0), (0, 0))}),
    # Reflect/replicate/circular fill the padding from the input itself.
    ConvCase("reflect-row", np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 0.0, 0.0]]),
             np.array([[2.0, 1.0, 2.0]]), {"padding": (0, 1), "padding_mode": "reflect"}),
    ConvCase("replicate-row", np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 0.0, 0.0]]),
             np.array([[1.0, 1.0, 2.0]]), {"padding": (0, 1), "padding_mode": "replicate"}),
    ConvCase("circular-row", np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 0.0, 0.0]]),
             np.array([[3.0, 1.0, 2.0]]), {"padding": (0, 1), "padding_mode": "circular"}),
]


@dataclass(frozen=True)
class ShapeCase:
    """An output-shape example on the seeds' 8×8 input (d2l 5.3)."""

    id: str
    kernel: tuple[int, int]
    kwargs: dict
    expected: tuple[int, int]


# The seed text prints "(4, 4)" for the last one, a slip: the formula it quotes gives
# ⌊(8 − 3 + 0 + 3)/3⌋ × ⌊(8 − 5 + 2 + 4)/4⌋ = 2 × 2, which is what PyTorch (and d2l) return.
SEED_SHAPE_CASES = [
    ShapeCase("k3-p1", (3, 3), {"padding": 1}, (8, 8)),
    ShapeCase("k5x3-p2x1", (5, 3), {"padding": (2, 1)}, (8, 8)),
    ShapeCase("k3-p1-s2", (3, 3), {"padding": 1, "stride": 2}, (4, 4)),
    ShapeCase("k3x5-p0x1-s3x4", (3, 5), {"padding": (0, 1), "stride": (3, 4)}, (2, 2)),
]


@dataclass(frozen=True)
class ErrorCase:
    """An invalid call and the error it must raise (type and a regex of the message)."""

    id: str
    kwargs: dict
    error: type
    match: str


def _x(*shape):
    return np.ones(shape)


# conv2d(x, weight, **rest): each with its own broken argument.
CONV2D_ERROR_CASES = [
    ErrorCase("input-5d", {"x": _x(1, 1, 1, 4, 4), "weight": _x(1, 1, 2, 2)}, ValueError,
              r"takes an input of shape \(N, C, H, W\) or \(C, H, W\).*5-D"),
    ErrorCase("input-1d", {"x": _x(4), "weight": _x(1, 1, 2, 2)}, ValueError,
              r"takes an input of shape"),
    ErrorCase("weight-3d", {"x": _x(1, 1, 4, 4), "weight": _x(1, 2, 2)}, ValueError,
              r"takes a weight of shape \(out_channels, in_channels/groups, kH, kW\)"),
    ErrorCase("2d-kernel-with-3d-input", {"x": _x(1, 4, 4), "weight": _x(2, 2)}, ValueError,
              r"a 2-D \(kH, kW\) kernel goes with a 2-D \(H, W\) input"),
    ErrorCase("4d-weight-with-2d-input", {"x": _x(4, 4), "weight": _x(1, 1, 2, 2)},
              ValueError, r"a 2-D \(H, W\) input takes a \(kH, kW\) kernel"),
    ErrorCase("channel-mismatch", {"x": _x(1, 3, 5, 5), "weight": _x(8, 2, 3, 3)},
              ValueError,
              r"^the input has 3 channels but the weight expects 2 \(weight shape "
              r"\(8, 2, 3, 3\)\)$"),
    ErrorCase("channel-mismatch-groups", {"x": _x(1, 4, 5, 5), "weight": _x(4, 1, 3, 3),
                                          "groups": 2},
              ValueError, r"expects 1 per group × 2 groups = 2"),
    ErrorCase("groups-do-not-divide-input", {"x": _x(1, 3, 5, 5), "weight": _x(4, 1, 3, 3),
                                             "groups": 2},
              ValueError, r"groups=2 does not divide the 3 input channels"),
    ErrorCase("groups-do-not-divide-output", {"x": _x(1, 4, 5, 5), "weight": _x(3, 2, 3, 3),
                                              "groups": 2},
              ValueError, r"groups=2 does not divide the 3 output channels"),
    ErrorCase("groups-zero", {"x": _x(1, 1, 5, 5), "weight": _x(1, 1, 3, 3), "groups": 0},
              ValueError, r"groups must be positive"),
    ErrorCase("groups-fraction", {"x": _x(1, 1, 5, 5), "weight": _x(1, 1, 3, 3),
                                  "groups": 1.5},
              TypeError, r"groups must be made of integers"),
    ErrorCase("kernel-larger-than-input", {"x": _x(4, 4), "weight": _x(5, 5)}, ValueError,
              r"the 5×5 kernel is larger than the 4×4 input"),
    ErrorCase("kernel-larger-than-padded-input", {"x": _x(4, 4), "weight": _x(7, 7),
                                                  "padding": 1},
              ValueError, r"larger than the padded 6×6 input"),
    ErrorCase("dilated-kernel-too-large", {"x": _x(4, 4), "weight": _x(3, 3), "dilation": 2},
              ValueError, r"spanning 5×5 with dilation 2×2"),
    ErrorCase("stride-zero", {"x": _x(4, 4), "weight": _x(2, 2), "stride": 0}, ValueError,
              r"stride must be positive, got 0"),
    ErrorCase("stride-negative", {"x": _x(4, 4), "weight": _x(2, 2), "stride": (1, -2)},
              ValueError, r"stride must be positive, got -2"),
    ErrorCase("stride-nan", {"x": _x(4, 4), "weight": _x(2, 2), "stride": float("nan")},
              ValueError, r"stride must be a whole number, got NaN"),
    ErrorCase("stride-bool", {"x": _x(4, 4), "weight": _x(2, 2), "stride": True}, TypeError,
              r"stride must be made of integers"),
    ErrorCase("stride-wrong-length", {"x": _x(4, 4), "weight": _x(2, 2), "stride": (1, 1, 1)},
              ValueError, r"stride needs 2 values"),
    ErrorCase("dilation-zero", {"x": _x(4, 4), "weight": _x(2, 2), "dilation": 0},
              ValueError, r"dilation must be positive"),
    ErrorCase("padding-negative", {"x": _x(4, 4), "weight": _x(2, 2), "padding": -1},
              ValueError, r"padding must be at least 0, got -1"),
    ErrorCase("padding-unknown-word", {"x": _x(4, 4), "weight": _x(2, 2), "padding": "half"},
              ValueError, r"padding must be a number, a tuple, or one of"),
    ErrorCase("same-with-stride-2", {"x": _x(6, 6), "weight": _x(3, 3), "padding": "same",
                                     "stride": 2},
              ValueError, r"padding='same' needs stride 1"),
    ErrorCase("padding-mode-unknown", {"x": _x(4, 4), "weight": _x(2, 2), "padding": 1,
                                       "padding_mode": "mirror"},
              ValueError, r"padding_mode must be one of 'zeros', 'reflect'"),
    ErrorCase("reflect-pad-too-wide", {"x": _x(3, 3), "weight": _x(3, 3), "padding": 3,
                                       "padding_mode": "reflect"},
              ValueError, r"reflect padding of 3 needs the input to be larger"),
    ErrorCase("circular-pad-too-wide", {"x": _x(3, 3), "weight": _x(3, 3), "padding": 4,
                                        "padding_mode": "circular"},
              ValueError, r"circular padding of 4 needs the input to be larger"),
    ErrorCase("empty-batch", {"x": _x(0, 1, 4, 4), "weight": _x(1, 1, 2, 2)}, ValueError,
              r"the input is empty \(shape \(0, 1, 4, 4\)\)"),
    ErrorCase("empty-kernel", {"x": _x(4, 4), "weight": _x(0, 2)}, ValueError,
              r"the weight is empty \(shape \(0, 2\)\)"),
    ErrorCase("zero-output-channels", {"x": _x(1, 1, 4, 4), "weight": _x(0, 1, 2, 2)},
              ValueError, r"the weight is empty"),
    ErrorCase("object-dtype", {"x": np.array([[1, None], [2, 3]], dtype=object),
                               "weight": _x(1, 1)},
              TypeError, r"the input must hold real numbers, got an array of dtype object"),
    ErrorCase("string-dtype", {"x": _x(2, 2), "weight": np.array([["a", "b"]])}, TypeError,
              r"the weight must hold real numbers, got an array of dtype <U1"),
    ErrorCase("complex-dtype", {"x": _x(2, 2) + 1j, "weight": _x(1, 1)}, TypeError,
              r"real numbers.*complex128"),
    ErrorCase("ragged-list", {"x": [[1, 2], [3]], "weight": _x(1, 1)}, ValueError,
              r"the input must be a rectangular array of numbers"),
    ErrorCase("bias-wrong-length", {"x": _x(1, 1, 4, 4), "weight": _x(3, 1, 2, 2),
                                    "bias": np.zeros(2)},
              ValueError, r"the bias must have one value per output channel, shape \(3,\); "
                          r"got shape \(2,\)"),
    ErrorCase("bias-2d", {"x": _x(1, 1, 4, 4), "weight": _x(3, 1, 2, 2),
                          "bias": np.zeros((3, 1))},
              ValueError, r"got shape \(3, 1\)"),
    ErrorCase("bias-strings", {"x": _x(1, 1, 4, 4), "weight": _x(1, 1, 2, 2),
                               "bias": np.array(["a"])},
              TypeError, r"the bias must hold real numbers"),
]


# --------------------------------------------------------------------------- PyTorch oracle
#
# The same call in PyTorch, float64, the way ``torch.nn.Conv2d`` does it: non-zero padding
# modes (and asymmetric zero padding) by an explicit ``F.pad``, then ``F.conv{1,2,3}d``.
# The padding forms are resolved here independently of ``convcore.padding``.

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_FORMS = ("int", "per-axis", "pairs", "valid", "same", "full")


def _torch():
    import torch
    import torch.nn.functional as F

    return torch, F


def oracle_pads(padding, kernel, dilation) -> list[tuple[int, int]]:
    """(before, after) per axis, by PyTorch's rules, without convcore's help."""
    n = len(kernel)
    dilation = (dilation,) * n if isinstance(dilation, int) else tuple(dilation)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if padding == "valid":
        return [(0, 0)] * n
    if padding == "same":  # nn.Conv2d: total d·(k − 1), the odd cell after
        return [((s - 1) // 2, (s - 1) - (s - 1) // 2) for s in spans]
    if padding == "full":
        return [(s - 1, s - 1) for s in spans]
    if isinstance(padding, int):
        return [(padding, padding)] * n
    return [tuple(p) if isinstance(p, tuple) else (p, p) for p in padding]


def _batch(x, w, ndim):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.ndim == ndim:  # plain: (H, W) input, (kh, kw) kernel
        return x[np.newaxis, np.newaxis], w[np.newaxis, np.newaxis], 2
    if x.ndim == ndim + 1:
        return x[np.newaxis], w, 1
    return x, w, 0


def _unbatch(a, dropped: int):
    return a[(0,) * dropped] if dropped else a


def torch_conv_graph(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                     padding_mode="zeros", ndim=2):
    """Build the PyTorch graph: returns (y, x_leaf, w_leaf, b_leaf, dropped_axes)."""
    torch, F = _torch()
    xb, wb, dropped = _batch(x, weight, ndim)
    xt = torch.tensor(xb, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(wb, dtype=torch.float64, requires_grad=True)
    bt = None
    if bias is not None:
        bt = torch.tensor(np.asarray(bias, dtype=float).reshape(-1), dtype=torch.float64,
                          requires_grad=True)
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[ndim]
    if padding_mode == "zeros" and (padding in ("same", "valid") or isinstance(padding, int)
                                    or all(isinstance(p, int) for p in padding)):
        with warnings.catch_warnings():  # "same" with an even kernel: a note, not a problem
            warnings.simplefilter("ignore", UserWarning)
            y = conv(xt, wt, bt, stride, padding, dilation, groups)  # torch's own rule
    else:
        pads = oracle_pads(padding, wb.shape[2:], dilation)
        flat = [v for pair in reversed(pads) for v in pair]  # F.pad: last axis first
        mode = "constant" if padding_mode == "zeros" else padding_mode
        y = conv(F.pad(xt, flat, mode=mode), wt, bt, stride, 0, dilation, groups)
    return y, xt, wt, bt, dropped


def torch_conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
               padding_mode="zeros", ndim=2) -> np.ndarray:
    """PyTorch's output for the same call, in the caller's rank."""
    y, *_, dropped = torch_conv_graph(x, weight, bias, stride, padding, dilation, groups,
                                      padding_mode, ndim)
    return _unbatch(y.detach().numpy(), dropped)


def torch_conv_grads(x, weight, bias, grad_output, stride=1, padding=0, dilation=1, groups=1,
                     padding_mode="zeros", ndim=2):
    """PyTorch autograd's (grad_input, grad_weight, grad_bias) for the same call."""
    torch, _ = _torch()
    y, xt, wt, bt, dropped = torch_conv_graph(x, weight, bias, stride, padding, dilation, groups,
                                              padding_mode, ndim)
    g = torch.tensor(np.asarray(grad_output, dtype=float).reshape(y.shape))
    gx, gw, gb = torch.autograd.grad(y, (xt, wt, bt), g)
    weight_dropped = dropped if dropped == 2 else 0  # only a plain kernel was wrapped
    return (_unbatch(gx.numpy(), dropped), _unbatch(gw.numpy(), weight_dropped), gb.numpy())


# --------------------------------------------------------------------------- strategies


def conv_problems(ndim: int = 2, modes=PADDING_MODES, forms=PADDING_FORMS, max_kernel=4,
                  ranks=("plain", "unbatched", "batched")):
    """A hypothesis strategy for valid convolution calls: a dict of ``conv2d``'s arguments.

    Shapes, groups, kernel sizes, strides, dilations, every padding form and mode, and the
    three ranks; input sizes are drawn large enough for the kernel and for the limits of
    reflect (pad < size) and circular (pad ≤ size) padding.
    """
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        rank = draw(st.sampled_from(ranks))
        if rank == "plain":
            groups, per_group, outs_per_group, batch = 1, 1, 1, 1
        else:
            groups = draw(st.integers(1, 3))
            per_group = draw(st.integers(1, 3))
            outs_per_group = draw(st.integers(1, 3))
            batch = draw(st.integers(1, 2)) if rank == "batched" else 1
        kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(ndim))
        dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
        form = draw(st.sampled_from(forms))
        mode = draw(st.sampled_from(modes))
        if form == "same":
            stride = 1
        else:
            stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
            if draw(st.booleans()):
                stride = stride[0]
        pad_value = st.integers(0, 3)
        if form == "int":
            padding = draw(pad_value)
        elif form == "per-axis":
            padding = tuple(draw(pad_value) for _ in range(ndim))
        elif form == "pairs":
            padding = tuple((draw(pad_value), draw(pad_value)) for _ in range(ndim))
        else:
            padding = form
        pads = oracle_pads(padding, kernel, dilation)
        sizes = []
        for k, d, (before, after) in zip(kernel, dilation, pads, strict=True):
            low = max(1, d * (k - 1) + 1 - before - after)
            if mode == "reflect":
                low = max(low, max(before, after) + 1)
            elif mode == "circular":
                low = max(low, max(before, after))
            sizes.append(draw(st.integers(low, low + 5)))
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        in_channels = groups * per_group
        out_channels = groups * outs_per_group
        if rank == "plain":
            x = rng.standard_normal(tuple(sizes))
            w = rng.standard_normal(kernel)
        else:
            lead = (batch, in_channels) if rank == "batched" else (in_channels,)
            x = rng.standard_normal((*lead, *sizes))
            w = rng.standard_normal((out_channels, per_group, *kernel))
        bias = rng.standard_normal(out_channels) if draw(st.booleans()) else None
        return {"x": x, "weight": w, "bias": bias, "stride": stride, "padding": padding,
                "dilation": dilation, "groups": groups, "padding_mode": mode}

    return problems()


@contextlib.contextmanager
def tiny_column_blocks():
    """Blocks of at most 64 bytes: about one output row per block, the blocking path."""
    original = conv_module.COLUMN_BLOCK_BYTES
    conv_module.COLUMN_BLOCK_BYTES = 64
    try:
        yield
    finally:
        conv_module.COLUMN_BLOCK_BYTES = original
