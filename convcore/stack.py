"""Stacks of convolution layers: the shape after each layer, the receptive field's growth,
and the PyTorch line that builds one layer.

A stack is a sequence of :class:`ConvLayer` (or mappings with the same keys). The shapes
follow PyTorch's rule layer by layer; the receptive field follows the usual recurrence
(Araujo et al., "Computing receptive fields of convolutional neural networks", 2019)::

    r_l = r_{l−1} + (span_l − 1)·j_{l−1}      (rows/columns of the input one output cell sees)
    j_l = j_{l−1}·s_l                          (input cells between neighbouring output cells)
    c_l = c_{l−1} + ((span_l − 1)/2 − p_l)·j_{l−1}   (centre of output cell 0's field)

with ``span = d·(k − 1) + 1``, ``r_0 = j_0 = 1`` and ``c_0 = 0``.

    >>> rows = layer_stack_shapes((240, 240), repeat_layer(10, 5))
    >>> rows[-1].out_hw, rows[-1].field.size
    ((200, 200), (41, 41))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from convcore.conv import conv2d_backward
from convcore.padding import PADDING_MODES, Pads, is_symmetric, resolve_padding
from convcore.shapes import as_tuple, conv_output_shape, kernel_span, size_text


@dataclass(frozen=True)
class ConvLayer:
    """One convolution layer's geometry (the weights do not matter for shapes).

    Attributes
    ----------
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), ((top, bottom), (left, right)), "valid", "same" or "full"
        Every form ``conv2d`` accepts.
    """

    kernel_size: int | tuple[int, int] = 3
    stride: int | tuple[int, int] = 1
    padding: int | str | tuple = 0
    dilation: int | tuple[int, int] = 1


@dataclass(frozen=True)
class ReceptiveField:
    """What one output cell of a stack sees of the stack's input, per axis (rows, columns).

    Attributes
    ----------
    size : (int, int)
        Rows and columns of input cells an output cell depends on (dilation gaps included;
        clipped by nothing: near the border part of it lies on padding).
    jump : (int, int)
        Input cells between the fields of two neighbouring output cells (product of strides).
    start : (float, float)
        Centre of output cell ``(0, 0)``'s field, in input coordinates (negative: it lies
        partly on the padding).
    """

    size: tuple[int, int] = (1, 1)
    jump: tuple[int, int] = (1, 1)
    start: tuple[float, float] = (0.0, 0.0)

    def grow(self, kernel_size, stride, pads: Pads, dilation) -> ReceptiveField:
        """The field after one more layer on top."""
        size, jump, start = [], [], []
        for axis in range(2):
            span = kernel_span(kernel_size[axis], dilation[axis])
            size.append(self.size[axis] + (span - 1) * self.jump[axis])
            jump.append(self.jump[axis] * stride[axis])
            offset = (span - 1) / 2 - pads[axis][0]
            start.append(self.start[axis] + offset * self.jump[axis])
        return ReceptiveField(tuple(size), tuple(jump), tuple(start))


@dataclass(frozen=True)
class StackRow:
    """One layer of a stack with the shapes around it.

    Attributes
    ----------
    layer : int
        1-based position in the stack.
    in_hw, out_hw : (int, int)
        Spatial shape before and after the layer.
    kernel_size, stride, dilation : (int, int)
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))``, resolved.
    field : ReceptiveField
        The receptive field of one output cell of this layer on the stack's input.
    """

    layer: int
    in_hw: tuple[int, int]
    out_hw: tuple[int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: Pads
    field: ReceptiveField


class StackError(ValueError):
    """A layer of a stack gives no output. ``rows`` holds the layers before it, ``layer`` its
    1-based position."""

    def __init__(self, message: str, layer: int, rows: Sequence[StackRow]):
        super().__init__(message)
        self.layer = layer
        self.rows = tuple(rows)


def repeat_layer(n: int, kernel_size=3, stride=1, padding=0, dilation=1) -> list[ConvLayer]:
    """``n`` copies of one layer (the seeds' "ten 5×5 layers": ``repeat_layer(10, 5)``)."""
    (count,) = as_tuple(n, 1, "number of layers", minimum=0)
    return [ConvLayer(kernel_size, stride, padding, dilation)] * count


def _layer_geometry(layer, position: int):
    """``(kernel_size, stride, pads, dilation)`` of one layer, normalised to 2-D tuples."""
    if isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel_size", "stride", "padding", "dilation"}
        if unknown:
            raise TypeError(f"layer {position}: unknown setting(s) {sorted(unknown)}")
        layer = ConvLayer(**layer)
    if not isinstance(layer, ConvLayer):
        raise TypeError(f"layer {position} must be a ConvLayer or a mapping, not {layer!r}")
    ks = as_tuple(layer.kernel_size, 2, "kernel_size")
    ss = as_tuple(layer.stride, 2, "stride")
    ds = as_tuple(layer.dilation, 2, "dilation")
    pads = resolve_padding(layer.padding, ks, stride=ss, dilation=ds, ndim=2)
    return ks, ss, pads, ds


def receptive_field_growth(layers: Sequence) -> list[ReceptiveField]:
    """The receptive field after each layer of a stack (one entry per layer).

    Parameters
    ----------
    layers : sequence of ConvLayer or mapping
        Applied first to last.

    Returns
    -------
    list of ReceptiveField
        Entry ``l`` describes an output cell of layer ``l + 1`` in terms of the stack's input.
    """
    field = ReceptiveField()
    fields = []
    for position, layer in enumerate(layers, start=1):
        ks, ss, pads, ds = _layer_geometry(layer, position)
        field = field.grow(ks, ss, pads, ds)
        fields.append(field)
    return fields


def receptive_field(layers: Sequence) -> ReceptiveField:
    """The receptive field of one output cell of the whole stack (size 1 for no layers).

    >>> receptive_field(repeat_layer(3, 3)).size
    (7, 7)
    >>> receptive_field([ConvLayer(3, stride=2), ConvLayer(3)]).size
    (7, 7)
    """
    fields = receptive_field_growth(layers)
    return fields[-1] if fields else ReceptiveField()


def layer_stack_shapes(in_hw, layers: Sequence) -> list[StackRow]:
    """The shape after each layer of a stack, with the receptive field's growth.

    Parameters
    ----------
    in_hw : int or (int, int)
        The stack's input height and width.
    layers : sequence of ConvLayer or mapping

    Returns
    -------
    list of StackRow
        One per layer.

    Raises
    ------
    StackError
        When a layer gives an empty output (its kernel is larger than its padded input);
        the message names the layer, ``rows`` keeps the layers before it.
    ValueError, TypeError
        For settings that are wrong whatever the input (negative sizes, "same" with stride).
    """
    hw = as_tuple(in_hw, 2, "input size")
    field = ReceptiveField()
    rows: list[StackRow] = []
    for position, layer in enumerate(layers, start=1):
        ks, ss, pads, ds = _layer_geometry(layer, position)
        try:
            out_hw = conv_output_shape(hw, ks, ss, pads, ds)
        except ValueError as exc:
            raise StackError(f"layer {position} of {len(layers)} gets a {size_text(hw)} "
                             f"input and gives nothing: {exc}", position, rows) from None
        field = field.grow(ks, ss, pads, ds)
        rows.append(StackRow(position, hw, out_hw, ks, ss, ds, pads, field))
        hw = out_hw
    return rows


@dataclass(frozen=True)
class InputRegion:
    """The input cells one unit of a stack depends on (Goodfellow fig. 9.4).

    Attributes
    ----------
    layer : int
        1-based layer of the unit.
    unit : (int, int)
        ``(i, j)`` in that layer's output.
    field_box : ((int, int), (int, int))
        ``((top, bottom), (left, right))``, inclusive, in input coordinates, from the
        receptive-field recurrence: may reach into the padding (negative or ≥ the size).
    box : ((int, int), (int, int)) or None
        The same, for the input cells actually reached (the bounding box of ``mask``);
        None when the unit sees only padding.
    paths : ndarray of int64, (H, W)
        How many paths through the stack join each input cell to the unit (the gradient of
        the unit with every weight 1): the centre counts most.
    mask : ndarray of bool, (H, W)
        ``paths > 0``: the cells the unit depends on (dilation leaves holes).
    """

    layer: int
    unit: tuple[int, int]
    field_box: tuple[tuple[int, int], tuple[int, int]]
    box: tuple[tuple[int, int], tuple[int, int]] | None
    paths: np.ndarray
    mask: np.ndarray


def unit_input_region(in_hw, layers: Sequence, unit, layer: int | None = None) -> InputRegion:
    """The region of the stack's input that one unit of layer ``layer`` depends on.

    Parameters
    ----------
    in_hw : int or (int, int)
    layers : sequence of ConvLayer or mapping
        Zero padding.
    unit : (int, int)
        ``(i, j)``, a cell of that layer's output.
    layer : int, optional
        1-based; the last layer by default.

    Returns
    -------
    InputRegion
    """
    rows = layer_stack_shapes(in_hw, layers)
    if not rows:
        raise ValueError("layers is empty: a stack needs at least one layer to have units")
    (depth,) = as_tuple(len(rows) if layer is None else layer, 1, "layer")
    if depth > len(rows):
        raise ValueError(f"layer must be between 1 and {len(rows)} (the stack's layers), "
                         f"got {depth}")
    row = rows[depth - 1]
    i, j = as_tuple(unit, 2, "unit", minimum=0)
    if i >= row.out_hw[0] or j >= row.out_hw[1]:
        raise ValueError(f"unit {(i, j)} is outside layer {depth}'s "
                         f"{size_text(row.out_hw)} output")
    grad = np.zeros(row.out_hw)
    grad[i, j] = 1.0
    for r in reversed(rows[:depth]):
        grad = conv2d_backward(np.zeros(r.in_hw), np.ones(r.kernel_size), grad,
                               stride=r.stride, padding=r.pads, dilation=r.dilation)[0]
    paths = np.rint(grad).astype(np.int64)
    mask = paths > 0
    field = row.field
    field_box = []
    for axis, k in enumerate((i, j)):
        centre = field.start[axis] + k * field.jump[axis]
        half = (field.size[axis] - 1) / 2
        field_box.append((round(centre - half), round(centre + half)))
    reached_rows = np.flatnonzero(mask.any(axis=1))
    reached_cols = np.flatnonzero(mask.any(axis=0))
    box = None
    if reached_rows.size:
        box = ((int(reached_rows[0]), int(reached_rows[-1])),
               (int(reached_cols[0]), int(reached_cols[-1])))
    return InputRegion(depth, (i, j), tuple(field_box), box, paths, mask)


# --------------------------------------------------------------------------- PyTorch code


@dataclass(frozen=True)
class Conv2dCode:
    """A PyTorch snippet that builds one layer and prints its output shape.

    Attributes
    ----------
    code : str
        Runnable Python: defines ``x`` (the input), ``conv`` (the ``nn.Conv2d``) and ``y``.
    notes : tuple of str
        Why the code looks the way it does (asymmetric padding, "full", ...), in words.
    out_hw : (int, int)
        The output height and width the code prints.
    pads : ((int, int), (int, int))
        The resolved padding, ``((top, bottom), (left, right))``.
    uses_f_pad : bool
        True when the padding is done by ``F.pad`` before the convolution.
    """

    code: str
    notes: tuple[str, ...]
    out_hw: tuple[int, int]
    pads: Pads
    uses_f_pad: bool


_F_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
                "circular": "circular"}


