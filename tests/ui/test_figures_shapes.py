"""Figures of the padding & stride page, without a server: what is drawn where, against
convcore's trace and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcore.padding import PADDING_MODES, pad
from convcore.stack import layer_stack_shapes, repeat_layer
from convcore.trace import window_trace
from ui import figures_shapes as FS
from ui.figures import box_outline, trace_index

TORCH_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
               "circular": "circular"}


def _trace(fig, name):
    return fig.data[trace_index(fig, name)]


def _torch_pad(x, pads, mode):
    (top, bottom), (left, right) = pads
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))[None, None]
    return F.pad(t, (left, right, top, bottom), mode=TORCH_MODES[mode])[0, 0].numpy()


# ------------------------------------------------------------------------------ sample input


def test_sample_input_counts_row_by_row():
    np.testing.assert_array_equal(FS.sample_input((2, 3)), [[0, 1, 2], [3, 4, 5]])


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_padded_sample_matches_pytorch_and_marks_the_padding(mode):
    x = FS.sample_input((4, 5))
    pads = ((2, 1), (0, 3))
    padded, mask = FS.padded_sample(x, pads, mode)
    np.testing.assert_array_equal(padded, _torch_pad(x, pads, mode))
    assert mask.shape == (7, 8)
    assert mask.sum() == 7 * 8 - 4 * 5
    assert not mask[2:6, 0:5].any()


# ------------------------------------------------------------------------------ padding figure


def test_windows_are_outlined_where_the_trace_puts_them():
    trace = window_trace((8, 8), 3, stride=2, padding=1)
    marks = FS.WindowMarks((0, 0), (3, 3), (1, 2))
    fig = FS.padding_figure(trace, marks=marks)
    for name, (i, j) in (("first", (0, 0)), ("last", (3, 3)), ("picked", (1, 2))):
        xs, ys = box_outline([trace.window_box(i, j)])
        assert list(_trace(fig, f"window:{name}").x) == xs
        assert list(_trace(fig, f"window:{name}").y) == ys
        cell_x, cell_y = box_outline([(i, j, i, j)])
        assert list(_trace(fig, f"cell:{name}").x) == cell_x
        assert list(_trace(fig, f"cell:{name}").y) == cell_y
        assert _trace(fig, f"cell:{name}").xaxis == "x2"
    assert fig.data[-1].name == "click:output"  # click overlays stay on top
    assert fig.data[-2].name == "click:input"


def test_default_marks_clamp_the_pick_into_the_output():
    trace = window_trace((8, 8), (3, 5), stride=(3, 4), padding=(0, 1))
    marks = FS.default_marks(trace, picked=(7, -3))
    assert (marks.first, marks.last, marks.picked) == ((0, 0), (1, 1), (1, 0))


def test_output_panel_sums_each_window_like_pytorch():
    trace = window_trace((6, 7), (2, 3), stride=(2, 1), padding=((1, 0), (2, 1)))
    fig = FS.padding_figure(trace, "replicate")
    shown = np.array(_trace(fig, "output:values").z, dtype=np.float64)
    padded = _torch_pad(FS.sample_input((6, 7)), trace.pads, "replicate")
    expected = F.conv2d(torch.from_numpy(padded)[None, None],
                        torch.ones((1, 1, 2, 3), dtype=torch.float64), stride=(2, 1))[0, 0]
    np.testing.assert_array_equal(shown, expected.numpy())
    assert shown.shape == trace.out_hw


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_non_zero_modes_colour_the_padding_with_the_copied_values(mode):
    trace = window_trace((5, 5), 3, padding=2)
    fig = FS.padding_figure(trace, mode)
    padding = _trace(fig, "input:padding")
    z = np.array(padding.z, dtype=np.float64)
    padded = _torch_pad(FS.sample_input((5, 5)), trace.pads, mode)
    inner = np.zeros_like(z, dtype=bool)
    inner[2:7, 2:7] = True
    np.testing.assert_array_equal(z[~inner], padded[~inner])
    assert np.isnan(z[inner]).all()
    assert padding.opacity == FS.PADDING_OPACITY
    assert padding.zmax == _trace(fig, "input:values").zmax  # one colour scale for both
    assert "reflect" not in mode or "reflect padding" in fig.layout.annotations[0].text


def test_zero_padding_stays_grey():
    fig = FS.padding_figure(window_trace((5, 5), 3, padding=1))
    padding = _trace(fig, "input:padding")
    assert padding.opacity is None
    assert {c for _, c in padding.colorscale} == {"#eceef2"}


def test_no_padding_is_titled_as_the_plain_input():
    fig = FS.padding_figure(window_trace((4, 4), 3))
    assert fig.layout.annotations[0].text.startswith("<b>input</b> 4×4 (no padding)")


def test_unreached_cells_are_crossed_where_the_trace_says():
    trace = window_trace((8, 8), (3, 5), stride=(3, 4), padding=(0, 1))
    fig = FS.padding_figure(trace)
    marks = _trace(fig, "unreached")
    rows, cols = np.nonzero(trace.unreached_input_cells())
    assert sorted(zip(marks.y, marks.x, strict=True)) == sorted(
        zip(rows.tolist(), (cols + 1).tolist(), strict=True))  # +1: the left padding column
    assert rows.min() == 6  # the seeds' example drops input rows 6 and 7
    assert marks.marker.symbol == "x-thin"


def test_no_unreached_trace_when_every_cell_is_used():
    fig = FS.padding_figure(window_trace((8, 8), 3, padding=1))
    with pytest.raises(ValueError, match="no trace"):
        trace_index(fig, "unreached")


def test_all_windows_are_outlined_then_only_centred_beyond_the_limit():
    small = window_trace((6, 6), 3, stride=2, padding=1)
    fig = FS.padding_figure(small, marks=FS.default_marks(small, show_all=True))
    outlines = _trace(fig, "window:all")
    assert list(outlines.x).count(None) == 3 * 3 - 1  # nine boxes, None between them
    assert len(_trace(fig, "window:centres").x) == 9
    big = window_trace((20, 20), 3, padding=1)  # 400 windows
    fig = FS.padding_figure(big, marks=FS.default_marks(big, show_all=True))
    assert len(_trace(fig, "window:centres").x) == 400
    with pytest.raises(ValueError, match="no trace"):
        trace_index(fig, "window:all")


def test_dilated_windows_dot_their_taps():
    trace = window_trace((9, 9), 3, stride=3, dilation=2)
    fig = FS.padding_figure(trace, marks=FS.default_marks(trace, picked=(1, 0)))
    taps = _trace(fig, "taps:picked")
    assert sorted(zip(taps.y, taps.x, strict=True)) == [
        (r, c) for r in (3, 5, 7) for c in (0, 2, 4)]
    undilated = FS.padding_figure(window_trace((9, 9), 3))
    assert not any((t.name or "").startswith("taps:") for t in undilated.data)


def test_each_panel_numbers_its_own_rows():
    fig = FS.padding_figure(window_trace((8, 8), 3, padding=1))
    assert (fig.layout.yaxis.anchor, fig.layout.yaxis2.anchor) == ("x", "x2")
    assert list(fig.layout.yaxis.ticktext)[:2] == ["-1", "0"]
    assert list(fig.layout.yaxis2.ticktext)[:2] == ["0", "1"]


def test_a_wrong_input_shape_is_refused():
    with pytest.raises(ValueError, match="trace is for a 4×4 input"):
        FS.padding_figure(window_trace((4, 4), 3), x=np.zeros((3, 3)))


# ------------------------------------------------------------------------------ unreached text


def test_the_seeds_stride_example_explains_the_dropped_rows():
    trace = window_trace((8, 8), (3, 5), stride=(3, 4), padding=(0, 1))
    (sentence,) = FS.unreached_summary(trace)
    assert sentence.startswith("Input rows 6–7 at the bottom are never reached")
    assert "covers padded rows 3–5" in sentence
    assert "drops the 2 rows left over" in sentence


def test_gaps_are_explained_by_their_cause():
    jump = FS.unreached_summary(window_trace((7, 7), 2, stride=3))
    # One whole sentence per cause (translatable), the cause said the same way as before.
    assert any("Input row 2 is skipped. The stride (3) is longer than the window's span (2)"
               in s for s in jump)
    dilated = FS.unreached_summary(window_trace((9, 9), 2, stride=2, dilation=2))
    assert dilated[0].startswith("Input rows 1, 3, 5, 7 are skipped. They fall in the "
                                 "dilation gaps")
    assert FS.unreached_summary(window_trace((8, 8), 3, padding=1)) == []


def _torch_unreached_1d(n, k, s, pads, d):
    """Input indices with zero gradient through a conv1d of ones (no tap reaches them)."""
    x = torch.zeros((1, 1, n), dtype=torch.float64, requires_grad=True)
    y = F.conv1d(F.pad(x, pads), torch.ones((1, 1, k), dtype=torch.float64), stride=s,
                 dilation=d)
    y.sum().backward()
    return set(np.nonzero(x.grad[0, 0].numpy() == 0)[0].tolist())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 5), d=st.integers(1, 3),
       before=st.integers(0, 3), after=st.integers(0, 3))
def test_unreached_rows_and_columns_are_the_ones_autograd_never_touches(n, k, s, d, before,
                                                                      after):
    assume(n + before + after >= d * (k - 1) + 1)
    trace = window_trace((n, 3), (k, 1), stride=(s, 1), padding=((before, after), (0, 0)),
                         dilation=(d, 1))
    tail, gaps = FS.unreached_along(trace, 0)
    assert set(tail) | set(gaps) == _torch_unreached_1d(n, k, s, (before, after), d)
    assert all(t > g for t in tail for g in gaps)
    text = " ".join(FS.unreached_summary(trace))
    assert ("never reached" in text) == bool(tail)
    assert ("skipped" in text) == bool(gaps)


# ------------------------------------------------------------------------------ padding sources


def test_padding_sources_name_the_copied_rows_and_columns():
    texts = FS.padding_sources_text((5, 5), ((2, 1), (0, 1)), "reflect")
    assert texts == ["the 2 top padding rows copy input rows 2, 1",
                     "the bottom padding row copies input row 3",
                     "the right padding column copies input column 3"]
    assert FS.padding_sources_text((5, 5), ((2, 1), (0, 1)), "zeros") == []
    circular = FS.padding_sources_text((4, 4), ((1, 0), (0, 0)), "circular")
    assert circular == ["the top padding row copies input row 3"]
    # The numbers are what padding the sample input gives.
    x = FS.sample_input((4, 4))
    assert pad(x, ((1, 0), (0, 0)), "circular")[0, 0] == x[3, 0]


# ------------------------------------------------------------------------------ "same" conventions


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_same_conventions_pad_opposite_sides_and_shift_the_output():
    fig = FS.same_conventions_figure((6, 6), 2)
    assert fig.layout.meta["panels"] == ["pytorch:input", "pytorch:output", "d2l:input",
                                         "d2l:output"]
    torch_out = np.array(_trace(fig, "pytorch:output:values").z, dtype=np.float64)
    d2l_out = np.array(_trace(fig, "d2l:output:values").z, dtype=np.float64)
    assert torch_out.shape == d2l_out.shape == (6, 6)
    np.testing.assert_array_equal(torch_out[:-1, :-1], d2l_out[1:, 1:])
    # PyTorch's own padding="same" gives the first panel's output.
    x = torch.from_numpy(FS.sample_input((6, 6)))[None, None]
    ref = F.conv2d(x, torch.ones((1, 1, 2, 2), dtype=torch.float64), padding="same")[0, 0]
    np.testing.assert_array_equal(torch_out, ref.numpy())
    titles = [a.text for a in fig.layout.annotations]
    assert "top 0, bottom 1" in titles[0]
    assert "top 1, bottom 0" in titles[2]


# ------------------------------------------------------------------------------ transposed


X22 = [[0, 1], [2, 3]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({}, [[0, 0, 1], [0, 4, 6], [4, 12, 9]], id="d2l-stride-1"),
        pytest.param({"stride": 2}, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]],
                     id="d2l-stride-2"),
        pytest.param({"padding": 1}, [[4]], id="d2l-padding-1"),
    ],
)
def test_transpose_parts_give_the_books_numbers(kwargs, expected):
    parts = FS.transpose_parts(X22, X22, **kwargs)
    np.testing.assert_array_equal(parts.output, expected)


@pytest.mark.parametrize(
    ("in_hw", "k_hw", "stride", "padding", "output_padding", "dilation"),
    [
        pytest.param((2, 3), (3, 2), 2, 1, 1, 1, id="s2-p1-op1"),
        pytest.param((3, 3), (2, 2), 3, (0, 1), (2, 0), 1, id="s3-uneven"),
        pytest.param((2, 2), (2, 3), 1, 0, 0, 2, id="dilated"),
        pytest.param((1, 4), (4, 1), (1, 2), (1, 0), 0, 1, id="row"),
    ],
)
def test_patches_add_up_to_pytorchs_transposed_convolution(in_hw, k_hw, stride, padding,
                                                           output_padding, dilation):
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=in_hw), rng.normal(size=k_hw)
    parts = FS.transpose_parts(x, k, stride, padding, output_padding, dilation)
    ref = F.conv_transpose2d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None],
                             stride=stride, padding=padding, output_padding=output_padding,
                             dilation=dilation)[0, 0].numpy()
    np.testing.assert_allclose(parts.output, ref, atol=1e-12)
    np.testing.assert_allclose(sum(parts.patches.values()), parts.full, atol=1e-12)
    ph, pw = parts.pad
    hf, wf = parts.full.shape
    np.testing.assert_allclose(parts.full[ph:hf - ph, pw:wf - pw], parts.output, atol=1e-12)
    for (r, c), patch in parts.patches.items():
        top, left, bottom, right = FS.patch_box(r, c, k.shape, stride, dilation)
        outside = np.ones(patch.shape, dtype=bool)
        outside[top:bottom + 1, left:right + 1] = False
        assert not patch[outside].any()
        assert patch[top, left] == pytest.approx(x[r, c] * k[0, 0])


def test_transpose_figures_show_every_patch_and_the_cut():
    parts = FS.transpose_parts(X22, X22, padding=1)
    figures = FS.transpose_figures(parts)
    assert len(figures) == 1 + 2  # the overview, then one row of patches per input row
    overview = figures[0]
    assert overview.layout.meta["panels"] == ["x", "kernel", "full", "output"]
    cut = np.array(_trace(overview, "full:padding").z, dtype=np.float64)
    assert np.isnan(cut[1, 1]) and not np.isnan(cut[0, 0])  # only the centre survives
    assert figures[1].layout.meta["panels"] == ["patch:0:0", "patch:0:1"]
    box = _trace(figures[2], "patch:1:1:box")
    assert list(box.x) == box_outline([(1, 1, 2, 2)])[0]
    no_cut = FS.transpose_figures(FS.transpose_parts(X22, X22))[0]
    assert no_cut.layout.meta["panels"] == ["x", "kernel", "output"]


def test_large_inputs_skip_the_patch_by_patch_pictures():
    parts = FS.transpose_parts(np.ones((5, 4)), np.ones((2, 2)))
    assert len(FS.transpose_figures(parts)) == 1


# ------------------------------------------------------------------------------ layer stack


def test_stack_figure_plots_the_seeds_shrinking_and_the_growing_field():
    rows = layer_stack_shapes((240, 240), repeat_layer(10, 5))
    fig = FS.stack_figure((240, 240), rows)
    assert [t.name for t in fig.data] == ["output height", "receptive field height"]
    assert list(fig.data[0].y) == list(range(240, 199, -4))
    assert list(fig.data[1].y) == [1, *range(5, 42, 4)]
    assert list(fig.data[0].x) == list(range(11))


def test_stack_figure_adds_width_lines_when_the_axes_differ():
    rows = layer_stack_shapes((32, 20), repeat_layer(2, (3, 5), stride=(1, 2)))
    fig = FS.stack_figure((32, 20), rows)
    assert [t.name for t in fig.data] == ["output height", "output width",
                                          "receptive field height", "receptive field width"]
    assert list(fig.data[1].y) == [20, 8, 2]


# ------------------------------------------------------------------ formulas (issue 9, item 12)


def _torch_out_hw(in_hw, ks, stride, pads, dilation):
    (top, bottom), (left, right) = pads
    x = F.pad(torch.zeros((1, 1, *in_hw), dtype=torch.float64), (left, right, top, bottom))
    w = torch.zeros((1, 1, *ks), dtype=torch.float64)
    return tuple(F.conv2d(x, w, stride=stride, dilation=dilation).shape[2:])


def _last_number(line: str) -> int:
    return int(line.rsplit("=", 1)[1])


@settings(max_examples=60, deadline=None)
@given(n=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       s=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       p=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)))
def test_both_forms_of_the_formula_end_in_pytorchs_shape(n, k, s, d, p):
    from convcore.shapes import explain_conv_output_shape

    pads = ((p[0], p[1]), (p[2], p[3]))
    spans = [dd * (kk - 1) + 1 for kk, dd in zip(k, d, strict=True)]
    assume(all(span <= nn + a + b for span, nn, (a, b) in zip(spans, n, pads, strict=True)))
    trace = window_trace(n, k, s, pads, d)
    lines = FS.formula_lines(trace, explain_conv_output_shape(n, k, s, pads, d))
    expected = _torch_out_hw(n, k, s, pads, d)
    assert tuple(_last_number(line) for line in lines.pytorch[1:]) == expected
    assert tuple(_last_number(line) for line in lines.seeds[1:]) == expected
    strided, dilated = max(s) > 1, max(d) > 1
    assert lines.seeds[0].strip() == ("out = ⌊(n − k + p + s) / s⌋" if strided
                                      else "out = n − k + p + 1")
    # the dilation term only where there is dilation
    assert ("d·(k − 1)" in lines.pytorch[0]) == dilated
    assert any("1·(" in line for line in lines.pytorch[1:]) == (dilated and min(d) == 1)
    for axis, line in enumerate(lines.seeds[1:]):
        total = pads[axis][0] + pads[axis][1]
        number = f"{n[axis]} − {spans[axis]} + {total} + "
        assert number in line  # p is the total padding of the axis, k the window's span


@pytest.mark.parametrize("stride, padding, output_padding", [(1, 0, 0), (2, 0, 1), (3, 1, 2)],
                         ids=["d2l", "stride2-op1", "stride3-p1-op2"])
def test_transposed_formula_ends_in_pytorchs_shape(stride, padding, output_padding):
    from convcore.shapes import explain_conv_transpose_output_shape

    formulas = explain_conv_transpose_output_shape((2, 3), (2, 3), stride, padding,
                                                   output_padding)
    lines = FS.transpose_formula_lines(formulas, (2, 3), (2, 3), stride, padding,
                                       output_padding)
    shape = tuple(F.conv_transpose2d(torch.zeros((1, 1, 2, 3), dtype=torch.float64),
                                     torch.zeros((1, 1, 2, 3), dtype=torch.float64),
                                     stride=stride, padding=padding,
                                     output_padding=output_padding).shape[2:])
    assert tuple(_last_number(line) for line in lines[1:]) == shape
    assert not [line for line in lines if "d·" in line or "1·(" in line]


@pytest.mark.parametrize("stride, leftover", [((3, 4), (2, 1)), ((1, 1), (0, 0))],
                         ids=["seeds-strided", "stride1"])
def test_the_uneven_stride_note_counts_the_rows_the_floor_drops(stride, leftover):
    trace = window_trace((8, 8), (3, 5), stride=stride, padding=((0, 0), (1, 1)))
    notes = [FS.uneven_stride_note(trace, axis) for axis in (0, 1)]
    for note, count, unit in zip(notes, leftover, ("row", "column"), strict=True):
        assert (note == "") == (count == 0)
        if count:
            assert f"the last {count} padded {unit}" in note
    # the cells the note counts are the ones no window reaches at the end
    assert leftover[0] == len(FS.unreached_along(trace, 0)[0])


# -------------------------------------------------------------------- legend (issue 9, item 13)


def test_the_legend_is_words_and_drawn_swatches():
    items = FS.legend_items((3, 4), unreached=True)
    markup = FS.legend_html(items)
    assert [w for w, _css in items][:3] == [
        "first window: blue, dotted frame", "last window: green, dashed frame",
        "picked window (3, 4): orange-red, thick frame"]
    # each window's swatch repeats its line pattern, so colour is not the only difference
    styles = [css for _w, css in items]
    assert "dotted" in styles[0] and "dashed" in styles[1] and "solid" in styles[2]
    assert "repeating-linear-gradient" in styles[3]  # hatched padding
    assert markup.count('aria-hidden="true"') == len(items) == 5
    assert all(ord(ch) < 0x2600 or 0x4E00 <= ord(ch) <= 0x9FFF for ch in markup)
    assert len(FS.legend_items(None, unreached=False)) == 3


def test_window_outlines_differ_by_pattern_not_only_colour():
    fig = FS.padding_figure(window_trace((8, 8), 3, padding=1),
                            marks=FS.default_marks(window_trace((8, 8), 3, padding=1), (3, 4)))
    dashes = {name: _trace(fig, f"window:{name}").line.dash for name in
              ("first", "last", "picked")}
    assert len(set(dashes.values())) == 3


@pytest.mark.parametrize("part, names, absent", [
    ("input", {"window:first", "window:picked", "unreached"}, "cell:first"),
    ("output", {"cell:first", "cell:picked"}, "window:first"),
], ids=["input", "output"])
def test_presenter_parts_draw_one_panel_with_its_marks(part, names, absent):
    trace = window_trace((8, 8), (3, 5), stride=(3, 4), padding=((0, 0), (1, 1)))
    fig = FS.padding_figure(trace, marks=FS.default_marks(trace, (1, 1)), part=part,
                            available_px=900, max_cell_px=60)
    drawn = {t.name for t in fig.data}
    assert names <= drawn and absent not in drawn
    assert len(fig.layout.annotations) == 1  # one panel title
    assert float(fig.layout.meta["cell_px"]) == 60  # the larger cells fit the width
    with pytest.raises(ValueError, match="part must be"):
        FS.padding_figure(trace, part="both panels")
