"""AppTest for the pooling page, reached through app.py's navigation.

The seeds' numbers (d2l 5.5, MXNet) must appear on the page for every preset; settings
PyTorch refuses must be explained (never a traceback); every shown number must agree with
PyTorch in float64.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from streamlit.testing.v1 import AppTest

from convcore import format_number
from ui.controls import format_grid

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/pooling.py"
TIMEOUT = 120  # the machine is shared; first runs build figures


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def output_line(at: AppTest) -> str:
    lines = [t for t in texts(at) if t.startswith("Output: ")]
    assert len(lines) == 1, texts(at)
    return lines[0]


def animation(at: AppTest) -> dict:
    """The first Plotly chart's figure: the pooling animation."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def frame_texts(fig: dict) -> list[str]:
    """Per frame, the arithmetic the frame writes into the step annotation."""
    return [frame["layout"]["annotations"][0]["text"] for frame in fig["frames"]]


def frame_winner(fig: dict, k: int) -> tuple[float, float]:
    """Centre (row, col) of the winner outline (shape ``highlight:0``) in frame ``k``."""
    shape = fig["frames"][k]["layout"]["shapes"][
        fig["layout"]["meta"]["dynamic"].index("highlight:0")]
    return (shape["y0"] + shape["y1"]) / 2, (shape["x0"] + shape["x1"]) / 2


def set_numbers(at: AppTest, **values) -> AppTest:
    for key, value in values.items():
        at.number_input(key=key).set_value(value)
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ------------------------------------------------------------------------------ defaults


def test_page_opens_on_the_seeds_first_example():
    at = open_page()
    clean(at)
    assert not at.error and not at.warning
    assert output_line(at) == "Output: `[[4, 5], [7, 8]]`"
    fig = animation(at)
    assert len(fig["frames"]) == 4
    assert frame_texts(fig)[0] == "out[0, 0] = max(0, 1, 3, <b>4</b>) = 4"
    assert fig["layout"]["meta"]["winners"] == [[4], [5], [7], [8]]
    assert [frame_winner(fig, k) for k in range(4)] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert fig["layout"]["annotations"][0]["text"] == frame_texts(fig)[0]
    assert any(c.value.startswith("Seeds' example: `pool2d(X, (2, 2))") for c in at.caption)
    assert at.checkbox(key="pool_stride_auto").value is False


def test_stride_defaults_to_the_window_when_ticked():
    at = open_page()
    at.checkbox(key="pool_stride_auto").check().run()
    clean(at)
    # 3×3 input, 2×2 window, stride 2: one window; the last row and column are never reached
    assert output_line(at) == "Output: `[[4]]`"
    assert at.number_input(key="pool_sh").value == 2 and at.number_input(key="pool_sh").disabled
    code = "\n".join(c.value for c in at.code)
    assert "the last 1 padded row along the height is never reached" in code


# ------------------------------------------------------------------------------ presets

PRESET_RESULTS = {
    "max2": ("[[4, 5], [7, 8]]", "out[0, 0] = max(0, 1, 3, <b>4</b>) = 4"),
    "avg2": ("[[2, 3], [5, 6]]", "out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2"),
    "win3": ("[[10]]", "out[0, 0] = max(0, 1, 2, 4, 5, 6, 8, 9, <b>10</b>) = 10"),
    "pad1": ("[[5, 7], [13, 15]]", "out[0, 0] = max(0, 1, 4, <b>5</b>) = 5"),
    "two": ("[[[5, 7], [13, 15]], [[6, 8], [14, 16]]]", "out[0, 0] = max(0, 1, 4, <b>5</b>) = 5"),
}


@pytest.mark.parametrize("preset", PRESET_RESULTS, ids=PRESET_RESULTS)
def test_presets_show_the_seeds_numbers(preset):
    at = open_page()
    at.button(key=f"pool_preset_{preset}").click().run()
    clean(at)
    assert not at.error
    expected, first_step = PRESET_RESULTS[preset]
    assert output_line(at) == f"Output: `{expected}`"
    assert frame_texts(animation(at))[0].split("<br>")[0] == first_step
    assert any(c.value.startswith("Seeds' example:") for c in at.caption)


