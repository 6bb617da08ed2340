"""The channels page's figures and text helpers, without a server.

The numbers drawn must be convcore's (checked against PyTorch in tests/convcore); here the
figures must show them in the right panels, in the right place, with valid Plotly.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F

from convcore import (
    cell_arithmetic,
    channel_connections,
    conv1x1_as_matmul,
    conv2d,
    per_channel_correlations,
    window_trace,
)
from convcore.padding import pad
from ui import figures_channels as FC
from ui.figures import MIN_CELL_PX, Panel, axis_refs
from ui.i18n import use_language

X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
              [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=float)
K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=float)
SEED_OUT = [[56, 72], [104, 120]]


def trace(fig, name: str):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def panel_values(fig, name: str) -> np.ndarray:
    return np.asarray(trace(fig, f"{name}:values").z, dtype=float)


def outline_box(fig, name: str) -> tuple[float, float, float, float]:
    """(top, left, bottom, right) cell edges of a one-box outline trace."""
    t = trace(fig, name)
    xs = [v for v in t.x if v is not None]
    ys = [v for v in t.y if v is not None]
    return min(ys), min(xs), max(ys), max(xs)


def axis_of(fig, name: str) -> tuple[str, str]:
    return trace(fig, f"{name}:values").xaxis, trace(fig, f"{name}:values").yaxis


def domain_px(fig, axis: str) -> tuple[float, float]:
    """Pixel extent of an axis domain (x: from the left of the plot area; y: from the top)."""
    layout = fig.layout
    name = f"{axis[0]}axis{axis[1:]}"
    d0, d1 = layout[name].domain
    if axis[0] == "x":
        plot_w = layout.width - layout.margin.l - layout.margin.r
        return d0 * plot_w, d1 * plot_w
    plot_h = layout.height - layout.margin.t - layout.margin.b
    return (1 - d1) * plot_h, (1 - d0) * plot_h


def seed_figure(**kwargs):
    partials = per_channel_correlations(X, K[None])[0]
    summed = conv2d(X, K[None])[0]
    bias = kwargs.pop("bias", 0.0)
    output = conv2d(X, K[None], [bias])[0]
    t = window_trace((3, 3), 2)
    defaults = dict(window=t.window_box(0, 0), cell=(0, 0))
    defaults.update(kwargs)
    return FC.multi_input_figure(X, K, partials, summed, bias, output, **defaults)


@pytest.fixture(autouse=True)
def english():
    """Figure text in English (no Streamlit session here to say otherwise)."""
    with use_language("en"):
        yield


def validated(fig) -> go.Figure:
    """``fig``, after checking that plotly's validating constructor accepts all of it."""
    go.Figure(fig.to_dict())
    return fig


# ------------------------------------------------------------------------------ stacked


def test_stacked_figure_numbers_panels_row_by_row_and_anchors_each_axis():
    rows = [[Panel(np.zeros((3, 3)), "a", name="a"), Panel(np.ones((3, 2)), "b", name="b")],
            [Panel(np.full((2, 2), 2.0), "c", name="c")]]
    fig = validated(FC.stacked_figure(rows, operators=[["+"], []]))
    assert list(fig.layout.meta["panels"]) == ["a", "b", "c"]
    assert [list(r) for r in fig.layout.meta["rows"]] == [["a", "b"], ["c"]]
    for k, name in enumerate(["a", "b", "c"]):
        x, y = axis_of(fig, name)
        assert (x, y) == axis_refs(k)
        assert fig.layout[f"xaxis{x[1:]}"].anchor == y
        assert fig.layout[f"yaxis{y[1:]}"].anchor == x
        assert fig.layout[f"yaxis{y[1:]}"].scaleanchor == x


def test_stacked_figure_keeps_one_cell_size_and_puts_rows_in_order():
    rows = [[Panel(np.zeros((3, 5)), "wide", name="wide")],
            [Panel(np.zeros((2, 2)), "small", name="small"),
             Panel(np.zeros((1, 1)), "one", name="one")]]
    fig = FC.stacked_figure(rows, operators=[[], ["="]])
    cell = fig.layout.meta["cell_px"]
    for name, (rows_n, cols_n) in {"wide": (3, 5), "small": (2, 2), "one": (1, 1)}.items():
        x, y = axis_of(fig, name)
        x0, x1 = domain_px(fig, x)
        y0, y1 = domain_px(fig, y)
        assert x1 - x0 == pytest.approx(cols_n * cell, abs=0.5)
        assert y1 - y0 == pytest.approx(rows_n * cell, abs=0.5)
    # Row 2 lies below row 1; the 1×1 panel is centred on the 2×2 one beside it.
    assert domain_px(fig, axis_of(fig, "small")[1])[0] > domain_px(fig, axis_of(fig, "wide")[1])[1]
    small, one = domain_px(fig, axis_of(fig, "small")[1]), domain_px(fig, axis_of(fig, "one")[1])
    assert (small[0] + small[1]) / 2 == pytest.approx((one[0] + one[1]) / 2, abs=0.5)


