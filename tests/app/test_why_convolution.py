"""AppTest for the "Why convolution" page (issue 13), reached through app.py's navigation.

Default state, each switch of section 1, each section's numbers (against convcore computed
here, never typed in), the clicks and their keyboard alternatives, the limit of
``conv_matrix`` shown as a sentence, and a tampered link.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import convcore
from convcore.trace import format_number
from ui import figures_why as FW

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/why_convolution.py"
TIMEOUT = 120


def open_page(**query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


@pytest.fixture
def at() -> AppTest:
    return open_page()


def clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def text(app: AppTest) -> str:
    parts = [m.value for m in app.main.markdown] + [c.value for c in app.main.caption]
    parts += [s.value for s in app.success] + [w.value for w in app.warning]
    parts += [i.value for i in app.info]
    return "\n".join(parts)


def charts(app: AppTest) -> dict[str, dict]:
    """Figures by the name of their first panel's first trace (``W:values``, ``M:values``…)."""
    found = {}
    for chart in app.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        found[fig["data"][0]["name"]] = fig
    return found


def trace_names(fig: dict) -> list[str]:
    return [t.get("name") for t in fig["data"]]


def z_shape(trace: dict) -> tuple[int, int]:
    z = trace["z"]
    if isinstance(z, dict):
        return tuple(int(n) for n in z["shape"].split(","))
    return len(z), len(z[0])


def metric(app: AppTest, label: str) -> str:
    (found,) = [m.value for m in app.metric if m.label == label]
    return found


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


# ------------------------------------------------------------------------------ defaults


def test_default_state_shows_all_seven_sections(at):
    headers = [h.value for h in at.header]
    assert len(headers) == 7
    assert [h.split(" · ")[0] for h in headers] == [str(k) for k in range(1, 8)]
    figs = charts(at)
    assert {"W:values", "M:values", "input:values", "a:values", "layer0:values",
            "scene:values"} <= set(figs)
    assert z_shape(trace(figs["W:values"], "W:values")) == (36, 36)
    assert metric(at, "Free parameters now") == "1,296"
    assert not at.error and not at.warning


def test_the_seeds_figures_come_from_convcore(at):
    body = text(at)
    assert f"{convcore.dense_layer_params((1000, 1000), 1000):,} (10⁹)" in body
    assert f"{convcore.dense_layer_params((3, 3000, 4000), 100):,} (3.6 × 10⁹)" in body


SWITCHES = [
    pytest.param(False, False, None, id="dense"),
    pytest.param(True, False, None, id="translation-invariance"),
    pytest.param(False, True, 1, id="locality"),
    pytest.param(True, True, 1, id="both"),
]


@pytest.mark.parametrize(("tied", "local", "delta"), SWITCHES)
def test_each_switch_changes_the_matrix_and_the_count(at, tied, local, delta):
    at.toggle(key="wc_tied").set_value(tied)
    at.toggle(key="wc_local").set_value(local)
    at.run()
    clean(at)
    step = convcore.constrain_dense_layer(convcore.random_dense_weight((6, 6)),
                                          translation_invariance=tied, locality=delta)
    assert metric(at, "Free parameters now") == f"{step.params:,}"
    fig = charts(at)["W:values"]
    assert z_shape(trace(fig, "W:values")) == (36, 36)
    assert ("V:values" in trace_names(fig)) == tied  # the tied kernel beside it
    if tied and local:
        (success,) = [s.value for s in at.success if "conv_matrix" in s.value]
        assert "largest difference 0" in success


def test_the_live_region_names_the_step(at):
    at.toggle(key="wc_tied").set_value(True).run()
    html = " ".join(h.proto.body for h in at.get("html"))
    step = convcore.constrain_dense_layer(convcore.random_dense_weight((6, 6)),
                                          translation_invariance=True)
    assert 'role="status"' in html and f"<strong>{step.params:,}</strong>" in html


def test_a_large_image_is_drawn_in_blocks_with_a_note(at):
    at.number_input(key="wc_n").set_value(12).run()
    clean(at)
    assert z_shape(trace(charts(at)["W:values"], "W:values")) == (72, 72)
    assert "The matrix is 144×144, larger than the screen" in text(at)
    assert "blocks of 2×2 entries" in text(at)


# ------------------------------------------------------------------------------ the matrix


