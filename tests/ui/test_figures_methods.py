"""Figure builders of the "Under the hood" page (ui.figures_methods), fed by convcore."""

from __future__ import annotations

import numpy as np
import pytest

import convcore
from ui import figures_methods as FM
from ui.i18n import use_language


def trace(fig, name: str):
    (found,) = [t for t in fig.data if t.name == name]
    return found


def z_of(fig, panel: str) -> np.ndarray:
    return np.asarray(trace(fig, f"{panel}:values").z, dtype=np.float64)


def frame_extent(fig, name: str) -> tuple[float, float, float, float]:
    t = trace(fig, name)
    xs = [v for v in t.x if v is not None]
    ys = [v for v in t.y if v is not None]
    return min(ys), max(ys), min(xs), max(xs)


def test_cost_figure_draws_convcores_counts_per_method():
    sizes = (3, 5, 7)
    counts = {m: [getattr(convcore.multiply_adds((64, 64), k, padding=k // 2), m)
                  for k in sizes] for m in ("loop", "separable", "fft")}
    fig = FM.cost_figure(sizes, counts, 5)
    assert [t.meta for t in fig.data] == ["loop", "separable", "fft"]
    for t in fig.data:
        assert list(t.y) == counts[t.meta] and list(t.x) == list(sizes)
    assert len({(t.line.dash, t.marker.symbol) for t in fig.data}) == 3  # not colour alone
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].x0 == 5 and fig.layout.annotations[0].text == "k = 5"


def test_patch_matrix_figure_frames_the_picked_row():
    x = np.arange(25.0).reshape(5, 5)
    kernel = np.arange(9.0).reshape(3, 3)
    patches = convcore.im2col(x, 3)
    output = patches @ kernel.ravel()
    fig = FM.patch_matrix_figure(patches, kernel.ravel(), output, row=4)
    assert fig.layout.meta["panels"] == ["patches", "kernel", "output"]
    np.testing.assert_array_equal(z_of(fig, "patches"), patches)
    np.testing.assert_array_equal(z_of(fig, "output").ravel(),
                                  convcore.conv2d(x, kernel).ravel())
    assert frame_extent(fig, "row") == (3.5, 4.5, -0.5, 8.5)
    assert frame_extent(fig, "row_out") == (3.5, 4.5, -0.5, 0.5)
    assert {t.name for t in fig.data} >= {"click:patch", "click:row"}


def test_window_figure_frames_the_window_and_its_cell():
    x = np.arange(36.0).reshape(6, 6)
    kernel = np.ones((3, 3))
    fig = FM.window_figure(x, kernel, convcore.conv2d(x, kernel), (1, 2, 3, 4), (1, 2))
    assert frame_extent(fig, "window") == (0.5, 3.5, 1.5, 4.5)
    assert frame_extent(fig, "cell") == (0.5, 1.5, 1.5, 2.5)


def test_spectra_figure_shows_the_four_steps_on_sequential_scales():
    steps = convcore.fft_steps(np.random.default_rng(0).random((12, 12)), np.ones((3, 3)),
                               padding=1)
    fig = FM.spectra_figure(steps.image_log_magnitude, steps.kernel_log_magnitude,
                            steps.product_log_magnitude, steps.inverse)
    assert fig.layout.meta["panels"] == ["image_spectrum", "kernel_spectrum", "product",
                                         "inverse"]
    for panel in ("image_spectrum", "kernel_spectrum", "product"):
        assert trace(fig, f"{panel}:values").zmin == 0
        assert z_of(fig, panel).shape == steps.fft_shape
    np.testing.assert_allclose(z_of(fig, "inverse"), steps.inverse, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("k", [2, 3, 5], ids=["k2", "k3", "k5"])
def test_wrap_figure_frames_exactly_the_wrapping_band(k):
    steps = convcore.fft_steps(np.random.default_rng(1).random((10, 12)), np.ones((k, k)))
    fig = FM.wrap_figure(steps.circular, steps.linear, steps.circular_error, steps.wraps)
    t = trace(fig, "wraps")
    ys = [v for v in t.y if v is not None]
    xs = [v for v in t.x if v is not None]
    first_row = int(np.flatnonzero(steps.wraps.all(axis=1))[0])
    first_col = int(np.flatnonzero(steps.wraps.all(axis=0))[0])
    assert (first_row, first_col) == (10 - k + 1, 12 - k + 1)
    assert first_row - 0.5 in ys and first_col - 0.5 in xs
    assert max(ys) == 9.5 and max(xs) == 11.5


def test_singular_values_figure_shows_one_bar_for_sobel():
    a = convcore.separable_analysis(convcore.get_kernel("sobel_x").array)
    fig = FM.singular_values_figure(a.singular_values, a.tolerance)
    bars = trace(fig, "singular_values")
    assert list(bars.text) == [f"{a.singular_values[0]:.4g}", "0", "0"]
    assert bars.y[0] == pytest.approx(a.singular_values[0]) and list(bars.y[1:]) == [0, 0]
    assert fig.layout.xaxis.type == "category"


def test_approximations_share_one_colour_scale():
    a = convcore.separable_analysis(convcore.get_kernel("laplacian_4").array)
    fig = FM.approximations_figure(a.kernel, [ap.kernel for ap in a.approximations],
                                   ["r1", "r2"])
    assert fig.layout.meta["panels"] == ["kernel", "rank1", "rank2"]
    scales = {(trace(fig, f"{p}:values").zmin, trace(fig, f"{p}:values").zmax)
              for p in ("kernel", "rank1", "rank2")}
    assert len(scales) == 1
    np.testing.assert_allclose(z_of(fig, "rank1"), a.approximations[0].kernel, atol=1e-6)


def test_timing_figure_leaves_gaps_and_marks_the_crossover():
    seconds = {"direct": (0.001, 0.004, None), "fft": (0.002, 0.002, 0.002)}
    fig = FM.timing_figure((3, 5, 7), seconds, 5, title="t")
    direct = next(t for t in fig.data if t.meta == "direct")
    assert list(direct.y) == [1.0, 4.0, None] and direct.connectgaps is False
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.meta["crossover"] == 5 and fig.layout.shapes[0].x0 == 5
    none = FM.timing_figure((3, 5, 7), seconds, None, title="t")
    assert not none.layout.shapes and none.layout.meta["crossover"] is None


def test_a_measured_sweep_draws_and_stays_small():
    result = convcore.time_methods((64, 64), kernel_sizes=(3, 5), methods=("direct", "fft"),
                                   budget_s=0.5, rounds=1)
    fig = FM.timing_figure(result.kernel_sizes, result.seconds, result.crossover(), title="t")
    assert [t.meta for t in fig.data] == ["direct", "fft"]
    assert len(fig.to_json()) < 1_000_000


def test_titles_follow_the_language():
    with use_language("zh"):
        fig = FM.timing_figure((3,), {"fft": (0.001,)}, None, title="t")
        assert fig.data[0].name == "FFT"
        assert "毫秒" in fig.layout.yaxis.title.text
    assert "milliseconds" in FM.timing_figure((3,), {"fft": (0.001,)}, None,
                                              title="t").layout.yaxis.title.text
