"""Figures of the "Why convolution" page: arrays in, ``go.Figure`` out. Never imports Streamlit.

Built on the shared panels of :mod:`ui.figures` (square cells, diverging red–white–blue
scale, outlines and marks, click overlays). Titles are translated with :func:`ui.i18n._` in
the language current when the builder runs (a page that caches them passes the language).

- :func:`drawn_matrix` — a matrix (dense, or as (row, column, value) triplets) reduced to at
  most ``max_side`` cells a side: each drawn cell is a block of ``factor × factor`` entries
  and shows the block's entry of largest magnitude, so the band and the zeros stay visible;
  :func:`downsample_note` says so in words. Nothing is ever cut off.
- :func:`dense_matrix_figure` — section 1: the dense layer's ``H·W × H·W`` matrix (and the
  tied kernel ``V[a, b]`` once translation invariance is on).
- :func:`matrix_product_figure` — section 2: ``M``, ``x`` and ``y = M x`` with a picked row,
  column or weight highlighted; :func:`grids_figure` — the same pick on the input, the kernel
  and the output grids.
- :func:`receptive_field_figure`, :func:`equivariance_figure`, :func:`transform_figure`,
  :func:`weights_mosaic_figure`, :func:`layer_outputs_figure`, :func:`waldo_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from convcore.shapes import size_text
from ui import figures as fig_lib
from ui.figures import Panel
from ui.i18n import _

#: Most cells a side of a drawn matrix; larger matrices are drawn in blocks (with a note).
MAX_MATRIX_SIDE = 96
#: Okabe–Ito colours, safe for colour-blind readers.
ROW_COLOR = fig_lib.OUTLINE_COLOR  # the picked row / window: black frame
COLUMN_COLOR = "#0072b2"  # blue: the picked column / input cell
WEIGHT_COLOR = fig_lib.PICK_COLOR  # vermillion: every entry of one weight
FEED_COLOR = fig_lib.FEED_COLOR  # orange: outputs an input cell feeds
BORDER_COLOR = "#cc79a7"  # reddish purple: cells the border changes


#: Where the dots of :func:`_corner_marks` sit in a cell, from its centre: (right, up), in
#: cells, so that the number printed in the cell stays readable.
MARK_OFFSET = (0.27, -0.27)


def _corner_marks(fig: go.Figure, panel: int, cells, *, color: str, name: str) -> go.Figure:
    """``ui.figures.add_marks``, the dots moved to the cells' top-right corners."""
    fig_lib.add_marks(fig, panel, list(cells), color=color, name=name)
    cell_px = float(fig.layout.meta["cell_px"]) if fig.layout.meta else 30.0
    for trace in fig.data:
        if trace.name == name:
            trace.update(x=[v + MARK_OFFSET[0] for v in trace.x],
                         y=[v + MARK_OFFSET[1] for v in trace.y],
                         marker_size=max(5.0, 0.18 * cell_px))
    return fig



# ------------------------------------------------------------------------------ matrices


@dataclass(frozen=True, eq=False)
class DrawnMatrix:
    """A matrix as drawn: at most ``MAX_MATRIX_SIDE`` cells a side.

    Attributes
    ----------
    values : ndarray, (ceil(rows / factor), ceil(cols / factor))
        Each cell holds the entry of largest magnitude of its ``factor × factor`` block
        (0 for a block of zeros).
    factor : int
        Entries per drawn cell along each axis (1: drawn as is).
    shape : (int, int)
        The real matrix's shape.
    """

    values: np.ndarray
    factor: int
    shape: tuple[int, int]

    def cell(self, row: int, col: int) -> tuple[int, int]:
        """The drawn cell that holds entry ``(row, col)``."""
        return row // self.factor, col // self.factor

    def entry(self, drawn_row: int, drawn_col: int) -> tuple[int, int]:
        """The first real entry of drawn cell ``(drawn_row, drawn_col)`` (clamped)."""
        return (min(drawn_row * self.factor, self.shape[0] - 1),
                min(drawn_col * self.factor, self.shape[1] - 1))


