"""One forward pass of one image, and what any unit of it is made of.

:func:`run_network` keeps the input and every activation together in a :class:`NetworkRun`;
the functions below take a run and a unit and return everything a detail view shows:

- :func:`conv_unit` — a convolution output cell: its window in every input channel of its
  group, each channel's kernel slice and partial sum, the bias, the total, and the value
  after the activation that follows (the sums of the Channels page, for a real layer);
- :func:`dense_unit` — a ``Linear`` output: every input's contribution ``x·w``, the largest
  ones first, each traced back to its (channel, row, column) when the input was flattened
  feature maps;
- :func:`pool_unit` — a pooling output cell: the window and, for max pooling, the winner;
- :func:`elementwise_unit` — an activation, dropout, batch-norm or softmax output;
- :func:`unit_details` picks the right one for a layer.

Every number equals the forward pass's (up to the summation order's rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convcore.channels import group_input_channels
from convcore.network import ELEMENTWISE_KINDS, Network, adaptive_windows, softmax
from convcore.pool import PoolWindowDetails, pool_window_details
from convcore.trace import CellArithmetic, WindowTrace, cell_arithmetic, window_trace

__all__ = [
    "AdaptivePoolUnit",
    "ConvUnit",
    "DenseUnit",
    "ElementwiseUnit",
    "NetworkRun",
    "PoolUnit",
    "conv_unit",
    "dense_unit",
    "elementwise_unit",
    "pool_unit",
    "run_network",
    "unit_details",
]


@dataclass(frozen=True, eq=False)
class NetworkRun:
    """One image through a network.

    Attributes
    ----------
    network : Network
    input : np.ndarray
        ``(C, H, W)`` in the network's dtype.
    activations : tuple of np.ndarray
        The output of every layer, without the batch axis.
    """

    network: Network
    input: np.ndarray
    activations: tuple[np.ndarray, ...]

    def input_of(self, layer: int) -> np.ndarray:
        """What reaches layer ``layer`` (the image for layer 0)."""
        _check_layer_index(self.network, layer)
        return self.input if layer == 0 else self.activations[layer - 1]

    @property
    def output(self) -> np.ndarray:
        """The last activation (the input when the network has no layers)."""
        return self.activations[-1] if self.activations else self.input

    @property
    def probabilities(self) -> np.ndarray:
        """The class probabilities: the output itself when the last layer is a Softmax,
        else the softmax of the output (float64, flattened)."""
        out = np.asarray(self.output, dtype=np.float64).ravel()
        layers = self.network.layer_list
        if layers and layers[-1].kind == "Softmax":
            return out
        return softmax(out, axis=0)


def run_network(network: Network, x) -> NetworkRun:
    """Run one image ``x`` ``(C, H, W)`` through ``network``.

    Raises
    ------
    ValueError
        ``x`` is not one image, or a layer cannot take it (see ``Network.forward``).
    """
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"run_network takes one image (C, H, W), got shape {arr.shape}")
    activations = network.forward(arr)
    return NetworkRun(network, arr.astype(network.dtype), tuple(activations))


def _check_layer_index(network: Network, layer: int) -> None:
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer) or \
            not 0 <= layer < len(network):
        raise ValueError(f"layer must be an index from 0 to {len(network) - 1}, not {layer!r}")


def _check_cell(shape, index: tuple, what: str) -> tuple[int, ...]:
    if len(index) != len(shape) or not all(
            isinstance(v, int | np.integer) and not isinstance(v, bool) and 0 <= v < n
            for v, n in zip(index, shape, strict=False)):
        raise ValueError(f"{what} {tuple(index)} is outside the output of shape {shape}")
    return tuple(int(v) for v in index)


def _next_activation(run: NetworkRun, layer: int, index: tuple) -> tuple[int | None, float | None]:
    """The layer right after ``layer`` if it acts value by value, and its value at ``index``."""
    nxt = layer + 1
    if nxt < len(run.network) and run.network.layer_list[nxt].kind in ELEMENTWISE_KINDS:
        return nxt, float(run.activations[nxt][index])
    return None, None


# --------------------------------------------------------------------------- convolution


@dataclass(frozen=True)
class ConvUnit:
    """One output cell of a ``Conv2d`` layer, taken apart.

    Attributes
    ----------
    layer, channel, i, j : int
        The layer's index, the output channel and the cell.
    input_channels : tuple of int
        The input channels its group reads (all of them when ``groups == 1``).
    windows : np.ndarray
        ``(C_g, kh, kw)`` the input values the kernel meets, channel by channel (padding
        cells hold what the padding mode puts there).
    is_padding : np.ndarray
        ``(kh, kw)`` True where a tap lies on padding.
    kernels : np.ndarray
        ``(C_g, kh, kw)`` the kernel slice of every input channel.
    partial_sums : np.ndarray
        ``(C_g,)`` ``Σ window · kernel`` per input channel.
    bias : float
    total : float
        ``Σ partial_sums + bias``; equals ``output``.
    output : float
        The layer's output at ``(channel, i, j)`` from the forward pass.
    activation_layer : int or None
        The next layer, if it acts value by value (ReLU, ...).
    activation : float or None
        Its value at the same cell.
    trace : WindowTrace
        The layer's window geometry (``trace.window_box(i, j)`` is the rectangle to draw,
        in padded coordinates).
    arithmetic : CellArithmetic
        Every product, for the written-out sum.
    """

    layer: int
    channel: int
    i: int
    j: int
    input_channels: tuple[int, ...]
    windows: np.ndarray
    is_padding: np.ndarray
    kernels: np.ndarray
    partial_sums: np.ndarray
    bias: float
    total: float
    output: float
    activation_layer: int | None
    activation: float | None
    trace: WindowTrace
    arithmetic: CellArithmetic


def conv_unit(run: NetworkRun, layer: int, channel: int, i: int, j: int) -> ConvUnit:
    """Take apart output cell ``(channel, i, j)`` of the ``Conv2d`` layer ``layer``.

    Raises
    ------
    ValueError
        The layer is not a Conv2d, or the cell is outside its output.
    """
    spec = _layer_of_kind(run, layer, ("Conv2d",))
    out = run.activations[layer]
    channel, i, j = _check_cell(out.shape, (channel, i, j), "the unit")
    o = spec.options
    x = run.input_of(layer)
    weight = spec.tensors["weight"]
    sources = group_input_channels(spec.args[0], spec.args[1], o["groups"])[channel]
    bias = float(spec.tensors["bias"][channel]) if "bias" in spec.tensors else 0.0
    arithmetic = cell_arithmetic(x[sources], weight[channel], i, j, stride=o["stride"],
                                 padding=o["padding"], dilation=o["dilation"], bias=bias,
                                 padding_mode=o["padding_mode"])
    kh, kw = o["kernel_size"]
    values = np.array([t.value for t in arithmetic.terms]).reshape(len(sources), kh, kw)
    products = np.array([t.product for t in arithmetic.terms]).reshape(len(sources), kh * kw)
    padding = np.array([t.is_padding for t in arithmetic.terms[:kh * kw]]).reshape(kh, kw)
    act_layer, act = _next_activation(run, layer, (channel, i, j))
    return ConvUnit(
        layer=layer, channel=channel, i=i, j=j,
        input_channels=tuple(int(c) for c in sources),
        windows=values, is_padding=padding,
        kernels=np.asarray(weight[channel], dtype=np.float64),
        partial_sums=products.sum(axis=1), bias=bias, total=arithmetic.total,
        output=float(out[channel, i, j]), activation_layer=act_layer, activation=act,
        trace=window_trace(x.shape[1:], o["kernel_size"], o["stride"], o["padding"],
                           o["dilation"]),
        arithmetic=arithmetic,
    )


def _layer_of_kind(run: NetworkRun, layer: int, kinds: tuple[str, ...]):
    _check_layer_index(run.network, layer)
    spec = run.network.layer_list[layer]
    if spec.kind not in kinds:
        raise ValueError(f"layer {spec.label} is a {spec.kind}, not a {' or '.join(kinds)}")
    return spec


# --------------------------------------------------------------------------- dense


@dataclass(frozen=True)
class DenseUnit:
    """One output of a ``Linear`` layer, taken apart.

    Attributes
    ----------
    layer, unit : int
    inputs, weights, contributions : np.ndarray
        ``(in_features,)`` the input vector, the unit's weight row, and their product.
    top : tuple of int
        Input indices, largest ``|contribution|`` first (at most ``top`` of them).
    sources : tuple of ((int, int, int) or None)
        For each index in ``top``: the ``(channel, row, column)`` of the feature map it was
        flattened from, or None when the input was not flattened feature maps.
    bias : float
    total : float
        ``Σ contributions + bias``; equals ``output``.
    output : float
    activation_layer : int or None
    activation : float or None
    """

    layer: int
    unit: int
    inputs: np.ndarray
    weights: np.ndarray
    contributions: np.ndarray
    top: tuple[int, ...]
    sources: tuple[tuple[int, int, int] | None, ...]
    bias: float
    total: float
    output: float
    activation_layer: int | None
    activation: float | None


def dense_unit(run: NetworkRun, layer: int, unit: int, top: int = 10) -> DenseUnit:
    """Take apart output ``unit`` of the ``Linear`` layer ``layer`` (its input must be a
    vector, as after a ``Flatten``).

    Parameters
    ----------
    top : int
        How many of the largest contributions to list.
    """
    spec = _layer_of_kind(run, layer, ("Linear",))
    x = run.input_of(layer)
    if x.ndim != 1:
        raise ValueError(f"layer {spec.label} gets an input of shape {x.shape}; the detail "
                         f"view takes a Linear layer whose input is a flat vector")
    (unit,) = _check_cell(run.activations[layer].shape, (unit,), "the unit")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, not {top!r}")
    inputs = x.astype(np.float64)
    weights = spec.tensors["weight"][unit].astype(np.float64)
    contributions = inputs * weights
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    shape = _flattened_from(run, layer)
    sources = tuple(None if shape is None else
                    tuple(int(v) for v in np.unravel_index(int(k), shape)) for k in order)
    bias = float(spec.tensors["bias"][unit]) if "bias" in spec.tensors else 0.0
    act_layer, act = _next_activation(run, layer, (unit,))
    return DenseUnit(layer, unit, inputs, weights, contributions,
                     tuple(int(k) for k in order), sources, bias,
                     float(contributions.sum() + bias), float(run.activations[layer][unit]),
                     act_layer, act)


def _flattened_from(run: NetworkRun, layer: int) -> tuple[int, int, int] | None:
    """The (C, H, W) shape the input of ``layer`` was flattened from, if it was."""
    k = layer - 1
    layers = run.network.layer_list
    while k >= 0 and layers[k].kind in ELEMENTWISE_KINDS:
        k -= 1
    if k < 0 or layers[k].kind != "Flatten":
        return None
    before = run.input_of(k)
    return tuple(before.shape) if before.ndim == 3 else None


# --------------------------------------------------------------------------- pooling


@dataclass(frozen=True)
class PoolUnit:
    """One output cell of a ``MaxPool2d`` or ``AvgPool2d`` layer.

    Attributes
    ----------
    layer, channel, i, j : int
    details : PoolWindowDetails
        The window's cells, the values counted, the winner (max pooling), the divisor
        (average pooling) and the result; ``details.text()`` writes it out.
    trace : WindowTrace
    """

    layer: int
    channel: int
    i: int
    j: int
    details: PoolWindowDetails
    trace: WindowTrace


@dataclass(frozen=True)
class AdaptivePoolUnit:
    """One output cell of an ``AdaptiveAvgPool2d`` layer: the mean of a block of cells.

    Attributes
    ----------
    layer, channel, i, j : int
    rows, cols : (int, int)
        ``[start, end)`` of the block in the input.
    values : np.ndarray
        ``(rows, cols)`` the block.
    result : float
        The layer's output at the cell (their mean).
    """

    layer: int
    channel: int
    i: int
    j: int
    rows: tuple[int, int]
    cols: tuple[int, int]
    values: np.ndarray
    result: float


def pool_unit(run: NetworkRun, layer: int, channel: int, i: int, j: int
              ) -> PoolUnit | AdaptivePoolUnit:
    """Take apart output cell ``(channel, i, j)`` of a pooling layer."""
    spec = _layer_of_kind(run, layer, ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"))
    out = run.activations[layer]
    channel, i, j = _check_cell(out.shape, (channel, i, j), "the unit")
    plane = run.input_of(layer)[channel]
    o = spec.options
    if spec.kind == "AdaptiveAvgPool2d":
        rows = adaptive_windows(plane.shape[0], out.shape[1])[i]
        cols = adaptive_windows(plane.shape[1], out.shape[2])[j]
        block = np.asarray(plane[rows[0]:rows[1], cols[0]:cols[1]], dtype=np.float64)
        return AdaptivePoolUnit(layer, channel, i, j, rows, cols, block,
                                float(out[channel, i, j]))
    if spec.kind == "MaxPool2d":
        details = pool_window_details(plane, i, j, "max", o["kernel_size"], o["stride"],
                                      o["padding"], o["dilation"], o["ceil_mode"])
        trace = WindowTrace.for_pool(plane.shape, o["kernel_size"], o["stride"], o["padding"],
                                     o["dilation"], o["ceil_mode"])
    else:
        details = pool_window_details(plane, i, j, "avg", o["kernel_size"], o["stride"],
                                      o["padding"])
        trace = WindowTrace.for_pool(plane.shape, o["kernel_size"], o["stride"], o["padding"])
    return PoolUnit(layer, channel, i, j, details, trace)


# --------------------------------------------------------------------------- the rest


@dataclass(frozen=True)
class ElementwiseUnit:
    """One output of a layer that maps values (ReLU, Sigmoid, BatchNorm2d, Softmax, ...).

    Attributes
    ----------
    layer : int
    index : tuple of int
        Position in the layer's output (no batch axis).
    kind : str
    input : float
        The value at the same position of the layer's input (for Flatten: the value it was
        moved from).
    output : float
    """

    layer: int
    index: tuple[int, ...]
    kind: str
    input: float
    output: float


def elementwise_unit(run: NetworkRun, layer: int, index) -> ElementwiseUnit:
    """The input and output value of one unit of a value-by-value layer (or a Flatten)."""
    spec = _layer_of_kind(run, layer, (*ELEMENTWISE_KINDS, "BatchNorm2d", "Softmax",
                                       "Flatten"))
    out = run.activations[layer]
    index = _check_cell(out.shape, tuple(index), "the unit")
    source = run.input_of(layer)
    value = source.reshape(out.shape)[index] if spec.kind == "Flatten" else source[index]
    return ElementwiseUnit(layer, index, spec.kind, float(value), float(out[index]))


def unit_details(run: NetworkRun, layer: int, index):
    """The details of unit ``index`` (``(channel, i, j)`` or ``(unit,)``) of any layer.

    Returns
    -------
    ConvUnit, DenseUnit, PoolUnit, AdaptivePoolUnit or ElementwiseUnit
    """
    _check_layer_index(run.network, layer)
    kind = run.network.layer_list[layer].kind
    index = tuple(index)
    if kind == "Conv2d":
        return conv_unit(run, layer, *index) if len(index) == 3 else _bad_index(kind, index)
    if kind == "Linear":
        return dense_unit(run, layer, *index) if len(index) == 1 else _bad_index(kind, index)
    if kind in ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"):
        return pool_unit(run, layer, *index) if len(index) == 3 else _bad_index(kind, index)
    return elementwise_unit(run, layer, index)


def _bad_index(kind: str, index: tuple):
    wanted = "(unit,)" if kind == "Linear" else "(channel, row, column)"
    raise ValueError(f"a {kind} unit is given as {wanted}, not {index}")
