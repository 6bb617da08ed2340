"""ui.figures without a server: geometry, colour scales, the animation's frames and size."""

from __future__ import annotations

import json
import time

import numpy as np
import plotly.graph_objects as go
import pytest

from convcore import cell_arithmetic, conv2d, window_trace
from convcore.padding import pad
from ui import figures as F

# ------------------------------------------------------------------------------ helpers


def conv_animation(x, kernel, *, stride=1, padding=0, dilation=1):
    """What the sliding-window page builds: panels from convcore, texts, the figure."""
    trace = window_trace(x.shape, kernel.shape, stride, padding, dilation)
    padded = pad(x, trace.pads)
    mask = np.ones(trace.padded_hw, dtype=bool)
    (top, _), (left, _) = trace.pads
    mask[top:top + x.shape[0], left:left + x.shape[1]] = False
    out = conv2d(x, kernel, stride=trace.stride, padding=trace.pads, dilation=trace.dilation)
    panels = [F.Panel(padded, "Input", pad_mask=mask, origin=(top, left), name="input"),
              F.Panel(kernel, "Kernel", name="kernel"),
              F.Panel(out, "Output", name="output")]
    how, rows = F.plan_steps(trace.out_hw)
    if how == "cell":
        texts = [F.arithmetic_text(cell_arithmetic(x, kernel, i, j, stride=trace.stride,
                                                   padding=trace.pads,
                                                   dilation=trace.dilation))
                 for i, j in trace.steps()]
        steps = F.steps_from_trace(trace, texts, mark_taps=max(trace.dilation) > 1)
    else:
        steps = F.steps_from_trace(trace, [F.row_text(i, out[i]) for i in rows], rows=rows)
    return trace, F.animation_figure(panels, steps)


def frame_shape(frame, fig, name):
    """What a frame sets on the moving layout shape called ``name``."""
    index = fig.layout.meta["dynamic"].index(name)
    return frame["layout"]["shapes"][index]


def frame_box(frame, fig, name):
    """The (top, left, bottom, right) cell box a frame gives shape ``name`` (None: hidden)."""
    shape = frame_shape(frame, fig, name)
    if shape["x0"] == F.HIDDEN_AT:
        return None
    return (round(shape["y0"] + 0.5), round(shape["x0"] + 0.5), round(shape["y1"] - 0.5),
            round(shape["x1"] - 0.5))


D2L_X = np.arange(9.0).reshape(3, 3)
D2L_K = np.array([[0.0, 1.0], [2.0, 3.0]])


# ------------------------------------------------------------------------------ colour scales


@pytest.mark.parametrize(("values", "kind", "zmin", "zmax"), [
    pytest.param([[0, 1], [2, 8]], "sequential", 0, 8, id="non-negative-from-zero"),
    pytest.param([[3, 5]], "sequential", 0, 5, id="positive-anchored-at-zero"),
    pytest.param([[-1, 0], [1, 0]], "diverging", -1, 1, id="edge-output"),
    pytest.param([[-4, 1]], "diverging", -4, 4, id="diverging-symmetric"),
    pytest.param([[-3, -1]], "negative", -3, 0, id="all-negative"),
    pytest.param([[0, 0]], "sequential", 0, 1, id="all-zero"),
])
def test_color_scale_centres_diverging_data_on_zero(values, kind, zmin, zmax):
    scale = F.color_scale_for(values)
    assert (scale.kind, scale.zmin, scale.zmax) == (kind, zmin, zmax)
    if kind == "diverging":
        assert scale.zmin == -scale.zmax
        middle = dict(scale.colorscale)[0.5]
        assert middle == "#f7f7f7"  # white-ish at 0


def test_images_are_black_to_white_and_nan_is_ignored():
    scale = F.color_scale_for([[0.0, 0.5], [np.nan, 1.0]], image=True)
    assert (scale.kind, scale.zmin, scale.zmax) == ("gray", 0.0, 1.0)
    assert F.color_scale_for([[-0.5, 1.0]], image=True).kind == "diverging"


