"""Classroom features wired into the app's pages, driven through the whole app (app.py).

- Shareable links: settings → URL → a fresh session opened with that query string → the
  same settings and the same numbers; a tampered link shows one notice and no exception.
- Presenter mode: the sidebar toggle works on every page and puts ``present=1`` in the URL.
- Predict, then reveal: right and wrong answers change the session's score.
- The image across pages: "Open in sliding window" on Your image opens its patch there.

AppTest keeps the query string when it switches pages (a browser drops it), so a fresh
session opened with a link first runs the home page (which leaves the query alone), then
switches to the page.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import image_source, state
from ui.navigation import existing_pages

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # the machine is shared; first runs build figures
SLIDING = "app_pages/sliding_window.py"
PADDING = "app_pages/padding_stride.py"
CHANNELS = "app_pages/channels.py"
POOLING = "app_pages/pooling.py"
LEARNING = "app_pages/kernel_learning.py"
YOUR_IMAGE = "app_pages/your_image.py"
NOTICE = "This link had settings that could not be used"


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """A new session that opens ``page`` with the link's query string."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def link_of(at: AppTest) -> dict[str, str]:
    return {name: at.query_params[name] for name in at.query_params}


def notices(at: AppTest) -> list[str]:
    return [i.value for i in at.info if i.value.startswith(NOTICE)]


def steps_text(at: AppTest) -> list[str]:
    """Lines of the sliding window's "Every step as text" block."""
    blocks = [c.value for c in at.code if c.value.startswith("out[")]
    assert blocks, "no arithmetic on the page"
    return blocks[0].splitlines()


def last_numbers(lines: list[str]) -> list[str]:
    return [line.rsplit("=", 1)[1].strip() for line in lines]


def heading(at: AppTest, start: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(start))


def heatmaps(at: AppTest) -> list[np.ndarray]:
    """Every heatmap's values on the page (Plotly sends arrays as typed base64)."""
    found = []
    for element in at.get("plotly_chart"):
        for trace in json.loads(element.proto.spec)["data"]:
            z = trace.get("z") if trace.get("type") == "heatmap" else None
            if isinstance(z, dict):
                raw = np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"]))
                found.append(raw.reshape([int(n) for n in str(z["shape"]).split(",")]))
            elif z is not None:
                found.append(np.array(z, dtype=float))
    return found


# ------------------------------------------------------------------------------ sliding window


def test_sliding_window_default_link_is_empty_and_shows_the_seeds_numbers():
    at = open_page(SLIDING)
    assert link_of(at) == {}
    assert last_numbers(steps_text(at)) == ["19", "25", "37", "43"]


def test_sliding_window_link_with_the_d2l_preset_and_a_bias_opens_those_numbers():
    at = open_page(SLIDING, {"iin": "arange", "k": "d2l", "bias": "1"})
    assert last_numbers(steps_text(at)) == ["20", "26", "38", "44"]
    assert at.number_input(key="sw_bias").value == 1.0


def test_sliding_window_settings_round_trip_through_the_link():
    at = open_page(SLIDING)
    at.selectbox(key="sw_in_preset").select("edge").run()
    at.selectbox(key="sw_k_preset").select("edge").run()
    at.radio(key="sw_geo_padding").set_value("full").run()
    at.number_input(key="sw_geo_stride_w").set_value(2).run()
    at.radio(key="sw_operation").set_value("True convolution").run()
    assert_clean(at)
    link = link_of(at)
    assert link == {"iin": "edge", "k": "edge", "pad": "full", "sw": "2",
                    "op": "True convolution"}
    shown = steps_text(at)
    fresh = open_page(SLIDING, link)
    assert fresh.selectbox(key="sw_in_preset").value == "edge"
    assert fresh.selectbox(key="sw_k_preset").value == "edge"
    assert fresh.radio(key="sw_geo_padding").value == "full"
    assert fresh.number_input(key="sw_geo_stride_w").value == 2
    assert fresh.radio(key="sw_operation").value == "True convolution"
    assert steps_text(fresh) == shown
    assert link_of(fresh) == link