def test_two_channel_preset_animates_either_channel_and_shows_both():
    at = open_page()
    at.button(key="pool_preset_two").click().run()
    assert len(at.get("plotly_chart")) == 5  # animation, channels, 2 shift grids, bars
    channels = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert channels["layout"]["meta"]["panels"] == ["in0", "in1", "out0", "out1"]
    at.radio(key="pool_anim_channel").set_value(1).run()
    clean(at)
    assert frame_texts(animation(at))[0].split("<br>")[0] == \
        "out[0, 0] = max(1, 2, 5, <b>6</b>) = 6"


def test_mxnet_preset_is_explained_with_the_nearest_valid_setting():
    at = open_page()
    at.button(key="pool_preset_mxnet").click().run()
    clean(at)
    assert len(at.error) == 1
    assert "padding 2 is more than half the 2×3 pooling window" in at.error[0].value
    page = "\n".join(texts(at))
    assert ("MXNet, the seeds' framework, only checks that the window fits in the padded "
            "input (kernel ≤ n + 2·pad)") in page
    assert "**Nearest valid setting:** padding (1, 1) → `[[1, 3], [9, 11], [13, 15]]`" in page
    assert "it is what MXNet computes: `[[0, 3], [8, 11], [12, 15]]`" in page
    seeds = "nn.MaxPool2D((2, 3), padding=(1, 2), strides=(2, 3))"
    assert any(seeds in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 3  # no animation: only the invariance charts
    at.button(key="pool_fix_padding").click().run()
    clean(at)
    assert not at.error
    assert output_line(at) == "Output: `[[1, 3], [9, 11], [13, 15]]`"


# ------------------------------------------------------------------------------ invalid


@pytest.mark.parametrize(("numbers", "message"), [
    (dict(pool_ph=2), "padding 2 is more than half the 2×2 pooling window"),
    (dict(pool_kh=8), "the 8×2 kernel is larger than the 3×3 input"),
    (dict(pool_kw=5, pool_pw=3), "padding 3 is more than half"),
], ids=["pad-over-half", "window-too-tall", "wide-pad-over-half"])
def test_invalid_settings_are_explained_not_raised(numbers, message):
    at = set_numbers(open_page(), **numbers)
    clean(at)
    assert len(at.error) == 1 and message in at.error[0].value
    assert not [t for t in texts(at) if t.startswith("Output: ")]


def test_too_much_padding_with_average_suggests_padding_by_hand():
    at = open_page()
    at.radio(key="pool_kind").set_value("avg").run()
    set_numbers(at, pool_ph=2, pool_pw=2)
    clean(at)
    page = "\n".join(texts(at))
    assert "pad the input by hand with 0 first" in page
    assert "Nearest valid setting:** padding (1, 1)" in page


# ------------------------------------------------------------------------------ torch


def torch_result(x: np.ndarray, kind: str, **kwargs) -> np.ndarray:
    t = torch.tensor(x, dtype=torch.float64)[None, None]
    fn = {"max": F.max_pool2d, "avg": F.avg_pool2d, "lp": F.lp_pool2d}[kind]
    return fn(t, **kwargs)[0, 0].numpy()


def shown_output(at: AppTest) -> np.ndarray:
    return np.array(json.loads(output_line(at).removeprefix("Output: `").rstrip("`")))


def test_average_without_counted_padding_and_ceil_mode_matches_pytorch():
    at = open_page()
    at.button(key="pool_preset_pad1").click().run()
    at.radio(key="pool_kind").set_value("avg").run()
    at.checkbox(key="pool_count_pad").uncheck().run()
    at.checkbox(key="pool_ceil").check().run()
    clean(at)
    expected = torch_result(np.arange(16.0).reshape(4, 4), "avg", kernel_size=3, stride=2,
                            padding=1, ceil_mode=True, count_include_pad=False)
    np.testing.assert_allclose(shown_output(at), expected, atol=5e-4)
    assert animation(at)["layout"]["meta"]["divisors"] == [4, 6, 2, 6, 9, 3, 2, 3, 1]
    assert "count_include_pad=False" in "\n".join(c.value for c in at.code)


def test_lp_pooling_matches_pytorch_and_ignores_padding():
    at = open_page()
    at.button(key="pool_preset_pad1").click().run()  # padding 1 is set
    at.radio(key="pool_kind").set_value("lp").run()
    clean(at)
    assert at.number_input(key="pool_ph").disabled
    expected = torch_result(np.arange(16.0).reshape(4, 4), "lp", norm_type=2.0, kernel_size=3,
                            stride=2)
    np.testing.assert_allclose(shown_output(at), expected, rtol=1e-3)
    assert frame_texts(animation(at))[0].startswith("out[0, 0] = (0² + 1² + 2² + 4²")


def test_dilated_max_pooling_matches_pytorch():
    at = open_page()
    at.button(key="pool_preset_win3").click().run()
    set_numbers(at, pool_kh=2, pool_kw=2, pool_dh=2, pool_dw=2)
    at.checkbox(key="pool_stride_auto").uncheck().run()
    set_numbers(at, pool_sh=1, pool_sw=1)
    clean(at)
    x = np.arange(16.0).reshape(4, 4)
    expected, indices = F.max_pool2d(torch.tensor(x)[None, None], 2, 1, dilation=2,
                                     return_indices=True)
    np.testing.assert_array_equal(shown_output(at), expected[0, 0].numpy())
    winners = animation(at)["layout"]["meta"]["winners"]
    assert winners == [[int(k)] for k in indices.flatten()]


# ------------------------------------------------------------------------------ invariance


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_translation_invariance_numbers_on_the_d2l_edge_image():
    at = open_page()
    # defaults: shift left by 1 px, 2×2 max pooling with stride = window (PyTorch's default)
    assert metrics(at) == {"Convolution: cells changed": "57%",
                           "After pooling: cells changed": "0%",
                           "Convolution: mean |change|": "0.5714",
                           "After pooling: mean |change|": "0"}
    bars = json.loads(at.get("plotly_chart")[3].proto.spec)
    assert [round(v) for v in bars["data"][0]["y"]] == [57, 43, 43]
    assert [round(v) for v in bars["data"][1]["y"]] == [0, 33, 33]
    # a shift that carries the edge across a window border does change the pooled map
    at.radio(key="pool_ti_dir").set_value("right").run()
    clean(at)
    assert metrics(at)["After pooling: cells changed"] == "67%"
    at.radio(key="pool_ti_dir").set_value("down").run()
    clean(at)
    # the edges are vertical: moving the image down changes nothing
    assert metrics(at)["Convolution: cells changed"] == "0%"
    assert metrics(at)["After pooling: cells changed"] == "0%"


def test_translation_settings_that_leave_nothing_are_explained():
    at = open_page()
    at.selectbox(key="pool_ti_in_preset").select("arange").run()  # 3×3 input
    at.slider(key="pool_ti_window").set_value(4).run()
    clean(at)
    assert any("Nothing to compare" in w.value for w in at.warning)


# ------------------------------------------------------------------------------ photo


def test_photo_is_pooled_side_by_side_with_its_sizes():
    at = open_page()
    captions = [image.proto.imgs[0].caption for image in at.get("image")]
    assert captions[0] == "Input: 256×192 px (shrunk from 512×384 px for display)"
    assert captions[1].startswith("Max pooled: 64×48 px (16× fewer pixels)")
    assert captions[2].startswith("Average pooled: 64×48 px")
    assert captions[3].startswith("Every 4th pixel: 64×48 px")
    at.select_slider(key="pool_photo_window").set_value(8).run()
    clean(at)
    assert at.get("image")[1].proto.imgs[0].caption.startswith(
        "Max pooled: 32×24 px (64× fewer pixels)")


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_upload_good_and_bad():
    at = open_page()
    at.selectbox(key="pool_photo_image").select("Upload your own…").run()
    clean(at)
    at.file_uploader(key="pool_photo_upload").set_value(("notes.png", b"not an image",
                                                         "image/png")).run()
    clean(at)
    assert any("notes.png" in e.value for e in at.error)
    at.file_uploader(key="pool_photo_upload").set_value(("red.png", png_bytes(),
                                                         "image/png")).run()
    clean(at)
    captions = [image.proto.imgs[0].caption for image in at.get("image")]
    assert captions[0] == "Input: 40×30 px"
    assert captions[1].startswith("Max pooled: 10×7 px")


# ------------------------------------------------------------------------------ issue 18


def type_input(at: AppTest, values) -> AppTest:
    at.radio(key="pool_in_source").set_value("typed").run()
    at.text_area(key="pool_in_text").set_value(format_grid(np.asarray(values, float))).run()
    clean(at)
    return at


def shown_text(at: AppTest) -> str:
    parts = [*texts(at), *(c.value for c in at.caption), *(w.value for w in at.warning),
             *(c.value for c in at.code)]
    return "\n".join(parts)


@pytest.mark.parametrize(("p", "window", "nan"), [
    pytest.param(1.0, [[-1, -2], [-3, 4]], False, id="p1-signed-sum"),
    pytest.param(2.5, [[-1, -2], [-3, 4]], True, id="p2.5-negative-value"),
    pytest.param(3.0, [[-5, 1], [1, 1]], True, id="p3-negative-sum"),
    pytest.param(2.0, [[-1, -2], [-3, 4]], False, id="p2-l2-norm"),
])
def test_lp_on_signed_values_is_explained_and_no_nan_goes_unexplained(p, window, nan):
    at = type_input(open_page(), window)
    at.radio(key="pool_kind").set_value("lp").run()
    set_numbers(at, pool_p=p)
    clean(at)
    expected = F.lp_pool2d(torch.tensor(window, dtype=torch.float64)[None, None], p, 2)
    assert bool(torch.isnan(expected).any()) is nan
    shown = output_line(at)
    assert ("nan" in shown) is nan
    if not nan:
        assert shown == f"Output: `[[{format_number(expected.item())}]]`"
    assert any("on the signed values" in c.value for c in at.caption)  # the Lp caveat
    assert any("**NaN**" in w.value for w in at.warning) is nan


def test_a_dilated_window_on_padding_alone_is_explained_not_shown_bare():
    """Issue 18, item 2: padding 1 on a 2×2 window is allowed, yet with dilation 4 on the 3×3
    input the only window's taps all land on padding: PyTorch gives −∞."""
    at = open_page()
    set_numbers(at, pool_ph=1, pool_pw=1, pool_dh=4, pool_dw=4)
    clean(at)
    expected = F.max_pool2d(torch.arange(9.0, dtype=torch.float64).view(1, 1, 3, 3), 2, 1, 1, 4)
    assert torch.isneginf(expected).all()
    assert "-inf" in output_line(at) or "−∞" in output_line(at)
    assert any("**−∞** in the output" in w.value for w in at.warning)


def test_too_much_padding_says_the_half_window_limit_is_a_rule_and_states_mxnets_rule():
    at = open_page()
    set_numbers(at, pool_kh=3, pool_kw=3, pool_ph=2, pool_pw=2)
    clean(at)
    why = next(t for t in texts(at) if t.startswith("**Why.**"))
    assert "It is a rule, not a necessity" in why
    assert "kernel ≤ n + 2·pad" in why and "count_include_pad=True" in why
    assert "a max of nothing" not in why
    # the page's explicit-padding numbers (MXNet's): every window has a real cell
    row = next(t for t in texts(at) if t.startswith("**The seeds' numbers"))
    assert "inf" not in row
    assert "PyTorch allows at most 1. This is PyTorch's rule" in at.error[0].value


def test_translation_section_says_what_equivariance_implies():
    text = shown_text(open_page())
    assert "almost every output cell changes" not in text
    assert "shifts by the same amount" in text
    assert "⋆: cross-correlation" in text


def image_captions(at: AppTest) -> list[str]:
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


def test_photo_subsampling_caption_uses_ordinals():
    at = open_page()
    assert any(c.startswith("Every 4th pixel") for c in image_captions(at)), image_captions(at)
    at.select_slider(key="pool_photo_window").set_value(2).run()
    assert any(c.startswith("Every 2nd pixel") for c in image_captions(at)), image_captions(at)


# ------------------------------------------------------------------------------ presenter mode


def _layout(node, inside: str = "") -> list[tuple[str, str, str]]:
    """(type, label or key, enclosing expander's label) of the page's elements, in order."""
    found = []
    for child in getattr(node, "children", {}).values():
        kind = getattr(child, "type", "")
        name = (getattr(child, "label", None) or getattr(child, "key", None)
                or (child.value if kind == "title" else ""))
        if kind in ("title", "radio", "plotly_chart", "button", "number_input", "expander"):
            found.append((kind, str(name), inside))
        found += _layout(child, str(name) if kind == "expander" else inside)
    return found


def test_presenter_mode_puts_the_animation_right_under_one_row_of_controls():
    """Issue 9, item 1: a projector layout, not a font size — the title, the kind of pooling,
    then the animation; the presets and the other settings folded away (still drawn, so
    that their values and the link survive), the introduction hidden."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["present"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    clean(at)
    layout = _layout(at.main)
    assert [(kind, name) for kind, name, _where in layout[:3]] == [
        ("title", "Pooling"), ("radio", "Summary of each window"),
        ("plotly_chart", "pool_animation_chart")]
    folded = "Presets, input and window settings"
    for key in ("pool_preset_mxnet", "pool_kh", "pool_sw", "pool_ph", "pool_dw"):
        label = (at.button(key=key) if key.startswith("pool_preset") else
                 at.number_input(key=key)).label
        assert (label, folded) in {(name, where) for _kind, name, where in layout}, key
    assert not any("no weights" in m.value for m in at.markdown)
    # The animation is built for a projector: larger cells, numbers ≥ 24 px where they fit.
    fig = animation(at)
    cell_px = fig["layout"]["meta"]["cell_px"]
    assert cell_px > 72
    sizes = [t["textfont"]["size"] for t in fig["data"] if t.get("type") == "heatmap"
             and t.get("textfont", {}).get("size")]
    assert sizes and min(sizes) >= 24


def test_presenter_mode_keeps_the_kind_in_the_link_and_the_numbers():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["present"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    at.radio(key="pool_kind").set_value("avg").run()
    clean(at)
    assert output_line(at) == "Output: `[[2, 3], [5, 6]]`"
    assert frame_texts(animation(at))[0].startswith("out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2")


# ------------------------------------------------------------------------------ accessibility


def _elements(node, kind: str) -> list:
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", "") == kind:
            found.append(child)
        found += _elements(child, kind)
    return found


def test_every_photo_has_an_alt_text_saying_what_it_shows():
    """Issue 11: axe found four pictures with no alt on this page (a caption is not one)."""
    at = open_page()
    images = [img for element in _elements(at.main, "image") for img in element.proto.imgs]
    assert len(images) == 4
    alts = [img.alt for img in images]
    assert all(alts) and len(set(alts)) == 4
    assert "brightest pixel" in alts[1] and "4×4" in alts[1]
    assert "mean" in alts[2] and "top-left pixel" in alts[3]


def test_the_grids_are_also_tables_with_the_numbers_convcore_computed():
    """Issue 11: a heatmap tells a screen reader nothing; each grid is a table too, and the
    numbers in the tables are convcore's (checked against PyTorch)."""
    at = open_page()
    tables = ["<table" + t for h in _elements(at.main, "html")
              for t in h.proto.body.split("<table")[1:] if "a11y-grid" in t]
    captions = [t.split("<caption>")[1].split("</caption>")[0] for t in tables]
    assert captions[:3] == ["Input 3×3", "Output 2×2",
                            "Winner index (row × width + column) of each output cell"]
    x = torch.arange(9.0, dtype=torch.float64).reshape(1, 1, 3, 3)
    values, indices = F.max_pool2d(x, 2, stride=1, return_indices=True)
    for table, expected in ((tables[1], values), (tables[2], indices)):
        cells = [c.split("<")[0] for c in table.split("<tbody>")[1].split("<td>")[1:]]
        assert cells == [format_number(float(v)) for v in expected.flatten()]
    assert 'scope="row">row 0<' in tables[0] and 'scope="col">column 1<' in tables[0]
    assert any("X ⋆ K of the shifted input" in c for c in captions)