def test_colorize_maps_ends_of_the_scale():
    rgb = F.colorize(np.array([[-2.0, 0.0, 2.0]]))
    assert rgb.shape == (1, 3, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (0x67, 0x00, 0x1F)  # most negative: dark red
    assert tuple(rgb[0, 2]) == (0x05, 0x30, 0x61)  # most positive: dark blue
    assert tuple(rgb[0, 1]) == (0xF7, 0xF7, 0xF7)  # zero: white


# ------------------------------------------------------------------------------ static grids


def test_grid_figure_reads_like_a_matrix():
    fig = F.grid_figure([F.Panel(D2L_X, "X", name="input"), F.Panel(D2L_K, "K", name="k")])
    layout = fig.layout
    assert tuple(layout.yaxis.range) == (2.5, -0.5)  # row 0 at the top
    assert tuple(layout.xaxis.range) == (-0.5, 2.5)
    assert layout.xaxis.side == "top"
    assert layout.yaxis2.scaleanchor == "x2"  # square cells
    # Same cell size in every panel: domain widths proportional to the column counts.
    w1 = layout.xaxis.domain[1] - layout.xaxis.domain[0]
    w2 = layout.xaxis2.domain[1] - layout.xaxis2.domain[0]
    assert w1 / w2 == pytest.approx(3 / 2)
    h1 = layout.yaxis.domain[1] - layout.yaxis.domain[0]
    h2 = layout.yaxis2.domain[1] - layout.yaxis2.domain[0]
    assert h1 / h2 == pytest.approx(3 / 2)


def test_small_grids_print_their_values_and_large_ones_do_not():
    small = F.grid_figure([F.Panel(D2L_X, "X", name="x")])
    assert list(small.data[0].text.ravel()) == [str(v) for v in range(9)]
    big = F.grid_figure([F.Panel(np.arange(40 * 40.0).reshape(40, 40), "X", name="x")])
    assert big.data[0].text is None


def test_values_use_the_typographic_minus():
    fig = F.grid_figure([F.Panel(np.array([[1.0, -1.0, 0.5]]), "K", name="k")])
    assert list(fig.data[0].text.ravel()) == ["1", "−1", "0.5"]


def test_padding_is_hatched_grey_inside_a_dashed_border():
    trace = window_trace((3, 3), 3, padding=1)
    mask = np.ones(trace.padded_hw, dtype=bool)
    mask[1:4, 1:4] = False
    fig = F.grid_figure([F.Panel(pad(D2L_X, trace.pads), "X", pad_mask=mask, origin=(1, 1),
                                 name="input")])
    values, padding = fig.data[0], fig.data[1]
    assert np.isnan(values.z[0, 0]) and values.z[1, 1] == 0  # padding left out of the scale
    assert np.isnan(padding.z[1, 1]) and padding.z[0, 0] == 0
    assert padding.colorscale[0][1] == F.PADDING_FILL
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["input:hatch"].path.count("M") == 3 * 16  # 16 padded cells, 3 strokes each
    border = shapes["input:border"]
    assert border.line.dash == "dash"
    assert (border.x0, border.x1, border.y0, border.y1) == (0.5, 3.5, 0.5, 3.5)
    # Tick labels count from the real input: padding reads −1 and 3.
    assert list(fig.layout.xaxis.ticktext) == ["-1", "0", "1", "2", "3"]


def test_click_overlay_carries_cell_coordinates_in_input_terms():
    mask = np.zeros((4, 4), dtype=bool)
    mask[0, :] = True
    fig = F.grid_figure([F.Panel(np.zeros((4, 4)), "X", pad_mask=mask, origin=(1, 0),
                                 click="input", name="input")])
    overlay = fig.data[F.trace_index(fig, "click:input")]
    assert len(overlay.x) == 16 and overlay.marker.opacity == 0
    custom = [tuple(c) for c in overlay.customdata]
    assert custom[0] == ("padding", -1, 0)
    assert custom[5] == ("input", 0, 1)
    assert fig.data[-1].name == "click:input"  # on top, so clicks reach it


def test_outlines_stay_below_the_click_overlay():
    fig = F.grid_figure([F.Panel(D2L_X, "X", click="input", name="input")])
    F.add_outline(fig, 0, [(0, 0, 1, 1)], name="pick")
    assert [t.name for t in fig.data][-3:] == ["pick:halo", "pick", "click:input"]
    xs = [v for v in fig.data[F.trace_index(fig, "pick")].x]
    assert xs == [-0.5, 1.5, 1.5, -0.5, -0.5]


def test_each_panel_axes_are_anchored_to_each_other():
    # Unanchored, every panel's row numbers are drawn at panel 0's left edge, on top of its own.
    panels = [F.Panel(D2L_X, "X", name="x"), F.Panel(D2L_K, "K", name="k"),
              F.Panel(np.zeros((4, 1)), "Y", name="y")]
    for fig in (F.grid_figure(panels), conv_animation(D2L_X, D2L_K)[1]):
        for k in range(len(fig.layout.meta["panels"])):
            xref, yref = F.axis_refs(k)
            suffix = "" if k == 0 else str(k + 1)
            assert fig.layout[f"xaxis{suffix}"].anchor == yref
            assert fig.layout[f"yaxis{suffix}"].anchor == xref


def test_the_left_margin_holds_three_character_row_numbers():
    # Padded 12×12 input: rows −1 … 12. A label sits ticklen (3 px) left of panel 0, and
    # panel 0 starts at the left margin when the panels fill the width.
    x = np.zeros((14, 40))
    mask = np.ones_like(x, dtype=bool)
    mask[1:13, 1:39] = False
    fig = F.grid_figure([F.Panel(x, "X", pad_mask=mask, origin=(1, 1), name="x")])
    assert fig.layout.xaxis.domain[0] == 0  # the panel is as wide as the figure allows
    labels = list(fig.layout.yaxis.ticktext)
    assert "-1" in labels and "12" in labels
    font = fig.layout.yaxis.tickfont.size
    widest = 0.65 * font * 3 + fig.layout.yaxis.ticklen  # "−10", "255" (generous digits)
    assert fig.layout.margin.l >= widest + 4


@pytest.mark.parametrize("available_px", [600, 880, 1080], ids=lambda v: f"{v}px")
def test_grid_figure_fits_the_width_it_is_given(available_px):
    panels = [F.Panel(np.zeros((20, 20)), "X", name="x"), F.Panel(np.zeros((20, 20)), "Y",
                                                                  name="y")]
    fig = F.grid_figure(panels, available_px=available_px)
    assert available_px - 2 <= fig.layout.width <= available_px
    wider = F.grid_figure(panels, available_px=available_px + 100)
    assert wider.layout.meta["cell_px"] > fig.layout.meta["cell_px"]


@pytest.mark.parametrize(("selection", "expected"), [
    pytest.param({"selection": {"points": [{"customdata": {"0": "output", "1": 1, "2": 0}}]}},
                 ("output", 1, 0), id="dict-customdata"),
    pytest.param({"selection": {"points": [{"customdata": ["input", 2, 3]}]}},
                 ("input", 2, 3), id="list-customdata"),
    pytest.param({"selection": {"points": []}}, None, id="nothing-selected"),
    pytest.param({"selection": {"points": [{"x": 1, "y": 2}]}}, None, id="no-customdata"),
    pytest.param(None, None, id="no-state"),
])
def test_picked_cell_reads_streamlit_selections(selection, expected):
    assert F.picked_cell(selection) == expected


# ------------------------------------------------------------------------------ animation


def test_d2l_example_has_four_steps_with_the_seeds_arithmetic():
    _, fig = conv_animation(D2L_X, D2L_K)
    frames = fig.frame_dicts
    assert [f["layout"]["annotations"][0]["text"] for f in frames] == [
        "out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 = 19",
        "out[0, 1] = 1×0 + 2×1 + 4×2 + 5×3 = 25",
        "out[1, 0] = 3×0 + 4×1 + 6×2 + 7×3 = 37",
        "out[1, 1] = 4×0 + 5×1 + 7×2 + 8×3 = 43",
    ]
    assert fig.layout.annotations[0].text == frames[0]["layout"]["annotations"][0]["text"]
    assert len(fig.to_dict()["layout"]["sliders"][0]["steps"]) == 4


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation"), [
    pytest.param((3, 3), (2, 2), 1, 0, 1, id="d2l-3x3-k2"),
    pytest.param((6, 8), (1, 2), 1, 0, 1, id="edge-6x8-k1x2"),
    pytest.param((8, 8), (3, 3), 2, 1, 1, id="k3-p1-s2"),
    pytest.param((8, 8), (3, 5), (3, 4), (0, 1), 1, id="k3x5-p01-s34"),
    pytest.param((7, 9), (3, 3), 1, "same", 2, id="dilated-same"),
    pytest.param((5, 6), (2, 3), 1, ((1, 0), (2, 1)), 1, id="asymmetric-padding"),
])
def test_every_frame_draws_the_window_of_window_trace(shape, kernel, stride, padding,
                                                      dilation):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    k = np.ones(kernel)
    trace, fig = conv_animation(x, k, stride=stride, padding=padding, dilation=dilation)
    frames = fig.frame_dicts
    assert len(frames) == trace.out_hw[0] * trace.out_hw[1]
    for frame, (i, j) in zip(frames, trace.steps(), strict=True):
        assert frame_box(frame, fig, "window") == trace.window_box(i, j)
        assert frame_box(frame, fig, "window:halo") == trace.window_box(i, j)
        assert frame_box(frame, fig, "cell") == (i, j, i, j)