def test_sliding_window_custom_kernel_travels_in_the_link():
    at = open_page(SLIDING, {"k": "custom", "kw": "1,-1"})
    assert at.selectbox(key="sw_k_preset").value == "custom"
    assert last_numbers(steps_text(at))[:2] == ["−1", "−1"]


# ------------------------------------------------------------------------------ other pages


def test_padding_stride_round_trip_shows_the_same_shape():
    at = open_page(PADDING)
    assert link_of(at) == {}
    at.number_input(key="ps_in_h").set_value(10).run()
    at.number_input(key="ps_geo_stride_h").set_value(2).run()
    at.number_input(key="ps_geo_stride_w").set_value(2).run()
    assert_clean(at)
    link = link_of(at)
    assert link == {"h": "10", "sh": "2", "sw": "2"}
    assert heading(at, "### ").startswith("### 10×8 → **5×4**")
    fresh = open_page(PADDING, link)
    assert fresh.number_input(key="ps_in_h").value == 10
    assert fresh.number_input(key="ps_geo_stride_h").value == 2
    assert heading(fresh, "### ").startswith("### 10×8 → **5×4**")


def test_pooling_avg_preset_round_trip_shows_the_same_numbers():
    at = open_page(POOLING)
    at.button(key="pool_preset_avg2").click().run()
    assert_clean(at)
    link = link_of(at)
    assert link == {"kind": "avg"}
    output = heading(at, "Output: ")
    assert "2" in output and "6" in output
    fresh = open_page(POOLING, link)
    assert fresh.radio(key="pool_kind").value == "avg"
    assert heading(fresh, "Output: ") == output


def test_pooling_window_and_flags_round_trip():
    query = {"kh": "3", "kw": "3", "ph": "1", "pw": "1", "sa": "1", "ceil": "1"}
    at = open_page(POOLING, query)
    assert at.number_input(key="pool_kh").value == 3
    assert at.checkbox(key="pool_ceil").value is True
    assert at.checkbox(key="pool_stride_auto").value is True
    assert {k: v for k, v in link_of(at).items() if k in query} == query


def test_channels_round_trip():
    at = open_page(CHANNELS)
    at.selectbox(key="channels_mi_example").select("three").run()
    at.number_input(key="channels_mi_bias").set_value(2.0).run()
    at.slider(key="channels_mo_out").set_value(2).run()
    assert_clean(at)
    link = link_of(at)
    assert link == {"ex": "three", "b": "2", "mo": "2"}
    shown = [m.value for m in at.markdown if "=" in m.value]
    fresh = open_page(CHANNELS, link)
    assert fresh.selectbox(key="channels_mi_example").value == "three"
    assert fresh.number_input(key="channels_mi_bias").value == 2.0
    assert fresh.slider(key="channels_mo_out").value == 2
    assert [m.value for m in fresh.markdown if "=" in m.value] == shown


def test_kernel_learning_round_trip():
    at = open_page(LEARNING)
    at.number_input(key="kl_steps").set_value(20).run()
    at.number_input(key="kl_seed").set_value(3).run()
    at.radio(key="kl_init").set_value("zeros").run()
    assert_clean(at)
    link = link_of(at)
    assert link == {"steps": "20", "seed": "3", "init": "zeros"}
    fresh = open_page(LEARNING, link)
    assert fresh.number_input(key="kl_steps").value == 20
    assert fresh.number_input(key="kl_seed").value == 3
    assert fresh.radio(key="kl_init").value == "zeros"
    assert fresh.number_input(key="kl_lr").value == pytest.approx(0.03)


def test_your_image_round_trip():
    at = open_page(YOUR_IMAGE)
    at.toggle(key="img_relu").set_value(False).run()
    at.radio(key="img_pool").set_value("max").run()
    assert_clean(at)
    link = link_of(at)
    assert link["relu"] == "0" and link["pool"] == "max"
    assert link["sample"] == image_source.DEFAULT_SAMPLE
    link["sample"] = "house.png"
    link["k"] = "sobel_x,emboss"
    fresh = open_page(YOUR_IMAGE, link)
    assert fresh.toggle(key="img_relu").value is False
    assert fresh.radio(key="img_pool").value == "max"
    assert fresh.multiselect(key="img_kernels").value == ["sobel_x", "emboss"]
    assert fresh.session_state[image_source.CURRENT_KEY].name == "house.png"


