"""Figure builders of the "Why convolution" page: arrays in, figures out, no server.

The drawn matrix never drops an entry (every non-zero block stays non-zero and keeps its
largest-magnitude value), highlights land on the cells convcore names, the mosaic of fig.
9.16 repeats exactly as the layers share weights, and presenter fitting keeps titles off
the ticks and inside the figure.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

import convcore
from ui import figures as F
from ui import figures_why as FW
from ui import presenter
from ui.i18n import use_language


def trace(fig, name):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def cells(tr) -> list[tuple[int, int]]:
    """The cells a trace of dots marks (dots sit at FW.MARK_OFFSET from the centres)."""
    dx, dy = FW.MARK_OFFSET
    return sorted(zip((round(v - dy) for v in tr.y), (round(v - dx) for v in tr.x),
                      strict=True))


# ------------------------------------------------------------------------------ drawn matrix


@pytest.mark.parametrize(("side", "max_side", "factor"), [
    pytest.param(6, 96, 1, id="fits"), pytest.param(10, 50, 2, id="double"),
    pytest.param(20, 50, 8, id="uneven-blocks")])
def test_drawn_matrix_keeps_every_block_and_its_largest_entry(side, max_side, factor):
    kernel = np.array([[1.0, -2.0, 0.5], [3.0, -4.0, 0.25], [0.0, 1.5, -0.75]])
    m = convcore.conv_matrix((side, side), kernel, padding=1)
    drawn = FW.drawn_dense(m, max_side)
    assert drawn.factor == factor and max(drawn.values.shape) <= max_side
    f = factor
    for r in range(drawn.values.shape[0]):
        for c in range(drawn.values.shape[1]):
            block = m[r * f:(r + 1) * f, c * f:(c + 1) * f]
            largest = np.abs(block).max()
            assert abs(drawn.values[r, c]) == largest
            assert drawn.values[r, c] in block


def test_drawn_matrix_from_triplets_equals_the_dense_one():
    kernel = np.arange(9.0).reshape(3, 3) - 4
    t = convcore.conv_matrix_triplets((30, 30), kernel, stride=2, padding=1)
    m = convcore.conv_matrix((30, 30), kernel, stride=2, padding=1)
    a = FW.drawn_matrix(t.rows, t.cols, t.values, t.shape, 40)
    b = FW.drawn_dense(m, 40)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.cell(299, 899) == (299 // a.factor, 899 // a.factor)
    assert a.entry(*a.cell(13, 27)) == (13 - 13 % a.factor, 27 - 27 % a.factor)


def test_the_downsample_note_says_how_in_both_languages():
    drawn = FW.drawn_dense(np.ones((200, 150)), 96)
    assert FW.downsample_note(FW.drawn_dense(np.eye(4))) == ""
    note = FW.downsample_note(drawn)
    assert "200×150" in note and "blocks of 3×3 entries" in note and "67×50" in note
    with use_language("zh"):
        assert "200×150" in FW.downsample_note(drawn) and "块" in FW.downsample_note(drawn)


# ------------------------------------------------------------------------------ section 1


def test_dense_figure_draws_the_matrix_and_the_tied_kernel():
    step = convcore.constrain_dense_layer(convcore.random_dense_weight((5, 5)),
                                          translation_invariance=True, locality=1)
    fig = FW.dense_matrix_figure(FW.drawn_dense(step.matrix), step.kernel)
    z = np.array(trace(fig, "W:values").z, dtype=float)
    np.testing.assert_allclose(z, step.matrix.astype(np.float32))
    np.testing.assert_allclose(np.array(trace(fig, "V:values").z, dtype=float),
                               step.kernel.astype(np.float32))
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0].startswith("<b>weight matrix</b> 25×25")
    # one colour scale for both, centred on 0
    assert trace(fig, "W:values").zmin == trace(fig, "V:values").zmin == -trace(
        fig, "W:values").zmax
    with use_language("zh"):
        zh = FW.dense_matrix_figure(FW.drawn_dense(step.matrix), None)
    assert "权重矩阵" in zh.layout.annotations[0].text


# ------------------------------------------------------------------------------ section 2


def _pick(mode, in_hw=(4, 5), kernel_shape=(2, 3), row=3, col=7, tap=(1, 2), stride=1,
          padding=1):
    r = convcore.matrix_row_window(in_hw, kernel_shape, row, stride, padding)
    c = convcore.matrix_column_outputs(in_hw, kernel_shape, col, stride, padding)
    w = convcore.weight_entries(in_hw, kernel_shape, tap, stride, padding)
    return FW.MatrixPick(mode, row, col, tuple(int(v) for v in r.columns[r.on_input]),
                         tuple(int(v) for v in c.rows),
                         tuple(zip(w.rows.tolist(), w.cols.tolist(), strict=True)))


def _product_figure(mode):
    kernel = np.arange(6.0).reshape(2, 3)
    t = convcore.conv_matrix_triplets((4, 5), kernel, padding=1)
    x = np.arange(20.0)
    y = convcore.conv2d(x.reshape(4, 5), kernel, padding=1).ravel()
    drawn = FW.drawn_matrix(t.rows, t.cols, t.values, t.shape)
    return FW.matrix_product_figure(drawn, x, y, _pick(mode)), t


def test_a_picked_row_frames_the_row_and_dots_its_taps():
    fig, t = _product_figure("row")
    row = trace(fig, "pick:row")
    assert min(v for v in row.y if v is not None) == 3 - 0.5
    assert max(v for v in row.x if v is not None) == t.shape[1] - 0.5
    stored = sorted((3, int(c)) for c in t.cols[t.rows == 3])
    assert cells(trace(fig, "pick:taps")) == stored
    assert cells(trace(fig, "pick:x")) == sorted((c, 0) for _r, c in stored)
    overlay = [tr for tr in fig.data if (tr.name or "").startswith("click:")]
    assert [tr.name for tr in overlay] == ["click:matrix", "click:x", "click:y"]
    assert fig.data[-3:] == tuple(overlay)  # clicks stay on top of the highlights


def test_a_picked_column_dots_every_output_it_touches():
    fig, t = _product_figure("column")
    touched = sorted(int(r) for r in t.rows[t.cols == 7])
    assert cells(trace(fig, "pick:outputs")) == [(r, 7) for r in touched]
    assert cells(trace(fig, "pick:y")) == [(r, 0) for r in touched]


def test_a_picked_weight_is_dotted_wherever_it_is_stored():
    fig, t = _product_figure("weight")
    flat = 1 * 3 + 2  # tap (1, 2) of the 2×3 kernel
    expected = sorted(zip(t.rows[t.weight_index == flat].tolist(),
                          t.cols[t.weight_index == flat].tolist(), strict=True))
    assert cells(trace(fig, "pick:weight")) == expected


def test_a_matrix_in_blocks_has_no_vectors_and_marks_blocks():
    kernel = np.ones((3, 3))
    t = convcore.conv_matrix_triplets((20, 20), kernel)
    drawn = FW.drawn_matrix(t.rows, t.cols, t.values, t.shape, 50)
    pick = FW.MatrixPick("column", 0, 210, (), tuple(int(r) for r in t.rows[t.cols == 210]))
    fig = FW.matrix_product_figure(drawn, np.zeros(400), np.zeros(324), pick)
    assert fig.layout.meta["panels"] == ["M"]
    assert cells(trace(fig, "pick:outputs")) == sorted(
        {(int(r) // drawn.factor, 210 // drawn.factor) for r in t.rows[t.cols == 210]})


def test_grids_figure_draws_the_window_on_the_padded_input():
    x = np.arange(16.0).reshape(4, 4)
    padded = np.pad(x, 1)
    mask = np.ones(padded.shape, bool)
    mask[1:5, 1:5] = False
    y = convcore.conv2d(x, np.ones((3, 3)), padding=1)
    fig = FW.grids_figure(padded, mask, (1, 1), np.ones((3, 3)), y, window=(0, 0, 2, 2),
                          output_cells=[(0, 0)], tap=(2, 1))
    window = trace(fig, "window")
    assert (min(v for v in window.x if v is not None), max(v for v in window.y if v is not None)
            ) == (-0.5, 2.5)
    assert "<b>input</b> x 4×4" in fig.layout.annotations[0].text
    assert "kernel:tap" in [t.name for t in fig.data]


# ------------------------------------------------------------------------------ sections 3–6


def test_receptive_field_figure_outlines_the_region():
    layers = convcore.repeat_layer(3, 3, padding=1)
    region = convcore.unit_input_region((13, 13), layers, (2, 9))
    fig = FW.receptive_field_figure(region.paths, region.box, (2, 9), (13, 13), 3)
    out = trace(fig, "region")
    (top, bottom), (left, right) = region.box
    xs = [v for v in out.x if v is not None]
    ys = [v for v in out.y if v is not None]
    assert (min(ys), max(ys), min(xs), max(xs)) == (top - .5, bottom + .5, left - .5, right + .5)


def test_equivariance_figure_marks_exactly_the_border_cells():
    rng = np.random.default_rng(3)
    check = convcore.equivariance_check(rng.standard_normal((9, 9)), np.ones((3, 3)), 2, -1,
                                        padding=1)
    fig = FW.equivariance_figure(check.conv_of_shifted, check.shifted_conv, check.difference,
                                 check.border)
    assert cells(trace(fig, "border")) == sorted(
        (int(r), int(c)) for r, c in zip(*np.nonzero(check.border), strict=True))


@pytest.mark.parametrize(("grid", "tile"), [((6, 4), (6, 4)), ((2, 2), (2, 2)), ((3, 3), (1, 1))],
                         ids=["local", "tiled", "conv"])
def test_weight_mosaic_repeats_as_the_layer_shares(grid, tile):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((*grid, 3, 3)) if tile != (1, 1) else rng.standard_normal((3, 3))
    mosaic = FW.weight_mosaic(w, (6, 4))
    assert mosaic.shape == (18, 12)
    blocks = mosaic.reshape(6, 3, 4, 3).transpose(0, 2, 1, 3)
    distinct = {blocks[i, j].tobytes() for i in range(6) for j in range(4)}
    assert len(distinct) == tile[0] * tile[1]
    # the tiled layer computes exactly with the kernel the mosaic shows at each cell
    x = rng.standard_normal((8, 6))
    weight = w if w.ndim == 4 else w[np.newaxis, np.newaxis]
    out = convcore.tiled_conv2d(x, weight)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3))
    np.testing.assert_allclose(out, np.einsum("ijab,ijab->ij", windows, blocks), atol=1e-12)


def test_waldo_figure_frames_the_pattern_and_the_peak():
    pattern = np.tile([[1.0], [0.0]], (3, 4))[:5]
    scene = convcore.place_pattern(np.zeros((20, 24)), pattern, 6, 11)
    match = convcore.find_pattern(scene, pattern)
    fig = FW.waldo_figure(scene, match.template, match.response, (6, 11), match.peak)
    peak = trace(fig, "peak")
    assert (min(v for v in peak.y if v is not None) + .5,
            min(v for v in peak.x if v is not None) + .5) == match.peak == (6, 11)
    assert trace(fig, "click:input").customdata[0][0] == "input"


# ------------------------------------------------------------------------------ presenter


def test_presenter_fit_hides_small_numbers_lifts_titles_and_widens_for_the_last_title():
    x, y = np.arange(16.0), np.arange(9.0)
    t = convcore.conv_matrix_triplets((4, 4), np.ones((2, 2)))
    drawn = FW.drawn_matrix(t.rows, t.cols, t.values, t.shape)
    fig = FW.matrix_product_figure(drawn, x, y, FW.MatrixPick("row", 0, 0))
    before = (fig.layout.margin.t, fig.layout.width, fig.layout.annotations[0].yshift)
    scale = presenter.figure_scale(True)
    fitted = F.presenter_fit(presenter.scale_figure(fig, scale), title_px=26, tick_px=24)
    for tr in fitted.data:
        if tr.type == "heatmap" and tr.texttemplate:
            assert tr.textfont.size >= 24
    assert fitted.layout.margin.t == before[0] + 34
    assert fitted.layout.annotations[0].yshift == before[2] + 34
    last = fitted.layout.annotations[-1]
    axis = fitted.layout["xaxis" + last.xref.split()[0][1:]]
    plot_w = fitted.layout.width - fitted.layout.margin.l - fitted.layout.margin.r
    right_edge = (fitted.layout.margin.l + axis.domain[0] * plot_w
                  + F.text_width_px(last.text, 26))
    assert right_edge <= fitted.layout.width - 4 + 1e-6
    assert isinstance(fitted, go.Figure)


def test_cjk_titles_count_full_width():
    assert F.text_width_px("卷积", 20) == pytest.approx(46)
    assert F.text_width_px("<b>ab</b>", 20) == pytest.approx(0.6 * 40 + 6)