def test_m_times_x_equals_conv2d_and_the_row_window_is_drawn(at):
    body = text(at)
    assert "`M @ x` equals `F.conv2d(x, K, stride=1, padding=0)` flattened: largest difference 0 " \
           "over 9 outputs" in body
    row = convcore.matrix_row_window((4, 4), (2, 2), 4)
    i, j = row.out_cell
    assert f"**Row 4** of `M` computes output cell **({i}, {j})**" in body
    grids = charts(at)["input:values"]
    assert {"window", "output:cell"} <= set(trace_names(grids))
    window = trace(grids, "window")
    (r0, c0), (sh, sw) = row.window_top_left, row.window_span
    xs = [v for v in window["x"] if v is not None]
    ys = [v for v in window["y"] if v is not None]
    assert (min(xs), max(xs)) == (c0 - 0.5, c0 + sw - 0.5)  # no padding: padded = input
    assert (min(ys), max(ys)) == (r0 - 0.5, r0 + sh - 0.5)
    assert {"pick:row", "pick:taps", "pick:y"} <= set(trace_names(charts(at)["M:values"]))


def test_keyboard_column_shows_every_output_it_touches(at):
    at.radio(key="wc_show").set_value("column").run()
    at.number_input(key="wc_col").set_value(5).run()
    clean(at)
    column = convcore.matrix_column_outputs((4, 4), (2, 2), 5)
    assert (f"**Column 5** of `M` is input pixel **(1, 1)**: it touches {len(column.rows)} of "
            "the 9 outputs") in text(at)
    outputs = trace(charts(at)["input:values"], "outputs")
    dx, dy = FW.MARK_OFFSET
    assert sorted(zip((round(v - dy) for v in outputs["y"]),
                      (round(v - dx) for v in outputs["x"]), strict=True)) == sorted(
        (int(o[1]), int(o[2])) for o in column.out_cells)


def test_a_weight_is_highlighted_everywhere_it_appears(at):
    at.radio(key="wc_show").set_value("weight").run()
    at.number_input(key="wc_tap_a").set_value(0).run()
    clean(at)
    entries = convcore.weight_entries((4, 4), (2, 2), (0, 1))
    assert f"appears {len(entries.rows)} times in `M`" in text(at)
    dots = trace(charts(at)["M:values"], "pick:weight")
    dx, dy = FW.MARK_OFFSET
    assert sorted(zip((round(v - dy) for v in dots["y"]),
                      (round(v - dx) for v in dots["x"]), strict=True)) == sorted(
        zip(entries.rows.tolist(), entries.cols.tolist(), strict=True))


def test_a_click_on_a_column_of_m_picks_that_column(at):
    at.radio(key="wc_show").set_value("column").run()
    at.session_state["wc_m_click"] = ("matrix", 2, 10)
    at.run()
    clean(at)
    assert at.number_input(key="wc_col").value == 10
    at.session_state["wc_m_click"] = ("output", 2, 1)  # a click on the output grid
    at.run()
    assert at.radio(key="wc_show").value == "row"
    assert at.number_input(key="wc_row").value == 2 * 3 + 1


def test_the_transpose_is_the_transposed_convolution(at):
    at.number_input(key="wc_s").set_value(2).run()
    at.number_input(key="wc_pad").set_value(1).run()
    clean(at)
    assert "conv_transpose2d(y, K, stride=2, padding=1, output_padding=0)" in text(at)
    (line,) = [m for m in text(at).splitlines() if "Mᵀ goes back" in m]
    assert "largest difference 0)" in line
    links = [p.proto.page for p in at.get("page_link")]
    assert any("padding_stride" in link for link in links)


def test_the_dense_limit_is_a_sentence_not_a_crash(at):
    at.number_input(key="wc_h").set_value(64).run()
    at.number_input(key="wc_w").set_value(64).run()
    clean(at)
    (warning,) = [w.value for w in at.warning]
    assert "The dense matrix is not built" in warning
    assert "more than the limit max_entries=4,000,000" in warning
    assert "largest difference 0 over 3969 outputs" in text(at)
    assert "drawn as" in text(at)


def test_a_kernel_larger_than_the_input_is_explained(at):
    at.selectbox(key="wc_k").set_value("sobel_x").run()
    at.number_input(key="wc_h").set_value(2).run()
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "No output for these settings" in error


# ------------------------------------------------------------------------------ sections 3–6


