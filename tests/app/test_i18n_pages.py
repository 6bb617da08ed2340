"""Every page in Chinese: rendered with ``?lang=zh`` (AppTest), in its default state and in one
changed state, it shows Chinese and no run of English prose; switching the language keeps the
page and its settings.

"English prose" is three or more English words in a row, outside code (``st.code``, inline
backticks) and formulas, that are not proper names or units (:data:`ALLOWED`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from ui.i18n import use_language
from ui.navigation import existing_pages

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120

#: Words that may stand in a Chinese sentence: names of people, libraries, kernels, layers,
#: units and notation.
ALLOWED = {word.lower() for word in """
    PyTorch NumPy convcore d2l MXNet Gluon Keras TensorFlow JAX Goodfellow Streamlit Plotly
    Pillow BLAS FFT im2col Sobel Prewitt Scharr Gaussian Laplacian Gabor LeNet AlexNet ReLU
    GELU Sigmoid Tanh Softmax Lp L2 L1 max avg min sum mean MNIST RGB RGBA CSV PNG GIF JPEG
    npy MP px ms s dB Waldo CNN Explainer GPU CPU NCHW NHWC OIHW HWIO nn F x y X Y K W H C N
    Conv2d MaxPool2d AvgPool2d Linear Flatten ceil_mode count_include_pad same valid full
    zeros reflect replicate circular arange id pip torch of
""".split()}

#: One changed state per page: widget key → value (set after the first run).
CHANGED: dict[str, dict[str, object]] = {
    "app_pages/home.py": {"home_hidden": 500, "home_out": 4},
    # (img_custom_on would open ui.controls.kernel_editor, whose own text is not translated yet)
    "app_pages/your_image.py": {"img_padding": "same", "img_relu": False, "img_pool": "avg",
                                "img_patch_size": 20},
    # Average pooling with too much padding (the refusal, MXNet's rule, padding by hand), the
    # translation demo shifted right with average pooling.
    "app_pages/pooling.py": {"pool_kind": "avg", "pool_kh": 3, "pool_kw": 3, "pool_ph": 2,
                             "pool_pw": 2, "pool_stride_auto": False, "pool_sh": 2,
                             "pool_sw": 2, "pool_ti_dir": "right", "pool_ti_kind": "avg"},
    # The strided seed example: unreached rows, the floor note, d2l's strided form; the
    # layer stack with a number as padding; the transposed convolution with padding.
    "app_pages/padding_stride.py": {"ps_k_h": 3, "ps_k_w": 5, "ps_geo_pad_top": 0,
                                    "ps_geo_pad_bottom": 0, "ps_geo_stride_h": 3,
                                    "ps_geo_stride_w": 4, "ps_show_all": True,
                                    "ps_stack_pad": "number", "ps_tr_p": 1},
    # A flat image: the identifiability warning, the "Sum of K" metric, the distance chart;
    # a bias and a log-scale loss axis.
    "app_pages/kernel_learning.py": {"kl_experiment": "constant", "kl_bias": True,
                                     "kl_log": True},
    # A kernel that is not separable (the refusal), the upload prompt of the timing, a
    # patch matrix small enough to build.
    "app_pages/under_the_hood.py": {"uh_k": 15, "uh_sep_preset": "laplacian_4",
                                    "uh_t_src": "yours", "uh_mem_size": "64x64"},
    "app_pages/channels.py": {"channels_section": "mix", "channels_mo_bias": True,
                              "channels_mx_kind": "integers", "channels_g_out": 6,
                              "channels_g_groups": 2, "channels_photo_each": True},
    # The tabulated digestion curve, a Gaussian kernel with causal padding, an n-gram the
    # sentence lacks (the warning), the square moving left.
    "app_pages/convolution_1d.py": {"c1_curve": "tabulated", "c1_kp": "gaussian",
                                    "c1_pad": "causal", "c1_ngram": "zz", "c1_dir": "left"},
    # The painted grid, a max-pooling unit's winner, the global-average-pooling scene.
    "app_pages/whole_network.py": {"wn_src": "draw", "wn_layer": 2, "wn_struct": "gap"},
    "app_pages/why_convolution.py": {"wc_tied": True, "wc_local": True, "wc_n": 12,
                                     "wc_show": "weight", "wc_h": 64, "wc_w": 64,
                                     "wc_tf": "scale", "wc_eq_k": "gaussian_blur_3x3"},
    # True convolution (the flipped-kernel note), padding with a caption, a pinned input
    # cell (its sentence), the transposed edge image (the all-zeros verdict), the quiz.
    "app_pages/sliding_window.py": {"sw_operation": "True convolution", "sw_geo_padding": "full",
                                    "sw_pick": ("input", 1, 1), "sw_edge_transposed": True,
                                    "sw_k_preset": "sobel_x"},
}


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


#: Proto fields that hold what a person reads (not ids, keys or data).
TEXT_FIELDS = {"body", "label", "help", "options", "caption", "placeholder", "text",
               "default_value", "formatted_value", "value"}
#: In a Plotly/Vega figure: titles, annotations, axis titles, legend names, button labels.
FIGURE_FIELDS = {"text", "title", "name", "label", "prefix", "suffix"}


def _figure_text(spec) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, item in spec.items():
            if key in FIGURE_FIELDS:
                yield from _strings(item if not isinstance(item, dict) else item.get("text", ""))
            elif key not in ("data", "z", "x", "y", "customdata", "values", "bdata"):
                yield from _figure_text(item)
    elif isinstance(spec, list):
        for item in spec:
            yield from _figure_text(item)


def visible_text(at: AppTest) -> list[str]:
    """What a reader sees on the page: text elements, widget labels, figure titles."""
    found: list[str] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kind = getattr(child, "type", "")
            proto = getattr(child, "proto", None)
            if kind == "code" or proto is None:
                walk(child)
                continue
            if kind == "plotly_chart":
                found.extend(_figure_text(json.loads(proto.spec)))
            elif kind in ("arrow_vega_lite_chart", "vega_lite_chart"):
                found.extend(_figure_text(json.loads(proto.spec)))
            elif kind != "html":
                data = MessageToDict(proto, preserving_proto_field_name=True)
                for field, item in data.items():
                    if field in TEXT_FIELDS:
                        found.extend(_strings(item))
            walk(child)

    walk(at._tree)
    return [text for text in found if text.strip()]


_CODE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|https?://\S+|<[^>]+>", re.S)
_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){2,}")


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words that are not all allowed names or notation."""
    plain = _CODE.sub(" ", text)
    runs = []
    for match in _RUN.finditer(plain):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", match.group())
        unknown = [w for w in words if w.lower() not in ALLOWED and len(w) > 1]
        if len(unknown) >= 3:
            runs.append(match.group())
    return runs