def test_dilated_kernels_dot_every_tap():
    x = np.zeros((7, 7))
    trace, fig = conv_animation(x, np.ones((2, 2)), dilation=3)
    frame = fig.frame_dicts[0]
    centres = []
    for k in range(4):
        dot = frame_shape(frame, fig, f"mark:{k}")
        centres.append(((dot["y0"] + dot["y1"]) / 2, (dot["x0"] + dot["x1"]) / 2))
    assert sorted(centres) == [(0, 0), (0, 3), (3, 0), (3, 3)]
    assert trace.window_box(0, 0) == (0, 0, 3, 3)
    assert "mark:4" not in fig.layout.meta["dynamic"]


def test_covers_hide_exactly_the_cells_not_computed_yet():
    _, fig = conv_animation(np.zeros((4, 4)), np.ones((2, 2)))  # 3×3 output, 9 steps
    for k, frame in enumerate(fig.frame_dicts):
        covered = set()
        for name in ("covers:row", "covers:below"):
            box = frame_box(frame, fig, name)
            if box is not None:
                top, left, bottom, right = box
                covered |= {r * 3 + c for r in range(top, bottom + 1)
                            for c in range(left, right + 1)}
        assert covered == set(range(k + 1, 9)), f"step {k}"


def test_frames_move_only_shapes_and_text():
    _, fig = conv_animation(np.zeros((5, 5)), np.ones((3, 3)), padding=1)
    n_dynamic = len(fig.layout.meta["dynamic"])
    assert [s.name for s in fig.layout.shapes[:n_dynamic]] == fig.layout.meta["dynamic"]
    assert {s.name for s in fig.layout.shapes[n_dynamic:]} == {"input:hatch", "input:border"}
    for frame in fig.frame_dicts:
        assert set(frame) == {"name", "layout"}  # no trace data: heatmaps stay drawn
        assert set(frame["layout"]) == {"shapes", "annotations"}
        assert len(frame["layout"]["shapes"]) == n_dynamic  # static shapes untouched
        assert all(set(s) == {"x0", "x1", "y0", "y1"} for s in frame["layout"]["shapes"])
        assert set(frame["layout"]["annotations"][0]) == {"text"}
    # The step text refers to an axis, so redraw=False frames redraw it.
    assert fig.layout.annotations[0].xref == "x domain"
    # No click overlay: it would lose its SVG node after Play.
    assert not any((t.name or "").startswith("click:") for t in fig.data)