def test_receptive_field_grows_with_depth(at):
    for depth in (1, 5):
        at.number_input(key="wc_depth").set_value(depth).run()
        clean(at)
        layers = convcore.repeat_layer(depth, 3, padding=1)
        region = convcore.unit_input_region((13, 13), layers, (6, 6))
        (top, bottom), (left, right) = region.box
        size = f"{bottom - top + 1}×{right - left + 1}"
        assert f"depends on a **{size}** region" in text(at)
    at.session_state["wc_rf_click"] = ("output", 0, 0)
    at.run()
    assert at.number_input(key="wc_rf_i").value == 0
    assert "Unit **(0, 0)** of layer 5" in text(at)


def test_equivariance_is_exact_away_from_the_border_and_rotation_is_not(at):
    assert "the difference is **exactly 0** on all" in text(at)
    photo = convcore.downsample(np.asarray(
        __import__("ui.controls", fromlist=["load_sample"]).load_sample("house.png")), (40, 40))
    sobel = np.array(convcore.get_kernel("sobel_x").array, dtype=float)
    rot = convcore.rotation_check(photo, sobel, 1)
    assert f"**{format_number(100 * rot.relative_difference, digits=3)} %**" in text(at)
    at.radio(key="wc_tf").set_value("scale").run()
    clean(at)
    scale = convcore.scale_check(photo, sobel, 2)
    assert f"**{format_number(100 * scale.relative_difference, digits=3)} %**" in text(at)
    at.number_input(key="wc_dy").set_value(0).run()
    at.number_input(key="wc_dx").set_value(0).run()
    assert "It is not zero on some of the 0 border cells" in text(at)
    assert any("pooling" in p.proto.page for p in at.get("page_link"))


@pytest.mark.parametrize("tile", [1, 2, 4], ids=["tile1", "tile2", "tile4"])
def test_layer_counts_side_by_side(at, tile):
    at.number_input(key="wc_tile").set_value(tile).run()
    clean(at)
    cmp = convcore.layer_comparison((1, 10, 8), 1, 3, tile=tile)
    (table,) = [d.value for d in at.dataframe if "multiply-adds" in d.value.columns]
    assert table["parameters"].tolist() == [f"{layer.params:,}" for layer in cmp.layers]
    mosaic = charts(at)["layer0:values"]
    assert f"tiled, t = {tile}" in json.dumps(mosaic["layout"]["annotations"])


def test_waldo_peak_follows_the_pattern(at):
    at.slider(key="wc_top").set_value(3).run()
    at.slider(key="wc_left").set_value(7).run()
    clean(at)
    assert "the response is largest at **(3, 7)**" in text(at)
    at.session_state["wc_waldo_click"] = ("input", 10, 25)
    at.run()
    assert at.slider(key="wc_top").value == 10 and at.slider(key="wc_left").value == 25
    assert "the response is largest at **(10, 25)**" in text(at)


def test_the_prior_paragraph_counts_the_fixed_weights(at):
    at.number_input(key="wc_delta").set_value(2).run()
    steps = convcore.dense_to_conv_steps(convcore.random_dense_weight((6, 6)), 2)
    fixed = steps[0].params - steps[-1].params
    assert f"{steps[-1].params:,} remain free; the other {fixed:,} are fixed" in text(at)


# ------------------------------------------------------------------------------ links


def test_settings_go_into_the_url_and_come_back():
    app = open_page(n="8", ti="1", loc="1", delta="2", show="column", col="3")
    assert app.number_input(key="wc_n").value == 8
    assert app.toggle(key="wc_tied").value and app.toggle(key="wc_local").value
    assert app.radio(key="wc_show").value == "column"
    assert "**Column 3**" in text(app)
    app.number_input(key="wc_tile").set_value(3).run()
    assert app.query_params["tile"] in ("3", ["3"])


def test_a_tampered_link_falls_back_to_defaults_with_one_notice():
    app = open_page(n="abc", delta="99", show="diagonal", bogus="1")
    (notice,) = [i.value for i in app.info if "could not be used" in i.value]
    assert "image size" in notice and "Δ" in notice and "bogus" in notice
    assert app.number_input(key="wc_n").value == 6
    assert app.number_input(key="wc_delta").value == 1
    assert app.radio(key="wc_show").value == "row"


def test_presenter_mode_keeps_every_section():
    app = open_page(present="1")
    assert len(app.header) == 6  # section 1's title is smaller: one row of controls above
    assert "1 · From a dense layer" in " ".join(m.value for m in app.main.markdown)
    assert "W:values" in charts(app)
