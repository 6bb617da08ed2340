"""AppTest for the shell, the home page and the sliding-window page.

Every page runs at its defaults without an exception; on the sliding-window page the widgets
change the numbers shown (the seeds' 19, 25, 37, 43; the edge example's 1 and −1 columns),
and bad entries or impossible settings get a sentence, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from ui.navigation import PAGES, existing_pages

ROOT = Path(__file__).resolve().parents[2]
SLIDING = "app_pages/sliding_window.py"
TIMEOUT = 120  # the machine is shared; first runs build figures

D2L_LINES = [
    "out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 = 19",
    "out[0, 1] = 1×0 + 2×1 + 4×2 + 5×3 = 25",
    "out[1, 0] = 3×0 + 4×1 + 6×2 + 7×3 = 37",
    "out[1, 1] = 4×0 + 5×1 + 7×2 + 8×3 = 43",
]


def open_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def open_sliding() -> AppTest:
    at = open_app()
    at.switch_page(SLIDING).run()
    assert not at.exception
    return at


def chart(at: AppTest, key: str) -> dict:
    """The Plotly figure of the chart with widget key ``key``, as a dict."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def steps_text(at: AppTest) -> list[str]:
    """The lines of the "Every step as text" block."""
    blocks = [c.value for c in at.code if c.value.startswith("out[")]
    assert blocks, "no arithmetic on the page"
    return blocks[0].splitlines()


def live_texts(at: AppTest) -> list[str]:
    """The HTML of the page's live regions (``ui.a11y.live_region``)."""
    return [h.proto.body for h in at.get("html") if 'aria-live="polite"' in h.proto.body]


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def z_of(spec: dict, name: str) -> np.ndarray:
    """A heatmap's values (plotly sends NumPy arrays as typed base64)."""
    z = trace(spec, name)["z"]
    if isinstance(z, dict):
        import base64
        raw = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
        return raw.reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array(z, dtype=float)


# ------------------------------------------------------------------------------ shell


def test_navigation_lists_the_pages_in_teaching_order():
    titles = [p.title for p in PAGES]
    assert titles == ["Home", "Why convolution", "Sliding window", "Padding & stride",
                      "Channels", "Pooling", "Convolution in 1-D", "Kernel learning",
                      "Whole network", "Under the hood", "Your image"]
    # Material Symbols, which Streamlit serves itself (offline: test_offline_browser.py), not
    # emoji, which Debian's Chromium without an emoji font draws as empty boxes.
    assert all(p.icon.startswith(":material/") and p.icon.endswith(":") for p in PAGES)
    assert [p.path for p in existing_pages()][:3] == ["app_pages/home.py",
                                                      "app_pages/why_convolution.py", SLIDING]


@pytest.mark.parametrize("page", [p.path for p in existing_pages()])
def test_every_page_runs_at_its_defaults(page):
    at = open_app()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]


def test_config_is_light_offline_and_private():
    text = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "gatherUsageStats = false" in text
    assert 'base = "light"' in text


# ------------------------------------------------------------------------------ home


def test_home_counts_the_weights_of_the_seeds_example():
    at = open_app()
    assert any("Convolution Explorer" in t.value for t in at.title)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Dense layer": "1,000,001,000", "Convolutional layer": "10"}
    assert any("10⁹" in m.value for m in at.markdown)
    assert any("Translation invariance" in i.value for i in at.info)


def test_home_calculator_follows_its_widgets():
    at = open_app()
    at.radio(key="home_photo").set_value("12mp").run()
    at.number_input(key="home_out").set_value(64).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Dense layer"] == f"{36_000_000_000 + 1000:,}"
    assert metrics["Convolutional layer"] == f"{3 * 64 * 9 + 64:,}"


def test_home_uses_the_glossary_words_and_prints_a_normalised_mantissa():
    """Issue 18: d2l's principle makes the layer equivariant, pooling adds invariance; the
    Pooling blurb names Lp; 996 units print as 10⁹ and 10⁸, never "10.0 × 10⁸"."""
    at = open_app()
    (info,) = [i.value for i in at.info]
    assert "the detector works the same everywhere" in info
    assert "*equivariant*" in info and "invariance to small shifts is what pooling adds" in info
    assert any("Max, average and Lp pooling" in c.value for c in at.caption)
    at.number_input(key="home_hidden").set_value(996).run()
    text = "\n".join(m.value for m in at.markdown)
    assert "(≈ 10⁹," in text and "**10⁸ times**" in text
    assert "10.0 ×" not in text