def test_highlights_are_outlined_and_hidden_when_absent():
    steps = [F.Step((0, 0, 1, 1), (0, 0, 0, 0), "a", highlights=((1, 1, 1, 1),)),
             F.Step((0, 1, 1, 2), (0, 1, 0, 1), "b")]
    fig = F.animation_figure([F.Panel(np.zeros((2, 3)), "X", name="input"),
                              F.Panel(np.zeros((1, 2)), "Y", name="output")], steps)
    first, second = fig.frame_dicts
    assert frame_box(first, fig, "highlight:0") == (1, 1, 1, 1)
    assert frame_box(second, fig, "highlight:0") is None
    assert next(s for s in fig.layout.shapes if s.name == "highlight:0").line.color == \
        F.PICK_COLOR


def test_play_buttons_animate_without_redraw():
    _, fig = conv_animation(D2L_X, D2L_K)
    buttons = {b.label: b for b in fig.layout.updatemenus[0].buttons}
    assert {"▶ Play", "▶ Slow", "▶▶ Fast", "❚❚ Pause", "|◀", "▶|"} <= set(buttons)
    durations = []
    for label in ("▶ Slow", "▶ Play", "▶▶ Fast"):
        names, options = buttons[label].args
        assert names is None and options["frame"]["redraw"] is False
        assert options["fromcurrent"] is True
        durations.append(options["frame"]["duration"])
    assert durations == sorted(durations, reverse=True)  # three different speeds
    assert list(buttons["❚❚ Pause"].args[0]) == [None]


