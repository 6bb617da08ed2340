"""AppTest for the "Under the hood" page (issue 15), reached through app.py's navigation.

Each section's numbers against convcore computed here (never typed in), the im2col row
picked by keyboard and by a click, the separable / not separable verdicts, the timing
button with a tiny budget (a result, its reuse, the one-at-a-time lock), the memory limit
as a sentence, a bad kernel and a tampered link.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import convcore
from ui.timing_board import BOARD

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/under_the_hood.py"
TIMEOUT = 120


def open_page(**query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    app.switch_page(PAGE).run()
    clean(app)
    return app


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page()


def clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def text(app: AppTest) -> str:
    parts = [m.value for m in app.main.markdown] + [c.value for c in app.main.caption]
    parts += [s.value for s in app.success] + [w.value for w in app.warning]
    parts += [i.value for i in app.info] + [e.value for e in app.error]
    return "\n".join(parts)


def live(app: AppTest) -> str:
    return " ".join(h.proto.body for h in app.get("html") if 'role="status"' in h.proto.body)


def charts(app: AppTest) -> dict[str, dict]:
    """Figures by their first trace's name (``patches:values``) or, for line charts, by
    their first trace's method code."""
    found = {}
    for chart in app.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        first = fig["data"][0]
        found[first.get("meta") if isinstance(first.get("meta"), str) else first["name"]] = fig
    return found


def metric(app: AppTest, label: str) -> str:
    (found,) = [m.value for m in app.metric if m.label == label]
    return found


def test_every_section_is_there(at):
    headers = [h.value for h in at.header]
    assert [h.split(" · ")[0] for h in headers] == ["1", "2", "3", "4", "5", "6"]
    assert [c.key for c in at.get("plotly_chart")] == [
        "uh_cost_chart", "uh_i2_chart", "uh_i2_grid", "uh_fft_chart", "uh_wrap_chart",
        "uh_sv_chart", "uh_lr_chart"]  # no timing chart before "Measure" is pressed