def _home_in(lang: str, **query: str) -> AppTest:
    from ui.i18n import use_language

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.query_params.update(query)
    with use_language(lang):  # AppTest formats the radio's options in this thread
        at.run()
    assert not at.exception, at.exception
    return at


def test_home_lists_every_page_of_the_registry_in_chinese():
    """Issue 12: Home's cards are the navigation registry, titles and blurbs translated."""
    from ui.i18n import translations
    from ui.navigation import existing_pages

    zh = translations("zh")
    at = _home_in("zh")
    pages = [p for p in existing_pages() if p.path != "app_pages/home.py"]
    links = [link.proto.label for link in at.get("page_link")]
    # (AppTest reads the cards column by column; on screen they fill row by row.)
    assert sorted(links) == sorted(f"**{zh.gettext(p.title)}**" for p in pages)
    assert all(zh.gettext(p.title) != p.title for p in pages)
    captions = [c.value for c in at.caption]
    assert all(zh.gettext(p.blurb) in captions for p in pages)
    # Issue 18's paragraph, faithfully: translation invariance, equivariant, pooling.
    (info,) = [i.value for i in at.info]
    assert "平移不变性" in info and "等变" in info and "汇聚层" in info and "局部性" in info
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"全连接层": "1,000,001,000", "卷积层": "10"}


def test_home_in_presenter_mode_folds_the_classroom_steps():
    at = _home_in("en", present="1")
    assert [e.label for e in at.expander if e.label == "Using it in class"]
    assert not [s for s in at.subheader if s.value == "Using it in class"]


# ------------------------------------------------------------------------------ sliding window


def test_defaults_show_the_seeds_numbers():
    at = open_sliding()
    assert steps_text(at) == D2L_LINES
    spec = chart(at, state.SW_ANIMATION_CHART)
    assert [f["layout"]["annotations"][0]["text"] for f in spec["frames"]] == D2L_LINES
    np.testing.assert_array_equal(z_of(spec, "output:values"), [[19, 25], [37, 43]])
    assert ("<strong>Output cell (0, 0)</strong> = <strong>19</strong>"
            in "".join(live_texts(at)))


def test_a_typed_kernel_changes_the_numbers():
    at = open_sliding()
    at.text_area(key="sw_k_text").input("1 1\n1 1").run()
    assert not at.exception
    assert at.selectbox(key="sw_k_preset").value == "custom"
    assert [line.rsplit("= ", 1)[1] for line in steps_text(at)] == ["8", "12", "20", "24"]


def test_a_preset_kernel_changes_the_numbers():
    at = open_sliding()
    at.selectbox(key="sw_k_preset").select("identity").run()
    assert at.text_area(key="sw_k_text").value == "0  0  0\n0  1  0\n0  0  0"
    assert steps_text(at) == ["out[0, 0] = 0×0 + 1×0 + 2×0 + 3×0 + 4×1 + 5×0 + 6×0 + 7×0 "
                              "+ 8×0 = 4"]


def test_non_numeric_kernel_gets_a_message_and_the_last_valid_kernel_stays():
    at = open_sliding()
    at.text_area(key="sw_k_text").input("0 1\n2 x").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any('"x", which is not a number' in e and "Keeping the last valid 2×2 kernel" in e
               for e in errors), errors
    assert steps_text(at) == D2L_LINES


def test_settings_with_no_output_are_explained():
    at = open_sliding()
    at.text_area(key="sw_k_text").input("1 1 1 1\n1 1 1 1").run()  # 2×4 on a 3×3 input
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("No output with these settings" in w and "larger than the 3×3 input" in w
               for w in warnings), warnings
    at.radio(key="sw_geo_padding").set_value("full").run()
    assert not at.warning and not at.exception
    assert len(steps_text(at)) == 4 * 6  # full: (3 + 2·1 − 2 + 1) × (3 + 2·3 − 4 + 1)