def test_the_raw_frames_are_a_valid_plotly_figure():
    _, fig = conv_animation(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), padding=1,
                            dilation=1)
    validated = go.Figure(fig.to_dict())  # raises if any frame or slider step is invalid
    assert len(validated.frames) == 16
    assert len(validated.layout.sliders[0].steps) == 16


def test_28x28_with_3x3_stays_under_one_megabyte():
    x = np.random.default_rng(0).random((28, 28))
    k = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    start = time.perf_counter()
    _, fig = conv_animation(x, k)
    built = time.perf_counter() - start
    payload = fig.to_json()
    assert len(fig.frame_dicts) == 26 * 26
    assert len(payload.encode()) < 1_000_000
    slider = json.loads(payload)["layout"]["sliders"][0]
    assert slider["font"]["color"] == "rgba(0,0,0,0)"  # 676 tick labels hidden
    print(f"28×28 ⋆ 3×3: {len(fig.frame_dicts)} frames, {len(payload) / 1e6:.2f} MB, "
          f"built in {built:.2f} s (texts included)")


@pytest.mark.parametrize(("out_hw", "how", "n"), [
    pytest.param((26, 26), "cell", 676, id="28x28-k3"),
    pytest.param((30, 30), "cell", 900, id="at-the-cap"),
    pytest.param((31, 31), "row", 31, id="one-row-a-step"),
    pytest.param((2000, 3), "row", F.MAX_FRAMES, id="rows-subsampled"),
])
def test_large_outputs_step_a_row_at_a_time(out_hw, how, n):
    kind, rows = F.plan_steps(out_hw)
    assert kind == how
    assert (len(rows) if kind == "row" else out_hw[0] * out_hw[1]) == n
    if rows:
        assert rows[0] == 0 and rows[-1] == out_hw[0] - 1


