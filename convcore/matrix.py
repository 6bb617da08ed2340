"""Convolution as a matrix product: the matrix ``M`` with ``M @ x.ravel() == conv2d(x, w).ravel()``.

A convolution is linear in its input, so for a fixed weight and geometry it is one matrix
(Goodfellow 9.1: "discrete convolution can be viewed as multiplication by a matrix"). Row
``(o, i, j)`` of ``M`` — output channel ``o``, output cell ``(i, j)``, numbered row-major
like ``y.ravel()`` — holds the kernel ``weight[o]`` laid out over the input cells that the
window of ``(i, j)`` covers, and zeros everywhere else; column ``(c, r, s)`` belongs to input
cell ``(r, s)`` of channel ``c``, numbered like ``x.ravel()``. Taps that fall on zero padding
have no column: they multiply a zero and disappear from ``M``.

Three facts the app shows on top of this matrix:

- *sparse interactions*: a row has at most ``C_in·kh·kw`` non-zeros out of ``C_in·H·W``
  (:func:`matrix_row_window`), a column at most ``C_out·kh·kw`` out of ``C_out·H_out·W_out``
  (:func:`matrix_column_outputs`; fewer with a stride);
- *parameter sharing*: each weight appears once in every row whose window lies on it
  (:func:`weight_entries`);
- its transpose is the transposed convolution: ``M.T @ y.ravel()`` is the input gradient of
  ``conv2d`` and ``conv_transpose2d`` with the same arguments.

The entries are built by index arithmetic, never by a loop over rows: input row
``r = i·s_h − pad_top + a·d_h`` for output row ``i`` and kernel row ``a`` (the same on the
columns), kept where it lies on the input.

    >>> conv_matrix((3, 3), [[0, 1], [2, 3]])
    array([[0., 1., 0., 2., 3., 0., 0., 0., 0.],
           [0., 0., 1., 0., 2., 3., 0., 0., 0.],
           [0., 0., 0., 0., 1., 0., 2., 3., 0.],
           [0., 0., 0., 0., 0., 1., 0., 2., 3.]])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from convcore.padding import resolve_padding
from convcore.shapes import as_tuple, conv_output_shape, kernel_span

__all__ = [
    "DENSE_MATRIX_LIMIT",
    "TRIPLET_LIMIT",
    "ConvGeometry",
    "ConvMatrixTriplets",
    "MatrixColumn",
    "MatrixRow",
    "WeightEntries",
    "conv_geometry",
    "conv_matrix",
    "conv_matrix_triplets",
    "matrix_column_outputs",
    "matrix_row_window",
    "weight_entries",
]

#: Largest dense matrix (entries) :func:`conv_matrix` builds: 4 M float64 values = 32 MB.
#: One server serves a whole class, so a slider must not be able to ask for gigabytes.
DENSE_MATRIX_LIMIT = 4_000_000
#: Largest number of stored entries :func:`conv_matrix_triplets` builds (24 bytes each).
TRIPLET_LIMIT = 8_000_000


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class ConvGeometry:
    """A convolution's shapes, resolved: everything the matrix needs but the weight values.

    Attributes
    ----------
    in_hw, out_hw : (int, int)
        Input and output height and width.
    weight_shape : (int, int, int, int)
        ``(C_out, C_in, kh, kw)`` (a 2-D kernel counts as one channel in and out).
    stride, dilation : (int, int)
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))``.
    """

    in_hw: tuple[int, int]
    out_hw: tuple[int, int]
    weight_shape: tuple[int, int, int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]

    @property
    def shape(self) -> tuple[int, int]:
        """The matrix's shape: ``(C_out·H_out·W_out, C_in·H·W)``."""
        c_out, c_in = self.weight_shape[:2]
        return c_out * math.prod(self.out_hw), c_in * math.prod(self.in_hw)

    @property
    def kernel_span(self) -> tuple[int, int]:
        """Rows and columns one window covers, dilation gaps included."""
        k, d = self.weight_shape[2:], self.dilation
        return kernel_span(k[0], d[0]), kernel_span(k[1], d[1])

    def input_index(self, axis: int) -> np.ndarray:
        """``(out, k)`` int: the input row (axis 0) or column (axis 1) of each output × tap.

        Values outside ``[0, in_hw[axis])`` lie on the padding.
        """
        out = np.arange(self.out_hw[axis])[:, None] * self.stride[axis]
        taps = np.arange(self.weight_shape[2 + axis])[None, :] * self.dilation[axis]
        return out - self.pads[axis][0] + taps

    def on_input(self, axis: int) -> np.ndarray:
        """``(out, k)`` bool: True where that tap lies on the input (not on padding)."""
        index = self.input_index(axis)
        return (index >= 0) & (index < self.in_hw[axis])


