"""AppTest for the channels page, reached through app.py's navigation.

Defaults run clean; the seeds' numbers appear (56 and [[56, 72], [104, 120]], the K, K+1, K+2
outputs, the 1×1 check); settings that cannot work are explained, never a traceback. The
numbers on screen are compared with PyTorch in float64.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from ui import image_source

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/channels.py"
TIMEOUT = 120  # the machine is shared; first runs build figures

SEED_X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
                   [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=float)
SEED_K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=float)


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    clean(at)
    return at


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def codes(at: AppTest) -> str:
    return "\n".join(c.value for c in at.code)


def messages(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if element.proto.id and key in element.proto.id:
            return spec
    raise AssertionError(f"no chart with key {key!r}")


def headline(at: AppTest) -> str:
    """The pipeline's headline: the text of the page's live region (role="status")."""
    found = [re.sub(r"<[^>]+>", "", html.unescape(element.proto.body))
             for element in at.get("html") if 'role="status"' in element.proto.body]
    assert len(found) == 1, found
    return found[0].strip()


def open_tab(at: AppTest) -> int:
    """The index of the tab the browser shows (the tab container's selected tab)."""
    found = [node.proto.tab_container.default_tab_index for node in walk(at._tree)
             if getattr(node, "type", "") == "tab_container"]
    assert len(found) == 1, found
    return found[0]


def walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


def image_captions(at: AppTest) -> list[str]:
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


def torch_conv(x, w, b=None) -> np.ndarray:
    bt = None if b is None else torch.tensor(b, dtype=torch.float64)
    return F.conv2d(torch.tensor(x)[None], torch.tensor(w), bt)[0].numpy()


@pytest.fixture(scope="module")
def page() -> AppTest:
    """One opened page for the read-only checks of the defaults."""
    return open_page()


# ------------------------------------------------------------------------------ defaults


def test_defaults_run_clean(page):
    clean(page)
    assert not page.error, messages(page, "error")
    assert not page.warning, messages(page, "warning")
    # Plain labels (no emoji: a system without an emoji font shows empty boxes), short
    # enough for a 1280 px projector (issue 9 item 11).
    assert [t.label for t in page.tabs] == [
        "Many inputs → one output", "Many outputs", "1×1 convolution", "Groups & depthwise",
        "RGB photo"]
    assert open_tab(page) == 0


def test_seed_multi_input_shows_56_and_its_arithmetic(page):
    expected = torch_conv(SEED_X, SEED_K[None])[0]
    np.testing.assert_array_equal(expected, [[56, 72], [104, 120]])
    text = markdown(page)
    assert headline(page) == "Output cell (0, 0) = 56"
    assert "`[[56, 72], [104, 120]]`" in text
    code = codes(page)
    # long sums break before a "+" term, never between "=" and the result
    assert "channel 0: 0×0 + 1×1 + 3×2\n  + 4×3 = 19" in code
    assert "channel 1: 1×1 + 2×2 + 4×3\n  + 5×4 = 37" in code
    assert "out[0, 0] = 19 + 37 = 56" in code
    assert "(0×0 + 1×1 + 3×2 + 4×3)\n  + (1×1 + 2×2 + 4×3 + 5×4) = 56" in code
    # The seeds' own order, channel 1 first, is on the page too.
    captions = "\n".join(c.value for c in page.caption)
    assert "(1×1 + 2×2 + 4×3 + 5×4) + (0×0 + 1×1 + 3×2 + 4×3) = 56" in captions


def test_seed_pipeline_chart_holds_the_partial_maps(page):
    fig = chart(page, "channels_mi_chart")
    assert fig["layout"]["meta"]["panels"] == ["x0", "x1", "k0", "k1", "p0", "p1", "sum",
                                               "bias", "out"]
    names = [t.get("name") for t in fig["data"]]
    assert "window:x0" in names and "cell:out" in names


def test_seed_multi_output_bank(page):
    bank = np.stack([SEED_K, SEED_K + 1, SEED_K + 2])
    expected = torch_conv(SEED_X, bank)
    code = codes(page)
    for o, name in enumerate(("Y[0]", "Y[1]", "Y[2]")):
        rows = ", ".join("[" + ", ".join(str(int(v)) for v in row) + "]" for row in expected[o])
        assert f"{name} = [{rows}]" in code
    assert "Y[1] = [[76, 100], [148, 172]]" in code
    assert "Y[2] = [[96, 128], [192, 224]]" in code
    text = markdown(page)
    layer = torch.nn.Conv2d(2, 3, 2, bias=False)
    assert tuple(layer.weight.shape) == (3, 2, 2, 2)
    assert "= **(3, 2, 2, 2)**" in text
    assert "24 weights = **24**" in text
    assert "= **96**" in text


def test_seed_1x1_check_shows_the_norm(page):
    text = markdown(page)
    line = next(t for t in text.splitlines() if t.startswith("**‖Y₁ − Y₂‖ = "))
    value = float(line.removeprefix("**‖Y₁ − Y₂‖ = ").split("**")[0])
    # In words (an emoji check mark is an empty box where the system has no emoji font).
    assert value < 1e-6 and "(below 1e-6: the same numbers)" in line
    assert "Weight (2, 3, 1, 1): **6** parameters" in text


def test_groups_defaults(page):
    assert page.selectbox(key="channels_g_groups").options == ["1", "2", "4"]
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Weight shape"] == "(8, 4, 3, 3)"
    assert metrics["Parameters"] == "296"
    assert metrics["Multiply-adds"] == f"{8 * 4 * 9 * 32 * 32:,}"


def test_photo_defaults_show_three_planes_and_their_sum(page):
    assert image_captions(page) == ["sample house.png: 384×512 shrunk to 24×32"]
    fig = chart(page, "channels_photo_chart")
    assert fig["layout"]["meta"]["rows"] == [["x0", "x1", "x2"], ["p0", "p1", "p2"], ["out"]]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert any("X[R]" in t for t in titles) and any("X[B]" in t for t in titles)
    # issue 18: the same slice on R, G, B cancels where R + G + B matches, not "brightness"
    captions = [c.value for c in page.caption if c.value.startswith("Top: the R, G, B planes")]
    assert len(captions) == 1 and "the sum is K ⋆ (R + G + B)" in captions[0]
    assert "same brightness" not in captions[0]


# ------------------------------------------------------------------------------ interaction


def test_bias_and_output_cell_change_the_sum():
    at = open_page()
    at.number_input(key="channels_mi_bias").set_value(1.0)
    at.number_input(key="channels_mi_i").set_value(1)
    at.number_input(key="channels_mi_j").set_value(1)
    at.run()
    clean(at)
    expected = torch_conv(SEED_X, SEED_K[None], [1.0])[0]
    assert expected[1, 1] == 121
    assert headline(at) == "Output cell (1, 1) = 121"
    assert "out[1, 1] = 43 + 77 + 1 = 121" in codes(at)
    assert "`[[57, 73], [105, 121]]`" in markdown(at)


def test_other_examples_and_channel_buttons():
    at = open_page()
    at.selectbox(key="channels_mi_example").select("three").run()
    clean(at)
    x = np.stack([np.array([[float(v) for v in line.split()]
                            for line in at.text_area(key=f"channels_mi_x{c}").value.splitlines()])
                  for c in range(3)])
    k = np.stack([np.array([[float(v) for v in line.split()]
                            for line in at.text_area(key=f"channels_mi_k{c}").value.splitlines()])
                  for c in range(3)])
    expected = torch_conv(x, k[None])[0]
    first = int(expected[0, 0]) if expected[0, 0].is_integer() else expected[0, 0]
    assert headline(at) == f"Output cell (0, 0) = {first}".replace("-", "−")
    at.button(key="channels_mi_add").click().run()
    clean(at)
    assert at.text_area(key="channels_mi_x3").value
    assert "channel 3: " in codes(at)
    at.button(key="channels_mi_remove").click().run()
    at.button(key="channels_mi_remove").click().run()
    clean(at)
    assert "channel 2: " not in codes(at) and "channel 1: " in codes(at)


def test_padding_shows_a_padded_pipeline():
    at = open_page()
    at.radio(key="channels_mi_geo_padding").set_value("full").run()
    clean(at)
    expected = torch_conv(np.pad(SEED_X, ((0, 0), (1, 1), (1, 1))), SEED_K[None])[0]
    assert expected.shape == (4, 4)
    assert headline(at) == f"Output cell (0, 0) = {int(expected[0, 0])}"
    fig = chart(at, "channels_mi_chart")
    assert {s["name"] for s in fig["layout"]["shapes"]} >= {"x0:hatch", "x1:hatch"}


@pytest.mark.parametrize(("key", "text", "words"), [
    pytest.param("channels_mi_x1", "1 2 x", 'is "x", which is not a number', id="not-a-number"),
    pytest.param("channels_mi_x1", "1 2\n3 4", "Every input channel must have the same size",
                 id="channel-sizes"),
    pytest.param("channels_mi_k0", "1 2 3\n4 5 6", "Every kernel slice must have the same size",
                 id="slice-sizes"),
])
def test_bad_numbers_are_explained(key, text, words):
    at = open_page()
    at.text_area(key=key).input(text).run()
    clean(at)
    assert any(words in e for e in messages(at, "error")), messages(at, "error")


def test_kernel_larger_than_the_input_is_explained():
    at = open_page()
    big = "1 1 1 1\n1 1 1 1\n1 1 1 1\n1 1 1 1"
    at.text_area(key="channels_mi_k0").input(big)
    at.text_area(key="channels_mi_k1").input(big)
    at.run()
    clean(at)
    warnings = messages(at, "warning")
    assert any("cannot work" in w and "larger" in w for w in warnings), warnings


def test_more_output_channels_and_bias_count():
    at = open_page()
    at.slider(key="channels_mo_out").set_value(4)
    at.toggle(key="channels_mo_bias").set_value(True)
    at.run()
    clean(at)
    text = markdown(at)
    assert "= **(4, 2, 2, 2)**" in text
    assert "32 weights + 4 biases = **36**" in text
    assert "Y[3] = [[116, 156], [236, 276]]" in codes(at)


def test_1x1_integers_pixel_arithmetic():
    at = open_page()
    at.radio(key="channels_mx_kind").set_value("integers")
    at.selectbox(key="channels_mx_pixel").set_value((1, 2))
    at.run()
    clean(at)
    assert "(below 1e-6: the same numbers)" in markdown(at)
    assert "Y[0, 1, 2] = " in codes(at) and "Y[1, 1, 2] = " in codes(at)
    at.number_input(key="channels_mx_out").set_value(4).run()
    clean(at)
    assert "Y[3, 1, 2] = " in codes(at)


def test_groups_that_stop_dividing_are_explained():
    at = open_page()
    at.selectbox(key="channels_g_groups").select(4).run()
    assert {m.label: m.value for m in at.metric}["Weight shape"] == "(8, 1, 3, 3)"
    at.number_input(key="channels_g_in").set_value(6).run()
    clean(at)
    warnings = messages(at, "warning")
    assert any("groups=4 does not divide the 6 input channels" in w for w in warnings), warnings
    assert at.selectbox(key="channels_g_groups").value == 1
    assert at.selectbox(key="channels_g_groups").options == ["1", "2"]
    layer = torch.nn.Conv2d(6, 8, 3)
    assert {m.label: m.value for m in at.metric}["Parameters"] == \
        f"{sum(p.numel() for p in layer.parameters()):,}"


def test_depthwise_button():
    at = open_page()
    at.number_input(key="channels_g_in").set_value(3)
    at.number_input(key="channels_g_out").set_value(7)
    at.run()
    at.button(key="channels_g_depthwise").click().run()
    clean(at)
    assert at.number_input(key="channels_g_out").value == 6
    assert at.selectbox(key="channels_g_groups").value == 3
    layer = torch.nn.Conv2d(3, 6, 3, groups=3)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Weight shape"] == str(tuple(layer.weight.shape))
    assert metrics["Parameters"] == f"{sum(p.numel() for p in layer.parameters()):,}"
    assert metrics["Connections"] == "6 of 18"


def test_photo_upload_of_a_non_image_is_explained():
    at = open_page()
    at.selectbox(key="channels_photo_image").select("Upload your own…").run()
    clean(at)
    at.file_uploader(key="channels_photo_upload").set_value(
        ("notes.png", b"this is not a picture", "image/png")).run()
    clean(at)
    assert any("notes.png" in e for e in messages(at, "error")), messages(at, "error")


def test_photo_kernels_of_different_sizes_are_explained():
    at = open_page()
    at.toggle(key="channels_photo_each").set_value(True).run()
    at.selectbox(key="channels_photo_kg_preset").select("gaussian_blur_5x5").run()
    clean(at)
    errors = messages(at, "error")
    assert any("must have the same size" in e and "G is 5×5" in e for e in errors), errors


def test_the_session_image_and_its_patch_are_offered_first():
    from ui import image_source

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    session: dict = {}
    rgb = np.zeros((3, 40, 50))
    rgb[0, :, 25:] = 1.0  # red on the right half: a vertical edge in R only
    image_source.set_current_image("my drawing", rgb, session=session)
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    clean(at)
    photo = at.selectbox(key="channels_photo_image")
    assert photo.value == "current"
    assert photo.options[:2] == ["my drawing (your image)", "the patch of my drawing"]
    assert image_captions(at) == ["my drawing: 40×50 shrunk to 26×32"]
    fig = chart(at, "channels_photo_chart")
    assert fig["layout"]["meta"]["rows"][0] == ["x0", "x1", "x2"]
    photo.select_index(1).run()
    clean(at)
    caption = image_captions(at)[0]
    assert caption.startswith("16×16 cells from rows") and "of my drawing" in caption


# ------------------------------------------------------------------------------ sections


def open_link(path: str = PAGE, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(path).run()
    clean(at)
    return at


@pytest.mark.parametrize(("code", "index", "label"), [
    pytest.param("inputs", 0, "Many inputs → one output", id="inputs"),
    pytest.param("outputs", 1, "Many outputs", id="outputs"),
    pytest.param("mix", 2, "1×1 convolution", id="1x1"),
    pytest.param("groups", 3, "Groups & depthwise", id="groups"),
    pytest.param("photo", 4, "RGB photo", id="photo"),
])
def test_a_prepared_link_opens_its_section(code, index, label):
    """Issue 9 item 3: the page always opened on its first tab."""
    at = open_link(tab=code)
    assert open_tab(at) == index
    assert at.tabs[index].label == label
    assert at.session_state["channels_section"] == code
    # The link the page writes back names the section (the default one is left out).
    assert at.query_params.get("tab") == (code if code != "inputs" else None)


def test_a_link_restores_a_section_and_its_settings_in_chinese():
    at = open_link(tab="groups", gi="6", go="6", g="3", lang="zh")
    assert open_tab(at) == 3
    assert [t.label for t in at.tabs] == ["多输入通道 → 一个输出通道", "多输出通道", "1×1 卷积层",
                                          "分组与逐通道卷积", "RGB 照片"]
    assert at.selectbox(key="channels_g_groups").value == 3
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["权重形状"] == "(6, 2, 3, 3)"


def test_a_bad_section_in_a_link_is_named_and_the_first_tab_opens():
    at = open_link(tab="nonsense")
    assert open_tab(at) == 0
    notices = " ".join(messages(at, "info"))
    assert "section" in notices and "nonsense" in notices, notices


def test_open_in_channels_from_your_image_opens_the_rgb_photo_on_the_patch():
    """Issue 9 item 5: "Open in channels" landed on the d2l 56 example."""
    from ui import image_source

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    session: dict = {}
    rgb = np.zeros((3, 40, 50))
    rgb[1, 10:30, 10:30] = 1.0
    image_source.set_current_image("my drawing", rgb, session=session)
    image_source.request_patch_on(PAGE, session=session)
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    clean(at)
    assert open_tab(at) == 4
    assert at.selectbox(key="channels_photo_image").value == "patch"
    assert image_captions(at)[0].startswith("16×16 cells from rows")
    # The section is in the page's link, for sharing what the class sees; the hand-over is
    # taken once, and a rerun stays where it is.
    assert at.query_params.get("tab") == "photo"
    at.run()
    clean(at)
    assert open_tab(at) == 4 and at.selectbox(key="channels_photo_image").value == "patch"


def test_link_settings_reach_the_widgets_without_a_duplicate_default(monkeypatch):
    """Widgets a link sets get their default from session state only (no ``value=``):
    Streamlit warns on the server when a widget has both."""
    from streamlit.elements.lib import policies

    warned: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning",
                        lambda message, *args, **kwargs: warned.append(message % args))
    at = open_link(b="2", mo="2", mob="true", xi="2", xo="1", xh="2", xw="4", gi="2",
                   go="4", gk="5", gs="8", gb="false", side="16")
    assert at.number_input(key="channels_mi_bias").value == 2
    assert at.slider(key="channels_mo_out").value == 2
    assert at.number_input(key="channels_g_size").value == 8
    assert at.selectbox(key="channels_g_k").value == 5
    assert headline(at) == "Output cell (0, 0) = 58"
    assert warned == []


def test_1x1_figure_shows_x_as_three_planes_with_its_numbers(page):
    """Issue 9 item 9: X had no numbers and was never drawn as its channel planes."""
    fig = chart(page, "channels_mx_chart")
    assert fig["layout"]["meta"]["rows"][0] == ["x0", "x1", "x2"]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert "<b>X[2]</b> input channel" in titles
    planes = [t for t in fig["data"] if t.get("name", "").startswith("x")
              and t["name"].endswith(":values")]
    assert len(planes) == 3
    for t in planes:
        assert t.get("texttemplate") == "%{text}"
        texts = [v for row in t["text"] for v in row]
        assert len(texts) == 9 and all(texts)
        assert all(0 <= float(v) < 1 and len(v) <= 4 for v in texts), texts


# ------------------------------------------------------------------------------ presenter


def test_presenter_mode_puts_a_projector_sized_figure_under_one_row_of_controls():
    """Issue 9 item 1: in presenter mode the figure starts right under the controls, its
    cells and numbers sized for a projector; the explanations are folded below it."""
    at = open_link(present="1")
    text = markdown(at)
    assert "Real inputs have **channels**" not in text  # the page intro is not drawn
    prose = "With several input channels"
    expanders = [e for e in at.expander if e.label == "About this section"]
    assert len(expanders) == 5  # one per section, after its figure
    assert any(prose in m.value for m in expanders[0].markdown)
    fig = chart(at, "channels_mi_chart")
    assert fig["layout"]["meta"]["cell_px"] >= 56
    assert fig["layout"]["width"] <= 760  # the main column at 1280 px
    numbers = [t for t in fig["data"] if t.get("type") == "heatmap" and t.get("texttemplate")]
    assert numbers and all(t["textfont"]["size"] >= 24 for t in numbers), [
        (t["name"], t["textfont"]["size"]) for t in numbers]
    titles = [a for a in fig["layout"]["annotations"] if "input channel" in a["text"]]
    assert titles and all(a["font"]["size"] >= 22 for a in titles)


def test_a_link_restores_picked_cells_numbers_and_photo_kernels():
    """Issue 9 item 3: a prepared link restores the whole visible state, picked cells too."""
    at = open_link(tab="mix", i="1", j="1", xk="integers", xs="3", px="1,2", pe="true",
                   pkg="box_blur_3x3", img="checkerboard.png")
    assert open_tab(at) == 2
    assert headline(at) == "Output cell (1, 1) = 120"
    assert at.radio(key="channels_mx_kind").value == "integers"
    assert at.selectbox(key="channels_mx_pixel").value == (1, 2)
    assert "Y[0, 1, 2] = " in codes(at)
    assert at.toggle(key="channels_photo_each").value is True
    assert at.selectbox(key="channels_photo_kg_preset").value == "box_blur_3x3"
    assert at.selectbox(key="channels_photo_image").value == "checkerboard.png"
    # The page writes the same settings back: the link round-trips.
    written = dict(at.query_params)
    for name, value in (("tab", "mix"), ("i", "1"), ("j", "1"), ("xk", "integers"),
                        ("xs", "3"), ("px", "1,2"), ("pe", "1"), ("pkg", "box_blur_3x3"),
                        ("img", "checkerboard.png")):
        assert written.get(name) == value, (name, written.get(name))


def test_a_link_to_an_image_the_server_no_longer_has_says_so():
    at = open_link(tab="photo", img="current")
    notices = " ".join(messages(at, "info"))
    assert image_source.UPLOAD_GONE in notices, notices  # the sentence every page says
    assert at.selectbox(key="channels_photo_image").value == "house.png"
    assert image_captions(at) == ["sample house.png: 384×512 shrunk to 24×32"]


def test_every_figure_has_its_grids_as_tables_and_the_headline_is_a_live_region(page):
    """Issue 11: a screen reader gets the figures' numbers, marks named in words."""
    tables = [e.proto.body for e in page.get("html") if "<table" in e.proto.body]
    assert len(tables) == 4  # pipeline, kernel bank, 1×1, photo output
    pipeline = tables[0]
    assert ">X[1] input channel</caption>" in pipeline
    assert "<strong>1 (window)</strong>" in pipeline  # X[1][0, 0] lies under the window
    assert "<strong>56 (picked cell)</strong>" in pipeline
    assert ">output = Σ + b, b = 0</caption>" in pipeline
    assert ">Y[2]</caption>" in tables[1] and ">224</td>" in tables[1]
    assert ">X[2] input channel</caption>" in tables[2]
    labels = [e.label for e in page.expander]
    assert "Show as numbers: every grid of the figure" in labels
    assert "Show as text: which channels are connected" in labels
    groups = next(e for e in page.expander if e.label.startswith("Show as text"))
    assert "Group 0: output channels 0–7 each read input channels 0–3." in groups.markdown[0].value
    assert headline(page) == "Output cell (0, 0) = 56"


def test_typed_numbers_travel_in_the_link_and_come_back():
    """Issue 9 item 3: numbers typed on the multi-input section were not in the link; a
    prepared link opened on the example instead."""
    at = open_page()
    assert "x0" not in dict(at.query_params)  # the example's own numbers stay out of links
    at.text_area(key="channels_mi_x0").set_value("1 2 3\n4 5 6\n7 8 10")
    at.text_area(key="channels_mi_k1").set_value("1 0\n0 -1.5")
    at.run()
    written = dict(at.query_params)
    assert (written.get("n"), written.get("x0"), written.get("k1")) == (
        "2", "1,2,3;4,5,6;7,8,10", "1,0;0,-1.5"), written
    assert written.get("x1") and written.get("k0") and "x2" not in written
    expected = headline(at)
    assert expected != headline(open_page())  # the typed numbers changed the result
    again = open_link(**written)
    def rows(app: AppTest, key: str) -> list[list[str]]:  # the editor aligns the columns
        return [line.split() for line in app.text_area(key=key).value.splitlines()]

    for key in ("channels_mi_x0", "channels_mi_x1", "channels_mi_k0", "channels_mi_k1"):
        assert rows(again, key) == rows(at, key), key
    assert headline(again) == expected
    assert dict(again.query_params).get("x0") == "1,2,3;4,5,6;7,8,10"
