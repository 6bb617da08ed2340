"""Locally connected and tiled layers, and what dense / local / tiled / convolutional cost.

Goodfellow 9.5 (his fig. 9.16) puts three layers side by side on the same input and output:

- *locally connected* (unshared convolution): every output cell has its own kernel,
  ``weight[i, j]``; the connections are those of a convolution, the weights are not shared;
- *tiled convolution*: ``th × tw`` kernels used in rotation, output cell ``(i, j)`` takes
  ``weight[i mod th, j mod tw]``; a ``(1, 1)`` tile is a convolution, a tile the size of the
  output is a locally connected layer;
- *convolutional*: one kernel everywhere (:func:`convcore.conv2d`).

:func:`layer_comparison` counts the parameters and multiply-adds of those three and of a
dense layer mapping the same input to the same output.

Layouts follow convcore's conventions: ``x`` is ``(N, C_in, H, W)`` or ``(C_in, H, W)``
with a 6-D weight (``(H_out, W_out, C_out, C_in, kh, kw)`` or ``(th, tw, C_out, C_in, kh,
kw)``), or ``(H, W)`` with a 4-D one (``(H_out, W_out, kh, kw)`` or ``(th, tw, kh, kw)``);
results keep the caller's rank. Padding is zeros, in every form ``conv2d`` accepts.

    >>> x = np.arange(9.0).reshape(3, 3)
    >>> k = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> locally_connected2d(x, np.broadcast_to(k, (2, 2, 2, 2)))
    array([[19., 25.],
           [37., 43.]])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from convcore.conv import _real_array, _result_dtype
from convcore.padding import pad, resolve_padding
from convcore.shapes import as_tuple, conv_output_shape, size_text

__all__ = [
    "LayerComparison",
    "LayerSize",
    "layer_comparison",
    "locally_connected2d",
    "tiled_conv2d",
]


# --------------------------------------------------------------------------- arguments


@dataclass(frozen=True)
class _Prepared:
    x: np.ndarray  # (N, C, H + pads, W + pads), padded
    weight: np.ndarray  # (P, Q, O, C, kh, kw)
    rank: int  # the caller's input rank: 2, 3 or 4
    out_hw: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]


def _prepare(x, weight, stride, padding, dilation, name: str, grid: str) -> _Prepared:
    """Check ranks and shapes; the padded batched input and the 6-D weight."""
    x = _real_array(x, "the input")
    weight = _real_array(weight, "the weight")
    if x.ndim in (3, 4) and weight.ndim == 6:
        xb = x if x.ndim == 4 else x[np.newaxis]
        wb = weight
    elif x.ndim == 2 and weight.ndim == 4:
        xb = x[np.newaxis, np.newaxis]
        wb = weight[:, :, np.newaxis, np.newaxis]
    else:
        raise ValueError(
            f"{name} takes an input (N, C_in, H, W) or (C_in, H, W) with a weight "
            f"({grid}, C_out, C_in, kh, kw), or an input (H, W) with a weight ({grid}, kh, kw); "
            f"got an input of shape {x.shape} and a weight of shape {weight.shape}")
    for arr, what in ((x, "input"), (weight, "weight")):
        if arr.size == 0:
            raise ValueError(f"the {what} is empty (shape {arr.shape}): every size must be "
                             "positive")
    if xb.shape[1] != wb.shape[3]:
        raise ValueError(f"the input has {xb.shape[1]} channels but the weight expects "
                         f"{wb.shape[3]} (weight shape {weight.shape})")
    dtype = _result_dtype(xb, wb)
    kernel = wb.shape[4:]
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    pads = resolve_padding(padding, kernel, stride=ss, dilation=ds, ndim=2)
    out_hw = conv_output_shape(xb.shape[2:], kernel, ss, pads, ds)
    xp = pad(xb.astype(dtype, copy=False), pads)
    return _Prepared(np.ascontiguousarray(xp), wb.astype(dtype, copy=False), x.ndim,
                     tuple(out_hw), ss, ds)


def _windows(p: _Prepared) -> np.ndarray:
    """Every window of the padded input, as a read-only view ``(H_out, W_out, N, C, kh, kw)``."""
    xp = p.x
    sn, sc, sh, sw = xp.strides
    kh, kw = p.weight.shape[4:]
    shape = (*p.out_hw, xp.shape[0], xp.shape[1], kh, kw)
    strides = (sh * p.stride[0], sw * p.stride[1], sn, sc, sh * p.dilation[0],
               sw * p.dilation[1])
    return as_strided(xp, shape, strides, writeable=False)


def _bias_array(bias, out_channels: int, out_hw, rank: int, dtype, *, per_cell: bool):
    """The bias as an array that broadcasts against ``(N, C_out, H_out, W_out)``, or None."""
    if bias is None:
        return None
    b = _real_array(bias, "the bias")
    # Each accepted shape and the shape it broadcasts as.
    shapes = {(out_channels,): (1, out_channels, 1, 1)}
    wanted = [f"({out_channels},)"]
    if rank == 2:
        shapes[()] = (1, 1, 1, 1)
    if per_cell:
        shapes[(out_channels, *out_hw)] = (1, out_channels, *out_hw)
        wanted.append(f"({out_channels}, {out_hw[0]}, {out_hw[1]})")
        if rank == 2:
            shapes[tuple(out_hw)] = (1, 1, *out_hw)
    if b.shape not in shapes:
        raise ValueError(f"the bias must have shape {' or '.join(wanted)}, got {b.shape}")
    return b.reshape(shapes[b.shape]).astype(dtype, copy=False)


def _finish(out: np.ndarray, bias, rank: int) -> np.ndarray:
    if bias is not None:
        out = out + bias
    if rank == 2:
        return out[0, 0]
    if rank == 3:
        return out[0]
    return out


# --------------------------------------------------------------------------- layers


def locally_connected2d(x, weight, bias=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    """A locally connected layer (unshared convolution): one kernel per output cell.

    ``y[n, o, i, j] = Σ_{c,a,b} weight[i, j, o, c, a, b] · x_padded[n, c, i·s + a·d, j·s + b·d]``
    — the windows of :func:`convcore.conv2d`, each with its own weights.

    Parameters
    ----------
    x : array_like
        ``(N, C_in, H, W)``, ``(C_in, H, W)``, or ``(H, W)`` with a 4-D weight.
    weight : array_like
        ``(H_out, W_out, C_out, C_in, kh, kw)``, or ``(H_out, W_out, kh, kw)`` with an
        ``(H, W)`` input. ``H_out × W_out`` must be the output size these settings give.
    bias : array_like, optional
        ``(C_out,)``, or unshared ``(C_out, H_out, W_out)`` (with an ``(H, W)`` input also
        a scalar or ``(H_out, W_out)``).
    stride, dilation : int or (int, int)
    padding : int, (ph, pw), ((top, bottom), (left, right)), "valid", "same" or "full"
        Zeros.

    Returns
    -------
    ndarray
        ``(N, C_out, H_out, W_out)``, ``(C_out, H_out, W_out)`` or ``(H_out, W_out)``: the
        rank of ``x``. float32 when ``x`` and ``weight`` are float32, float64 otherwise.

    Raises
    ------
    ValueError, TypeError
        Wrong ranks or channel counts, a weight grid that is not the output size, a bias of
        the wrong shape, and every geometry ``conv2d`` refuses.
    """
    p = _prepare(x, weight, stride, padding, dilation, "locally_connected2d",
                 "H_out, W_out")
    grid = p.weight.shape[:2]
    if grid != p.out_hw:
        raise ValueError(
            f"the weight has kernels for a {size_text(grid)} output (its first two sizes) "
            f"but these settings give a {size_text(p.out_hw)} output: a locally connected "
            "layer needs one kernel per output cell")
    out_h, out_w = p.out_hw
    n = p.x.shape[0]
    c_out = p.weight.shape[2]
    cells = out_h * out_w
    columns = _windows(p).reshape(cells, n, -1)  # (cells, N, C·kh·kw): one copy
    kernels = p.weight.reshape(cells, c_out, -1).transpose(0, 2, 1)  # (cells, C·kh·kw, O)
    out = np.matmul(columns, kernels).reshape(out_h, out_w, n, c_out).transpose(2, 3, 0, 1)
    b = _bias_array(bias, c_out, p.out_hw, p.rank, out.dtype, per_cell=True)
    return _finish(np.ascontiguousarray(out), b, p.rank)


def tiled_conv2d(x, weight, tile=None, bias=None, stride=1, padding=0,
                 dilation=1) -> np.ndarray:
    """Tiled convolution: ``th × tw`` kernels used in rotation over the output (Goodfellow 9.5).

    Output cell ``(i, j)`` uses ``weight[i mod th, j mod tw]``; neighbouring cells have
    different kernels, cells ``th`` rows (``tw`` columns) apart share one. A ``(1, 1)``
    tile is :func:`convcore.conv2d`; a tile the size of the output is
    :func:`locally_connected2d`; a larger tile leaves the kernels beyond the output unused.

    Parameters
    ----------
    x : array_like
        ``(N, C_in, H, W)``, ``(C_in, H, W)``, or ``(H, W)`` with a 4-D weight.
    weight : array_like
        ``(th, tw, C_out, C_in, kh, kw)``, or ``(th, tw, kh, kw)`` with an ``(H, W)`` input.
    tile : int or (int, int), optional
        ``(th, tw)``; when given it must match the weight's first two sizes (a check that
        the weight is laid out as meant).
    bias : array_like, optional
        ``(C_out,)`` (a scalar with an ``(H, W)`` input): shared by all kernels.
    stride, padding, dilation
        As :func:`locally_connected2d`.

    Returns
    -------
    ndarray
        The rank of ``x``, as :func:`locally_connected2d`.
    """
    p = _prepare(x, weight, stride, padding, dilation, "tiled_conv2d", "th, tw")
    th, tw = p.weight.shape[:2]
    if tile is not None:
        tiles = as_tuple(tile, 2, "tile")
        if tiles != (th, tw):
            raise ValueError(f"tile={tiles} does not match the weight, which holds "
                             f"{size_text((th, tw))} kernels (its first two sizes)")
    out_h, out_w = p.out_hw
    n = p.x.shape[0]
    c_out = p.weight.shape[2]
    blocks_h, blocks_w = -(-out_h // th), -(-out_w // tw)
    # Columns on an output grid rounded up to whole tiles (zeros beyond the output), then
    # grouped by the kernel each cell uses: one batched matmul for all th·tw kernels.
    columns = np.zeros((blocks_h * th, blocks_w * tw, n, math.prod(p.weight.shape[3:])),
                       dtype=p.x.dtype)
    columns[:out_h, :out_w] = _windows(p).reshape(out_h, out_w, n, -1)
    columns = columns.reshape(blocks_h, th, blocks_w, tw, n, -1).transpose(1, 3, 0, 2, 4, 5)
    columns = columns.reshape(th, tw, blocks_h * blocks_w * n, -1)
    kernels = p.weight.reshape(th, tw, c_out, -1).transpose(0, 1, 3, 2)
    out = np.matmul(columns, kernels)  # (th, tw, blocks_h·blocks_w·N, O)
    out = out.reshape(th, tw, blocks_h, blocks_w, n, c_out).transpose(4, 5, 2, 0, 3, 1)
    out = out.reshape(n, c_out, blocks_h * th, blocks_w * tw)[:, :, :out_h, :out_w]
    b = _bias_array(bias, c_out, p.out_hw, p.rank, out.dtype, per_cell=False)
    return _finish(np.ascontiguousarray(out), b, p.rank)


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class LayerSize:
    """Size and work of one layer kind mapping ``(C_in, H, W)`` to ``(C_out, H_out, W_out)``.

    Attributes
    ----------
    kind : str
        "dense", "locally connected", "tiled" or "convolutional".
    weight_shape : tuple of int
        The weight array the layer holds: dense ``(C_out·H_out·W_out, C_in·H·W)``;
        locally connected ``(H_out, W_out, C_out, C_in, kh, kw)``; tiled ``(th, tw, C_out,
        C_in, kh, kw)``; convolutional ``(C_out, C_in, kh, kw)``.
    weights : int
        Number of weights, the product of ``weight_shape``.
    biases : int
        One per output value for dense and locally connected layers, one per output channel
        for tiled and convolutional ones; 0 without bias.
    params : int
        ``weights + biases``.
    macs : int
        Multiply-adds for one image: every weight applied to every input it meets, taps on
        zero padding included (as ``conv2d`` computes them and :func:`convcore.layer_cost`
        counts them); biases not counted.
    connections : int
        (input value, output value) pairs that interact — the non-zeros of the layer's
        matrix (:func:`convcore.conv_matrix`), taps on padding excluded.
    """

    kind: str
    weight_shape: tuple[int, ...]
    weights: int
    biases: int
    params: int
    macs: int
    connections: int


@dataclass(frozen=True)
class LayerComparison:
    """The four layer kinds on the same input and output (Goodfellow fig. 9.16).

    Attributes
    ----------
    in_shape, out_shape : (int, int, int)
        ``(C_in, H, W)`` and ``(C_out, H_out, W_out)``.
    dense, locally_connected, tiled, convolutional : LayerSize
    """

    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    dense: LayerSize
    locally_connected: LayerSize
    tiled: LayerSize
    convolutional: LayerSize

    @property
    def layers(self) -> tuple[LayerSize, LayerSize, LayerSize, LayerSize]:
        """The four, from the most parameters to the fewest."""
        return self.dense, self.locally_connected, self.tiled, self.convolutional


def _in_shape(in_shape) -> tuple[int, int, int]:
    try:
        dims = tuple(in_shape)
    except TypeError:
        raise TypeError(f"in_shape must be (C_in, H, W) or (H, W), not {in_shape!r}") from None
    if len(dims) not in (2, 3):
        raise ValueError(f"in_shape must be (C_in, H, W) or (H, W), got {in_shape!r}")
    if len(dims) == 2:
        dims = (1, *dims)
    return as_tuple(dims, 3, "in_shape")


def _taps_on_input(size: int, out: int, k: int, s: int, d: int, before: int) -> int:
    """How many (output cell, tap) pairs along one axis land on the input, not on padding."""
    positions = np.arange(out)[:, None] * s - before + np.arange(k)[None, :] * d
    return int(((positions >= 0) & (positions < size)).sum())


def layer_comparison(in_shape, out_channels, kernel_size, tile=2, stride=1, padding=0,
                     dilation=1, *, bias: bool = True) -> LayerComparison:
    """Parameters and multiply-adds of dense, locally connected, tiled and convolutional layers.

    All four map the same input to the same output: the output size a convolution with these
    settings gives.

    Parameters
    ----------
    in_shape : (int, int, int) or (int, int)
        ``(C_in, H, W)``, or ``(H, W)`` for one channel.
    out_channels : int
    kernel_size, tile, stride, dilation : int or (int, int)
        ``tile`` is the tiled layer's ``(th, tw)``.
    padding : every form :func:`convcore.conv2d` accepts
    bias : bool

    Returns
    -------
    LayerComparison

    Examples
    --------
    >>> cmp = layer_comparison((1, 6, 6), 1, 3, tile=2, padding=1, bias=False)
    >>> [layer.params for layer in cmp.layers]
    [1296, 324, 36, 9]
    """
    c_in, h, w = _in_shape(in_shape)
    (c_out,) = as_tuple(out_channels, 1, "out_channels")
    kh, kw = as_tuple(kernel_size, 2, "kernel_size")
    th, tw = as_tuple(tile, 2, "tile")
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    if not isinstance(bias, bool | np.bool_):
        raise TypeError(f"bias must be True or False, not {bias!r}")
    pads = resolve_padding(padding, (kh, kw), stride=ss, dilation=ds, ndim=2)
    out_h, out_w = conv_output_shape((h, w), (kh, kw), ss, pads, ds)
    inputs, outputs = c_in * h * w, c_out * out_h * out_w
    macs = outputs * c_in * kh * kw
    connections = c_out * c_in * (
        _taps_on_input(h, out_h, kh, ss[0], ds[0], pads[0][0])
        * _taps_on_input(w, out_w, kw, ss[1], ds[1], pads[1][0]))
    kernel = (c_out, c_in, kh, kw)

    def size(kind, shape, biases, layer_macs, layer_connections):
        weights = math.prod(shape)
        biases = biases if bias else 0
        return LayerSize(kind, tuple(shape), weights, biases, weights + biases, layer_macs,
                         layer_connections)

    return LayerComparison(
        (c_in, h, w), (c_out, out_h, out_w),
        size("dense", (outputs, inputs), outputs, outputs * inputs, outputs * inputs),
        size("locally connected", (out_h, out_w, *kernel), outputs, macs, connections),
        size("tiled", (th, tw, *kernel), c_out, macs, connections),
        size("convolutional", kernel, c_out, macs, connections),
    )