def _weight_shape(weight_shape) -> tuple[int, int, int, int]:
    try:
        dims = tuple(int(n) for n in weight_shape)
    except (TypeError, ValueError):
        raise TypeError(f"weight_shape must be a tuple of integers such as weight.shape, not "
                        f"{weight_shape!r}") from None
    if len(dims) == 2:
        dims = (1, 1, *dims)
    if len(dims) != 4:
        raise ValueError(f"the weight must be 2-D (kh, kw) or 4-D (C_out, C_in, kh, kw), got "
                         f"shape {tuple(weight_shape)}")
    if min(dims) < 1:
        raise ValueError(f"the weight is empty (shape {tuple(weight_shape)}): every size must "
                         "be positive")
    return dims


def conv_geometry(in_hw, weight_shape, stride=1, padding=0, dilation=1) -> ConvGeometry:
    """Validate a convolution's geometry: a :class:`ConvGeometry`.

    Parameters
    ----------
    in_hw : int or (int, int)
        The input's height and width (its channels are the weight's ``C_in``).
    weight_shape : tuple of int
        ``(kh, kw)`` or ``(C_out, C_in, kh, kw)``.
    stride, dilation : int or (int, int)
    padding : int, (ph, pw), ((top, bottom), (left, right)), "valid", "same" or "full"
        Zero padding, every form :func:`convcore.conv2d` accepts.

    Raises
    ------
    ValueError, TypeError
        Naming the argument: wrong weight rank, sizes, strides, paddings, or a kernel larger
        than the padded input.
    """
    hw = as_tuple(in_hw, 2, "in_hw")
    wshape = _weight_shape(weight_shape)
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    pads = resolve_padding(padding, wshape[2:], stride=ss, dilation=ds, ndim=2)
    out_hw = conv_output_shape(hw, wshape[2:], ss, pads, ds)
    return ConvGeometry(hw, tuple(out_hw), wshape, ss, ds, pads)


def _weight_array(weight) -> np.ndarray:
    try:
        w = np.asarray(weight)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"the weight must be a rectangular array of numbers ({exc})") from None
    if w.dtype.kind not in "biuf":
        raise TypeError(f"the weight must hold real numbers, got dtype {w.dtype}")
    return w if w.dtype.kind == "f" else w.astype(np.float64)


# --------------------------------------------------------------------------- the matrix


class ConvMatrixTriplets(NamedTuple):
    """The stored entries of a convolution matrix (COO form), sorted by row, then column.

    ``scipy.sparse.coo_array((values, (rows, cols)), shape=shape)`` is the matrix; without
    SciPy, ``np.add.at(y, rows, values * x.ravel()[cols])`` is ``M @ x``.

    Attributes
    ----------
    rows, cols : ndarray of int64, (nnz,)
    values : ndarray, (nnz,)
        ``weight.ravel()[weight_index]``.
    shape : (int, int)
        ``(C_out·H_out·W_out, C_in·H·W)``.
    weight_index : ndarray of int64, (nnz,)
        Which weight (flat index into the 4-D ``(C_out, C_in, kh, kw)`` weight) each entry is.
    """

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]
    weight_index: np.ndarray