def test_stacked_figure_moves_shapes_with_their_panel():
    mask = np.zeros((4, 4), dtype=bool)
    mask[0] = True
    rows = [[Panel(np.zeros((2, 2)), "top", name="top"), Panel(np.zeros((2, 2)), "t2", name="t2")],
            [Panel(np.zeros((4, 4)), "padded", name="padded", pad_mask=mask, origin=(1, 0))]]
    fig = validated(FC.stacked_figure(rows))
    refs = {sh.name: (sh.xref, sh.yref) for sh in fig.layout.shapes}
    assert refs == {"padded:hatch": ("x3", "y3"), "padded:border": ("x3", "y3")}


def test_stacked_figure_draws_operators_between_panels():
    rows = [[Panel(np.zeros((2, 2)), "p", name="p"), Panel(np.zeros((2, 2)), "q", name="q")]]
    fig = FC.stacked_figure(rows, operators=[["+"]])
    ops = [a for a in fig.layout.annotations if a.name == "operator:0:0"]
    assert len(ops) == 1 and ops[0].text == "<b>+</b>"
    left = fig.layout.xaxis.domain[1]
    right = fig.layout.xaxis2.domain[0]
    assert left < ops[0].x < right


def test_stacked_figure_moves_operators_into_titles_when_cells_are_small():
    rows = [[Panel(np.zeros((40, 40)), "p", name="p"), Panel(np.zeros((40, 40)), "q", name="q"),
             Panel(np.zeros((40, 40)), "r", name="r")]]
    fig = FC.stacked_figure(rows, operators=[["+", "="]])
    assert fig.layout.meta["cell_px"] == MIN_CELL_PX
    assert not [a for a in fig.layout.annotations if (a.name or "").startswith("operator")]
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["p", "<b>+</b> q", "<b>=</b> r"]


@pytest.mark.parametrize(("rows", "operators", "words"), [
    pytest.param([], None, "at least one panel", id="empty"),
    pytest.param([[Panel(np.zeros((1, 1)), "a")]], [[], []], "but 2 lists", id="rows"),
    pytest.param([[Panel(np.zeros((1, 1)), "a"), Panel(np.zeros((1, 1)), "b")]], [[]],
                 "takes 1 operators", id="count"),
])
def test_stacked_figure_refuses(rows, operators, words):
    with pytest.raises(ValueError, match=words):
        FC.stacked_figure(rows, operators=operators)


# ------------------------------------------------------------------------------ multi-input


def test_seed_pipeline_shows_the_seeds_numbers():
    fig = validated(seed_figure())
    assert list(fig.layout.meta["panels"]) == ["x0", "x1", "k0", "k1", "p0", "p1", "sum",
                                               "bias", "out"]
    np.testing.assert_array_equal(panel_values(fig, "x1"), X[1])
    np.testing.assert_array_equal(panel_values(fig, "k0"), K[0])
    np.testing.assert_array_equal(panel_values(fig, "p0"), [[19, 25], [37, 43]])
    np.testing.assert_array_equal(panel_values(fig, "p1"), [[37, 47], [67, 77]])
    np.testing.assert_array_equal(panel_values(fig, "sum"), SEED_OUT)
    np.testing.assert_array_equal(panel_values(fig, "out"), SEED_OUT)
    np.testing.assert_array_equal(panel_values(fig, "bias"), [[0]])
    texts = [a.text for a in fig.layout.annotations]
    assert [a.text for a in fig.layout.annotations if a.name == "operator:3:1"] == ["<b>=</b>"]
    assert any("Σ" in t for t in texts)