def test_same_padding_with_stride_is_explained():
    at = open_sliding()
    at.radio(key="sw_geo_padding").set_value("same").run()
    at.number_input(key="sw_geo_stride_h").set_value(2).run()
    assert not at.exception
    assert any("stride 1" in w.value for w in at.warning)
    assert any("would depend on the input size" in w.value for w in at.warning)
    assert not any("no padding keeps" in w.value for w in at.warning)


def test_padding_is_drawn_and_counted_in_the_formula():
    at = open_sliding()
    at.radio(key="sw_geo_padding").set_value("custom").run()
    at.number_input(key="sw_geo_pad_left").set_value(2).run()
    spec = chart(at, state.SW_ANIMATION_CHART)
    names = {s.get("name") for s in spec["layout"]["shapes"]}
    assert {"input:hatch", "input:border"} <= names
    formula = next(c.value for c in at.code if "height:" in c.value)
    assert "width: ⌊(3 + 2 + 1 − 1·(2 − 1) − 1) / 1⌋ + 1 = 4 + 1 = 5" in formula
    assert len(spec["frames"]) == 4 * 5


def test_true_convolution_flips_the_kernel():
    at = open_sliding()
    at.radio(key=state.SW_OPERATION).set_value(state.TRUE_CONVOLUTION).run()
    assert not at.exception
    assert steps_text(at)[0] == "out[0, 0] = 0×3 + 1×2 + 3×1 + 4×0 = 5"
    flip = chart(at, "sw_flip_chart")
    np.testing.assert_array_equal(z_of(flip, "flipped:values"), [[3, 2], [1, 0]])
    assert any("Equals `convolve2d(x, K, mode='valid')`" in c.value for c in at.caption)


def test_bias_is_added_to_every_sum():
    at = open_sliding()
    at.number_input(key=state.SW_BIAS).set_value(1.5).run()
    assert steps_text(at)[0] == "out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 + 1.5 = 20.5"


def test_edge_example_shows_its_one_and_minus_one_columns():
    at = open_sliding()
    spec = chart(at, state.SW_EDGE_CHART)
    y = z_of(spec, "output:values")
    assert y.shape == (6, 7)
    np.testing.assert_array_equal(y[:, 1], 1)
    np.testing.assert_array_equal(y[:, 5], -1)
    assert not np.delete(y, [1, 5], axis=1).any()
    assert any("Column 1 of Y is all **1**" in s.value and "column 5 is all **−1**" in s.value
               for s in at.success)


def test_transposing_the_edge_image_makes_the_output_vanish():
    at = open_sliding()
    at.toggle(key=state.SW_EDGE_TRANSPOSED).set_value(True).run()
    y = z_of(chart(at, state.SW_EDGE_CHART), "output:values")
    assert y.shape == (8, 5) and not y.any()
    assert any("Y is all zeros (8×5)" in s.value and "vertical" in s.value for s in at.success)


def test_edge_example_loads_into_the_animation():
    at = open_sliding()
    at.button(key="sw_edge_load").click().run()
    assert not at.exception
    lines = steps_text(at)
    assert len(lines) == 6 * 7
    assert lines[:3] == ["out[0, 0] = 1×1 + 1×(−1) = 0", "out[0, 1] = 1×1 + 0×(−1) = 1",
                         "out[0, 2] = 0×1 + 0×(−1) = 0"]
    assert lines[5] == "out[0, 5] = 0×1 + 1×(−1) = −1"


def test_pinning_an_output_cell_shows_its_receptive_field_and_sum():
    at = open_sliding()
    at.session_state[state.SW_PICK] = ("output", 1, 1)
    at.run()
    assert ("<strong>Output cell (1, 1)</strong> = <strong>43</strong>"
            in "".join(live_texts(at)))
    # wrapped before a "+" term so that "= 43" is never cut off in the narrow column
    assert "out[1, 1] = 4×0 + 5×1 + 7×2\n  + 8×3 = 43" in [c.value for c in at.code]
    inspect = chart(at, state.SW_INSPECT_CHART)
    window = trace(inspect, "pick:window")
    assert (min(window["x"]), max(window["x"]), min(window["y"]), max(window["y"])) == (
        0.5, 2.5, 0.5, 2.5)
    terms = at.dataframe[0].value
    assert list(terms["product"]) == ["0", "5", "14", "24"]