def _pair_text(pair) -> str:
    a, b = pair
    return str(a) if a == b else f"({a}, {b})"


def pytorch_conv2d_code(in_hw, kernel_size, stride=1, padding=0, dilation=1,
                        padding_mode: str = "zeros", *, in_channels: int = 1,
                        out_channels: int = 1) -> Conv2dCode:
    """The ``nn.Conv2d(...)`` line (and ``F.pad`` when needed) that gives this geometry.

    ``nn.Conv2d`` pads the two sides of an axis alike (or takes ``padding="same"``, which
    puts the extra cell of an even kernel bottom/right, or ``"valid"``). Any other asymmetric
    padding — d2l's "same" for an even kernel, one side on its own — is done by ``F.pad``
    first, whose tuple starts with the *last* axis: ``(left, right, top, bottom)``.

    Parameters
    ----------
    in_hw : int or (int, int)
    kernel_size, stride, dilation : int or (int, int)
    padding : every form ``conv2d`` accepts
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
    in_channels, out_channels : int

    Returns
    -------
    Conv2dCode

    Raises
    ------
    ValueError, TypeError
        When the settings give no output (the same errors as ``conv_output_shape``).
    """
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, not {padding_mode!r}")
    hw = as_tuple(in_hw, 2, "input size")
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    (c_in,) = as_tuple(in_channels, 1, "in_channels")
    (c_out,) = as_tuple(out_channels, 1, "out_channels")
    pads = resolve_padding(padding, ks, stride=ss, dilation=ds, ndim=2)
    out_hw = conv_output_shape(hw, ks, ss, pads, ds)
    named = padding.strip().lower() if isinstance(padding, str) else None
    has_padding = any(p for pair in pads for p in pair)

    notes: list[str] = []
    conv_args = [str(c_in), str(c_out), f"kernel_size={_pair_text(ks)}"]
    if ss != (1, 1):
        conv_args.append(f"stride={_pair_text(ss)}")
    pad_line = None
    if named in ("valid", "same"):
        conv_args.append(f'padding="{named}"')
        if named == "same" and not is_symmetric(pads):
            notes.append(
                "padding=\"same\" with an even kernel span pads one cell more at the "
                f"bottom/right: here {_sides_text(pads)}.")
    elif is_symmetric(pads):
        if has_padding:
            conv_args.append(f"padding={_pair_text((pads[0][0], pads[1][0]))}")
        if named == "full":
            notes.append("PyTorch has no padding=\"full\": it is span − 1 cells on every side, "
                         f"here padding={_pair_text((pads[0][0], pads[1][0]))}.")
    else:
        (top, bottom), (left, right) = pads
        mode = _F_PAD_MODES[padding_mode]
        mode_arg = "" if mode == "constant" else f', mode="{mode}"'
        pad_line = (f"x_padded = F.pad(x, ({left}, {right}, {top}, {bottom}){mode_arg})"
                    "  # (left, right, top, bottom)")
        notes.append(
            "nn.Conv2d pads both sides of an axis alike, so the uneven padding "
            f"({_sides_text(pads)}) is done by F.pad first; its tuple starts with the last "
            "axis: (left, right, top, bottom).")
    if ds != (1, 1):
        conv_args.append(f"dilation={_pair_text(ds)}")
    if padding_mode != "zeros" and pad_line is None:
        if has_padding:
            conv_args.append(f'padding_mode="{padding_mode}"')
        else:
            notes.append(f"There is no padding, so the {padding_mode} padding mode changes "
                         "nothing and is left out.")

    h, w = hw
    lines = ["import torch", "import torch.nn as nn"]
    if pad_line:
        lines.append("import torch.nn.functional as F")
    lines += ["", f"x = torch.randn(1, {c_in}, {h}, {w})  # (N, C, H, W)"]
    if pad_line:
        lines.append(pad_line)
    lines.append(f"conv = nn.Conv2d({', '.join(conv_args)})")
    lines.append(f"y = conv({'x_padded' if pad_line else 'x'})")
    lines.append(f"print(tuple(y.shape))  # (1, {c_out}, {out_hw[0]}, {out_hw[1]})")
    return Conv2dCode("\n".join(lines) + "\n", tuple(notes), tuple(out_hw), pads,
                      pad_line is not None)


def _sides_text(pads: Pads) -> str:
    (top, bottom), (left, right) = pads
    return f"top {top}, bottom {bottom}, left {left}, right {right}"