def test_pipeline_bias_is_added_to_the_sum_only():
    fig = seed_figure(bias=1.0)
    np.testing.assert_array_equal(panel_values(fig, "sum"), SEED_OUT)
    np.testing.assert_array_equal(panel_values(fig, "bias"), [[1]])
    np.testing.assert_array_equal(panel_values(fig, "out"), np.array(SEED_OUT) + 1)


@pytest.mark.parametrize(("i", "j"), [(0, 0), (1, 1), (0, 1)])
def test_pipeline_outlines_the_window_and_the_cell(i, j):
    t = window_trace((3, 3), 2)
    fig = seed_figure(window=t.window_box(i, j), cell=(i, j))
    for c in range(2):
        assert outline_box(fig, f"window:x{c}") == (i - 0.5, j - 0.5, i + 1.5, j + 1.5)
        assert trace(fig, f"window:x{c}").xaxis == axis_of(fig, f"x{c}")[0]
    for name in ("p0", "p1", "sum", "out"):
        assert outline_box(fig, f"cell:{name}") == (i - 0.5, j - 0.5, i + 0.5, j + 0.5)
        assert trace(fig, f"cell:{name}").yaxis == axis_of(fig, name)[1]


def test_pipeline_click_overlays_report_output_cells_and_stay_on_top():
    fig = seed_figure()
    names = [t.name for t in fig.data]
    overlays = [k for k, n in enumerate(names) if n.startswith("click:")]
    assert overlays == list(range(len(names) - len(overlays), len(names)))
    assert len(overlays) == 4  # p0, p1, sum, out
    out_overlay = next(t for t in fig.data if t.name == "click:output"
                       and t.xaxis == axis_of(fig, "out")[0])
    assert [list(c) for c in out_overlay.customdata] == [["output", 0, 0], ["output", 0, 1],
                                                         ["output", 1, 0], ["output", 1, 1]]
    assert not [t for t in seed_figure(click=False).data if t.name.startswith("click:")]


def test_pipeline_with_padding_hatches_the_padded_cells():
    t = window_trace((3, 3), 2, padding=1)
    padded = pad(X, t.pads)
    weight = K[None]
    partials = per_channel_correlations(X, weight, padding=1)[0]
    out = conv2d(X, weight, padding=1)[0]
    fig = FC.multi_input_figure(padded, K, partials, out, 0.0, out, pads=t.pads,
                                window=t.window_box(0, 0), cell=(0, 0))
    x0 = panel_values(fig, "x0")
    assert x0.shape == (5, 5)
    assert np.isnan(x0[0]).all() and np.isnan(x0[:, -1]).all()
    np.testing.assert_array_equal(x0[1:4, 1:4], X[0])
    hatches = [sh for sh in fig.layout.shapes if sh.name in ("x0:hatch", "x1:hatch")]
    assert [(sh.xref, sh.yref) for sh in hatches] == [axis_of(fig, "x0"), axis_of(fig, "x1")]
    assert outline_box(fig, "window:x0") == (-0.5, -0.5, 1.5, 1.5)
    # Axis labels count from the first real cell: padding reads −1.
    assert list(fig.layout.xaxis.ticktext)[:2] == ["-1", "0"]


def test_photo_layout_without_kernels_or_bias():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(3, 12, 10))
    k = np.stack([np.array([[1.0, -1.0]])] * 3)
    partials = per_channel_correlations(x, k[None])[0]
    out = conv2d(x, k[None])[0]
    fig = validated(FC.multi_input_figure(x, k, partials, out, 0.0, out,
                                          channel_labels=("R", "G", "B"), image=True,
                                          show_bias=False, show_kernels=False, click=False))
    assert list(fig.layout.meta["panels"]) == ["x0", "x1", "x2", "p0", "p1", "p2", "out"]
    np.testing.assert_allclose(panel_values(fig, "out"), partials.sum(axis=0), atol=1e-6)
    red = trace(fig, "x0:values")
    assert red.colorscale[-1][1] == FC.PLANE_COLORS["R"]
    assert (red.zmin, red.zmax) == (0.0, 1.0)
    # The three partial maps share one colour scale.
    assert len({(trace(fig, f"p{c}:values").zmin, trace(fig, f"p{c}:values").zmax)
                for c in range(3)}) == 1