def test_the_detector_finds_english_and_passes_chinese():
    assert english_runs("The kernel slides over the input.") == [
        "The kernel slides over the input"]
    assert english_runs("卷积核在输入上滑动：`F.conv2d(x, w)`，PyTorch 和 NumPy。") == []
    assert english_runs("用 Sobel x 和 Gaussian 卷积核") == []


def open_page(path: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    # AppTest rebuilds each widget's state in this thread, through the widget's format_func
    # (e.g. Home's translated photo names): let this thread speak the page's language too.
    with use_language(query.get("lang", "en")):
        at.run()
        if path != "app_pages/home.py":
            at.switch_page(path).run()
    return at


def _check_chinese(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {at.exception}"
    texts = visible_text(at)
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts), f"{where}: no Chinese at all"
    english = [run for text in texts for run in english_runs(text)]
    assert not english, f"{where}: English prose in Chinese mode: {english[:10]}"


PAGES = [page.path for page in existing_pages()]


@pytest.mark.parametrize("path", PAGES, ids=[Path(p).stem for p in PAGES])
def test_every_page_reads_in_chinese(path):
    at = open_page(path, lang="zh")
    _check_chinese(at, f"{path} (default)")
    changed = CHANGED.get(path, {})
    if changed:
        for key, value in changed.items():
            at.session_state[key] = value
        # AppTest rebuilds each widget's state in this thread, through the widget's
        # format_func: let that thread speak the page's language too.
        with use_language("zh"):
            at.run()
        _check_chinese(at, f"{path} (changed: {sorted(changed)})")


@pytest.mark.parametrize("path", PAGES, ids=[Path(p).stem for p in PAGES])
def test_english_pages_are_english(path):
    """The detector is not blind: the same pages in English do show English prose."""
    at = open_page(path, lang="en")
    assert not at.exception
    assert any(english_runs(t) for t in visible_text(at))


def test_switching_language_keeps_the_page_and_its_settings():
    at = open_page("app_pages/home.py", lang="en")
    at.switch_page("app_pages/padding_stride.py").run()
    number = at.number_input(key="ps_n") if any(
        w.key == "ps_n" for w in at.number_input) else None
    if number is not None:
        number.set_value(11).run()
    at.button_group(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.session_state["lang"] == "zh"
    assert any("填充" in t for t in visible_text(at)), "still not on padding & stride in Chinese"
    if number is not None:
        assert at.number_input(key="ps_n").value == 11