TAMPERED = {
    SLIDING: {"k": "no_such_kernel", "sw": "99", "bias": "nan", "iin": "<script>"},
    PADDING: {"h": "-4", "sh": "abc", "pad": "huge"},
    CHANNELS: {"ex": "zzz", "b": "1e999", "mo": "17"},
    POOLING: {"kind": "median", "kh": "0", "ceil": "maybe"},
    LEARNING: {"lr": "-1", "steps": "1e9", "ks": "9×9"},
    YOUR_IMAGE: {"sample": "../../etc/passwd", "k": "sobel_x,nope", "pool": "min"},
}


@pytest.mark.parametrize("page", list(TAMPERED), ids=[Path(p).stem for p in TAMPERED])
def test_a_tampered_link_opens_the_defaults_with_one_notice(page):
    at = open_page(page, TAMPERED[page])
    assert len(notices(at)) == 1
    assert not any(name in link_of(at) for name in TAMPERED[page] if name != "sample")


def test_a_tampered_sliding_window_link_still_shows_the_seeds_numbers():
    at = open_page(SLIDING, TAMPERED[SLIDING])
    assert last_numbers(steps_text(at)) == ["19", "25", "37", "43"]


# ------------------------------------------------------------------------------ presenter


@pytest.mark.parametrize("page", [p.path for p in existing_pages()],
                         ids=[Path(p.path).stem for p in existing_pages()])
def test_presenter_mode_toggles_on_every_page(page):
    at = open_page(page)
    at.toggle(key="presenter").set_value(True).run()
    assert_clean(at)
    assert at.query_params["present"] == "1"
    at.toggle(key="presenter").set_value(False).run()
    assert_clean(at)
    assert "present" not in link_of(at)


def test_presenter_mode_is_remembered_across_pages_and_folds_advanced_controls():
    at = open_page(SLIDING, {"present": "1"})
    assert at.toggle(key="presenter").value is True
    # Projector layout (issue 9 item 1): one row of main controls, everything else in one
    # folded "More settings" expander: dilation, padding values, weights, bias, operation.
    folded = [e for e in at.expander if e.label == ":material/tune: More settings"]
    assert len(folded) == 1
    inside = {w.key for w in folded[0].number_input} | {w.key for w in folded[0].radio}
    assert {"sw_geo_dilation_h", "sw_geo_dilation_w", state.SW_BIAS,
            state.SW_OPERATION} <= inside
    assert "sw_k_text" in {w.key for w in folded[0].text_area}
    at.switch_page(PADDING).run()
    assert_clean(at)
    assert at.toggle(key="presenter").value is True
    assert ":material/tune: Dilation and padding values" in [e.label for e in at.expander]


def test_presenter_mode_enlarges_the_inspect_figure():
    def cell_px(at: AppTest) -> float:
        for element in at.get("plotly_chart"):
            if element.proto.id.endswith("sw_inspect_chart"):
                return json.loads(element.proto.spec)["layout"]["meta"]["cell_px"]
        raise AssertionError("no inspect chart")

    normal = cell_px(open_page(SLIDING))
    presenting = cell_px(open_page(SLIDING, {"present": "1"}))
    assert presenting > normal


def test_presenter_mode_enlarges_the_animation():
    def cell_px(at: AppTest) -> float:
        for element in at.get("plotly_chart"):
            spec = json.loads(element.proto.spec)
            if spec.get("frames"):
                return spec["layout"]["meta"]["cell_px"]
        raise AssertionError("no animated chart")

    # 8×8 input with a 3×3 kernel: cells are capped by the column width only in presenter mode
    normal = cell_px(open_page(SLIDING, {"iin": "checker"}))
    presenting = cell_px(open_page(SLIDING, {"iin": "checker", "present": "1"}))
    assert presenting > normal


# ------------------------------------------------------------------------------ quiz


def score_line(at: AppTest) -> str:
    return next(m.value for m in at.sidebar.markdown
                if m.value.startswith(":material/quiz: Quiz score"))