@pytest.mark.parametrize(("kwargs", "words"), [
    pytest.param(dict(kernel=K[:1]), "need 2 kernel slices", id="kernel-count"),
    pytest.param(dict(channel_labels=("a",)), "2 labels", id="labels"),
    pytest.param(dict(planes=X[0]), "stacks", id="2d"),
])
def test_pipeline_refuses_mismatched_stacks(kwargs, words):
    args = dict(planes=X, kernel=K, partials=per_channel_correlations(X, K[None])[0],
                summed=np.zeros((2, 2)), bias=0.0, output=np.zeros((2, 2)))
    args.update(kwargs)
    with pytest.raises(ValueError, match=words):
        FC.multi_input_figure(**args)


# ------------------------------------------------------------------------------ multi-output


def test_kernel_bank_figure_has_one_row_per_output_channel():
    bank = np.stack([K, K + 1, K + 2])
    outputs = conv2d(X, bank)
    expected = F.conv2d(torch.tensor(X)[None], torch.tensor(bank))[0].numpy()
    fig = validated(FC.kernel_bank_figure(X, bank, outputs, cell=(1, 0)))
    rows = [list(r) for r in fig.layout.meta["rows"]]
    assert rows == [["x0", "x1"], ["k0_0", "k0_1", "y0"], ["k1_0", "k1_1", "y1"],
                    ["k2_0", "k2_1", "y2"]]
    for o in range(3):
        np.testing.assert_array_equal(panel_values(fig, f"y{o}"), expected[o])
        np.testing.assert_array_equal(panel_values(fig, f"k{o}_1"), K[1] + o)
        assert outline_box(fig, f"cell:y{o}") == (0.5, -0.5, 1.5, 0.5)
    np.testing.assert_array_equal(panel_values(fig, "y1"), [[76, 100], [148, 172]])
    arrows = [a for a in fig.layout.annotations if a.text == "<b>⇒</b>"]
    assert len(arrows) == 3


def test_kernel_bank_figure_refuses_a_bank_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        FC.kernel_bank_figure(X, np.ones((2, 3, 2, 2)), np.zeros((2, 2, 2)))


# ------------------------------------------------------------------------------ 1×1


def uniform_mixing(c_in: int, h: int, w: int, c_out: int, seed: int = 0):
    """A 1×1 convolution of two-decimal numbers in [0, 1), as the page draws them."""
    rng = np.random.default_rng(seed)
    x = np.floor(rng.uniform(size=(c_in, h, w)) * 100) / 100
    weight = np.floor(rng.uniform(size=(c_out, c_in, 1, 1)) * 100) / 100
    return x, conv1x1_as_matmul(x, weight)


@pytest.mark.parametrize(("pixel", "column"), [((0, 0), 0), ((1, 2), 5), ((2, 1), 7)])
def test_mixing_figure_outlines_the_pixel_everywhere(pixel, column):
    mixing = uniform_mixing(3, 3, 3, 2)[1]
    fig = validated(FC.mixing_figure(mixing, pixel=pixel))
    assert [list(r) for r in fig.layout.meta["rows"]] == [
        ["x0", "x1", "x2"], ["matrix", "pixels"], ["product"], ["y0", "y1"]]
    np.testing.assert_allclose(panel_values(fig, "matrix"), mixing.matrix, rtol=1e-6)
    np.testing.assert_allclose(panel_values(fig, "product"), mixing.product, rtol=1e-6)
    assert outline_box(fig, "pixel:pixels") == (-0.5, column - 0.5, 2.5, column + 0.5)
    assert outline_box(fig, "pixel:product") == (-0.5, column - 0.5, 1.5, column + 0.5)
    r, c = pixel
    for name in ("x0", "x2", "y1"):
        assert outline_box(fig, f"pixel:{name}") == (r - 0.5, c - 0.5, r + 0.5, c + 0.5)
    # The pixel's column of X̃ is the input planes at that pixel, and of the product the
    # output planes there.
    np.testing.assert_allclose(panel_values(fig, "pixels")[:, column],
                               [panel_values(fig, f"x{k}")[r, c] for k in range(3)], rtol=1e-6)
    np.testing.assert_allclose(panel_values(fig, "product")[:, column],
                               [panel_values(fig, f"y{o}")[r, c] for o in range(2)], rtol=1e-6)
    ops = sorted(a.text for a in fig.layout.annotations if (a.name or "").startswith("operator"))
    assert ops == ["<b>×</b>"]