def drawn_matrix(rows, cols, values, shape, max_side: int = MAX_MATRIX_SIDE) -> DrawnMatrix:
    """Reduce a matrix given as stored entries to at most ``max_side`` cells a side.

    Parameters
    ----------
    rows, cols : array_like of int, (nnz,)
    values : array_like, (nnz,)
    shape : (int, int)
    max_side : int

    Returns
    -------
    DrawnMatrix
    """
    n_rows, n_cols = (int(s) for s in shape)
    factor = max(1, -(-max(n_rows, n_cols) // int(max_side)))
    out_shape = (-(-n_rows // factor), -(-n_cols // factor))
    rows = np.asarray(rows, dtype=np.int64) // factor
    cols = np.asarray(cols, dtype=np.int64) // factor
    values = np.asarray(values, dtype=np.float64)
    if factor == 1:
        grid = np.zeros(out_shape)
        grid[rows, cols] = values
        return DrawnMatrix(grid, 1, (n_rows, n_cols))
    magnitude = np.zeros(out_shape)
    np.maximum.at(magnitude, (rows, cols), np.abs(values))
    grid = np.zeros(out_shape)
    largest = np.abs(values) == magnitude[rows, cols]
    grid[rows[largest], cols[largest]] = values[largest]
    return DrawnMatrix(grid, factor, (n_rows, n_cols))


def drawn_dense(matrix, max_side: int = MAX_MATRIX_SIDE) -> DrawnMatrix:
    """:func:`drawn_matrix` of a dense array (its non-zero entries)."""
    arr = np.asarray(matrix, dtype=np.float64)
    rows, cols = np.nonzero(arr)
    return drawn_matrix(rows, cols, arr[rows, cols], arr.shape, max_side)


def downsample_note(drawn: DrawnMatrix) -> str:
    """One sentence saying how a large matrix is drawn ("" when drawn cell for cell)."""
    if drawn.factor == 1:
        return ""
    return _("The matrix is {rows}×{cols}, larger than the screen: it is drawn as "
             "{drawn_rows}×{drawn_cols} blocks of {f}×{f} entries, each block showing its "
             "entry of largest magnitude (white: all {n} entries are 0). Nothing is left "
             "out.").format(rows=f"{drawn.shape[0]:,}", cols=f"{drawn.shape[1]:,}",
                            drawn_rows=drawn.values.shape[0], drawn_cols=drawn.values.shape[1],
                            f=drawn.factor, n=drawn.factor * drawn.factor)


def _cell_px(rows: int, height_px: float, max_cell_px: float) -> float:
    return float(max(fig_lib.MIN_CELL_PX, min(max_cell_px, height_px / max(rows, 1))))


def dense_matrix_figure(drawn: DrawnMatrix, kernel: np.ndarray | None = None, *,
                        height_px: float = 520, max_cell_px: float = fig_lib.MAX_CELL_PX,
                        available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """Section 1: the dense layer's matrix, and the tied kernel ``V[a, b]`` when there is one.

    Parameters
    ----------
    drawn : DrawnMatrix
        The ``H·W × H·W`` matrix.
    kernel : ndarray, optional
        ``V[a, b]`` (translation invariance on); drawn beside the matrix on the same scale.
    height_px : float
        The matrix's height on screen (cells shrink to fit).

    Returns
    -------
    go.Figure
        Panel 0 ``matrix`` (hover ``W[row, col]``), panel 1 ``kernel`` when given.
    """
    values = drawn.values
    both = values if kernel is None else np.concatenate([values.ravel(), kernel.ravel()])
    scale = fig_lib.color_scale_for(both)
    title = _("<b>weight matrix</b> {rows}×{cols}").format(
        rows=drawn.shape[0], cols=drawn.shape[1])
    panels = [Panel(values, title, scale=scale, show_values=False, name="W")]
    if kernel is not None:
        panels.append(Panel(kernel, _("<b>V[a, b]</b> {size}").format(size=size_text(
            kernel.shape)), scale=scale, name="V"))
    cell = _cell_px(values.shape[0], height_px, max_cell_px)
    return fig_lib.grid_figure(panels, digits=2, max_cell_px=cell, available_px=available_px)


# ------------------------------------------------------------------------------ M x = y


@dataclass(frozen=True)
class MatrixPick:
    """What section 2 highlights.

    Attributes
    ----------
    mode : {"row", "column", "weight"}
    row : int
        A row of ``M`` (an output cell).
    column : int
        A column of ``M`` (an input cell).
    row_columns : tuple of int
        The columns of ``M`` holding the row's stored entries (taps on the input).
    column_rows : tuple of int
        The rows of ``M`` with an entry in the column (every output the input cell touches).
    weight_cells : tuple of (int, int)
        Every ``(row, col)`` of ``M`` that holds the picked weight.
    """

    mode: str
    row: int
    column: int
    row_columns: tuple[int, ...] = ()
    column_rows: tuple[int, ...] = ()
    weight_cells: tuple[tuple[int, int], ...] = ()


def _unique_cells(cells: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted({(int(r), int(c)) for r, c in cells})


def matrix_product_figure(drawn: DrawnMatrix, x: np.ndarray | None, y: np.ndarray | None,
                          pick: MatrixPick, *, height_px: float = 520,
                          max_cell_px: float = fig_lib.MAX_CELL_PX,
                          available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """``M``, ``x`` (as a column) and ``y = M x`` with the pick highlighted.

    Parameters
    ----------
    drawn : DrawnMatrix
    x, y : ndarray or None
        ``x.ravel()`` and ``y.ravel()``; left out (None) when the matrix is drawn in blocks.
    pick : MatrixPick

    Returns
    -------
    go.Figure
        Panel 0 ``M`` (click tag ``"matrix"``), then ``x`` (``"x"``) and ``y`` (``"y"``).
        Highlights: ``pick:row`` (frame around the row, and ``y``'s cell), ``pick:column``
        (frame around the column and ``x``'s cell), ``pick:taps`` / ``pick:outputs`` /
        ``pick:weight`` (dots on the stored entries).
    """
    rows, cols = drawn.values.shape
    panels = [Panel(drawn.values, _("<b>M</b> {rows}×{cols}").format(
        rows=f"{drawn.shape[0]:,}", cols=f"{drawn.shape[1]:,}"), show_values=(
        None if drawn.factor == 1 else False), click="matrix", name="M")]
    with_vectors = x is not None and y is not None and drawn.factor == 1
    if with_vectors:
        panels.append(Panel(np.asarray(x, dtype=float).reshape(-1, 1), "<b>x</b>",
                            click="x", name="x"))
        panels.append(Panel(np.asarray(y, dtype=float).reshape(-1, 1), "<b>y = M x</b>",
                            click="y", name="y"))
    cell = _cell_px(max(rows, len(x) if with_vectors else 0), height_px, max_cell_px)
    fig = fig_lib.grid_figure(panels, digits=3, max_cell_px=cell, available_px=available_px)
    r, c = drawn.cell(pick.row, pick.column)
    if pick.mode == "row":
        fig_lib.add_outline(fig, 0, [(r, 0, r, cols - 1)], color=ROW_COLOR, name="pick:row")
        taps = _unique_cells([drawn.cell(pick.row, col) for col in pick.row_columns])
        _corner_marks(fig, 0, taps, color=WEIGHT_COLOR, name="pick:taps")
        if with_vectors:
            fig_lib.add_outline(fig, 2, [(pick.row, 0, pick.row, 0)], color=ROW_COLOR,
                                name="pick:y")
            _corner_marks(fig, 1, [(col, 0) for col in pick.row_columns],
                              color=WEIGHT_COLOR, name="pick:x")
    elif pick.mode == "column":
        fig_lib.add_outline(fig, 0, [(0, c, rows - 1, c)], color=COLUMN_COLOR,
                            name="pick:column")
        outs = _unique_cells([drawn.cell(row, pick.column) for row in pick.column_rows])
        _corner_marks(fig, 0, outs, color=FEED_COLOR, name="pick:outputs")
        if with_vectors:
            fig_lib.add_outline(fig, 1, [(pick.column, 0, pick.column, 0)],
                                color=COLUMN_COLOR, name="pick:x")
            _corner_marks(fig, 2, [(row, 0) for row in pick.column_rows],
                              color=FEED_COLOR, name="pick:y")
    else:
        cells = _unique_cells([drawn.cell(a, b) for a, b in pick.weight_cells])
        _corner_marks(fig, 0, cells, color=WEIGHT_COLOR, name="pick:weight")
    return fig


def grids_figure(padded_x: np.ndarray, pad_mask: np.ndarray, origin: tuple[int, int],
                 kernel: np.ndarray, y: np.ndarray, *, window: fig_lib.Box | None = None,
                 output_cells: Sequence[tuple[int, int]] = (),
                 input_cell: tuple[int, int] | None = None,
                 tap: tuple[int, int] | None = None,
                 max_cell_px: float = fig_lib.MAX_CELL_PX,
                 available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The input (padded), the kernel and the output, with section 2's pick on them.

    Parameters
    ----------
    padded_x : ndarray, (H + pads, W + pads)
    pad_mask : ndarray of bool
        True on padding cells.
    origin : (int, int)
        ``(pad_top, pad_left)``.
    kernel : ndarray, (kh, kw)
    y : ndarray, (H_out, W_out)
    window : Box, optional
        The picked row's window, in padded-input cells: ``window`` (black frame).
    output_cells : sequence of (int, int)
        Output cells to frame: the row's cell (black) or, with ``input_cell``, every output
        the input cell touches (orange dots ``outputs``).
    input_cell : (int, int), optional
        The picked column's input cell, in input coordinates: ``input:cell`` (blue frame).
    tap : (int, int), optional
        The picked weight: ``kernel:tap`` (vermillion frame).

    Returns
    -------
    go.Figure
        Panels ``input`` (click tags ``"input"``/``"padding"``), ``kernel``, ``output``
        (``"output"``).
    """
    top, left = origin
    panels = [
        Panel(padded_x, _("<b>input</b> x {size}").format(
            size=size_text((int((~pad_mask).any(axis=1).sum()),
                            int((~pad_mask).any(axis=0).sum())))),
              pad_mask=pad_mask if pad_mask.any() else None, origin=origin, click="input",
              name="input"),
        Panel(kernel, _("<b>kernel</b> {size}").format(size=size_text(kernel.shape)),
              name="kernel"),
        Panel(y, _("<b>output</b> y {size}").format(size=size_text(y.shape)), click="output",
              name="output"),
    ]
    fig = fig_lib.grid_figure(panels, digits=3, max_cell_px=max_cell_px,
                              available_px=available_px)
    if window is not None:
        fig_lib.add_outline(fig, 0, [window], color=ROW_COLOR, name="window")
        fig_lib.add_outline(fig, 2, [(i, j, i, j) for i, j in output_cells], color=ROW_COLOR,
                            name="output:cell")
    if input_cell is not None:
        r, c = input_cell[0] + top, input_cell[1] + left
        fig_lib.add_outline(fig, 0, [(r, c, r, c)], color=COLUMN_COLOR, name="input:cell")
        _corner_marks(fig, 2, list(output_cells), color=FEED_COLOR, name="outputs")
    if tap is not None:
        fig_lib.add_outline(fig, 1, [(tap[0], tap[1], tap[0], tap[1])], color=WEIGHT_COLOR,
                            name="kernel:tap")
    return fig


# ------------------------------------------------------------------------------ depth


def receptive_field_figure(paths: np.ndarray, box, unit: tuple[int, int],
                           out_hw: tuple[int, int], layer: int, *,
                           max_cell_px: float = 40,
                           available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The stack's input (how many paths join each cell to the unit) beside the deep layer.

    Parameters
    ----------
    paths : ndarray of int, (H, W)
        From ``convcore.unit_input_region``: 0 outside the region the unit depends on.
    box : ((int, int), (int, int)) or None
        The region's bounding box ``((top, bottom), (left, right))``.
    unit : (int, int)
    out_hw : (int, int)
        The deep layer's output size.
    layer : int

    Returns
    -------
    go.Figure
        Panel ``paths`` (outline ``region``), panel ``layer`` (click tag ``"output"``,
        outline ``unit``).
    """
    layer_values = np.zeros(out_hw)
    layer_values[unit] = 1.0
    panels = [
        Panel(paths.astype(float), _("<b>input</b> {size}").format(
            size=size_text(paths.shape)), name="paths"),
        Panel(layer_values, _("<b>layer {n}</b> {size}").format(n=layer, size=size_text(
            out_hw)), show_values=False, click="output", name="layer"),
    ]
    fig = fig_lib.grid_figure(panels, digits=3, max_cell_px=max_cell_px,
                              available_px=available_px)
    if box is not None:
        (top, bottom), (left, right) = box
        fig_lib.add_outline(fig, 0, [(top, left, bottom, right)], color=ROW_COLOR,
                            name="region")
    fig_lib.add_outline(fig, 1, [(unit[0], unit[1], unit[0], unit[1])], color=WEIGHT_COLOR,
                        name="unit")
    return fig


# ------------------------------------------------------------------------------ equivariance


def _border_boxes(mask: np.ndarray) -> list[fig_lib.Box]:
    return [(int(r), int(c), int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)]


def equivariance_figure(conv_of_shifted: np.ndarray, shifted_conv: np.ndarray,
                        difference: np.ndarray, border: np.ndarray, *,
                        max_cell_px: float = 16,
                        available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """conv(shift(x)), shift(conv(x)) and their difference, border cells marked.

    Returns
    -------
    go.Figure
        Panels ``a``, ``b``, ``difference``; dots ``border`` on the difference panel where
        the two sides may differ (the shift moved a real input cell off the image).
    """
    scale = fig_lib.color_scale_for(np.concatenate([conv_of_shifted.ravel(),
                                                    shifted_conv.ravel()]))
    panels = [
        Panel(conv_of_shifted, _("<b>conv(shift(x))</b>"), scale=scale, show_values=False,
              name="a"),
        Panel(shifted_conv, _("<b>shift(conv(x))</b>"), scale=scale, show_values=False,
              name="b"),
        Panel(difference, _("<b>difference</b>"), show_values=False, name="difference"),
    ]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(border), strict=True)]
    if cells:
        _corner_marks(fig, 2, cells, color=BORDER_COLOR, name="border")
    return fig


def transform_figure(left: np.ndarray, right: np.ndarray, difference: np.ndarray,
                     titles: tuple[str, str], *, max_cell_px: float = 12,
                     available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """Two sides of a rotation or scale check and their difference (panels ``a b difference``)."""
    scale = fig_lib.color_scale_for(np.concatenate([left.ravel(), right.ravel()]))
    panels = [Panel(left, titles[0], scale=scale, show_values=False, name="a"),
              Panel(right, titles[1], scale=scale, show_values=False, name="b"),
              Panel(difference, _("<b>difference</b>"), scale=scale, show_values=False,
                    name="difference")]
    return fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)


# ------------------------------------------------------------------------------ fig. 9.16


def weight_mosaic(weights: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """The kernel each output cell uses, laid out like the output: ``(H_out·kh, W_out·kw)``.

    Parameters
    ----------
    weights : ndarray
        ``(H_out, W_out, kh, kw)`` (locally connected), ``(th, tw, kh, kw)`` (tiled: cell
        ``(i, j)`` uses ``[i mod th, j mod tw]``) or ``(kh, kw)`` (convolutional).
    out_hw : (int, int)
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 2:
        w = w[np.newaxis, np.newaxis]
    out_h, out_w = out_hw
    th, tw, kh, kw = w.shape
    i = np.arange(out_h) % th
    j = np.arange(out_w) % tw
    per_cell = w[i[:, None], j[None, :]]  # (out_h, out_w, kh, kw)
    return per_cell.transpose(0, 2, 1, 3).reshape(out_h * kh, out_w * kw)


def weights_mosaic_figure(mosaics: Sequence[np.ndarray], titles: Sequence[str],
                          kernel_hw: tuple[int, int], tiles: Sequence[tuple[int, int]], *,
                          max_cell_px: float = 14,
                          available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """Fig. 9.16 as weights: for each layer, the kernel every output cell uses.

    Parameters
    ----------
    mosaics : sequence of ndarray
        From :func:`weight_mosaic`, all of one shape.
    titles : sequence of str
    kernel_hw : (int, int)
    tiles : sequence of (int, int)
        Per panel, the block of output cells that holds distinct kernels (the output size
        for locally connected, ``(th, tw)`` for tiled, ``(1, 1)`` for convolutional):
        outlined ``tile:k``, and a thin frame around every kernel ``kernels:k``.
    """
    scale = fig_lib.color_scale_for(np.concatenate([m.ravel() for m in mosaics]))
    panels = [Panel(m, t, scale=scale, show_values=False, name=f"layer{k}")
              for k, (m, t) in enumerate(zip(mosaics, titles, strict=True))]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    kh, kw = kernel_hw
    for k, (mosaic, (th, tw)) in enumerate(zip(mosaics, tiles, strict=True)):
        out_h, out_w = mosaic.shape[0] // kh, mosaic.shape[1] // kw
        boxes = [(i * kh, j * kw, i * kh + kh - 1, j * kw + kw - 1)
                 for i in range(out_h) for j in range(out_w)]
        fig_lib.add_outline(fig, k, boxes, color="#9aa3b2", width=1.0, halo=False,
                            name=f"kernels:{k}")
        tile = (0, 0, min(th, out_h) * kh - 1, min(tw, out_w) * kw - 1)
        fig_lib.add_outline(fig, k, [tile], color=WEIGHT_COLOR, width=3.0, name=f"tile:{k}")
    return fig


def layer_outputs_figure(x: np.ndarray, outputs: Sequence[np.ndarray],
                         titles: Sequence[str], *, max_cell_px: float = 30,
                         available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The input and the outputs of the three layers (panels ``x``, ``out0`` ...)."""
    panels = [Panel(x, _("<b>input</b> {size}").format(size=size_text(x.shape)), image=True,
                    show_values=False, name="x")]
    scale = fig_lib.color_scale_for(np.concatenate([o.ravel() for o in outputs]))
    panels += [Panel(o, t, scale=scale, show_values=False, name=f"out{k}")
               for k, (o, t) in enumerate(zip(outputs, titles, strict=True))]
    return fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)


# ------------------------------------------------------------------------------ Waldo


def waldo_figure(scene: np.ndarray, template: np.ndarray, response: np.ndarray,
                 placed: tuple[int, int], peak: tuple[int, int], *, max_cell_px: float = 14,
                 available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The scene with the hidden pattern, the zero-mean kernel, and the response.

    Returns
    -------
    go.Figure
        Panels ``scene`` (click tag ``"input"``: a click moves the pattern there; outline
        ``placed``), ``kernel``, ``response`` (outline ``peak``; the peak's window also
        outlined on the scene as ``found``, dashed).
    """
    ph, pw = template.shape
    panels = [
        Panel(scene, _("<b>scene</b> {size}").format(size=size_text(scene.shape)), image=True,
              show_values=False, click="input", name="scene"),
        Panel(template, _("<b>kernel</b> {size}").format(size=size_text(template.shape)),
              show_values=False, name="kernel"),
        Panel(response, _("<b>response</b> {size}").format(size=size_text(response.shape)),
              show_values=False, name="response"),
    ]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    top, left = placed
    fig_lib.add_outline(fig, 0, [(top, left, top + ph - 1, left + pw - 1)],
                        color=COLUMN_COLOR, name="placed")
    pr, pc = peak
    fig_lib.add_outline(fig, 0, [(pr, pc, pr + ph - 1, pc + pw - 1)], color=WEIGHT_COLOR,
                        dash="dash", name="found")
    fig_lib.add_outline(fig, 2, [(pr, pc, pr, pc)], color=WEIGHT_COLOR, name="peak")
    return fig