def _entries(geo: ConvGeometry, max_entries: int):
    """Rows, columns and flat weight indices of every stored entry, in row-major order."""
    c_out, c_in, kh, kw = geo.weight_shape
    (out_h, out_w), (h, w) = geo.out_hw, geo.in_hw
    rows_on, cols_on = geo.on_input(0), geo.on_input(1)
    # Upper bound first: the count of taps on the input, without building anything.
    nnz = c_out * c_in * int(rows_on.sum()) * int(cols_on.sum())
    if nnz > max_entries:
        raise ValueError(
            f"the convolution matrix has {nnz:,} stored entries, more than the limit "
            f"max_entries={max_entries:,}; use a smaller input or kernel")
    spatial = rows_on[:, None, :, None] & cols_on[None, :, None, :]  # (out_h, out_w, kh, kw)
    mask = np.broadcast_to(spatial[None, :, :, None], (c_out, out_h, out_w, c_in, kh, kw))
    flat = np.flatnonzero(mask)
    per_row = c_in * kh * kw
    rows, within = np.divmod(flat, per_row)  # within = (c·kh + a)·kw + b
    channel, tap = np.divmod(within, kh * kw)
    a, b = np.divmod(tap, kw)
    cell = rows % (out_h * out_w)
    i, j = np.divmod(cell, out_w)
    cols = (channel * h + geo.input_index(0)[i, a]) * w + geo.input_index(1)[j, b]
    weight_index = (rows // (out_h * out_w)) * per_row + within
    return rows, cols, weight_index


def conv_matrix_triplets(in_hw, weight, stride=1, padding=0, dilation=1, *,
                         max_entries: int = TRIPLET_LIMIT) -> ConvMatrixTriplets:
    """The convolution matrix as (row, column, value) triplets: for sizes too large to be dense.

    Parameters
    ----------
    in_hw, weight, stride, padding, dilation
        As :func:`conv_matrix`.
    max_entries : int
        Refuse (``ValueError``) to store more entries than this.

    Returns
    -------
    ConvMatrixTriplets
        Only the entries that can be non-zero: one per (output cell, weight tap) pair whose
        tap lies on the input. A weight that happens to be zero is still stored.
    """
    w = _weight_array(weight)
    geo = conv_geometry(in_hw, w.shape, stride, padding, dilation)
    (limit,) = as_tuple(max_entries, 1, "max_entries")
    rows, cols, weight_index = _entries(geo, limit)
    values = w.reshape(-1)[weight_index]
    return ConvMatrixTriplets(rows, cols, values, geo.shape, weight_index)


def conv_matrix(in_hw, weight, stride=1, padding=0, dilation=1, *,
                max_entries: int = DENSE_MATRIX_LIMIT) -> np.ndarray:
    """The dense matrix ``M`` of a 2-D convolution: ``M @ x.ravel() == conv2d(x, w).ravel()``.

    For one input and one output channel ``M`` is *doubly block Toeplitz*: cut into
    ``H_out × H`` blocks of ``W_out × W`` cells, block ``(i, r)`` depends only on ``r − i``
    (the kernel row that output row ``i`` meets at input row ``r``), so the blocks are
    constant along diagonals — a block Toeplitz matrix — and each block is itself a Toeplitz
    matrix (one kernel row, shifted one column per output column). That is translation
    invariance written as a matrix: every row is the previous one shifted. With a stride it
    keeps every ``s``-th row of that matrix (row-subsampled, shift ``s`` per row); with
    several channels it is a ``C_out × C_in`` grid of such matrices, one per kernel slice.
    Zero padding only removes the taps that fall off the input.

    Parameters
    ----------
    in_hw : int or (int, int)
        Input height and width ``(H, W)``.
    weight : array_like
        ``(kh, kw)`` for one channel in and out, or ``(C_out, C_in, kh, kw)``.
    stride, dilation : int or (int, int)
    padding : int, (ph, pw), ((top, bottom), (left, right)), "valid", "same" or "full"
        Zero padding, as :func:`convcore.conv2d`.
    max_entries : int
        Refuse to build a matrix with more entries (rows × columns) than this; the default
        :data:`DENSE_MATRIX_LIMIT` is 4 M (32 MB of float64).

    Returns
    -------
    ndarray
        ``(C_out·H_out·W_out, C_in·H·W)``; float32 for a float32 weight, float64 otherwise.
        No bias: ``conv2d`` with a bias is ``M @ x + b`` repeated per output cell.

    Raises
    ------
    ValueError
        The dense matrix would exceed ``max_entries`` (the message gives both sizes and
        points to :func:`conv_matrix_triplets`); or a geometry ``conv2d`` refuses.
    TypeError
        A weight that is not numeric, a non-integer size.
    """
    w = _weight_array(weight)
    geo = conv_geometry(in_hw, w.shape, stride, padding, dilation)
    (limit,) = as_tuple(max_entries, 1, "max_entries")
    n_rows, n_cols = geo.shape
    if n_rows * n_cols > limit:
        raise ValueError(
            f"the dense convolution matrix would be {n_rows:,} × {n_cols:,} = "
            f"{n_rows * n_cols:,} entries, more than the limit max_entries={limit:,}; use "
            f"conv_matrix_triplets(...) for its non-zero entries as (row, column, value) "
            f"triplets")
    rows, cols, weight_index = _entries(geo, n_rows * n_cols)
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    matrix = np.zeros(n_rows * n_cols, dtype=dtype)
    matrix[rows * n_cols + cols] = w.reshape(-1)[weight_index]
    return matrix.reshape(n_rows, n_cols)


# --------------------------------------------------------------------------- rows, columns, taps


def _index(value, size: int, name: str, what: str, owner: str = "the matrix") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be between 0 and {size - 1} ({owner} has {size} "
                         f"{what}), got {value}")
    return int(value)


@dataclass(frozen=True)
class MatrixRow:
    """One row of the convolution matrix: the output cell it computes and its input window.

    Attributes
    ----------
    row : int
    out_channel : int
    out_cell : (int, int)
        ``(i, j)`` in the output plane.
    window_top_left : (int, int)
        Input coordinates of the window's first tap (negative: on the top/left padding).
    window_span : (int, int)
        Rows and columns the window covers, dilation gaps included.
    taps : ndarray of int, (C_in·kh·kw, 4)
        ``(o, c, a, b)``: the weight of every tap, in the order of ``weight[o].ravel()``
        (for a 2-D kernel ``o = c = 0`` and ``(a, b)`` indexes the kernel).
    input_cells : ndarray of int, (C_in·kh·kw, 3)
        ``(c, r, s)``: the input cell under each tap (may lie outside the input: padding).
    columns : ndarray of int, (C_in·kh·kw,)
        The column of ``M`` each tap lands in, ``-1`` where it lies on padding.
    """

    row: int
    out_channel: int
    out_cell: tuple[int, int]
    window_top_left: tuple[int, int]
    window_span: tuple[int, int]
    taps: np.ndarray
    input_cells: np.ndarray
    columns: np.ndarray

    @property
    def on_input(self) -> np.ndarray:
        """bool ``(C_in·kh·kw,)``: True for the taps that lie on the input."""
        return self.columns >= 0


def matrix_row_window(in_hw, weight_shape, row, stride=1, padding=0,
                      dilation=1) -> MatrixRow:
    """Row ``row`` of the matrix: which output cell it produces and which inputs it reads.

    Parameters
    ----------
    in_hw : int or (int, int)
    weight_shape : tuple of int
        ``(kh, kw)`` or ``(C_out, C_in, kh, kw)``: ``weight.shape``.
    row : int
        ``0 ≤ row < C_out·H_out·W_out``.
    stride, padding, dilation
        As :func:`conv_matrix`.
    """
    geo = conv_geometry(in_hw, weight_shape, stride, padding, dilation)
    row = _index(row, geo.shape[0], "row", "rows")
    _, c_in, kh, kw = geo.weight_shape
    (h, w), (out_h, out_w) = geo.in_hw, geo.out_hw
    o, cell = divmod(row, out_h * out_w)
    i, j = divmod(cell, out_w)
    c, a, b = (g.ravel() for g in np.indices((c_in, kh, kw)))
    r = geo.input_index(0)[i, a]
    s = geo.input_index(1)[j, b]
    inside = (r >= 0) & (r < h) & (s >= 0) & (s < w)
    columns = np.where(inside, (c * h + r) * w + s, -1)
    taps = np.stack([np.full_like(c, o), c, a, b], axis=1)
    top_left = (i * geo.stride[0] - geo.pads[0][0], j * geo.stride[1] - geo.pads[1][0])
    return MatrixRow(row, o, (i, j), top_left, geo.kernel_span, taps,
                     np.stack([c, r, s], axis=1), columns)


@dataclass(frozen=True)
class MatrixColumn:
    """One column of the convolution matrix: every output one input cell contributes to.

    Attributes
    ----------
    column : int
    in_channel : int
    in_cell : (int, int)
        ``(r, s)`` in the input plane.
    rows : ndarray of int, (m,)
        The rows of ``M`` with a stored entry in this column, ascending.
    out_cells : ndarray of int, (m, 3)
        ``(o, i, j)``: the output cell of each of those rows.
    taps : ndarray of int, (m, 4)
        ``(o, c, a, b)``: the weight the input cell is multiplied by for that output.
    """

    column: int
    in_channel: int
    in_cell: tuple[int, int]
    rows: np.ndarray
    out_cells: np.ndarray
    taps: np.ndarray


def matrix_column_outputs(in_hw, weight_shape, column, stride=1, padding=0,
                          dilation=1) -> MatrixColumn:
    """Column ``column`` of the matrix: every output that input pixel touches.

    Parameters
    ----------
    in_hw, weight_shape, stride, padding, dilation
        As :func:`matrix_row_window`.
    column : int
        ``0 ≤ column < C_in·H·W``.
    """
    geo = conv_geometry(in_hw, weight_shape, stride, padding, dilation)
    column = _index(column, geo.shape[1], "column", "columns")
    c_out = geo.weight_shape[0]
    (h, w), (out_h, out_w) = geo.in_hw, geo.out_hw
    c, cell = divmod(column, h * w)
    r, s = divmod(cell, w)
    i, a = np.nonzero(geo.input_index(0) == r)  # (output row, kernel row) pairs that meet r
    j, b = np.nonzero(geo.input_index(1) == s)
    ii, jj = np.repeat(i, len(j)), np.tile(j, len(i))
    aa, bb = np.repeat(a, len(b)), np.tile(b, len(a))
    o = np.repeat(np.arange(c_out), len(ii))
    ii, jj, aa, bb = (np.tile(v, c_out) for v in (ii, jj, aa, bb))
    rows = (o * out_h + ii) * out_w + jj
    order = np.argsort(rows, kind="stable")
    out_cells = np.stack([o, ii, jj], axis=1)[order]
    taps = np.stack([o, np.full_like(o, c), aa, bb], axis=1)[order]
    return MatrixColumn(column, c, (r, s), rows[order], out_cells, taps)


class WeightEntries(NamedTuple):
    """Every entry of the matrix that holds one weight (parameter sharing).

    Attributes
    ----------
    tap : (int, int, int, int)
        ``(o, c, a, b)``.
    rows, cols : ndarray of int, (m,)
        ``M[rows, cols] == weight[o, c, a, b]`` for every pair, sorted by row; one per output
        cell of channel ``o`` whose window puts tap ``(a, b)`` on the input.
    """

    tap: tuple[int, int, int, int]
    rows: np.ndarray
    cols: np.ndarray


def weight_entries(in_hw, weight_shape, tap, stride=1, padding=0,
                   dilation=1) -> WeightEntries:
    """Where one weight appears in the matrix: every ``(row, col)`` entry that equals it.

    Parameters
    ----------
    in_hw, weight_shape, stride, padding, dilation
        As :func:`matrix_row_window`.
    tap : (int, int) or (int, int, int, int)
        ``(a, b)`` for a 2-D kernel, ``(o, c, a, b)`` for a 4-D weight.
    """
    geo = conv_geometry(in_hw, weight_shape, stride, padding, dilation)
    given = len(weight_shape)
    try:
        parts = tuple(tap)
    except TypeError:
        raise TypeError(f"tap must be a tuple of {given} integers, not {tap!r}") from None
    if len(parts) != given:
        raise ValueError(f"tap must have {given} entries for a weight of shape "
                         f"{tuple(weight_shape)}, got {tap!r}")
    if given == 2:
        parts = (0, 0, *parts)
    names = ("output channel", "input channel", "kernel row", "kernel column")
    o, c, a, b = (_index(v, n, f"tap's {name}", name + "s", "the weight")
                  for v, n, name in zip(parts, geo.weight_shape, names, strict=True))
    (h, w), (out_h, out_w) = geo.in_hw, geo.out_hw
    i = np.flatnonzero(geo.on_input(0)[:, a])
    j = np.flatnonzero(geo.on_input(1)[:, b])
    rows = ((o * out_h + i[:, None]) * out_w + j[None, :]).ravel()
    r = geo.input_index(0)[i, a]
    s = geo.input_index(1)[j, b]
    cols = ((c * h + r[:, None]) * w + s[None, :]).ravel()
    return WeightEntries((o, c, a, b), rows, cols)