@pytest.mark.parametrize(("c_in", "h", "w", "c_out", "rows"), [
    pytest.param(3, 3, 3, 2, [3, 2, 1, 2], id="seeds-3x3"),
    pytest.param(1, 1, 1, 1, [1, 2, 1, 1], id="one-pixel"),
    pytest.param(4, 3, 4, 4, [4, 2, 1, 4], id="4-channels-3x4"),
    pytest.param(4, 5, 5, 4, [4, 1, 1, 1, 4], id="largest-splits-W-from-X"),
])
def test_mixing_figure_shows_x_as_channel_planes_with_every_value(c_in, h, w, c_out, rows):
    """Issue 9 item 9: X's numbers were not printed and X was never shown as its planes."""
    x, mixing = uniform_mixing(c_in, h, w, c_out, seed=c_in * 10 + h)
    fig = validated(FC.mixing_figure(mixing))
    assert [len(r) for r in fig.layout.meta["rows"]] == rows
    for c in range(c_in):
        np.testing.assert_allclose(panel_values(fig, f"x{c}"), x[c], rtol=1e-6)
        # Two-decimal inputs: the number printed in each cell is the number used.
        printed = np.asarray(trace(fig, f"x{c}:values").text, dtype=float)
        np.testing.assert_array_equal(printed, x[c])
    np.testing.assert_allclose(panel_values(fig, "pixels"), x.reshape(c_in, h * w))
    for name in [*(f"x{c}" for c in range(c_in)), "pixels", "matrix", "product"]:
        values = trace(fig, f"{name}:values")
        assert values.texttemplate == "%{text}", f"{name} prints no numbers"
        assert values.textfont.size >= 10, name
        shown = np.asarray(values.text, dtype=object)
        assert shown.shape == np.shape(values.z) and all(t for t in shown.ravel()), name


# ------------------------------------------------------------------------------ groups


def edge_pairs(fig) -> dict[int, set[tuple[float, float]]]:
    """Per group, the (input y, output y) of every drawn line."""
    pairs = {}
    for t in fig.data:
        if t.name.startswith("edges:"):
            ys = list(t.y)
            pairs[int(t.name.split(":")[1])] = {(ys[k], ys[k + 1]) for k in range(0, len(ys), 3)}
    return pairs


@pytest.mark.parametrize(("c_in", "c_out", "groups"), [
    pytest.param(4, 8, 1, id="dense"),
    pytest.param(4, 8, 2, id="two-groups"),
    pytest.param(4, 8, 4, id="depthwise-x2"),
    pytest.param(6, 3, 3, id="reduce"),
])
def test_connections_figure_draws_each_connection_once_in_its_group_colour(c_in, c_out, groups):
    conn = channel_connections(c_in, c_out, groups)
    fig = validated(FC.connections_figure(conn, groups))
    pairs = edge_pairs(fig)
    assert sorted(pairs) == list(range(groups))
    assert sum(len(p) for p in pairs.values()) == conn.sum() == fig.layout.meta["edges"]
    for g in range(groups):
        assert trace(fig, f"edges:{g}").line.color == FC.group_color(g)
    y_in = list(trace(fig, "inputs").y)
    y_out = list(trace(fig, "outputs").y)
    drawn = {(y_in.index(a), y_out.index(b)) for p in pairs.values() for a, b in p}
    assert drawn == {(i, o) for o, i in zip(*np.nonzero(conn), strict=True)}


def test_connection_panel_colours_slices_by_group_and_blanks_missing_ones():
    conn = channel_connections(4, 6, 2)
    fig = validated(FC.channel_connection_panel(conn, 2))
    z = panel_values(fig, "connections")
    assert z.shape == (6, 4)
    np.testing.assert_array_equal(np.isnan(z), ~conn)
    np.testing.assert_array_equal(z[:3, :2], 0)
    np.testing.assert_array_equal(z[3:, 2:], 1)
    values = trace(fig, "connections:values")
    assert (values.zmin, values.zmax) == (-0.5, 1.5)
    assert values.colorscale[0][1] == FC.group_color(0)
    assert values.colorscale[-1][1] == FC.group_color(1)


@pytest.mark.parametrize("builder", [FC.connections_figure, FC.channel_connection_panel])
def test_connection_figures_refuse_groups_that_do_not_divide(builder):
    with pytest.raises(ValueError, match="does not divide"):
        builder(np.ones((4, 6), dtype=bool), 4)


# ------------------------------------------------------------------------------ text


