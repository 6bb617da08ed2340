"""The figure builders of the "Whole network" page (ui/figures_network.py): every layer drawn
where the click overlay says it is, the values drawn are convcore's, the JSON stays small,
clicks read back, and the detail figures carry the unit's numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from convcore.datasets import CLASS_NAMES, shapes_dataset
from convcore.lenet import builtin_network
from convcore.units import run_network, unit_details
from ui import figures_network as FN


@pytest.fixture(scope="module")
def run():
    return run_network(builtin_network(), shapes_dataset("test")[0][0])


@pytest.fixture(scope="module")
def columns(run):
    return FN.overview_columns(run.input, run.activations,
                               [layer.kind for layer in run.network.layer_list])


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_one_column_per_layer_plus_the_input(run, columns):
    assert [c.layer for c in columns] == list(range(-1, len(run.network)))
    assert [c.kind for c in columns] == ["input", *(layer.kind for layer in run.network.layer_list)]


@pytest.mark.parametrize("layer, index", [(0, (5, 27, 0)), (2, (3, 13, 13)), (3, (15, 9, 2)),
                                          (6, (399,)), (11, (4,))],
                         ids=["conv1-corner", "pool1-last", "conv2", "flatten-last", "logit"])
def test_every_unit_sits_where_its_value_is_drawn(run, columns, layer, index):
    column = columns[layer + 1]
    r, c = column.position(index)
    assert column.mosaic[r, c] == pytest.approx(float(run.activations[layer][index]), rel=1e-6)


def test_the_mosaic_keeps_maps_apart_with_blank_cells(columns):
    column = columns[4]  # layer 3: 16 maps of 10×10, two side by side
    assert column.grid == (8, 2)
    assert np.isnan(column.mosaic[10]).all() and np.isnan(column.mosaic[:, 10]).all()
    assert np.isfinite(column.mosaic).sum() == 16 * 10 * 10


def test_the_overview_draws_convcores_probabilities_and_stays_small(run, columns):
    fig = FN.overview_figure(columns, run.probabilities, CLASS_NAMES)
    bars = _trace(fig, "probabilities")
    np.testing.assert_allclose(bars.x, run.probabilities)
    assert list(bars.y) == list(CLASS_NAMES)
    assert len(fig.to_json()) < 1_000_000
    assert fig.layout.meta["columns"] == [c.layer for c in columns]


def test_the_click_overlay_names_layer_channel_row_column(run, columns):
    fig = FN.overview_figure(columns, run.probabilities, CLASS_NAMES)
    overlay = _trace(fig, "click:3")
    data = np.asarray(overlay.customdata)
    k = 5 * 100 + 2 * 10 + 7  # channel 5, row 2, column 7
    assert tuple(data[k, :4]) == (3, 5, 2, 7)
    assert data[k, 4] == pytest.approx(float(run.activations[3][5, 2, 7]), rel=1e-6)
    assert (overlay.y[k], overlay.x[k]) == columns[4].position((5, 2, 7))


@pytest.mark.parametrize("selection, expected", [
    ({"selection": {"points": [{"customdata": [3, 5, 2, 7, 0.5]}]}}, (3, 5, 2, 7)),
    ({"selection": {"points": [{"customdata": {"0": 9, "1": 0, "2": 40, "3": 0}}]}},
     (9, 0, 40, 0)),
    ({"selection": {"points": []}}, None),
    ({"selection": {"points": [{"customdata": ["x", 1, 2, 3]}]}}, None),
    (None, None),
], ids=["list", "dict", "nothing", "garbage", "none"])
def test_picked_unit_reads_a_selection(selection, expected):
    assert FN.picked_unit(selection) == expected


def test_the_picked_unit_and_its_windows_are_framed(run, columns):
    fig = FN.overview_figure(columns, run.probabilities, CLASS_NAMES, selected=(3, (0, 1, 1)),
                             windows=[(2, (c, 1, 1, 5, 5)) for c in range(6)])
    names = [s.name for s in fig.layout.shapes]
    assert names.count("picked") == 1 and names.count("window") == 6
    window = next(s for s in fig.layout.shapes if s.name == "window")
    r0, c0 = columns[3].position((0, 1, 1))
    assert (window.y0, window.x0) == (r0 - 0.5, c0 - 0.5)
    assert (window.y1, window.x1) == (r0 + 4.5, c0 + 4.5)


@pytest.mark.parametrize("presenting", [False, True], ids=["screen", "projector"])
def test_titles_fit_their_columns(run, columns, presenting):
    fig = FN.overview_figure(columns, run.probabilities, CLASS_NAMES, presenting=presenting)
    titles = [a for a in fig.layout.annotations if a.name and a.name.startswith("title:")]
    size = FN.PRESENTER_SIZES.title_px if presenting else FN.NORMAL_SIZES.title_px
    assert all(a.font.size >= size for a in titles)
    assert fig.layout.width <= (740 if presenting else 940)
    if presenting:  # one word per column, no shape line
        assert all("<br>" not in a.text for a in titles)


def test_window_pairs_carry_the_units_numbers(run):
    d = unit_details(run, 3, (2, 4, 4))
    fig = FN.window_pairs_figure(d.windows[:2], d.kernels[:2], d.input_channels[:2],
                                 d.partial_sums[:2])
    np.testing.assert_allclose(_trace(fig, "window0:values").z, d.windows[0], rtol=1e-6)
    np.testing.assert_allclose(_trace(fig, "kernel1:values").z, d.kernels[1], rtol=1e-6)


def test_contributions_bars_are_the_units_largest(run):
    d = unit_details(run, 7, (3,))
    values = d.contributions[list(d.top)]
    fig = FN.contributions_figure([str(k) for k in d.top], values, "t")
    np.testing.assert_allclose(fig.data[0].x, values)
    low, high = fig.layout.xaxis.range
    assert low <= values.min() and high >= values.max()


def test_draw_figure_is_clickable_cell_by_cell():
    grid = np.zeros((14, 14))
    grid[3, 4] = 1
    fig = FN.draw_figure(grid)
    overlay = _trace(fig, "click:input")
    assert len(overlay.customdata) == 196
    assert list(overlay.customdata[3 * 14 + 4]) == ["input", 3, 4]


def test_class_map_colours_and_fades(run):
    best = np.array([[0, 1], [-1, 4]])
    confidence = np.array([[1.0, 0.5], [0.0, 0.9]])
    fig = FN.class_map_figure(np.zeros((2, 2)), best, confidence, CLASS_NAMES)
    classes = _trace(fig, "classes")
    assert np.asarray(classes.z).tolist() == [[0, 1], [5, 4]]  # 5: no window reaches
    assert len(FN.class_colors(5)) == len(set(FN.class_colors(5))) == 5


def test_training_figure_marks_the_target():
    fig = FN.training_figure(np.linspace(2, 0.1, 200), np.array([0, 100, 200]),
                             np.array([0.2, 0.8, 0.95]), 0.9595)
    target = next(s for s in fig.layout.shapes if s.name == "target")
    assert target.y0 == pytest.approx(95.95)
    assert json.loads(fig.to_json())["data"][-1]["name"] == "test accuracy"


def test_a_wide_network_keeps_its_json_small():
    """32- and 64-channel maps: the click squares stop at MAX_CLICK_UNITS, the JSON < 1 MB."""
    rng = np.random.default_rng(0)
    image = rng.random((1, 28, 28))
    acts = [rng.random((32, 28, 28)), rng.random((32, 28, 28)), rng.random((64, 14, 14)),
            rng.random(3000), rng.random(10)]
    kinds = ["Conv2d", "ReLU", "Conv2d", "Linear", "Linear"]
    columns = FN.overview_columns(image, acts, kinds)
    fig = FN.overview_figure(columns, np.full(10, 0.1), [str(k) for k in range(10)])
    overlays = [t for t in fig.data if t.name.startswith("click:")]
    assert sum(len(t.x) for t in overlays) <= FN.MAX_CLICK_UNITS
    assert "click:-1" in {t.name for t in overlays}  # the small columns stay clickable
    assert len(fig.to_json()) < 1_000_000


def test_the_pages_helpers_import_no_torch():
    """PyTorch is imported only when a model is loaded or a training starts."""
    import subprocess
    import sys

    code = ("import sys, convcore.lenet, convcore.units, ui.figures_network, ui.model_upload; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