def test_sliding_window_quiz_hides_the_output_and_scores_answers():
    at = open_page(SLIDING, {"quiz": "1"})
    assert not [c for c in at.code if c.value.startswith("out[")]  # hidden until answered
    at.text_input(key="quiz_sw_cell_in").input("19")
    at.button(key="quiz_sw_cell_check").click().run()
    assert_clean(at)
    assert "**1 / 1** on this page" in score_line(at)
    assert last_numbers(steps_text(at)) == ["19", "25", "37", "43"]
    at.number_input(key="sw_bias").set_value(1.0).run()  # a new answer: a new question
    at.text_input(key="quiz_sw_cell_in").input("5")
    at.button(key="quiz_sw_cell_check").click().run()
    assert_clean(at)
    assert "**1 / 2** on this page" in score_line(at)
    assert not at.error and not any("20" in w.value for w in at.warning)  # a second try
    at.text_input(key="quiz_sw_cell_in").input("6")
    at.button(key="quiz_sw_cell_check").click().run()
    assert any("the answer is 20" in e.value for e in at.error)
    assert "**1 / 2** on this page" in score_line(at)


def test_padding_stride_quiz_asks_the_shape_first():
    at = open_page(PADDING, {"quiz": "1"})
    assert not [m for m in at.markdown if m.value.startswith("### 8×8")]
    at.number_input(key="quiz_ps_shape_rows").set_value(8)
    at.number_input(key="quiz_ps_shape_cols").set_value(8)
    at.button(key="quiz_ps_shape_check").click().run()
    assert_clean(at)
    assert "**1 / 1** on this page" in score_line(at)
    assert heading(at, "### 8×8")
    at.number_input(key="ps_geo_stride_h").set_value(2).run()
    at.number_input(key="quiz_ps_shape_rows").set_value(8)
    at.number_input(key="quiz_ps_shape_cols").set_value(8)
    at.button(key="quiz_ps_shape_check").click().run()
    assert "**1 / 2** on this page" in score_line(at)


# ------------------------------------------------------------------------------ image across pages


def test_open_in_sliding_window_uses_the_patch_of_your_image():
    at = open_page(YOUR_IMAGE)
    at.button(key="img_open_sliding_window").click().run()
    assert_clean(at)
    assert at.radio(key="sw_in_source").value == "session"
    session = {key: at.session_state[key] for key in
               (image_source.CURRENT_KEY, image_source.PATCH_KEY)}
    # The page takes the patch's central 12×12 cells, so that every cell prints its number
    # (issue 9 item 5); the default patch is 16×16.
    patch = image_source.current_patch(12, session=session)
    assert any(z.shape == patch.shape and np.allclose(z, patch, atol=1e-6)
               for z in heatmaps(at))


def test_the_session_image_is_offered_first_for_a_patch():
    at = open_page(YOUR_IMAGE)
    at.switch_page(POOLING).run()
    at.radio(key="pool_in_source").set_value("patch").run()
    assert_clean(at)
    assert at.selectbox(key="pool_in_patch_image").options[0].startswith("Your image")


def _png(height: int = 40, width: int = 50) -> bytes:
    import io

    from PIL import Image

    pixels = (np.arange(height * width).reshape(height, width) % 256).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def _upload_gone_shown(at: AppTest) -> bool:
    return any(i.value == image_source.UPLOAD_GONE for i in at.info)


def test_a_link_made_with_an_upload_says_the_photo_is_gone_on_another_server():
    at = open_page(YOUR_IMAGE)
    at.file_uploader(key="img_upload").set_value(("mine.png", _png(), "image/png")).run()
    assert_clean(at)
    link = link_of(at)
    assert link["src"] == "upload" and "sample" not in link
    assert not _upload_gone_shown(at)
    fresh = open_page(YOUR_IMAGE, link)  # a new session: the restarted server of a reconnect
    assert _upload_gone_shown(fresh)
    assert fresh.session_state[image_source.CURRENT_KEY].source == "sample"
    fresh.toggle(key="img_relu").set_value(False).run()  # said once, not on every rerun
    assert not _upload_gone_shown(fresh)


def test_a_link_with_a_sample_says_nothing_about_uploads():
    at = open_page(YOUR_IMAGE, {"sample": "house.png"})
    assert not _upload_gone_shown(at)
    assert "src" not in link_of(at)