def test_pinning_an_input_cell_lists_the_outputs_it_feeds():
    at = open_sliding()
    at.session_state[state.SW_PICK] = ("input", 1, 1)
    at.run()
    assert any("It feeds **4** output cells" in m.value for m in at.markdown)
    fed = next(c.value for c in at.code if "via K" in c.value)
    assert fed.splitlines() == ["out[0, 0]  via K[1, 1] = 3", "out[0, 1]  via K[1, 0] = 2",
                                "out[1, 0]  via K[0, 1] = 1", "out[1, 1]  via K[0, 0] = 0"]


def test_a_pick_outside_the_new_output_falls_back_to_the_first_cell():
    at = open_sliding()
    at.session_state[state.SW_PICK] = ("output", 5, 5)
    at.run()
    assert not at.exception
    assert at.session_state[state.SW_PICK] == ("output", 0, 0)


def test_clicks_are_stored_by_the_chart_callback():
    session = {"chart": {"selection": {"points": [{"customdata": {"0": "input", "1": 2,
                                                                   "2": 0}}]}}}
    state.store_pick("chart", "pick", session)
    assert session["pick"] == ("input", 2, 0)
    session["chart"] = {"selection": {"points": [{"customdata": ["kernel", 0, 0]}]}}
    state.store_pick("chart", "pick", session)  # kernel clicks are ignored
    assert session["pick"] == ("input", 2, 0)


def test_large_outputs_step_a_row_at_a_time_and_say_so():
    at = open_sliding()
    at.radio(key="sw_in_source").set_value("typed").run()
    at.text_area(key="sw_in_text").input("\n".join(["1 0 " * 16] * 32)).run()
    at.selectbox(key="sw_k_preset").select("sobel_x").run()
    at.radio(key="sw_geo_padding").set_value("full").run()
    assert not at.exception
    assert any("each step computes a whole output row (34 steps)" in i.value for i in at.info)
    assert len(chart(at, state.SW_ANIMATION_CHART)["frames"]) == 34


def test_28x28_digit_animates_cell_by_cell():
    at = open_sliding()
    at.selectbox(key="sw_in_preset").select("mnist").run()
    at.selectbox(key="sw_k_preset").select("sobel_x").run()
    assert not at.exception
    spec = chart(at, state.SW_ANIMATION_CHART)
    assert len(spec["frames"]) == 26 * 26
    assert len(at.get("plotly_chart")[0].proto.spec) < 1_000_000


def test_an_image_patch_becomes_the_input():
    at = open_sliding()
    at.radio(key="sw_in_source").set_value("patch").run()
    assert not at.exception
    assert any("averaged down to 16×16 cells" in c.value for c in at.caption)
    spec = chart(at, state.SW_ANIMATION_CHART)
    assert z_of(spec, "input:values").shape == (16, 16)


def test_the_whole_image_is_convolved_at_full_resolution():
    at = open_sliding()
    assert any(c.value.startswith("Computed by convcore at full resolution") for c in at.caption)
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert captions[0] == "Input, 384×512 pixels"
    assert captions[1].startswith("Output, 383×511 values")


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    ramp = np.linspace(0, 255, width * height, dtype=np.uint8).reshape(height, width)
    buffer = io.BytesIO()
    Image.fromarray(ramp, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_photo_gives_the_patch_and_a_bad_file_a_sentence():
    at = open_sliding()
    at.radio(key="sw_in_source").set_value("patch").run()
    at.selectbox(key="sw_in_patch_image").select("Upload your own…").run()
    assert not at.exception
    assert any("Upload a photo" in i.value for i in at.info)
    at.file_uploader(key="sw_in_patch_upload").set_value(
        ("ramp.png", _png(120, 90), "image/png")).run()
    assert not at.exception
    assert any("of ramp.png, averaged down to 16×16 cells" in c.value for c in at.caption)
    at.file_uploader(key="sw_in_patch_upload").set_value(
        ("notes.png", b"this is not a picture", "image/png")).run()
    assert not at.exception
    assert any(e.value.startswith("notes.png: This file is not an image") for e in at.error)
    # The last good photo stays in use.
    assert any("of ramp.png, averaged down to 16×16 cells" in c.value for c in at.caption)