def test_channel_sum_lines_for_the_seed():
    per_channel = [cell_arithmetic(X[c], K[c], 0, 0) for c in range(2)]
    lines = FC.channel_sum_lines(per_channel, cell_arithmetic(X, K, 0, 0))
    assert lines == ["channel 0: 0×0 + 1×1 + 3×2 + 4×3 = 19",
                     "channel 1: 1×1 + 2×2 + 4×3 + 5×4 = 37",
                     "out[0, 0] = 19 + 37 = 56",
                     "(0×0 + 1×1 + 3×2 + 4×3) + (1×1 + 2×2 + 4×3 + 5×4) = 56"]


def test_channel_sum_lines_with_bias_and_labels():
    per_channel = [cell_arithmetic(X[c], K[c], 1, 1) for c in range(2)]
    lines = FC.channel_sum_lines(per_channel, cell_arithmetic(X, K, 1, 1, bias=-2),
                                 labels=("R", "G"))
    assert lines[0].startswith("channel R: ")
    assert lines[2] == "out[1, 1] = 43 + 77 + (−2) = 118"
    assert lines[3].endswith("+ (−2) = 118")


@pytest.mark.parametrize(("values", "text"), [
    pytest.param(SEED_OUT, "[[56, 72], [104, 120]]", id="seed"),
    pytest.param([1.5, -2.0], "[1.5, −2]", id="1d"),
    pytest.param([[1 / 3]], "[[0.3333]]", id="digits"),
])
def test_matrix_text(values, text):
    assert FC.matrix_text(values) == text


# ------------------------------------------------------------------------------ language


def test_figure_text_follows_the_language():
    conn = channel_connections(4, 8, 2)
    with use_language("zh"):
        pipeline = seed_figure()
        graph = FC.connections_figure(conn, 2)
        lines = FC.channel_sum_lines([cell_arithmetic(X[c], K[c], 0, 0) for c in range(2)],
                                     cell_arithmetic(X, K, 0, 0))
    titles = [a.text for a in pipeline.layout.annotations]
    assert "<b>X[0]</b> 输入通道" in titles and "<b>Σ</b> 对通道求和" in titles
    assert [a.text for a in graph.layout.annotations] == ["<b>输入（4）</b>", "<b>输出（8）</b>"]
    assert lines[0] == "通道 0：0×0 + 1×1 + 3×2 + 4×3 = 19"


# ------------------------------------------------------------------------------ tables


def test_numbers_table_names_marked_cells_in_words_and_counts_from_the_origin():
    table = FC.numbers_table_html([[0, 1, 2], [3, 4, 5.5]], "X[0] <input>",
                                  marks={"window": [(0, 0, 1, 1)], "picked": [(1, 2, 1, 2)]},
                                  row_origin=-1, col_origin=-1)
    assert table.startswith('<table class="a11y-grid"')
    assert ">X[0] &lt;input&gt;</caption>" in table
    assert [h for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)] == [
        "column -1", "column 0", "column 1"]
    assert re.findall(r'<th scope="row"[^>]*>(.*?)</th>', table) == ["row -1", "row 0"]
    body = table.split("<tbody>")[1]
    cells = re.findall(r"<td[^>]*>(?:<strong>)?(.*?)(?:</strong>)?</td>", body)
    assert cells == ["0 (window)", "1 (window)", "2", "3 (window)", "4 (window)",
                     "5.5 (picked)"]


def test_numbers_table_speaks_the_session_language_and_refuses_non_grids():
    with use_language("zh"):
        table = FC.numbers_table_html([[1, 2]], "Y")
    assert ">第 1 列</th>" in table and ">第 0 行</th>" in table
    with pytest.raises(ValueError, match="2-D grid"):
        FC.numbers_table_html([1, 2, 3], "Y")


def test_mixing_figure_on_a_projector_puts_fewer_planes_per_row():
    """Presenter sizes (cells of 66 px in 740 px): two 3×3 planes per row, titles apart."""
    mixing = uniform_mixing(3, 3, 3, 4)[1]
    fig = validated(FC.mixing_figure(mixing, max_cell_px=96, available_px=740,
                                     readable_cell_px=66))
    assert [list(r) for r in fig.layout.meta["rows"]] == [
        ["x0", "x1"], ["x2"], ["matrix"], ["pixels"], ["product"], ["y0", "y1"], ["y2", "y3"]]
    assert fig.layout.meta["cell_px"] >= 66