def test_row_steps_cover_whole_rows():
    x = np.zeros((40, 40))
    trace, fig = conv_animation(x, np.ones((3, 3)), padding="full")  # 42×42 output
    assert len(fig.frame_dicts) == 42
    frame = fig.frame_dicts[5]
    assert frame_box(frame, fig, "cell") == (5, 0, 5, 41)
    top, left, bottom, _ = trace.window_box(5, 0)
    assert frame_box(frame, fig, "window") == (top, left, bottom, trace.window_box(5, 41)[3])
    assert frame["layout"]["annotations"][0]["text"].startswith("out[5, :] = [")


def test_animation_refuses_an_empty_step_list():
    with pytest.raises(ValueError, match="at least one step"):
        F.animation_figure([F.Panel(D2L_X, "X")], [])


# ------------------------------------------------------------------------------ text


def test_arithmetic_text_breaks_long_sums_after_each_kernel_row():
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 0.0, -1.0]] * 3)
    text = F.arithmetic_text(cell_arithmetic(x, k, 0, 0, bias=0.5))
    assert text == ("out[0, 0] = 0×1 + 1×0 + 2×(−1)<br>+ 4×1 + 5×0 + 6×(−1)"
                    "<br>+ 8×1 + 9×0 + 10×(−1) + 0.5 = −5.5")
    plain = F.arithmetic_text(cell_arithmetic(x, k, 0, 0), html=False)
    assert "<br>" not in plain and plain.count("\n") == 2


def test_row_text_elides_long_rows():
    assert F.row_text(3, [0, 1, -1]) == "out[3, :] = [0, 1, −1]"
    long = F.row_text(0, np.arange(30.0), limit=6)
    assert long == "out[0, :] = [0, 1, 2, …, 27, 28, 29]"


@pytest.mark.parametrize(("line", "width", "lines"), [
    pytest.param("out[0, 0] = 19 + 37 = 56", 34, ["out[0, 0] = 19 + 37 = 56"], id="fits"),
    pytest.param("channel 0: 0×0 + 1×1 + 3×2 + 4×3 = 19", 34,
                 ["channel 0: 0×0 + 1×1 + 3×2", "  + 4×3 = 19"], id="result-stays"),
    pytest.param("(0×0 + 1×1 + 3×2 + 4×3) + (1×1 + 2×2 + 4×3 + 5×4) = 56", 34,
                 ["(0×0 + 1×1 + 3×2 + 4×3)", "  + (1×1 + 2×2 + 4×3 + 5×4) = 56"],
                 id="groups-first"),
    pytest.param("(0×0 + 1×1 + 3×2 + 4×3) + 7 = 26", 15,
                 ["(0×0 + 1×1", "  + 3×2 + 4×3)", "  + 7 = 26"], id="long-group-split"),
    pytest.param("x + y", 1, ["x", "  + y"], id="no-result"),
])
def test_wrap_sum_breaks_only_before_plus_terms(line, width, lines):
    wrapped = F.wrap_sum(line, width)
    assert wrapped == lines
    assert " ".join(part.strip() for part in wrapped) == line


def test_scaling_an_animation_for_the_projector_leaves_it_as_it_was():
    """A cached animated figure is scaled for presenter mode on every rerun: its fonts must
    not grow with each one (the 1-D page's step counter went 374 → 654 → 1144 px)."""
    from ui import presenter

    _, fig = conv_animation(np.arange(16.0).reshape(4, 4), np.ones((2, 2)))
    before = json.dumps(fig.to_dict(), sort_keys=True, default=str)
    sizes = []
    for _ in range(3):
        scaled = presenter.scale_figure(fig, presenter.PRESENTER_SCALE).to_dict()
        sizes.append(scaled["layout"]["sliders"][0]["currentvalue"]["font"]["size"])
    assert json.dumps(fig.to_dict(), sort_keys=True, default=str) == before
    assert sizes[0] == sizes[1] == sizes[2] > 13