def test_section_1_counts_come_from_convcore(at):
    counts = convcore.multiply_adds((64, 64), 7, padding=3)
    assert metric(at, "Multiply-adds") == f"{counts.loop:,}"
    assert f"<strong>{counts.loop:,}</strong>" in live(at)
    fig = charts(at)["loop"]
    by_method = {t["meta"]: t for t in fig["data"]}
    assert set(by_method) == {"loop", "separable", "fft"}
    expected = [convcore.multiply_adds((64, 64), k, padding=k // 2).fft for k in range(3, 32, 2)]
    assert by_method["fft"]["y"] == expected
    assert "faster when NumPy sums" in text(at)


def test_section_2_row_by_keyboard_and_by_click():
    app = open_page()
    app.number_input(key="uh_i2_row").set_value(5).run()
    clean(app)
    # 6×6 input, 3×3 Sobel: a 4×4 output, row 5 is output cell (1, 1), window rows 1–3.
    assert "<strong>Row 5</strong> is the window of output cell <strong>(1, 1)</strong>: rows " \
           "1–3, columns 1–3" in live(app)
    fig = charts(app)["patches:values"]
    frame = next(t for t in fig["data"] if t["name"] == "row")
    assert {y for y in frame["y"] if y is not None} == {4.5, 5.5}
    # A click on output cell (2, 3) of the window figure picks row 2·4 + 3 = 11.
    app.session_state["uh_i2_click"] = ("cell", 2, 3)
    app.run()
    clean(app)
    assert app.number_input(key="uh_i2_row").value == 11
    assert "output cell <strong>(2, 3)</strong>" in live(app)
    assert "largest difference 0 over 16 outputs (4×4)" in text(app)


def test_section_2_many_channels_and_the_memory_limit(at):
    assert "is a 16×4 matrix" in text(at)
    cost = convcore.im2col_cost((3000, 4000), 3, padding=1, itemsize=4)
    assert metric(at, "Patch matrix") == f"{cost.bytes / 2**20:,.1f} MiB"
    assert any("Too large to build here" in w.value for w in at.warning)
    app = open_page(ms="64x64")
    assert not any("Too large to build here" in w.value for w in app.warning)


def test_section_3_fft_equals_direct_and_wraps_without_padding(at):
    fig = charts(at)["image_spectrum:values"]
    assert fig["layout"]["meta"]["panels"] == ["image_spectrum", "kernel_spectrum", "product",
                                               "inverse"]
    body = text(at)
    steps = convcore.fft_steps(np.zeros((24, 24)), np.ones((5, 5)), padding=2)
    assert steps.fft_shape == (32, 32)  # 24 + 2·2 padding, + k − 1 = 4
    assert "The transforms were 32×32" in body
    assert "Here the difference is" in body and "dashed frame" in body
    wrap = charts(at)["circular:values"]
    assert any(t["name"] == "wraps" for t in wrap["data"])


@pytest.mark.parametrize("preset, separable", [
    ("sobel_x", True), ("box_blur_5x5", True), ("gaussian_blur_3x3", True),
    ("laplacian_4", False), ("sharpen", False),
], ids=["sobel", "box", "gauss", "laplacian", "sharpen"])
def test_section_4_separable_verdict(preset, separable):
    app = open_page(sk=preset)
    analysis = convcore.separable_analysis(convcore.get_kernel(preset).array)
    assert analysis.separable == separable
    said = live(app)
    if separable:
        assert "Rank 1: separable." in said
        assert f"instead of <strong>{analysis.taps}</strong>" in said
        assert "with `method=\"separable\"` equals the direct sum" in text(app)
    else:
        assert f"Rank {analysis.rank}: not separable." in said
    fig = charts(app)["kernel:values"]
    assert fig["layout"]["meta"]["panels"] == ["kernel", "rank1", "rank2"]


def test_section_4_sobel_factors_are_the_books():
    app = open_page(sk="sobel_x")
    assert "K = [1, 2, 1]ᵀ · [-1, 0, 1]" in live(app) or "K = [1, 2, 1]ᵀ · [−1, 0, 1]" in live(app)


def test_section_4_bad_weights_keep_the_last_kernel():
    app = open_page(sk="sobel_x")
    app.text_area(key="uh_sep_text").set_value("1 2\n3 x").run()
    clean(app)
    assert app.error and "Keeping the last valid 3×3 kernel" in app.error[0].value
    assert "Rank 1: separable." in live(app)


def test_section_5_timing_with_a_tiny_budget_then_reused_then_busy():
    app = open_page(size="64x64", kmax="7", budget="1", torch="0")
    assert "Press \"Measure\"" in text(app)
    app.button(key="uh_t_run").click().run()
    clean(app)
    fig = charts(app)["direct"]
    assert [t["meta"] for t in fig["data"]] == ["direct", "im2col", "fft", "separable"]
    assert fig["data"][0]["x"] == [3, 5, 7]
    result = BOARD.get(app.session_state["uh_t_shown"])
    assert result is not None and result.budget_s == 1.0
    assert fig["layout"]["meta"]["crossover"] == result.crossover("fft", "direct")
    assert "picks with `method=\"auto\"` for this image" in text(app)
    assert "**im2col**" in text(app)  # a 64×64 output: one matrix product
    # Pressed again with the same settings: the stored result, at once.
    app.button(key="uh_t_run").click().run()
    assert "measured on this server already" in text(app)
    # Someone else's timing holds the lock: one sentence, the last result, no new timing.
    assert BOARD.try_start()
    try:
        app.button(key="uh_t_again").click().run()
        clean(app)
        assert "Someone else's timing is running" in text(app)
        assert "direct" in charts(app)
    finally:
        BOARD.finish()


def _png(side: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.arange(side * side, dtype=np.uint8).reshape(side, side)).save(
        out, format="PNG")
    return out.getvalue()


def test_section_5_an_upload_smaller_than_the_kernel_is_refused_in_one_sentence():
    app = open_page(src="yours", kmax="31")
    assert "Upload a photo to time it" in text(app)
    app.file_uploader(key="uh_t_upload").set_value(("tiny.png", _png(20), "image/png")).run()
    clean(app)
    (warning,) = [w.value for w in app.warning if "kernel is larger" in w.value]
    assert warning.startswith("A 31×31 kernel is larger than your image tiny.png (20×20)")
    assert "Measure" not in [b.label for b in app.button]
    app.selectbox(key="uh_t_kmax").select(15).run()
    clean(app)
    assert "Measure" in [b.label for b in app.button]


def test_section_6_links_to_the_channels_groups(at):
    (link,) = [link for link in at.get("page_link") if "channels" in link.proto.page]
    assert link.proto.query_string == "tab=groups"


def test_a_tampered_link_falls_back_to_defaults_with_one_notice():
    app = open_page(k="4", budget="99", src="nowhere", sk="not-a-kernel", bogus="1")
    (notice,) = [i.value for i in app.info if "could not be used" in i.value]
    assert "kernel size" in notice and "time budget" in notice and "bogus" in notice
    assert app.selectbox(key="uh_k").value == 7
    assert app.slider(key="uh_t_budget").value == 3
    assert app.selectbox(key="uh_t_src").value == "generated"


def test_settings_go_into_the_url():
    app = open_page()
    app.selectbox(key="uh_k").select(15).run()
    assert app.query_params["k"] in ("15", ["15"])
    counts = convcore.multiply_adds((64, 64), 15, padding=7)
    assert metric(app, "Multiply-adds") == f"{counts.loop:,}"
    assert np.isfinite(counts.fft)
