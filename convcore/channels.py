"""Channels: how a convolutional layer adds input channels up and mixes them into outputs.

Everything here follows PyTorch's layout: the input is ``(C_in, H, W)``, the weight is
``(C_out, C_in / groups, kh, kw)``, and output channel ``o`` of a layer with ``groups`` groups
sees only the input channels of its own group. The helpers split ``conv2d`` into the pieces
the app draws:

- :func:`per_channel_correlations` — one 2-D cross-correlation per (output channel, input
  channel slice); their sum over the slices (plus the bias) is ``conv2d``.
- :func:`conv1x1_as_matmul` — a 1×1 convolution as the ``(C_out × C_in)`` matrix times the
  ``(C_in × H·W)`` matrix of pixels.
- :func:`layer_cost` — weight shape, parameter count and multiply-adds of a layer.
- :func:`valid_groups`, :func:`check_groups`, :func:`group_input_channels`,
  :func:`channel_connections` — what ``groups`` allows and which inputs feed which outputs.

    >>> x = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
    >>> k = [[[[0, 1], [2, 3]], [[1, 2], [3, 4]]]]
    >>> per_channel_correlations(x, k)[0].sum(axis=0)
    array([[ 56.,  72.],
           [104., 120.]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from convcore.conv import conv2d
from convcore.shapes import as_tuple

__all__ = [
    "ChannelMixing",
    "LayerCost",
    "channel_connections",
    "check_groups",
    "conv1x1_as_matmul",
    "group_input_channels",
    "layer_cost",
    "per_channel_correlations",
    "valid_groups",
]


# --------------------------------------------------------------------------- groups


def valid_groups(in_channels: int, out_channels: int) -> tuple[int, ...]:
    """The ``groups`` values a layer with these channel counts accepts, smallest first.

    ``groups`` must divide both channel counts, so these are their common divisors.

    >>> valid_groups(4, 6)
    (1, 2)
    """
    c_in = as_tuple(in_channels, 1, "in_channels")[0]
    c_out = as_tuple(out_channels, 1, "out_channels")[0]
    common = math.gcd(c_in, c_out)
    return tuple(g for g in range(1, common + 1) if common % g == 0)


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """Raise a ValueError that explains why ``groups`` does not fit the channel counts.

    Raises
    ------
    ValueError
        ``groups`` does not divide the input or the output channels (the message lists the
        values that would work).
    TypeError
        A count that is not an integer.
    """
    c_in = as_tuple(in_channels, 1, "in_channels")[0]
    c_out = as_tuple(out_channels, 1, "out_channels")[0]
    g = as_tuple(groups, 1, "groups")[0]
    problems = [f"the {n} {what} channel{'s' if n != 1 else ''}"
                for n, what in ((c_in, "input"), (c_out, "output")) if n % g]
    if problems:
        allowed = ", ".join(map(str, valid_groups(c_in, c_out)))
        raise ValueError(
            f"groups={g} does not divide {' or '.join(problems)}: every group needs the same "
            f"whole number of input and of output channels. With {c_in} input and {c_out} "
            f"output channels, groups can be {allowed}.")


def group_input_channels(in_channels: int, out_channels: int, groups: int = 1) -> np.ndarray:
    """Which input channel each weight slice reads.

    Returns
    -------
    np.ndarray
        int ``(C_out, C_in / groups)``: entry ``[o, j]`` is the input channel that
        ``weight[o, j]`` is cross-correlated with.

    >>> group_input_channels(4, 2, groups=2)
    array([[0, 1],
           [2, 3]])
    """
    check_groups(in_channels, out_channels, groups)
    per_group_in = in_channels // groups
    per_group_out = out_channels // groups
    group_of_output = np.arange(out_channels) // per_group_out
    return group_of_output[:, None] * per_group_in + np.arange(per_group_in)[None, :]


def channel_connections(in_channels: int, out_channels: int, groups: int = 1) -> np.ndarray:
    """Which input channels feed which output channels.

    Returns
    -------
    np.ndarray
        bool ``(C_out, C_in)``: True where input channel ``i`` contributes to output channel
        ``o`` (block-diagonal for ``groups > 1``; the identity pattern for depthwise).
    """
    sources = group_input_channels(in_channels, out_channels, groups)
    connected = np.zeros((out_channels, in_channels), dtype=bool)
    np.put_along_axis(connected, sources, True, axis=1)
    return connected


# --------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class LayerCost:
    """The size and the work of one ``nn.Conv2d`` layer on one image.

    Attributes
    ----------
    weight_shape : (int, int, int, int)
        ``(C_out, C_in / groups, kh, kw)``.
    weights : int
        Number of kernel weights (the product of ``weight_shape``).
    biases : int
        ``C_out`` with a bias, else 0.
    params : int
        ``weights + biases``.
    macs_per_output : int
        Multiply-adds behind one output value: ``C_in / groups · kh · kw``.
    out_values : int
        ``C_out · H_out · W_out``.
    macs : int
        ``macs_per_output · out_values``: multiply-adds for one image (the bias additions,
        one per output value, are not counted).
    groups : int
    """

    weight_shape: tuple[int, int, int, int]
    weights: int
    biases: int
    params: int
    macs_per_output: int
    out_values: int
    macs: int
    groups: int


def layer_cost(in_channels: int, out_channels: int, kernel_size, out_hw, *, groups: int = 1,
               bias: bool = True) -> LayerCost:
    """Weight shape, parameter count and multiply-adds of a 2-D convolutional layer.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    out_hw : int or (int, int)
        The output's height and width.
    groups : int
        Must divide both channel counts.
    bias : bool

    Returns
    -------
    LayerCost

    Examples
    --------
    >>> cost = layer_cost(2, 3, 2, (2, 2))
    >>> cost.weight_shape, cost.params, cost.macs
    ((3, 2, 2, 2), 27, 96)
    """
    check_groups(in_channels, out_channels, groups)
    kh, kw = as_tuple(kernel_size, 2, "kernel_size")
    out_h, out_w = as_tuple(out_hw, 2, "output size")
    if not isinstance(bias, bool | np.bool_):
        raise TypeError(f"bias must be True or False, not {bias!r}")
    shape = (out_channels, in_channels // groups, kh, kw)
    weights = math.prod(shape)
    biases = out_channels if bias else 0
    per_output = shape[1] * kh * kw
    out_values = out_channels * out_h * out_w
    return LayerCost(shape, weights, biases, weights + biases, per_output, out_values,
                     per_output * out_values, groups)


# --------------------------------------------------------------------------- arrays


def _real(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return arr


def _input_and_weight(x, weight) -> tuple[np.ndarray, np.ndarray]:
    x = _real(x, "the input")
    weight = _real(weight, "the weight")
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError(f"the input must be a (channels, height, width) array, got shape "
                         f"{x.shape}")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(f"the weight must be (out_channels, in_channels / groups, kh, kw), "
                         f"got shape {weight.shape}")
    return x, weight


def per_channel_correlations(x, weight, *, stride=1, padding=0, dilation=1, groups: int = 1,
                             padding_mode: str = "zeros") -> np.ndarray:
    """Every input channel cross-correlated with its own kernel slice, before the sum.

    Parameters
    ----------
    x : array_like, (C_in, H, W)
    weight : array_like, (C_out, C_in / groups, kh, kw)
    stride, padding, dilation, padding_mode
        As for :func:`convcore.conv.conv2d`.
    groups : int

    Returns
    -------
    np.ndarray
        ``(C_out, C_in / groups, H_out, W_out)``: entry ``[o, j]`` is input channel
        ``group_input_channels(...)[o, j]`` cross-correlated with ``weight[o, j]``.
        ``result.sum(axis=1) + bias[:, None, None]`` equals ``conv2d(x, weight, bias, ...)``.
        float32 when both arrays are float32, float64 otherwise.

    Raises
    ------
    ValueError, TypeError
        Wrong ranks, channel counts or groups, and everything ``conv2d`` refuses.
    """
    x, weight = _input_and_weight(x, weight)
    c_in = x.shape[0]
    c_out, per_group, kh, kw = weight.shape
    g = as_tuple(groups, 1, "groups")[0]
    check_groups(c_in, c_out, g)
    if per_group * g != c_in:
        raise ValueError(f"the input has {c_in} channels but the weight {weight.shape} expects "
                         f"{per_group} per group × {g} group(s) = {per_group * g}")
    sources = group_input_channels(c_in, c_out, g).ravel()
    # One depthwise convolution over a stack that repeats each input channel once per slice
    # that reads it: every (output, slice) pair becomes its own group of one channel.
    stacked = x[sources]
    slices = weight.reshape(c_out * per_group, 1, kh, kw)
    partial = conv2d(stacked, slices, stride=stride, padding=padding, dilation=dilation,
                     groups=c_out * per_group, padding_mode=padding_mode)
    return partial.reshape(c_out, per_group, *partial.shape[-2:])


class ChannelMixing(NamedTuple):
    """A 1×1 convolution written as one matrix product.

    Attributes
    ----------
    matrix : np.ndarray
        ``(C_out, C_in)``: the weight without its 1×1 kernel axes.
    pixels : np.ndarray
        ``(C_in, H·W)``: the input with each pixel as a column (row-major over the image).
    product : np.ndarray
        ``(C_out, H·W)``: ``matrix @ pixels`` (+ bias per row).
    output : np.ndarray
        ``(C_out, H, W)``: ``product`` reshaped back into planes; equals ``conv2d``.
    """

    matrix: np.ndarray
    pixels: np.ndarray
    product: np.ndarray
    output: np.ndarray


def conv1x1_as_matmul(x, weight, bias=None) -> ChannelMixing:
    """A 1×1 convolution as the ``(C_out × C_in)`` by ``(C_in × H·W)`` matrix product.

    This is d2l's ``corr2d_multi_in_out_1x1``: the channels are the features, every pixel
    an example, and the layer a fully connected one applied to each pixel.

    Parameters
    ----------
    x : array_like, (C_in, H, W)
    weight : array_like, (C_out, C_in, 1, 1) or (C_out, C_in)
    bias : array_like, (C_out,), optional

    Returns
    -------
    ChannelMixing

    Raises
    ------
    ValueError, TypeError
        The kernel is not 1×1, or the channel counts do not match.
    """
    x = _real(x, "the input")
    w = _real(weight, "the weight")
    if x.ndim != 3 or 0 in x.shape:
        raise ValueError(f"the input must be a (channels, height, width) array, got shape "
                         f"{x.shape}")
    if w.ndim == 4:
        if w.shape[2:] != (1, 1):
            raise ValueError(f"a 1×1 convolution needs a (out, in, 1, 1) weight; this one has "
                             f"a {w.shape[2]}×{w.shape[3]} kernel")
        w = w[:, :, 0, 0]
    if w.ndim != 2 or 0 in w.shape:
        raise ValueError(f"the weight must be (out, in, 1, 1) or (out, in), got shape "
                         f"{np.shape(weight)}")
    c_in, h, width = x.shape
    if w.shape[1] != c_in:
        raise ValueError(f"the input has {c_in} channels but the weight mixes {w.shape[1]}")
    dtype = np.float32 if x.dtype == w.dtype == np.float32 else np.float64
    matrix = w.astype(dtype)
    pixels = x.reshape(c_in, h * width).astype(dtype)
    product = matrix @ pixels
    if bias is not None:
        b = _real(bias, "the bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"the bias must have one value per output channel, shape "
                             f"({w.shape[0]},); got shape {b.shape}")
        product = product + b.astype(dtype)[:, None]
    return ChannelMixing(matrix, pixels, product, product.reshape(w.shape[0], h, width))
